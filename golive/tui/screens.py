"""Modal screens: every dangerous action says what will happen before it happens.

Their text is never markup: key hints such as "[y]" must show as written, and a
step's command, a reason or a log line with brackets ("[/var/log]") must not
break the screen. Their control characters are shown as visible escapes: a dialog
built from a runbook's instructions or a host's error lines never sends an ESC to
the terminal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from golive.core.hostwatch import HostSnapshot, HostState
from golive.tui.event_text import levels_text
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


RUN_HELP = """
The run moves by itself: ready steps start as soon as their dependencies are done.
Manual steps and gates wait for you (the second line of the header says what is asked).
Rollback, skip and passing the point of no return ask you to confirm first.
Every decision is written to the journal before the screen shows it."""


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

    def __init__(
        self, bindings: Iterable[BindingType], title: str = "golive keys", text: str = RUN_HELP
    ) -> None:
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


SPARK_WIDTH = 30  # samples (CPU, memory) or minutes (errors) in the host detail's sparklines


def host_title(s: HostSnapshot) -> str:
    """The host detail's title: "app2: STALE, last sample 47s ago (no sample for 47s)"."""
    age = s.age
    old = (
        f", last sample {age:.0f}s ago" if age is not None and s.state is not HostState.LIVE else ""
    )
    return f"{s.host}: {s.state.value}{old}" + (f" ({s.reason})" if s.reason else "")


def host_lines(s: HostSnapshot) -> list[str]:
    """A host's figures: each sparkline with the value now and its lowest and highest,
    then load, disk and the log messages of this minute."""
    m = s.metrics

    def percent(value: float | None) -> str:
        return "--" if value is None else f"{value:.0f}%"

    def row(name: str, spark: str, now: str, low: str, high: str) -> str:
        return f"{name:<11} {spark:>{SPARK_WIDTH}}  {now:>5} {low:>5} {high:>5}"

    cpu, mem = s.cpu_history[-SPARK_WIDTH:], s.mem_history[-SPARK_WIDTH:]
    errors = s.error_history[-SPARK_WIDTH:]
    lines = [row("", f"last {SPARK_WIDTH} samples; errors {SPARK_WIDTH} min", "now", "min", "max")]
    for name, values, now in (
        ("CPU", cpu, m.cpu if m else None),
        ("memory", mem, m.mem if m else None),
    ):
        low, high = (min(values), max(values)) if values else (None, None)
        lines.append(
            row(name, sparkline(values, SPARK_WIDTH), percent(now), percent(low), percent(high))
        )
    lines.append(
        row(
            "errors/min",
            sparkline(errors, SPARK_WIDTH, top=1.0),
            str(s.errors_per_min),
            str(min(errors)) if errors else "--",
            str(max(errors)) if errors else "--",
        )
    )
    load = f"{m.load1:.2f}" if m and m.load1 is not None else "--"
    lines.append(
        f"load {load} · disk {percent(m.disk if m else None)} · warnings {s.warnings_per_min}/min"
    )
    lines.append(f"log messages this minute: {levels_text(s.levels_this_minute)}")
    return lines


class HostScreen(ModalScreen[None]):
    """A host's figures with their history, and its last error lines."""

    BINDINGS = [Binding("escape,enter,q", "close", "Close", id="host.close")]

    def __init__(self, snapshot: HostSnapshot) -> None:
        super().__init__()
        self._snapshot = snapshot

    def compose(self) -> ComposeResult:
        s = self._snapshot
        # It scrolls when twelve long error lines do not fit (at 80x24).
        with VerticalScroll(classes="dialog"):
            yield Label(visible(host_title(s)), classes="dialog-title", markup=False)
            for line in host_lines(s):
                yield Label(visible(line), markup=False)
            yield Label("last error lines:")
            for line in s.last_errors[-12:] or ("(none)",):
                yield Label(visible(f"  {line[:150]}"), markup=False)
            yield Label("esc close", classes="dialog-keys", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
