"""The run screen with its keys: every key is an intent sent to the run's driver thread,
after the dialog that says what it will do. Nothing here records an event itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from textual import work
from textual.binding import Binding

from golive.core.durations import format_duration
from golive.core.engine import Question, QuestionKind
from golive.core.events import Decisions, Event
from golive.core.runbook import Runbook
from golive.session.view import RollbackPreview
from golive.tui.driver import RunDriver
from golive.tui.header import hhmm
from golive.tui.screens.dialogs import ChoiceScreen, ConfirmScreen, TextScreen
from golive.tui.screens.help import HelpScreen
from golive.tui.screens.run_layout import RunLayout
from golive.tui.widgets.cursor_list import CursorList
from golive.tui.widgets.hosts_table import HostsTable
from golive.tui.widgets.steps_table import StepsTable

RUN_HELP = """
The run moves by itself: ready steps start as soon as their dependencies are done.
Manual steps and gates wait for you (the second line of the header says what is asked).
Rollback, skip and passing the point of no return ask you to confirm first.
Every decision is written to the journal before the screen shows it."""


class RunScreen(RunLayout):
    """What the operator's keys do on the run screen."""

    BINDINGS = [
        Binding("enter", "confirm", "Confirm/run", id="run.confirm", priority=False),
        Binding("g", "gate", "Go/no-go", id="run.gate"),
        Binding("t", "retry", "Retry", id="run.retry"),
        Binding("s", "skip", "Skip", id="run.skip"),
        Binding("b", "rollback", "Roll back", id="run.rollback"),
        Binding("n", "note", "Note", id="run.note"),
        Binding("p", "pause", "Pause", id="run.pause"),
        Binding("i", "interrupted", "Interrupted", id="run.interrupted"),
        Binding("o", "host", "Host detail", id="run.host"),
        Binding("question_mark,h", "help", "Help", id="app.help"),
        Binding("q", "quit_run", "Quit", id="app.quit"),
    ]
    # What the footer leaves out first on a narrow terminal (80 columns): the keys that
    # answer no question. Help and Quit stay in sight.
    FOOTER_SPARE = ("host", "interrupted", "pause")

    def __init__(
        self,
        runbook: Runbook,
        display: Callable[[str], str],
        operator: str,
        hosts: list[str],
        driver: Callable[[], RunDriver | None],
        history: list[Event] | None = None,
    ) -> None:
        """`driver` gives the run's driver, through which every intent goes (None until
        the App has started it)."""
        super().__init__(runbook, display, hosts, history)
        self.operator = operator
        self._driver = driver

    @property
    def driver(self) -> RunDriver | None:
        return self._driver()

    def on_cursor_list_selected(self, message: CursorList.Selected) -> None:
        # The steps table has the focus and binds enter itself (list.select), so the
        # screen's enter binding never fires there: enter on a step row confirms/runs.
        if isinstance(message.widget, HostsTable):
            self.action_host()
        elif isinstance(message.widget, StepsTable):
            self.action_confirm()

    def question(self, *kinds: QuestionKind) -> Question | None:
        return next((q for q in self.questions if q.kind in kinds), None)

    def answer(
        self,
        question: Question,
        decision: str,
        reason: str = "",
        by: str | None = None,
        to: str | None = None,
        seen: RollbackPreview | None = None,
    ) -> None:
        assert self.driver is not None
        self.driver.answer(question, decision, reason, by or self.operator, to, seen)

    async def _choose(self, q: Question, title: str, options: list[tuple[str, str, str]]) -> None:
        """Ask `q` as a choice of (key, words, decision); a choice answers it."""
        choice = await self.app.push_screen_wait(ChoiceScreen(title, q.text, options))
        if choice:
            self.answer(q, choice)

    @work(exclusive=True, group="operator")
    async def action_confirm(self) -> None:
        q = self.question(QuestionKind.CONFIRM, QuestionKind.AFTER_ROLLBACK)
        if q is None:
            if self.view is not None and self.view.paused and self.view.ready and self.driver:
                self.driver.start_now(self.view.ready[0])
                return
            self.notify("Nothing to confirm now.", timeout=3)
            return
        if q.kind is QuestionKind.AFTER_ROLLBACK:
            await self._choose(
                q,
                "After the rollback",
                [
                    ("r", "run again from the rollback point", Decisions.RESUME_FROM_POINT),
                    ("e", "end the run as rolled back", Decisions.END),
                ],
            )
            return
        note = await self.app.push_screen_wait(
            TextScreen(f"Confirm {q.step}", "Note (optional), then enter:")
        )
        if note is not None:
            self.answer(q, Decisions.CONFIRM, note)

    @work(exclusive=True, group="operator")
    async def action_gate(self) -> None:
        q = self.question(QuestionKind.GATE)
        if q is None or q.step is None:
            self.notify("No gate is waiting for a decision.", timeout=3)
            return
        step = self.runbook.step(q.step)
        decision = await self.app.push_screen_wait(
            ChoiceScreen(
                f"{step.id}: go or no-go?"
                if step.label in ("", step.id) or "go" in step.label.lower()
                else f"Go / no-go: {step.label}",
                step.instructions,
                [("g", "GO", Decisions.GO), ("n", "NO-GO (roll back)", Decisions.NO_GO)],
            )
        )
        if not decision:
            return
        who = await self.app.push_screen_wait(
            TextScreen(
                "Who decides?", "Name and role:", required=True, value=step.owner or self.operator
            )
        )
        if who is None:
            return
        why = await self.app.push_screen_wait(
            TextScreen("Why?", "The reason, for the review:", required=True)
        )
        if why is None:
            return
        target: str | None = None
        seen: RollbackPreview | None = None
        passing = ConfirmScreen(
            "Pass the point of no return?",
            f"{step.id} is the point of no return. After GO, no rollback is possible:\n"
            "failures can only be retried, skipped or end the run.",
        )
        if (
            decision == Decisions.GO
            and step.point_of_no_return
            and not await self.app.push_screen_wait(passing)
        ):
            return
        if decision == Decisions.NO_GO:
            seen = await self._choose_and_confirm_rollback(q.step)
            if seen is None and self.view is not None and self.view.reached_points:
                return
            target = seen.to if seen is not None else None
        self.answer(q, decision, why, by=who, to=target, seen=seen)

    def action_retry(self) -> None:
        q = self.question(QuestionKind.FAILED, QuestionKind.ROLLBACK_FAILED)
        if q is None:
            self.notify("No failed step to retry.", timeout=3)
            return
        self.answer(q, Decisions.RETRY)

    @work(exclusive=True, group="operator")
    async def action_skip(self) -> None:
        q = self.question(QuestionKind.FAILED, QuestionKind.CONFIRM, QuestionKind.ROLLBACK_FAILED)
        if q is None or q.step is None:
            self.notify("Nothing to skip now: skip applies to a failed or waiting step.", timeout=3)
            return
        reason = await self.app.push_screen_wait(
            TextScreen(f"Skip {q.step}", "Why skip it? (required)", required=True)
        )
        if not reason:
            return
        what = (
            "its undo is left to be done by hand"
            if q.kind is QuestionKind.ROLLBACK_FAILED
            else "it counts as done and the steps after it may start; a later rollback does not undo it"
        )
        if await self.app.push_screen_wait(
            ConfirmScreen(f"Skip {q.step}?", f"{q.step} will be skipped: {what}.\nReason: {reason}")
        ):
            self.answer(q, Decisions.SKIP, reason)

    @work(exclusive=True, group="operator")
    async def action_rollback(self) -> None:
        q = self.question(QuestionKind.FAILED, QuestionKind.INTERRUPTED)
        step = q.step if q else None
        seen = await self._choose_and_confirm_rollback(step)
        if seen is None:
            return
        reason = await self.app.push_screen_wait(
            TextScreen("Roll back", "Why? (for the review)", required=True)
        )
        if reason is None:
            return
        if q is not None:
            self.answer(q, Decisions.ROLLBACK, reason, to=seen.to, seen=seen)
        else:
            assert self.driver is not None
            self.driver.roll_back(seen.to, self.operator, reason, seen)

    async def _choose_and_confirm_rollback(self, step: str | None) -> RollbackPreview | None:
        """The plan the operator confirmed, exactly as shown (the intent carries it)."""
        view = self.view
        points = view.reached_points if view is not None else ()
        if view is None or not points:
            self.notify(
                "No rollback point has been reached"
                + (
                    " (past the point of no return)"
                    if view is not None and view.past_point_of_no_return
                    else ""
                )
                + ".",
                severity="warning",
            )
            return None
        target = view.target(step) or points[0]
        if len(points) > 1:
            choice = await self.app.push_screen_wait(
                ChoiceScreen(
                    "Roll back to which point?",
                    "",
                    [
                        (str(i + 1), p + (" (nearest)" if p == target else ""), p)
                        for i, p in enumerate(points[:9])
                    ],
                )
            )
            if not choice:
                return None
            target = choice
        plan = view.preview(target)
        if plan is None:
            self.notify(f"{target} is no longer a reached rollback point.", severity="warning")
            return None
        timing = view.timing
        lines = [f"Rolling back to {target} runs, in this order:"]
        for action in plan.actions:
            lines.append(
                f"  {action.step:<16} {undo_shown(action.shown, UNDO_WIDTH)}"
                f"  [{format_duration(action.planned)}]"
            )
        lines.append(
            f"planned {format_duration(plan.planned)}; deadline {hhmm(timing.rollback_deadline)}"
        )
        if timing.window_end is not None:
            done_by = timing.now + timedelta(seconds=plan.planned)
            lines.append(
                f"done by about {hhmm(done_by)}: "
                + ("fits the window" if done_by <= timing.window_end else "DOES NOT fit the window")
            )
        if await self.app.push_screen_wait(
            ConfirmScreen(f"Roll back to {target}?", "\n".join(lines))
        ):
            return plan
        return None

    @work(exclusive=True, group="operator")
    async def action_note(self) -> None:
        text = await self.app.push_screen_wait(
            TextScreen("Note", "What happened? (journaled with the time)", required=True)
        )
        if text and self.driver is not None:
            self.driver.note(text, self.operator)

    def action_pause(self) -> None:
        if self.driver is not None and self.view is not None:
            self.driver.pause(self.operator, self.view.paused)

    @work(exclusive=True, group="operator")
    async def action_interrupted(self) -> None:
        q = self.question(QuestionKind.INTERRUPTED, QuestionKind.ROLLBACK_FAILED)
        if q is None or (
            q.kind is QuestionKind.ROLLBACK_FAILED and Decisions.MARK_DONE not in q.options
        ):
            self.notify("No interrupted step.", timeout=3)
            return
        if q.kind is QuestionKind.ROLLBACK_FAILED:
            await self._choose(
                q,
                f"Undo of {q.step} was interrupted",
                [
                    ("r", "run the undo again", Decisions.RETRY),
                    ("d", "it finished: mark it done", Decisions.MARK_DONE),
                ],
            )
            return
        choice = await self.app.push_screen_wait(
            ChoiceScreen(
                f"{q.step} was interrupted",
                q.text,
                [
                    ("r", "run it again", Decisions.RERUN),
                    ("d", "it finished: mark it done", Decisions.MARK_DONE),
                    ("b", "roll back", Decisions.ROLLBACK),
                ],
            )
        )
        if choice == Decisions.ROLLBACK:
            seen = await self._choose_and_confirm_rollback(q.step)
            if seen is not None:
                self.answer(q, choice, to=seen.to, seen=seen)
        elif choice:
            self.answer(q, choice)

    def action_help(self) -> None:
        bindings = [*self.BINDINGS, *self.app.BINDINGS, *CursorList.BINDINGS]
        self.app.push_screen(HelpScreen(bindings, title="golive keys", text=RUN_HELP))

    @work(exclusive=True, group="operator")
    async def action_quit_run(self) -> None:
        view = self.view
        q = self.question(QuestionKind.AFTER_ROLLBACK)
        if q is not None and await self.app.push_screen_wait(
            ConfirmScreen("End the run?", "The run ends as ROLLED BACK.")
        ):
            self.answer(q, Decisions.END)
            return
        started = [self.runbook.step(i) for i in view.running] if view is not None else []
        # A manual step or gate that waits runs nothing: resume asks it again.
        running = [s for s in started if not s.kind.needs_operator]
        asked = [s for s in started if s.kind.needs_operator]
        if view is None or view.outcome is None:
            body = "Nothing is running. The run stays open: golive resume JOURNAL continues it."
            if running:
                body = (
                    "Still running, and NOT killed:\n"
                    + "\n".join(f"  {s.id} on {s.on}" for s in running)
                    + "\nThey go on without golive; golive resume JOURNAL picks the run up and asks about them."
                )
            if asked:
                body += "\n" + "\n".join(
                    f"{s.id} waits for its answer: golive resume JOURNAL asks it again."
                    for s in asked
                )
            if not await self.app.push_screen_wait(ConfirmScreen("Leave golive?", body)):
                return
        self.app.exit(0)


UNDO_WIDTH = 40  # characters of an undo command in the rollback preview (fits 80 columns)


def undo_shown(command: str | None, width: int) -> str:
    """An undo command's first line in `width` characters, marked with … where it was
    cut (a longer line or more lines): the operator confirms what is shown."""
    text = (command or "").strip()
    if not text:
        return "(nothing to undo)"
    lines = text.splitlines()
    first = lines[0]
    if len(first) > width:
        return first[: width - 1] + "…"
    return first + " …" if len(lines) > 1 else first
