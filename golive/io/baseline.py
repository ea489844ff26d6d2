"""Baselines read from recorded journals: a `golive monitor --record` file, or any run's
journal (a rehearsal's samples are as good a baseline as a monitor's).

`read_baseline` gives the figures a health gate judges against; `check_baselines` says
what `golive check` should about them, on the runbook's lines: a file that is missing
or not a journal is an error, a baseline recorded at another time of day or weekday
than the gate will run is a warning (a Tuesday 22:00 baseline says little about a
Saturday 09:00 cutover)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from golive.core import events as ev
from golive.core.checks import dependency_map
from golive.core.diagnostics import Diagnostic, Severity
from golive.core.events import Event
from golive.core.graph import descendants, longest_path
from golive.core.health_data import BaselineFigures, Point, baseline_from_points, point
from golive.core.runbook import Baseline, Runbook
from golive.io.journal import JournalError, read_events

SHIFT_WARN_HOURS = 2.0  # a baseline this far off the gate's time of day is warned about


@dataclass(frozen=True)
class _Read:
    figures: BaselineFigures
    first: datetime | None
    interval: float


def read_baseline(runbook: Runbook, baseline: Baseline) -> BaselineFigures:
    """The figures of a `file` baseline; a problem (in `problem`) when it has none."""
    return _read(runbook, baseline).figures


def _read(runbook: Runbook, baseline: Baseline) -> _Read:
    assert baseline.file is not None
    path = runbook.relative_path(baseline.file)
    interval = runbook.monitor.interval

    def missing(problem: str) -> _Read:
        return _Read(
            BaselineFigures(baseline.name, baseline.file or "", problem=problem), None, interval
        )

    if not os.path.isfile(path):
        return missing(
            f"{baseline.file}: no such file"
            if not os.path.exists(path)
            else f"{baseline.file}: not a file"
        )
    kinds = (ev.MONITOR_STARTED, ev.RUN_STARTED)
    first: Event | None = None
    walls: list[str] = []  # the first and the latest sample's wall time
    try:
        # One pass, the events never all held: a rehearsal's journal is a baseline too.
        events = read_events(path, verify=True)
        first = next(events, None)
        if first is None or first.get("type") not in kinds:
            return missing(f"{baseline.file}: not a golive monitor --record or run journal")
        recorded_interval = float(first.get("interval") or interval)

        def samples() -> Iterator[Event]:
            for e in events:
                if e.get("type") == ev.SAMPLE:
                    if isinstance(e.get("t"), str):
                        walls[:] = [walls[0] if walls else e["t"], e["t"]]
                    yield e

        points = _points(samples(), recorded_interval)
    except JournalError as exc:
        return missing(f"{baseline.file}: {exc}")
    except (OSError, ValueError) as exc:
        return missing(f"{baseline.file}: not a golive journal ({exc})")
    started_t = walls[0] if walls else None
    figures = baseline_from_points(
        baseline.name, baseline.file, points, started=started_t, ended=walls[-1] if walls else None
    )
    started = datetime.fromisoformat(started_t) if started_t else None
    return _Read(figures, started, recorded_interval)


def _points(events: Iterable[Event], interval: float) -> dict[str, list[Point]]:
    points: dict[str, list[Point]] = {}
    last: dict[str, float] = {}
    for e in events:
        if e.get("type") != ev.SAMPLE or "host" not in e:
            continue
        host = e["host"]
        points.setdefault(host, []).append(point(e, last.get(host), interval))
        last[host] = float(e.get("m", 0.0))
    return points


def check_baselines(runbook: Runbook) -> list[Diagnostic]:
    """`golive check`'s findings on the runbook's file baselines, at their lines."""
    found: list[Diagnostic] = []
    used = {s.health.baseline for s in runbook.steps if s.health is not None}
    for baseline in runbook.baselines.values():
        if baseline.file is None or baseline.name not in used:
            continue
        line = baseline.line
        read = _read(runbook, baseline)
        figures = read.figures
        if figures.problem:
            found.append(
                Diagnostic(
                    runbook.path,
                    line,
                    f"baseline {baseline.name}: {figures.problem}",
                    "record one with golive monitor RUNBOOK --record FILE --duration 15m",
                )
            )
            continue
        for step in runbook.steps:
            if step.health is None or step.health.baseline != baseline.name:
                continue
            hosts = [h.name for h in runbook.targets(step.on)]
            absent = [h for h in hosts if h not in figures.hosts]
            if absent:
                found.append(
                    Diagnostic(
                        runbook.path,
                        line,
                        f"baseline {baseline.name} has no samples of "
                        f"{', '.join(absent[:5])}{' ...' if len(absent) > 5 else ''} "
                        f"(gate {step.id}): those hosts stay inconclusive",
                        "record the baseline with the same host names",
                        Severity.WARNING,
                    )
                )
            shift = _shift(runbook, step.id, read.first)
            if shift:
                found.append(
                    Diagnostic(runbook.path, line, f"baseline {baseline.name}: {shift}",
                               "record a baseline at the hour and weekday of the cutover",
                               Severity.WARNING)
                )  # fmt: skip
    return found


def _shift(runbook: Runbook, gate: str, recorded: datetime | None) -> str:
    """How the baseline's time differs from the gate's planned time, in words ("" none)."""
    if recorded is None or runbook.window is None:
        return ""
    deps = dependency_map(runbook)
    before = {s for s in deps if gate in descendants(s, deps)}
    ids = [s.id for s in runbook.steps if s.id in before or s.id == gate]
    offset, _ = longest_path(
        ids,
        {i: [d for d in deps[i] if d in before] for i in ids},
        lambda i: runbook.step(i).planned if i != gate else 0.0,
    )
    planned = runbook.window.start + timedelta(seconds=offset)
    recorded = recorded.astimezone(planned.tzinfo)
    hours = abs((recorded.hour * 60 + recorded.minute) - (planned.hour * 60 + planned.minute)) / 60
    hours = min(hours, 24 - hours)
    words = []
    if hours >= SHIFT_WARN_HOURS:
        words.append(
            f"recorded at {recorded:%H:%M}, but the gate is planned for {planned:%H:%M} "
            f"({hours:.0f}h apart; traffic differs by the hour)"
        )
    if recorded.weekday() != planned.weekday() and (recorded.weekday() >= 5) != (
        planned.weekday() >= 5
    ):
        words.append(f"recorded on a {recorded:%A}, the gate runs on a {planned:%A}")
    return "; ".join(words)
