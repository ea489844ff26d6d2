"""Running step commands on a host over its shared SSH connection.

How a remote command is stopped: golive does not rely on SSH signal
requests (OpenSSH ignores most of them) or on a pty (it would merge stderr
into stdout). Each command runs under a small sh wrapper that

1. reads the step's secrets, one line each, from the channel's stdin (so
   they never appear on a command line or in the remote process list);
2. starts the command with `setsid`, in a process group of its own, with
   stdin from /dev/null;
3. keeps reading stdin: when it reaches end of file, the wrapper sends
   SIGTERM to the whole group, and SIGKILL 3 s later.

golive ends stdin (shutdown_write) on a timeout or a cancel, and the stdin
of a channel also ends when the connection or golive itself dies. Either
way the remote command is killed, never left running unseen.
"""

from __future__ import annotations

import select
import shlex
import threading
import time

import paramiko

from golive.core.runbook import Host
from golive.io.executor import Executor, Job, JobResult, LineSink
from golive.io.local import MAX_LINE, LocalExecutor
from golive.io.ssh import SshError, SshPool

KILL_GRACE = 5.0  # the remote wrapper waits 3 s between TERM and KILL

# A background job's stdin is /dev/null in a non-interactive sh, so the watcher
# reads the channel's stdin through a copy on fd 3.
_WRAPPER = r"""
{reads}
exec 3<&0
setsid /bin/sh -c "$1" </dev/null 3<&- &
child=$!
( while IFS= read -r _line; do :; done <&3
  kill -TERM -"$child" 2>/dev/null; sleep 3; kill -KILL -"$child" 2>/dev/null ) &
watcher=$!
exec 3<&-
wait "$child"
status=$?
kill "$watcher" 2>/dev/null
exit "$status"
"""


def remote_command(command: str, secret_names: list[str]) -> str:
    reads = "\n".join(f"IFS= read -r {name}; export {name}" for name in secret_names)
    wrapper = _WRAPPER.format(reads=reads)
    return f"exec /bin/sh -c {shlex.quote(wrapper)} golive-step {shlex.quote(command)}"


class SshExecutor:
    def __init__(self, pool: SshPool) -> None:
        self.pool = pool

    def run(self, job: Job, sink: LineSink, cancel: threading.Event) -> JobResult:
        started = time.monotonic()
        try:
            connection = self.pool.connection(job.host)
            with connection.channel() as chan:
                names = sorted(job.env)
                if any("\n" in job.env[n] for n in names):
                    return JobResult(
                        None,
                        0.0,
                        error="a secret contains a line break and cannot be sent over SSH",
                    )
                chan.exec_command(remote_command(job.command, names))
                for name in names:
                    chan.sendall((job.env[name] + "\n").encode())
                return self._stream(chan, job, sink, cancel, started)
        except SshError as exc:
            return JobResult(None, time.monotonic() - started, error=str(exc))

    def _stream(
        self,
        chan: paramiko.Channel,
        job: Job,
        sink: LineSink,
        cancel: threading.Event,
        started: float,
    ) -> JobResult:
        pending = {"out": b"", "err": b""}
        deadline = started + job.timeout if job.timeout else None
        stopped_at: float | None = None
        timed_out = False

        def emit(stream: str, data: bytes, final: bool = False) -> None:
            buffered = pending[stream] + data
            *lines, rest = buffered.split(b"\n")
            for line in lines:
                sink(stream, line.rstrip(b"\r").decode("utf-8", errors="replace"))
            if len(rest) > MAX_LINE:
                sink(stream, rest[:MAX_LINE].decode("utf-8", errors="replace") + " …[line cut]")
                rest = b""
            if final and rest:
                sink(stream, rest.rstrip(b"\r").decode("utf-8", errors="replace"))
                rest = b""
            pending[stream] = rest

        while True:
            now = time.monotonic()
            if stopped_at is None and ((deadline and now >= deadline) or cancel.is_set()):
                timed_out = not cancel.is_set()
                stopped_at = now
                chan.shutdown_write()  # stdin EOF: the wrapper kills the command's group
            if stopped_at is not None and now - stopped_at > KILL_GRACE:
                break
            select.select([chan], [], [], 0.2)
            while chan.recv_ready():
                emit("out", chan.recv(65536))
            while chan.recv_stderr_ready():
                emit("err", chan.recv_stderr(65536))
            if chan.exit_status_ready() and not chan.recv_ready() and not chan.recv_stderr_ready():
                break
            if chan.closed or not chan.get_transport().is_active():
                break
        emit("out", b"", final=True)
        emit("err", b"", final=True)
        seconds = time.monotonic() - started
        if timed_out:
            return JobResult(
                None,
                seconds,
                timed_out=True,
                error=f"timed out after {job.timeout:g}s and was killed on {job.host.name}",
            )
        if cancel.is_set():
            return JobResult(None, seconds, error="cancelled by the operator")
        if not chan.exit_status_ready():
            return JobResult(
                None,
                seconds,
                error=f"the connection to {job.host.name} was lost while the command ran; its outcome is unknown",
            )
        return JobResult(chan.recv_exit_status(), seconds)


class HostExecutors:
    """Local commands for local hosts, SSH for the rest, over one shared pool."""

    def __init__(self, pool: SshPool) -> None:
        self.pool = pool
        self._local = LocalExecutor()
        self._ssh = SshExecutor(pool)

    def for_host(self, host: Host) -> Executor:
        return self._local if host.local else self._ssh
