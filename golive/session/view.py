"""A frozen view of the run, for screens on other threads.

The run loop's thread builds a RunView after the run settles (at most VIEWS_PER_SECOND
times a second, and at least once a second for the clock) and hands it to the screen.
The screen reads nothing else: not the session, not the state the loop changes while
the screen draws. Everything in a view is immutable (tuples, frozen dataclasses), so a
view can be read on any thread, as long as it likes, and always tells one consistent
moment of the run.

A view also carries what the operator is shown before a decision: the rollback plan
to each reached point. An intent to roll back carries the plan the operator confirmed;
the loop compares it with the plan at that moment, so the plan confirmed is the plan
that runs, or the operator is asked again (see RunDriver.roll_back).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType

from golive.core.engine import Engine, Question
from golive.core.health_text import gate_lines
from golive.core.runbook import Runbook
from golive.core.state import RunState, Status
from golive.core.timeline import Timing, step_timing
from golive.session.session import Session

VIEWS_PER_SECOND = 10


@dataclass(frozen=True)
class HostOutcome:
    host: str
    exit: int | None


@dataclass(frozen=True)
class StepRow:
    id: str
    on: str
    status: Status
    attempts: int
    actual: float | None  # seconds (a running step's time so far)
    running: bool
    variance: float | None
    reason: str
    verify_ok: bool | None
    hosts: tuple[HostOutcome, ...]
    output_lines: int
    health: tuple[str, ...] = ()  # a health gate's latest evaluation, for the detail pane


@dataclass(frozen=True)
class UndoAction:
    step: str
    shown: str | None  # the command as the screen shows it (secrets masked); None: nothing to undo
    planned: float


@dataclass(frozen=True)
class RollbackPreview:
    """What rolling back to `to` would run, as of the view's moment."""

    to: str
    actions: tuple[UndoAction, ...]
    planned: float


@dataclass(frozen=True)
class RunView:
    version: int  # the session's change count when the view was built
    mode: str
    outcome: str | None
    paused: bool
    timing: Timing
    rows: tuple[StepRow, ...]  # in runbook order
    questions: tuple[Question, ...]
    running: tuple[str, ...]  # step ids, in runbook order
    ready: tuple[str, ...]  # steps whose dependencies are done (a paused run starts them)
    reached_points: tuple[str, ...]
    past_point_of_no_return: bool
    targets: tuple[tuple[str | None, str | None], ...] = ()  # (question step, nearest point)
    previews: tuple[RollbackPreview, ...] = ()
    journal: str = ""

    @cached_property
    def _rows_by_id(self) -> MappingProxyType[str, StepRow]:
        return MappingProxyType({row.id: row for row in self.rows})

    def row(self, step_id: str) -> StepRow:
        return self._rows_by_id[step_id]

    def target(self, step_id: str | None) -> str | None:
        """The rollback point a failure of `step_id` returns to by default."""
        return next((to for step, to in self.targets if step == step_id), None)

    def preview(self, to: str) -> RollbackPreview | None:
        return next((p for p in self.previews if p.to == to), None)


def rollback_preview(session: Session, to: str) -> RollbackPreview:
    """The rollback plan to `to` now, as the operator is shown it. On the loop's thread."""
    return preview_of(session.engine, session.state, to, session.values.display)


def preview_of(
    engine: Engine, state: RunState, to: str, display: Callable[[str], str]
) -> RollbackPreview:
    """The rollback plan to `to` in `state`, commands shown by `display`."""
    plan = engine.rollback_plan(state, to)
    actions = tuple(
        UndoAction(a.step, display(a.command) if a.command else None, a.planned)
        for a in plan.actions
    )
    return RollbackPreview(to, actions, plan.planned)


def step_rows(runbook: Runbook, state: RunState, now_m: float) -> tuple[StepRow, ...]:
    """Every step's row at run offset `now_m` (the review replays a journal with it)."""
    rows = []
    for step in runbook.steps:
        s = state.step(step.id)
        t = step_timing(step, state, now_m)
        rows.append(
            StepRow(
                id=step.id,
                on=step.on,
                status=s.status,
                attempts=s.attempts,
                actual=t.actual,
                running=t.running,
                variance=t.variance,
                reason=s.reason,
                verify_ok=s.verify_ok,
                hosts=tuple(HostOutcome(h, r.exit) for h, r in s.hosts.items()),
                output_lines=s.output_lines,
                health=gate_lines(s.health, s.health_asked)
                if step.health is not None and (s.health or s.status is Status.RUNNING)
                else (),
            )
        )
    return tuple(rows)


def build_view(
    session: Session, questions: tuple[Question, ...], running: tuple[str, ...]
) -> RunView:
    """The run as it is now. Called on the run loop's thread only."""
    return view_of(
        session.runbook, session.engine, session.state, session.timing(),
        version=session.changes, questions=questions, running=running,
        display=session.values.display, journal=session.journal.path,
    )  # fmt: skip


def view_of(
    runbook: Runbook, engine: Engine, state: RunState, timing: Timing, *, version: int,
    questions: tuple[Question, ...], running: tuple[str, ...], display: Callable[[str], str],
    journal: str,
) -> RunView:  # fmt: skip
    """The view of `state` at `timing`'s moment: the driver's (build_view) and a
    follower's, which folds the same journal into the same state."""
    points = tuple(engine.reached_points(state))
    asked = {q.step for q in questions} | {None}
    return RunView(
        version=version,
        mode=state.mode,
        outcome=state.outcome,
        paused=state.paused,
        timing=timing,
        rows=step_rows(runbook, state, timing.now_m),
        questions=questions,
        running=running,
        ready=tuple(s.id for s in engine.ready(state)),
        reached_points=points,
        past_point_of_no_return=engine.past_point_of_no_return(state),
        targets=tuple(
            (step, engine.rollback_target(state, step)) for step in sorted(asked, key=str)
        ),
        previews=tuple(preview_of(engine, state, p, display) for p in points),
        journal=journal,
    )


def no_rollback_text(runbook: Runbook, view: RunView | None) -> str:
    """Why no rollback fits, in the words of the night: `past go-nogo`."""
    if view is not None and view.past_point_of_no_return:
        point = next((s.id for s in runbook.steps if s.point_of_no_return), None)
        return f"past {point}" if point else "past the point of no return"
    if view is not None and not view.reached_points:
        return "no point reached yet"
    return ""
