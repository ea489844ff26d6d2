"""Every run-screen action in the command palette (ctrl+p), by its key, words and id."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider


class RunActions(Provider):
    """The main screen's bindings (and the app's) as palette commands; the help screen
    lists the same ones. Each runs on the screen that binds it, as its key would."""

    def _actions(self) -> list[tuple[str, str, Callable[[], object]]]:
        app = self.app
        main = app.screen_stack[0]  # the run screen or the review, under the palette
        found: list[tuple[str, str, Callable[[], object]]] = []
        for owner in (main, app):
            for binding in getattr(owner, "BINDINGS", []):
                if isinstance(binding, Binding) and binding.id:
                    key = binding.key_display or binding.key.split(",")[0]
                    text = f"{binding.description} [{key}]"
                    run = partial(app.run_action, binding.action, owner)
                    found.append((text, binding.id, partial(app.call_later, run)))
        return found

    async def discover(self) -> Hits:
        for text, binding_id, command in self._actions():
            yield DiscoveryHit(text, command, help=binding_id)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, binding_id, command in self._actions():
            score = matcher.match(f"{text} {binding_id}")
            if score > 0:
                yield Hit(score, matcher.highlight(text), command, help=binding_id)
