"""golive review: a recorded run, read-only. The timeline and the metrics show the whole
night; a time cursor replays the run screen (header and steps) as it stood at any moment,
by folding the journal's events up to it."""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static

from golive.core import events as ev
from golive.core.engine import Engine
from golive.core.state import RunState, Status
from golive.core.timeline import compute
from golive.io.recorded import Loaded
from golive.session.view import step_rows
from golive.tui.event_text import describe
from golive.tui.header import hhmm
from golive.tui.replay import KINDS, Replay, event_rows
from golive.tui.screens.dialogs import OutputScreen
from golive.tui.screens.help import HelpScreen
from golive.tui.shown import visible
from golive.tui.widgets.cursor_list import CursorList
from golive.tui.widgets.drawing import offset_label, planned_starts
from golive.tui.widgets.event_list import EventList
from golive.tui.widgets.header_bar import HeaderBar
from golive.tui.widgets.metric_chart import METRICS, MetricChart
from golive.tui.widgets.steady_footer import SteadyFooter
from golive.tui.widgets.steps_table import StepsTable
from golive.tui.widgets.timeline import Timeline

# One paragraph a line: the help wraps them to its width.
HELP_TEXT = """
Timeline: ─ planned, █ actual (✘ failed, ↯ interrupted, ▶ still running), ↶▒ undo; \
phases ━ with their drift. forecast: how much later than first forecast the end stood \
(∙ earlier); rollback: ┈ a rollback fitted the window, ! it no longer did, ↶ one ran; \
events: ⚠ alert ⚑ decision ✎ note ⟳ resumed ● host state. Axis: W window end, \
F forecast end, R rollback deadline, as they stood at the time cursor.
Metrics: the highest sample in each column; ┃ a step started there, ↶ an undo.
Header and steps table: the run screen as it was at the time cursor."""


