"""The run screen's parts. Each one is handed what to show; none of them reads the run."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rich.text import Span, Text
from textual.widgets import Static

from golive.core.durations import format_duration
from golive.core.hostwatch import HostSnapshot, HostState
from golive.core.runbook import Runbook, Step
from golive.core.state import Status
from golive.core.timeline import Timing
from golive.session.view import StepRow
from golive.tui.shown import visible, visible_text
from golive.tui.table import RowTable

SPARK = "▁▂▃▄▅▆▇█"
MODES = {
    "live": ("● LIVE", "mode-live"),
    "rehearsal": ("◆ REHEARSAL", "mode-rehearsal"),
    "dry-run": ("○ DRY-RUN", "mode-dry"),
}


def sparkline(
    values: tuple[float, ...] | tuple[int, ...], width: int = 10, top: float = 100.0
) -> str:
    recent = values[-width:]
    if not recent:
        return ""
    ceiling = max(top, *recent) or 1
    return "".join(SPARK[min(len(SPARK) - 1, int(v / ceiling * (len(SPARK) - 1)))] for v in recent)


def hhmm(moment: datetime | None) -> str:
    return moment.strftime("%H:%M:%S") if moment else "--:--"


def margin_style(seconds: float | None, warn: float = 1800, alarm: float = 600) -> tuple[str, str]:
    """A style and a text mark: colour is never the only sign (colour-blind safe)."""
    if seconds is None:
        return "", ""
    if seconds < alarm:
        return "bold white on red", "!! "
    if seconds < warn:
        return "bold black on dark_orange", "! "
    return "", ""


class HeaderBar(Static):
    """Where are we, are we late, can we still roll back: the first two lines."""

    _shown_plain = ""
    _shown_spans: list[Span] = []

    def show(
        self,
        title: str,
        mode: str,
        outcome: str | None,
        paused: bool,
        timing: Timing,
        question: str,
    ) -> None:
        label, css = MODES.get(mode, (mode.upper(), "mode-live"))
        for name in ("mode-live", "mode-rehearsal", "mode-dry"):
            self.set_class(name == css, name)
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(f" {label} ", style="reverse bold")
        # The run's end and a pause come first: a narrow terminal cuts the line's end.
        if outcome:
            line.append(f" ■ {outcome.upper().replace('_', ' ')} ", style="bold reverse")
        if paused:
            line.append(" ⏸ PAUSED ", style="bold reverse")
        # Text from the runbook or the run is made visible before it becomes a Text (which
        # would drop a BEL or a CR of it silently, and keep an ESC).
        line.append(f"  {visible(title)}  ", style="bold")
        line.append(f"{hhmm(timing.now)}  ")
        # Amber, then red, as the margin shrinks: relative to the window, so a short
        # rehearsal window is not amber from its first minute.
        window = (
            (timing.window_end - timing.window_start).total_seconds()
            if timing.window_end and timing.window_start
            else 3600.0
        )
        warn, alarm = min(1800.0, window * 0.15), min(600.0, window * 0.05)
        margin = timing.forecast_margin
        if timing.time_left is not None:
            style, mark = margin_style(margin, warn, 0.0001)
            line.append(f"{mark}{timing.window_text}", style=style)  # or "window opens in …"
            line.append("  ")
        style, mark = margin_style(margin, warn, 0.0001)
        forecast = f"{mark}forecast end {hhmm(timing.forecast_end)}"
        if margin is not None:
            forecast += f" ({'+' if margin >= 0 else ''}{format_duration(margin)})"
        line.append(forecast, style=style)
        line.append("  ")
        if timing.rollback_deadline is not None:
            style, mark = margin_style(timing.rollback_margin, warn, alarm)
            line.append(
                f"{mark}rollback by {hhmm(timing.rollback_deadline)} (to {visible(str(timing.rollback_point))})",
                style=style,
            )
        else:
            line.append(f"rollback: {visible(timing.no_rollback_reason)}", style="dim")
        second = Text(
            f" {visible(question)}" if question else " ",
            style="bold" if question else "dim",
            no_wrap=True,
            overflow="ellipsis",
        )
        # Whatever else was appended: control characters as visible escapes, too.
        shown = Text("\n").join([visible_text(line), visible_text(second)])
        if shown.plain != self._shown_plain or shown.spans != self._shown_spans:
            self._shown_plain, self._shown_spans = shown.plain, shown.spans
            self.update(shown, layout=False)  # two lines, always: no layout needed


class StepsTable(RowTable):
    """One row per step, grouped by phase, updated cell by cell."""

    DROP_ORDER = ("owner", "on", "plan")

    # Fixed widths: cells are updated in place, and a column never grows by itself.
    COLUMNS = (
        ("", 2),  # two cells: ⚡ (interrupted) is a wide character
        ("step", 18),
        ("owner", 11),
        ("on", 6),
        ("plan", 5),
        ("actual", 7),
        ("var", 6),
    )

    def setup(self, runbook: Runbook) -> None:
        for name, width in self.COLUMNS:
            self.add_column(name, key=name, width=width)
        siblings: dict[tuple[str, ...], int] = {}
        for step in runbook.steps:
            siblings[step.depends_on] = siblings.get(step.depends_on, 0) + 1
        for phase in runbook.phases:
            self.add_row(
                Text(""),
                Text(f"── {visible(phase)} ──", style="bold"),
                "",
                "",
                "",
                "",
                "",
                key=f"phase:{phase}",
            )
            for step in (s for s in runbook.steps if s.phase == phase):
                parallel = siblings[step.depends_on] > 1 and bool(step.depends_on)
                self.add_row(*self._cells(step, None, parallel), key=step.id)
        self._parallel = {
            s.id for s in runbook.steps if siblings[s.depends_on] > 1 and s.depends_on
        }

    def _cells(self, step: Step, status: Status | None, parallel: bool) -> list[Text | str]:
        marks = ""
        if step.rollback_point:
            marks += " ⤺RP"
        if step.point_of_no_return:
            marks += " ⛔PNR"
        name = Text(("∥ " if parallel else "") + step.id + marks)
        return [
            Text((status or Status.PENDING).icon),
            name,
            step.owner[:11],
            step.on[:10],
            format_duration(step.planned) if step.duration else "-",
            "",
            "",
        ]

    def show(self, runbook: Runbook, rows: Iterable[StepRow]) -> None:
        styles = {
            Status.RUNNING: "bold",
            Status.FAILED: "bold red",
            Status.SUCCEEDED: "green",
            Status.ROLLED_BACK: "magenta",
            Status.INTERRUPTED: "bold yellow",
        }
        for step, t in zip(runbook.steps, rows, strict=True):
            style = styles.get(t.status, "")
            self.update_cell(step.id, "", Text(f"{t.status.icon}", style=style))
            actual = "" if t.actual is None else format_duration(t.actual)
            if t.running:
                actual = f"▶{actual}"
            self.update_cell(step.id, "actual", Text(actual, style=style))
            variance = t.variance
            if variance is None or not step.duration:
                self.update_cell(step.id, "var", "")
            else:
                late = variance > 0
                self.update_cell(
                    step.id,
                    "var",
                    Text(
                        f"{'+' if late else ''}{format_duration(variance)}",
                        style="red" if late and variance > 0.2 * step.planned else "",
                    ),
                )


class HostsTable(RowTable):
    """One row per host: state with age, CPU and memory with sparklines, load, disk, log levels."""

    DROP_ORDER = ("errors", "disk", "load", "wrn/m", "mem")

    COLUMNS = (
        ("host", 12),
        ("state", 12),
        ("cpu", 11),
        ("mem", 11),
        ("load", 5),
        ("disk", 4),
        ("err/m", 5),
        ("wrn/m", 5),
        ("errors", 10),
    )

    def setup(self, hosts: list[str]) -> None:
        for name, width in self.COLUMNS:
            self.add_column(name, key=name, width=width)
        for host in hosts:
            self.add_row(host, "CONNECTING", "", "", "", "", "", "", "", key=host)

    def show(self, snapshots: tuple[HostSnapshot, ...]) -> None:
        for s in snapshots:
            unhappy = bool(s.alerts) or s.state in (HostState.STALE, HostState.DOWN)
            style = "bold red" if unhappy else ""
            age = f" {s.age:.0f}s" if s.age is not None and s.state is not HostState.LIVE else ""
            mark = "! " if unhappy else ""
            m = s.metrics
            cells: dict[str, Text | str] = {
                "host": Text(f"{mark}{visible(s.host)}", style=style),
                "state": Text(f"{s.state.value}{age}", style=style),
                "cpu": Text(
                    f"{m.cpu:3.0f}% {sparkline(s.cpu_history, 6)}"
                    if m and m.cpu is not None
                    else "  --",
                    style="red" if "cpu" in s.alerts else "",
                ),
                "mem": Text(
                    f"{m.mem:3.0f}% {sparkline(s.mem_history, 6)}"
                    if m and m.mem is not None
                    else "  --",
                    style="red" if "mem" in s.alerts else "",
                ),
                "load": f"{m.load1:.2f}" if m and m.load1 is not None else "--",
                "disk": f"{m.disk:.0f}%" if m and m.disk is not None else "--",
                "err/m": Text(str(s.errors_per_min), style="red" if "errors" in s.alerts else ""),
                "wrn/m": str(s.warnings_per_min),
                "errors": sparkline(s.error_history, 10, top=1.0),
            }
            for column, value in cells.items():
                self.update_cell(s.host, column, value)
