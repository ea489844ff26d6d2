"""The one loop that drives a run: the console, the run screen and the drill plug into it.

Each turn: run the intents that were submitted (the run screen's key presses), let the
hooks act (a drill rolls back on purpose once its steps are done), tick the conductor
(start what is ready), offer each open question to the answerers in order, publish
what is left open, and sleep until the session records something. No turn polls: the
only timeout is the next `not_before` time, and a long safety net.

Answerers are tried in order and the first answer wins. The console's operator is an
answerer that blocks on stdin; the run screen has none of its own (a person answers
through an intent), so its questions stay open and are published for the screen.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Sequence
from typing import Protocol

from golive.core.engine import Question
from golive.core.events import Decisions
from golive.session.answers import Answer, NoAnswer
from golive.session.conductor import Conductor
from golive.session.session import Session

Intent = Callable[[], None]
SAFETY_NET = 1.0  # seconds: a turn even when nothing was recorded (a lost wake-up costs this)


class Answerer(Protocol):
    def answer(self, question: Question) -> Answer | None:
        """An answer now; None to leave the question to the next answerer (or open);
        NoAnswer when a decision is needed and nobody can give it."""


class RunHooks:
    """Where a kind of run differs from a plain one. The defaults are a plain run."""

    def turn(self, loop: RunLoop) -> bool:
        """Before the tick: act on the run; True when it changed and the loop looks again."""
        return False

    def holds_ticks(self, loop: RunLoop) -> bool:
        """True while the conductor must not tick (a drill ends its own run)."""
        return False

    def after_tick(self, loop: RunLoop, questions: Sequence[Question]) -> bool:
        """After the tick: True when the hook ended the run or changed it."""
        return False

    def may_stall(self, loop: RunLoop) -> bool:
        """Whether "no step can start" means the run is stuck (a drill's may be done)."""
        return True

    def waiting(self, loop: RunLoop, seconds: float) -> None:
        """Nothing runs until a not_before time `seconds` from now."""

    def no_answer(self, loop: RunLoop, question: Question, problem: NoAnswer) -> None:
        """Nobody could answer `question`: the run is aborted with the reason."""

    def settled(self, loop: RunLoop) -> float | None:
        """The loop is about to sleep: the run is as it will stay until the next event.
        Returns how soon it wants to be called again (None: whenever the loop wakes)."""
        return None


class RunLoop:
    def __init__(
        self,
        session: Session,
        conductor: Conductor,
        answerers: Sequence[Answerer],
        hooks: RunHooks | None = None,
        on_open: Callable[[tuple[Question, ...]], None] | None = None,
        operator: str = "",
    ) -> None:
        self.session = session
        self.conductor = conductor
        self.answerers = list(answerers)
        self.hooks = hooks or RunHooks()
        self.operator = operator
        self._on_open = on_open
        self._intents: queue.SimpleQueue[Intent] = queue.SimpleQueue()
        self._published: tuple[Question, ...] | None = None
        self.open_questions: tuple[Question, ...] = ()  # what the answerers left open
        self._stopping = False
        self._waiting_for: float | None = None

    # -- for other threads ---------------------------------------------------------
    def submit(self, intent: Intent) -> None:
        """Run `intent` on the loop's thread, between two turns, in the order submitted."""
        self._intents.put(intent)
        self.session.wake()

    def stop(self) -> None:
        """End `run` at the next turn (the run itself stays as it is: resumable)."""
        self._stopping = True
        self.session.wake()

    # -- the loop --------------------------------------------------------------------
    def ended(self) -> bool:
        return self.session.state.outcome is not None

    def run(self, until_stopped: bool = False) -> str | None:
        """Drive the run until it ends (or, with `until_stopped`, until `stop`: the run
        screen keeps its loop after the end, for the intents of a person reading it).
        Returns the outcome. JournalError and KeyboardInterrupt reach the caller."""
        while not self._stopping:
            seen = self.session.changes
            self._run_intents()
            if self.ended():
                self._publish(())
                if not until_stopped:
                    break
                self.session.wait_for_change(seen, self._settle(SAFETY_NET))
                continue
            if self._turn():
                continue
            self.session.wait_for_change(seen, self._settle(self._sleep()))
        return self.session.state.outcome

    def _turn(self) -> bool:
        """One turn; True when something changed and the loop should look again at once."""
        if self.hooks.turn(self):
            return True
        if self.hooks.holds_ticks(self):
            return False
        questions = self.conductor.tick()
        if self.ended() or self.hooks.after_tick(self, questions):
            return True
        open_questions: list[Question] = []
        for question in questions:
            if question.held:
                open_questions.append(question)  # a health gate decides it; a person may
                continue
            try:
                answer = self._answer(question)
            except NoAnswer as problem:
                self.hooks.no_answer(self, question, problem)
                self.conductor.answer(
                    question, Decisions.ABORT, reason=str(problem), by="golive", automatic=True
                )
                return True
            if answer is not None:
                self.conductor.answer(
                    question, answer.decision, reason=answer.reason,
                    by=answer.by or self.operator, automatic=answer.automatic, to=answer.to,
                )  # fmt: skip
                return True  # the answer changed the run: look at it again before the rest
            open_questions.append(question)
        self._publish(tuple(open_questions))
        if open_questions:
            return False
        wait = self.conductor.next_start_at()
        if wait is not None and wait > 0 and not self.conductor.busy():
            self._waiting_for = wait
            self.hooks.waiting(self, wait)
            return False
        self._waiting_for = None
        if self.conductor.stuck() and self.hooks.may_stall(self):
            self.conductor.answer_abort(f"no step can start; unfinished: {self.unfinished()}")
            return True
        return False

    def unfinished(self) -> str:
        engine, state = self.session.engine, self.session.state
        return ", ".join(i for i in engine.order if not engine.satisfied(state, i)) or "none"

    def _answer(self, question: Question) -> Answer | None:
        for answerer in self.answerers:
            answer = answerer.answer(question)
            if answer is not None:
                return answer
        return None

    def _settle(self, sleep: float) -> float:
        again = self.hooks.settled(self)
        return sleep if again is None else max(0.0, min(sleep, again))

    def _sleep(self) -> float:
        sleep = SAFETY_NET
        if self._waiting_for is not None:
            sleep = min(self._waiting_for, sleep)
        due = self.conductor.health.next_due()  # a health gate's next evaluation
        if due is not None:
            sleep = min(due, sleep)
        return max(0.01, sleep)

    def _run_intents(self) -> None:
        while True:
            try:
                intent = self._intents.get_nowait()
            except queue.Empty:
                return
            intent()

    def _publish(self, questions: tuple[Question, ...]) -> None:
        self.open_questions = questions
        if questions != self._published:
            self._published = questions
            if self._on_open is not None:
                self._on_open(questions)
