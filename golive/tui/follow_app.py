"""golive follow's App: a thread that folds the journal as it grows, and a screen that
draws what it posts.

The follower's thread (session.follow.Follower) reads the journal every POLL_SECONDS,
folds what it gained and builds the frozen view; it posts a FollowedUpdate when there
were events, and once a second for the clock. The UI thread only draws. Nothing here
writes: there is no journal writer, no lock, no driver."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from golive.core.events import Event
from golive.io.journal import JournalError
from golive.session.follow import Followed, Follower
from golive.tui.messages import FollowedUpdate, FollowFailed
from golive.tui.screens.follow import CompactScreen, FollowScreen
from golive.tui.scrollbars import use_whole_cell_scrollbars
from golive.tui.shown import visible

POLL_SECONDS = 0.2  # how often the journal is read: an event is on screen within ~0.3 s
CLOCK_SECONDS = 1.0  # the view is rebuilt at least this often, for the clock


class FollowApp(App[int]):
    CSS_PATH = ["common.tcss", "run.tcss"]
    TITLE = "golive follow"
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", id="app.ctrl-quit", show=False, priority=True)]

    def __init__(self, follower: Follower, history: list[Event], compact: bool = False) -> None:
        """`follower` has read the journal so far (`history`, its run_started first)."""
        super().__init__()
        use_whole_cell_scrollbars()
        assert follower.runbook is not None
        self.follower = follower
        self.runbook = follower.runbook
        self.compact = compact
        self.follow_screen: FollowScreen | CompactScreen
        if compact:
            self.follow_screen = CompactScreen()
        else:
            # The samples are the hosts' (folded already): the screen lists the rest.
            listed = [e for e in history if e.get("type") != "sample"]
            self.follow_screen = FollowScreen(
                follower.runbook, follower.display, list(follower.runbook.hosts), listed
            )
        self.followed: Followed | None = None
        self._runbooks_shown = follower.runbook_changes
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, name="follower", daemon=True)

    def get_default_screen(self) -> Screen[Any]:
        return self.follow_screen

    def on_mount(self) -> None:
        try:
            self._post(())
        except JournalError as exc:
            self.post_message(FollowFailed(str(exc)))
            return  # nothing to follow on: the screen says why
        self._thread.start()

    def on_unmount(self) -> None:
        self._stop.set()

    # -- the follower's thread ---------------------------------------------------------
    def _follow(self) -> None:
        shown_at = time.monotonic()
        try:
            while not self._stop.wait(POLL_SECONDS):
                events = self.follower.poll()
                if events or time.monotonic() - shown_at >= CLOCK_SECONDS:
                    self._post(tuple(events))
                    shown_at = time.monotonic()
        except JournalError as exc:
            self.post_message(FollowFailed(str(exc)))
        except Exception as exc:  # a bug: said on the screen, never a thread's traceback
            self.post_message(FollowFailed(f"{type(exc).__name__}: {exc}"))

    def _post(self, events: tuple[Event, ...]) -> None:
        followed = self.follower.followed(datetime.now().astimezone())
        if followed is None:
            return
        changed = self.follower.runbook_changes != self._runbooks_shown
        self._runbooks_shown = self.follower.runbook_changes
        history = tuple(self.follower.events_so_far()) if changed else None
        runbook = self.follower.runbook if changed else None
        self.post_message(FollowedUpdate(events, followed, runbook, history))

    # -- on the UI thread --------------------------------------------------------------
    def on_followed_update(self, message: FollowedUpdate) -> None:
        self.followed = message.followed
        if message.runbook is not None and not self.compact:
            # A resume changed the runbook: the screen again, with its steps and hosts.
            self.runbook = message.runbook
            self.follow_screen = FollowScreen(
                message.runbook, self.follower.display, list(message.runbook.hosts),
                list(message.history or ()),
            )  # fmt: skip
            self.switch_screen(self.follow_screen)
            self.follow_screen.show_followed(message.followed)
            return
        if message.runbook is not None:
            self.runbook = message.runbook
        screen = self.follow_screen
        if isinstance(screen, FollowScreen) and message.events:
            screen.show_journaled(message.events)
        screen.show_followed(message.followed)

    def on_follow_failed(self, message: FollowFailed) -> None:
        if isinstance(self.follow_screen, FollowScreen):
            self.follow_screen.show_stopped(visible(message.error))
        self.notify(
            visible(message.error), title="following stopped", severity="error",
            timeout=60, markup=False,
        )  # fmt: skip

    async def action_quit(self) -> None:
        self.exit(0)
