"""Inline SVG charts for the HTML report: the Gantt of planned against actual, the forecast
and rollback margins, and each host's CPU, memory and errors on the same time axis.

Every chart shares one horizontal layout (a label column, then the plot), so a moment
sits at the same x in all of them. Series are drawn from a min/max envelope per
bucket of a few pixels: an 8-hour night of 2-second samples is 14,400 points a host,
the chart shows about 300 buckets, and a spike survives because each bucket keeps its
extremes. Everything that came from the journal is escaped.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from golive.core.durations import format_duration
from golive.core.record import HostSeries
from golive.report.summary import signed

WIDTH = 1100
LABEL = 200  # the label column, left of every plot
RIGHT = 24
PLOT = WIDTH - LABEL - RIGHT
BUCKETS = 300  # points per drawn series (each bucket gives its min and its max)
ROW = 20

# Attempt status -> fill. Colour is never the only sign: every bar has a <title>.
FILL = {
    "succeeded": "#2e7d32",
    "failed": "#c62828",
    "interrupted": "#ef6c00",
    "running": "#1565c0",
    "rollback": "#6a1b9a",
}
OPERATOR_FILL = "#546e7a"  # confirmed manual steps and gates passed


def esc(value: object) -> str:
    return escape(str(value), quote=True)


@dataclass(frozen=True)
class Axis:
    """Seconds since the run's start -> x on every chart."""

    start: float
    end: float

    def x(self, m: float) -> float:
        span = self.end - self.start or 1.0
        return LABEL + (m - self.start) / span * PLOT

    def visible(self, m: float) -> bool:
        return self.start <= m <= self.end


def axis_for(summary: dict[str, Any]) -> Axis:
    """From the start to the latest of the run's end, the planned end and (for an unfinished
    run) the forecast end; the window's end too when it is near enough to stay readable
    (else it is marked at the edge)."""
    end = max(summary["run"]["duration"] or 0.0, _m(summary["forecast"]["planned_end"]) or 0.0)
    if summary["run"]["outcome"] == "unfinished":  # where it was heading when the journal ends
        end = max(end, _m(summary["forecast"]["final_forecast_end"]) or 0.0)
    window = summary["window"]
    window_end = _m(window["end"]) if window else None
    if window_end is not None and 0 < window_end <= end * 1.5:
        end = window_end
    return Axis(0.0, max(end * 1.03, 1.0))


def _m(time: dict[str, Any] | None) -> float | None:
    return None if time is None else time["m"]


def nice_step(span: float, target: int = 8) -> float:
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600):
        if span / step <= target:
            return float(step)
    return 43200.0


def _ticks(axis: Axis, top: float, bottom: float, labels_at: float | None) -> list[str]:
    step = nice_step(axis.end - axis.start)
    parts = []
    t = math.ceil(axis.start / step) * step
    while t <= axis.end:
        x = axis.x(t)
        parts.append(
            f'<line class="grid" x1="{x:.1f}" y1="{top:.0f}" x2="{x:.1f}" y2="{bottom:.0f}"/>'
        )
        if labels_at is not None:
            parts.append(
                f'<text class="tick" x="{x:.1f}" y="{labels_at:.0f}" text-anchor="middle">'
                f"+{format_duration(t)}</text>"
            )
        t += step
    return parts


def _svg(height: float, body: Iterable[str], label: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" '
        f'height="{height:.0f}" role="img" aria-label="{esc(label)}">' + "".join(body) + "</svg>"
    )


# -- the Gantt ---------------------------------------------------------------------------
def gantt(summary: dict[str, Any], axis: Axis) -> str:
    """Planned (pale) and actual (solid) bars per step, grouped by phase; rollbacks as
    bands, decisions on their step's row, notes and alerts on the top track."""
    steps = {s["id"]: s for s in summary["steps"]}
    top = 48  # the moments track (alerts, notes, decisions of no step) and the axis labels
    rows: list[tuple[str, Any]] = []
    for phase in summary["phases"]:
        rows.append(("phase", phase))
        rows.extend(("step", steps[i]) for i in phase["steps"] if i in steps)
    bottom = top + len(rows) * ROW + 4
    height = bottom + 12 * (_vertical_count(summary) + 1)
    body = _ticks(axis, top - 6, bottom, top - 10)
    y_of: dict[str, float] = {}
    for index, (kind, item) in enumerate(rows):
        y = top + index * ROW
        if kind == "phase":
            body.append(_phase_row(item, y))
        else:
            y_of[item["id"]] = y
            body.extend(_step_row(item, y, axis))
    body.extend(_rollback_bands(summary, axis, top - 4, bottom))
    body.extend(_decision_marks(summary, axis, y_of))
    body.extend(_top_track(summary, axis))
    body.extend(_verticals(summary, axis, top - 4, bottom))
    body.append(f'<text class="axis-label" x="12" y="{top - 10}">time since start</text>')
    return _svg(height, body, "Gantt: planned against actual per step")


