"""The review's Gantt: planned against actual for every step, with the forecast, rollback
and moments tracks."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from golive.core.durations import format_duration
from golive.core.record import ForecastPoint, RunRecord, StepRecord
from golive.core.runbook import Runbook
from golive.core.state import Status
from golive.tui.shown import visible
from golive.tui.sparkline import SPARK
from golive.tui.widgets.drawing import (
    LABEL,
    STYLE,
    TimeAxis,
    cells_strip,
    planned_starts,
    put,
    text_strip,
)
from golive.tui.widgets.line_list import TimeAxisList


@dataclass(frozen=True)
class TimelineRow:
    kind: str  # "track", "phase" or "step"
    key: str


class Timeline(TimeAxisList):
    """Planned against actual for every step, grouped by phase, under three tracks: how the
    forecast end moved, whether a rollback still fitted, and the run's moments."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.plan: dict[str, float] = {}
        self.rows: list[TimelineRow] = []
        self.cursor_m = 0.0
        self._moment_groups: list[tuple[str, Style, list[float]]] = []

    def setup(self, record: RunRecord, runbook: Runbook | None, view: tuple[float, float]) -> None:
        self.record, self.view = record, view
        self.plan = planned_starts(runbook) if runbook is not None else {}
        self._moment_groups = moment_groups(record)
        self.rows = [TimelineRow("track", t) for t in ("forecast", "rollback", "events")]
        phases = [p.name for p in record.phases] or sorted({s.phase for s in record.steps})
        for phase in phases:
            self.rows.append(TimelineRow("phase", phase))
            self.rows += [TimelineRow("step", s.id) for s in record.steps if s.phase == phase]
        self.set_row_count(len(self.rows))

    def set_cursor(self, m: float) -> None:
        self.cursor_m = m
        self.set_time_col(self.axis().col(m))
        self.refresh_line(0)

    def row_of(self, step_id: str) -> int | None:
        return next(
            (i for i, r in enumerate(self.rows) if r.key == step_id and r.kind == "step"), None
        )

    def selected_step(self) -> str | None:
        if not self.rows:
            return None
        row = self.rows[self.cursor_row]
        return row.key if row.kind == "step" else None

    # -- drawing ----------------------------------------------------------------------
    def render_header(self, width: int) -> Strip:
        axis = self.axis()
        cells: list[tuple[str, Style | None]] = [(" ", None)] * axis.width
        for col, label in axis.ticks():
            put(cells, col, "╵" + label, STYLE["plan"])
        off_right: list[tuple[str, Style]] = []
        for letter, m, style in self._markers():
            col = axis.col(m)
            if 0 <= col < axis.width:
                put(cells, col, letter, style)
            elif col >= axis.width:
                off_right.append((letter, style))
        if off_right:
            put(cells, axis.width - len(off_right) - 1, "→", STYLE["plan"])
            for i, (letter, style) in enumerate(off_right):
                put(cells, axis.width - len(off_right) + i, letter, style)
        legend = Text("─plan █actual ", style="dim")
        return Strip.join([text_strip(legend, LABEL, self.rich_style, self.app.console),
                           cells_strip(cells, self.rich_style)])  # fmt: skip

    def _markers(self) -> list[tuple[str, float, Style]]:
        """W: the window's end; F: the forecast end and R: the rollback deadline, as they
        stood at the time cursor."""
        r = self.record
        if r is None or r.started is None:
            return []
        found: list[tuple[str, float, Style]] = []
        if r.window_end is not None:
            found.append(("W", (r.window_end - r.started).total_seconds(), STYLE["window"]))
        point = forecast_at(r, self.cursor_m)
        if point is not None:
            found.append(("F", (point.forecast_end - r.started).total_seconds(), STYLE["forecast"]))
            if point.rollback_deadline is not None:
                deadline = (point.rollback_deadline - r.started).total_seconds()
                found.append(("R", deadline, STYLE["deadline"]))
        return found

    def render_row(self, index: int, width: int) -> Strip:
        assert self.record is not None
        row, axis = self.rows[index], self.axis()
        cells: list[tuple[str, Style | None]] = [(" ", None)] * axis.width
        if row.kind == "track":
            label = Text(f"  {row.key}", style="italic")
            {"forecast": self._forecast, "rollback": self._rollback, "events": self._moments}[
                row.key
            ](cells, axis)
        elif row.kind == "phase":
            label = Text(f"▸ {visible(row.key)}", style="bold")
            self._phase(cells, axis, row.key)
        else:
            step = self.record.step(row.key)
            status = Status(step.status) if step.status in Status._value2member_map_ else None
            label = Text(f"{status.icon if status else '?'} {visible(step.id)}")
            self._step(cells, axis, step)
        return Strip.join([text_strip(label, LABEL, self.rich_style, self.app.console),
                           cells_strip(cells, self.rich_style)])  # fmt: skip

    def _step(
        self, cells: list[tuple[str, Style | None]], axis: TimeAxis, step: StepRecord
    ) -> None:
        assert self.record is not None
        if step.id in self.plan and step.planned:
            start = self.plan[step.id]
            for c in axis.cols(start, start + step.planned):
                cells[c] = ("─", STYLE["plan"])
        # Attempts in time order. At a coarse zoom a failure, its undo and the next attempt
        # can fall in one column: each takes the next free one instead, so none is hidden.
        taken: set[int] = set()
        for attempt in sorted(step.attempts, key=lambda a: a.start_m):
            span = axis.cols(attempt.start_m, self._end(attempt.end_m))
            free = [c for c in span if c not in taken]
            if not free and span:
                free = [
                    c for c in range(span[-1] + 1, min(axis.width, span[-1] + 3)) if c not in taken
                ][:1]
            if not free:
                continue
            taken.update(free)
            if attempt.action == "rollback":
                for c in free:
                    cells[c] = ("▒", STYLE["undo"])
                cells[free[0]] = ("↶", STYLE["undo"])
                continue
            style, last = {
                "failed": (STYLE["failed"], "✘"),
                "interrupted": (STYLE["interrupted"], "↯"),
                "running": (STYLE["running"], "▶"),
            }.get(attempt.status, (STYLE["ok"], "█"))
            for c in free:
                cells[c] = ("█", style)
            cells[free[-1]] = (last, style)

    def _end(self, end_m: float | None) -> float:
        """An attempt still open when the journal ends runs to its end."""
        assert self.record is not None
        return end_m if end_m is not None else self.record.ended_m

    def _phase(self, cells: list[tuple[str, Style | None]], axis: TimeAxis, name: str) -> None:
        assert self.record is not None
        members = [s for s in self.record.steps if s.phase == name]
        planned = [
            (self.plan[s.id], self.plan[s.id] + s.planned) for s in members if s.id in self.plan
        ]
        if planned:
            for c in axis.cols(min(a for a, _ in planned), max(b for _, b in planned)):
                cells[c] = ("─", STYLE["plan"])
        phase = next((p for p in self.record.phases if p.name == name), None)
        if phase is None or phase.start_m is None or phase.end_m is None:
            return
        span = axis.cols(phase.start_m, phase.end_m)
        for c in span:
            cells[c] = ("━", STYLE["label"])
        if phase.drift is not None:
            after = max(axis.col(phase.end_m), *(axis.col(b) for _, b in planned)) + 2
            drift = ("+" if phase.drift > 0 else "") + format_duration(phase.drift)
            put(cells, max(0, after), drift, STYLE["late"] if phase.drift > 0 else STYLE["early"])

    def _columns_in_run(self, axis: TimeAxis) -> range:
        assert self.record is not None
        return axis.cols(max(0.0, axis.start), self.record.ended_m)

    def _forecast(self, cells: list[tuple[str, Style | None]], axis: TimeAxis) -> None:
        """How late the forecast end stood against the first forecast: higher is later."""
        r = self.record
        assert r is not None
        if not r.forecasts:
            return
        first = r.forecasts[0].forecast_end
        lateness = [(p.forecast_end - first).total_seconds() for p in r.forecasts]
        worst = max(max(lateness), 1.0)
        times = [p.m for p in r.forecasts]
        for c in self._columns_in_run(axis):
            at = bisect_right(times, min(axis.at(c + 1), r.ended_m)) - 1
            if at < 0:
                continue
            late = lateness[at]
            if late > 1.0:
                cells[c] = (SPARK[min(7, 1 + int(late / worst * 6.99))], STYLE["late"])
            elif late < -1.0:
                cells[c] = ("∙", STYLE["early"])
            else:
                cells[c] = ("─", STYLE["plan"])

    def _rollback(self, cells: list[tuple[str, Style | None]], axis: TimeAxis) -> None:
        """┈ a rollback still fitted the window; ! it no longer did; ↶ a rollback ran."""
        r = self.record
        assert r is not None
        times = [p.m for p in r.forecasts]
        for c in self._columns_in_run(axis):
            at = bisect_right(times, min(axis.at(c + 1), r.ended_m)) - 1
            point = r.forecasts[at] if at >= 0 else None
            if point is None or point.rollback_deadline is None or r.started is None:
                continue
            deadline = (point.rollback_deadline - r.started).total_seconds()
            cells[c] = ("┈", STYLE["fits"]) if axis.at(c) <= deadline else ("!", STYLE["too-late"])
        for rollback in r.rollbacks:
            end = rollback.end_m if rollback.end_m is not None else r.ended_m
            for c in axis.cols(rollback.start_m, end):
                cells[c] = ("↶", STYLE["undo"])

    def _moments(self, cells: list[tuple[str, Style | None]], axis: TimeAxis) -> None:
        """⚠ alert raised, ⚑ decision, ✎ note, ⟳ resumed, ● host state, ✓ alert cleared:
        where several fall in one column, the first of these wins (drawn last)."""
        start, per_col, width = axis.start, 1 / axis.step, axis.width
        for glyph, style, times in self._moment_groups:
            for m in times:  # a long night has tens of thousands of alerts: kept tight
                c = int((m - start) * per_col)
                if 0 <= c < width and m >= start:
                    cells[c] = (glyph, style)


