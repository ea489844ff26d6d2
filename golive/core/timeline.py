"""Planned against actual, the forecast end and the rollback deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from golive.core.durations import format_duration
from golive.core.engine import Engine
from golive.core.runbook import Step
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
    """A phase against its plan: the plan is its critical path (parallel streams overlap),
    the actual its wall-clock span, from its first step's start to its last step's end
    (or now, while one runs). None while no step of it has started."""

    planned: float
    actual: float | None

    @property
    def variance(self) -> float | None:
        return None if self.actual is None else self.actual - self.planned


@dataclass(frozen=True)
class Timing:
    now: datetime
    window_start: datetime | None
    window_end: datetime | None
    forecast_end: datetime
    rollback_point: str | None  # the point a full rollback returns to
    rollback_planned: float | None
    rollback_deadline: datetime | None
    phases: dict[str, PhaseTiming]
    no_rollback_reason: str = ""
    _now_m: float = 0.0

    @property
    def time_left(self) -> float | None:
        return None if self.window_end is None else (self.window_end - self.now).total_seconds()

    @property
    def window_text(self) -> str | None:
        """Where the run stands against its window, in words: "window left 1h59m", or
        "window opens in 81h05m" before it has opened, "window closed 12m ago" after."""
        if self.window_end is None:
            return None
        if self.window_start is not None and self.now < self.window_start:
            return (
                f"window opens in {format_duration((self.window_start - self.now).total_seconds())}"
            )
        left = (self.window_end - self.now).total_seconds()
        if left < 0:
            return f"window closed {format_duration(-left)} ago"
        return f"window left {format_duration(left)}"

    @property
    def forecast_margin(self) -> float | None:
        if self.window_end is None:
            return None
        return (self.window_end - self.forecast_end).total_seconds()

    @property
    def now_m(self) -> float:
        """Seconds since the run started, at `now` (for step_timing)."""
        return self._now_m

    @property
    def rollback_margin(self) -> float | None:
        if self.rollback_deadline is None:
            return None
        return (self.rollback_deadline - self.now).total_seconds()


def step_timing(step: Step, state: RunState, now_m: float) -> StepTiming:
    """One step's planned and actual time (a running step's actual is its time so far)."""
    s = state.step(step.id)
    running = s.status is Status.RUNNING
    actual = (now_m - s.started) if running and s.started is not None else s.actual
    if s.status is Status.SKIPPED:
        actual = 0.0
    elif s.status is Status.PENDING and s.actual is None:
        actual = None
    return StepTiming(step.planned, actual, running)


def compute(engine: Engine, state: RunState, now_m: float) -> Timing:
    """Timing of the run at offset `now_m` (seconds since it started).

    The engine's progress index makes this independent of the runbook's size: the
    forecast is the frontier's remaining time plus the planned chain below it, and
    phases and the rollback plan are kept up to date step by step."""
    start = state.started_wall or datetime.now().astimezone()
    now = start + timedelta(seconds=now_m)
    progress = engine.progress(state)
    # The forecast walks the dependency graph with what is left of each step, so
    # parallel streams overlap and a late step pushes everything behind it.
    forecast_end = now + timedelta(seconds=progress.remaining(now_m))

    phases: dict[str, PhaseTiming] = {}
    spans = progress.spans()
    for phase, planned in engine.phase_plans().items():
        first, last, running = spans.get(phase, (None, None, False))
        actual = None
        if first is not None:
            end = now_m if running or last is None else last
            actual = max(end - first, 0.0)
        phases[phase] = PhaseTiming(planned=planned, actual=actual)

    point, planned_rollback, deadline, reason = None, None, None, ""
    if engine.past_point_of_no_return(state):
        reason = "past the point of no return"
    else:
        full = engine.full_rollback(state)
        if full is None:
            reason = "no rollback point reached yet"
        else:
            # A full rollback returns to the earliest point: the pre-change state.
            point, planned_rollback = full
            if state.window_end is not None:
                deadline = state.window_end - timedelta(seconds=planned_rollback)
    # Every moment in the operator's zone (the run's clock), whatever zone the window was written in.
    zone = now.tzinfo
    return Timing(
        now=now,
        window_start=state.window_start.astimezone(zone) if state.window_start else None,
        window_end=state.window_end.astimezone(zone) if state.window_end else None,
        forecast_end=forecast_end,
        rollback_point=point,
        rollback_planned=planned_rollback,
        rollback_deadline=deadline.astimezone(zone) if deadline else None,
        phases=phases,
        no_rollback_reason=reason,
        _now_m=now_m,
    )
