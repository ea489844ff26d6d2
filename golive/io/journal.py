"""The append-only, hash-chained journal file.

One JSON object per line. Each line carries `seq`, `t` (wall time), `m`
(monotonic seconds since the run started) and `prev`: the first 32 hex
digits of the SHA-256 of the previous line's bytes. Changing, removing or
inserting a line breaks the chain at the next line.

Durability: every line is handed to the kernel with os.write() before
append() returns, so a crash of golive itself loses nothing that was shown.
Events in DURABLE are also fsync'd before append() returns; output lines are
fsync'd by a background flusher at least once a second (group commit).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from golive.core.clock import Clock
from golive.core.events import DURABLE, Event
from golive.core.templating import Masker

HASH_CHARS = 32
GROUP_COMMIT_SECONDS = 1.0


class JournalError(Exception):
    """The journal cannot be written or read; the message is for the operator."""


def line_hash(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()[:HASH_CHARS]


# Fields that name things the runbook defines (ids, hosts, enum values). They are
# never masked: a secret's text inside a step id must not rename the step. Every
# other string, at any depth, is free text and is masked.
STRUCTURAL = frozenset(
    {"type", "step", "steps", "host", "hosts", "action", "to", "actions", "decision", "question",
     "mode", "status", "outcome", "stream", "secrets", "runbook", "runbook_sha256"}
)  # fmt: skip


def _mask_value(value: Any, mask: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: _mask_value(v, mask) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_value(v, mask) for v in value]
    return value


def mask_event(event: Event, mask: Callable[[str], str]) -> Event:
    return {k: (v if k in STRUCTURAL else _mask_value(v, mask)) for k, v in event.items()}


@dataclass(frozen=True)
class Tail:
    """Where an existing journal ends, for appending to it."""

    seq: int
    prev: str
    m: float
    wall: str | None
    good_bytes: int  # length up to the last complete line
    torn_bytes: int  # bytes of a torn last line (a crash mid-write)


class JournalWriter:
    def __init__(
        self,
        path: str,
        clock: Clock,
        masker: Masker | None = None,
        tail: Tail | None = None,
        base_m: float = 0.0,
    ) -> None:
        self.path = path
        self._clock = clock
        self._masker = masker or Masker(())
        self._lock = threading.Lock()
        self._mono0 = clock.mono()
        self._base_m = base_m
        self._dirty = False
        self._failed: str | None = None
        try:
            if tail is None:
                # O_EXCL: never append a new run to somebody else's file.
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND
                self._fd = os.open(path, flags, 0o600)
                self._seq, self._prev = -1, ""
                _fsync_dir(path)
            else:
                self._fd = os.open(path, os.O_WRONLY | os.O_APPEND)
                if tail.torn_bytes:
                    os.ftruncate(self._fd, tail.good_bytes)
                    os.fsync(self._fd)
                self._seq, self._prev = tail.seq, tail.prev
        except FileExistsError:
            raise JournalError(
                f"{path}: a journal already exists there; resume it or pick another --journal"
            ) from None
        except OSError as exc:
            raise JournalError(f"{path}: cannot open the journal: {exc.strerror or exc}") from None
        self._offset = os.lseek(self._fd, 0, os.SEEK_END)
        self._stop = threading.Event()
        self._flusher = threading.Thread(target=self._flush_loop, name="journal-flush", daemon=True)
        self._flusher.start()

    @property
    def seq(self) -> int:
        return self._seq

    @property
    def head(self) -> str:
        return self._prev

    def now_m(self) -> float:
        return self._base_m + (self._clock.mono() - self._mono0)

    def append(self, event: Event) -> Event:
        """Write `event` and return it as recorded; raises JournalError if it was not."""
        with self._lock:
            if self._failed:
                raise JournalError(self._failed)
            record: Event = {
                "seq": self._seq + 1,
                "t": self._clock.wall().isoformat(timespec="milliseconds"),
                "m": round(self.now_m(), 3),
                **(mask_event(event, self._masker.mask) if self._masker else event),
                "prev": self._prev,
            }
            line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()
            self._write(line + b"\n", durable=event["type"] in DURABLE)
            self._seq += 1
            self._prev = line_hash(line)
            return record

    def _write(self, data: bytes, durable: bool) -> None:
        try:
            view = memoryview(data)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
            if durable:
                os.fsync(self._fd)
                self._dirty = False
            else:
                self._dirty = True
            self._offset += len(data)
        except OSError as exc:
            # Take back a partial line so the file still ends on a whole event.
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._offset)
            self._failed = (
                f"{self.path}: the journal could not be written ({exc.strerror or exc}); "
                f"nothing after event {self._seq} is recorded"
            )
            raise JournalError(self._failed) from None

    def _flush_loop(self) -> None:
        while not self._stop.wait(GROUP_COMMIT_SECONDS):
            self.flush()

    def flush(self) -> None:
        with self._lock:
            if self._dirty and not self._failed:
                try:
                    os.fsync(self._fd)
                    self._dirty = False
                except OSError as exc:
                    self._failed = f"{self.path}: fsync failed ({exc.strerror or exc})"

    def close(self) -> None:
        self._stop.set()
        self.flush()
        with self._lock:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._failed = self._failed or f"{self.path}: the journal is closed"


def _fsync_dir(path: str) -> None:
    # A new file's name is durable only once its directory is.
    try:
        fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- reading and verifying ------------------------------------------------------


@dataclass
class Verification:
    path: str
    events: int = 0
    torn_line: int | None = None  # a torn last line: tolerated
    broken_line: int | None = None  # the chain breaks here: tampering or corruption
    problem: str = ""
    tail: Tail | None = None

    @property
    def ok(self) -> bool:
        return self.broken_line is None


def read_events(path: str, verify: bool = True) -> Iterator[Event]:
    """Events of a journal in order. With verify, a broken chain raises JournalError;
    a torn last line is silently ignored (verify_journal reports it)."""
    report = Verification(path)
    yield from _scan(path, report, verify)
    if report.broken_line is not None:
        raise JournalError(f"{path}:{report.broken_line}: {report.problem}")


def replay_journal(path: str, apply: Callable[[Event], None]) -> Verification:
    """Feed every event to `apply` in one pass, checking the chain as it goes."""
    report = Verification(path)
    for record in _scan(path, report, True):
        apply(record)
    return report


def verify_journal(path: str) -> Verification:
    return replay_journal(path, lambda _: None)


def _scan(path: str, report: Verification, verify: bool) -> Iterator[Event]:
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, and generators need it open
    except OSError as exc:
        raise JournalError(f"{path}: cannot read the journal: {exc.strerror or exc}") from None
    prev, seq, good, m, wall = "", -1, 0, 0.0, None
    loads = json.loads
    with handle:
        for number, raw in enumerate(handle, start=1):
            complete = raw.endswith(b"\n")
            line = raw[:-1] if complete else raw
            try:
                record = loads(line)
                if not isinstance(record, dict):
                    raise ValueError("not an object")
            except ValueError:
                if not complete:
                    report.torn_line = number
                    break
                report.broken_line, report.problem = (
                    number,
                    "not a valid journal event (corrupted or edited)",
                )
                break
            if verify:
                problem = ""
                if record.get("prev") != prev:
                    problem = "hash chain broken: this event does not follow the one before it (edited, removed or inserted lines)"
                elif record.get("seq") != seq + 1:
                    problem = f"sequence jumps from {seq} to {record.get('seq')}"
                if problem:
                    report.broken_line, report.problem = number, problem
                    break
            if not complete:
                # A whole JSON object without its newline: the write was cut just short.
                report.torn_line = number
                break
            prev, seq = line_hash(line), record["seq"]
            good += len(raw)
            m, wall = float(record.get("m", m)), record.get("t", wall)
            report.events += 1
            yield record
        size = handle.seek(0, os.SEEK_END)
    report.tail = Tail(seq=seq, prev=prev, m=m, wall=wall, good_bytes=good, torn_bytes=size - good)