def moment_groups(record: RunRecord) -> list[tuple[str, Style, list[float]]]:
    """The moments' times by glyph, the least important glyph first."""
    groups: dict[tuple[int, str, Style], list[float]] = {}
    for moment in record.moments:
        key = moment_glyph(moment.kind, moment.fields.get("status"), moment.text)
        groups.setdefault(key, []).append(moment.m)
    return [
        (glyph, style, times)
        for (_, glyph, style), times in sorted(groups.items(), key=lambda g: g[0][0])
    ]


def moment_glyph(kind: str, status: object, text: str) -> tuple[int, str, Style]:
    if kind == "alert":
        return (6, "⚠", STYLE["alert"]) if status == "raised" else (1, "✓", STYLE["cleared"])
    if kind == "decision":
        return 5, "⚑", STYLE["decision"]
    if kind == "note":
        return 4, "✎", STYLE["note"]
    if kind == "session":
        return 3, "⟳", STYLE["interrupted"]
    unhappy = any(word in text for word in ("DOWN", "STALE"))
    return (2, "●", STYLE["alert"]) if unhappy else (0, "●", STYLE["host"])


def forecast_at(record: RunRecord, m: float) -> ForecastPoint | None:
    """The forecast end and rollback deadline as they stood at offset m."""
    times = [p.m for p in record.forecasts]
    at = bisect_right(times, m) - 1
    return record.forecasts[at] if at >= 0 else None
