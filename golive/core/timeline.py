"""Planned against actual, the forecast end and the rollback deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from golive.core.engine import Engine
from golive.core.graph import longest_path
from golive.core.state import RunState, Status


@dataclass(frozen=True)
class StepTiming:
    planned: float
    actual: float | None  # finished: what it took; running: elapsed so far
    running: bool

    @property
    def variance(self) -> float | None:
        return None if self.actual is None else self.actual - self.planned


@dataclass(frozen=True)
class PhaseTiming:
    planned: float
    actual: float
    variance: float  # over the finished and running steps only


@dataclass(frozen=True)
class Timing:
    now: datetime
    window_start: datetime | None
    window_end: datetime | None
    forecast_end: datetime
    rollback_point: str | None  # the point a full rollback returns to
    rollback_planned: float | None
    rollback_deadline: datetime | None
    steps: dict[str, StepTiming]
    phases: dict[str, PhaseTiming]
    no_rollback_reason: str = ""

    @property
    def time_left(self) -> float | None:
        return None if self.window_end is None else (self.window_end - self.now).total_seconds()

    @property
    def forecast_margin(self) -> float | None:
        if self.window_end is None:
            return None
        return (self.window_end - self.forecast_end).total_seconds()

    @property
    def rollback_margin(self) -> float | None:
        if self.rollback_deadline is None:
            return None
        return (self.rollback_deadline - self.now).total_seconds()


def compute(engine: Engine, state: RunState, now_m: float) -> Timing:
    """Timing of the run at offset `now_m` (seconds since it started)."""
    start = state.started_wall or datetime.now().astimezone()
    now = start + timedelta(seconds=now_m)
    steps: dict[str, StepTiming] = {}
    remaining: dict[str, float] = {}
    for step in engine.runbook.steps:
        s = state.step(step.id)
        running = s.status is Status.RUNNING
        actual = (now_m - s.started) if running and s.started is not None else s.actual
        if s.status in (Status.SKIPPED,) or (s.status is Status.PENDING and s.actual is None):
            actual = None if s.status is Status.PENDING else 0.0
        steps[step.id] = StepTiming(step.planned, actual, running)
        if engine.satisfied(state, step.id):
            remaining[step.id] = 0.0
        elif running and actual is not None:
            remaining[step.id] = max(step.planned - actual, 0.0)
        else:
            remaining[step.id] = step.planned
    # The forecast walks the dependency graph with what is left of each step, so
    # parallel streams overlap and a late step pushes everything behind it.
    left, _ = longest_path(engine.order, engine.deps, lambda i: remaining[i])
    forecast_end = now + timedelta(seconds=left)

    phases: dict[str, PhaseTiming] = {}
    for phase in engine.runbook.phases:
        members = [s for s in engine.runbook.steps if s.phase == phase]
        seen = [
            (steps[s.id].actual or 0.0, s.planned)
            for s in members
            if steps[s.id].actual is not None
        ]
        phases[phase] = PhaseTiming(
            planned=sum(s.planned for s in members),
            actual=sum(a for a, _ in seen),
            variance=sum(a - p for a, p in seen),
        )

    point, planned, deadline, reason = None, None, None, ""
    if engine.past_point_of_no_return(state):
        reason = "past the point of no return"
    else:
        points = engine.reached_points(state)
        if not points:
            reason = "no rollback point reached yet"
        else:
            # A full rollback returns to the earliest point: the pre-change state.
            point = points[-1]
            planned = engine.rollback_plan(state, point).planned
            if state.window_end is not None:
                deadline = state.window_end - timedelta(seconds=planned)
    # Every moment in the operator's zone (the run's clock), whatever zone the window was written in.
    zone = now.tzinfo
    return Timing(
        now=now,
        window_start=state.window_start.astimezone(zone) if state.window_start else None,
        window_end=state.window_end.astimezone(zone) if state.window_end else None,
        forecast_end=forecast_end,
        rollback_point=point,
        rollback_planned=planned,
        rollback_deadline=deadline.astimezone(zone) if deadline else None,
        steps=steps,
        phases=phases,
        no_rollback_reason=reason,
    )
