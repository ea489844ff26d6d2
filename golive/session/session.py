"""A run in progress: journal first, then state, then whoever is watching.

`Session.record` is the one door every event goes through. It appends the
event to the journal (fsync'd for transitions and decisions), folds it into
the RunState, and only then tells the listeners (console printer, TUI), so
nothing is shown that is not already recorded.
"""

from __future__ import annotations

import contextlib
import difflib
import getpass
import os
import socket
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol

from golive import __version__
from golive.core import events as ev
from golive.core.clock import Clock
from golive.core.engine import Engine
from golive.core.events import Event, event
from golive.core.runbook import Runbook
from golive.core.state import RunState
from golive.core.templating import Values
from golive.core.timeline import Timing, compute
from golive.io.journal import (
    FINAL_EVENTS,
    JournalError,
    JournalKey,
    JournalKeyError,
    JournalWriter,
    LockedJournal,
    Tail,
    find_key,
    replay_journal,
)
from golive.io.monitor import Monitor, SnapshotSink, message_levels
from golive.io.ssh import SshPool

Listener = Callable[[Event], None]


class Companion(Protocol):
    """Writes events right after another one, in its fsync group (the notifier's outbox)."""

    def follows(self, new_event: Event) -> bool:
        """Whether events may follow `new_event` (asked before it is written)."""
        ...

    def companions(self, recorded: Event) -> list[Event]:
        """The events that follow `recorded` (just written, not yet durable)."""
        ...

    def before_final(self, final: Event) -> None:
        """Called before the run's last event is written (it seals the journal)."""
        ...


# Events that never change what the run loop may do next: they do not wake it (a step
# printing 10,000 lines a second would otherwise wake it 10,000 times). The step's end
# (step_finished, or its thread ending) does.
QUIET = frozenset(
    {ev.OUTPUT, ev.OUTPUT_CAPPED, ev.HOST_FINISHED, ev.VERIFY_FINISHED, ev.SAMPLE, ev.ALERT,
     ev.HOST_STATE}
)  # fmt: skip
Watcher = Callable[["Session"], Listener]
MODES = ("live", "rehearsal", "dry-run")


class _Find(Enum):
    KEY = "find the journal key (GOLIVE_JOURNAL_KEY, else the default path)"


FIND_KEY = _Find.KEY
KeyChoice = JournalKey | None | _Find


@dataclass(frozen=True)
class RunOptions:
    mode: str = "live"
    operator: str = ""
    inject_failure: tuple[str, ...] = ()
    drill: Mapping[str, str] | None = None  # golive drill: {"to": POINT, "through": STEP}
    outside_window: bool = False  # a live run started outside its change window, on purpose


