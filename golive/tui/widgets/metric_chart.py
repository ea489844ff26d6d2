"""The review's per-host metric rows on the timeline's axis."""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left

from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from golive.core.record import RunRecord
from golive.core.runbook import Runbook
from golive.tui.shown import visible
from golive.tui.sparkline import SPARK
from golive.tui.widgets.drawing import (
    LABEL,
    STYLE,
    TimeAxis,
    cells_strip,
    text_strip,
)
from golive.tui.widgets.line_list import TimeAxisList

METRICS = ("cpu", "mem", "err")


class MetricChart(TimeAxisList):
    """CPU %, memory % and errors per minute per host, one row each, on the timeline's axis.
    Each column shows the highest sample in its time span; ┃ marks where a step started."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[tuple[str, str]] = []  # (host, metric)
        self.message = "reading the metrics…"
        self.cpu_warn, self.mem_warn = 85.0, 90.0
        self._boundaries: dict[int, str] = {}
        self._error_top = 1.0

    def setup(self, record: RunRecord, runbook: Runbook | None, view: tuple[float, float]) -> None:
        self.record, self.view = record, view
        if runbook is not None:
            self.cpu_warn, self.mem_warn = runbook.monitor.cpu_warn, runbook.monitor.mem_warn
        self.set_row_count(1)

    def show_hosts(self, hosts: list[str], metrics: tuple[str, ...]) -> None:
        """Rows for these hosts and metrics (once the samples are in)."""
        assert self.record is not None
        with_samples = [h for h in hosts if h in self.record.hosts and len(self.record.hosts[h].m)]
        self.rows = [(h, metric) for h in with_samples for metric in metrics]
        peaks = [self.record.hosts[h].peak_errors for h in with_samples]
        self._error_top = max([1.0, *peaks])
        self.message = "" if self.rows else "no samples in this journal (no host was monitored)"
        self.set_row_count(max(1, len(self.rows)))

    def redraw(self) -> None:
        self._boundaries = {}
        super().redraw()

    def host_at_cursor(self) -> str | None:
        return self.rows[self.cursor_row][0] if self.rows else None

    def _step_columns(self, axis: TimeAxis) -> dict[int, str]:
        if not self._boundaries and self.record is not None:
            for step in self.record.steps:
                for attempt in step.attempts:
                    c = axis.col(attempt.start_m)
                    if 0 <= c < axis.width:
                        self._boundaries[c] = "↶" if attempt.action == "rollback" else "┃"
        return self._boundaries

    def render_header(self, width: int) -> Strip:
        axis = self.axis()
        cells: list[tuple[str, Style | None]] = [(" ", None)] * axis.width
        for c, glyph in self._step_columns(axis).items():
            cells[c] = (glyph, STYLE["undo"] if glyph == "↶" else STYLE["label"])
        return Strip.join([text_strip(Text("┃ step starts", style="dim"), LABEL, self.rich_style,
                                      self.app.console), cells_strip(cells, self.rich_style)])  # fmt: skip

    def render_row(self, index: int, width: int) -> Strip:
        if not self.rows or self.record is None:
            return text_strip(Text(f"  {self.message}", style="dim italic"), width,
                              self.rich_style, self.app.console)  # fmt: skip
        host, metric = self.rows[index]
        series = self.record.hosts[host]
        axis = self.axis()
        values = {"cpu": series.cpu, "mem": series.mem, "err": series.errors}[metric]
        interval = (series.m[-1] - series.m[0]) / (len(series.m) - 1) if len(series.m) > 1 else 2.0
        peaks = column_peaks(series.m, values, axis, fill=2.5 * interval)
        top = 100.0 if metric != "err" else self._error_top
        warn = {"cpu": self.cpu_warn, "mem": self.mem_warn, "err": math.inf}[metric]
        boundaries = self._step_columns(axis)
        cells: list[tuple[str, Style | None]] = []
        for c, value in enumerate(peaks):
            boundary = STYLE["boundary"] if c in boundaries else None
            if value is None:
                cells.append((" ", boundary))
                continue
            level = 0 if value <= 0 else min(7, 1 + int(value / top * 6.99))
            hot = value >= warn or (metric == "err" and value > 0)
            style = STYLE["late"] if hot else None
            if boundary is not None:
                style = boundary + style if style else boundary
            cells.append((SPARK[level], style))
        first = index == 0 or self.rows[index - 1][0] != host
        name = visible(host)[:9] if first else ""
        label = Text(f"{name:<9} {metric:>3} ", style="bold" if first else "")
        return Strip.join([text_strip(label, LABEL, self.rich_style, self.app.console),
                           cells_strip(cells, self.rich_style)])  # fmt: skip


def column_peaks(
    m: array[float], values: array[float], axis: TimeAxis, fill: float
) -> list[float | None]:
    """The highest value in each column's time span (samples sorted by time). A column
    with no sample repeats the last one if that is at most `fill` seconds old, so a
    zoomed-in chart has no holes between samples; NaN (no value) stays a hole."""
    out: list[float | None] = []
    lo = bisect_left(m, axis.start)
    last_m, last_v = (m[lo - 1], values[lo - 1]) if lo > 0 else (-math.inf, math.nan)
    for c in range(axis.width):
        hi = bisect_left(m, axis.at(c + 1), lo)
        if hi > lo:
            chunk = values[lo:hi]
            peak = max(chunk)
            if peak != peak:  # max() keeps a leading NaN: look at the rest
                peak = max((v for v in chunk if v == v), default=math.nan)
            out.append(peak if peak == peak else None)
            last_m, last_v, lo = m[hi - 1], values[hi - 1], hi
        elif axis.at(c) - last_m <= fill and last_v == last_v:
            out.append(last_v)
        else:
            out.append(None)
    return out
