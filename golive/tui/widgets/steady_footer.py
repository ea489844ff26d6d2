"""A Footer that is rebuilt only when what it shows changes.

Textual's Footer recomposes on every bindings change of its screen, which includes each
return from a dialog: a dozen new key widgets, each styled from scratch, about 40 ms on
this 2-core machine, while the operator waits for the run screen to come back. Its keys
are the same almost every time, so the rebuild is skipped when they are.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

# A key as the footer draws it (" g Go/no-go "), and the command palette's at the right.
KEY_PADDING = 3
PALETTE_WIDTH = 12

# (key, key as shown, description, action, shown, enabled, tooltip) of each active binding.
Shown = tuple[tuple[str, str, str, str, bool, bool, str], ...]


class SteadyFooter(Footer):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._composed: Shown | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._recompose_if_changed)

    def spared(self) -> frozenset[str]:
        """The screen's actions left out of the footer because the keys would not fit
        its width: the screen's FOOTER_SPARE, in that order, until they do (each stays a
        key, and is in the help and the command palette)."""
        spare: tuple[str, ...] = getattr(self.screen, "FOOTER_SPARE", ())
        width = self.app.size.width
        drawn = {
            binding.action: cell_len(self.app.get_key_display(binding))
            + cell_len(binding.description)
            + KEY_PADDING
            for (_, binding, _, _) in self.screen.active_bindings.values()
            if binding.show
        }
        left_out: set[str] = set()
        for action in spare:
            if sum(drawn.values()) + PALETTE_WIDTH <= width:
                break
            if action in drawn:
                left_out.add(action)
                del drawn[action]
        return frozenset(left_out)

    def compose(self) -> ComposeResult:
        left_out = self.spared()
        kept = 0
        for widget in super().compose():
            # Footer's keys (FooterKey, not exported by Textual) carry their action.
            action = getattr(widget, "action", None)
            if action in left_out:
                continue
            kept += action is not None and "-command-palette" not in widget.classes
            yield widget
        if left_out:
            self.styles.grid_size_columns = kept

    def on_resize(self) -> None:
        self.call_after_refresh(self._recompose_if_changed)

    def shown(self) -> Shown:
        """What compose reads, as values: every active binding, shown or not (the
        command palette's key is drawn though it is not `show`), less those left out
        for the width."""
        left_out = self.spared()
        return tuple(
            (
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                binding.show,
                enabled,
                tooltip,
            )
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.action not in left_out
        )

    async def _recompose_if_changed(self) -> None:
        if not self.is_attached:
            return
        shown = self.shown()
        if shown != self._composed:
            self._composed = shown
            await self.recompose()
