"""Commands on this machine, each in its own process group."""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Mapping

from golive.io.executor import Job, JobResult, LineSink, OutputStream

KILL_GRACE = 3.0


class LocalExecutor:
    """Runs `/bin/sh -c COMMAND` with stdin closed.

    The command leads a new session and so a new process group: a timeout or
    cancel sends SIGTERM, then SIGKILL, to the whole group, so `sleep` in a
    pipeline dies with its shell. It also means that when golive itself is
    killed, the command keeps running and is reported as interrupted on
    resume instead of being killed silently.
    """

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
            process = subprocess.Popen(
                ["/bin/sh", "-c", job.command],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=self._environment(job.env),
                cwd=self.cwd,
                start_new_session=True,
            )
        except OSError as exc:
            return JobResult(None, 0.0, error=f"could not start /bin/sh: {exc.strerror or exc}")
        deadline = started + job.timeout if job.timeout else None
        timed_out = cancelled = False
        selector = selectors.DefaultSelector()
        for stream, pipe in (("out", process.stdout), ("err", process.stderr)):
            assert pipe is not None
            os.set_blocking(pipe.fileno(), False)
            selector.register(pipe, selectors.EVENT_READ, OutputStream(stream, sink, job.masker))
        killed_at: float | None = None
        while selector.get_map():
            now = time.monotonic()
            if killed_at is None and ((deadline and now >= deadline) or cancel.is_set()):
                timed_out, cancelled = not cancel.is_set(), cancel.is_set()
                _signal_group(process.pid, signal.SIGTERM)
                killed_at = now
            elif killed_at is not None and now - killed_at > KILL_GRACE:
                _signal_group(process.pid, signal.SIGKILL)
            for key, _ in selector.select(timeout=0.2):
                output: OutputStream = key.data
                chunk = os.read(key.fileobj.fileno(), 65536)  # type: ignore[union-attr]
                if chunk:
                    output.feed(chunk)
                else:
                    output.close()
                    selector.unregister(key.fileobj)
            if killed_at is not None and process.poll() is not None:
                # The shell is gone; a grandchild holding the pipe must not keep us here.
                _signal_group(process.pid, signal.SIGKILL)
        selector.close()
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()
        code = process.wait()
        seconds = time.monotonic() - started
        if timed_out:
            return JobResult(
                None,
                seconds,
                timed_out=True,
                error=f"timed out after {job.timeout:g}s and was killed",
                pid=process.pid,
            )
        if cancelled:
            return JobResult(None, seconds, error="cancelled by the operator", pid=process.pid)
        return JobResult(code if code >= 0 else 128 - code, seconds, pid=process.pid)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
