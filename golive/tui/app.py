"""The run screen: where are we, are we late, can we still roll back, is a host unhappy,
what must I do next. The app reflects the journal and sends intents to the driver."""

from __future__ import annotations

import contextlib
import gc
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Log, Static

from golive.core import events as ev
from golive.core.durations import format_duration
from golive.core.engine import Question, QuestionKind
from golive.core.events import Decisions, Event
from golive.core.hostwatch import HostSnapshot
from golive.core.runbook import Runbook
from golive.core.state import Status
from golive.core.timeline import Timing
from golive.session.view import RollbackPreview, RunView
from golive.tui.driver import RunDriver
from golive.tui.event_text import status_word
from golive.tui.events_pane import EventsPane
from golive.tui.fleet import fleet_line
from golive.tui.palette import RunActions
from golive.tui.screens import ChoiceScreen, ConfirmScreen, HelpScreen, HostScreen, TextScreen
from golive.tui.scrollbars import use_whole_cell_scrollbars
from golive.tui.shown import visible
from golive.tui.table import RowTable
from golive.tui.widgets import DialogHeader, HeaderBar, HostsTable, StepsTable, hhmm

OUTPUT_LINES_KEPT = 2000  # per step, for the detail pane; the journal keeps the rest
OUTPUT_STEPS_KEPT = 40  # steps whose output the detail pane keeps: at most 80,000 lines
NARROW_SCREEN = 140  # below it the panes stack (golive.tcss)
WIDE_SCREEN = 140  # columns
DRAINS_PER_SECOND = 20  # journal events reach the screen within 50 ms, in batches


class JournalBatch(Message):
    """New journal events are waiting in the app's inbox (one message per burst)."""


@dataclass
class HostsUpdated(Message):
    snapshots: tuple[HostSnapshot, ...]

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, HostsUpdated)  # only the newest snapshot matters


@dataclass
class QuestionsChanged(Message):
    questions: tuple[Question, ...]


@dataclass
class ViewChanged(Message):
    view: RunView

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ViewChanged)  # only the newest view is worth drawing


@dataclass
class PlanChanged(Message):
    confirmed: RollbackPreview
    now: RollbackPreview


@dataclass
class Said(Message):
    """A line from the kind of run (a drill: "proving the state at …")."""

    text: str


@dataclass
class DriverFailed(Message):
    error: str


