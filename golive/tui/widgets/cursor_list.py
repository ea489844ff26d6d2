"""Rows under one fixed header line, with a row cursor, drawn one line at a time (Textual's
Line API). The run screen's tables and the review's lists share it: the same keys move the
cursor, the same messages say where it went, and the cursor's row stays in view."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.scroll_view import ScrollView


class CursorList(ScrollView, can_focus=True):
    """A subclass says how many rows there are (set_row_count) and draws them
    (render_line); this class moves the cursor and scrolls it into view."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False, id="list.up"),
        Binding("down", "cursor(1)", "Down", show=False, id="list.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="list.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="list.page_down"),
        Binding("home", "first", "First row", show=False, id="list.first"),
        Binding("end", "last", "Last row", show=False, id="list.last"),
        Binding("enter", "select", "Open", show=False, id="list.select"),
    ]

    @dataclass
    class Row(Message):
        """A row of the list (`key`: the row's key, for a keyed list)."""

        widget: CursorList
        index: int
        key: str | None = None

        @property
        def control(self) -> CursorList:
            return self.widget

    class Highlighted(Row):
        """The cursor moved to another row."""

    class Selected(Row):
        """Enter, or a click on the cursor's row, chose a row."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cursor_row = 0
        self._rows = 0
        self._scroll_pending = False  # the cursor moved while the list had no height

    # -- rows ------------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return self._rows

    def key_of(self, index: int) -> str | None:
        """The key of row `index`, for a list whose rows have keys."""
        return None

    def shows_every_row(self) -> bool:
        """Whether every row fits on screen at once (no scrolling needed to see them)."""
        return self._rows <= self._visible_rows()

    def _visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)  # under the header line

    # -- the cursor ---------------------------------------------------------------------
    def move_cursor(self, row: int, *, animate: bool = False) -> None:
        if not self._rows:
            return
        row = max(0, min(row, self._rows - 1))
        old, self.cursor_row = self.cursor_row, row
        self._scroll_to_cursor(animate)
        if old != row:
            self.cursor_moved(old, row)
            self.post_message(self.Highlighted(self, row, self.key_of(row)))

    def cursor_moved(self, old: int, new: int) -> None:
        """Repaint what the cursor changed: its old and new lines (a subclass that draws
        the cursor elsewhere too repaints more)."""
        self.refresh_line(old + 1)
        self.refresh_line(new + 1)

    def _scroll_to_cursor(self, animate: bool) -> None:
        if not self.scrollable_content_region.height:
            # Not laid out yet, or squeezed to nothing on a small screen: scroll when it
            # gets a height (on_resize), not by asking again after every refresh.
            self._scroll_pending = True
            return
        self._scroll_pending = False
        top, rows = round(self.scroll_offset.y), self._visible_rows()
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=animate)
        elif self.cursor_row >= top + rows:
            self.scroll_to(y=self.cursor_row - rows + 1, animate=animate)

    def on_resize(self, event: events.Resize) -> None:
        if event.size.height:
            # Pending, or a terminal made smaller: the cursor's row stays in view.
            self.call_after_refresh(self._scroll_to_cursor, False)

    # -- keys and mouse ------------------------------------------------------------------
    def action_cursor(self, delta: int) -> None:
        self.move_cursor(self.cursor_row + delta)

    def action_page(self, direction: int) -> None:
        self.move_cursor(self.cursor_row + direction * self._visible_rows())

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(self._rows - 1)

    def action_select(self) -> None:
        if self._rows:
            row = self.cursor_row
            self.post_message(self.Selected(self, row, self.key_of(row)))

    def on_click(self, event: events.Click) -> None:
        row = round(self.scroll_offset.y) + event.y - 1
        if event.y < 1 or row >= self._rows:
            return  # the header, or below the last row
        if row == self.cursor_row:
            self.action_select()
        else:
            self.move_cursor(row)
