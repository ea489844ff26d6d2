"""Scrollbar thumbs drawn in whole cells.

Textual draws a thumb's ends with partial block glyphs (`▂`, `▆`, `▍`) for sub-cell
precision. On the run screen those read as sparklines that escaped their cells (a
captured frame, a screen reader, a terminal without the track's colour shows only the
glyph). A thumb of whole reversed cells is a little coarser and never mistaken."""

from __future__ import annotations

from typing import ClassVar

from textual.scrollbar import ScrollBar, ScrollBarRender


class WholeCellScrollBar(ScrollBarRender):
    VERTICAL_BARS: ClassVar[list[str]] = [" "] * 8
    HORIZONTAL_BARS: ClassVar[list[str]] = [" "] * 8


def use_whole_cell_scrollbars() -> None:
    """Every scrollbar of this process (both golive screens share the choice)."""
    ScrollBar.renderer = WholeCellScrollBar
