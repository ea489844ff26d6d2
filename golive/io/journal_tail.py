"""A journal that another golive is writing, read as it grows: the follower's only input.

It is opened read-only and read with pread(2) from where the last read ended. It takes
no lock (the writer's flock stays the writer's) and never writes, so any number of
followers can read one run, on a read-only copy or file system too. A line without its
"\\n" yet is being written: it is read again next time, whole (a resumed writer cuts a
torn last line back, in place, and writes on from there). A line that is complete but
is not a golive event is left out and counted (``problem`` says the first); the lines
after it are read. Only a regular file is read: a FIFO or a device is refused.

Who writes the journal is read from /proc/locks, which lists the writer's flock without
taking one (golive.io.journal.lock_holder)."""

from __future__ import annotations

import contextlib
import json
import math
import os
import socket
import stat
from dataclasses import dataclass
from typing import Any

from golive.core.event_schema import shape_problem
from golive.core.events import Event
from golive.io.journal import JournalError, lock_holder

READ_CHUNK = 8 << 20  # bytes read per pread: a long journal is caught up in a few reads
MAX_LINE = 64 << 20  # a "line" longer than this without its newline is not a journal line


@dataclass(frozen=True)
class Writer:
    """Who writes the journal, as far as this machine can tell."""

    pid: int | None  # the live golive holding its lock here, if any
    machine: str  # where the run says it runs (its last run_started / session_resumed)
    here: bool  # that machine is this one: /proc/locks can tell whether it still writes

    @property
    def alive(self) -> bool | None:
        """True: it writes; False: it is gone; None: it runs elsewhere, unknown."""
        if self.pid is not None:
            return True
        return False if self.here else None


def _not_a_number(text: str) -> Any:
    raise ValueError(f"{text} is not a number a journal holds")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large")
    return value


def _whole(text: str) -> int:
    if len(text.lstrip("-")) > 18:
        raise ValueError("a whole number too large")
    return int(text)


def parse_line(line: bytes) -> Any:
    """One journal line's JSON: NaN, Infinity and numbers no journal holds are refused
    (Python's json takes them, and they would break every sum and clock after)."""
    return json.loads(line, parse_constant=_not_a_number, parse_float=_finite, parse_int=_whole)


class JournalTail:
    """Reads the events a journal gains, in order, without ever writing or locking it."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            # Non-blocking, so that a FIFO under the name cannot hold the open.
            self._fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
            info = os.fstat(self._fd)
        except OSError as exc:
            raise JournalError(f"{path}: cannot read the journal: {exc.strerror or exc}") from None
        if not stat.S_ISREG(info.st_mode):
            os.close(self._fd)
            raise JournalError(f"{path}: not a journal file (a device, a pipe or a socket)")
        self._inode = info.st_ino
        # Where the next line starts: a line without its newline yet is read again next
        # time (the writer may cut a torn one back and write a whole one in its place).
        self._offset = 0
        self._pending = b""
        self._skipping = False  # inside a line longer than MAX_LINE: dropped up to its end
        self.lines = 0  # complete lines read
        self.problem: str | None = None  # the first line that is not a golive event
        self.skipped = 0  # lines left out
        self.machine = ""
        self.size = 0

    def read(self) -> list[Event]:
        """The events written since the last read (everything, the first time)."""
        events: list[Event] = []
        while True:
            try:
                data = os.pread(self._fd, READ_CHUNK, self._offset)
            except OSError as exc:
                raise JournalError(
                    f"{self.path}: cannot read the journal: {exc.strerror or exc}"
                ) from None
            last = data.rfind(b"\n")
            if last < 0:
                self._pending = data
                if len(data) > MAX_LINE or (self._skipping and data):
                    self._skip(len(data))  # not a journal line: not kept, not read again
                break
            self._split(data[: last + 1], events)
            self._offset += last + 1
            self._pending = data[last + 1 :]
            if len(data) < READ_CHUNK:
                break
        self.size = self._offset + len(self._pending)
        return events

    def _skip(self, size: int) -> None:
        if not self._skipping:
            self._said(f"line {self.lines + 1}: longer than {MAX_LINE >> 20} MiB")
        self._skipping = True
        self._offset += size
        self._pending = b""

    def _split(self, data: bytes, events: list[Event]) -> None:
        lines = data.split(b"\n")[:-1]
        if self._skipping:  # the end of a line too long to be an event
            self._skipping = False
            self.lines += 1
            lines = lines[1:]
        for line in lines:
            self.lines += 1
            if not line:
                continue
            try:
                record = parse_line(line)
            except (ValueError, RecursionError):
                self._said(f"line {self.lines}: not JSON a journal holds")
                continue
            problem = shape_problem(record) if isinstance(record, dict) else "not an object"
            if problem:
                self._said(f"line {self.lines}: not a valid journal event ({problem})")
                continue
            if record.get("type") in ("run_started", "session_resumed"):
                self.machine = str(record.get("machine") or "")
            events.append(record)

    def _said(self, problem: str) -> None:
        self.skipped += 1
        if self.problem is None:
            self.problem = problem

    @property
    def torn(self) -> bool:
        """A last line is still without its newline: being written (or cut by a crash)."""
        return bool(self._pending)

    def replaced(self) -> bool:
        """The name now points at another file, or the file shrank: not the run read so far."""
        try:
            info = os.stat(self.path)
        except OSError:
            return True
        return info.st_ino != self._inode or info.st_size < self._offset

    def writer(self) -> Writer:
        here = socket.gethostname()
        return Writer(lock_holder(self.path), self.machine or here, self.machine in ("", here))

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)
