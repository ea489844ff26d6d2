"""The review's drawings: a Gantt of planned against actual, and per-host metric rows on
the same time axis. Both are drawn line by line (Textual's Line API): a row is built once
per zoom or width and cached; the time cursor is laid over it as it is painted."""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from golive.core.durations import format_duration
from golive.core.engine import Engine
from golive.core.record import ForecastPoint, RunRecord, StepRecord
from golive.core.runbook import Runbook
from golive.core.state import Status
from golive.tui.shown import visible, visible_text

LABEL = 14  # columns of row labels: the timeline and the charts share it, so their axes line up
SPARK = "▁▂▃▄▅▆▇█"
NICE_STEPS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400)
STYLE = {
    name: Style.parse(spec)
    for name, spec in {
        "plan": "dim",
        "ok": "green",
        "failed": "bold red",
        "interrupted": "bold yellow",
        "running": "bold",
        "undo": "bold magenta",
        "late": "red",
        "early": "green",
        "fits": "dim green",
        "too-late": "bold red",
        "alert": "bold red",
        "cleared": "green",
        "decision": "bold yellow",
        "note": "bold cyan",
        "host": "dim",
        "forecast": "bold yellow",
        "deadline": "bold magenta",
        "window": "bold cyan",
        "boundary": "on grey23",
        "label": "bold",
        "cursor": "reverse",
    }.items()
}
_FINISHED_OK = ("succeeded", "confirm", "go", "mark-done")


@dataclass(frozen=True)
class TimeAxis:
    """Run offsets (seconds since the run started) from `start` to `end` over `width` columns."""

    start: float
    end: float
    width: int

    @property
    def step(self) -> float:
        return (self.end - self.start) / max(1, self.width)

    def col(self, m: float) -> int:
        return math.floor((m - self.start) / self.step) if self.step > 0 else 0

    def at(self, col: float) -> float:
        return self.start + col * self.step

    def cols(self, a: float, b: float) -> range:
        """The columns from offset a to b, at least one, clipped to the axis."""
        first, last = self.col(a), max(self.col(a) + 1, math.ceil((b - self.start) / self.step))
        return range(max(0, first), min(self.width, last))

    def ticks(self) -> list[tuple[int, str]]:
        spacing = next((s for s in NICE_STEPS if s / self.step >= 10), NICE_STEPS[-1])
        first = math.ceil(self.start / spacing) * spacing
        count = int((self.end - first) / spacing) + 1
        marks = [first + i * spacing for i in range(max(0, count))]
        return [
            (self.col(t), offset_label(t, spacing)) for t in marks if 0 <= self.col(t) < self.width
        ]


def offset_label(seconds: float, spacing: float = 1.0) -> str:
    if spacing < 1:
        return f"{seconds:.1f}s"
    return format_duration(seconds)


def planned_starts(runbook: Runbook) -> dict[str, float]:
    """Each step's earliest start in the plan (seconds after the run starts), its
    dependencies taking their planned time: the baseline the actual bars are set against."""
    engine = Engine(runbook)
    starts: dict[str, float] = {}
    for step_id in engine.order:
        deps = engine.deps.get(step_id, ())
        starts[step_id] = max((starts[d] + runbook.step(d).planned for d in deps), default=0.0)
    return starts


def cells_strip(cells: list[tuple[str, Style | None]], base: Style) -> Strip:
    """One line from (character, style) cells, runs of one style joined into one segment."""
    segments: list[Segment] = []
    run: list[str] = []
    current: Style | None = None
    for char, style in cells:
        if style is not current and run:
            segments.append(Segment("".join(run), base + current if current else base))
            run = []
        current = style
        run.append(char)
    if run:
        segments.append(Segment("".join(run), base + current if current else base))
    return Strip(segments, len(cells))


def text_strip(text: Text, width: int, base: Style, console: object) -> Strip:
    """One line of `text`; its control characters (a step id, a host name or an event
    from the journal) shown as visible escapes."""
    text = visible_text(text).copy()
    text.truncate(width, overflow="ellipsis", pad=True)
    segments = Segment.apply_style(text.render(console), base)  # type: ignore[arg-type]
    return Strip(segments, width)


def put(cells: list[tuple[str, Style | None]], col: int, text: str, style: Style | None) -> None:
    for i, char in enumerate(text):
        if 0 <= col + i < len(cells):
            cells[col + i] = (char, style)


