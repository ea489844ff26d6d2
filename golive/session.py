"""A run in progress: journal first, then state, then whoever is watching.

`Session.record` is the one door every event goes through. It appends the
event to the journal (fsync'd for transitions and decisions), folds it into
the RunState, and only then tells the listeners (console printer, TUI), so
nothing is shown that is not already recorded.
"""

from __future__ import annotations

import difflib
import getpass
import os
import socket
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from golive import __version__
from golive.core import events as ev
from golive.core.clock import Clock
from golive.core.engine import Engine
from golive.core.events import Event, event
from golive.core.runbook import Runbook
from golive.core.state import RunState
from golive.core.templating import Values
from golive.core.timeline import Timing, compute
from golive.io.journal import JournalError, JournalWriter, Tail, replay_journal
from golive.io.monitor import Monitor, SnapshotSink, message_levels
from golive.io.ssh import SshPool

Listener = Callable[[Event], None]
Watcher = Callable[["Session"], Listener]
MODES = ("live", "rehearsal", "dry-run")


@dataclass(frozen=True)
class RunOptions:
    mode: str = "live"
    operator: str = ""
    inject_failure: tuple[str, ...] = ()
    drill: Mapping[str, str] | None = None  # golive drill: {"to": POINT, "through": STEP}


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
        self.changed = threading.Condition()
        self._lock = threading.Lock()

    def record(self, new_event: Event) -> Event:
        """Make `new_event` durable, fold it in, then show it. Thread-safe."""
        with self._lock:
            recorded = self.journal.append(new_event)
            self.state.apply(recorded)
        self._notify(recorded)
        return recorded

    def _notify(self, recorded: Event) -> None:
        for listener in self.listeners:
            try:
                listener(recorded)
            except Exception as exc:  # a display fault must never stop the run or its record
                print(
                    f"golive: display error ({type(exc).__name__}: {exc}); the journal is unaffected",
                    file=sys.stderr,
                )
        with self.changed:
            self.changed.notify_all()

    def record_while_running(self, new_event: Event) -> Event | None:
        """Record `new_event` unless the run has ended: side streams (the monitor)
        never write after run_finished, so the last event says how the run ended."""
        with self._lock:
            if self.state.outcome is not None:
                return None
            recorded = self.journal.append(new_event)
            self.state.apply(recorded)
        self._notify(recorded)
        return recorded

    def now_m(self) -> float:
        return self.journal.now_m()

    def wall(self, m: float | None = None) -> datetime:
        start = self.state.started_wall or datetime.now().astimezone()
        return start + timedelta(seconds=self.now_m() if m is None else m)

    def timing(self) -> Timing:
        return compute(self.engine, self.state, self.now_m())

    def wait_for_change(self, timeout: float) -> None:
        with self.changed:
            self.changed.wait(timeout)

    def close(self) -> None:
        self.journal.close()


def start_session(
    runbook: Runbook,
    journal_path: str,
    values: Values,
    clock: Clock,
    options: RunOptions,
    watch: Watcher | None = None,
    engine: Engine | None = None,
) -> Session:
    """Open a new journal and record the run's start. `watch` builds a listener
    that sees every event, the first one included. `engine` replaces the runbook's
    own (a drill runs only some steps)."""
    writer = JournalWriter(journal_path, clock, values.masker())
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


def read_journal(path: str) -> tuple[Recorded, Tail]:
    state = RunState()
    report = replay_journal(path, state.apply)
    if not report.ok:
        raise JournalError(
            f"{path}:{report.broken_line}: {report.problem}; it cannot be resumed (golive verify shows details)"
        )
    if not state.runbook_path:
        raise JournalError(f"{path}: not a golive journal (no run_started event)")
    assert report.tail is not None
    return Recorded(
        state, state.runbook_path, state.runbook_source, report.tail.m, report.tail.wall
    ), report.tail


def resume_session(
    path: str,
    runbook: Runbook,
    values: Values,
    clock: Clock,
    accept_changed_runbook: bool = False,
    watch: Watcher | None = None,
) -> Session:
    recorded, tail = read_journal(path)
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
    writer = JournalWriter(path, clock, values.masker(), tail=tail, base_m=recorded.tail_m + gap)
    session = Session(runbook, writer, state, values)
    if watch is not None:
        session.listeners.append(watch(session))
    session.record(
        event(
            ev.SESSION_RESUMED,
            pid=os.getpid(),
            machine=socket.gethostname(),
            runbook_changed=bool(diff),
            runbook_diff=diff,
            runbook_sha256=runbook.sha256,
            repaired_bytes=tail.torn_bytes,
        )
    )
    return session


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
