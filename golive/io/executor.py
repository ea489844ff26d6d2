"""Running a command on a target: the interface every executor implements."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from golive.core.runbook import Host

# Called for each line of output: (stream, line), stream "out" or "err".
LineSink = Callable[[str, str], None]


@dataclass(frozen=True)
class Job:
    command: str  # ready for /bin/sh -c; secrets are read from `env`
    host: Host
    timeout: float | None = None
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class JobResult:
    exit: int | None  # None when the command never ran or was killed
    seconds: float
    timed_out: bool = False
    error: str = ""  # a plain sentence: why it did not run or finish
    pid: int | None = None

    @property
    def ok(self) -> bool:
        return self.exit == 0 and not self.timed_out and not self.error


class Executor(Protocol):
    """Runs one command on one host, streaming its output line by line.

    `cancel` asks the executor to stop the command early (operator abort);
    the executor kills what it started and returns. Implementations: local
    processes here; SSH channels in golive.io.ssh.
    """

    def run(self, job: Job, sink: LineSink, cancel: threading.Event) -> JobResult: ...


class ExecutorSet(Protocol):
    def for_host(self, host: Host) -> Executor: ...
