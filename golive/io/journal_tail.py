"""A journal that another golive is writing, read as it grows: the follower's only input.

It is opened read-only and read with pread(2) from where the last read ended. It takes
no lock (the writer's flock stays the writer's) and never writes, so any number of
followers can read one run, on a read-only copy or file system too. A line without its
"\\n" yet is being written: it waits for the rest. A line that is complete but is not a
golive event is left out and said once (``problem``); the lines after it are read.

Who writes the journal is read from /proc/locks, which lists the writer's flock without
taking one (golive.io.journal.lock_holder)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
from dataclasses import dataclass

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


class JournalTail:
    """Reads the events a journal gains, in order, without ever writing or locking it."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            self._fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            self._inode = os.fstat(self._fd).st_ino
        except OSError as exc:
            raise JournalError(f"{path}: cannot read the journal: {exc.strerror or exc}") from None
        self._offset = 0
        self._pending = b""
        self.lines = 0  # complete lines read
        self.problem: str | None = None  # the first line that is not a golive event
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
            if not data:
                break
            self._offset += len(data)
            self._split(self._pending + data, events)
            if len(data) < READ_CHUNK:
                break
        self.size = self._offset
        return events

    def _split(self, data: bytes, events: list[Event]) -> None:
        last = data.rfind(b"\n")
        if last < 0:
            self._pending = data if len(data) <= MAX_LINE else b""
            return
        self._pending = data[last + 1 :]
        for line in data[:last].split(b"\n"):
            self.lines += 1
            if not line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                self._said(f"line {self.lines}: not JSON")
                continue
            problem = shape_problem(record) if isinstance(record, dict) else "not an object"
            if problem:
                self._said(f"line {self.lines}: not a valid journal event ({problem})")
                continue
            if record.get("type") in ("run_started", "session_resumed"):
                self.machine = str(record.get("machine") or "")
            events.append(record)

    def _said(self, problem: str) -> None:
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
