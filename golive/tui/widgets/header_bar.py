"""The header: where are we, are we late, can we still roll back, and what is asked."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Span, Text
from textual.widgets import Static

from golive.core.timeline import Timing
from golive.tui.header import Part, fit, hanging, header_parts
from golive.tui.shown import visible, visible_text

MODES = {
    "live": ("● LIVE", "mode-live"),
    "rehearsal": ("◆ REHEARSAL", "mode-rehearsal"),
    "dry-run": ("○ DRY-RUN", "mode-dry"),
}


# The question's mark (" ? ") is this wide: its later lines start under its first word.
QUESTION_INDENT = 3


class HeaderBar(Static):
    """Where are we, are we late, can we still roll back (line 1, fitted to the width by
    header.fit), and what is asked of the operator (line 2, wrapped, never cut)."""

    _parts: list[Part] = []
    _question = ""
    _below = ""  # a third line (a dialog's header: the fleet)
    _shown: tuple[str, list[Span], str] | None = None

    def show(
        self,
        title: str,
        mode: str,
        outcome: str | None,
        paused: bool,
        timing: Timing,
        question: str,
        where: str = "",
        no_rollback: str = "",
    ) -> None:
        css = MODES.get(mode, (mode.upper(), "mode-live"))[1]
        for name in ("mode-live", "mode-rehearsal", "mode-dry"):
            self.set_class(name == css, name)
        self._parts = header_parts(
            mode, outcome, paused, title, timing, where, no_rollback or timing.no_rollback_reason
        )
        self._question = question
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        if not self._parts:
            return
        # Text from the runbook or the run is made visible before it becomes a Text (which
        # would drop a BEL or a CR of it silently, and keep an ESC). Before its first
        # layout the header has no width yet: it spans the screen.
        width = self.size.width or self.app.size.width
        first = visible_text(fit(self._parts, width))
        # A long question wraps under its own first word, not under the mark.
        asked = f" {visible(self._question)}" if self._question else " "
        question = "\n".join(hanging(asked, max(width, QUESTION_INDENT + 1), QUESTION_INDENT))
        if self._below:
            question += "\n " + visible(self._below)
        shown = (first.plain, first.spans, question)
        if shown == self._shown:
            return
        lines_before = self._lines(self._shown[2]) if self._shown else 0
        self._shown = shown
        second = Text(question, style="bold" if self._question else "dim")
        # One Text: line 1 is cut to the width already, so only the question wraps. One
        # line more or fewer for the question is a new layout; else only a redraw.
        shown_text = Text("\n").join([first, second])
        self.update(shown_text, layout=self._lines(question) != lines_before)

    def _lines(self, question: str) -> int:
        width = max(self.size.width, 1)
        return sum(max(1, -(-cell_len(line) // width)) for line in question.split("\n"))


class DialogHeader(HeaderBar):
    """The run's header on top of a dialog, and a line for the hosts: what the operator
    decides is shown with the deadline, the forecast and the fleet it is decided against."""

    def show_hosts(self, line: str) -> None:
        if line != self._below:
            self._below = line
            self._draw()
