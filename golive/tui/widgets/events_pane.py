"""The run screen's events pane: a Log whose lines come from EventLines, so a flapping
alert's line is rewritten in place instead of flooding the pane."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Self

from rich.cells import cell_len
from textual.widgets import Log

from golive.core.events import Event
from golive.tui.event_lines import EventLines, Shown


class EventsPane(Log):
    """One line per journal event (alerts and flapping hosts folded, see event_lines)."""

    def __init__(self, *, max_lines: int, id: str | None = None) -> None:
        super().__init__(max_lines=max_lines, id=id)
        self.folded = EventLines()

    def show_events(self, events: Iterable[Event]) -> None:
        self._show(self.folded.add(events))

    def write_lines(self, lines: Iterable[str], scroll_end: bool | None = None) -> Self:
        """Lines that are not events (the driver's messages) are counted too, so that a
        folded line's number still finds it."""
        self._show(self.folded.text(lines), scroll_end)
        return self

    def _show(self, shown: Shown, scroll_end: bool | None = None) -> None:
        if shown.added:
            super().write_lines(shown.added, scroll_end)
        # Line n of all the pane has shown is this far down the lines it still keeps (the
        # oldest go first, past max_lines). Log has no call to rewrite a line: its list
        # of lines is changed in place, and the line repainted.
        kept = self._lines
        first = self.folded.count - len(kept)
        for number, text in shown.changed.items():
            at = number - first
            if 0 <= at < len(kept):
                kept[at] = text
                self._width = max(self._width, cell_len(self._process_line(text)))
                self.refresh_lines(at)
        if shown.changed:
            self.refresh()
