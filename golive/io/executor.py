"""Running a command on a target: the interface every executor implements."""

from __future__ import annotations

import codecs
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from golive.core.runbook import Host
from golive.core.templating import Masker

# Called for each line of output: (stream, line), stream "out" or "err".
LineSink = Callable[[str, str], None]

MAX_LINE = 16 * 1024  # characters; the rest of a longer line is dropped
LINE_CUT = " …[line cut]"


@dataclass(frozen=True)
class Job:
    command: str  # ready for /bin/sh -c; values are read from `env`
    host: Host
    timeout: float | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    masker: Masker = field(default_factory=lambda: Masker(()))  # the run's secrets
    # Called once the command is started, or could not be (LocalExecutor): the step's
    # thread holds the start gate until then (see StepExecution).
    started: Callable[[], None] | None = field(default=None, compare=False)


class OutputStream:
    """One stream of a command's output (stdout or stderr): bytes in, masked lines out.

    Both executors read output in pieces cut anywhere (64 KiB reads, packets); the
    bytes are decoded and masked as one stream before they are split into lines and
    long lines are cut, so a secret is masked whatever boundary it straddles,
    a multi-line secret included.
    """

    def __init__(
        self, stream: str, sink: LineSink, masker: Masker, max_line: int = MAX_LINE
    ) -> None:
        self._stream = stream
        self._max_line = max_line
        self._sink = sink
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._masking = masker.stream()
        self._line: list[str] = []
        self._length = 0
        self._cut = False  # the current line was cut: drop the rest of it

    def feed(self, data: bytes) -> None:
        self._split(self._masking.feed(self._decoder.decode(data)))

    def close(self) -> None:
        self._split(self._masking.feed(self._decoder.decode(b"", final=True)))
        self._split(self._masking.flush())
        if self._line:
            self._end_line()

    def _split(self, text: str) -> None:
        if not text:
            return
        *complete, rest = text.split("\n")
        for part in complete:
            self._add(part)
            self._end_line()
        self._add(rest)

    def _add(self, part: str) -> None:
        if self._cut or not part:
            return
        self._line.append(part)
        self._length += len(part)
        if self._length > self._max_line:
            self._sink(self._stream, "".join(self._line)[: self._max_line] + LINE_CUT)
            self._line, self._length, self._cut = [], 0, True

    def _end_line(self) -> None:
        if not self._cut:
            self._sink(self._stream, "".join(self._line).rstrip("\r"))
        self._line, self._length, self._cut = [], 0, False


@dataclass(frozen=True)
class JobResult:
    exit: int | None  # None when the command never ran or was killed
    seconds: float
    timed_out: bool = False
    error: str = ""  # a plain sentence: why it did not run or finish
    pid: int | None = None
    unknown: bool = False  # the connection was lost while it ran: it may or may not have finished

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


def reports_start(executor: Executor) -> bool:
    """Whether `executor` calls Job.started as soon as its command runs (LocalExecutor).
    Only then may a step hold the start gate until its command has started: one that
    never says so would hold it for the whole command and serialize parallel streams."""
    return bool(getattr(executor, "REPORTS_START", False))


class ExecutorSet(Protocol):
    def for_host(self, host: Host) -> Executor: ...
