"""The steps, grouped by phase: planned against actual, updated cell by cell."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from golive.core.durations import format_duration
from golive.core.runbook import Runbook, Step
from golive.core.state import Status
from golive.session.view import StepRow
from golive.tui.shown import visible
from golive.tui.widgets.row_table import RowTable


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
