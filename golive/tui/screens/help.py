"""One help screen for every screen: its bindings' keys (as the user's keymap has them
now), what they do and their ids, in columns, with a word on how the screen works."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static


def key_text(app: App[Any], binding: Binding) -> str:
    """A binding's keys as the footer shows them: "?" for question_mark, "^q" for
    ctrl+q, "? or h" for a binding with two keys; the binding's own key_display wins,
    unless the app's keymap (App.set_keymap) binds its id to other keys."""
    # Textual keeps the keymap it applies to its bindings private; it is only read here.
    remapped = getattr(app, "_keymap", {}).get(binding.id) if binding.id else None
    if binding.key_display and not remapped:
        return binding.key_display
    keys = [key.strip() for key in (remapped or binding.key).split(",") if key.strip()]
    return " or ".join(
        app.get_key_display(replace(binding, key=key, key_display=None)) for key in keys
    )


def help_lines(rows: Sequence[tuple[str, str, str]]) -> list[str]:
    """The rows (keys, what they do, binding id) under a heading, in aligned columns."""
    table = [("key", "action", "binding id"), *rows]
    widths = [max(cell_len(row[i]) for row in table) for i in (0, 1)]

    def line(key: str, description: str, binding_id: str) -> str:
        pad_key, pad_description = widths[0] - cell_len(key), widths[1] - cell_len(description)
        return f"  {key}{' ' * pad_key}  {description}{' ' * pad_description}  {binding_id}"

    return [line(*row) for row in table]


class HelpScreen(ModalScreen[None]):
    """Every binding of a screen: its keys, what it does and its id (for a keymap), in
    columns, with a word on how the screen works; it scrolls when the terminal is small."""

    BINDINGS = [Binding("escape,question_mark,h,q", "close", "Close", id="help.close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; background: $background; }
    HelpScreen .help-heading { text-style: bold; }
    HelpScreen .help-keys { color: $text-muted; margin-bottom: 1; }
    """

    def __init__(self, bindings: Iterable[BindingType], title: str, text: str) -> None:
        super().__init__()
        self._listed = [b for b in bindings if isinstance(b, Binding)]
        self._title, self._text = title, text

    def rows(self) -> list[tuple[str, str, str]]:
        return [(key_text(self.app, b), b.description, b.id or "") for b in self._listed]

    def compose(self) -> ComposeResult:
        heading, *lines = help_lines(self.rows())
        # The whole dialog scrolls: it is as tall as the terminal lets it be (a dialog
        # may have a header above it), and its keys are said first.
        with VerticalScroll(classes="dialog help", id="help-scroll"):
            yield Label(self._title, classes="dialog-title", markup=False)
            yield Label(
                "esc close    ↑ ↓ pgup pgdn scroll    ^p command palette",
                classes="help-keys",
                markup=False,
            )
            yield Label(heading, classes="help-heading", markup=False)
            for line in lines:
                yield Label(line, markup=False)
            yield Static(self._text, classes="dialog-body", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
