"""What the monitor knows about one host, and the alerts it raises. Pure logic.

The I/O side (golive.io.monitor) feeds it samples, log lines and connection
changes with the monotonic time; it answers with immutable snapshots for the
screens and with events (state changes, alerts, metric samples) for the
journal. Old values stay, with their age: a host that stops answering is
shown as STALE or DOWN with its last figures, never as zeros.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from golive.core.alerts import AlertRule, AlertState, Verdict
from golive.core.events import ALERT, HOST_STATE, SAMPLE, Event, event

HISTORY = 600  # samples kept per host for sparklines and the review
ERROR_LINES = 20  # last error lines kept per host
ERROR_LEVELS = frozenset({"critical", "error"})
WARNING_LEVELS = frozenset({"warning"})
ERROR_HISTORY_MINUTES = 30  # the error sparkline: one bar per minute
STALE_AFTER_INTERVALS = 3


class HostState(Enum):
    CONNECTING = "CONNECTING"
    LIVE = "LIVE"
    STALE = "STALE"
    DOWN = "DOWN"
    RECONNECTING = "RECONNECTING"


@dataclass(frozen=True)
class Metrics:
    cpu: float | None
    mem: float | None
    load1: float | None
    disk: float | None


@dataclass(frozen=True)
class HostSnapshot:
    """One host as the screens show it at `at` (monotonic seconds)."""

    host: str
    state: HostState
    reason: str
    at: float
    sampled_at: float | None  # when the figures below were measured
    metrics: Metrics | None
    errors_per_min: int
    warnings_per_min: int
    levels_this_minute: dict[str, int]
    cpu_history: tuple[float, ...]
    mem_history: tuple[float, ...]
    error_history: tuple[int, ...]  # errors per minute, oldest first
    last_errors: tuple[str, ...]
    alerts: tuple[str, ...]  # metrics now over their threshold

    @property
    def age(self) -> float | None:
        return None if self.sampled_at is None else self.at - self.sampled_at


@dataclass(frozen=True)
class Thresholds:
    cpu: float = 85.0
    mem: float = 90.0
    errors_per_min: float = 5.0


@dataclass
class HostWatch:
    host: str
    interval: float
    thresholds: Thresholds = field(default_factory=Thresholds)
    state: HostState = HostState.CONNECTING
    reason: str = ""
    sampled_at: float | None = None
    metrics: Metrics | None = None
    last_journaled: float | None = None
    _cpu: deque[float] = field(default_factory=lambda: deque(maxlen=HISTORY))
    _mem: deque[float] = field(default_factory=lambda: deque(maxlen=HISTORY))
    _minutes: dict[int, Counter[str]] = field(default_factory=dict)
    _errors: deque[str] = field(default_factory=lambda: deque(maxlen=ERROR_LINES))
    _alerts: set[str] = field(default_factory=set)
    _last_heard: float | None = None
    # Messages since the last journaled sample: a health gate adds them up exactly.
    _unjournaled: Counter[str] = field(default_factory=Counter)
    rules: Mapping[str, AlertRule] | None = None  # cpu, mem, errors; None: the defaults
    _rules: dict[str, AlertState] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # CPU, memory and the error rate alert only when sustained, clear with
        # hysteresis and go quiet when they flap (golive.core.alerts); DOWN is at once.
        t, every = self.thresholds, self.interval
        rules = {
            "cpu": AlertRule.for_interval("cpu", t.cpu, every),
            "mem": AlertRule.for_interval("mem", t.mem, every),
            "errors": AlertRule.for_interval("errors", t.errors_per_min, every, strict=True),
        } | dict(self.rules or {})
        self._rules = {metric: AlertState(rule) for metric, rule in rules.items()}

    # -- inputs ---------------------------------------------------------------
    def connecting(self, now: float, again: bool = False) -> list[Event]:
        return self._become(HostState.RECONNECTING if again else HostState.CONNECTING, "", now)

    def connected(self, now: float) -> list[Event]:
        self._last_heard = now
        return self._become(HostState.LIVE, "", now)

    def lost(self, reason: str, now: float) -> list[Event]:
        events = self._become(HostState.DOWN, reason, now)
        return events + self._alert("down", True, None, None)

    def sample(self, metrics: Metrics, now: float) -> list[Event]:
        """A fresh measurement; journaled at most once per interval."""
        self._last_heard = now
        self.metrics, self.sampled_at = metrics, now
        if metrics.cpu is not None:
            self._cpu.append(metrics.cpu)
        if metrics.mem is not None:
            self._mem.append(metrics.mem)
        events: list[Event] = []
        if self.state is not HostState.LIVE:
            events += self._become(HostState.LIVE, "", now)
        events += self._alert("down", False, None, None)
        events += self._judge("cpu", metrics.cpu, now)
        events += self._judge("mem", metrics.mem, now)
        per_min = self.errors_per_min(now)
        events += self._judge("errors", per_min, now)
        if self.last_journaled is None or now - self.last_journaled >= self.interval * 0.9:
            self.last_journaled = now
            counted = self._unjournaled
            events.append(
                event(
                    SAMPLE, host=self.host, cpu=_round(metrics.cpu), mem=_round(metrics.mem),
                    load1=metrics.load1, disk=_round(metrics.disk),
                    errors_per_min=per_min, warnings_per_min=self.count_last_minute(now, WARNING_LEVELS),
                    errors=sum(counted[level] for level in ERROR_LEVELS),
                    warnings=sum(counted[level] for level in WARNING_LEVELS),
                )
            )  # fmt: skip
            counted.clear()
        return events

    def log_line(self, level: str, line: str, now: float) -> list[Event]:
        """A classified log message (continuation lines are not passed in)."""
        self._minutes.setdefault(int(now // 60), Counter())[level] += 1
        self._unjournaled[level] += 1
        for old in [m for m in self._minutes if m < int(now // 60) - 60]:
            del self._minutes[old]
        if level in ERROR_LEVELS:
            self._errors.append(line)
            return self._judge("errors", self.errors_per_min(now), now)
        return []

    def tick(self, now: float) -> list[Event]:
        """Time passes: a LIVE host that has not been heard from for 3 intervals is STALE;
        the error rate (which falls as the minute passes) is judged again."""
        events: list[Event] = []
        heard = self._last_heard
        if (
            self.state is HostState.LIVE
            and heard is not None
            and now - heard > STALE_AFTER_INTERVALS * self.interval
        ):
            events += self._become(HostState.STALE, f"no sample for {now - heard:.0f}s", now)
        events += self._judge("errors", self.errors_per_min(now), now)
        return events

    # -- outputs --------------------------------------------------------------
    def count_last_minute(self, now: float, levels: frozenset[str] | set[str]) -> int:
        """Messages at `levels` in the 60 s before `now` (whole minutes, prorated)."""
        minute = int(now // 60)
        fraction = (now % 60) / 60
        this = self._count(minute, levels)
        before = self._count(minute - 1, levels)
        return this + round(before * (1 - fraction))

    def _count(self, minute: int, levels: frozenset[str] | set[str]) -> int:
        # Called for every host several times a second: no Counter built for an
        # empty minute, no Counter.__missing__ for a level not seen.
        counts = self._minutes.get(minute)
        return 0 if not counts else sum(counts.get(level, 0) for level in levels)

    def _errors_in(self, minute: int) -> int:
        return self._count(minute, ERROR_LEVELS)

    def errors_per_min(self, now: float) -> int:
        return self.count_last_minute(now, ERROR_LEVELS)

    def snapshot(self, now: float) -> HostSnapshot:
        minute = int(now // 60)
        first = minute - ERROR_HISTORY_MINUTES + 1
        history = [0] * ERROR_HISTORY_MINUTES
        for m in self._minutes:  # the minutes that had messages: none for a host without logs
            if first <= m <= minute:
                history[m - first] = self._errors_in(m)
        return HostSnapshot(
            host=self.host,
            state=self.state,
            reason=self.reason,
            at=now,
            sampled_at=self.sampled_at,
            metrics=self.metrics,
            errors_per_min=self.errors_per_min(now),
            warnings_per_min=self.count_last_minute(now, WARNING_LEVELS),
            levels_this_minute=dict(self._minutes.get(minute) or {}),
            cpu_history=tuple(self._cpu),
            mem_history=tuple(self._mem),
            error_history=tuple(history),
            last_errors=tuple(self._errors),
            alerts=tuple(sorted(self._alerts)),
        )

    # -- internals ------------------------------------------------------------
    def _become(self, state: HostState, reason: str, now: float) -> list[Event]:
        if state is self.state and reason == self.reason:
            return []
        self.state, self.reason = state, reason
        return [event(HOST_STATE, host=self.host, state=state.value, reason=reason)]

    def _judge(self, metric: str, value: float | None, now: float) -> list[Event]:
        """A metric's new value against its rule: the alert events it decides."""
        state = self._rules[metric]
        events = [self._alert_event(verdict) for verdict in state.observe(value, now)]
        if state.raised or state.flapping:
            self._alerts.add(metric)
        else:
            self._alerts.discard(metric)
        return events

    def _alert_event(self, verdict: Verdict) -> Event:
        fields: dict[str, Any] = {
            "host": self.host,
            "metric": verdict.metric,
            "status": "raised" if verdict.raised else "cleared",
            "value": _round(verdict.value),
            "threshold": verdict.threshold,
            "rule": verdict.rule,
        }
        if verdict.values is not None:
            seen = verdict.values
            fields["values"] = {
                "min": _round(seen.low), "mean": _round(seen.mean), "max": _round(seen.high),
                "samples": seen.samples,
            }  # fmt: skip
        if verdict.status == "flapping":
            fields |= {"flapping": True, "raises": verdict.raises}
        elif verdict.status == "settled":
            fields["settled"] = True
        return event(ALERT, **fields)

    def _alert(self, metric: str, over: bool, value: Any, threshold: Any) -> list[Event]:
        if over == (metric in self._alerts):
            return []
        (self._alerts.add if over else self._alerts.discard)(metric)
        return [
            event(
                ALERT,
                host=self.host,
                metric=metric,
                status="raised" if over else "cleared",
                value=_round(value),
                threshold=threshold,
            )
        ]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
