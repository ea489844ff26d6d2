"""Following a run that another golive drives: its journal, folded as it grows.

The follower is one more fold over the one event log. It reads the journal through a
JournalTail (read-only, no lock), applies each event to a RunState exactly as the
driver's session did, and builds the same frozen RunView from it (session.view.view_of),
so the follower's screen is the driver's screen without the keys. The hosts come from
the journaled host states, samples and alerts (core.followed_hosts).

It never writes, never locks and never answers: there is no Session, no journal writer
and no conductor here. Questions are what the engine says is open in the folded state.

Its clock: the run's offset of the newest event plus the wall time since that event
was written, while the writer lives; once the run ended or the writer is gone the clock
stops at the last event, so a dead run's forecast does not drift on.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from golive.core.drill import DrillEngine, DrillError, plan_drill
from golive.core.engine import Engine
from golive.core.events import Event
from golive.core.followed_hosts import HostsFold
from golive.core.hostwatch import HostSnapshot
from golive.core.loader import load_runbook_text
from golive.core.runbook import Runbook
from golive.core.state import RunState, Status
from golive.core.templating import Values
from golive.core.textdiff import apply_unified_diff
from golive.core.timeline import compute
from golive.io.journal import JournalError
from golive.io.journal_tail import JournalTail, Writer
from golive.session.view import RunView, view_of

WRITING, ENDED, GONE, ELSEWHERE, REPLACED = "writing", "ended", "gone", "elsewhere", "replaced"


@dataclass(frozen=True)
class Followed:
    """What the follower knows at one moment: frozen, for the screen's thread."""

    view: RunView
    hosts: tuple[HostSnapshot, ...]
    writer: str  # WRITING | ENDED | GONE | ELSEWHERE | REPLACED
    writer_pid: int | None
    machine: str
    torn: bool  # a last line is being written (or was cut by a crash, when GONE)
    problem: str | None  # the first line left out (not a golive event), and how many more
    runbook_note: str = ""  # a runbook changed at a resume that is not shown

    @property
    def writer_text(self) -> str:
        """The writer's state in words, for the header and `golive status`."""
        if self.writer == ENDED:
            return "run ended"
        if self.writer == WRITING:
            return f"writer pid {self.writer_pid}"
        if self.writer == ELSEWHERE:
            return f"writer on {self.machine} (not checked from here)"
        if self.writer == REPLACED:
            return "journal replaced: reading stopped"
        return "writer gone" + (" (last line torn)" if self.torn else "")


