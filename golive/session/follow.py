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
    problem: str | None  # the first line that is not a golive event

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
        self._values = Values({}, {})
        self._replaced = False

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
                if self.runbook is None and event.get("type") == "run_started":
                    self._start(event)
                self.state.apply(event)
                self.hosts.apply(event)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                # A hand-edited line that is JSON and an event, but not one the fold takes.
                raise JournalError(
                    f"{self.path}: event {event.get('seq')} ({event.get('type')}) cannot be "
                    f"replayed ({type(exc).__name__}: {exc})"
                ) from None
        self.version += len(events)
        return events

    def _start(self, first: Event) -> None:
        source = first.get("runbook_source")
        if not isinstance(source, str) or not source:
            raise JournalError(f"{self.path}: its run_started holds no runbook to show")
        loaded = load_runbook_text(str(first.get("runbook") or self.path), source)
        if loaded.runbook is None:
            problem = loaded.errors[0].message if loaded.errors else "cannot be read"
            raise JournalError(f"{self.path}: the runbook it recorded {problem}")
        self.runbook = runbook = loaded.runbook
        self.engine = Engine(runbook)
        drill = first.get("drill")
        if isinstance(drill, dict) and isinstance(drill.get("to"), str):
            # Else the runbook's own engine: the steps show, the drill's order may not.
            with contextlib.suppress(DrillError):
                self.engine = DrillEngine(runbook, plan_drill(runbook, drill["to"]))
        self.hosts = HostsFold(list(runbook.hosts))
        # Commands are shown as the driver shows them: plain values, secrets masked (the
        # follower never has a secret's value: the journal never held one).
        self._values = Values(
            dict(first.get("vars") or {}), dict.fromkeys(first.get("secrets") or (), "")
        )

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
        return Followed(
            view, self.hosts.snapshots(now_m), writer, who.pid, who.machine, self.tail.torn,
            self.tail.problem,
        )  # fmt: skip

    def close(self) -> None:
        self.tail.close()
