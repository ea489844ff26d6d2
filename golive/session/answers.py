"""Answers given without a person: dry runs, --yes, --interrupted, the demo autopilot.

The console and the TUI share these rules, so a question is answered the
same way whichever screen the run is on.
"""

from __future__ import annotations

from dataclasses import dataclass

from golive.core.engine import Question, QuestionKind
from golive.core.events import Decisions
from golive.session.session import Session

ASKED_AGAIN = "asked again: golive stopped while it waited for this answer"


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
    steps a crash interrupted (a manual step or gate is asked again instead, unless
    the answer is rollback: nothing passes one but its own answer).
    rerun_after_rollback: after a rollback, run again from the point (once per
    point), as the demo does.
    """

    yes: bool = False
    dry_run: bool = False
    interactive: bool = False
    interrupted: str | None = None
    rerun_after_rollback: bool = False
    operator: str = ""


class AutoAnswers:
    def __init__(self, session: Session, policy: Policy) -> None:
        self.session = session
        self.policy = policy
        self._reruns: set[str] = set()

    def _health_asks(self, q: Question) -> bool:
        """A health gate that put itself to a person (it passes by itself when it can); an
        observe_only one is an ordinary gate once it has recorded its verdict."""
        if q.step is None:
            return False
        health = self.session.engine.step(q.step).health
        return health is not None and not health.observe_only

    def answer(self, q: Question) -> Answer | None:
        """The policy's answer, None when a person must answer, NoAnswer when nobody can."""
        p = self.policy
        if (
            q.kind is QuestionKind.INTERRUPTED
            and q.step is not None
            and self.session.engine.step(q.step).kind.needs_operator
            and p.interrupted != "rollback"
        ):
            # A gate or manual step golive stopped at is asked again: a gate then needs its
            # go decision (who and why; --yes journals it as automatic), never "done".
            return Answer(Decisions.RERUN, ASKED_AGAIN, "golive", automatic=True)
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
        if q.kind is QuestionKind.GATE and self._health_asks(q):
            raise NoAnswer(
                f"{q.text}: --yes never passes a health gate that could not decide; "
                "a person must answer it"
            )
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
