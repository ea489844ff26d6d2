"""The append-only, hash-chained, sealed journal file.

One JSON object per line. Each line carries `seq`, `t` (wall time), `m`
(monotonic seconds since the run started) and `prev`: the first 32 hex
digits of the SHA-256 of the previous line's bytes. Changing, removing or
inserting a line breaks the chain at the next line.

The last event (`run_finished`, or `monitor_finished` for a baseline) carries a
seal as its last key: `,"seal":{"v":1,"events":N,"head":PREV,"alg":ALG[,"key":ID],"mac":MAC}}`.
MAC is HMAC-SHA256 with the journal key (alg "hmac-sha256") or a plain SHA-256
(alg "sha256", when no key is set up) of the line's bytes before `,"seal":`;
inside a JSON string a quote is always escaped, so that split is unambiguous and
the MAC is checked on the bytes as written, never on re-serialised JSON. Nothing
may follow a seal. Without the key nobody can write a keyed seal.

One writer at a time: a writer holds an exclusive flock(2) on its own file
descriptor for as long as it may append (the kernel drops it when the process
dies, so there is no lock file and no stale lock). Readers take no lock.

Durability: every line is handed to the kernel with os.write() before
append() returns, so a crash of golive itself loses nothing that was shown.
Events in DURABLE are also fsync'd before append() returns; output lines are
fsync'd by a background flusher at least once a second (group commit).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import re
import socket
import stat
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from golive.core.clock import Clock
from golive.core.errors import GoliveError
from golive.core.event_schema import shape_problem
from golive.core.events import DURABLE, MONITOR_FINISHED, RUN_FINISHED, Event
from golive.core.templating import Masker

HASH_CHARS = 32
GROUP_COMMIT_SECONDS = 1.0


# The events that end a journal; the writer seals them, and nothing may follow.
FINAL_EVENTS = frozenset({RUN_FINISHED, MONITOR_FINISHED})
# Events that name the process writing the journal (pid, machine) from here on.
OWNER_EVENTS = (b'"type":"run_started"', b'"type":"session_resumed"', b'"type":"monitor_started"')

SEAL_MARK = b',"seal":'
SEAL_VERSION = 1
KEYED, UNKEYED = "hmac-sha256", "sha256"
KEY_ENV = "GOLIVE_JOURNAL_KEY"
KEY_ID_CHARS = 16


class JournalError(Exception):
    """The journal cannot be written or read; the message is for the operator."""


class JournalInUse(JournalError, GoliveError):
    """Another process holds the journal's lock: it is writing the journal now."""


class JournalKeyError(GoliveError):
    """The journal key cannot be used (missing, unreadable, malformed, readable by others)."""