class Session:
    def __init__(
        self,
        runbook: Runbook,
        journal: JournalWriter,
        state: RunState,
        values: Values,
        engine: Engine | None = None,
    ) -> None:
        self.runbook = runbook
        self.engine = engine or Engine(runbook)
        self.journal = journal
        self.state = state
        self.values = values
        self.listeners: list[Listener] = []
        self.companions: list[Companion] = []
        self._failed_listeners: list[object] = []
        self._fault = ""  # a companion's fault, to be said outside the lock
        self.changed = threading.Condition()
        self._changes = 0
        self._lock = threading.Lock()
        # Events are folded into the state in the order they are in the journal, each
        # once it is durable. Every record takes a ticket as it writes; it folds its event
        # in when every earlier ticket has (`_folded`), or, when it is durable before its
        # turn, leaves it in `_durable`: whoever folds the ticket before it folds it too
        # (and the ones after it that wait), then wakes its thread. So a record waits for
        # the ones before it, but never for their threads to be scheduled one by one.
        self._tickets = 0
        self._folded = 0
        self._durable: dict[int, _Durable] = {}
        self._broken = ""  # the journal failed under a record: the ones behind it stop too

    def record(self, new_event: Event, sync: bool = True) -> Event:
        """Make `new_event` durable, fold it in, then show it. Thread-safe. `sync=False`:
        the caller records a durable event right after this one (see JournalWriter.append).

        The event is written under the session's lock and fsync'd outside it, so that
        step threads starting at the same moment share one fsync (group commit); it is
        folded into the state only once durable, and in journal order.

        Companions (the notifier's outbox) write their events right after it, in the
        same fsync group; and before the run's last event, which seals the journal."""
        if new_event["type"] in FINAL_EVENTS:
            for companion in self.companions:
                companion.before_final(new_event)
        hooks = [c for c in self.companions if c.follows(new_event)]
        followers: list[Event] = []
        recorded = self._record(
            new_event, sync, while_running=False, hooks=hooks, followers=followers
        )
        assert recorded is not None
        fault, self._fault = self._fault, ""
        if fault:
            with contextlib.suppress(Exception):
                print(f"golive: notification error ({fault}); the run goes on", file=sys.stderr)
        self._notify(recorded)
        for follower in followers:
            self._notify(follower)
        return recorded

    def _companions_of(self, hook: Companion, recorded: Event) -> list[Event]:
        """What `hook` writes after `recorded`; a fault of the hook's is said once and
        costs only its events (the run and its record go on)."""
        try:
            return hook.companions(recorded)
        except Exception as exc:
            if hook not in self._failed_listeners:
                self._failed_listeners.append(hook)
                # Said by record(), once the session's lock is let go (stderr may block).
                self._fault = f"{type(exc).__name__}: {exc}"
            return []

    def timing_now(self) -> Timing:
        """The timing, computed under the session's lock: for a thread other than the run
        loop's (the notifier's), while other threads fold events in."""
        with self._lock:
            return compute(self.engine, self.state, self.now_m())

    def _record(
        self,
        new_event: Event,
        sync: bool,
        while_running: bool,
        hooks: Sequence[Companion] = (),
        followers: list[Event] | None = None,
    ) -> Event | None:
        """Write `new_event` and, under the same lock, right after it, what `hooks` write
        after it (appended to `followers`): nothing else comes between them, and one fsync
        (the cause's, when it is durable) covers them all. Then fold them in, in order."""
        with self._lock:
            if self._broken:
                raise JournalError(self._broken)
            if while_running and (self.state.outcome is not None or self.journal.sealed):
                return None
            recorded, durable = self.journal.write(new_event, sync)
            self._tickets += 1
            ticket = self._tickets
            extra: list[tuple[Event, int]] = []
            for hook in hooks:
                for companion in self._companions_of(hook, recorded):
                    written, _ = self.journal.write(companion, False)
                    self._tickets += 1
                    extra.append((written, self._tickets))
            if followers is not None:
                followers.extend(written for written, _ in extra)
            if not durable and self._folded == ticket - 1:
                self._fold(recorded, ticket)  # nothing before it waits for an fsync
                for written, number in extra:
                    self._fold(written, number)
                return recorded
            # They are folded after the cause, by whoever folds it (see _fold).
            for written, number in extra:
                self._durable[number] = _Durable(written)
            last_seq = extra[-1][0]["seq"] if extra else recorded["seq"]
        waiting: _Durable | None = None
        try:
            if durable:
                self.journal.make_durable(last_seq)
            with self._lock:
                if self._broken:
                    raise JournalError(self._broken)
                if self._folded == ticket - 1:
                    self._fold(recorded, ticket)
                    return recorded
                waiting = self._durable[ticket] = _Durable(recorded)
            waiting.folded.wait()
        except BaseException as exc:
            with self._lock:
                if self._folded < ticket:  # never folded in: no record behind it may be
                    self._broken = self._broken or (
                        str(exc) if isinstance(exc, JournalError) else "the run was interrupted"
                    )
                    for other in self._durable.values():
                        other.folded.set()
            raise
        with self._lock:
            if self._folded < ticket:
                raise JournalError(self._broken)
        if waiting.error is not None:
            raise waiting.error
        return recorded

    def _fold(self, recorded: Event, ticket: int) -> None:
        """Fold `recorded` in (the caller holds the lock and it is `ticket`'s turn), then
        the durable ones right after it, waking their threads."""
        try:
            self.state.apply(recorded)
        finally:
            self._folded = ticket
            while self._folded + 1 in self._durable:
                self._folded += 1
                waiting = self._durable.pop(self._folded)
                try:
                    self.state.apply(waiting.event)
                except Exception as exc:  # the thread that recorded it raises it
                    waiting.error = exc
                waiting.folded.set()

    def _notify(self, recorded: Event) -> None:
        for listener in self.listeners:
            try:
                listener(recorded)
            except Exception as exc:  # a display fault must never stop the run or its record
                if listener in self._failed_listeners:
                    continue  # said once: a dead stdout would otherwise say it per event
                self._failed_listeners.append(listener)
                with contextlib.suppress(Exception):
                    print(
                        f"golive: display error ({type(exc).__name__}: {exc}); the run goes on "
                        "and the journal is unaffected (golive review shows it)",
                        file=sys.stderr,
                    )
        # The run loop is woken after the listeners: what it does next (the next step's
        # start) is shown after what this event showed.
        if recorded["type"] not in QUIET:
            self.wake()

    def wake(self) -> None:
        """Count a change and wake whoever waits for one (a recorded event, a step thread
        that ended, an operator's intent)."""
        with self.changed:
            self._changes += 1
            self.changed.notify_all()

    @property
    def changes(self) -> int:
        """How many changes so far: read it before looking, then wait_for_change(it)."""
        return self._changes

    def record_while_running(self, new_event: Event) -> Event | None:
        """Record `new_event` unless the run has ended: side streams (the monitor)
        never write after run_finished, so the last event says how the run ended."""
        recorded = self._record(new_event, True, while_running=True)
        if recorded is not None:
            self._notify(recorded)
        return recorded

    def now_m(self) -> float:
        return self.journal.now_m()

    def wall(self, m: float | None = None) -> datetime:
        start = self.state.started_wall or datetime.now().astimezone()
        return start + timedelta(seconds=self.now_m() if m is None else m)

    def timing(self) -> Timing:
        return compute(self.engine, self.state, self.now_m())

    def wait_for_change(self, seen: int, timeout: float) -> None:
        """Wait until something changed since `changes` was `seen` (at once if it did
        already: a change between looking and waiting is never missed), or `timeout`."""
        with self.changed:
            if self._changes == seen:
                self.changed.wait(timeout)

    def close(self) -> None:
        self.journal.close()


