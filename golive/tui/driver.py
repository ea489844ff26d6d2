"""The run's engine room for the TUI: a thread that moves the run forward.

The UI thread never records an event itself: every operator intent is queued
here and executed between two ticks of the conductor, in order, so journal
writes (fsync) never stall a key press, and answers never race the run.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from golive.core.engine import Question
from golive.core.events import Decisions
from golive.session.answers import AutoAnswers, NoAnswer
from golive.session.conductor import Conductor
from golive.session.session import Session

Intent = Callable[[], None]
QuestionSink = Callable[[tuple[Question, ...]], None]
ErrorSink = Callable[[str], None]


class RunDriver:
    def __init__(
        self,
        session: Session,
        conductor: Conductor,
        auto: AutoAnswers,
        on_questions: QuestionSink,
        on_error: ErrorSink,
    ) -> None:
        self.session = session
        self.conductor = conductor
        self.auto = auto
        self._on_questions = on_questions
        self._on_error = on_error
        self._intents: queue.SimpleQueue[Intent] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="run-driver", daemon=True)
        self._last: tuple[Question, ...] | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.wake()
        self._thread.join(timeout=5)

    def do(self, intent: Intent) -> None:
        """Run `intent` on the driver thread, between two ticks."""
        self._intents.put(intent)
        self.wake()

    def wake(self) -> None:
        self.session.wake()

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                seen = self.session.changes
                self._run_intents()
                if self.session.state.outcome is not None:
                    self._publish(())
                    self.session.wait_for_change(seen, 0.5)
                    continue
                questions = self.conductor.tick()
                pending = tuple(q for q in questions if not self._answered_automatically(q))
                if len(pending) != len(questions):
                    continue  # an automatic answer changed the run: look again at once
                self._publish(pending)
                if not pending and self.conductor.stuck():
                    self.conductor.answer_abort("no step can start: a dependency can never finish")
                    continue
                self.session.wait_for_change(seen, 0.25)
        except Exception as exc:  # a journal failure (disk full) or a bug: show it, never hide it
            self._on_error(f"{type(exc).__name__}: {exc}")

    def _run_intents(self) -> None:
        while True:
            try:
                intent = self._intents.get_nowait()
            except queue.Empty:
                return
            intent()

    def _answered_automatically(self, question: Question) -> bool:
        try:
            answer = self.auto.answer(question)
        except NoAnswer:
            return False  # a person is at the screen: they answer it
        if answer is None:
            return False
        self.conductor.answer(
            question,
            answer.decision,
            reason=answer.reason,
            by=answer.by,
            automatic=answer.automatic,
            to=answer.to,
        )
        return True

    def _publish(self, questions: tuple[Question, ...]) -> None:
        if questions != self._last:
            self._last = questions
            self._on_questions(questions)

    # -- intents the screens send ----------------------------------------------
    def pause(self, by: str, paused: bool) -> None:
        decision = Decisions.UNPAUSE if paused else Decisions.PAUSE
        self.do(lambda: self.conductor.record_operator_decision(decision, by, ""))
