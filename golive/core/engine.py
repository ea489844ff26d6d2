"""What happens next: ready steps, operator questions and rollback plans.

The engine reads a Runbook and a RunState and answers questions; it never
changes state itself. Drivers (console, TUI) record events in the journal
and fold them into the state, then ask again.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from golive.core.checks import dependency_map
from golive.core.events import Decisions
from golive.core.graph import descendants, longest_path, topological
from golive.core.progress import Progress, is_satisfied
from golive.core.runbook import OnFailure, Runbook, Step, StepKind
from golive.core.state import RunState, Status


class QuestionKind(Enum):
    CONFIRM = "confirm"  # a manual step is ready
    GATE = "gate"  # go / no-go
    FAILED = "failed"  # a step failed: retry, skip, roll back, abort
    INTERRUPTED = "interrupted"  # resumed: re-run, mark done, roll back
    ROLLBACK_FAILED = "rollback_failed"  # a rollback action failed: retry, skip, abort
    AFTER_ROLLBACK = "after_rollback"  # run again from the point, or end the run


@dataclass(frozen=True)
class Question:
    kind: QuestionKind
    step: str | None
    options: tuple[str, ...]
    text: str
    # A health gate deciding itself: open, and a person may answer it (an override), but
    # it is put to no answerer until the gate asks (golive.session.health).
    held: bool = False


@dataclass(frozen=True)
class RollbackAction:
    step: str
    command: str | None  # None: nothing to undo (a manual or read-only step)
    on: str
    planned: float  # 0 when there is nothing to undo


@dataclass(frozen=True)
class RollbackPlan:
    to: str
    actions: tuple[RollbackAction, ...]

    @property
    def planned(self) -> float:
        return sum(a.planned for a in self.actions if a.command)

    @property
    def executable(self) -> list[RollbackAction]:
        return [a for a in self.actions if a.command]


class Engine:
    def __init__(self, runbook: Runbook) -> None:
        self.runbook = runbook
        self.deps = dependency_map(runbook)
        self.order = topological([s.id for s in runbook.steps], self.deps)
        self._steps = {s.id: s for s in runbook.steps}
        self.children: dict[str, list[str]] = {}
        for step_id, parents in self.deps.items():
            for parent in parents:
                self.children.setdefault(parent, []).append(step_id)
        self._below: dict[str, set[str]] = {}
        self._progress: Progress | None = None
        self._phase_plans: dict[str, float] | None = None
        self._lock = threading.Lock()

    def step(self, step_id: str) -> Step:
        return self._steps[step_id]

    def phase_plans(self) -> dict[str, float]:
        """Each phase's planned time: the critical path of its own steps."""
        if self._phase_plans is None:
            plans: dict[str, float] = {}
            for phase in self.runbook.phases:
                ids = [s.id for s in self.runbook.steps if s.phase == phase]
                inside = set(ids)
                deps = {i: [d for d in self.deps[i] if d in inside] for i in ids}
                plans[phase], _ = longest_path(ids, deps, lambda i: self._steps[i].planned)
            self._phase_plans = plans
        return self._phase_plans

    def below(self, step_id: str) -> set[str]:
        """Every step that depends on `step_id`, directly or not (cached: the graph is fixed)."""
        found = self._below.get(step_id)
        if found is None:
            found = self._below[step_id] = descendants(step_id, self.deps)
        return found

    def progress(self, state: RunState) -> Progress:
        """The index of `state`'s progress, brought up to date (a new one for a new state)."""
        with self._lock:
            progress = self._progress
            if progress is None or progress.state is not state:
                wanted = set(self.order)
                points = [i for i in self.order if self._steps[i].rollback_point]
                above: dict[str, list[str]] = {}
                for point in points:
                    for step_id in self.below(point) & wanted:
                        above.setdefault(step_id, []).append(point)
                progress = self._progress = Progress(
                    self.runbook, self.order, self.deps, self.children, above, state
                )
            else:
                progress.sync()
            return progress

    # -- readiness ----------------------------------------------------------
    def satisfied(self, state: RunState, step_id: str) -> bool:
        return is_satisfied(state, step_id)

    def ready(self, state: RunState) -> list[Step]:
        """Pending steps whose dependencies are done, in plan order."""
        if not self._may_start(state):
            return []
        progress = self.progress(state)
        return [self._steps[i] for i in progress.ready_in_order()]

    def has_ready(self, state: RunState) -> bool:
        """Whether ready() has a step, without listing them."""
        return self._may_start(state) and self.progress(state).has_ready()

    def ready_with_clock(self, state: RunState) -> list[Step]:
        """The ready steps that have a not_before time, in plan order."""
        if not self._may_start(state):
            return []
        return [self._steps[i] for i in self.progress(state).ready_in_order(timed=True)]

    @staticmethod
    def _may_start(state: RunState) -> bool:
        return not (
            state.outcome or state.aborting or state.active_rollback or state.pending_rollback
        )

    def startable(
        self,
        state: RunState,
        now: datetime,
        honour_clock: bool = True,
        exclude: Collection[str] = (),
    ) -> list[Step]:
        """Ready steps that may start now: not paused, not aborting, no failure
        waiting for an answer (a failure holds the run), past their not_before.
        Operator steps (manual, gate) start by being put to the operator. Steps in
        `exclude` (the caller's own, already starting) are left out before anything
        else is looked at: a tick costs what is new, not every ready step again."""
        if state.paused or not self._may_start(state) or self.holding(state):
            return []
        shift = timedelta(seconds=state.window_shift)
        now = now.astimezone(UTC)
        ready = [self._steps[i] for i in self.progress(state).ready_in_order(exclude)]
        return [
            s for s in ready
            if not honour_clock or s.not_before is None or now >= s.not_before.astimezone(UTC) + shift
        ]  # fmt: skip

    def holding(self, state: RunState) -> bool:
        operator_steps = (QuestionKind.CONFIRM, QuestionKind.GATE)
        return any(q.kind not in operator_steps for q in self.questions(state))

    def running(self, state: RunState) -> list[str]:
        progress = self.progress(state)
        return progress.in_order(progress.running)

    # -- questions ----------------------------------------------------------
    def questions(self, state: RunState) -> list[Question]:
        if state.outcome:
            return []
        found: list[Question] = []
        progress = self.progress(state)
        for step_id in progress.in_order(progress.attention):
            s = state.step(step_id)
            step = self._steps[step_id]
            if s.status is Status.INTERRUPTED and step.kind.needs_operator:
                # Nothing ran: golive stopped while it waited for the operator's answer. A
                # gate passes only by a go decision (who and why), a manual step by its
                # confirm: it is asked again, never marked done.
                found.append(Question(QuestionKind.INTERRUPTED, step_id,
                    (Decisions.RERUN, Decisions.ROLLBACK),
                    f"{step_id}: golive stopped while it waited for its answer: it is asked again"))  # fmt: skip
            elif s.status is Status.INTERRUPTED:
                why = s.reason or "it was running when golive stopped"
                found.append(Question(QuestionKind.INTERRUPTED, step_id,
                    (Decisions.RERUN, Decisions.MARK_DONE, Decisions.ROLLBACK),
                    f"{step_id}: {why}: run it again, mark it done, or roll back?"))  # fmt: skip
            elif s.status is Status.FAILED and not s.decided:
                found.append(Question(QuestionKind.FAILED, step_id,
                    (Decisions.RETRY, Decisions.SKIP, Decisions.ROLLBACK, Decisions.ABORT),
                    f"{step_id} failed ({s.reason or 'no reason given'})"))  # fmt: skip
            if s.rollback_status in (Status.FAILED, Status.INTERRUPTED):
                options: tuple[str, ...] = (Decisions.RETRY, Decisions.SKIP, Decisions.ABORT)
                if s.rollback_status is Status.INTERRUPTED:
                    options = (
                        Decisions.RETRY,
                        Decisions.MARK_DONE,
                        Decisions.SKIP,
                        Decisions.ABORT,
                    )
                found.append(Question(QuestionKind.ROLLBACK_FAILED, step_id, options,
                    f"rolling back {step_id} {'failed' if s.rollback_status is Status.FAILED else 'was interrupted'}"))  # fmt: skip
            if s.status is Status.RUNNING and step.kind is StepKind.MANUAL:
                found.append(Question(QuestionKind.CONFIRM, step_id,
                    (Decisions.CONFIRM, Decisions.SKIP), f"{step.label}: confirm when done"))  # fmt: skip
            elif s.status is Status.RUNNING and step.kind is StepKind.GATE:
                found.append(self._gate_question(state, step))
        after = state.awaiting_after_rollback
        if after is not None:
            found.append(Question(QuestionKind.AFTER_ROLLBACK, None,
                (Decisions.RESUME_FROM_POINT, Decisions.END),
                f"rolled back to {after.to}: run again from there, or end the run?"))  # fmt: skip
        return found

    @staticmethod
    def _gate_question(state: RunState, step: Step) -> Question:
        options = (Decisions.GO, Decisions.NO_GO)
        s = state.step(step.id)
        if step.health is None or state.mode == "dry-run":
            return Question(QuestionKind.GATE, step.id, options, f"{step.label}: go or no-go?")
        if s.health_asked:
            return Question(
                QuestionKind.GATE,
                step.id,
                options,
                f"{step.label}: go or no-go? (health gate: {s.health_asked})",
            )
        latest = s.health[-1] if s.health else None
        seen = f"evaluation {latest['n']}: {latest['verdict']}" if latest else "evaluating"
        return Question(
            QuestionKind.GATE,
            step.id,
            options,
            f"{step.label}: the health gate decides ({seen}); go or no-go overrides it",
            held=True,
        )

    def automatic_answer(self, state: RunState, question: Question) -> tuple[str, str] | None:
        """The runbook's own answer to a failure (retries, on_failure), if it has one."""
        if question.kind is not QuestionKind.FAILED or question.step is None:
            return None
        step = self._steps[question.step]
        attempts = state.step(step.id).attempts
        if attempts <= step.retries:
            return Decisions.RETRY, f"retry {attempts} of {step.retries}"
        if step.on_failure is OnFailure.CONTINUE:
            return Decisions.CONTINUE, "on_failure = continue"
        if step.on_failure is OnFailure.ROLLBACK and self.rollback_target(state, step.id):
            return Decisions.ROLLBACK, "on_failure = rollback"
        return None

    def finished(self, state: RunState) -> bool:
        return self.progress(state).counts()[0] == len(self.order)

    def past_point_of_no_return(self, state: RunState) -> bool:
        return self.progress(state).counts()[1] > 0

    # -- rollback -----------------------------------------------------------
    def reached_points(self, state: RunState) -> list[str]:
        """Rollback points a rollback can return to now, latest first."""
        if self.past_point_of_no_return(state):
            return []
        reached = self.progress(state).reached()
        live = [i for i in reached if state.step(i).status is Status.SUCCEEDED]
        return list(dict.fromkeys(reversed(live)))

    def rollback_target(self, state: RunState, step_id: str | None = None) -> str | None:
        """The latest reached rollback point, preferring one the step depends on."""
        points = self.reached_points(state)
        if step_id is not None:
            ancestors = {p for p in points if step_id in self.below(p)}
            for point in points:
                if point in ancestors:
                    return point
        return points[0] if points else None

    def rollback_plan(self, state: RunState, to: str) -> RollbackPlan:
        """Undo every step after `to` that ran, latest first.

        A failed or interrupted step is undone too: it may have changed half
        of what it meant to change.
        """
        after = self.below(to)
        touched = [
            i
            for i in state.completion_order
            if i in after and state.step(i).status is Status.SUCCEEDED
        ]
        partial = [
            i for i in self.order
            if i in after and state.step(i).status in (Status.FAILED, Status.INTERRUPTED, Status.RUNNING)
        ]  # fmt: skip
        ordered = list(dict.fromkeys([*partial, *reversed(touched)]))
        # A step without a rollback command has nothing to undo and plans no time, so each
        # row's time adds up to the plan's total.
        actions = tuple(
            RollbackAction(
                i,
                self._steps[i].rollback,
                self._steps[i].on,
                self._steps[i].planned_rollback if self._steps[i].rollback else 0.0,
            )
            for i in ordered
        )
        return RollbackPlan(to, actions)

    def full_rollback(self, state: RunState) -> tuple[str, float] | None:
        """The earliest reached point (a rollback to the state before the change) and the
        planned time of undoing what ran below it; None when no rollback is possible."""
        points = self.reached_points(state)
        if not points:
            return None
        return points[-1], self.progress(state).undo_for(points[-1])

    def remaining_rollback(self, state: RunState) -> list[str]:
        rollback = state.active_rollback
        if rollback is None:
            return []
        return [
            a for a in rollback.actions
            if a not in rollback.done and state.step(a).rollback_status is not Status.SKIPPED
        ]  # fmt: skip
