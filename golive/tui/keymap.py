"""The user's keymap file for the run screen and the review, checked against the
binding ids their Apps and screens declare (golive.core.keymap reads and checks the
file; this module tells it which ids, keys and Textual keys there are)."""

from __future__ import annotations

from collections.abc import Mapping

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen as TextualScreen

from golive.core.keymap import Keymap, Screen, load_keymap
from golive.tui.app import GoliveApp
from golive.tui.review_app import ReviewApp
from golive.tui.screens.review import ReviewScreen
from golive.tui.screens.run import RunScreen
from golive.tui.widgets.cursor_list import CursorList

# Each screen: its App, then its screen and the widgets whose bindings are active there.
SCREENS: tuple[tuple[str, type[App[int]], tuple[type[DOMNode], ...]], ...] = (
    ("the run screen", GoliveApp, (RunScreen, CursorList)),
    ("the review", ReviewApp, (ReviewScreen, CursorList)),
)


def key_name(key: str) -> str:
    """One key as Textual matches it: "?" is "question_mark", "+" is "plus"."""
    return next(iter(Binding.make_bindings([Binding(key, "")]))).key


def screen_bindings(name: str, app: type[App[int]], widgets: tuple[type[DOMNode], ...]) -> Screen:
    """A screen's binding ids and default keys, off its classes' BINDINGS; and the keys
    Textual's own App and Screen bind there that the App does not take over."""
    keys: dict[str, tuple[str, ...]] = {}
    # Each class's own BINDINGS: an App that declares none would hand back Textual's.
    declared = [b for owner in (app, *widgets) for b in vars(owner).get("BINDINGS", ())]
    for binding in Binding.make_bindings(declared):
        if binding.id:
            keys[binding.id] = (*keys.get(binding.id, ()), binding.key)
    taken = {b.key for b in Binding.make_bindings(declared)}
    reserved = {
        b.key: b.action.rpartition(".")[2].replace("_", " ")  # "screen.copy_text": copy text
        for b in Binding.make_bindings([*App.BINDINGS, *TextualScreen.BINDINGS])
        if b.key not in taken
    }
    if app.ENABLE_COMMAND_PALETTE:
        reserved[key_name(app.COMMAND_PALETTE_BINDING)] = "the command palette"
    return Screen(name, keys, reserved)


def screens() -> list[Screen]:
    return [screen_bindings(*screen) for screen in SCREENS]


def binding_ids() -> set[str]:
    """Every binding id a keymap file may name, on either screen."""
    return {binding for screen in screens() for binding in screen.keys}


def user_keymap(environ: Mapping[str, str] | None = None) -> Keymap:
    """The user's keymap (see golive.core.keymap.config_path), checked; {} without a
    file. A bad file raises a GoliveError before any screen opens."""
    return load_keymap(screens(), environ, key_name)