class _Durable:
    """An event that is durable and waits for its turn to be folded into the state."""

    def __init__(self, recorded: Event) -> None:
        self.event = recorded
        self.folded = threading.Event()
        self.error: Exception | None = None


def start_session(
    runbook: Runbook,
    journal_path: str,
    values: Values,
    clock: Clock,
    options: RunOptions,
    watch: Watcher | None = None,
    engine: Engine | None = None,
    key: KeyChoice = FIND_KEY,
) -> Session:
    """Open (and lock) a new journal and record the run's start. `watch` builds a
    listener that sees every event, the first one included. `engine` replaces the
    runbook's own (a drill runs only some steps). `key` seals the journal at its end
    (found as find_key() does unless given; JournalKeyError if it cannot be used)."""
    sealer = find_key() if isinstance(key, _Find) else key
    writer = JournalWriter(
        journal_path, clock, values.masker(), key=sealer, sync_each=options.mode != "dry-run"
    )
    session = Session(runbook, writer, RunState(), values, engine)
    if watch is not None:
        session.listeners.append(watch(session))
    now = clock.wall()
    window = None
    shift = 0.0
    if runbook.window is not None:
        start, end = runbook.window.start, runbook.window.end
        if options.mode != "live":
            # A rehearsal happens on another day: its window opens when it starts.
            shift = (now - start).total_seconds()
            start, end = now, now + (end - runbook.window.start)
        window = {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "planned_start": runbook.window.start.isoformat(),
        }
    session.record(
        event(
            ev.RUN_STARTED,
            runbook=os.path.abspath(runbook.path),
            runbook_sha256=runbook.sha256,
            runbook_source=runbook.source,
            name=runbook.name,
            mode=options.mode,
            vars=values.plain,
            secrets=sorted(values.secrets),
            window=window,
            window_shift=shift,
            steps=[s.id for s in runbook.steps],
            operator=options.operator or operator_name(),
            machine=socket.gethostname(),
            pid=os.getpid(),
            golive=__version__,
            inject_failure=list(options.inject_failure),
            **({"drill": dict(options.drill)} if options.drill else {}),
            **({"outside_window": True} if options.outside_window else {}),
            **({"key_id": sealer.id} if sealer is not None else {}),
        )
    )
    return session


@dataclass(frozen=True)
class Recorded:
    """What a journal says about the run it holds, before a session resumes it."""

    state: RunState
    runbook_path: str
    runbook_source: str
    tail_m: float
    tail_wall: str | None
    key_id: str | None = None  # the journal key the run started with


def read_journal(path: str, locked: LockedJournal | None = None) -> tuple[Recorded, Tail]:
    """Replay a journal into a RunState. With `locked` (see LockedJournal), read through
    the locked descriptor, so what is read is what will be appended to."""
    state = RunState()
    report = replay_journal(path, state.apply, locked)
    if not report.ok:
        raise JournalError(
            f"{path}:{report.broken_line}: {report.problem}; it cannot be resumed (golive verify shows details)"
        )
    if not state.runbook_path:
        raise JournalError(f"{path}: not a golive journal (no run_started event)")
    assert report.tail is not None
    return Recorded(
        state,
        state.runbook_path,
        state.runbook_source,
        report.tail.m,
        report.tail.wall,
        report.started_key_id,
    ), report.tail


