"""A health step's attempts in a journal, and whether their evaluations speak for a
healthy system: golive calibrate counts only attempts that ended in go (by the gate's
own passing streak, or by a person), never a no-go, an automatic go without a passing
verdict, a skip, an abort, an interruption or an injected failure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from golive.core import events as ev
from golive.core.events import Decisions, Event
from golive.core.healthstats import Verdict

_ENDS: Final = frozenset(
    {Decisions.GO, Decisions.NO_GO, Decisions.SKIP, Decisions.ABORT, Decisions.ROLLBACK,
     Decisions.MARK_DONE}
)  # fmt: skip


@dataclass
class GateAttempt:
    step: str
    number: int
    evaluations: list[Event] = field(default_factory=list)
    end: str = ""  # a decision (go, no-go, ...), "injected", "interrupted", a status; "" open
    automatic: bool = False
    by: str = ""


def gate_attempts(events: Sequence[Event], gates: set[str]) -> list[GateAttempt]:
    """Each run attempt of the `gates` in a journal, with its evaluations and its end."""
    found: list[GateAttempt] = []
    running: dict[str, GateAttempt] = {}
    for e in events:
        kind, step = e.get("type"), e.get("step")
        if kind == ev.SESSION_RESUMED:
            for attempt in running.values():
                attempt.end = "interrupted"
            running.clear()
        if not isinstance(step, str) or step not in gates:
            continue
        if kind == ev.STEP_STARTED and e.get("action", "run") == "run":
            number = e.get("attempt")
            if not isinstance(number, int):
                number = 1 + sum(1 for a in found if a.step == step)
            running[step] = GateAttempt(step, number)
            found.append(running[step])
        elif step not in running:
            continue
        elif kind == ev.HEALTH_EVALUATED:
            running[step].evaluations.append(e)
        elif kind == ev.DECISION and e.get("decision") in _ENDS:
            attempt = running.pop(step)
            attempt.end = str(e["decision"])
            attempt.automatic = bool(e.get("automatic"))
            attempt.by = str(e.get("by") or "")
        elif kind == ev.STEP_FINISHED and e.get("action", "run") == "run":
            attempt = running.pop(step)
            attempt.end = "injected" if e.get("injected") else str(e.get("status") or "finished")
    return found


def not_counted_reason(attempt: GateAttempt) -> str | None:
    """Why a gate attempt's evaluations do not speak for a healthy system (None: they do)."""
    if attempt.end == Decisions.GO:
        last = attempt.evaluations[-1].get("verdict") if attempt.evaluations else None
        if attempt.automatic and last != Verdict.PASS.value:
            return (
                "went on without a passing verdict (on_fail = continue): nobody judged it healthy"
            )
        return None
    if attempt.end == Decisions.NO_GO:
        return "ended in no-go" + (f" by {attempt.by}" if attempt.by else "")
    return {
        "injected": "an injected failure (--inject-failure), not a real run",
        "interrupted": "interrupted (golive stopped while it ran)",
        "": "did not finish",
        Decisions.SKIP: "skipped",
        Decisions.ABORT: "the run was aborted at the gate",
        Decisions.ROLLBACK: "rolled back at the gate",
        Decisions.MARK_DONE: "marked done after an interruption",
    }.get(attempt.end, f"ended {attempt.end}, not in go")
