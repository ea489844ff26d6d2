"""The run's engine room for the TUI: a thread that runs the one RunLoop.

The UI thread never records an event itself: every operator intent is submitted to
the loop and executed between two of its turns, in order, so journal writes (fsync)
never stall a key press, and answers never race the run. The screen has no answerer
of its own: what the policy cannot answer stays open and is posted to the App.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from golive.core.engine import Question, QuestionKind
from golive.core.events import Decisions
from golive.session.answers import Answer, AutoAnswers, NoAnswer
from golive.session.conductor import Conductor
from golive.session.run_loop import Answerer, Intent, RunHooks, RunLoop
from golive.session.session import Session
from golive.session.view import (
    VIEWS_PER_SECOND,
    RollbackPreview,
    RunView,
    build_view,
    rollback_preview,
)

__all__ = ["Intent", "RunDriver"]

QuestionSink = Callable[[tuple[Question, ...]], None]
ErrorSink = Callable[[str], None]
ViewSink = Callable[[RunView], None]
PlanSink = Callable[[RollbackPreview, RollbackPreview], None]  # (confirmed, now)


class _ScreenAnswers:
    """The policy's answers (--yes, dry run, --interrupted); a person answers the rest.
    NoAnswer (nobody could) leaves the question open for the person at the screen."""

    def __init__(self, auto: AutoAnswers) -> None:
        self.auto = auto

    def answer(self, question: Question) -> Answer | None:
        try:
            return self.auto.answer(question)
        except NoAnswer:
            return None


class RunDriver(RunHooks):
    """The App's one link to the run: views come out, intents go in."""

    def __init__(
        self,
        session: Session,
        conductor: Conductor,
        auto: AutoAnswers,
        on_questions: QuestionSink | None,
        on_error: ErrorSink,
        on_view: ViewSink | None = None,
        on_plan_changed: PlanSink | None = None,
        hooks: RunHooks | None = None,
        first: Sequence[Answerer] = (),
    ) -> None:
        """`hooks` and `first` plug a kind of run into the loop (a drill: its hooks, and
        its own answers, asked before the policy's); the driver adds the views."""
        self._session = session
        self._conductor = conductor
        self._on_error = on_error
        self._on_view = on_view
        self._on_plan_changed = on_plan_changed
        self._built_at = -1e9
        self._built_version = -1
        self._built_questions: tuple[Question, ...] | None = None
        self._inner = hooks or RunHooks()
        self.loop = RunLoop(
            session,
            conductor,
            [*first, _ScreenAnswers(auto)],
            self,
            on_open=on_questions,
            operator=auto.policy.operator,
        )
        self._thread = threading.Thread(target=self._run, name="run-driver", daemon=True)

    def start(self) -> None:
        self._thread.start()  # its first turn settles and publishes the first view

    def stop(self) -> None:
        self.loop.stop()
        self._thread.join(timeout=5)

    def cancel_running(self) -> None:
        """Kill what the run started (thread-safe: it only sets the conductor's event)."""
        self._conductor.cancel_running()

    def do(self, intent: Intent) -> None:
        """Run `intent` on the driver thread, between two turns of the loop."""
        self.loop.submit(intent)

    def _run(self) -> None:
        try:
            self.loop.run(until_stopped=True)
        except Exception as exc:  # a journal failure (disk full) or a bug: show it, never hide it
            self._on_error(f"{type(exc).__name__}: {exc}")

    # -- the kind of run's hooks, then the views ------------------------------------------
    def turn(self, loop: RunLoop) -> bool:
        return self._inner.turn(loop)

    def holds_ticks(self, loop: RunLoop) -> bool:
        return self._inner.holds_ticks(loop)

    def after_tick(self, loop: RunLoop, questions: Sequence[Question]) -> bool:
        return self._inner.after_tick(loop, questions)

    def may_stall(self, loop: RunLoop) -> bool:
        return self._inner.may_stall(loop)

    def waiting(self, loop: RunLoop, seconds: float) -> None:
        self._inner.waiting(loop, seconds)

    def no_answer(self, loop: RunLoop, question: Question, problem: NoAnswer) -> None:
        self._inner.no_answer(loop, question, problem)

    def settled(self, loop: RunLoop) -> float | None:
        """A view when the run changed (at most VIEWS_PER_SECOND a second) and once a
        second for the clock; the loop comes back in time for the next one."""
        now = time.monotonic()
        since = now - self._built_at
        changed = self._session.changes != self._built_version
        if (changed and since >= 1 / VIEWS_PER_SECOND) or since >= 1.0:
            self._publish_view()
            return 1.0
        return (1 / VIEWS_PER_SECOND - since) if changed else 1.0 - since

    def _publish_view(self) -> None:
        if self._on_view is None:
            return
        self._built_at = time.monotonic()
        self._built_version = self._session.changes
        self._built_questions = self.loop.open_questions
        running = tuple(s.id for s in self._conductor.running_steps())
        self._on_view(build_view(self._session, self.loop.open_questions, running))

    # -- intents the screens send ----------------------------------------------
    def answer(
        self, question: Question, decision: str, reason: str, by: str, to: str | None = None,
        seen: RollbackPreview | None = None,
    ) -> None:  # fmt: skip
        """Answer `question`. A rollback carries the plan the operator confirmed: if the
        plan is another by the time the loop takes the answer, nothing is recorded and
        the operator is shown the new plan."""

        def intent() -> None:
            if to is not None and seen is not None and not self._same_plan(to, seen):
                return
            if question.kind is QuestionKind.GATE and not self._still_open(question):
                return  # decided meanwhile (a health gate decides itself): one answer only
            self._conductor.answer(question, decision, reason=reason, by=by, to=to)

        self.do(intent)

    def roll_back(self, to: str, by: str, reason: str, seen: RollbackPreview) -> None:
        """A rollback the operator asked for with no question open (key b)."""

        def intent() -> None:
            if self._same_plan(to, seen):
                self._conductor.request_rollback(to, by, reason)

        self.do(intent)

    def _still_open(self, question: Question) -> bool:
        state = self._session.state
        return any(
            q.kind is question.kind and q.step == question.step
            for q in self._session.engine.questions(state)
        )

    def _same_plan(self, to: str, seen: RollbackPreview) -> bool:
        now = rollback_preview(self._session, to)
        if now == seen:
            return True
        if self._on_plan_changed is not None:
            self._on_plan_changed(seen, now)
        return False

    def start_now(self, step_id: str) -> None:
        self.do(lambda: self._conductor.start_now(step_id))

    def note(self, text: str, by: str) -> None:
        self.do(lambda: self._conductor.note(text, by))

    def pause(self, by: str, paused: bool) -> None:
        decision = Decisions.UNPAUSE if paused else Decisions.PAUSE
        self.do(lambda: self._conductor.record_operator_decision(decision, by, ""))
