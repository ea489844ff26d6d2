"""A Footer that is rebuilt only when what it shows changes.

Textual's Footer recomposes on every bindings change of its screen, which includes each
return from a dialog: a dozen new key widgets, each styled from scratch, about 40 ms on
this 2-core machine, while the operator waits for the run screen to come back. Its keys
are the same almost every time, so the rebuild is skipped when they are.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer

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

    def shown(self) -> Shown:
        """What compose reads, as values: every active binding, shown or not (the
        command palette's key is drawn though it is not `show`)."""
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
        )

    async def _recompose_if_changed(self) -> None:
        if not self.is_attached:
            return
        shown = self.shown()
        if shown != self._composed:
            self._composed = shown
            await self.recompose()
