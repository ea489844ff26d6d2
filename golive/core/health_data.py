"""What a health gate judges: each host's journaled samples, and its baseline's figures.

Pure: the session's feed and golive.io.baseline turn `sample` events into Points; a
baseline keeps only what evaluations read (message counts over the minutes they cover,
each level's median and p90), worked out once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from golive.core.events import Event
from golive.core.healthstats import quantile

# The counts in a sample cover the time since the host's previous one, but never more
# than this many intervals: after a gap (a reconnect) the log was not being read.
MAX_COVER_INTERVALS: Final = 2.0
LEVELS: Final = ("cpu", "mem", "load", "disk")


@dataclass(frozen=True)
class Point:
    """One journaled sample of one host."""

    m: float
    cpu: float | None
    mem: float | None
    load: float | None
    disk: float | None
    errors: int | None  # error-level messages since the host's previous sample
    warnings: int | None
    covers: float  # the seconds those counts cover

    def level(self, metric: str) -> float | None:
        value: float | None = getattr(self, metric)
        return value


def point(sample: Event, previous_m: float | None, interval: float) -> Point:
    """A `sample` event as a Point; `previous_m`: the host's sample before it."""
    m = float(sample.get("m", 0.0))
    gap = interval if previous_m is None else m - previous_m
    covers = max(0.0, min(gap, MAX_COVER_INTERVALS * interval))

    def figure(key: str) -> float | None:
        value = sample.get(key)
        return float(value) if isinstance(value, (int, float)) else None

    def count(key: str) -> int | None:
        value = sample.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return Point(
        m,
        figure("cpu"),
        figure("mem"),
        figure("load1"),
        figure("disk"),
        count("errors"),
        count("warnings"),
        covers,
    )


@dataclass(frozen=True)
class HostView:
    """What the feed knows of one host when the gate evaluates."""

    host: str
    state: str  # the monitor's: LIVE, STALE, DOWN, CONNECTING, RECONNECTING; "" never heard
    reason: str
    points: tuple[Point, ...]  # oldest first; the caller may give more than the window
    last_m: float | None  # when its latest sample was journaled


@dataclass(frozen=True)
class BaselineHost:
    """One host's baseline: message counts over the minutes they cover, and each level's
    median and p90."""

    samples: int
    minutes: float | None  # None: recorded without message counts
    errors: int | None
    warnings: int | None
    stats: Mapping[str, Mapping[str, float]]  # metric -> {"median": .., "p90": .., "n": ..}

    def count(self, metric: str) -> int | None:
        return self.errors if metric == "errors" else self.warnings

    def stat(self, metric: str, stat: str) -> tuple[float | None, int]:
        figures = self.stats.get(metric)
        if not figures:
            return None, 0
        return figures.get(stat), int(figures.get("n", 0))


@dataclass(frozen=True)
class BaselineFigures:
    name: str
    source: str  # in words: "baseline-tue-2200.jsonl", "the 15m before step deploy"
    hosts: Mapping[str, BaselineHost] = field(default_factory=dict)
    problem: str = ""  # why there is none: every host is inconclusive with it
    started: str | None = None  # wall times of its first and last sample
    ended: str | None = None


def baseline_from_points(
    name: str, source: str, points: Mapping[str, Sequence[Point]], **when: str | None
) -> BaselineFigures:
    hosts: dict[str, BaselineHost] = {}
    for host, series in points.items():
        if not series:
            continue
        counted = all(p.errors is not None and p.warnings is not None for p in series)
        stats: dict[str, dict[str, float]] = {}
        for metric in LEVELS:
            values = [v for p in series if (v := p.level(metric)) is not None]
            if values:
                stats[metric] = {
                    "median": quantile(values, 0.5),
                    "p90": quantile(values, 0.9),
                    "n": float(len(values)),
                }
        hosts[host] = BaselineHost(
            samples=len(series),
            minutes=sum(p.covers for p in series) / 60 if counted else None,
            errors=sum(p.errors or 0 for p in series) if counted else None,
            warnings=sum(p.warnings or 0 for p in series) if counted else None,
            stats=stats,
        )
    problem = "" if hosts else "it holds no samples"
    return BaselineFigures(name, source, hosts, problem, when.get("started"), when.get("ended"))