class ReviewScreen(Screen[None]):
    """The recorded run at the time cursor, and the whole night around it."""

    HORIZONTAL_BREAKPOINTS = [
        (0, "-narrow"),
        (120, "-wide"),
    ]
    BINDINGS = [
        Binding("left", "scrub(-1)", "Earlier", id="review.earlier", priority=True, key_display="←"),
        Binding("right", "scrub(1)", "Later", id="review.later", priority=True, key_display="→"),
        Binding("shift+left", "scrub(-10)", "Much earlier", id="review.much_earlier",
                priority=True, show=False),
        Binding("shift+right", "scrub(10)", "Much later", id="review.much_later",
                priority=True, show=False),
        Binding("left_square_bracket", "jump(-1)", "Prev event", id="review.previous_event",
                key_display="["),
        Binding("right_square_bracket", "jump(1)", "Next event", id="review.next_event",
                key_display="]"),
        Binding("s", "to_step", "To step start", id="review.to_step", show=False),
        Binding("o", "output", "Output", id="review.output"),
        Binding("k", "filter_kind", "Kind", id="review.filter_kind"),
        Binding("f", "filter_host", "Host", id="review.filter_host"),
        Binding("m", "metrics", "Metrics", id="review.metrics", show=False),
        Binding("plus,equals_sign", "zoom(0.5)", "Zoom in", id="review.zoom_in", key_display="+"),
        Binding("minus", "zoom(2)", "Zoom out", id="review.zoom_out", key_display="-"),
        Binding("0", "fit", "Whole run", id="review.fit", show=False),
        Binding("v", "panes", "Panes", id="review.panes"),
        Binding("question_mark", "help", "Help", id="app.help", key_display="?"),
        Binding("q", "app.quit", "Quit", id="app.quit"),
    ]  # fmt: skip
    # What the footer leaves out first on a narrow terminal: the big steps and the zoom,
    # then the panes and filters, so that moving through the run, help and quit stay.
    FOOTER_SPARE = (
        "scrub(-10)", "scrub(10)", "zoom(2)", "zoom(0.5)", "panes", "filter_host",
        "filter_kind", "output",
    )  # fmt: skip

    def __init__(self, loaded: Loaded) -> None:
        """`loaded` comes from load_record(path, samples=False): the first frame needs
        only the events; the App's worker reads the samples afterwards (samples_loaded)."""
        super().__init__()
        self.loaded, self.record, self.runbook = loaded, loaded.record, loaded.runbook
        self.engine = Engine(self.runbook) if self.runbook is not None else None
        self.replay = Replay(loaded.events, loaded.builder.state)
        self.times = [float(e.get("m", 0.0)) for e in loaded.events]
        self.rows = event_rows(loaded)
        self.row_indexes = [r.index for r in self.rows]
        self._first = next(
            i for i, e in enumerate(loaded.events) if e.get("type") == ev.RUN_STARTED
        )
        self.kind, self.host = "all", "all"
        self.metrics: tuple[str, ...] = METRICS
        self.hosts = sorted(
            set(self.runbook.hosts if self.runbook else ()) | set(self.record.hosts)
        )
        self.whole = (0.0, _view_end(loaded))
        self.view = self.whole
        self.pos, self.cursor_m = len(loaded.events), self.record.ended_m
        self.filtered, self.filtered_indexes = self.rows, self.row_indexes
        self._output_index: dict[str, list[int]] | None = None

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        yield Static(id="banner", markup=False)
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield StepsTable(id="steps")
                yield Static(id="filters", markup=False)
                yield EventList(id="events")
            with Vertical(id="right"):
                yield Timeline(id="timeline")
                yield MetricChart(id="metrics")
        yield SteadyFooter()

    def on_mount(self) -> None:
        if self.runbook is not None and self.engine is not None:
            self.query_one(StepsTable).setup(self.runbook)
        else:
            self.query_one(StepsTable).display = False
        self.query_one(Timeline).setup(self.record, self.runbook, self.view)
        self.query_one(MetricChart).setup(self.record, self.runbook, self.view)
        self._apply_filters()
        self._show_banner()
        self._goto(len(self.loaded.events), self.record.ended_m)
        timeline = self.query_one(Timeline)
        first_step = next((i for i, r in enumerate(timeline.rows) if r.kind == "step"), 0)
        timeline.move_cursor(first_step)
        timeline.focus()

    # -- the samples, read by the App's worker ------------------------------------------
    def samples_loaded(self) -> None:
        self.hosts = sorted(set(self.hosts) | set(self.record.hosts))
        self._show_banner()
        self._show_metrics()
        self._goto(self.pos, self.cursor_m)

    def samples_failed(self, error: str) -> None:
        chart = self.query_one(MetricChart)
        chart.message = f"the samples could not be read: {visible(error)}"
        chart.redraw()

    def _show_banner(self) -> None:
        banner, integrity = self.query_one("#banner", Static), self.record.integrity
        lines: list[str] = []
        if not integrity.checked:
            lines.append("… checking the journal's hash chain")
        elif not integrity.ok:
            lines.append(
                f"⚠ THIS JOURNAL FAILS VERIFICATION at line {integrity.broken_line}: "
                f"{integrity.problem}. Events from that line on cannot be trusted."
            )
        if integrity.torn_line is not None:
            lines.append(
                f"⚠ the last line (line {integrity.torn_line}) is torn: golive stopped while "
                "writing it; it is left out."
            )
        banner.update(visible("\n".join(lines), newlines=True))
        banner.set_class(integrity.checked and not integrity.ok, "broken")
        banner.set_class(integrity.torn_line is not None, "torn")
        banner.display = bool(lines)

    def _show_metrics(self) -> None:
        if not self.record.integrity.checked:
            return
        hosts = [self.host] if self.host != "all" else self.hosts
        series = self.record.hosts

        def worst_first(host: str) -> tuple[int, float, str]:
            found = series.get(host)
            return (
                (-sum(found.crossed.values()), -found.peak_errors, host) if found else (0, 0, host)
            )

        self.query_one(MetricChart).show_hosts(sorted(hosts, key=worst_first), self.metrics)

    # -- the time cursor ----------------------------------------------------------------
    def _goto(self, pos: int, m: float) -> None:
        """Show the run as it stood after the first `pos` events, at offset m."""
        self.pos = max(self._first + 1, min(pos, len(self.loaded.events)))
        self.cursor_m = max(0.0, min(m, self.record.ended_m))
        self._keep_in_view()
        state = self.replay.state_at(self.pos)
        timeline, chart = self.query_one(Timeline), self.query_one(MetricChart)
        with self.app.batch_update():
            if self.runbook is not None and self.engine is not None:
                timing = compute(self.engine, state, self.cursor_m)
                self.query_one(HeaderBar).show(
                    self.runbook.name, state.mode, state.outcome, state.paused, timing,
                    self.readout(state),
                )  # fmt: skip
                self.query_one(StepsTable).show(
                    self.runbook, step_rows(self.runbook, state, timing.now_m)
                )
            else:
                self.query_one(HeaderBar).update(Text(visible(self.readout(state)), no_wrap=True))
            timeline.set_view(self.view)
            chart.set_view(self.view)
            timeline.set_cursor(self.cursor_m)
            chart.set_time_col(timeline.axis().col(self.cursor_m))
            at = bisect_right(self.filtered_indexes, self.pos - 1) - 1
            self.query_one(EventList).set_current(at if at >= 0 else None)

    def readout(self, state: RunState) -> str:
        """The header's second line: when the cursor is, what ran, the metrics, the event."""
        wall = self.record.wall(self.cursor_m)
        running = [s for s, st in state.steps.items() if st.status is Status.RUNNING]
        parts = [f"at {hhmm(wall)} (+{offset_label(self.cursor_m, self.view_step())})"]
        parts.append("running: " + ", ".join(running) if running else "nothing running")
        host = self.host if self.host != "all" else self.query_one(MetricChart).host_at_cursor()
        series = self.record.hosts.get(host or "")
        if series is not None and len(series.m):
            i = bisect_right(series.m, self.cursor_m) - 1
            if i >= 0:
                parts.append(f"{host} cpu {series.cpu[i]:.0f}% mem {series.mem[i]:.0f}% "
                             f"err {series.errors[i]:.0f}/m")  # fmt: skip
        at = bisect_right(self.row_indexes, self.pos - 1) - 1
        if at >= 0:
            last = describe(self.loaded.events[self.row_indexes[at]])
            parts.append(f"event {self.pos}/{len(self.loaded.events)}: {last}")
        return " · ".join(parts)

    def view_step(self) -> float:
        return self.query_one(Timeline).axis().step

    def _keep_in_view(self) -> None:
        start, end = self.view
        span = end - start
        if self.cursor_m < start:
            start = max(self.whole[0], self.cursor_m - span * 0.1)
        elif self.cursor_m > end:
            start = min(self.whole[1] - span, self.cursor_m - span * 0.9)
        self.view = (start, start + span)

    def action_scrub(self, columns: int) -> None:
        m = self.cursor_m + columns * self.view_step()
        self._goto(bisect_right(self.times, m), m)

    def action_jump(self, direction: int) -> None:
        indexes = self.filtered_indexes
        if direction > 0:
            at = bisect_left(indexes, self.pos)
        else:
            at = bisect_left(indexes, self.pos - 1) - 1
        if 0 <= at < len(indexes):
            self._goto(indexes[at] + 1, self.times[indexes[at]])

    def action_zoom(self, factor: float) -> None:
        start, end = self.view
        whole = self.whole[1] - self.whole[0]
        span = max(min(whole, (end - start) * factor), 0.5, 20 * 0.001)
        start = self.cursor_m - (self.cursor_m - start) * span / (end - start)
        start = max(self.whole[0], min(start, self.whole[1] - span))
        self.view = (start, start + span)
        self._goto(self.pos, self.cursor_m)

    def action_fit(self) -> None:
        self.view = self.whole
        self._goto(self.pos, self.cursor_m)

    def action_to_step(self) -> None:
        step = self.selected_step()
        if step is None:
            return
        found = self.record.step(step).started_m
        if found is None:
            self.notify(f"{visible(step)} never started.", timeout=3, markup=False)
            return
        index = next(i for i, e in enumerate(self.loaded.events)
                     if e["type"] == ev.STEP_STARTED and e.get("step") == step)  # fmt: skip
        self._goto(index + 1, found)

    # -- selection, output and jumps ----------------------------------------------------
    def selected_step(self) -> str | None:
        return self.query_one(Timeline).selected_step()

    def select_step(self, step: str) -> None:
        timeline = self.query_one(Timeline)
        row = timeline.row_of(step)
        if row is not None:
            timeline.move_cursor(row)
        if self.runbook is not None and self.runbook.has_step(step):
            table = self.query_one(StepsTable)
            table.move_cursor(table.get_row_index(step))

    def on_cursor_list_selected(self, message: CursorList.Selected) -> None:
        if isinstance(message.widget, StepsTable):
            if message.key is not None and not message.key.startswith("phase:"):
                self.action_output()
        elif isinstance(message.widget, Timeline):
            self.action_output()
        elif isinstance(message.widget, EventList) and self.filtered:
            row = self.filtered[message.index]
            self._goto(row.index + 1, self.times[row.index])
            if row.step:
                self.select_step(row.step)

    def on_cursor_list_highlighted(self, message: CursorList.Highlighted) -> None:
        if isinstance(message.widget, StepsTable):
            timeline = self.query_one(Timeline)
            row = timeline.row_of(message.key or "")
            if row is not None and row != timeline.cursor_row:
                timeline.move_cursor(row)
        elif isinstance(message.widget, Timeline) and (step := self.selected_step()):
            if self.runbook is not None and self.runbook.has_step(step):
                table = self.query_one(StepsTable)
                if table.cursor_key != step:
                    table.move_cursor(table.get_row_index(step))
        elif isinstance(message.widget, MetricChart):
            self._goto(self.pos, self.cursor_m)  # the readout shows the chosen host

    def action_output(self) -> None:
        step = self.selected_step()
        if step is None:
            self.notify("Choose a step first (up/down on the timeline).", timeout=3)
            return
        lines = self.output_lines(step)
        record = self.record.step(step)
        title = f"{step} — {record.title}: {record.output_lines} output lines"
        self.app.push_screen(OutputScreen(title, lines))

    def output_lines(self, step: str) -> list[str]:
        """The step's output from the journal, with each attempt's start and end."""
        if self._output_index is None:
            self._output_index = {}
            for i, e in enumerate(self.loaded.events):
                if e.get("step") and e["type"] in _OUTPUT_TYPES:
                    self._output_index.setdefault(e["step"], []).append(i)
        lines: list[str] = []
        for i in self._output_index.get(step, []):
            e = self.loaded.events[i]
            at = f"{offset_label(float(e.get('m', 0)), 0.1 if self.whole[1] < 300 else 1):>7}"
            undo = "undo " if e.get("action") == "rollback" else ""
            if e["type"] == ev.OUTPUT:
                mark = "!" if e.get("stream") == "err" else "|"
                lines.append(f"{at} {undo}{e.get('host', '')} {mark} {e.get('line', '')}")
            elif e["type"] == ev.STEP_STARTED:
                what = "undo" if undo else f"attempt {e.get('attempt', 1)}"
                lines.append(f"{at} ── {what} started on {', '.join(e.get('hosts') or ['-'])}")
            elif e["type"] == ev.STEP_FINISHED:
                reason = f": {e['reason']}" if e.get("reason") else ""
                lines.append(f"{at} ── {undo}{e.get('status', '')}{reason}")
            elif e["type"] == ev.VERIFY_FINISHED:
                lines.append(f"{at} ── verify {'passed' if e.get('ok') else 'FAILED'}")
        return lines

    # -- filters and panes ---------------------------------------------------------------
    def action_filter_kind(self) -> None:
        self.kind = KINDS[(KINDS.index(self.kind) + 1) % len(KINDS)]
        self._apply_filters()
        self._goto(self.pos, self.cursor_m)

    def action_filter_host(self) -> None:
        choices = ["all", *self.hosts]
        self.host = choices[(choices.index(self.host) + 1) % len(choices)]
        self._apply_filters()
        self._show_metrics()
        self._goto(self.pos, self.cursor_m)

    def action_metrics(self) -> None:
        choices: list[tuple[str, ...]] = [METRICS, *((m,) for m in METRICS)]
        self.metrics = choices[(choices.index(self.metrics) + 1) % len(choices)]
        self._show_metrics()
        self._goto(self.pos, self.cursor_m)

    def _apply_filters(self) -> None:
        self.filtered = [
            r for r in self.rows
            if (self.kind == "all" or r.kind == self.kind)
            and (self.host == "all" or self.host in r.hosts)
        ]  # fmt: skip
        fine = self.whole[1] < 300
        self.query_one(EventList).show_rows(self.loaded.events, self.filtered, fine)
        self.filtered_indexes = [r.index for r in self.filtered]
        self.query_one("#filters", Static).update(
            visible(f" events: {len(self.filtered)} · kind {self.kind} (k) · host {self.host} (f)")
        )

    def action_panes(self) -> None:
        self.toggle_class("-swapped")

    def action_help(self) -> None:
        bindings = [*self.BINDINGS, *CursorList.BINDINGS]
        self.app.push_screen(HelpScreen(bindings, title="golive review keys", text=HELP_TEXT))


_OUTPUT_TYPES = frozenset({ev.OUTPUT, ev.STEP_STARTED, ev.STEP_FINISHED, ev.VERIFY_FINISHED})


def _view_end(loaded: Loaded) -> float:
    """The whole run on the axis: what happened and what was planned, and the window's
    end too when it is near (a far-off end would squash the night into a few columns)."""
    record = loaded.record
    end = record.ended_m
    if loaded.runbook is not None:
        starts = planned_starts(loaded.runbook)
        end = max(end, *(starts[s.id] + s.planned for s in loaded.runbook.steps))
    if record.window_end is not None and record.started is not None:
        window = (record.window_end - record.started).total_seconds()
        if window <= 1.5 * end:
            end = max(end, window)
    return max(1.0, end * 1.02)
