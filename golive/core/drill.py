"""A rollback drill: which steps it runs, and whether the rollback it rehearsed passed.

A drill runs, in rehearsal mode, the steps up to a rollback point and on past it to
the first step that has a rollback, rolls back to the point on purpose, then runs the
verify commands of the steps up to the point again to prove that the state is back.
Everything here is pure: the plan comes from the runbook, the verdict from the run
record (the journal folded) and the verify results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from golive.core.engine import Engine
from golive.core.errors import GoliveError
from golive.core.graph import descendants
from golive.core.record import RollbackRecord, RunRecord
from golive.core.runbook import Runbook
from golive.core.state import RunState

PASS = "pass"
FAIL = "fail"
# Statuses of one rollback action in a drill.
ACTION_PASSED = "pass"
ACTION_FAILED = "fail"
NO_UNDO = "no undo"  # the step has no rollback command: nothing to run or measure
NOT_RUN = "not run"  # the rollback ended before it reached this action


class DrillError(GoliveError, ValueError):
    """The drill cannot be planned; the message is one sentence for the operator."""


@dataclass(frozen=True)
class DrillPlan:
    to: str  # the rollback point the drill returns to
    through: str  # the first step after the point that has a rollback
    steps: tuple[str, ...]  # what the drill runs, in plan order
    state_steps: tuple[str, ...]  # the steps up to and including the point

    @property
    def journal_fields(self) -> dict[str, str]:
        """What run_started records about the drill."""
        return {"to": self.to, "through": self.through}


def rollback_points(runbook: Runbook) -> list[str]:
    return [s.id for s in runbook.steps if s.rollback_point]


def plan_drill(runbook: Runbook, to: str) -> DrillPlan:
    """The drill of rollback point `to`, or DrillError saying why there is none."""
    points = rollback_points(runbook)
    listed = (
        f"the rollback points are: {', '.join(points)}"
        if points
        else "this runbook has no rollback point (rollback_point = true)"
    )
    if not runbook.has_step(to):
        raise DrillError(f"--to {to}: no such step; {listed}")
    if not runbook.step(to).rollback_point:
        raise DrillError(f"--to {to}: not a rollback point; {listed}")
    engine = Engine(runbook)
    after = descendants(to, engine.deps)
    # A step past the point of no return (or the point itself) cannot be rolled back.
    beyond_return: set[str] = set()
    for step in runbook.steps:
        if step.point_of_no_return:
            beyond_return |= {step.id, *descendants(step.id, engine.deps)}
    through = next(
        (
            i
            for i in engine.order
            if i in after and runbook.step(i).rollback and i not in beyond_return
        ),
        None,
    )
    if through is None:
        raise DrillError(
            f"--to {to}: no step after {to} has a rollback, so a drill would have nothing to "
            f"undo; give a step that depends on {to} a rollback = ... command"
        )
    runs = ancestors(through, engine.deps) | {through}
    state = ancestors(to, engine.deps) | {to}
    return DrillPlan(
        to=to,
        through=through,
        steps=tuple(i for i in engine.order if i in runs),
        state_steps=tuple(i for i in engine.order if i in state),
    )


def ancestors(step_id: str, deps: dict[str, tuple[str, ...]]) -> set[str]:
    seen: set[str] = set()
    todo = list(deps.get(step_id, ()))
    while todo:
        parent = todo.pop()
        if parent not in seen:
            seen.add(parent)
            todo.extend(deps.get(parent, ()))
    return seen


class DrillEngine(Engine):
    """The engine of a drill: it knows only the drill's steps and never declares the
    run finished, because the drill ends itself, after its rollback and the verify."""

    def __init__(self, runbook: Runbook, plan: DrillPlan) -> None:
        super().__init__(runbook)
        self.plan = plan
        wanted = set(plan.steps)
        self.order = [i for i in self.order if i in wanted]

    def finished(self, state: RunState) -> bool:
        return False

    def steps_done(self, state: RunState) -> bool:
        """Every step of the drill is done (or failed and continued): time to roll back."""
        return all(self.satisfied(state, i) for i in self.order)

    def rollback_target(self, state: RunState, step_id: str | None = None) -> str | None:
        """Once the drilled point is reached, every rollback goes to it, even from a step
        that depends on a later point: that is the rollback being rehearsed."""
        if self.plan.to in self.reached_points(state):
            return self.plan.to
        return super().rollback_target(state, step_id)

    def after_point(self, step_id: str) -> bool:
        return step_id in self.below(self.plan.to)


# -- the verdict ---------------------------------------------------------------------


@dataclass(frozen=True)
class ActionResult:
    step: str
    status: str  # ACTION_PASSED, ACTION_FAILED, NO_UNDO or NOT_RUN
    seconds: float | None  # measured
    planned: float
    reason: str = ""

    def journal_fields(self) -> dict[str, Any]:
        fields = {"step": self.step, "status": self.status,
                  "seconds": _ms(self.seconds), "planned": _ms(self.planned)}  # fmt: skip
        if self.reason:
            fields["reason"] = self.reason
        return fields


@dataclass(frozen=True)
class VerifyResult:
    step: str
    ok: bool | None  # None: not verifiable (no verify, or the step did not run)
    detail: str


@dataclass(frozen=True)
class DrillResult:
    verdict: str  # PASS or FAIL
    rollback_seconds: float | None
    planned_seconds: float | None
    actions: tuple[ActionResult, ...]
    verify: tuple[VerifyResult, ...]
    problems: tuple[str, ...]  # why it failed; empty when it passed

    def journal_fields(self) -> dict[str, Any]:
        """What run_finished records about the drill (seconds to the millisecond)."""
        return {
            "verdict": self.verdict,
            "rollback_seconds": _ms(self.rollback_seconds),
            "planned_seconds": _ms(self.planned_seconds),
            "actions": [a.journal_fields() for a in self.actions],
            "verify": [{"step": v.step, "ok": v.ok, "detail": v.detail} for v in self.verify],
            "problems": list(self.problems),
        }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 3)


def not_verified(step: str, why: str) -> VerifyResult:
    return VerifyResult(step, None, f"not verifiable: {why}")


def drill_result(
    plan: DrillPlan, record: RunRecord, verify: Sequence[VerifyResult], stopped: str = ""
) -> DrillResult:
    """Pass or fail, from the recorded run. `stopped` says why the drill ended early."""
    problems: list[str] = []
    if stopped:
        problems.append(stopped)
    rollback = record.rollbacks[-1] if record.rollbacks else None
    actions: tuple[ActionResult, ...] = ()
    if rollback is None:
        if not stopped:
            problems.append(f"no rollback to {plan.to} happened")
    else:
        actions = _actions(record, rollback)
        if rollback.to != plan.to:
            problems.append(f"the run rolled back to {rollback.to}, not to {plan.to}")
        if rollback.status != "completed":
            problems.append(f"the rollback to {rollback.to} ended {rollback.status}")
        if plan.through not in rollback.actions:
            problems.append(f"{plan.through} did not run, so its rollback was not drilled")
        for action in actions:
            if action.status == ACTION_FAILED:
                problems.append(f"undo {action.step} failed: {action.reason or 'no reason given'}")
            elif action.status == NOT_RUN:
                problems.append(f"undo {action.step} did not run")
    for result in verify:
        if result.ok is False:
            problems.append(f"verify {result.step} failed after the rollback: {result.detail}")
    return DrillResult(
        verdict=FAIL if problems else PASS,
        rollback_seconds=rollback.seconds if rollback else None,
        planned_seconds=rollback.planned if rollback else None,
        actions=actions,
        verify=tuple(verify),
        problems=tuple(problems),
    )


def _actions(record: RunRecord, rollback: RollbackRecord) -> tuple[ActionResult, ...]:
    results: list[ActionResult] = []
    for step_id in rollback.actions:
        step = record.step(step_id)
        status = rollback.action_status.get(step_id)
        seconds = rollback.action_seconds.get(step_id)
        if not step.has_rollback:
            results.append(ActionResult(step_id, NO_UNDO, seconds, 0.0))
            continue
        undo = step.undos[-1] if step.undos else None
        if status == "succeeded":
            results.append(ActionResult(step_id, ACTION_PASSED, seconds, step.rollback_planned))
        elif status is None:
            results.append(ActionResult(step_id, NOT_RUN, None, step.rollback_planned))
        else:
            reason = undo.reason if undo is not None else ""
            results.append(
                ActionResult(step_id, ACTION_FAILED, seconds, step.rollback_planned, reason)
            )
    return tuple(results)
