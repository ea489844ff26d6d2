"""Commands on this machine, each in its own process group."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import threading
import time
from collections.abc import Mapping

from golive.io.executor import Job, JobResult, LineSink, OutputStream

KILL_GRACE = 3.0
SHELL = "/bin/sh"
POLL_MS = 200  # how often a running command looks at its deadline and the cancel event


class LocalExecutor:
    """Runs `/bin/sh -c COMMAND` with stdin closed.

    The command leads a new session and so a new process group: a timeout or
    cancel sends SIGTERM, then SIGKILL, to the whole group, so `sleep` in a
    pipeline dies with its shell. It also means that when golive itself is
    killed, the command keeps running and is reported as interrupted on
    resume instead of being killed silently.

    The shell is started with posix_spawn (a vfork: nothing of golive's memory is
    copied), its output read from two pipes with poll(2): starting a process costs
    golive less than running `true`. No descriptor of golive's reaches the command
    but the three it is given (see _spawn).
    """

    REPORTS_START = True  # calls Job.started once the shell is spawned (see reports_start)

    def __init__(self, cwd: str | None = None) -> None:
        self.cwd = cwd
        self._base_env: dict[bytes, bytes] | None = None

    def _environment(self, extra: Mapping[str, str]) -> dict[bytes, bytes]:
        """golive's environment plus the job's values, as bytes: encoding every variable
        of os.environ again for each command costs more than running `true`."""
        if self._base_env is None:
            self._base_env = dict(os.environb)
        env = dict(self._base_env)
        for name, value in extra.items():
            env[os.fsencode(name)] = os.fsencode(value)
        return env

    def run(self, job: Job, sink: LineSink, cancel: threading.Event) -> JobResult:
        started = time.monotonic()
        if any("\0" in value for value in job.env.values()):
            return JobResult(
                None, 0.0, error="a value holds a NUL byte, which no command can receive"
            )
        try:
            child = _spawn(job.command, self._environment(job.env), self.cwd)
        except OSError as exc:
            return JobResult(None, 0.0, error=f"could not start {SHELL}: {exc.strerror or exc}")
        finally:
            if job.started is not None:
                job.started()
        deadline = started + job.timeout if job.timeout else None
        timed_out = cancelled = False
        poller = select.poll()
        streams: dict[int, OutputStream] = {}
        for stream, fd in (("out", child.out), ("err", child.err)):
            poller.register(fd, select.POLLIN)
            streams[fd] = OutputStream(stream, sink, job.masker)
        killed_at: float | None = None
        try:
            while streams:
                now = time.monotonic()
                if killed_at is None and ((deadline and now >= deadline) or cancel.is_set()):
                    timed_out, cancelled = not cancel.is_set(), cancel.is_set()
                    _signal_group(child.pid, signal.SIGTERM)
                    killed_at = now
                elif killed_at is not None and now - killed_at > KILL_GRACE:
                    _signal_group(child.pid, signal.SIGKILL)
                for fd, _ in poller.poll(POLL_MS):
                    chunk = os.read(fd, 65536)
                    if chunk:
                        streams[fd].feed(chunk)
                    else:
                        streams.pop(fd).close()
                        poller.unregister(fd)
                        os.close(fd)
                if killed_at is not None and child.poll() is not None:
                    # The shell is gone; a grandchild holding the pipe must not keep us here.
                    _signal_group(child.pid, signal.SIGKILL)
        finally:
            for fd in streams:
                with contextlib.suppress(OSError):
                    os.close(fd)
        code = child.wait()
        seconds = time.monotonic() - started
        if timed_out:
            return JobResult(
                None,
                seconds,
                timed_out=True,
                error=f"timed out after {job.timeout:g}s and was killed",
                pid=child.pid,
            )
        if cancelled:
            return JobResult(None, seconds, error="cancelled by the operator", pid=child.pid)
        return JobResult(code if code >= 0 else 128 - code, seconds, pid=child.pid)


class _Child:
    """A started shell: its pid, the read ends of its stdout and stderr, and its exit."""

    def __init__(self, pid: int, out: int, err: int, popen: subprocess.Popen[bytes] | None):
        self.pid, self.out, self.err = pid, out, err
        self._popen = popen
        self._code: int | None = None

    def poll(self) -> int | None:
        """Its exit code (negative: the signal that ended it) once it has ended, else None."""
        if self._code is None:
            if self._popen is not None:
                self._code = self._popen.poll()
            else:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
                if pid:
                    self._code = os.waitstatus_to_exitcode(status)
        return self._code

    def wait(self) -> int:
        if self._code is None:
            if self._popen is not None:
                self._code = self._popen.wait()
            else:
                _, status = os.waitpid(self.pid, 0)
                self._code = os.waitstatus_to_exitcode(status)
        return self._code


_devnull: int | None = None
_fds_sealed = False
_setup = threading.Lock()


def _prepare() -> int:
    """Once per process: /dev/null for every command's stdin, and every descriptor golive
    was given at its start (its own parent's, say a CI runner's pipe) made close-on-exec.
    Descriptors Python opens are close-on-exec already, so a command gets its three and
    nothing else, as with subprocess's close_fds."""
    global _devnull, _fds_sealed
    with _setup:
        if not _fds_sealed:
            with contextlib.suppress(OSError):
                for name in os.listdir("/proc/self/fd"):
                    fd = int(name)
                    if fd > 2:
                        with contextlib.suppress(OSError):
                            os.set_inheritable(fd, False)
            _fds_sealed = True
        if _devnull is None:
            _devnull = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
        return _devnull


def _spawn(command: str, env: dict[bytes, bytes], cwd: str | None) -> _Child:
    """`/bin/sh -c command` in a new session, stdin /dev/null, stdout and stderr pipes."""
    devnull = _prepare()
    out_r, out_w = os.pipe()
    try:
        err_r, err_w = os.pipe()
    except OSError:
        os.close(out_r)
        os.close(out_w)
        raise
    try:
        if cwd is None and min(devnull, out_w, err_w) > 2:
            pid = os.posix_spawn(
                SHELL,
                [SHELL, "-c", command],
                env,
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, devnull, 0),
                    (os.POSIX_SPAWN_DUP2, out_w, 1),
                    (os.POSIX_SPAWN_DUP2, err_w, 2),
                ],
                setsid=True,
                # What subprocess's restore_signals does: Python ignores SIGPIPE and
                # SIGXFSZ, and an ignored signal stays ignored across exec.
                setsigdef=(signal.SIGPIPE, signal.SIGXFSZ),
            )
            popen = None
        else:
            # A working folder (posix_spawn cannot change it) or a descriptor that
            # would land on 0-2: subprocess handles both.
            popen = subprocess.Popen(
                [SHELL, "-c", command],
                stdin=devnull,
                stdout=out_w,
                stderr=err_w,
                env=env,
                cwd=cwd,
                start_new_session=True,
            )
            pid = popen.pid
    except BaseException:
        for fd in (out_r, err_r):
            os.close(fd)
        raise
    finally:
        os.close(out_w)
        os.close(err_w)
    for fd in (out_r, err_r):
        os.set_blocking(fd, False)
    return _Child(pid, out_r, err_r, popen)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
