"""Driving a rollback drill: run the drill's steps, roll back to the point on purpose
with the normal rollback machinery, verify, and record the verdict.

The conductor runs the steps and the rollback exactly as in a run, driven by the one
RunLoop; the drill plugs into it as hooks (roll back once the steps are done; verify
and finish after the rollback) and as the first answerer (what the drill decides
itself, whoever is at the keyboard). The drill's engine (golive/core/drill.py) keeps
the run to the drill's steps and never ends it, so the drill ends it: always with a
run_finished event that carries the drill's results. What the drill says, and the
person who answers the rest, come from the screen it runs on (console or run screen).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from typing import Any

from golive.core import events as ev
from golive.core.drill import (
    DrillEngine,
    DrillPlan,
    DrillResult,
    VerifyResult,
    drill_result,
    not_verified,
)
from golive.core.durations import seconds_text
from golive.core.engine import Question, QuestionKind
from golive.core.events import Decisions, event
from golive.core.state import Status
from golive.io.executor import ExecutorSet
from golive.io.recorded import load_record
from golive.session.answers import Answer, NoAnswer, Policy
from golive.session.conductor import Conductor
from golive.session.execution import StepExecution
from golive.session.run_loop import Answerer, RunHooks, RunLoop
from golive.session.session import Session

BY = "drill"  # who answers what the drill itself decides
Say = Callable[[str], None]


class Drill(RunHooks):
    def __init__(
        self,
        session: Session,
        plan: DrillPlan,
        executors: ExecutorSet,
        policy: Policy,
        person: Answerer | None,
        say: Say,
    ) -> None:
        assert isinstance(session.engine, DrillEngine)
        self.session = session
        self.plan = plan
        self.engine: DrillEngine = session.engine
        self.policy = policy
        self.say = say
        self.execution = StepExecution(session, executors)
        self.conductor = Conductor(session, self.execution)
        self.answers: Answerer = _DrillAnswers(self)  # asked before anyone else
        self.person = person
        self.result: DrillResult | None = None
        self._cancel = threading.Event()
        self._waiting_said = False

    def run(self) -> DrillResult:
        """Run the drill to its end on this thread (the console); the result is journaled
        in run_finished. The run screen runs the same hooks on its driver's loop."""
        answerers = [self.answers] + ([self.person] if self.person is not None else [])
        RunLoop(self.session, self.conductor, answerers, self, operator=self.policy.operator).run()
        if self.result is None:
            # Only the drill ends a drill's run; this is a safety net, not a path.
            raise RuntimeError(
                f"the drill's run ended without the drill ({self.session.state.outcome})"
            )
        return self.result

    # -- the hooks of the run loop ---------------------------------------------------
    def turn(self, loop: RunLoop) -> bool:
        state = self.session.state
        if state.aborting:
            if not self.conductor.busy():
                self._finish("aborted", self._abort_reason(), [], stopped=True)
                return True
            return False
        if self._time_to_roll_back():
            self._roll_back()
            return True
        return False

    def holds_ticks(self, loop: RunLoop) -> bool:
        # No tick while aborting: the conductor would end the run without the drill.
        return self.session.state.aborting

    def after_tick(self, loop: RunLoop, questions: Sequence[Question]) -> bool:
        if any(q.kind is QuestionKind.AFTER_ROLLBACK for q in questions):
            self._verify_and_finish()
            return True
        return False

    def may_stall(self, loop: RunLoop) -> bool:
        return not self.engine.steps_done(self.session.state)

    def waiting(self, loop: RunLoop, seconds: float) -> None:
        if not self._waiting_said:
            self.say(f"  waiting {seconds_text(seconds)} for a not_before time")
            self._waiting_said = True

    def no_answer(self, loop: RunLoop, question: Question, problem: NoAnswer) -> None:
        self.say(f"✘ {problem}")

    # -- the rollback --------------------------------------------------------------
    def _time_to_roll_back(self) -> bool:
        state = self.session.state
        return (
            not state.rollbacks
            and state.pending_rollback is None
            and self.engine.steps_done(state)
            and not self.conductor.busy()
        )

    def _roll_back(self) -> None:
        # About the step the drill ran past the point: the rollback is the one after it.
        self.session.record(
            event(
                ev.DECISION,
                step=self.plan.through,
                question="drill",
                decision=Decisions.ROLLBACK,
                to=self.plan.to,
                by=BY,
                reason=f"drill: roll back to {self.plan.to} on purpose after {self.plan.through}",
                automatic=True,
            )
        )

    def _verify_and_finish(self) -> DrillResult:
        rollback = self.session.state.rollbacks[-1]
        verify: list[VerifyResult] = []
        if rollback.to == self.plan.to and rollback.status == "completed":
            self.say(f"\n✓ proving the state at {self.plan.to}: the verify commands up to it")
            verify = [self._verify(step_id) for step_id in self.plan.state_steps]
        return self._finish("rolled_back", f"drill: rolled back to {rollback.to}", verify)

    def _verify(self, step_id: str) -> VerifyResult:
        step = self.session.runbook.step(step_id)
        status = self.session.state.step(step_id).status
        if step.verify is None:
            why = f"a {step.kind.value} step" if step.kind.needs_operator else "it has no verify"
            return not_verified(step_id, why)
        if status is not Status.SUCCEEDED:
            return not_verified(step_id, f"it ended {status.value} in the drill")
        ok, detail = self.execution.verify_again(step, self._cancel)
        return VerifyResult(step_id, ok, detail)

    def _finish(
        self, outcome: str, reason: str, verify: list[VerifyResult], stopped: bool = False
    ) -> DrillResult:
        record = load_record(self.session.journal.path, samples=False).record
        why = f"the drill stopped before it was done: {reason}" if stopped else ""
        result = drill_result(self.plan, record, verify, why)
        self.result = result  # before the record: the loop ends as soon as it is recorded
        self.session.record(
            event(ev.RUN_FINISHED, outcome=outcome, reason=reason, drill=result.journal_fields())
        )
        return result

    def _abort_reason(self) -> str:
        aborts = [d for d in self.session.state.decisions if d["decision"] == Decisions.ABORT]
        return aborts[-1].get("reason", "") if aborts else "aborted"


