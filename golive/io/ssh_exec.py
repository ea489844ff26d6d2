"""Running step commands on a host over its shared SSH connection.

How a remote command is stopped: golive does not rely on SSH signal
requests (OpenSSH ignores most of them) or on a pty (it would merge stderr
into stdout). Each command runs under a small sh wrapper that

1. reads the command's variables (plain values and secrets) from the
   channel's stdin and exports them, so they never appear on a command line
   or in the remote process list: for each one, a line with its number of
   lines, then the value itself, so a value may hold line breaks;
2. starts the command with `setsid`, in a process group of its own, with
   stdin from /dev/null;
3. keeps reading stdin: when it reaches end of file, the wrapper sends
   SIGTERM to the whole group, and SIGKILL 3 s later.

golive ends stdin (shutdown_write) on a timeout or a cancel, and the stdin
of a channel also ends when the connection or golive itself dies. Either
way the remote command is killed, never left running unseen.
"""

from __future__ import annotations

import re
import select
import shlex
import threading
import time
from typing import TYPE_CHECKING

from golive.core.runbook import Host
from golive.io.executor import Executor, Job, JobResult, LineSink, OutputStream
from golive.io.local import LocalExecutor
from golive.io.ssh import SshError, SshPool

if TYPE_CHECKING:
    import paramiko

KILL_GRACE = 5.0  # the remote wrapper waits 3 s between TERM and KILL

# A background job's stdin is /dev/null in a non-interactive sh, so the watcher
# reads the channel's stdin through a copy on fd 3. The values are read by
# golive_value: a count of lines, then that many lines (`read -r` keeps
# backslashes, IFS= keeps blanks), joined again with line breaks.
_WRAPPER = r"""
golive_value() {
  IFS= read -r golive_n || exit 125
  golive_v=
  while [ "$golive_n" -gt 0 ]; do
    IFS= read -r golive_l || exit 125
    golive_v="$golive_v$golive_l"
    golive_n=$((golive_n - 1))
    if [ "$golive_n" -gt 0 ]; then golive_v="$golive_v
"; fi
  done
  export "$1=$golive_v"
}
{reads}
unset golive_n golive_v golive_l
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
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def remote_command(command: str, names: list[str]) -> str:
    """The wrapper around `command`, reading the values of `names` from stdin first."""
    for name in names:
        if not _NAME.match(name):
            raise ValueError(f"not an environment variable name: {name!r}")
    reads = "\n".join(f"golive_value {name}" for name in names)
    wrapper = _WRAPPER.replace("{reads}", reads)
    return f"exec /bin/sh -c {shlex.quote(wrapper)} golive-step {shlex.quote(command)}"


def value_lines(value: str) -> bytes:
    """How one value travels on the wrapper's stdin: its line count, then its lines."""
    return f"{value.count(chr(10)) + 1}\n{value}\n".encode()


class SshExecutor:
    def __init__(self, pool: SshPool) -> None:
        self.pool = pool

    def run(self, job: Job, sink: LineSink, cancel: threading.Event) -> JobResult:
        started = time.monotonic()
        if any("\0" in value for value in job.env.values()):
            return JobResult(
                None, 0.0, error="a value holds a NUL byte, which no command can receive"
            )
        try:
            connection = self.pool.connection(job.host)
            with connection.channel() as chan:
                names = sorted(job.env)
                chan.exec_command(remote_command(job.command, names))
                chan.sendall(b"".join(value_lines(job.env[name]) for name in names))
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
        out = OutputStream("out", sink, job.masker)
        err = OutputStream("err", sink, job.masker)
        deadline = started + job.timeout if job.timeout else None
        stopped_at: float | None = None
        timed_out = False
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
                out.feed(chan.recv(65536))
            while chan.recv_stderr_ready():
                err.feed(chan.recv_stderr(65536))
            if chan.exit_status_ready() and not chan.recv_ready() and not chan.recv_stderr_ready():
                break
            if chan.closed or not chan.get_transport().is_active():
                break
        out.close()
        err.close()
        seconds = time.monotonic() - started
        if timed_out:
            return JobResult(
                None,
                seconds,
                timed_out=True,
                error=f"timed out after {job.timeout:g}s and was killed",
            )
        if cancel.is_set():
            return JobResult(None, seconds, error="cancelled by the operator")
        # paramiko reports -1 when the channel closed without an exit status: the
        # connection died (sshd killed, or frozen past the heartbeat), not the command.
        status = chan.recv_exit_status() if chan.exit_status_ready() else -1
        if status == -1:
            return JobResult(
                None,
                seconds,
                error=f"the connection to {job.host.name} was lost while the command ran; "
                "its outcome is unknown",
                unknown=True,
            )
        return JobResult(status, seconds)


class HostExecutors:
    """Local commands for local hosts, SSH for the rest, over one shared pool."""

    def __init__(self, pool: SshPool) -> None:
        self.pool = pool
        self._local = LocalExecutor()
        self._ssh = SshExecutor(pool)

    def for_host(self, host: Host) -> Executor:
        return self._local if host.local else self._ssh
