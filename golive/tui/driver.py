"""The run's engine room for the TUI: a thread that runs the one RunLoop.

The UI thread never records an event itself: every operator intent is submitted to
the loop and executed between two of its turns, in order, so journal writes (fsync)
never stall a key press, and answers never race the run. The screen has no answerer
of its own: what the policy cannot answer stays open and is posted to the App.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from golive.core.engine import Question
from golive.core.events import Decisions
from golive.session.answers import Answer, AutoAnswers, NoAnswer
from golive.session.conductor import Conductor
from golive.session.run_loop import Intent, RunHooks, RunLoop
from golive.session.session import Session

__all__ = ["Intent", "RunDriver"]

QuestionSink = Callable[[tuple[Question, ...]], None]
ErrorSink = Callable[[str], None]


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
        self._on_error = on_error
        self.loop = RunLoop(
            session,
            conductor,
            [_ScreenAnswers(auto)],
            RunHooks(),
            on_open=on_questions,
            operator=auto.policy.operator,
        )
        self._thread = threading.Thread(target=self._run, name="run-driver", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.loop.stop()
        self._thread.join(timeout=5)

    def do(self, intent: Intent) -> None:
        """Run `intent` on the driver thread, between two turns of the loop."""
        self.loop.submit(intent)

    def wake(self) -> None:
        self.session.wake()

    def _run(self) -> None:
        try:
            self.loop.run(until_stopped=True)
        except Exception as exc:  # a journal failure (disk full) or a bug: show it, never hide it
            self._on_error(f"{type(exc).__name__}: {exc}")

    # -- intents the screens send ----------------------------------------------
    def pause(self, by: str, paused: bool) -> None:
        decision = Decisions.UNPAUSE if paused else Decisions.PAUSE
        self.do(lambda: self.conductor.record_operator_decision(decision, by, ""))