class _DrillAnswers:
    """The first answerer: what the drill decides itself, whoever is at the keyboard."""

    def __init__(self, drill: Drill) -> None:
        self.drill = drill

    def answer(self, q: Question) -> Answer | None:
        """What the drill decides itself, whoever is at the keyboard."""
        state = self.drill.session.state
        if q.kind is QuestionKind.ROLLBACK_FAILED:
            # A failed undo is what the drill is there to find: record it, measure the rest.
            return Answer(
                Decisions.SKIP,
                "drill: the failed undo is recorded and the rollback goes on; undo it by hand",
                BY,
                automatic=True,
            )
        if q.kind is not QuestionKind.FAILED or q.step is None:
            return None
        if self.drill.engine.after_point(q.step):
            return Answer(
                Decisions.ROLLBACK,
                f"drill: {q.step} failed after {self.drill.plan.to}; the drill's rollback starts now",
                BY,
                automatic=True,
                to=self.drill.plan.to,
            )
        if self.drill.policy.yes and q.step in state.injected and state.step(q.step).attempts == 1:
            return Answer(
                Decisions.RETRY,
                "drill --yes: an injected failure fails only the first attempt; run it again",
                "--yes",
                automatic=True,
            )
        return None


def drill_of_journal(path: str) -> dict[str, Any] | None:
    """The drill a journal records (its run_started event's `drill`), or None."""
    try:
        with open(path, "rb") as handle:
            first = json.loads(handle.readline())
    except (OSError, ValueError):
        return None
    drill = first.get("drill") if isinstance(first, dict) else None
    return drill if isinstance(drill, dict) else None