class GoliveApp(App[int]):
    CSS_PATH = "golive.tcss"
    COMMANDS = App.COMMANDS | {RunActions}
    TITLE = "golive"
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
        # Textual's own ctrl+q quits at once: here it asks, like q.
        Binding("ctrl+q", "quit_run", "Quit", id="app.ctrl-quit", show=False, priority=True),
    ]

    def __init__(
        self,
        runbook: Runbook,
        display: Callable[[str], str],
        subscribe: Callable[[Callable[[Event], None]], None],
        driver_factory: Callable[[GoliveApp], RunDriver],
        operator: str,
        hosts: list[str],
        history: list[Event] | None = None,
    ) -> None:
        """The run screen knows the runbook (frozen), how to show a command (secrets
        masked), how to hear of journaled events, and its driver: views come from the
        driver's thread as frozen RunViews, intents go back through the driver. It holds
        no reference to the session, its state or the conductor."""
        super().__init__()
        use_whole_cell_scrollbars()
        self.runbook = runbook
        self._shown_command = display
        self._subscribe = subscribe
        self.view: RunView | None = None
        self.operator = operator
        self._driver_factory = driver_factory
        self.driver: RunDriver | None = None
        self._host_names = hosts
        self._inbox: deque[Event] = deque()
        self._inbox_lock = threading.Lock()
        self._batch_posted = False
        self._drained = 0.0  # when the inbox was last drained (time.monotonic)
        self._output: dict[str, deque[str]] = {}
        self.questions: tuple[Question, ...] = ()
        self.snapshots: tuple[HostSnapshot, ...] = ()
        self.exit_code = 0
        self._history = history or []
        self._hosts_drawn = 0.0
        self._pending_hosts: tuple[HostSnapshot, ...] | None = None
        self._hosts_seen: tuple[HostSnapshot, ...] = ()  # the newest drawn, for dialogs
        self._user_moved = -1e9  # when the operator last moved the steps cursor
        self._followed_to: str | None = None  # the row the cursor last followed the run to
        self._detail_shown: Content | None = None
        for old in self._history:
            self._remember(old)

    # -- layout ---------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield StepsTable(id="steps")
                yield Static(id="detail")
                yield Log(max_lines=OUTPUT_LINES_KEPT, id="output")
            with Vertical(id="right"):
                yield Static(id="fleet")
                yield HostsTable(id="hosts")
                yield EventsPane(max_lines=500, id="events")
        yield Footer()

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        # From 140 columns the steps table has all it needs and the hosts table takes
        # the rest, so it can show every column but the error sparkline.
        self.screen.set_class(width >= WIDE_SCREEN, "-wide")
        self.screen.set_class(width < NARROW_SCREEN, "-narrow")

    def on_mount(self) -> None:
        self._fit(self.size.width)
        steps = self.query_one(StepsTable)
        steps.setup(self.runbook)
        self.query_one(HostsTable).setup(self._host_names)
        if not self._host_names:
            self.query_one(HostsTable).display = False
        self._subscribe(self._journaled)
        # A resumed run shows what happened before the crash.
        told = (old for old in self._history if old["type"] != ev.OUTPUT)
        self.query_one(EventsPane).show_events(told)
        self.refresh_view()
        self.set_interval(1.0, self.refresh_view)
        self.driver = self._driver_factory(self)
        self.driver.start()
        self.call_after_refresh(self._freeze_startup_objects)

    @staticmethod
    def _freeze_startup_objects() -> None:
        # Textual, its CSS and the run screen are ~200,000 objects that live as long as the
        # app. Left to the collector, every full collection walks them all: a 70-110 ms
        # stall a few times a minute, felt as a key press that lags. Frozen after the first
        # frame, a full collection only walks what came later.
        gc.freeze()

    # -- from other threads ---------------------------------------------------
    def _journaled(self, event: Event) -> None:
        """Called on whichever thread recorded the event, after it is durable."""
        with self._inbox_lock:
            self._inbox.append(event)
            if self._batch_posted:
                return
            self._batch_posted = True
        self.post_message(JournalBatch())

    def post_questions(self, questions: tuple[Question, ...]) -> None:
        self.post_message(QuestionsChanged(questions))

    def post_said(self, text: str) -> None:
        self.post_message(Said(text))

    def post_view(self, view: RunView) -> None:
        self.post_message(ViewChanged(view))

    def post_plan_changed(self, confirmed: RollbackPreview, now: RollbackPreview) -> None:
        self.post_message(PlanChanged(confirmed, now))

    def post_snapshots(self, snapshots: tuple[HostSnapshot, ...]) -> None:
        self.post_message(HostsUpdated(snapshots))

    def post_failure(self, error: str) -> None:
        self.post_message(DriverFailed(error))

    # -- messages ----------------------------------------------------------------
    def on_journal_batch(self, _: JournalBatch) -> None:
        # At most DRAINS_PER_SECOND redraws for the journal, however fast it grows: while
        # the inbox waits, no further JournalBatch is posted, so one timer is enough.
        wait = self._drained + 1 / DRAINS_PER_SECOND - time.monotonic()
        if wait > 0:
            self.set_timer(wait, self._drain_inbox)
        else:
            self._drain_inbox()

    def _drain_inbox(self) -> None:
        self._drained = time.monotonic()
        with self._inbox_lock:
            batch = list(self._inbox)
            self._inbox.clear()
            self._batch_posted = False
        try:
            output = self.query_one("#output", Log)
        except NoMatches:  # the app is shutting down; the journal already holds the batch
            return
        selected = self.selected_step()
        lines: list[str] = []
        listed: list[Event] = []
        for event in batch:
            self._remember(event)
            if event["type"] == ev.OUTPUT:
                if event["step"] == selected:
                    lines.append(self._output_line(event))
            else:
                listed.append(event)  # the pane says what it lists, and folds alerts
        if lines:
            # More lines than the pane keeps would only be written to be dropped.
            output.display = True
            output.write_lines(lines[-OUTPUT_LINES_KEPT:])
        if listed:
            self.query_one(EventsPane).show_events(listed)
        self.refresh_view()

    def on_questions_changed(self, message: QuestionsChanged) -> None:
        self.questions = message.questions
        self.refresh_view()

    def on_said(self, message: Said) -> None:
        with contextlib.suppress(NoMatches):
            self.query_one("#events", Log).write_line(visible(message.text.strip()))

    def on_view_changed(self, message: ViewChanged) -> None:
        # The questions and the rows the keys act on come from one view: one moment.
        self.view = message.view
        self.questions = message.view.questions
        self.refresh_view()

    def on_plan_changed(self, message: PlanChanged) -> None:
        now = message.now
        self.notify(
            f"The rollback plan to {now.to} changed before it started: it is now "
            f"{len(now.actions)} undo action(s), planned {format_duration(now.planned)}. "
            "Nothing was started: press b to see the new plan and confirm it again.",
            title="rollback not started",
            severity="warning",
            timeout=30,
            markup=False,
        )

    def on_hosts_updated(self, message: HostsUpdated) -> None:
        # Metrics are redrawn about once a second, however often the monitor samples.
        self.snapshots = message.snapshots
        self._pending_hosts = message.snapshots
        if time.monotonic() - self._hosts_drawn >= 1.0:
            self._draw_hosts()

    def _draw_hosts(self) -> None:
        if self._pending_hosts is None:
            return
        self._hosts_seen = self._pending_hosts
        with self.batch_update():
            table = self.query_one(HostsTable)
            table.show(self._pending_hosts)
            # A fleet too big for its table gets one line, worst first, above it.
            fleet = self.query_one("#fleet", Static)
            fleet.display = not table.shows_every_row()
            if fleet.display:
                fleet.update(
                    Text(fleet_line(self._pending_hosts), no_wrap=True, overflow="ellipsis")
                )
        self._pending_hosts = None
        self._hosts_drawn = time.monotonic()

    def on_key(self, event: events.Key) -> None:
        if event.key in ("up", "down", "pageup", "pagedown", "home", "end"):
            self._user_moved = time.monotonic()

    def on_driver_failed(self, message: DriverFailed) -> None:
        error = visible(message.error)
        self.notify(error, title="the run stopped", severity="error", timeout=30, markup=False)
        self.query_one("#events", Log).write_line(f"✘ {error}")

    def on_row_table_row_highlighted(self, message: RowTable.RowHighlighted) -> None:
        if isinstance(message.table, StepsTable):
            if self._followed_to is not None and message.key != self._followed_to:
                self._user_moved = time.monotonic()  # the operator chose a row: stop following
            self.show_detail()

    def on_row_table_row_selected(self, message: RowTable.RowSelected) -> None:
        # The steps table has the focus and binds enter itself (select_cursor), so the
        # app's enter binding never fires there: enter on a step row confirms/runs.
        if isinstance(message.table, HostsTable):
            self.action_host()
        elif isinstance(message.table, StepsTable):
            self.action_confirm()

    # -- the view -------------------------------------------------------------------
    def timing(self) -> Timing | None:
        return self.view.timing if self.view is not None else None

    def push_screen(
        self,
        screen: Screen[Any] | str,
        callback: Any = None,
        wait_for_dismiss: bool = False,
        *,
        mode: str | None = None,
    ) -> Any:
        """Every dialog opens under the run's header (see refresh_view)."""
        pushed = super().push_screen(screen, callback, wait_for_dismiss, mode=mode)  # type: ignore[call-overload]
        if isinstance(screen, ModalScreen):
            self.call_after_refresh(self._give_header, screen)
        return pushed

    def _give_header(self, dialog: Screen[Any]) -> None:
        if dialog.is_attached and not dialog.query(DialogHeader):
            dialog.mount(DialogHeader(), before=0)
            self.refresh_view()

    def refresh_view(self) -> None:
        if not self.is_running or not self.screen_stack:
            return  # a late timer or message while the app shuts down
        try:
            header = self.query_one(HeaderBar)
            steps = self.query_one(StepsTable)
        except NoMatches:
            return
        view = self.view
        if view is None:
            return  # the driver's first view is on its way
        with self.batch_update():
            shown = (
                self.runbook.name, view.mode, view.outcome, view.paused, view.timing,
                self.question_text(), self.where_text(), self.no_rollback_text(),
            )  # fmt: skip
            header.show(*shown)
            # A dialog hides the run screen, not the five answers: it has the header too.
            if self.screen is not self.screen_stack[0]:
                for copy in self.screen.query(DialogHeader):
                    copy.show(*shown)
                    if self._hosts_seen:
                        copy.show_hosts(fleet_line(self._hosts_seen))
            steps.show(self.runbook, view.rows)
            self._follow_running(steps)
            self.show_detail(refill=False)
        self._draw_hosts()

    def _follow_running(self, steps: StepsTable) -> None:
        """Running steps stay in view: the cursor follows the run unless the operator
        moved it in the last 20 seconds."""
        if time.monotonic() - self._user_moved < 20:
            return
        current = next((q.step for q in self.questions if q.step), None)
        current = current or next(iter(self.view.running if self.view else ()), None)
        if current is not None and current != self.selected_step():
            self._followed_to = current
            steps.move_cursor(row=steps.get_row_index(current))

    def where_text(self) -> str:
        """Where the run is: `migrate › migrate FAILED`, `cutover › deploy running +1`."""
        view = self.view
        if view is None or view.outcome:
            return ""
        asked = next((q.step for q in self.questions if q.step), None)
        current = asked or next(iter(view.running), None)
        if current is None:
            return ""
        step, row = self.runbook.step(current), view.row(current)
        word = {
            Status.FAILED: "FAILED",
            Status.INTERRUPTED: "INTERRUPTED",
            Status.RUNNING: "waiting for you" if step.kind.needs_operator else "running",
        }.get(row.status, row.status.value.replace("_", " "))
        others = len(view.running) - (1 if current in view.running else 0)
        more = f" +{others}" if others > 0 else ""
        return f"{step.phase} › {current} {word}{more}" if step.phase else f"{current} {word}{more}"

    def no_rollback_text(self) -> str:
        """Why no rollback fits, in the words of the night: `past go-nogo`."""
        view = self.view
        if view is not None and view.past_point_of_no_return:
            point = next((s.id for s in self.runbook.steps if s.point_of_no_return), None)
            return f"past {point}" if point else "past the point of no return"
        if view is not None and not view.reached_points:
            return "no point reached yet"
        return ""

    def question_text(self) -> str:
        view = self.view
        if view is not None and view.outcome:
            return f"The run ended: {view.outcome.replace('_', ' ')}. Press q to leave."
        if not self.questions:
            running = view.running if view is not None else ()
            if view is not None and view.paused:
                return (
                    "Paused: no step starts by itself. p resumes; enter starts the next ready step."
                )
            return "Running: " + ", ".join(running) if running else "Waiting for the next step."
        q = self.questions[0]
        k = self.key  # the keys as they are now: a user's keymap may have moved them
        keys = {
            QuestionKind.CONFIRM: f"{k('run.confirm')} confirm (optionally with a note) · {k('run.skip')} skip",
            QuestionKind.GATE: f"{k('run.gate')} go/no-go",
            QuestionKind.FAILED: f"{k('run.retry')} retry · {k('run.skip')} skip · {k('run.rollback')} roll back",
            QuestionKind.INTERRUPTED: f"{k('run.interrupted')} choose: re-run, mark done or roll back",
            QuestionKind.ROLLBACK_FAILED: f"{k('run.retry')} retry the undo · {k('run.skip')} skip it"
            + (f" · {k('run.interrupted')} mark done" if Decisions.MARK_DONE in q.options else ""),
            QuestionKind.AFTER_ROLLBACK: f"{k('run.confirm')} run again from the point · {k('app.quit')} end the run",
        }[q.kind]  # fmt: skip
        more = f"  (+{len(self.questions) - 1} more)" if len(self.questions) > 1 else ""
        return f"? {q.text} — {keys}{more}"

    def key(self, binding_id: str) -> str:
        """The first key that does `binding_id` now: the user's keymap (App.set_keymap)
        before the default binding."""
        keys = self._keymap.get(binding_id) or next(
            (b.key for b in self.BINDINGS if isinstance(b, Binding) and b.id == binding_id), "?"
        )
        return keys.split(",")[0].strip()

    def selected_step(self) -> str | None:
        try:
            table = self.query_one(StepsTable)
        except NoMatches:  # the app is shutting down
            return None
        key = table.cursor_key
        return None if key is None or key.startswith("phase:") else key

    def show_detail(self, refill: bool = True) -> None:
        view = self.view
        step_id = self.selected_step() or next(iter(view.running if view else ()), None)
        try:
            detail = self.query_one("#detail", Static)
        except NoMatches:  # the app is shutting down
            return
        if step_id is None or view is None:
            self._update_detail(detail, Content(""))
            return
        step = self.runbook.step(step_id)
        s = view.row(step_id)
        # No markup: commands, instructions and reasons are shown as written (a "[/]" in a
        # command would otherwise break the pane), and their control characters as visible
        # escapes (an ESC in a title must not reach the terminal). Only the step id is bold.
        lines = [
            visible(
                f" {step.label} · {step.kind.value} · owner {step.owner or '-'} · on {step.on} · {status_word(s.status)} {s.status.icon}"
            )
        ]
        if step.run:
            command = visible(self._shown_command(step.run), newlines=True)
            lines.append("$ " + command.strip().split("\n")[0][:200])
        if step.instructions:
            lines.append(visible(step.instructions.strip(), newlines=True))
        if s.verify_ok is not None:
            lines.append("verify: " + ("passed" if s.verify_ok else "FAILED"))
        if s.reason:
            lines.append(f"reason: {visible(s.reason, newlines=True)}")
        if s.hosts and len(s.hosts) > 1:
            lines.append(
                "hosts: "
                + "  ".join(f"{visible(h.host)} {'✔' if h.exit == 0 else '✘'}" for h in s.hosts)
            )
        self._update_detail(detail, Content.assemble((step.id, "b"), "\n".join(lines)))
        if refill:
            output = self.query_one("#output", Log)
            output.clear()
            kept = self._output.get(step_id)
            if kept is not None:
                output.write_lines(list(kept))
            elif s.output_lines:
                output.write_line(
                    f"({s.output_lines} lines of output are in the journal; golive review shows them)"
                )
            # A pane with nothing in it gives its rows to the steps (it is back with the
            # step's first line).
            output.display = bool(kept) or bool(s.output_lines)

    def _update_detail(self, detail: Static, text: Content) -> None:
        # The pane's height follows its text, so each update lays the screen out again:
        # only when the text changes, not on every refresh (only the id, first, is bold).
        if self._detail_shown is None or text.plain != self._detail_shown.plain:
            self._detail_shown = text
            detail.update(text)

    def _remember(self, event: Event) -> None:
        if event["type"] != ev.OUTPUT:
            return
        kept = self._output.get(event["step"])
        if kept is None:
            kept = self._output[event["step"]] = deque(maxlen=OUTPUT_LINES_KEPT)
            # Memory stays flat over a long night: the oldest steps' output goes first
            # (the journal keeps all of it, and golive review shows it).
            while len(self._output) > OUTPUT_STEPS_KEPT:
                self._output.pop(next(iter(self._output)))
        kept.append(self._output_line(event))

    @staticmethod
    def _output_line(event: Event) -> str:
        """One line of the output pane; a host's control characters shown, never obeyed."""
        mark = "!" if event.get("stream") == "err" else "|"
        prefix = "undo " if event.get("action") == "rollback" else ""
        return visible(f"{prefix}{event['host']} {mark} {event['line']}")

    # -- operator actions -------------------------------------------------------
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
            choice = await self.push_screen_wait(
                ChoiceScreen(
                    "After the rollback",
                    q.text,
                    [
                        ("r", "run again from the rollback point", Decisions.RESUME_FROM_POINT),
                        ("e", "end the run as rolled back", Decisions.END),
                    ],
                )
            )
            if choice:
                self.answer(q, choice)
            return
        note = await self.push_screen_wait(
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
        decision = await self.push_screen_wait(
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
        who = await self.push_screen_wait(
            TextScreen(
                "Who decides?", "Name and role:", required=True, value=step.owner or self.operator
            )
        )
        if who is None:
            return
        why = await self.push_screen_wait(
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
            and not await self.push_screen_wait(passing)
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
        reason = await self.push_screen_wait(
            TextScreen(f"Skip {q.step}", "Why skip it? (required)", required=True)
        )
        if not reason:
            return
        what = (
            "its undo is left to be done by hand"
            if q.kind is QuestionKind.ROLLBACK_FAILED
            else "it counts as done and the steps after it may start; a later rollback does not undo it"
        )
        if await self.push_screen_wait(
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
        reason = await self.push_screen_wait(
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
            choice = await self.push_screen_wait(
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
            what = (
                action.shown.strip().splitlines()[0]
                if action.shown and action.shown.strip()
                else "(nothing to undo)"
            )
            lines.append(f"  {action.step:<16} {what[:40]}  [{format_duration(action.planned)}]")
        lines.append(
            f"planned {format_duration(plan.planned)}; deadline {hhmm(timing.rollback_deadline)}"
        )
        if timing.window_end is not None:
            from datetime import timedelta

            done_by = timing.now + timedelta(seconds=plan.planned)
            lines.append(
                f"done by about {hhmm(done_by)}: "
                + ("fits the window" if done_by <= timing.window_end else "DOES NOT fit the window")
            )
        if await self.push_screen_wait(ConfirmScreen(f"Roll back to {target}?", "\n".join(lines))):
            return plan
        return None

    @work(exclusive=True, group="operator")
    async def action_note(self) -> None:
        text = await self.push_screen_wait(
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
            choice = await self.push_screen_wait(
                ChoiceScreen(
                    f"Undo of {q.step} was interrupted",
                    q.text,
                    [
                        ("r", "run the undo again", Decisions.RETRY),
                        ("d", "it finished: mark it done", Decisions.MARK_DONE),
                    ],
                )
            )
            if choice:
                self.answer(q, choice)
            return
        choice = await self.push_screen_wait(
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

    def action_host(self) -> None:
        table = self.query_one(HostsTable)
        if not self.snapshots or table.cursor_key is None:
            return
        key = table.cursor_key
        snapshot = next((s for s in self.snapshots if s.host == key), None)
        if snapshot is not None:
            self.push_screen(HostScreen(snapshot))

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.BINDINGS))

    async def action_quit(self) -> None:
        """Every way out (the command palette's Quit too) goes through the confirm."""
        self.action_quit_run()

    @work(exclusive=True, group="operator")
    async def action_quit_run(self) -> None:
        view = self.view
        q = self.question(QuestionKind.AFTER_ROLLBACK)
        if q is not None and await self.push_screen_wait(
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
            if not await self.push_screen_wait(ConfirmScreen("Leave golive?", body)):
                return
        self.exit(0)