class LineList(ScrollView, can_focus=True):
    """Rows under one fixed header line, a row cursor, drawn one line at a time."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False, id="list.up"),
        Binding("down", "cursor(1)", "Down", show=False, id="list.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="list.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="list.page_down"),
        Binding("home", "first", "First row", show=False, id="list.first"),
        Binding("end", "last", "Last row", show=False, id="list.last"),
        Binding("enter", "select", "Open", show=False, id="list.select"),
    ]
    DEFAULT_CSS = "LineList { scrollbar-gutter: stable; overflow-x: hidden; }"

    @dataclass
    class Highlighted(Message):
        widget: LineList
        index: int

    @dataclass
    class Selected(Message):
        widget: LineList
        index: int

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cursor_row = 0
        self.time_col: int | None = None  # the time cursor's column on the axis, if drawn
        self._rows = 0
        self._cache: dict[int, Strip] = {}

    # -- what subclasses draw -------------------------------------------------------
    def render_header(self, width: int) -> Strip:
        return Strip.blank(width, self.rich_style)

    def render_row(self, index: int, width: int) -> Strip:
        return Strip.blank(width, self.rich_style)

    def label_of(self, index: int) -> int:
        """How many leading columns of a row are its label (highlighted under the cursor)."""
        return LABEL

    # -- rows -----------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return self._rows

    def set_row_count(self, rows: int) -> None:
        self._rows = rows
        self.cursor_row = max(0, min(self.cursor_row, rows - 1))
        self.virtual_size = Size(self.virtual_size.width, rows + 1)
        self._cache.clear()
        self.refresh(layout=True)  # a height: auto list grows with its rows

    def redraw(self) -> None:
        self._cache.clear()
        self.refresh()

    def set_time_col(self, col: int | None) -> None:
        if col != self.time_col:
            self.time_col = col
            self.refresh()

    def on_resize(self, _: events.Resize) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self._rows + 1)
        self.redraw()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    # -- the cursor -------------------------------------------------------------------
    def move_cursor(self, row: int) -> None:
        if not self._rows:
            return
        row = max(0, min(row, self._rows - 1))
        old, self.cursor_row = self.cursor_row, row
        visible = max(1, self.scrollable_content_region.height - 1)
        top = round(self.scroll_offset.y)
        if row < top:
            self.scroll_to(y=row, animate=False)
        elif row >= top + visible:
            self.scroll_to(y=row - visible + 1, animate=False)
        if old != row:
            self.refresh()
            self.post_message(self.Highlighted(self, row))

    def action_cursor(self, delta: int) -> None:
        self.move_cursor(self.cursor_row + delta)

    def action_page(self, direction: int) -> None:
        self.move_cursor(self.cursor_row + direction * max(1, self.size.height - 2))

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(self._rows - 1)

    def action_select(self) -> None:
        if self._rows:
            self.post_message(self.Selected(self, self.cursor_row))

    def on_click(self, event: events.Click) -> None:
        row = round(self.scroll_offset.y) + event.y - 1
        if event.y >= 1 and row < self._rows:
            if row == self.cursor_row:
                self.action_select()
            self.move_cursor(row)

    # -- painting ---------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            strip = self.render_header(width)
            index = -1
        else:
            index = round(self.scroll_offset.y) + y - 1
            if index >= self._rows:
                return Strip.blank(width, self.rich_style)
            cached = self._cache.get(index)
            if cached is None:
                cached = self._cache[index] = self.render_row(index, width)
            strip = cached
        strip = strip.crop_extend(0, width, self.rich_style)
        marks: list[tuple[int, int]] = []
        if index == self.cursor_row and self.has_focus:
            marks.append((0, self.label_of(index)))
        if self.time_col is not None and 0 <= self.time_col < width - LABEL:
            marks.append((LABEL + self.time_col, LABEL + self.time_col + 1))
        for start, end in marks:
            strip = reverse(strip, start, end, width)
        return strip


def reverse(strip: Strip, start: int, end: int, width: int) -> Strip:
    """The strip with columns [start, end) in reverse video: the cursors."""
    if end <= start:
        return strip
    middle = strip.crop(start, end).apply_style(STYLE["cursor"])
    return Strip.join([strip.crop(0, start), middle, strip.crop(end, width)])


@dataclass(frozen=True)
class TimelineRow:
    kind: str  # "track", "phase" or "step"
    key: str


class TimeAxisList(LineList):
    """A LineList whose rows are drawn on one time axis (seconds since the start), right
    of LABEL columns of row labels: the timeline and the metric charts line up."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.record: RunRecord | None = None
        self.view = (0.0, 1.0)  # the seconds since the start that the axis spans

    def axis(self) -> TimeAxis:
        return TimeAxis(*self.view, max(1, self.scrollable_content_region.width - LABEL))

    def set_view(self, view: tuple[float, float]) -> None:
        if view != self.view:
            self.view = view
            self.redraw()


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
