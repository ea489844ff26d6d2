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
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Log, Static

from golive.core.hostwatch import HostSnapshot, HostState
from golive.tui.event_text import levels_text
from golive.tui.shown import visible
from golive.tui.sparkline import sparkline


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


class OutputScreen(ModalScreen[None]):
    """Every line a step printed, attempt by attempt, as the journal recorded it."""

    BINDINGS = [Binding("escape,q,o", "close", "Close", id="output.close")]

    def __init__(self, title: str, lines: list[str]) -> None:
        super().__init__()
        # What hosts printed, as the journal kept it: control characters shown, never obeyed.
        self._title, self._lines = visible(title), [visible(line, newlines=True) for line in lines]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog output"):
            yield Label(self._title, classes="dialog-title", markup=False)
            yield Log(id="step-output", auto_scroll=False)
            yield Label("[esc] close", classes="dialog-keys", markup=False)

    def on_mount(self) -> None:
        self.query_one(Log).write_lines(self._lines or ["(this step printed nothing)"])
        self.query_one(Log).scroll_home(animate=False)

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
