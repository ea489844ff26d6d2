"""The run screen's panes and what they show: the header (where, late, rollback, what is
asked), the steps with the selected step's detail and output, the hosts and the events.

It draws frozen things only: the RunView the driver thread built, the monitor's snapshots,
and journaled events, all handed over by the App's thread bridge (golive.tui.app)."""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Callable, Iterable

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Log, Static

from golive.core import events as ev
from golive.core.engine import Question
from golive.core.events import Event
from golive.core.hostwatch import HostSnapshot
from golive.core.notify import endpoint_alert
from golive.core.runbook import Runbook
from golive.core.timeline import Timing
from golive.session.view import RunView
from golive.tui.event_text import status_word
from golive.tui.fleet import fleet_line
from golive.tui.run_text import no_rollback_text, question_text, where_text
from golive.tui.screens.dialogs import HostScreen
from golive.tui.shown import visible
from golive.tui.widgets.cursor_list import CursorList
from golive.tui.widgets.events_pane import EventsPane
from golive.tui.widgets.header_bar import DialogHeader, HeaderBar
from golive.tui.widgets.hosts_table import HostsTable
from golive.tui.widgets.steady_footer import SteadyFooter
from golive.tui.widgets.steps_table import StepsTable

OUTPUT_LINES_KEPT = 2000  # per step, for the detail pane; the journal keeps the rest
OUTPUT_STEPS_KEPT = 40  # steps whose output the detail pane keeps: at most 80,000 lines
NARROW_SCREEN = 140  # columns: below it the panes stack (run.tcss)
SHORT_SCREEN = 30  # rows: below it the stacked panes get tighter caps (run.tcss)
FOLLOW_AFTER_MOVE = 20.0  # seconds the cursor stays where the operator put it


