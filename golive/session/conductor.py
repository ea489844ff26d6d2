"""Moves a run forward: starts ready steps, sequences rollbacks, applies answers.

The conductor is shared by the console runner and the TUI. It asks the
engine what may happen, records what it starts through the session, and
hands the questions that need a person back to its caller.
"""

from __future__ import annotations

import _thread
import contextlib
import queue
import threading
from collections.abc import Callable

from golive.core import events as ev
from golive.core.engine import Question, QuestionKind
from golive.core.events import Decisions, event
from golive.core.runbook import Step, StepKind
from golive.core.state import Status
from golive.io.journal import JournalError
from golive.session.execution import StepExecution
from golive.session.health import HealthGates
from golive.session.session import Session


class Workers:
    """Daemon threads that run step commands, kept and reused when idle.

    Starting a thread costs more than running `true`, and a 2,000-step chain would start
    2,000 of them; parallel streams still get a thread each (a new one when none is
    idle). Daemon, so that golive can exit (Ctrl-C) while a command still runs: it is
    named, never waited for.

    A new thread is started without waiting for it to run (threading.Thread.start waits
    until the new thread has the GIL: with 2,000 streams starting at once, the run loop
    would sit out 2,000 of those waits before its next turn). A fault that escapes a
    task still reaches threading.excepthook, golive's last resort, as in any thread."""

    def __init__(self) -> None:
        self._tasks: queue.SimpleQueue[tuple[Callable[[], None], str]] = queue.SimpleQueue()
        self._idle = 0
        self._lock = threading.Lock()

    def submit(self, task: Callable[[], None], name: str) -> None:
        with self._lock:
            reuse = self._idle > 0
            if reuse:
                self._idle -= 1  # that idle worker takes this task
        if reuse:
            self._tasks.put((task, name))
        else:
            _thread.start_new_thread(self._work, (task, name))

    def _work(self, task: Callable[[], None], name: str) -> None:
        me = threading.current_thread()
        while True:
            me.name = name
            try:
                task()
            except SystemExit:
                return
            except BaseException as exc:  # never a traceback: the last resort says it
                with contextlib.suppress(BaseException):
                    threading.excepthook(
                        threading.ExceptHookArgs((type(exc), exc, exc.__traceback__, me))
                    )
            with self._lock:
                self._idle += 1
            task, name = self._tasks.get()


