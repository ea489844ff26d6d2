"""Who answers the run's questions: a person at the terminal, or a stated policy."""

from __future__ import annotations

from datetime import timedelta
from typing import TextIO

from golive.console.guard import guarded
from golive.console.line import shared_line
from golive.console.printer import clock
from golive.core.durations import format_duration
from golive.core.engine import Question, QuestionKind
from golive.core.events import Decisions
from golive.session.answers import Answer, AutoAnswers, NoAnswer, Policy
from golive.session.session import Session

__all__ = ["Answer", "ConsoleOperator", "NoAnswer", "Policy"]


class ConsoleOperator:
    def __init__(self, session: Session, policy: Policy, stdin: TextIO, out: TextIO) -> None:
        self.session = session
        self.policy = policy
        self.stdin = stdin
        self.out = guarded(out)  # questions quote runbook text: shown, never obeyed
        self._line = shared_line(out)  # news printed while a prompt waits goes above it
        self._automatic = AutoAnswers(session, policy)

    def answer(self, question: Question) -> Answer:
        automatic = self._automatic.answer(question)
        if automatic is not None:
            return automatic
        if not self.policy.interactive:
            raise NoAnswer(
                f"{question.text}: an answer is needed and stdin is not a terminal "
                "(run at a terminal, or pass --yes for an unattended rehearsal)"
            )
        return self._ask(question)

    # -- with a person ---------------------------------------------------------
    def _read(self, prompt: str) -> str:
        self._line.prompt(self.out, prompt)
        try:
            line = self.stdin.readline()
        finally:
            self._line.answered()
        if not line:
            raise NoAnswer("stdin closed while a decision was needed")
        return line.strip()

    def _choose(self, prompt: str, keys: dict[str, str]) -> str:
        while True:
            reply = self._read(prompt).lower()
            if reply[:1] in keys:
                return keys[reply[:1]]
            print(f"  please answer with one of: {', '.join(keys)}", file=self.out)

    def _required(self, prompt: str) -> str:
        while True:
            text = self._read(prompt)
            if text:
                return text
            print("  a reason is required: the review will ask", file=self.out)

    def _ask(self, q: Question) -> Answer:
        who = self.policy.operator
        if q.kind is QuestionKind.CONFIRM:
            reply = self._read("  Enter when done (or type a note first); 's' to skip: ")
            if reply.lower() == "s":
                return Answer(Decisions.SKIP, self._required("  why skip? "), who)
            return Answer(Decisions.CONFIRM, reply, who)
        if q.kind is QuestionKind.GATE:
            decision = self._choose(
                "  [g]o or [n]o-go? ", {"g": Decisions.GO, "n": Decisions.NO_GO}
            )
            by = self._read(f"  who decides? [{who}] ") or who
            why = self._required("  why? ")
            target = None
            if decision == Decisions.NO_GO:
                target = self._pick_point(q.step)
                if not self._confirm_rollback(target):
                    return self._ask(q)
            return Answer(decision, why, by, to=target)
        if q.kind is QuestionKind.FAILED:
            target = self.session.engine.rollback_target(self.session.state, q.step)
            keys = {"r": Decisions.RETRY, "s": Decisions.SKIP, "a": Decisions.ABORT}
            menu = "  [r]etry  [s]kip  "
            if target:
                keys["b"] = Decisions.ROLLBACK
                menu += f"[b] roll back to {target}  "
            decision = self._choose(menu + "[a]bort? ", keys)
            if decision == Decisions.SKIP:
                return Answer(decision, self._required("  why skip? "), who)
            if decision == Decisions.ROLLBACK:
                target = self._pick_point(q.step)
                if not self._confirm_rollback(target):
                    return self._ask(q)
            reason = self._read("  note (optional): ") if decision != Decisions.RETRY else ""
            return Answer(
                decision, reason, who, to=target if decision == Decisions.ROLLBACK else None
            )
        if q.kind is QuestionKind.INTERRUPTED:
            print(f"  {q.text}", file=self.out)
            keys = {"r": Decisions.RERUN, "d": Decisions.MARK_DONE, "b": Decisions.ROLLBACK}
            decision = self._choose("  [r]e-run  [d]one (it finished)  [b] roll back? ", keys)
            target = None
            if decision == Decisions.ROLLBACK:
                target = self._pick_point(q.step)
                if not self._confirm_rollback(target):
                    return self._ask(q)
            return Answer(decision, self._read("  note (optional): "), who, to=target)
        if q.kind is QuestionKind.ROLLBACK_FAILED:
            print(f"  {q.text}", file=self.out)
            keys = {"r": Decisions.RETRY, "s": Decisions.SKIP, "a": Decisions.ABORT}
            menu = "  [r]etry the undo  [s]kip it (undo by hand)  [a]bort? "
            if Decisions.MARK_DONE in q.options:
                keys["d"] = Decisions.MARK_DONE
                menu = (
                    "  [r]etry the undo  [d]one (it finished)  [s]kip it (undo by hand)  [a]bort? "
                )
            decision = self._choose(menu, keys)
            reason = self._required("  why? ") if decision == Decisions.SKIP else ""
            return Answer(decision, reason, who)
        print(f"  {q.text}", file=self.out)
        keys = {"c": Decisions.RESUME_FROM_POINT, "e": Decisions.END}
        decision = self._choose("  [c]ontinue from the rollback point, or [e]nd the run? ", keys)
        return Answer(decision, "", who)

    def _pick_point(self, step: str | None) -> str | None:
        """The rollback point to return to: the nearest by default, any reached one on request."""
        engine, state = self.session.engine, self.session.state
        default = engine.rollback_target(state, step)
        points = engine.reached_points(state)
        if len(points) < 2:
            return default
        listed = ", ".join(points)
        while True:
            reply = self._read(f"  roll back to which point ({listed})? [{default}] ") or default
            if reply in points:
                return reply
            print(f"  not a reached rollback point: {reply}", file=self.out)

    def _confirm_rollback(self, target: str | None) -> bool:
        engine, state = self.session.engine, self.session.state
        if target is None:
            print("  no rollback point has been reached: this stops the run instead", file=self.out)
            return self._choose("  stop the run? [y/n] ", {"y": "y", "n": "n"}) == "y"
        plan = engine.rollback_plan(state, target)
        timing = self.session.timing()
        print(f"  rolling back to {target} runs, in this order:", file=self.out)
        for action in plan.actions:
            if not action.command:  # plans no time: the total below leaves it out
                print(f"    {action.step:<16} (nothing to undo)", file=self.out)
                continue
            what = self.session.values.display(action.command)
            print(
                f"    {action.step:<16} {what}  [{format_duration(action.planned)}]", file=self.out
            )
        done_by = timing.now + timedelta(seconds=plan.planned)
        fits = ""
        if timing.window_end is not None:
            fits = (
                " — fits the window"
                if done_by <= timing.window_end
                else " — DOES NOT fit the window"
            )
        print(
            f"  planned {format_duration(plan.planned)}, done by about {clock(done_by)}{fits}",
            file=self.out,
        )
        return self._choose("  roll back now? [y/n] ", {"y": "y", "n": "n"}) == "y"