def _phase_row(phase: dict[str, Any], y: float) -> str:
    drift = phase["drift"]
    words = f"planned {format_duration(phase['planned'] or 0)}"
    if phase["actual"] is not None:
        words += f", actual {format_duration(phase['actual'])}"
    if drift is not None:
        words += f", drift {signed(drift)}"
    return (
        f'<rect class="phase-band" x="0" y="{y:.0f}" width="{WIDTH}" height="{ROW}"/>'
        f'<text class="phase" x="4" y="{y + 14:.0f}">{esc(phase["name"])}</text>'
        f'<text class="phase-note" x="{LABEL}" y="{y + 14:.0f}">{esc(words)}</text>'
    )


def _step_row(step: dict[str, Any], y: float, axis: Axis) -> list[str]:
    label = step["id"] if len(step["id"]) <= 26 else step["id"][:25] + "…"
    parts = [
        f'<text class="step" x="12" y="{y + 14:.0f}"><title>{esc(step["title"])}</title>'
        f"{esc(label)}</text>"
    ]
    if step["planned_start"] is not None and step["planned"]:
        x0, x1 = axis.x(step["planned_start"]), axis.x(step["planned_start"] + step["planned"])
        parts.append(
            f'<rect class="planned" x="{x0:.1f}" y="{y + 3:.0f}" width="{max(x1 - x0, 1):.1f}" '
            f'height="14"><title>{esc(step["id"])}: planned {format_duration(step["planned"])}'
            "</title></rect>"
        )
    for attempt in step["attempts"]:
        parts.append(_attempt_bar(step, attempt, y, axis))
    return parts


def _attempt_bar(step: dict[str, Any], attempt: dict[str, Any], y: float, axis: Axis) -> str:
    start = attempt["start"]["m"]
    end = attempt["end"]["m"] if attempt["end"] else axis.end
    x0, x1 = axis.x(start), axis.x(end)
    if attempt["action"] == "rollback":
        fill, what = FILL["rollback"], "undo"
    else:
        fill = FILL.get(attempt["status"], OPERATOR_FILL)
        what = f"attempt {attempt['number']}"
    took = format_duration(attempt["seconds"]) if attempt["seconds"] is not None else "unfinished"
    extra = " (injected failure)" if attempt["injected"] else ""
    tip = f"{step['id']} {what}: {attempt['status']}{extra}, {took}"
    if attempt["reason"]:
        tip += f": {attempt['reason']}"
    return (
        f'<rect x="{x0:.1f}" y="{y + 6:.0f}" width="{max(x1 - x0, 2):.1f}" height="8" '
        f'fill="{fill}"><title>{esc(tip)}</title></rect>'
    )


def _rollback_bands(summary: dict[str, Any], axis: Axis, top: float, bottom: float) -> list[str]:
    parts = []
    for rollback in summary["rollbacks"]:
        start = rollback["start"]["m"]
        end = rollback["end"]["m"] if rollback["end"] else axis.end
        x0, x1 = axis.x(start), axis.x(end)
        tip = f"rollback to {rollback['to']} ({rollback['status']}), caused by {rollback['cause']}"
        parts.append(
            f'<rect class="rollback-band" x="{x0:.1f}" y="{top:.0f}" width="{max(x1 - x0, 3):.1f}" '
            f'height="{bottom - top:.0f}"><title>{esc(tip)}</title></rect>'
        )
    return parts


def _decision_marks(summary: dict[str, Any], axis: Axis, y_of: dict[str, float]) -> list[str]:
    parts = []
    for d in summary["decisions"]:
        x = axis.x(d["at"]["m"])
        y = y_of.get(d["step"] or "", 12.0) + 10
        tip = f"{d['decision']}" + (f" {d['step']}" if d["step"] else "") + f" by {d['by']}"
        if d["reason"]:
            tip += f": {d['reason']}"
        parts.append(
            f'<path class="decision" d="M{x:.1f} {y - 5:.1f}l5 5-5 5-5-5z"><title>{esc(tip)}</title></path>'
        )
    return parts