def line_hash(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()[:HASH_CHARS]


# Fields that name things the runbook defines (ids, hosts, enum values). They are
# never masked: a secret's text inside a step id must not rename the step. Every
# other string, at any depth, is free text and is masked.
STRUCTURAL = frozenset(
    {"type", "step", "steps", "host", "hosts", "action", "to", "actions", "decision", "question",
     "mode", "status", "outcome", "stream", "secrets", "runbook", "runbook_sha256", "key_id"}
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


# -- the journal key ---------------------------------------------------------------


@dataclass(frozen=True)
class JournalKey:
    """A secret kept outside the journal: whoever can write the file cannot seal it without this."""

    secret: bytes = field(repr=False)
    path: str

    @property
    def id(self) -> str:
        return key_id(self.secret)


def key_id(secret: bytes) -> str:
    """What journals record about a key: the first 16 hex digits of its SHA-256, never the key."""
    return hashlib.sha256(secret).hexdigest()[:KEY_ID_CHARS]


def default_key_path() -> str:
    config = os.environ.get("XDG_CONFIG_HOME", "")
    if not os.path.isabs(config):  # the XDG spec ignores a relative value
        config = os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(config, "golive", "journal.key")


def key_path() -> tuple[str, bool]:
    """Where the journal key is, and whether GOLIVE_JOURNAL_KEY named it (it wins)."""
    named = os.environ.get(KEY_ENV, "")
    return (named, True) if named else (default_key_path(), False)


_KEY_TEXT = re.compile(rb"[0-9a-fA-F]{64}")


def load_key(path: str) -> JournalKey:
    """Read a key file: 64 hex digits, a regular file nobody else can read or write."""
    try:
        # O_NONBLOCK: a FIFO (or a device) put where the key should be must not hang the
        # run at its start; fstat below then refuses it as not a regular file.
        fd = os.open(path, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise JournalKeyError(
            f"{path}: no such journal key (golive keys init --key {path} creates one)"
        ) from None
    except OSError as exc:
        raise JournalKeyError(
            f"{path}: cannot read the journal key: {exc.strerror or exc}"
        ) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise JournalKeyError(f"{path}: not a journal key (not a regular file)")
        mode = stat.S_IMODE(info.st_mode)
        if mode & 0o077:
            raise JournalKeyError(
                f"{path}: the journal key is open to others (mode {mode:04o}); "
                f"it must be readable by you alone: chmod 600 {path}"
            )
        data = os.read(fd, 4096)
    except OSError as exc:
        raise JournalKeyError(
            f"{path}: cannot read the journal key: {exc.strerror or exc}"
        ) from None
    finally:
        os.close(fd)
    text = data.strip()
    if not _KEY_TEXT.fullmatch(text):
        raise JournalKeyError(
            f"{path}: not a golive journal key (64 hex digits, as golive keys init writes)"
        )
    return JournalKey(bytes.fromhex(text.decode("ascii")), path)


def find_key() -> JournalKey | None:
    """The key writers seal with and verify checks with: GOLIVE_JOURNAL_KEY, else the
    default path. None when neither is set up; a key file that is there but cannot be
    used is an error, never a silent fallback to an unkeyed seal."""
    path, named = key_path()
    if not named and not os.path.lexists(path):
        return None
    if named and not os.path.lexists(path):
        raise JournalKeyError(
            f"{KEY_ENV}={path}: no such journal key (golive keys init --key {path} creates one)"
        )
    return load_key(path)


def create_key(path: str) -> JournalKey:
    """A new key: 32 random bytes as hex, mode 0600 (its folder 0700), never overwriting."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        if not os.path.isdir(folder):
            os.makedirs(folder, mode=0o700)
            os.chmod(folder, 0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise JournalKeyError(
            f"{path}: a key is already there; golive never overwrites a key "
            "(journals sealed with it need it): keep it, or give another --key PATH"
        ) from None
    except OSError as exc:
        raise JournalKeyError(f"{path}: cannot create the key: {exc.strerror or exc}") from None
    secret = os.urandom(32)
    try:
        os.fchmod(fd, 0o600)
        data = (secret.hex() + "\n").encode()
        if os.write(fd, data) != len(data):
            raise OSError("short write")
        os.fsync(fd)
    except OSError as exc:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise JournalKeyError(f"{path}: cannot write the key: {exc.strerror or exc}") from None
    os.close(fd)
    _fsync_dir(path)
    return JournalKey(secret, path)


# -- the seal ----------------------------------------------------------------------


@dataclass(frozen=True)
class Seal:
    """The seal on a journal's last line, as written (checked against the key elsewhere)."""

    line: int  # 1-based line of the sealed event
    events: int  # events in the journal, the sealed one included
    head: str  # the sealed line's prev: the hash of everything before it
    alg: str  # KEYED or UNKEYED
    key_id: str | None
    mac: str
    body: bytes = field(repr=False)  # the bytes the MAC covers: the line before ,"seal":

    @property
    def protection(self) -> str:
        return "keyed" if self.key_id else "unkeyed"

    def matches(self, key: JournalKey | None) -> bool:
        return hmac.compare_digest(self.mac, seal_mac(self.body, key))


def seal_mac(body: bytes, key: JournalKey | None) -> str:
    if key is None:
        return hashlib.sha256(body).hexdigest()
    return hmac.new(key.secret, body, hashlib.sha256).hexdigest()


def sealed_line(line: bytes, events: int, head: str, key: JournalKey | None) -> bytes:
    """`line` (one JSON object) with a seal added as its last key."""
    body = line[:-1]  # without the closing brace
    seal: dict[str, Any] = {"v": SEAL_VERSION, "events": events, "head": head}
    if key is None:
        seal["alg"] = UNKEYED
    else:
        seal["alg"], seal["key"] = KEYED, key.id
    seal["mac"] = seal_mac(body, key)
    return body + SEAL_MARK + json.dumps(seal, separators=(",", ":")).encode() + b"}"


_MAC = re.compile(r"[0-9a-f]{64}")
MALFORMED_SEAL = "the seal is malformed (edited)"


def read_seal(line: bytes, record: Event, number: int) -> tuple[Seal | None, str]:
    """The seal on line `number` (whose event has a `seal` key), and what is wrong with it
    as far as can be told without the key ("" if nothing)."""
    value = record.get("seal")
    cut = line.rfind(SEAL_MARK)
    if cut < 0 or not isinstance(value, dict) or list(record)[-1] != "seal":
        return None, MALFORMED_SEAL
    body = line[:cut]
    try:
        rest = json.loads(body + b"}")
        written = json.loads(line[cut + len(SEAL_MARK) : -1]) if line.endswith(b"}") else None
    except ValueError:
        return None, MALFORMED_SEAL
    # The MAC'd bytes must be the whole event but its seal, and the seal the last key.
    if not isinstance(rest, dict) or written != value or [*rest, "seal"] != list(record):
        return None, MALFORMED_SEAL
    events, head, alg, key, mac = (value.get(k) for k in ("events", "head", "alg", "key", "mac"))
    if (
        value.get("v") != SEAL_VERSION
        or not isinstance(events, int)
        or not isinstance(head, str)
        or alg not in (KEYED, UNKEYED)
        or (alg == KEYED) != isinstance(key, str)
        or not isinstance(mac, str)
        or not _MAC.fullmatch(mac)
    ):
        return None, MALFORMED_SEAL
    seal = Seal(number, events, head, alg, key if isinstance(key, str) else None, mac, body)
    if record.get("type") not in FINAL_EVENTS:
        return (
            seal,
            f"a seal on a {record.get('type')} event: golive seals only a journal's last event",
        )
    if events != number or record.get("seq") != number - 1:
        return (
            seal,
            f"the seal counts {events} events but is on line {number} (lines removed or inserted)",
        )
    if head != record.get("prev"):
        return seal, "the seal's head is not the hash of the line before it (edited)"
    if seal.key_id is None and not seal.matches(None):
        return seal, "the seal does not match its line (the last line was edited)"
    return seal, ""


AFTER_SEAL = "a line after the seal: nothing may follow the event that ends a journal (appended after the end)"


# -- one writer at a time --------------------------------------------------------------


def _lock(fd: int, path: str) -> None:
    """Take the journal's exclusive lock on `fd`, or close `fd` and say who holds it.

    The lock is on the file, not on its name: a journal copied and renamed over itself
    while a run writes it would be a new file with no lock. So the name must still be
    this file once locked, and the last golive that took the journal must not be alive
    on this machine (it would be writing to the file the name no longer shows)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise JournalInUse(in_use_message(path)) from None
    except OSError as exc:
        os.close(fd)
        raise JournalError(f"{path}: cannot lock the journal: {exc.strerror or exc}") from None
    if not same_file(fd, path):
        os.close(fd)
        raise JournalInUse(f"journal {path} was replaced while golive opened it; try again")
    owner = last_owner(path)
    here = owner is not None and owner[1] == socket.gethostname() and owner[0] != os.getpid()
    if owner is not None and here and _is_live_golive(owner[0]):
        os.close(fd)
        pid, machine, since = owner
        raise JournalInUse(
            f"journal {path} is in use by golive (pid {pid} on {machine}"
            + (f", since {since}" if since else "")
            + "), which is still running although it holds no lock on this file: "
            "the journal was copied or replaced while that run wrote it; stop that golive first"
        )


def same_file(fd: int, path: str) -> bool:
    try:
        mine, named = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (mine.st_dev, mine.st_ino) == (named.st_dev, named.st_ino)


def _is_live_golive(pid: int) -> bool:
    """Is `pid` a live golive process here? (Read from /proc; a pid reused by another
    program is not.)"""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            command = handle.read()
    except OSError:
        return False
    return b"golive" in command


class LockedJournal:
    """An existing journal opened for appending and locked. Read it through reader(),
    then hand the descriptor to a JournalWriter: nobody can append in between."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            fd = os.open(path, os.O_RDWR | os.O_APPEND)
        except OSError as exc:
            raise JournalError(f"{path}: cannot open the journal: {exc.strerror or exc}") from None
        _lock(fd, path)
        self._fd: int | None = fd

    def _descriptor(self) -> int:
        if self._fd is None:
            raise JournalError(f"{self.path}: the journal is closed")
        return self._fd

    def reader(self) -> IO[bytes]:
        """The journal from its first byte, through the locked descriptor."""
        handle = os.fdopen(os.dup(self._descriptor()), "rb")
        handle.seek(0)
        return handle

    def detach(self) -> int:
        """The locked descriptor, now the caller's to close (closing it drops the lock)."""
        fd = self._descriptor()
        self._fd = None
        return fd

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None


def in_use_message(path: str) -> str:
    """Who writes the journal: the pid, machine and time of its last run_started,
    session_resumed or monitor_started event (no lock file needed), checked against
    the holder /proc/locks names on this machine."""
    owner = last_owner(path)
    holder = lock_holder(path)
    here = socket.gethostname()
    if owner is not None and (holder is None or (owner[0] == holder and owner[1] == here)):
        pid, machine, since = owner
        who = f"pid {pid} on {machine}" + (f", since {since}" if since else "")
    elif holder is not None:
        who = f"pid {holder} on {here}"
    else:
        who = "another process"
    return (
        f"journal {path} is in use by golive ({who}); only one golive writes a journal: "
        "wait for it to end, or stop it first"
    )


def last_owner(path: str) -> tuple[int, str, str] | None:
    """pid, machine and start (as text) of the last process that recorded taking the journal."""
    try:
        with open(path, "rb") as handle:
            for line in _lines_backwards(handle):
                if not any(mark in line for mark in OWNER_EVENTS):
                    continue
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                pid = record.get("pid") if isinstance(record, dict) else None
                if not isinstance(pid, int):
                    continue
                return pid, str(record.get("machine") or "?"), _since(record.get("t"))
    except OSError:
        return None
    return None


def _since(wall: object) -> str:
    try:
        return datetime.fromisoformat(str(wall)).isoformat(sep=" ", timespec="seconds")
    except ValueError:
        return ""


def _lines_backwards(handle: IO[bytes], block: int = 1 << 20) -> Iterator[bytes]:
    end = handle.seek(0, os.SEEK_END)
    rest = b""
    while end > 0:
        start = max(0, end - block)
        handle.seek(start)
        lines = (handle.read(end - start) + rest).split(b"\n")
        rest = lines[0]
        yield from reversed(lines[1:])
        end = start
    yield rest


def lock_holder(path: str) -> int | None:
    """The pid of a live golive that holds the journal's flock, from /proc/locks (which
    lists flock locks with their pid and inode, readable without taking a lock)."""
    try:
        info = os.stat(path)
        with open("/proc/locks", encoding="ascii", errors="replace") as handle:
            table = handle.read()
    except OSError:
        return None
    exact = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    found: list[tuple[bool, int]] = []
    for row in table.splitlines():
        # "3: FLOCK  ADVISORY  WRITE 7228 fe:00:2148116 0 EOF"; a waiter has "->" after "3:"
        parts = row.split()
        if len(parts) < 6 or parts[1] != "FLOCK" or parts[3] != "WRITE":
            continue
        where = parts[5]
        if where.rsplit(":", 1)[-1] != str(info.st_ino) or not parts[4].isdigit():
            continue
        found.append((where == exact, int(parts[4])))  # overlay file systems differ in dev
    for _, pid in sorted(found, reverse=True):
        if pid > 0 and _is_golive(pid):
            return pid
    return None


def _is_golive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return b"golive" in handle.read()
    except OSError:
        return False


# -- writing -------------------------------------------------------------------------


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
    """Appends events to one journal, holding its lock until close().

    A new journal (tail None) is created with O_EXCL and locked at once; an existing
    one is appended to through `locked` (opened and locked before it was read), or
    opened and locked here. The event that ends the journal (FINAL_EVENTS) is sealed
    with `key` (unkeyed without one), and nothing can be appended after it."""

    def __init__(
        self,
        path: str,
        clock: Clock,
        masker: Masker | None = None,
        tail: Tail | None = None,
        base_m: float = 0.0,
        key: JournalKey | None = None,
        locked: LockedJournal | None = None,
        sync_each: bool = True,
    ) -> None:
        self.path = path
        self.key = key
        # A dry run executes nothing: its transitions are group-committed like output
        # (written at once, fsync'd within a second), which is what keeps a 2,000-step
        # dry run fast. A crash of golive still loses nothing written; only a crash of
        # the machine could lose the last second of a dry run's plan.
        self._sync_each = sync_each
        self._clock = clock
        self._masker = masker or Masker(())
        self._lock = threading.Lock()
        self._mono0 = clock.mono()
        self._base_m = base_m
        self._failed: str | None = None
        self._sealed = False
        try:
            if tail is None:
                # O_EXCL: never append a new run to somebody else's file.
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND
                self._fd = os.open(path, flags, 0o600)
                _lock(self._fd, path)
                self._seq, self._prev = -1, ""
                _fsync_dir(path)
            else:
                if locked is None:
                    locked = LockedJournal(path)
                self._fd = locked.detach()
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
        # Group commit (make_durable): every line up to event _synced is fsync'd; one
        # fsync at a time is under way (_syncing: the last event it covers, and its end),
        # and those it does not cover wait for the next (_sync_next).
        self._synced = self._seq
        self._sync_lock = threading.Lock()
        self._sync_idle = threading.Condition(self._sync_lock)
        self._syncing: tuple[int, threading.Event] | None = None
        self._sync_next: threading.Event | None = None
        self._stop = threading.Event()
        self._flusher = threading.Thread(target=self._flush_loop, name="journal-flush", daemon=True)
        self._flusher.start()

    @property
    def seq(self) -> int:
        return self._seq

    @property
    def head(self) -> str:
        """The hash of the last line written: after the seal, the journal's final head."""
        return self._prev

    @property
    def sealed(self) -> bool:
        return self._sealed

    @property
    def key_id(self) -> str | None:
        return self.key.id if self.key is not None else None

    def now_m(self) -> float:
        return self._base_m + (self._clock.mono() - self._mono0)

    def append(self, event: Event, sync: bool = True) -> Event:
        """Write `event` and return it as recorded; raises JournalError if it was not.
        An event of a DURABLE type (and the final event) is fsync'd before this returns.
        `sync=False` group-commits an event its type would fsync, for a caller that
        records a durable event right after it (one fsync then covers both)."""
        record, durable = self.write(event, sync)
        if durable:
            self.make_durable(record["seq"])
        return record

    def write(self, event: Event, sync: bool = True) -> tuple[Event, bool]:
        """Hand `event` to the kernel (os.write) and return it as recorded, and whether
        it must be made durable (make_durable) before anything acts on it. Callers
        that write from several threads at once call make_durable outside their own
        locks, so that their fsyncs are shared (group commit)."""
        with self._lock:
            if self._failed:
                raise JournalError(self._failed)
            if self._sealed:
                raise JournalError(
                    f"{self.path}: the journal is sealed (its last event is written); "
                    "nothing more can be recorded"
                )
            record: Event = {
                "seq": self._seq + 1,
                "t": self._clock.wall().isoformat(timespec="milliseconds"),
                "m": round(self.now_m(), 3),
                **(mask_event(event, self._masker.mask) if self._masker else event),
                "prev": self._prev,
            }
            record.pop("seal", None)
            line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()
            final = event["type"] in FINAL_EVENTS
            if final:
                line = sealed_line(line, self._seq + 2, self._prev, self.key)
            durable = final or (sync and self._sync_each and event["type"] in DURABLE)
            if durable:
                self._check_still_named()
            self._write(line + b"\n")
            self._prev = line_hash(line)
            self._seq += 1  # last: make_durable reads it without the lock
            if final:
                self._sealed = True
                record["seal"] = json.loads(line[line.rindex(SEAL_MARK) + len(SEAL_MARK) : -1])
            return record, durable

    def make_durable(self, seq: int) -> None:
        """Return once every line up to event `seq` is fsync'd; JournalError if it cannot be.

        Group commit: threads that wait at the same time share one fsync. With none
        under way, the caller fsyncs everything written so far itself. With one under
        way, a caller it covers waits for it; any other waits for the next one, which
        the first of them to wake starts, covering all of them (they wrote before it)."""
        while True:
            with self._sync_lock:
                if self._synced >= seq:
                    return
                if self._failed:
                    raise JournalError(self._failed)
                if self._syncing is None:
                    covered = self._seq  # every line up to it is in the kernel already
                    done = self._syncing = (covered, threading.Event())
                    break
                if seq <= self._syncing[0]:
                    wait = self._syncing[1]
                else:
                    if self._sync_next is None:
                        self._sync_next = threading.Event()
                    wait = self._sync_next
            wait.wait()
        problem = f"{self.path}: the journal is closed"
        try:
            if self._fd >= 0:
                os.fsync(self._fd)
                problem = ""
        except OSError as exc:
            problem = f"{self.path}: fsync failed ({exc.strerror or exc})"
        finally:
            with self._sync_lock:
                if problem:
                    self._failed = self._failed or problem
                else:
                    self._synced = max(self._synced, covered)
                self._syncing, following, self._sync_next = None, self._sync_next, None
                self._sync_idle.notify_all()
            done[1].set()
            if following is not None:
                following.set()
        if problem:
            raise JournalError(self._failed or problem)

    def _write(self, data: bytes) -> None:
        try:
            view = memoryview(data)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
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

    def _check_still_named(self) -> None:
        """Someone replaced or removed the file: what this run writes would be lost to
        everyone who reads the journal by its name. Stop recording at once (checked
        before every durable event and once a second)."""
        if not self._failed and not same_file(self._fd, self.path):
            self._failed = (
                f"{self.path}: the journal file was replaced or removed while this run "
                f"wrote it; nothing after event {self._seq} is in the file at that name"
            )
            raise JournalError(self._failed)

    def flush(self) -> None:
        """fsync what was written and is not yet (the group commit of output and results)."""
        with self._lock:
            if not self._sealed and self._fd >= 0:
                with contextlib.suppress(JournalError):
                    self._check_still_named()
        if self._synced < self._seq and not self._failed:
            with contextlib.suppress(JournalError):
                self.make_durable(self._seq)

    def close(self) -> None:
        """Flush, close and so unlock the journal."""
        self._stop.set()
        self.flush()
        with self._sync_idle:
            while self._syncing is not None:  # never close the descriptor under an fsync
                self._sync_idle.wait()
            with self._lock:
                if self._fd >= 0:
                    with contextlib.suppress(OSError):
                        os.close(self._fd)
                    self._fd = -1
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
    torn_line: int | None = None  # a torn last line: tolerated (but the journal is unsealed)
    broken_line: int | None = None  # the chain breaks here: tampering or corruption
    problem: str = ""
    tail: Tail | None = None
    seal: Seal | None = None  # the seal on the last line, if any (its MAC checked if unkeyed)
    journal_like: bool = True  # False: the first line is not a journal event at all
    first_type: str = ""
    started_key_id: str | None = None  # the key run_started / monitor_started recorded
    last_type: str = ""
    last_step: str = ""

    @property
    def ok(self) -> bool:
        """No tampering seen (an unsealed end is not tampering: see `sealed`)."""
        return self.broken_line is None

    @property
    def sealed(self) -> bool:
        return self.seal is not None


def read_events(path: str, verify: bool = True) -> Iterator[Event]:
    """Events of a journal in order. With verify, a broken chain raises JournalError;
    a torn last line is silently ignored (verify_journal reports it)."""
    report = Verification(path)
    yield from _scan(path, report, verify)
    if report.broken_line is not None:
        raise JournalError(f"{path}:{report.broken_line}: {report.problem}")


def replay_journal(
    path: str, apply: Callable[[Event], None], locked: LockedJournal | None = None
) -> Verification:
    """Feed every event to `apply` in one pass, checking the chain and the seal as it goes.
    With `locked`, the journal is read through its locked descriptor."""
    report = Verification(path)
    for record in _scan(path, report, True, locked):
        apply(record)
    return report


def verify_journal(path: str) -> Verification:
    return replay_journal(path, lambda _: None)


def _scan(
    path: str, report: Verification, verify: bool, locked: LockedJournal | None = None
) -> Iterator[Event]:
    try:
        handle = locked.reader() if locked is not None else open(path, "rb")  # noqa: SIM115 - closed below, and generators need it open
    except OSError as exc:
        raise JournalError(f"{path}: cannot read the journal: {exc.strerror or exc}") from None
    prev, seq, good, m, wall = "", -1, 0, 0.0, None
    loads = json.loads
    with handle:
        for number, raw in enumerate(handle, start=1):
            if verify and report.seal is not None:
                report.broken_line, report.problem = number, AFTER_SEAL
                break
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
                if number == 1:
                    report.journal_like = False
                report.broken_line, report.problem = (
                    number,
                    "not a valid journal event (corrupted or edited)",
                )
                break
            if number == 1:
                report.journal_like = "seq" in record and "prev" in record
                report.first_type = str(record.get("type", ""))
                found_key = record.get("key_id")
                report.started_key_id = found_key if isinstance(found_key, str) else None
            if verify:
                problem = ""
                if record.get("prev") != prev:
                    problem = "hash chain broken: this event does not follow the one before it (edited, removed or inserted lines)"
                elif record.get("seq") != seq + 1:
                    problem = f"sequence jumps from {seq} to {record.get('seq')}"
                if problem:
                    report.broken_line, report.problem = number, problem
                    break
            shape = shape_problem(record)
            if shape:
                report.broken_line = number
                report.problem = f"not a valid journal event (corrupted or edited): {shape}"
                break
            if not complete:
                # A whole JSON object without its newline: the write was cut just short.
                report.torn_line = number
                break
            if verify and "seal" in record:
                report.seal, problem = read_seal(line, record, number)
                if problem:
                    report.broken_line, report.problem = number, problem
                    break
            prev, seq = line_hash(line), record["seq"]
            good += len(raw)
            m, wall = float(record.get("m", m)), record.get("t", wall)
            report.events += 1
            report.last_type, report.last_step = (
                str(record.get("type", "")),
                str(record.get("step") or ""),
            )
            yield record
        size = handle.seek(0, os.SEEK_END)
    report.tail = Tail(seq=seq, prev=prev, m=m, wall=wall, good_bytes=good, torn_bytes=size - good)


# -- what a reader can say about the seal ----------------------------------------------------


@dataclass(frozen=True)
class SealStatus:
    """The end of a journal as a report words it."""

    sealed: bool
    protection: str  # "keyed", "unkeyed" or "unsealed"
    key_id: str | None
    checked: bool  # the seal's MAC was checked here (a keyed seal needs the key)
    problem: str = ""  # the seal does not hold: tampering


def quiet_key() -> JournalKey | None:
    """The key, for readers that only check when they can: no error if it is unusable."""
    try:
        return find_key()
    except JournalKeyError:
        return None


def check_keyed(seal: Seal, key: JournalKey | None) -> tuple[bool, str]:
    """Whether a keyed seal was checked with `key`, and the problem if it does not match."""
    if seal.key_id is None:
        return True, ""
    if key is None or key.id != seal.key_id:
        return False, ""
    if not seal.matches(key):
        return (
            True,
            "the keyed seal does not match its line (the last line was edited, or the journal rewritten without the key)",
        )
    return True, ""


def seal_status(path: str) -> SealStatus:
    """How the journal's last line is sealed, read from the end of the file only."""
    unsealed = SealStatus(False, "unsealed", None, False)
    try:
        with open(path, "rb") as handle:
            lines = _lines_backwards(handle)
            if next(lines, None) != b"":  # a torn last line (or an empty file)
                return unsealed
            last = next(lines, b"")
    except OSError:
        return unsealed
    if SEAL_MARK not in last:
        return unsealed
    try:
        record = json.loads(last)
    except ValueError:
        return unsealed
    if (
        not isinstance(record, dict)
        or "seal" not in record
        or not isinstance(record.get("seq"), int)
    ):
        return unsealed
    # Where the line is in the file is the scan's to check; here it is the event's own seq.
    seal, problem = read_seal(last, record, record["seq"] + 1)
    if seal is None:
        return SealStatus(False, "unsealed", None, False, problem)
    checked, keyed_problem = check_keyed(seal, quiet_key())
    return SealStatus(True, seal.protection, seal.key_id, checked, problem or keyed_problem)