class RunLayout(Screen[None]):
    """The five answers, drawn; RunScreen adds the keys that act on them."""

    # From 140 columns the steps table has all it needs and the hosts table takes the
    # rest, so it can show every column but the error sparkline; below, the panes stack.
    HORIZONTAL_BREAKPOINTS = [
        (0, "-narrow"),
        (NARROW_SCREEN, "-wide"),
    ]
    # Under 30 rows (80x24) the stacked panes cannot each take a share of the height:
    # fixed caps keep a few rows for the events below the hosts.
    VERTICAL_BREAKPOINTS = [
        (0, "-short"),
        (SHORT_SCREEN, "-tall"),
    ]

    # Redrawn this often besides each new view (the driver's views come once a second);
    # None: only when a new view comes (a follower posts one a second itself).
    REDRAW_SECONDS: float | None = 1.0
    WAITING = "waiting for you"  # a step that needs the operator, in the header

    def __init__(
        self,
        runbook: Runbook,
        display: Callable[[str], str],
        hosts: list[str],
        history: list[Event] | None = None,
    ) -> None:
        """The runbook (frozen), how to show a command (secrets masked), the hosts'
        names, and a resumed run's events before the crash."""
        super().__init__()
        self.runbook = runbook
        self._shown_command = display
        self._host_names = hosts
        self._history = history or []
        self.view: RunView | None = None
        self.questions: tuple[Question, ...] = ()
        self.snapshots: tuple[HostSnapshot, ...] = ()
        self._output: dict[str, deque[str]] = {}
        self._hosts_drawn = 0.0
        self._pending_hosts: tuple[HostSnapshot, ...] | None = None
        self._hosts_seen: tuple[HostSnapshot, ...] = ()  # the newest drawn, for dialogs
        self._user_moved = -1e9  # when the operator last moved the steps cursor
        self._followed_to: str | None = None  # the row the cursor last followed the run to
        self._detail_shown: Content | None = None
        # The bridge may hand over events between compose and on_mount: they wait here,
        # so the tables are filled first and a resumed run's history is listed first.
        self._set_up = False
        self._early: list[Event] = []
        self._down: set[str] = set()  # notification endpoints whose circuit is open
        for old in self._history:
            self._remember(old)

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
        yield SteadyFooter()

    def on_mount(self) -> None:
        # The output and the events stay at their newest line when the panes are laid out
        # again (a resize, a pane growing), until the operator scrolls up to read.
        self.query_one("#output", Log).anchor()
        self.query_one(EventsPane).anchor()
        self.query_one(StepsTable).setup(self.runbook)
        hosts = self.query_one(HostsTable)
        hosts.setup(self._host_names)
        hosts.display = bool(self._host_names)
        # A resumed run shows what happened before the crash.
        told = (old for old in self._history if old["type"] != ev.OUTPUT)
        self.query_one(EventsPane).show_events(told)
        self._set_up = True
        early, self._early = self._early, []
        self.show_journaled(early)
        self.refresh_view()
        if self.REDRAW_SECONDS is not None:
            self.set_interval(self.REDRAW_SECONDS, self.refresh_view)

    # -- what the bridge hands over ------------------------------------------------------
    def show_view(self, view: RunView) -> None:
        # The questions and the rows the keys act on come from one view: one moment.
        self.view = view
        self.questions = view.questions
        self.refresh_view()

    def show_questions(self, questions: tuple[Question, ...]) -> None:
        self.questions = questions
        self.refresh_view()

    def show_journaled(self, batch: Iterable[Event]) -> None:
        """Events the journal made durable: output to the selected step's pane, the rest
        to the events pane (which says what it lists, and folds alerts)."""
        if not self._set_up:
            self._early.extend(batch)
            return
        try:
            output = self.query_one("#output", Log)
        except NoMatches:  # shutting down; the journal already holds the batch
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
                listed.append(event)
        if lines:
            # More lines than the pane keeps would only be written to be dropped.
            output.display = True
            output.write_lines(lines[-OUTPUT_LINES_KEPT:])
        if listed:
            self.query_one(EventsPane).show_events(listed)
        self.refresh_view()

    def show_hosts(self, snapshots: tuple[HostSnapshot, ...]) -> None:
        # Metrics are redrawn about once a second, however often the monitor samples.
        self.snapshots = snapshots
        self._pending_hosts = snapshots
        if time.monotonic() - self._hosts_drawn >= 1.0:
            self._draw_hosts()

    def say(self, text: str) -> None:
        """A line in the events pane that is not an event (a drill's, a failure's)."""
        with contextlib.suppress(NoMatches):  # shutting down
            self.query_one("#events", Log).write_line(visible(text.strip()))

    # -- drawing ---------------------------------------------------------------------------
    def asked_text(self) -> str:
        """The header's second line: what is asked, and the keys that answer it."""
        return self.endpoints_down() + question_text(self.view, self.questions, self.key)

    def endpoints_down(self) -> str:
        """`war-room DOWN · ` while a notification endpoint's circuit is open."""
        return "".join(f"{name} DOWN · " for name in sorted(self._down))

    def timing(self) -> Timing | None:
        return self.view.timing if self.view is not None else None

    def refresh_view(self) -> None:
        if not self._set_up or not self.is_attached or not self.app.is_running:
            return  # not mounted yet, or a late timer or message while the app shuts down
        try:
            header = self.query_one(HeaderBar)
            steps = self.query_one(StepsTable)
        except NoMatches:
            return
        view = self.view
        if view is None:
            return  # the driver's first view is on its way
        with self.app.batch_update():
            shown = (
                self.runbook.name, view.mode, view.outcome, view.paused, view.timing,
                self.asked_text(),
                where_text(self.runbook, view, self.questions, self.WAITING),
                no_rollback_text(self.runbook, view),
            )  # fmt: skip
            header.show(*shown)
            # A dialog hides the run screen, not the five answers: it has the header too.
            if self.app.screen is not self:
                for copy in self.app.screen.query(DialogHeader):
                    copy.show(*shown)
                    if self._hosts_seen:
                        copy.show_hosts(fleet_line(self._hosts_seen))
            steps.show(self.runbook, view.rows)
            self._follow_running(steps)
            self.show_detail(refill=False)
        self._draw_hosts()

    def _draw_hosts(self) -> None:
        if self._pending_hosts is None or not self._set_up:
            return  # nothing new, or drawn by on_mount's refresh
        self._hosts_seen = self._pending_hosts
        with self.app.batch_update():
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

    def _follow_running(self, steps: StepsTable) -> None:
        """The step asked about, or else a running one, stays under the cursor (a failure
        brings its detail up) unless the operator moved the cursor lately."""
        if time.monotonic() - self._user_moved < FOLLOW_AFTER_MOVE:
            return
        current = next((q.step for q in self.questions if q.step), None)
        current = current or next(iter(self.view.running if self.view else ()), None)
        if current is not None and current != self.selected_step():
            self._followed_to = current
            steps.move_cursor(steps.get_row_index(current))

    def key(self, binding_id: str) -> str:
        """The first key that does `binding_id` now: the user's keymap (App.set_keymap)
        before the default binding."""
        keymap: dict[str, str] = getattr(self.app, "_keymap", {})  # Textual keeps it private
        bindings = [*self.BINDINGS, *self.app.BINDINGS]
        keys = keymap.get(binding_id) or next(
            (b.key for b in bindings if isinstance(b, Binding) and b.id == binding_id), "?"
        )
        return keys.split(",")[0].strip()

    def action_host(self) -> None:
        """The selected host's figures (reading only: the follower has it too)."""
        table = self.query_one(HostsTable)
        if not self.snapshots or table.cursor_key is None:
            return
        key = table.cursor_key
        snapshot = next((s for s in self.snapshots if s.host == key), None)
        if snapshot is not None:
            self.app.push_screen(HostScreen(snapshot))

    # -- the operator's cursor -------------------------------------------------------------
    def on_key(self, event: events.Key) -> None:
        if event.key in ("up", "down", "pageup", "pagedown", "home", "end"):
            self._user_moved = time.monotonic()

    def on_cursor_list_highlighted(self, message: CursorList.Highlighted) -> None:
        if isinstance(message.widget, StepsTable):
            if self._followed_to is not None and message.key != self._followed_to:
                self._user_moved = time.monotonic()  # the operator chose a row: stop following
            self.show_detail()

    # -- the selected step ------------------------------------------------------------
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
        lines.extend(visible(line) for line in s.health)  # host names: shown, never obeyed
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
            if (endpoint := endpoint_alert(event)) is not None:
                name, down = endpoint
                (self._down.add if down else self._down.discard)(visible(name))
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
