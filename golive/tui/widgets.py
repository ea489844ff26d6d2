"""The run screen's parts. Each one is handed what to show; none of them reads the run."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rich.cells import cell_len
from rich.text import Span, Text
from textual.widgets import Static

from golive.core.durations import format_duration
from golive.core.hostwatch import HostSnapshot, HostState
from golive.core.runbook import Runbook, Step
from golive.core.state import Status
from golive.core.timeline import Timing
from golive.session.view import StepRow
from golive.tui.header import Part, fit, header_parts
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


class HeaderBar(Static):
    """Where are we, are we late, can we still roll back (line 1, fitted to the width by
    header.fit), and what is asked of the operator (line 2, wrapped, never cut)."""

    _parts: list[Part] = []
    _question = ""
    _below = ""  # a third line (a dialog's header: the fleet)
    _shown: tuple[str, list[Span], str] | None = None

    def show(
        self,
        title: str,
        mode: str,
        outcome: str | None,
        paused: bool,
        timing: Timing,
        question: str,
        where: str = "",
        no_rollback: str = "",
    ) -> None:
        css = MODES.get(mode, (mode.upper(), "mode-live"))[1]
        for name in ("mode-live", "mode-rehearsal", "mode-dry"):
            self.set_class(name == css, name)
        self._parts = header_parts(
            mode, outcome, paused, title, timing, where, no_rollback or timing.no_rollback_reason
        )
        self._question = question
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        if not self._parts:
            return
        # Text from the runbook or the run is made visible before it becomes a Text (which
        # would drop a BEL or a CR of it silently, and keep an ESC).
        first = visible_text(fit(self._parts, self.size.width or 80))
        question = f" {visible(self._question)}" if self._question else " "
        if self._below:
            question += "\n " + visible(self._below)
        shown = (first.plain, first.spans, question)
        if shown == self._shown:
            return
        lines_before = self._lines(self._shown[2]) if self._shown else 0
        self._shown = shown
        second = Text(question, style="bold" if self._question else "dim")
        # One Text: line 1 is cut to the width already, so only the question wraps. One
        # line more or fewer for the question is a new layout; else only a redraw.
        shown_text = Text("\n").join([first, second])
        self.update(shown_text, layout=self._lines(question) != lines_before)

    def _lines(self, question: str) -> int:
        width = max(self.size.width, 1)
        return max(1, -(-cell_len(question) // width))


class DialogHeader(HeaderBar):
    """The run's header on top of a dialog, and a line for the hosts: what the operator
    decides is shown with the deadline, the forecast and the fleet it is decided against."""

    def show_hosts(self, line: str) -> None:
        if line != self._below:
            self._below = line
            self._draw()


class StepsTable(RowTable):
    """One row per step, grouped by phase, updated cell by cell."""

    DROP_ORDER = ("owner", "on", "plan")

    # Fixed widths: cells are updated in place, and a column never grows by itself.
    COLUMNS = (
        ("", 2),  # the status icon, and a cell of air before the id
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
            marks += " ⊘PNR"
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


def state_label(s: HostSnapshot, width: int) -> str:
    """A host's state with the age of its figures ("STALE 47s") when both fit in the
    state column's `width`; else the state alone, whole ("RECONNECTING", never cut: the
    host detail says how old its figures are). A LIVE host's figures are fresh."""
    age = f" {s.age:.0f}s" if s.age is not None and s.state is not HostState.LIVE else ""
    word = s.state.value
    return word + age if len(word + age) <= width else word


class HostsTable(RowTable):
    """One row per host: state with age, CPU and memory with sparklines, load, disk, log levels."""

    # A narrow terminal loses the pictures before any figure, and never state, cpu, mem
    # or errors per minute (the columns without a heading hold the sparklines).
    DROP_ORDER = ("errors", "disk", "load", "mem~", "cpu~", "wrn/m")

    COLUMNS = (
        ("host", 12),
        ("state", 12),  # RECONNECTING
        ("cpu", 4),
        ("cpu~", 6),
        ("mem", 4),
        ("mem~", 6),
        ("load", 5),
        ("disk", 4),
        ("err/m", 5),
        ("wrn/m", 5),
        ("errors", 10),
    )

    def setup(self, hosts: list[str]) -> None:
        for name, width in self.COLUMNS:
            # A sparkline's column has no heading: it belongs to the figure before it.
            self.add_column("" if name.endswith("~") else name, key=name, width=width)
        blank = [""] * (len(self.COLUMNS) - 2)
        for host in hosts:
            self.add_row(host, "CONNECTING", *blank, key=host)

    def show(self, snapshots: tuple[HostSnapshot, ...]) -> None:
        for s in snapshots:
            unhappy = bool(s.alerts) or s.state in (HostState.STALE, HostState.DOWN)
            style = "bold red" if unhappy else ""
            mark = "! " if unhappy else ""
            m = s.metrics
            cells: dict[str, Text | str] = {
                "host": Text(f"{mark}{visible(s.host)}", style=style),
                "state": Text(state_label(s, dict(self.COLUMNS)["state"]), style=style),
                "cpu": Text(
                    f"{m.cpu:3.0f}%" if m and m.cpu is not None else "  --",
                    style="red" if "cpu" in s.alerts else "",
                ),
                "cpu~": sparkline(s.cpu_history, 6),
                "mem": Text(
                    f"{m.mem:3.0f}%" if m and m.mem is not None else "  --",
                    style="red" if "mem" in s.alerts else "",
                ),
                "mem~": sparkline(s.mem_history, 6),
                "load": f"{m.load1:.2f}" if m and m.load1 is not None else "--",
                "disk": f"{m.disk:.0f}%" if m and m.disk is not None else "--",
                "err/m": Text(str(s.errors_per_min), style="red" if "errors" in s.alerts else ""),
                "wrn/m": str(s.warnings_per_min),
                "errors": sparkline(s.error_history, 10, top=1.0),
            }
            for column, value in cells.items():
                self.update_cell(s.host, column, value)
