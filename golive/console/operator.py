"""Who answers the run's questions: a person at the terminal, or a stated policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TextIO

from golive.console.printer import clock
from golive.core.durations import format_duration
from golive.core.engine import Question, QuestionKind
from golive.core.events import Decisions
from golive.session import Session


class NoAnswer(Exception):
    """A decision is needed and nobody can give it; the message says why."""


@dataclass(frozen=True)
class Answer:
    decision: str
    reason: str = ""
    by: str = ""
    automatic: bool = False
    to: str | None = None


@dataclass(frozen=True)
class Policy:
    """How answers are given without a person.

    yes: confirm manual steps and pass gates (unattended rehearsals); a
    failure whose on_failure is "ask" then aborts. interrupted: the answer for
    steps a crash interrupted. rerun_after_rollback: after a rollback, run
    again from the point (once per point), as the demo does.
    """

    yes: bool = False
    dry_run: bool = False
    interactive: bool = False
    interrupted: str | None = None
    rerun_after_rollback: bool = False
    operator: str = ""


class ConsoleOperator:
    def __init__(self, session: Session, policy: Policy, stdin: TextIO, out: TextIO) -> None:
        self.session = session
        self.policy = policy
        self.stdin = stdin
        self.out = out
        self._reruns: set[str] = set()

    def answer(self, question: Question) -> Answer:
        automatic = self._automatic(question)
        if automatic is not None:
            return automatic
        if not self.policy.interactive:
            raise NoAnswer(
                f"{question.text}: an answer is needed and stdin is not a terminal "
                "(run at a terminal, or pass --yes for an unattended rehearsal)"
            )
        return self._ask(question)

    # -- without a person -----------------------------------------------------
    def _automatic(self, q: Question) -> Answer | None:
        p = self.policy
        if q.kind is QuestionKind.INTERRUPTED and p.interrupted:
            decision = {
                "rerun": Decisions.RERUN,
                "done": Decisions.MARK_DONE,
                "rollback": Decisions.ROLLBACK,
            }[p.interrupted]
            return Answer(decision, "--interrupted " + p.interrupted, p.operator, automatic=True)
        if (
            q.kind is QuestionKind.ROLLBACK_FAILED
            and Decisions.MARK_DONE in q.options
            and p.interrupted
        ):
            # An undo the crash interrupted: run it again, or take it as done. An undo
            # cannot itself be rolled back, so --interrupted rollback re-runs it.
            decision = Decisions.MARK_DONE if p.interrupted == "done" else Decisions.RETRY
            return Answer(decision, "--interrupted " + p.interrupted, p.operator, automatic=True)
        if p.dry_run:
            if q.kind is QuestionKind.CONFIRM:
                return Answer(Decisions.CONFIRM, "dry run", "dry-run", automatic=True)
            if q.kind is QuestionKind.GATE:
                return Answer(Decisions.GO, "dry run", "dry-run", automatic=True)
        if not p.yes:
            return None
        if q.kind is QuestionKind.CONFIRM:
            return Answer(Decisions.CONFIRM, "--yes confirms manual steps", "--yes", automatic=True)
        if q.kind is QuestionKind.GATE:
            return Answer(
                Decisions.GO, "--yes passes gates in unattended rehearsals", "--yes", automatic=True
            )
        if q.kind is QuestionKind.AFTER_ROLLBACK:
            last = self.session.state.rollbacks[-1].to
            if p.rerun_after_rollback and last not in self._reruns:
                self._reruns.add(last)
                return Answer(
                    Decisions.RESUME_FROM_POINT,
                    "run again from the rollback point",
                    "--yes",
                    automatic=True,
                )
            return Answer(
                Decisions.END, "--yes ends the run after a rollback", "--yes", automatic=True
            )
        if (
            q.kind is QuestionKind.FAILED
            and p.rerun_after_rollback
            and self.session.engine.rollback_target(self.session.state, q.step)
        ):
            return Answer(
                Decisions.ROLLBACK, "demo: roll back, then run again", "--yes", automatic=True
            )
        if q.kind is QuestionKind.INTERRUPTED:
            raise NoAnswer(f"{q.text} With --yes, say which: --interrupted rerun|done|rollback")
        return Answer(
            Decisions.ABORT,
            "--yes: a failure that asks for a decision aborts the run",
            "--yes",
            automatic=True,
        )

    # -- with a person ---------------------------------------------------------
    def _read(self, prompt: str) -> str:
        print(prompt, end="", file=self.out, flush=True)
        line = self.stdin.readline()
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
            what = (
                self.session.values.render(action.command).display
                if action.command
                else "(nothing to undo)"
            )
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
