"""The review's lists: rows drawn once per zoom or width and cached, the time cursor laid
over them as they are painted."""

from __future__ import annotations

from textual import events
from textual.geometry import Size
from textual.strip import Strip

from golive.core.record import RunRecord
from golive.tui.widgets.cursor_list import CursorList
from golive.tui.widgets.drawing import LABEL, STYLE, TimeAxis


class LineList(CursorList):
    """Rows under one fixed header line, a row cursor, drawn one line at a time."""

    DEFAULT_CSS = "LineList { scrollbar-gutter: stable; overflow-x: hidden; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.time_col: int | None = None  # the time cursor's column on the axis, if drawn
        self._cache: dict[int, Strip] = {}

    # -- what subclasses draw -------------------------------------------------------
    def render_header(self, width: int) -> Strip:
        return Strip.blank(width, self.rich_style)

    def render_row(self, index: int, width: int) -> Strip:
        return Strip.blank(width, self.rich_style)

    def label_of(self, index: int) -> int:
        """How many leading columns of a row are its label (highlighted under the cursor)."""
        return LABEL

    # -- rows -----------------------------------------------------------------------
    def set_row_count(self, rows: int) -> None:
        self._rows = rows
        self.cursor_row = max(0, min(self.cursor_row, rows - 1))
        self.virtual_size = Size(self.virtual_size.width, rows + 1)
        self._cache.clear()
        self.refresh(layout=True)  # a height: auto list grows with its rows

    def redraw(self) -> None:
        self._cache.clear()
        self.refresh()

    def set_time_col(self, col: int | None) -> None:
        if col != self.time_col:
            self.time_col = col
            self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self._rows + 1)
        self.redraw()
        super().on_resize(event)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def cursor_moved(self, old: int, new: int) -> None:
        self.refresh()  # the label under the cursor, and a subclass's header, change

    # -- painting ---------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            strip = self.render_header(width)
            index = -1
        else:
            index = round(self.scroll_offset.y) + y - 1
            if index >= self._rows:
                return Strip.blank(width, self.rich_style)
            cached = self._cache.get(index)
            if cached is None:
                cached = self._cache[index] = self.render_row(index, width)
            strip = cached
        strip = strip.crop_extend(0, width, self.rich_style)
        marks: list[tuple[int, int]] = []
        if index == self.cursor_row and self.has_focus:
            marks.append((0, self.label_of(index)))
        if self.time_col is not None and 0 <= self.time_col < width - LABEL:
            marks.append((LABEL + self.time_col, LABEL + self.time_col + 1))
        for start, end in marks:
            strip = reverse(strip, start, end, width)
        return strip


def reverse(strip: Strip, start: int, end: int, width: int) -> Strip:
    """The strip with columns [start, end) in reverse video: the cursors."""
    if end <= start:
        return strip
    middle = strip.crop(start, end).apply_style(STYLE["cursor"])
    return Strip.join([strip.crop(0, start), middle, strip.crop(end, width)])


class TimeAxisList(LineList):
    """A LineList whose rows are drawn on one time axis (seconds since the start), right
    of LABEL columns of row labels: the timeline and the metric charts line up."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.record: RunRecord | None = None
        self.view = (0.0, 1.0)  # the seconds since the start that the axis spans

    def axis(self) -> TimeAxis:
        return TimeAxis(*self.view, max(1, self.scrollable_content_region.width - LABEL))

    def set_view(self, view: tuple[float, float]) -> None:
        if view != self.view:
            self.view = view
            self.redraw()
