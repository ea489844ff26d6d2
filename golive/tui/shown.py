"""What the screens show of text from runbooks, journals and hosts: control characters
as visible escapes (golive.core.text.visible), in plain strings and in rich Text.

Textual does not protect the terminal here: Content and rich's Text keep an ESC (they
only drop BEL, BS, VT, FF and CR), and Log writes its lines through. So every widget
that shows such text gets it from `visible` or `visible_text` first: the header, the
tables (RowTable does it for every cell), the detail pane, the Logs, the dialogs, and
the review's lists (text_strip does it for every row)."""

from __future__ import annotations

from rich.text import Span, Text

from golive.core.text import CONTROL, visible

__all__ = ["visible", "visible_text"]


def visible_text(text: Text) -> Text:
    """`text` with every control character shown as an escape, its styles kept on the
    characters they covered; the same object when there is nothing to show."""
    plain = text.plain
    if CONTROL.search(plain) is None:  # the common case: one search, the same object
        return text
    found = [m.start() for m in CONTROL.finditer(plain)]
    cuts = sorted({*found, *(at + 1 for at in found)})
    shown = text.blank_copy()
    for piece in text.divide(cuts):
        piece.style = ""  # the base style is the copy's already
        if len(piece.plain) == 1 and CONTROL.match(piece.plain):
            escaped = Text(visible(piece.plain))
            escaped.spans = [Span(0, len(escaped), span.style) for span in piece.spans]
            piece = escaped
        shown.append_text(piece)
    return shown