class Follower:
    """A journal another golive writes, folded into the run screen's frozen views."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.tail = JournalTail(path)
        self.runbook: Runbook | None = None
        self.engine: Engine | None = None
        self.state = RunState()
        self.hosts = HostsFold()
        self.version = 0
        self.runbook_changes = 0  # runbooks changed at a resume and rebuilt
        self.runbook_note = ""  # why a changed runbook is not shown, if it is not
        self._values = Values({}, {})
        self._replaced = False
        self._first_source = ""

    def poll(self) -> list[Event]:
        """Read and fold what the journal gained; returns those events, in order."""
        if self._replaced:
            return []
        if self.tail.replaced():
            self._replaced = True  # another file under the name: not this run any more
            return []
        events = self.tail.read()
        for event in events:
            try:
                kind = event.get("type")
                if self.runbook is None and kind == "run_started":
                    self._start(event)
                elif kind == "session_resumed":
                    self._changed(event)
                self.state.apply(event)
                self.hosts.apply(event)
            except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
                # A hand-edited line that is JSON and an event, but not one the fold takes.
                raise JournalError(
                    f"{self.path}: event {event.get('seq')} ({event.get('type')}) cannot be "
                    f"replayed ({type(exc).__name__}: {exc})"
                ) from None
        self.version += len(events)
        return events

    def _changed(self, resumed: Event) -> None:
        """A resume that accepted a changed runbook: the runbook the driver now runs, from
        the one this follower knows and the recorded diff, checked by its hash."""
        if self.runbook is None or resumed.get("runbook_sha256") == self.runbook.sha256:
            return  # the runbook it runs is the one shown
        # The diff is from the runbook the run started with (every resume's is; none: it
        # is that one again).
        diff = str(resumed.get("runbook_diff") or "") if resumed.get("runbook_changed") else ""
        new = apply_unified_diff(self._first_source, diff) if diff else self._first_source
        if new is None or hashlib.sha256(new.encode()).hexdigest() != resumed.get("runbook_sha256"):
            self.runbook_note = "the runbook changed at a resume and cannot be rebuilt here"
            return
        loaded = load_runbook_text(self.runbook.path, new)
        if loaded.runbook is None:
            self.runbook_note = "the runbook changed at a resume and cannot be read here"
            return
        self._use(loaded.runbook, None)
        self.runbook_changes += 1

    def _use(self, runbook: Runbook, drill: object) -> None:
        self.runbook = runbook
        self.engine = Engine(runbook)
        if isinstance(drill, dict) and isinstance(drill.get("to"), str):
            # Else the runbook's own engine: the steps show, the drill's order may not.
            with contextlib.suppress(DrillError):
                self.engine = DrillEngine(runbook, plan_drill(runbook, drill["to"]))
        self.hosts.add(list(runbook.hosts))

    def _start(self, first: Event) -> None:
        source = first.get("runbook_source")
        if not isinstance(source, str) or not source:
            raise JournalError(f"{self.path}: its run_started holds no runbook to show")
        loaded = load_runbook_text(str(first.get("runbook") or self.path), source)
        if loaded.runbook is None:
            problem = loaded.errors[0].message if loaded.errors else "cannot be read"
            raise JournalError(f"{self.path}: the runbook it recorded {problem}")
        self._first_source = source
        self._use(loaded.runbook, first.get("drill"))
        # Commands are shown as the driver shows them: plain values, secrets masked (the
        # follower never has a secret's value: the journal never held one).
        self._values = Values(
            dict(first.get("vars") or {}), dict.fromkeys(first.get("secrets") or (), "")
        )

    def events_so_far(self) -> list[Event]:
        """The journal's events but the samples, read again from its start: for a screen
        opened anew (a runbook changed at a resume). Kept nowhere else: a night's output
        lines would be held twice, for good."""
        tail = JournalTail(self.path)
        try:
            return [e for e in tail.read() if e.get("type") != "sample"]
        finally:
            tail.close()

    @property
    def display(self) -> Callable[[str], str]:
        """How a command is shown: plain values in, secrets masked."""
        return self._values.display

    def writer(self) -> tuple[str, Writer]:
        who = self.tail.writer()
        if self._replaced:
            return REPLACED, who
        if self.state.outcome:
            return ENDED, who
        alive = who.alive
        return (WRITING if alive else GONE if alive is False else ELSEWHERE), who

    def now_m(self, now: datetime, writing: bool) -> float:
        """The run's clock (seconds since it started) at wall time `now`."""
        last_m, last_wall = self.state.last_m, self.state.last_wall
        if not writing or last_wall is None:
            return last_m
        return last_m + max(0.0, (now - last_wall).total_seconds())

    def followed(self, now: datetime) -> Followed | None:
        """The run at wall time `now`, or None before its run_started has been read."""
        try:
            return self._followed(now)
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            # Events that passed the check but hold times no run has (a year-1 window,
            # a time with no offset): said as the journal's problem, never a traceback.
            raise JournalError(
                f"{self.path}: the run cannot be shown from this journal "
                f"({type(exc).__name__}: {exc})"
            ) from None

    def _followed(self, now: datetime) -> Followed | None:
        runbook, engine, state = self.runbook, self.engine, self.state
        if runbook is None or engine is None:
            return None
        writer, who = self.writer()
        now_m = self.now_m(now, writer in (WRITING, ELSEWHERE))
        running = tuple(i for i in engine.order if state.step(i).status is Status.RUNNING)
        view = view_of(
            runbook, engine, state, compute(engine, state, now_m),
            version=self.version, questions=tuple(engine.questions(state)), running=running,
            display=self._values.display, journal=self.path,
        )  # fmt: skip
        # Every figure the screens derive, once here: a time no clock can show (a time with
        # no offset beside ones with, a year-1 window) is the journal's problem, said by
        # followed() as one sentence, never a traceback in whatever draws it.
        timing = view.timing
        _ = (timing.forecast_margin, timing.rollback_margin, timing.time_left, timing.window_text)
        problem = self.tail.problem
        if problem is not None and self.tail.skipped > 1:
            problem += f" (and {self.tail.skipped - 1} more line(s))"
        return Followed(
            view, self.hosts.snapshots(now_m), writer, who.pid, who.machine, self.tail.torn,
            problem, self.runbook_note,
        )  # fmt: skip

    def close(self) -> None:
        self.tail.close()