def _top_track(summary: dict[str, Any], axis: Axis) -> list[str]:
    """Notes as circles and raised alerts as triangles, one mark per 3-pixel column (a long
    night raises thousands; the mark's title says how many)."""
    parts = ['<text class="track" x="12" y="22">alerts, notes, decisions</text>']
    for note in summary["notes"]:
        x = axis.x(note["at"]["m"])
        parts.append(
            f'<circle class="note" cx="{x:.1f}" cy="22" r="4"><title>note by {esc(note["by"])}: '
            f"{esc(note['text'])}</title></circle>"
        )
    columns: dict[int, list[dict[str, Any]]] = {}
    for alert in summary["alerts"]:
        if alert["status"] == "raised":
            columns.setdefault(int(axis.x(alert["at"]["m"]) // 3), []).append(alert)
    for column, alerts in sorted(columns.items()):
        x = column * 3 + 1.5
        first = alerts[0]
        tip = f"{first['host']} {first['metric']} raised"
        if len(alerts) > 1:
            tip += f" and {len(alerts) - 1} more alerts here"
        parts.append(f'<path class="alert" d="M{x:.1f} 6l4 8h-8z"><title>{esc(tip)}</title></path>')
    return parts


def _vertical_count(summary: dict[str, Any]) -> int:
    return 4 + len(summary["run"]["resumed"]) + len(summary["rollbacks"])


def _verticals(summary: dict[str, Any], axis: Axis, top: float, bottom: float) -> list[str]:
    marks: list[tuple[float | None, str, str]] = [
        (_m(summary["forecast"]["planned_end"]), "planned-end", "planned end"),
        (summary["run"]["duration"], "run-end", "end"),
    ]
    window = summary["window"]
    if window is not None:
        marks.append((_m(window["end"]), "window-end", "window end"))
    if summary["run"]["outcome"] == "unfinished":
        marks.append((_m(summary["forecast"]["final_forecast_end"]), "forecast", "forecast end"))
    for resumed in summary["run"]["resumed"]:
        marks.append((resumed["m"], "resumed", "resumed"))
    for rollback in summary["rollbacks"]:
        marks.append((rollback["start"]["m"], "rollback-start", f"↶ rollback to {rollback['to']}"))
    parts = []
    row = 0  # each label on a line of its own below the plot, so none hides another
    for m, css, words in marks:
        if m is None:
            continue
        y = bottom + 12 + 12 * row
        if axis.visible(m):
            x = axis.x(m)
            # Near the right edge the label reads leftwards, so it stays on the page.
            anchor = (x - 3, "end") if x > LABEL + PLOT * 0.8 else (x + 3, "start")
            parts.append(
                f'<line class="{css}" x1="{x:.1f}" y1="{top:.0f}" x2="{x:.1f}" y2="{y - 10:.0f}"/>'
                f'<text class="{css}-label" x="{anchor[0]:.1f}" y="{y:.0f}" '
                f'text-anchor="{anchor[1]}">{esc(words)}</text>'
            )
        elif m > axis.end:
            parts.append(
                f'<text class="{css}-label" x="{WIDTH - 4}" y="{y:.0f}" text-anchor="end">'
                f"{esc(words)} at +{format_duration(m)} →</text>"
            )
        else:
            continue
        row += 1
    return parts


# -- the forecast and rollback margins ---------------------------------------------------
def margins(summary: dict[str, Any], axis: Axis) -> str | None:
    """How much room the run had, as it went: the window's end minus the forecast end,
    and the rollback deadline minus now (below zero, a rollback no longer fitted)."""
    window = summary["window"]
    history = summary["forecast"]["history"]
    if window is None or not history:
        return None
    end = window["end"]["m"]
    forecast = [(p["at"]["m"], end - p["forecast_end"]["m"]) for p in history]
    deadline = [
        (
            p["at"]["m"],
            p["rollback_deadline"]["m"] - p["at"]["m"] if p["rollback_deadline"] else None,
        )
        for p in history
    ]
    values = [float(v) for _, v in forecast] + [float(v) for _, v in deadline if v is not None]
    low, high = min([0.0, *values]), max([1.0, *values])
    top, height = 16.0, 120.0

    def y(v: float) -> float:
        return top + (high - v) / (high - low) * height

    body = _ticks(axis, top, top + height, top + height + 14)
    body.append(
        f'<line class="zero" x1="{LABEL}" y1="{y(0):.1f}" x2="{LABEL + PLOT}" y2="{y(0):.1f}"/>'
        f'<text class="tick" x="{LABEL - 6}" y="{y(0) + 4:.1f}" text-anchor="end">0</text>'
        f'<text class="tick" x="{LABEL - 6}" y="{y(high) + 4:.1f}" text-anchor="end">'
        f"{format_duration(high)}</text>"
    )
    if low < 0:
        body.append(
            f'<text class="tick" x="{LABEL - 6}" y="{y(low) + 4:.1f}" text-anchor="end">'
            f"{format_duration(low)}</text>"
        )
    body.append(
        _steps_path(forecast, axis, y, "margin-forecast", axis.x(summary["run"]["duration"]))
    )
    body.append(
        _steps_path(deadline, axis, y, "margin-rollback", axis.x(summary["run"]["duration"]))
    )
    body.append(
        f'<text class="legend-forecast" x="8" y="{top + 30:.0f}">forecast margin</text>'
        f'<text class="legend-rollback" x="8" y="{top + 48:.0f}">rollback margin</text>'
    )
    return _svg(top + height + 22, body, "Forecast and rollback margins over the run")


def _steps_path(
    points: Sequence[tuple[float, float | None]],
    axis: Axis,
    y: Callable[[float], float],
    css: str,
    x_end: float,
) -> str:
    """A step function: each value holds until the next point; None leaves a gap."""
    d: list[str] = []
    pen = False
    for m, value in points:
        x = axis.x(m)
        if value is None:
            if pen:
                d.append(f"H{x:.1f}")
            pen = False
            continue
        d.append(f"H{x:.1f}V{y(value):.1f}" if pen else f"M{x:.1f} {y(value):.1f}")
        pen = True
    if pen:
        d.append(f"H{x_end:.1f}")
    return f'<path class="{css}" d="{"".join(d)}"/>' if d else ""


# -- per-host metrics --------------------------------------------------------------------
PANELS = (("cpu", "CPU %", "cpu_percent"), ("mem", "memory %", "mem_percent"),
          ("errors", "errors/min", "errors_per_min"))  # fmt: skip
PANEL_HEIGHT = 56
PANEL_GAP = 10


def host_chart(
    series: HostSeries,
    summary: dict[str, Any],
    axis: Axis,
    boundaries: Sequence[float],
    alerts: Sequence[dict[str, Any]],
) -> str:
    """CPU %, memory % and errors per minute in three panels, with the step starts, the
    rollbacks, the thresholds and this host's raised `alerts` marked."""
    thresholds = summary["thresholds"] or {}
    cut = buckets_of(series.m, axis) if len(series.m) > BUCKETS * 2 else None
    body: list[str] = []
    top = 6.0
    for key, title, threshold_key in PANELS:
        values: array[float] = getattr(series, key)
        threshold = thresholds.get(threshold_key)
        peak = {"cpu": series.peak_cpu, "mem": series.peak_mem, "errors": series.peak_errors}[key]
        high = 100.0 if key != "errors" else max(1.0, peak, threshold or 0.0) * 1.1
        body.extend(
            _panel(series.m, values, cut, axis, top, high, title, threshold, boundaries, summary)
        )
        raised = [a["at"]["m"] for a in alerts if a["metric"] == key and axis.visible(a["at"]["m"])]
        if raised:
            # One path for all of them: a long night raises hundreds per host.
            ticks = "".join(f"M{axis.x(m):.1f} {top:.0f}v7" for m in raised)
            body.append(
                f'<path class="alert-tick" d="{ticks}"><title>{esc(series.host)} {key}: alert '
                f"raised {len(raised)} time(s)</title></path>"
            )
        top += PANEL_HEIGHT + PANEL_GAP
    body.extend(_ticks(axis, top - PANEL_GAP, top - PANEL_GAP, top + 4))
    return _svg(top + 10, body, f"metrics of {series.host}")


def _panel(
    m: array[float],
    values: array[float],
    cut: Buckets | None,
    axis: Axis,
    top: float,
    high: float,
    title: str,
    threshold: float | None,
    boundaries: Sequence[float],
    summary: dict[str, Any],
) -> list[str]:
    bottom = top + PANEL_HEIGHT

    def y(v: float) -> float:
        return bottom - min(max(v, 0.0), high) / high * PANEL_HEIGHT

    parts = [
        f'<rect class="panel" x="{LABEL}" y="{top:.0f}" width="{PLOT}" height="{PANEL_HEIGHT}"/>',
        f'<text class="panel-title" x="{LABEL - 8}" y="{top + 14:.0f}" text-anchor="end">{esc(title)}</text>',
        f'<text class="tick" x="{LABEL - 8}" y="{bottom:.0f}" text-anchor="end">0–{high:.0f}</text>',
    ]
    starts = "".join(
        f"M{axis.x(b):.1f} {top:.0f}V{bottom:.0f}" for b in boundaries if axis.visible(b)
    )
    if starts:
        parts.append(f'<path class="boundary" d="{starts}"/>')
    for rollback in summary["rollbacks"]:
        x0 = axis.x(rollback["start"]["m"])
        x1 = axis.x(rollback["end"]["m"] if rollback["end"] else axis.end)
        parts.append(
            f'<rect class="rollback-band" x="{x0:.1f}" y="{top:.0f}" width="{max(x1 - x0, 3):.1f}" '
            f'height="{PANEL_HEIGHT}"/>'
        )
    if threshold is not None and threshold <= high:
        parts.append(
            f'<line class="threshold" x1="{LABEL}" y1="{y(threshold):.1f}" x2="{LABEL + PLOT}" '
            f'y2="{y(threshold):.1f}"><title>threshold {threshold:g}</title></line>'
        )
    d = []
    # The x and y of every drawn point, inlined: 50 hosts x 3 panels x 600 points.
    kx = PLOT / ((axis.end - axis.start) or 1.0)
    ky = PANEL_HEIGHT / high
    for segment in envelope(m, values, axis, cut=cut):
        if len(segment) == 1:  # a lone sample still shows, as a short dash
            segment = [*segment, (segment[0][0] + 2 / kx, segment[0][1])]
        d.append(
            "M"
            + "L".join(
                [
                    f"{LABEL + (t - axis.start) * kx:.1f} "
                    f"{bottom - (0.0 if v < 0 else high if v > high else v) * ky:.1f}"
                    for t, v in segment
                ]
            )
        )
    if d:
        parts.append(f'<path class="series" d="{"".join(d)}"/>')
    return parts


@dataclass(frozen=True)
class Buckets:
    """A host's sample times cut into the chart's buckets, once for all three metrics:
    the centre and index range of every bucket that holds samples, and whether the
    line breaks before it (the host reported nothing for a while)."""

    centres: list[float]
    spans: list[tuple[int, int]]
    breaks: list[bool]


def buckets_of(m: Sequence[float], axis: Axis, count: int = BUCKETS) -> Buckets:
    """`m` is in time order (the journal's). bisect does the cutting in C, so 14,400
    samples cost ~300 steps of Python, not 14,400."""
    n = len(m)
    width = (axis.end - axis.start) / count
    interval = (m[-1] - m[0]) / (n - 1) if n > 1 else 0.0
    gap = max(3 * interval, 2 * width)
    centres: list[float] = []
    spans: list[tuple[int, int]] = []
    breaks: list[bool] = []
    low = bisect_left(m, axis.start)
    last: float | None = None
    for b in range(count):
        high = bisect_left(m, axis.start + (b + 1) * width, low)
        if high > low:
            centres.append(axis.start + (b + 0.5) * width)
            spans.append((low, high))
            breaks.append(last is not None and m[low] - last > gap)
            last = m[high - 1]
        low = high
    return Buckets(centres, spans, breaks)


def envelope(
    m: Sequence[float],
    values: Sequence[float],
    axis: Axis,
    buckets: int = BUCKETS,
    cut: Buckets | None = None,
) -> list[list[tuple[float, float]]]:
    """The series as line segments of at most 2 points per bucket (its min, then its
    max), broken where the host reported nothing for a while or reported NaN. A short
    series is drawn as it is."""
    if len(m) <= buckets * 2:
        return _plain(m, values)
    cut = cut or buckets_of(m, axis, buckets)
    total = sum(values)
    has_nan = total != total  # NaN where the host had no value: filtered bucket by bucket
    segments: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for centre, (low, high), new in zip(cut.centres, cut.spans, cut.breaks, strict=True):
        if new and current:
            segments.append(current)
            current = []
        chunk = values[low:high]
        if has_nan:
            chunk = [v for v in chunk if v == v]
            if not chunk:
                if current:
                    segments.append(current)
                    current = []
                continue
        least, most = min(chunk), max(chunk)
        current.append((centre, least))
        if most != least:
            current.append((centre, most))
    if current:
        segments.append(current)
    return segments


def _plain(m: Sequence[float], values: Sequence[float]) -> list[list[tuple[float, float]]]:
    segments: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for t, v in zip(m, values, strict=False):
        if v == v:
            current.append((t, v))
        elif current:
            segments.append(current)
            current = []
    if current:
        segments.append(current)
    return segments
