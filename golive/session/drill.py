"""Driving a rollback drill in the console: run the drill's steps, roll back to the
point on purpose with the normal rollback machinery, verify, and report.

The conductor runs the steps and the rollback exactly as in a run; the drill's engine
(golive/core/drill.py) keeps it to the drill's steps and never ends the run, so this
loop ends it: always with a run_finished event that carries the drill's results.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any, TextIO

from golive.console.operator import Answer, ConsoleOperator, NoAnswer, Policy
from golive.console.printer import ConsolePrinter
from golive.core import events as ev
from golive.core.drill import (
    ACTION_FAILED,
    ACTION_PASSED,
    NO_UNDO,
    PASS,
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
from golive.session.conductor import Conductor
from golive.session.execution import StepExecution
from golive.session.session import Session

BY = "drill"  # who answers what the drill itself decides


class Drill:
    def __init__(
        self,
        session: Session,
        plan: DrillPlan,
        executors: ExecutorSet,
        policy: Policy,
        stdin: TextIO = sys.stdin,
        out: TextIO = sys.stdout,
    ) -> None:
        assert isinstance(session.engine, DrillEngine)
        self.session = session
        self.plan = plan
        self.engine: DrillEngine = session.engine
        self.policy = policy
        self.execution = StepExecution(session, executors)
        self.conductor = Conductor(session, self.execution)
        self.operator = ConsoleOperator(session, policy, stdin, out)
        self.printer = next((p for p in session.listeners if isinstance(p, ConsolePrinter)), None)
        self._cancel = threading.Event()
        self._waiting_said = False

    def say(self, text: str) -> None:
        if self.printer is not None:
            self.printer.say(text)

    def run(self) -> DrillResult:
        """Run the drill to its end; the result is journaled in run_finished."""
        state = self.session.state
        while state.outcome is None:
            seen = self.session.changes
            if state.aborting:
                # No tick while aborting: the conductor would end the run without the drill.
                if not self.conductor.busy():
                    return self._finish("aborted", self._abort_reason(), [], stopped=True)
            else:
                if self._time_to_roll_back():
                    self._roll_back()
                questions = self.conductor.tick()
                if any(q.kind is QuestionKind.AFTER_ROLLBACK for q in questions):
                    return self._verify_and_finish()
                if questions:
                    self._answer(questions[0])
                    continue
                wait = self.conductor.next_start_at()
                if wait is not None and wait > 0 and not self._waiting_said:
                    self.say(f"  waiting {seconds_text(wait)} for a not_before time")
                    self._waiting_said = True
                if self.conductor.stuck() and not self.engine.steps_done(state):
                    blocked = ", ".join(
                        i for i in self.engine.order if not self.engine.satisfied(state, i)
                    )
                    self.conductor.answer_abort(
                        f"no step of the drill can start; unfinished: {blocked}"
                    )
                    continue
            self.session.wait_for_change(seen, 0.25)
        # Only the drill ends a drill's run; this is a safety net, not a path.
        raise RuntimeError(f"the drill's run ended without the drill ({state.outcome})")

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
        self.session.record(
            event(ev.RUN_FINISHED, outcome=outcome, reason=reason, drill=result.journal_fields())
        )
        return result

    def _abort_reason(self) -> str:
        aborts = [d for d in self.session.state.decisions if d["decision"] == Decisions.ABORT]
        return aborts[-1].get("reason", "") if aborts else "aborted"

    # -- answers ---------------------------------------------------------------------
    def _answer(self, question: Question) -> None:
        answer = self._drill_answer(question)
        if answer is None:
            try:
                answer = self.operator.answer(question)
            except NoAnswer as exc:
                self.say(f"✘ {exc}")
                answer = Answer(Decisions.ABORT, str(exc), "golive", automatic=True)
        self.conductor.answer(
            question, answer.decision, reason=answer.reason, by=answer.by or self.policy.operator,
            automatic=answer.automatic, to=answer.to,
        )  # fmt: skip

    def _drill_answer(self, q: Question) -> Answer | None:
        """What the drill decides itself, whoever is at the keyboard."""
        state = self.session.state
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
        if self.engine.after_point(q.step):
            return Answer(
                Decisions.ROLLBACK,
                f"drill: {q.step} failed after {self.plan.to}; the drill's rollback starts now",
                BY,
                automatic=True,
                to=self.plan.to,
            )
        if self.policy.yes and q.step in state.injected and state.step(q.step).attempts == 1:
            return Answer(
                Decisions.RETRY,
                "drill --yes: an injected failure fails only the first attempt; run it again",
                "--yes",
                automatic=True,
            )
        return None


# -- the report ----------------------------------------------------------------------


def _took(seconds: float | None) -> str:
    return "-" if seconds is None else seconds_text(seconds)


_ACTION_MARK = {ACTION_PASSED: "✔", ACTION_FAILED: "✘", NO_UNDO: "·"}


def report_lines(plan: DrillPlan, result: DrillResult, journal: str) -> list[str]:
    """The drill report printed at the end: each undo, each verify, the verdict."""
    lines = [f"\ndrill: roll back to {plan.to} after {plan.through}"]
    width = max((len(a.step) for a in result.actions), default=4)
    if result.actions:
        lines.append("  rollback actions (measured, planned):")
    for a in result.actions:
        mark = _ACTION_MARK.get(a.status, "✘")
        if a.status == NO_UNDO:
            lines.append(f"    {mark} {a.step:<{width}}  no undo (the step has no rollback)")
            continue
        why = f"  {a.reason}" if a.reason else ""
        lines.append(
            f"    {mark} {a.step:<{width}}  {a.status:<7} {_took(a.seconds):>7}  "
            f"planned {_took(a.planned)}{why}"
        )
    if result.rollback_seconds is not None:
        lines.append(
            f"  rollback took {_took(result.rollback_seconds)} "
            f"(planned {_took(result.planned_seconds)})"
        )
    if result.verify:
        lines.append(f"  verify after the rollback (the state at {plan.to}):")
        width = max(len(v.step) for v in result.verify)
        for v in result.verify:
            mark = "·" if v.ok is None else "✔" if v.ok else "✘"
            lines.append(f"    {mark} {v.step:<{width}}  {v.detail}")
        if all(v.ok is None for v in result.verify):
            lines.append(
                f"  no step up to {plan.to} has a verify: nothing proved the state after the rollback"
            )
    for problem in result.problems:
        lines.append(f"  ✘ {problem}")
    lines.append(f"  verdict: {'PASS' if result.verdict == PASS else 'FAIL'}")
    lines.append(f"  journal: {journal}")
    return lines


def drill_of_journal(path: str) -> dict[str, Any] | None:
    """The drill a journal records (its run_started event's `drill`), or None."""
    try:
        with open(path, "rb") as handle:
            first = json.loads(handle.readline())
    except (OSError, ValueError):
        return None
    drill = first.get("drill") if isinstance(first, dict) else None
    return drill if isinstance(drill, dict) else None
