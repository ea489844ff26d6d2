"""The run screen's App: the bridge between the run's threads and the screen.

The driver thread posts frozen RunViews, the monitor's threads post host snapshots, and
the journal's listeners hand over events once they are durable; each becomes a message
that the UI thread gives to the run screen (golive.tui.screens.run). The App holds no
session, no state and no conductor: key presses are intents sent through the driver."""

from __future__ import annotations

import gc
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.screen import ModalScreen, Screen

from golive.core.durations import format_duration
from golive.core.engine import Question
from golive.core.events import Event
from golive.core.hostwatch import HostSnapshot
from golive.core.runbook import Runbook
from golive.session.view import RollbackPreview, RunView
from golive.tui.driver import RunDriver
from golive.tui.messages import (
    DriverFailed,
    HostsUpdated,
    JournalBatch,
    PlanChanged,
    QuestionsChanged,
    Said,
    ViewChanged,
)
from golive.tui.palette import RunActions
from golive.tui.screens.run import RunScreen
from golive.tui.scrollbars import use_whole_cell_scrollbars
from golive.tui.shown import visible
from golive.tui.widgets.header_bar import DialogHeader

DRAINS_PER_SECOND = 20  # journal events reach the screen within 50 ms, in batches


class GoliveApp(App[int]):
    CSS_PATH = ["common.tcss", "run.tcss"]
    COMMANDS = App.COMMANDS | {RunActions}
    TITLE = "golive"
    BINDINGS = [
        # Textual's own ctrl+q quits at once: here it asks, like q.
        Binding("ctrl+q", "quit", "Quit", id="app.ctrl-quit", show=False, priority=True),
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
        masked), the hosts and a resumed run's history; the App knows how to hear of
        journaled events and makes the driver, whose thread it starts once mounted."""
        super().__init__()
        use_whole_cell_scrollbars()
        self.runbook = runbook
        self.operator = operator
        self._subscribe = subscribe
        self._driver_factory = driver_factory
        self.driver: RunDriver | None = None
        self.run_screen = RunScreen(runbook, display, operator, hosts, lambda: self.driver, history)
        self._inbox: deque[Event] = deque()
        self._inbox_lock = threading.Lock()
        self._batch_posted = False
        self._drained = 0.0  # when the inbox was last drained (time.monotonic)
        self.exit_code = 0

    def get_default_screen(self) -> Screen[Any]:
        return self.run_screen

    @property
    def view(self) -> RunView | None:
        """The newest frozen view the screen drew."""
        return self.run_screen.view

    def on_mount(self) -> None:
        self._subscribe(self._journaled)
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

    # -- from other threads ---------------------------------------------------------------
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

    # -- on the UI thread -------------------------------------------------------------------
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
        self.run_screen.show_journaled(batch)

    def on_questions_changed(self, message: QuestionsChanged) -> None:
        self.run_screen.show_questions(message.questions)

    def on_view_changed(self, message: ViewChanged) -> None:
        self.run_screen.show_view(message.view)

    def on_hosts_updated(self, message: HostsUpdated) -> None:
        self.run_screen.show_hosts(message.snapshots)

    def on_said(self, message: Said) -> None:
        self.run_screen.say(message.text)

    def on_driver_failed(self, message: DriverFailed) -> None:
        error = visible(message.error)
        self.notify(error, title="the run stopped", severity="error", timeout=30, markup=False)
        self.run_screen.say(f"✘ {error}")

    def on_plan_changed(self, message: PlanChanged) -> None:
        now = message.now
        self.notify(
            f"The rollback plan to {now.to} changed before it started: it is now "
            f"{len(now.actions)} undo action(s), planned {format_duration(now.planned)}. "
            f"Nothing was started: press {self.run_screen.key('run.rollback')} to see the new "
            "plan and confirm it again.",
            title="rollback not started",
            severity="warning",
            timeout=30,
            markup=False,
        )

    # -- dialogs and the way out --------------------------------------------------------------
    def push_screen(
        self,
        screen: Screen[Any] | str,
        callback: Any = None,
        wait_for_dismiss: bool = False,
        *,
        mode: str | None = None,
    ) -> Any:
        """Every dialog opens under the run's header (the run screen keeps it current)."""
        pushed = super().push_screen(screen, callback, wait_for_dismiss, mode=mode)  # type: ignore[call-overload]
        if isinstance(screen, ModalScreen):
            self.call_after_refresh(self._give_header, screen)
        return pushed

    def _give_header(self, dialog: Screen[Any]) -> None:
        if dialog.is_attached and not dialog.query(DialogHeader):
            dialog.mount(DialogHeader(), before=0)
            self.run_screen.refresh_view()

    async def action_quit(self) -> None:
        """Every way out (ctrl+q, the command palette's Quit) goes through the confirm."""
        self.run_screen.action_quit_run()
