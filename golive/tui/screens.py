"""Modal screens: every dangerous action says what will happen before it happens.

Their text is never markup: key hints such as "[y]" must show as written, and a
step's command, a reason or a log line with brackets ("[/var/log]") must not
break the screen. Their control characters are shown as visible escapes: a dialog
built from a runbook's instructions or a host's error lines never sends an ESC to
the terminal.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from golive.core.hostwatch import HostSnapshot
from golive.tui.shown import visible
from golive.tui.widgets import sparkline


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question that states the consequence."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self._title, self._body = visible(title), visible(body, newlines=True)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title", markup=False)
            yield Static(self._body, classes="dialog-body", markup=False)
            yield Label("[y] yes, do it    [n] no", classes="dialog-keys", markup=False)

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


class TextScreen(ModalScreen[str | None]):
    """A line of text: a note, a reason, a name. Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="text.cancel")]

    def __init__(self, title: str, prompt: str, required: bool = False, value: str = "") -> None:
        super().__init__()
        self._title, self._prompt = visible(title), visible(prompt)
        self._required, self._value = required, visible(value)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title", markup=False)
            yield Label(self._prompt, markup=False)
            yield Input(value=self._value, id="text")
            yield Label(
                "[enter] ok    [esc] cancel" + ("    (required)" if self._required else ""),
                classes="dialog-keys",
                id="text-hint",
                markup=False,
            )

    def on_input_submitted(self, message: Input.Submitted) -> None:
        text = message.value.strip()
        if self._required and not text:
            self.query_one("#text-hint", Label).update(
                "a reason is required: the review will ask    [esc] cancel"
            )
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceScreen(ModalScreen[str | None]):
    """One of a few answers, each on its own key."""

    BINDINGS = [Binding("escape", "choose('')", "Cancel", id="choice.cancel")]

    def __init__(self, title: str, body: str, choices: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self._title, self._body = visible(title), visible(body, newlines=True)
        self._choices = [(key, visible(label), value) for key, label, value in choices]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title", markup=False)
            if self._body:
                yield Static(self._body, classes="dialog-body", markup=False)
            for key, label, _ in self._choices:
                yield Label(f"[{key}] {label}", markup=False)
            yield Label("[esc] cancel", classes="dialog-keys", markup=False)

    def on_key(self, event: object) -> None:
        key = getattr(event, "key", "")
        for choice_key, _, value in self._choices:
            if key == choice_key:
                self.dismiss(value)
                getattr(event, "stop", lambda: None)()
                return

    def action_choose(self, value: str) -> None:
        self.dismiss(value or None)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,h,q", "close", "Close", id="help.close")]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self._rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help"):
            yield Label("golive keys", classes="dialog-title")
            for key, description, binding_id in self._rows:
                yield Label(f"  {key:<8} {description:<36} {binding_id}", markup=False)
            yield Static(
                "\nThe run moves by itself: ready steps start as soon as their dependencies are done.\n"
                "Manual steps and gates wait for you (the second line of the header says what is asked).\n"
                "Rollback, skip and passing the point of no return ask you to confirm first.\n"
                "Every decision is written to the journal before the screen shows it.",
                classes="dialog-body",
                markup=False,
            )
            yield Label(
                "[esc] close    ctrl+p: command palette", classes="dialog-keys", markup=False
            )

    def action_close(self) -> None:
        self.dismiss(None)


class HostScreen(ModalScreen[None]):
    """A host's last error lines and metric history."""

    BINDINGS = [Binding("escape,enter,q", "close", "Close", id="host.close")]

    def __init__(self, snapshot: HostSnapshot) -> None:
        super().__init__()
        self._snapshot = snapshot

    def compose(self) -> ComposeResult:
        s = self._snapshot
        with Vertical(classes="dialog"):
            yield Label(
                visible(f"{s.host}: {s.state.value} {s.reason}"),
                classes="dialog-title",
                markup=False,
            )
            yield Label(f"cpu  {sparkline(s.cpu_history, 60)}")
            yield Label(f"mem  {sparkline(s.mem_history, 60)}")
            yield Label(f"err/min, last 30 minutes  {sparkline(s.error_history, 30, top=1.0)}")
            levels = visible(f"levels this minute: {s.levels_this_minute or 'none'}")
            yield Label(levels, markup=False)
            yield Label("last error lines:")
            for line in s.last_errors[-12:] or ("(none)",):
                yield Label(visible(f"  {line[:150]}"), markup=False)
            yield Label("[esc] close", classes="dialog-keys", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
