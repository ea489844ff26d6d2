"""The hosts: state with age, CPU and memory with sparklines, load, disk, log levels."""

from __future__ import annotations

from rich.text import Text

from golive.core.hostwatch import HostSnapshot, HostState
from golive.tui.shown import visible
from golive.tui.sparkline import sparkline
from golive.tui.widgets.row_table import RowTable


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
