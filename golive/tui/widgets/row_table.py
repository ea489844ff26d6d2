"""A table of fixed-width columns drawn line by line, one line per row.

Textual's DataTable keys every render cache on one table-wide update counter, so
changing a single cell renders every visible row again. With 50 hosts redrawn each
second and a live timer on the running step, that was most of the UI thread's time
and held key presses back. Here a row is rendered once per change and only its line
is repainted; the row under the cursor is styled as it is drawn."""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.strip import Strip

from golive.tui.shown import visible, visible_text
from golive.tui.widgets.cursor_list import CursorList

Cell = Text | str


def shown(cell: Cell) -> Cell:
    """A cell as the table draws it: control characters (a host name, an owner from the
    runbook) as visible escapes; ordinary text is the same object."""
    return visible_text(cell) if isinstance(cell, Text) else visible(cell)


class RowTable(CursorList):
    """Rows keyed by a string, columns of fixed width, a header line that stays put."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"row-table--header", "row-table--cursor"}
    DEFAULT_CSS = """
    RowTable {
        background: $surface;
        color: $foreground;
        & > .row-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .row-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .row-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._columns: list[tuple[str, str, int]] = []  # key, label, width
        self._column_index: dict[str, int] = {}
        self._keys: list[str] = []
        self._row_index: dict[str, int] = {}
        self._row_cells: list[list[Cell]] = []
        self._strips: dict[int, Strip] = {}  # rendered rows, without the cursor
        self._hidden: frozenset[str] = frozenset()  # columns dropped to fit a narrow screen

    # -- building ---------------------------------------------------------------
    def add_column(self, label: str, *, key: str, width: int) -> None:
        self._column_index[key] = len(self._columns)
        self._columns.append((key, label, width))
        self._resize()

    def add_row(self, *cells: Cell, key: str) -> None:
        if len(cells) != len(self._columns):
            raise ValueError(f"row {key!r}: {len(cells)} cells for {len(self._columns)} columns")
        self._row_index[key] = len(self._keys)
        self._keys.append(key)
        self._row_cells.append([shown(cell) for cell in cells])
        self._rows = len(self._keys)
        self._resize()

    # Columns given up, in this order, when the table is narrower than all of them: a
    # subclass names the least needed first (at 80x24 the variance beats the owner).
    DROP_ORDER: ClassVar[tuple[str, ...]] = ()

    def _resize(self) -> None:
        width = sum(w + 2 for key, _, w in self._columns if key not in self._hidden)
        self.virtual_size = Size(width, len(self._keys) + 1)  # + the header line

    def on_resize(self, event: events.Resize) -> None:
        room = event.size.width - self.styles.scrollbar_size_vertical  # room for a scrollbar
        total = sum(w + 2 for _, _, w in self._columns)
        widths = {key: w + 2 for key, _, w in self._columns}
        hidden: set[str] = set()
        for key in self.DROP_ORDER:
            if total <= room:
                break
            hidden.add(key)
            total -= widths.get(key, 0)
        if frozenset(hidden) != self._hidden:
            self._hidden = frozenset(hidden)
            self._strips.clear()
            self._resize()
            self.refresh()
        super().on_resize(event)

    # -- reading ----------------------------------------------------------------
    def key_of(self, index: int) -> str | None:
        return self._keys[index]

    @property
    def cursor_key(self) -> str | None:
        return self._keys[self.cursor_row] if self._keys else None

    def get_row_index(self, key: str) -> int:
        return self._row_index[key]

    def get_cell(self, row: str, column: str) -> Cell:
        return self._row_cells[self._row_index[row]][self._column_index[column]]

    # -- changing -----------------------------------------------------------------
    def update_cell(self, row: str, column: str, value: Cell) -> None:
        """Set a cell; an unchanged value costs a comparison, not a repaint."""
        value = shown(value)
        index = self._row_index[row]
        cells = self._row_cells[index]
        at = self._column_index[column]
        if same(cells[at], value):
            return
        cells[at] = value
        self._strips.pop(index, None)
        self.refresh_line(index + 1)  # nothing is painted if the row is out of view

    # -- drawing ------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()  # a theme or focus change restyles every row

    def _on_focus(self, event: events.Focus) -> None:
        super()._on_focus(event)
        self.refresh_line(self.cursor_row + 1)

    def _on_blur(self, event: events.Blur) -> None:
        super()._on_blur(event)
        self.refresh_line(self.cursor_row + 1)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            labels: list[Cell] = [label for _, label, _ in self._columns]
            pad = base + self.get_component_rich_style("row-table--header")
            strip = self._render_cells(labels, pad)
        else:
            index = round(scroll_y) + y - 1
            if index >= len(self._keys):
                return Strip.blank(width, base)
            if index == self.cursor_row:  # drawn afresh: it is one line, and moves
                pad = base + self.get_component_rich_style("row-table--cursor")
                strip = self._render_cells(self._row_cells[index], base, pad)
            elif index in self._strips:
                pad, strip = base, self._strips[index]
            else:
                pad = base
                strip = self._strips[index] = self._render_cells(self._row_cells[index], base)
        # The header and the cursor run the whole width, as a row does in DataTable.
        return strip.crop_extend(round(scroll_x), round(scroll_x) + width, pad)

    def _render_cells(self, cells: list[Cell], base: Style, over: Style | None = None) -> Strip:
        line = Text(no_wrap=True, end="")
        for (key, _, width), cell in zip(self._columns, cells, strict=True):
            if key in self._hidden:
                continue
            text = cell.copy() if isinstance(cell, Text) else Text(cell)
            text.truncate(width, overflow="ellipsis", pad=True)
            line.append(" ")
            line.append_text(text)
            line.append(" ")
        # The widget's style under every cell (Text.render leaves unstyled text bare),
        # and the cursor's over them, so its colours win.
        segments = Segment.apply_style(line.render(self.app.console), base, over)
        return Strip(segments, line.cell_len)


def same(a: Cell, b: Cell) -> bool:
    """Equal text, base style and spans (rich's Text == ignores the base style)."""
    if isinstance(a, Text) and isinstance(b, Text):
        return a.plain == b.plain and a.style == b.style and a.spans == b.spans
    return type(a) is type(b) and a == b
