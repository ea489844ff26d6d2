"""The run screen's words for three of its answers, from a frozen view: where the run is,
why no rollback fits, and what is asked of the operator with the keys that answer it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from golive.core.engine import Question, QuestionKind
from golive.core.events import Decisions
from golive.core.runbook import Runbook
from golive.core.state import Status
from golive.session.view import RunView, no_rollback_text

__all__ = ["no_rollback_text", "question_text", "where_text"]

KeyOf = Callable[[str], str]  # a binding id -> the first key that does it now


def where_text(
    runbook: Runbook,
    view: RunView | None,
    questions: Sequence[Question],
    waiting: str = "waiting for you",
) -> str:
    """Where the run is: `migrate › migrate FAILED`, `cutover › deploy running +1`; a
    step that needs the operator is `waiting` (a follower's: for the operator)."""
    if view is None or view.outcome:
        return ""
    asked = next((q.step for q in questions if q.step), None)
    current = asked or next(iter(view.running), None)
    if current is None:
        return ""
    step, row = runbook.step(current), view.row(current)
    word = {
        Status.FAILED: "FAILED",
        Status.INTERRUPTED: "INTERRUPTED",
        Status.RUNNING: waiting if step.kind.needs_operator else "running",
    }.get(row.status, row.status.value.replace("_", " "))
    others = len(view.running) - (1 if current in view.running else 0)
    more = f" +{others}" if others > 0 else ""
    return f"{step.phase} › {current} {word}{more}" if step.phase else f"{current} {word}{more}"


def question_text(view: RunView | None, questions: Sequence[Question], k: KeyOf) -> str:
    """The header's second line: what is asked and which keys answer it (`k` gives the
    keys as they are now: a user's keymap may have moved them)."""
    if view is not None and view.outcome:
        return f"The run ended: {view.outcome.replace('_', ' ')}. Press {k('app.quit')} to leave."
    if not questions:
        running = view.running if view is not None else ()
        if view is not None and view.paused:
            return (
                f"Paused: no step starts by itself. {k('run.pause')} resumes; "
                f"{k('run.confirm')} starts the next ready step."
            )
        return "Running: " + ", ".join(running) if running else "Waiting for the next step."
    q = questions[0]
    keys = {
        QuestionKind.CONFIRM: f"{k('run.confirm')} confirm (optionally with a note) · {k('run.skip')} skip",
        QuestionKind.GATE: f"{k('run.gate')} go/no-go",
        QuestionKind.FAILED: f"{k('run.retry')} retry · {k('run.skip')} skip · {k('run.rollback')} roll back",
        QuestionKind.INTERRUPTED: f"{k('run.interrupted')} choose: re-run, mark done or roll back",
        QuestionKind.ROLLBACK_FAILED: f"{k('run.retry')} retry the undo · {k('run.skip')} skip it"
        + (f" · {k('run.interrupted')} mark done" if Decisions.MARK_DONE in q.options else ""),
        QuestionKind.AFTER_ROLLBACK: f"{k('run.confirm')} run again from the point · {k('app.quit')} end the run",
    }[q.kind]  # fmt: skip
    more = f"  (+{len(questions) - 1} more)" if len(questions) > 1 else ""
    return f"? {q.text} — {keys}{more}"