class Conductor:
    def __init__(self, session: Session, execution: StepExecution) -> None:
        self.session = session
        self.execution = execution
        self.engine = session.engine
        # The steps (and undo actions) running now, by key; each takes itself out when it
        # ends, so asking costs nothing. They run on reused worker threads.
        self._threads: dict[str, bool] = {}
        self._threads_lock = threading.Lock()
        self._workers = Workers()
        self._cancel = threading.Event()
        self._failure = ""  # why a step thread could not go on: the run stops with it
        self.health = HealthGates(session)  # health gates answer themselves from the tick
        execution.health_verify = self.health.verify

    # -- moving on ----------------------------------------------------------
    def busy(self) -> bool:
        with self._threads_lock:
            return bool(self._threads)

    def running_here(self) -> list[str]:
        with self._threads_lock:
            return list(self._threads)

    def tick(self) -> list[Question]:
        """Start what may start; return the questions still open for a person."""
        if self._failure:
            raise JournalError(self._failure)
        state = self.session.state
        if state.outcome:
            return []
        self._automatic_answers()
        self.health.turn(self)
        if self._rollback_step() or state.outcome:
            # A rollback under way waits on nothing but a failed or interrupted undo.
            return [
                q for q in self.engine.questions(state) if q.kind is QuestionKind.ROLLBACK_FAILED
            ]
        if state.aborting and not self.busy():
            reason = next(
                (
                    d.get("reason", "")
                    for d in reversed(state.decisions)
                    if d["decision"] == Decisions.ABORT
                ),
                "",
            )
            self.session.record(event(ev.RUN_FINISHED, outcome="aborted", reason=reason))
            return []
        # A dry run shows the plan; it does not sit out the not_before clock times. The
        # steps this conductor is starting already (their step_started is still to come)
        # are left out first: with 2,000 parallel streams, a tick looks at what is new.
        with self._threads_lock:
            starting = set(self._threads)
        for step in self.engine.startable(
            state, self.session.wall(), honour_clock=not self.execution.dry_run, exclude=starting
        ):
            if step.kind in (StepKind.MANUAL, StepKind.GATE):
                # Put to the operator: the wait for an answer is the step's duration.
                attempt = state.step(step.id).attempts + 1
                self.session.record(
                    event(
                        ev.STEP_STARTED,
                        step=step.id,
                        action="run",
                        attempt=attempt,
                        command=None,
                        hosts=[],
                    )
                )
            else:
                self._spawn(step.id, self._runner(step), step.id, "run")
        questions = self.engine.questions(state)
        if not questions and not self.busy() and not state.paused and self.engine.finished(state):
            self.session.record(event(ev.RUN_FINISHED, outcome="completed", reason=""))
            return []
        return questions

    def stuck(self) -> bool:
        """Nothing running, nothing to ask, nothing startable, yet not finished.

        A not_before in the future is not stuck: the caller waits for it.
        """
        state = self.session.state
        return (
            not state.outcome
            and not self.busy()
            and not self.engine.questions(state)
            and not self.engine.has_ready(state)
            and not state.active_rollback
            and not state.pending_rollback
            and not state.paused
        )

    def next_start_at(self) -> float | None:
        """Seconds until the earliest not_before of a ready step, if one is waiting."""
        state = self.session.state
        if self.execution.dry_run:
            return None
        now = self.session.wall()
        waits = [
            (s.not_before - now).total_seconds() + state.window_shift
            for s in self.engine.ready_with_clock(state)
            if s.not_before is not None
        ]
        return min(waits) if waits else None

    def _runner(self, step: Step) -> Callable[[], None]:
        return lambda: self.execution.run_step(step, self._cancel)

    def _spawn(self, key: str, target: Callable[[], None], step: str, action: str) -> None:
        with self._threads_lock:
            self._threads[key] = True
        if self.execution.dry_run:
            # A dry run executes nothing: its step is over at once, on this thread.
            self._guarded(target, key, step, action)
        else:
            self._workers.submit(lambda: self._guarded(target, key, step, action), f"step-{key}")

    def _guarded(self, target: Callable[[], None], key: str, step: str, action: str) -> None:
        """A step thread never dies with a traceback. A journal that cannot be written (a
        full disk) stops the run at the next tick with its one sentence; a fault in golive
        itself fails the step, so the operator decides as for any failure."""
        try:
            try:
                target()
            except JournalError:
                raise
            except Exception as exc:
                reason = f"golive could not run it: {type(exc).__name__}: {exc}"
                self.session.record(
                    event(
                        ev.STEP_FINISHED, step=step, action=action, status="failed", reason=reason
                    )
                )
        except JournalError as exc:
            self._failure = self._failure or str(exc)
        finally:
            with self._threads_lock:
                self._threads.pop(key, None)
            self.session.wake()

    def _automatic_answers(self) -> None:
        for question in self.engine.questions(self.session.state):
            answer = self.engine.automatic_answer(self.session.state, question)
            if answer is not None:
                decision, reason = answer
                self.answer(question, decision, reason=reason, by="runbook", automatic=True)

    def _rollback_step(self) -> bool:
        """Advance a rollback; True while one is under way."""
        state = self.session.state
        if state.pending_rollback is not None and not self.busy():
            pending = state.pending_rollback
            plan = self.engine.rollback_plan(state, pending["to"])
            self.session.record(
                event(
                    ev.ROLLBACK_STARTED,
                    to=plan.to,
                    cause=pending.get("step", ""),
                    actions=[a.step for a in plan.actions],
                    commands=[
                        self.session.values.display(a.command) if a.command else None
                        for a in plan.actions
                    ],
                    planned=plan.planned,
                )
            )
        rollback = state.active_rollback
        if rollback is None:
            return state.pending_rollback is not None
        if self.busy():
            return True
        if any(q.kind is QuestionKind.ROLLBACK_FAILED for q in self.engine.questions(state)):
            return True
        remaining = self.engine.remaining_rollback(state)
        if remaining:
            step = self.engine.step(remaining[0])
            self._spawn(
                f"rollback:{step.id}",
                lambda: self.execution.run_rollback(step, self._cancel),
                step.id,
                "rollback",
            )
        else:
            status = "completed" if not state.aborting else "abandoned"
            self.session.record(event(ev.ROLLBACK_FINISHED, to=rollback.to, status=status))
            if state.aborting:
                self.session.record(
                    event(ev.RUN_FINISHED, outcome="aborted", reason="aborted during a rollback")
                )
        return True

    # -- answers ------------------------------------------------------------
    def answer(
        self,
        question: Question,
        decision: str,
        *,
        reason: str = "",
        by: str = "",
        automatic: bool = False,
        to: str | None = None,
    ) -> None:
        """Record the operator's (or the runbook's) answer to `question`."""
        state = self.session.state
        if (
            question.kind is QuestionKind.INTERRUPTED
            and decision == Decisions.MARK_DONE
            and question.step is not None
            and self.engine.step(question.step).kind.needs_operator
        ):
            # A gate passes only by a journaled go decision, a manual step by its confirm:
            # "done" for one that golive stopped at asks it again instead.
            decision = Decisions.RERUN
            reason = (
                reason + "; " if reason else ""
            ) + "asked again: a gate or manual step is never marked done"
        fields: dict[str, object] = {
            "step": question.step,
            "question": question.kind.value,
            "decision": decision,
            "by": by,
            "reason": reason,
            "automatic": automatic,
        }
        if question.kind is QuestionKind.ROLLBACK_FAILED:
            fields["action"] = "rollback"
            if decision == Decisions.ABORT:
                self.session.record(event(ev.DECISION, **fields))
                rollback = state.active_rollback
                self.session.record(
                    event(ev.ROLLBACK_FINISHED, to=rollback.to if rollback else "", status="failed")
                )
                self.session.record(
                    event(ev.RUN_FINISHED, outcome="aborted", reason=reason or "rollback failed")
                )
                return
        elif decision in (Decisions.ROLLBACK, Decisions.NO_GO):
            target = to or self.engine.rollback_target(state, question.step)
            if target:
                fields["to"] = target
            elif decision == Decisions.ROLLBACK:
                # Nothing to return to: a rollback request becomes an abort, said plainly.
                fields["decision"] = Decisions.ABORT
                fields["reason"] = (
                    reason + "; " if reason else ""
                ) + "no rollback point reached, so the run stops"
        self.session.record(event(ev.DECISION, **fields))
        if decision == Decisions.NO_GO and "to" not in fields:
            self.session.record(event(ev.DECISION, step=question.step, question="gate", decision=Decisions.ABORT,
                                      by=by, reason="no-go with no rollback point to return to", automatic=True))  # fmt: skip
        if decision == Decisions.END:
            self.session.record(event(ev.RUN_FINISHED, outcome="rolled_back", reason=reason))

    def request_rollback(self, to: str, by: str, reason: str) -> None:
        """An operator-initiated rollback, not tied to a failed step."""
        self._run_decision("operator", Decisions.ROLLBACK, by, reason, automatic=False, to=to)

    def answer_abort(self, reason: str) -> None:
        self._run_decision("stuck", Decisions.ABORT, "golive", reason, automatic=True)

    def record_operator_decision(self, decision: str, by: str, reason: str) -> None:
        """A decision about the run as a whole (pause, resume), not about a step."""
        self._run_decision("operator", decision, by, reason, automatic=False)

    def _run_decision(
        self, question: str, decision: str, by: str, reason: str, automatic: bool, **more: str
    ) -> None:
        self.session.record(
            event(ev.DECISION, step=None, question=question, decision=decision, **more,
                  by=by, reason=reason, automatic=automatic)
        )  # fmt: skip

    def start_now(self, step_id: str) -> None:
        """Start one ready step while automatic progress is paused."""
        state = self.session.state
        step = self.engine.step(step_id)
        if step_id in self._threads or step not in self.engine.ready(state):
            return
        if step.kind in (StepKind.MANUAL, StepKind.GATE):
            attempt = state.step(step_id).attempts + 1
            self.session.record(
                event(
                    ev.STEP_STARTED,
                    step=step_id,
                    action="run",
                    attempt=attempt,
                    command=None,
                    hosts=[],
                )
            )
        else:
            self._spawn(step_id, self._runner(step), step_id, "run")

    def note(self, text: str, by: str) -> None:
        self.session.record(event(ev.NOTE, text=text, by=by))

    def cancel_running(self) -> None:
        self._cancel.set()

    def running_steps(self) -> list[Step]:
        state = self.session.state
        return [
            self.engine.step(i) for i in self.engine.order if state.step(i).status is Status.RUNNING
        ]