def resume_key(path: str, recorded: Recorded, key: KeyChoice = FIND_KEY) -> JournalKey | None:
    """The key the resumed run seals with: the one it started with, if it started keyed."""
    found = find_key() if isinstance(key, _Find) else key
    if recorded.key_id is not None and (found is None or found.id != recorded.key_id):
        here = "no journal key is set up here" if found is None else f"the key here is {found.id}"
        raise JournalKeyError(
            f"{path}: this run started with journal key {recorded.key_id} and {here}; "
            "give the same key to resume it (GOLIVE_JOURNAL_KEY=FILE)"
        )
    return found


def resume_session(
    path: str,
    runbook: Runbook,
    values: Values,
    clock: Clock,
    accept_changed_runbook: bool = False,
    watch: Watcher | None = None,
    *,
    locked: LockedJournal | None = None,
    recorded: tuple[Recorded, Tail] | None = None,
    key: KeyChoice = FIND_KEY,
) -> Session:
    """Resume the run a journal holds. The journal is locked before it is read and
    appended to through the same descriptor: give `locked` (and what read_journal()
    read through it) when the caller has read it already, or it is opened and locked
    here. A lock this function took is dropped again if it fails."""
    owned = locked is None
    if locked is None:
        locked = LockedJournal(path)
    try:
        return _resume(
            path, runbook, values, clock, accept_changed_runbook, watch, locked, recorded, key
        )
    except BaseException:
        if owned:
            locked.close()
        raise


def _resume(
    path: str,
    runbook: Runbook,
    values: Values,
    clock: Clock,
    accept_changed_runbook: bool,
    watch: Watcher | None,
    locked: LockedJournal,
    recorded_tail: tuple[Recorded, Tail] | None,
    key: KeyChoice,
) -> Session:
    recorded, tail = recorded_tail or read_journal(path, locked)
    sealer = resume_key(path, recorded, key)
    state = recorded.state
    diff = ""
    if runbook.sha256 != state.runbook_sha256:
        diff = "".join(
            difflib.unified_diff(
                state.runbook_source.splitlines(keepends=True),
                runbook.source.splitlines(keepends=True),
                "runbook at start",
                "runbook now",
            )
        )
        if not accept_changed_runbook:
            raise JournalError(
                f"{runbook.path}: the runbook changed since this run started; "
                "review the diff below and resume with --accept-changed-runbook to go on\n" + diff
            )
    # Monotonic clocks do not survive a process; the wall clock bridges the gap.
    gap = 0.0
    if recorded.tail_wall:
        gap = max(0.0, (clock.wall() - datetime.fromisoformat(recorded.tail_wall)).total_seconds())
    writer = JournalWriter(
        path,
        clock,
        values.masker(),
        tail=tail,
        base_m=recorded.tail_m + gap,
        key=sealer,
        locked=locked,
        sync_each=state.mode != "dry-run",
    )
    session = Session(runbook, writer, state, values)
    try:
        if watch is not None:
            session.listeners.append(watch(session))
        _record_resumed(session, diff, tail, sealer)
    except BaseException:
        writer.close()
        raise
    return session


def _record_resumed(session: Session, diff: str, tail: Tail, sealer: JournalKey | None) -> None:
    session.record(
        event(
            ev.SESSION_RESUMED,
            pid=os.getpid(),
            machine=socket.gethostname(),
            runbook_changed=bool(diff),
            runbook_diff=diff,
            runbook_sha256=session.runbook.sha256,
            repaired_bytes=tail.torn_bytes,
            **({"key_id": sealer.id} if sealer is not None else {}),
        )
    )


def operator_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "operator"


def watch_hosts(
    session: Session, pool: SshPool, on_snapshots: SnapshotSink | None
) -> Monitor | None:
    """Start monitoring the run's hosts into its journal (not for dry runs or hostless runbooks).

    The monitor shares the step connections; alerts, host states and samples are
    recorded only while the run is open, so run_finished stays the last event.
    """
    if not session.runbook.hosts or session.state.mode == "dry-run":
        return None

    def record(events: list[Event]) -> None:
        for monitored in events:
            session.record_while_running(monitored)

    monitor = Monitor(session.runbook, pool, message_levels, record, on_snapshots)
    monitor.start()
    return monitor
