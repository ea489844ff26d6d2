"""The run in one glance, for the compact follower, `golive status` and wallboards.

The facts: the phase and the running steps, the forecast end against the window, the
rollback deadline, what waits for the operator, and the hosts that are not well. They
are taken from a Followed (the journal folded, session.follow), so the compact pane and
`golive status --json` say the same thing, and from nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from golive.core.engine import Question
from golive.core.hostwatch import HostSnapshot, HostState
from golive.core.runbook import Runbook
from golive.core.state import Status
from golive.core.timeline import Timing
from golive.session.follow import Followed
from golive.session.view import no_rollback_text

SCHEMA = "golive-status/1"


@dataclass(frozen=True)
class RunningStep:
    step: str
    phase: str
    seconds: float  # how long it has run
    planned: float


@dataclass(frozen=True)
class UnhappyHost:
    host: str
    state: str
    reason: str
    alerts: tuple[str, ...]


@dataclass(frozen=True)
class RunStatus:
    name: str
    mode: str
    outcome: str | None
    paused: bool
    writer: str
    writer_text: str
    phase: str | None
    running: tuple[RunningStep, ...]
    waiting: tuple[Question, ...]
    timing: Timing
    no_rollback: str  # why no rollback fits, if none does
    hosts: int
    unhappy: tuple[UnhappyHost, ...]
    steps_done: int
    steps: int
    journal: str
    problem: str | None = None  # lines of the journal left out: the first, and how many
    runbook_note: str = ""

    def to_json(self) -> dict[str, Any]:
        """The documented shape of `golive status --json` (README: "golive status")."""
        t = self.timing
        return {
            "schema": SCHEMA,
            "journal": self.journal,
            "runbook": self.name,
            "mode": self.mode,
            "outcome": self.outcome,
            "paused": self.paused,
            "writer": self.writer,
            "writer_text": self.writer_text,
            "now": _iso(t.now),
            "phase": self.phase,
            "running": [
                {
                    "step": r.step,
                    "phase": r.phase,
                    "seconds": round(r.seconds, 1),
                    "planned_seconds": r.planned,
                }
                for r in self.running
            ],
            "waiting": [
                {"step": q.step, "kind": q.kind.value, "question": q.text} for q in self.waiting
            ],
            "forecast_end": _iso(t.forecast_end),
            "window_start": _iso(t.window_start),
            "window_end": _iso(t.window_end),
            "spare_seconds": _round(t.forecast_margin),
            "late": t.forecast_margin is not None and t.forecast_margin < 0,
            "rollback": {
                "to": t.rollback_point,
                "deadline": _iso(t.rollback_deadline),
                "planned_seconds": _round(t.rollback_planned),
                "spare_seconds": _round(t.rollback_margin),
                "none_because": self.no_rollback or t.no_rollback_reason or None,
            },
            "steps": {"done": self.steps_done, "total": self.steps},
            "journal_problem": self.problem,
            "runbook_note": self.runbook_note or None,
            "hosts": {
                "total": self.hosts,
                "unhappy": [
                    {"host": h.host, "state": h.state, "reason": h.reason, "alerts": list(h.alerts)}
                    for h in self.unhappy
                ],
            },
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment is not None else None


def _round(seconds: float | None) -> float | None:
    return round(seconds, 1) if seconds is not None else None


def unhappy(hosts: tuple[HostSnapshot, ...]) -> tuple[UnhappyHost, ...]:
    """Hosts that are not LIVE, or have an alert raised: worst first."""
    order = {HostState.DOWN: 0, HostState.STALE: 1, HostState.RECONNECTING: 2}
    found = [h for h in hosts if h.state is not HostState.LIVE or h.alerts]
    found.sort(key=lambda h: (order.get(h.state, 3), h.host))
    return tuple(UnhappyHost(h.host, h.state.value, h.reason, h.alerts) for h in found)


def run_status(runbook: Runbook, followed: Followed) -> RunStatus:
    view = followed.view
    rows = {row.id: row for row in view.rows}
    running = tuple(
        RunningStep(i, runbook.step(i).phase, rows[i].actual or 0.0, runbook.step(i).planned)
        for i in view.running
    )
    asked = next((q.step for q in view.questions if q.step), None)
    current = asked or next(iter(view.running), None)
    phase = runbook.step(current).phase if current is not None else None
    done = sum(1 for row in view.rows if row.status in (Status.SUCCEEDED, Status.SKIPPED))
    return RunStatus(
        name=runbook.name,
        mode=view.mode,
        outcome=view.outcome,
        paused=view.paused,
        writer=followed.writer,
        writer_text=followed.writer_text,
        phase=phase or None,
        running=running,
        waiting=view.questions,
        timing=view.timing,
        no_rollback=no_rollback_text(runbook, view),
        hosts=len(followed.hosts),
        unhappy=unhappy(followed.hosts),
        steps_done=done,
        steps=len(view.rows),
        journal=view.journal,
        problem=followed.problem,
        runbook_note=followed.runbook_note,
    )
