"""The follower's screens: the run screen without its keys, and the compact pane.

Both draw what golive.tui.follow_app hands over from the follower's thread: a Followed
(the journal folded into a frozen view, session.follow) and the events that led to it.
Their bindings only move, look and leave: nothing here can act on the run."""

from __future__ import annotations

import time
from dataclasses import replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from golive.core.engine import Question
from golive.core.hostwatch import HostSnapshot
from golive.session.follow import ENDED, WRITING, Followed
from golive.session.status import run_status
from golive.tui.screens.help import HelpScreen
from golive.tui.screens.run_layout import RunLayout
from golive.tui.status_text import status_lines
from golive.tui.widgets.cursor_list import CursorList

FOLLOW_HELP = """
This screen follows a run that another golive drives: it reads the run's journal as it
grows and shows what the driver's screen shows. It takes no lock and writes nothing, and
it has no key that acts on the run: the operator answers on the driver's screen.
The header says whether the writer still writes the journal, or is gone."""


FOLLOWING = "FOLLOWING (read-only)"


class FollowScreen(RunLayout):
    """The run screen, read-only: navigation, the host detail, help and quit."""

    BINDINGS = [
        Binding("o", "host", "Host detail", id="follow.host"),
        Binding("question_mark,h", "help", "Help", id="app.help"),
        Binding("q", "leave", "Quit", id="app.quit"),
    ]

    REDRAW_SECONDS = None  # the follower's thread posts a moment at least once a second
    WAITING = "waiting for the operator"
    HOSTS_AT_LEAST_EVERY = 5.0  # seconds: unchanged hosts are redrawn for their age

    # How the writer is, when it is not writing (its end shows in the badge).
    writer_note = ""
    _hosts_as_drawn: tuple[HostSnapshot, ...] = ()
    _hosts_drawn_at = -1e9

    def show_followed(self, followed: Followed) -> None:
        notes = [] if followed.writer in (WRITING, ENDED) else [followed.writer_text.upper()]
        if followed.problem:
            notes.append(f"skipped {followed.problem}")
        if followed.runbook_note:
            notes.append(followed.runbook_note)
        self.writer_note = "".join(f"{note} · " for note in notes)
        # Only the hosts the table was set up with (a journal may name others).
        shown = tuple(h for h in followed.hosts if h.host in self._host_names)
        # The hosts' figures change with a sample (about once a second each); between
        # them only their age does, so unchanged hosts are not redrawn every second.
        hosts = tuple(replace(h, at=0.0) for h in shown)
        if hosts != self._hosts_as_drawn or time.monotonic() - self._hosts_drawn_at >= (
            self.HOSTS_AT_LEAST_EVERY
        ):
            self._hosts_as_drawn, self._hosts_drawn_at = hosts, time.monotonic()
            self.show_hosts(shown)
        self.show_view(followed.view)

    def show_stopped(self, error: str) -> None:
        """The follower cannot read on: said where the writer's state is, for good."""
        self.writer_note = f"STOPPED READING: {error} · "
        self.refresh_view()

    def asked_text(self) -> str:
        """Line 2 says first that this screen follows, read-only (line 1 is the driver's,
        with the forecast and the rollback deadline that must never be cut)."""
        view, quit_key = self.view, self.key("app.quit")
        if view is not None and view.outcome:
            said = f"The run ended: {view.outcome.replace('_', ' ')}. Press {quit_key} to leave."
        else:
            said = following_question(self.questions) or (
                "Running: " + ", ".join(view.running)
                if view is not None and view.running
                else "Waiting for the next step."
            )
        return f"{FOLLOWING} · {self.writer_note}{self.endpoints_down()}{said}"

    def action_help(self) -> None:
        bindings = [*self.BINDINGS, *CursorList.BINDINGS]
        self.app.push_screen(HelpScreen(bindings, title="golive follow keys", text=FOLLOW_HELP))

    def action_leave(self) -> None:
        self.app.exit(0)


def following_question(questions: tuple[Question, ...]) -> str:
    if not questions:
        return ""
    more = f"  (+{len(questions) - 1} more)" if len(questions) > 1 else ""
    return f"? {questions[0].text} — the operator answers on the driver's screen{more}"


class CompactScreen(Screen[None]):
    """A few lines for a corner of a screen share (golive.tui.status_text)."""

    BINDINGS = [Binding("q", "leave", "Quit", id="app.quit")]
    DEFAULT_CSS = """
    CompactScreen #compact { padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static("reading the journal…", id="compact", markup=False)

    def show_followed(self, followed: Followed) -> None:
        runbook = getattr(self.app, "runbook", None)
        if runbook is None:
            return
        lines = status_lines(run_status(runbook, followed))
        lines.insert(0, FOLLOWING)
        self.query_one("#compact", Static).update("\n".join(lines))

    def action_leave(self) -> None:
        self.app.exit(0)
