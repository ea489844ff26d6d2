"""The review's events: filtered by kind and host, the time cursor's event highlighted."""

from __future__ import annotations

from rich.text import Text
from textual.strip import Strip

from golive.core.events import Event
from golive.tui.event_text import describe
from golive.tui.replay import EventRow
from golive.tui.shown import visible
from golive.tui.widgets.drawing import offset_label, text_strip
from golive.tui.widgets.line_list import LineList


class EventList(LineList):
    """The run's events, filtered by kind and host; the time cursor's event is highlighted."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.events: list[Event] = []
        self.rows: list[EventRow] = []
        self.current: int | None = None  # the row of the last event at or before the cursor
        self._fine = False

    def show_rows(self, events: list[Event], rows: list[EventRow], fine: bool) -> None:
        """`fine`: a short run, whose offsets are shown to a tenth of a second."""
        self.events, self.rows, self._fine = events, rows, fine
        self.set_row_count(len(rows))

    def offset_text(self, m: float) -> str:
        return offset_label(m, 0.1 if self._fine else 1.0)

    def label_of(self, index: int) -> int:
        return self.size.width

    def set_current(self, row: int | None) -> None:
        if row != self.current:
            old, self.current = self.current, row
            self._cache.pop(old if old is not None else -1, None)
            self._cache.pop(row if row is not None else -1, None)
            if row is not None:
                self.move_cursor(row)
            self.refresh()

    def render_header(self, width: int) -> Strip:
        return text_strip(Text(" time     offset  event", style="bold"), width, self.rich_style,
                          self.app.console)  # fmt: skip

    def render_row(self, index: int, width: int) -> Strip:
        if not self.rows:
            return text_strip(Text("  no event matches the filter", style="dim italic"), width,
                              self.rich_style, self.app.console)  # fmt: skip
        row = self.rows[index]
        e = self.events[row.index]
        wall = visible(str(e.get("t", ""))[11:19])
        line = Text(f" {wall:<8} {self.offset_text(float(e.get('m', 0))):>7} {describe(e)}")
        if index == self.current:
            line.stylize("bold")
            line = Text("▸") + line[1:]
        if row.kind == "alerts" and e.get("status") == "raised":
            line.stylize("red")
        elif row.kind == "rollbacks":
            line.stylize("magenta")
        return text_strip(line, width, self.rich_style, self.app.console)
