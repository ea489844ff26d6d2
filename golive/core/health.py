"""A health gate's evaluation: each host's window of live samples against its baseline.

Pure: the session's feed gives the samples (as journaled) and the baseline's figures;
this module judges them with golive.core.healthstats and says what the gate does next.
Every figure a verdict rests on goes into the `health_evaluated` event, so a reviewer
sees the numbers behind each decision, not only the decision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Final

from golive.core.health_data import (
    BaselineFigures,
    BaselineHost,
    HostView,
    Point,
    baseline_from_points,
    point,
)
from golive.core.healthstats import (
    LevelCheck,
    RateCheck,
    Streak,
    Verdict,
    combine,
    judge_level_stat,
    judge_rate,
)
from golive.core.runbook import Health, HealthCheck

__all__ = [  # what a gate's evaluation takes, from health_data, and what it gives
    "HEALTH_BY", "BaselineFigures", "BaselineHost", "CheckResult", "Evaluation", "HostResult", "HostView",
    "Next", "Point", "baseline_from_points", "evaluate", "evaluation_fields", "next_step",
    "point",
]  # fmt: skip

HEALTH_BY: Final = "golive health"  # who a gate's own decision is by, in the journal
STALE_AFTER_INTERVALS: Final = 3  # as the monitor's HostWatch: no sample for this long
_ORDER: Final = {Verdict.FAIL: 0, Verdict.INCONCLUSIVE: 1, Verdict.PASS: 2}


@dataclass(frozen=True)
class CheckResult:
    metric: str
    verdict: Verdict
    live: float | None  # rates: per minute; levels: the window's stat
    base: float | None
    limit: float | None  # the value over which it fails (rates: the ratio's, or the floor)
    samples: int
    reason: str
    p_value: float | None = None
    counts: tuple[int, float, int, float] | None = None  # live n, minutes; base n, minutes

    def fields(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "metric": self.metric,
            "verdict": self.verdict.value,
            "live": _round(self.live),
            "base": _round(self.base),
            "limit": _round(self.limit),
            "samples": self.samples,
            "reason": self.reason,
        }
        if self.p_value is not None:
            found["p"] = float(f"{self.p_value:.3g}")
        if self.counts is not None:
            live_n, live_min, base_n, base_min = self.counts
            found["counts"] = [live_n, round(live_min, 2), base_n, round(base_min, 2)]
        return found


@dataclass(frozen=True)
class HostResult:
    host: str
    verdict: Verdict
    state: str
    checks: tuple[CheckResult, ...]

    @property
    def worst(self) -> CheckResult | None:
        return min(self.checks, key=_severity, default=None)

    def fields(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "verdict": self.verdict.value,
            "state": self.state,
            "checks": [c.fields() for c in sorted(self.checks, key=_severity)],
        }


@dataclass(frozen=True)
class Evaluation:
    verdict: Verdict
    hosts: tuple[HostResult, ...]  # worst first
    reason: str

    def count(self, verdict: Verdict) -> int:
        return sum(1 for h in self.hosts if h.verdict is verdict)


def _severity(check: CheckResult) -> tuple[int, float]:
    # Worst first: failures, then inconclusive, then passes; within one, the closest to
    # (or furthest over) its limit first.
    margin = 0.0
    if check.live is not None and check.limit is not None:
        margin = -(check.live - check.limit)
    return _ORDER[check.verdict], margin


def _host_order(host: HostResult) -> tuple[int, float, str]:
    worst = host.worst
    return _ORDER[host.verdict], _severity(worst)[1] if worst else 0.0, host.host


def evaluate(
    health: Health,
    hosts: Sequence[str],
    views: Mapping[str, HostView],
    baseline: BaselineFigures | None,
    now: float,
    interval: float,
    since: float | None = None,
) -> Evaluation:
    """Judge every host's last `health.window` seconds before `now` (run offsets), but
    nothing from before `since` (the gate's start: what came before the change says
    nothing of it). A window not yet full can fail, never pass."""
    start = now - health.window if since is None else max(now - health.window, since)
    results = tuple(
        sorted(
            (
                _judge_host(health, host, views.get(host), baseline, now, start, interval)
                for host in hosts
            ),
            key=_host_order,
        )
    )
    verdict = combine([r.verdict for r in results], health.max_bad_hosts)
    reason = _reason(verdict, results, health.max_bad_hosts)
    filled = now - start
    if verdict is Verdict.PASS and filled < health.window - interval / 2:
        verdict = Verdict.INCONCLUSIVE
        reason = f"{reason} so far; the window is {filled:.0f}s of {health.window:g}s full"
    return Evaluation(verdict, results, reason)


def _judge_host(
    health: Health,
    host: str,
    view: HostView | None,
    baseline: BaselineFigures | None,
    now: float,
    start: float,
    interval: float,
) -> HostResult:
    state = view.state if view is not None else ""

    def unclear(reason: str) -> HostResult:
        checks = tuple(
            CheckResult(c.metric, Verdict.INCONCLUSIVE, None, None, None, 0, reason)
            for c in health.checks
        )
        return HostResult(host, Verdict.INCONCLUSIVE, state, checks)

    if baseline is None or baseline.problem:
        return unclear(f"no baseline: {baseline.problem if baseline else 'not taken yet'}")
    if view is None or view.last_m is None:
        return unclear("no samples from this host yet")
    if state != "LIVE":
        return unclear(
            f"host {state or 'not heard from'}" + (f": {view.reason}" if view.reason else "")
        )
    if now - view.last_m > STALE_AFTER_INTERVALS * interval:
        return unclear(f"no sample for {now - view.last_m:.0f}s")
    base = baseline.hosts.get(host)
    if base is None:
        return unclear(f"the baseline ({baseline.source}) has no samples of this host")
    window = [p for p in view.points if start < p.m <= now]
    checks = tuple(
        _rate(health, check, window, base) if check.is_rate else _level(health, check, window, base)
        for check in health.checks
    )
    return HostResult(host, combine([c.verdict for c in checks], 0), state, checks)


def _rate(
    health: Health, check: HealthCheck, window: Sequence[Point], base: BaselineHost
) -> CheckResult:
    metric = check.metric
    samples = len(window)

    def unclear(reason: str) -> CheckResult:
        return CheckResult(metric, Verdict.INCONCLUSIVE, None, None, None, samples, reason)

    if samples < health.min_samples:
        return unclear(f"{samples} samples in the window, fewer than {health.min_samples}")
    counts = [p.errors if metric == "errors" else p.warnings for p in window]
    if any(c is None for c in counts):
        return unclear("the live samples carry no message counts")
    base_count = base.count(metric)
    if base.minutes is None or base_count is None:
        return unclear("the baseline was recorded without message counts; record it again")
    if base.samples < health.min_samples:
        return unclear(f"the baseline has {base.samples} samples, fewer than {health.min_samples}")
    live_count = sum(c or 0 for c in counts)
    live_minutes = sum(p.covers for p in window) / 60
    assert check.max_ratio is not None
    rule = RateCheck(check.max_ratio, check.floor_per_minute)
    result = judge_rate(rule, live_count, live_minutes, base_count, base.minutes)
    limit = max(check.max_ratio * result.base_rate, check.floor_per_minute)
    return CheckResult(
        metric,
        result.verdict,
        result.live_rate,
        result.base_rate,
        limit,
        samples,
        result.reason,
        result.p_value,
        (live_count, live_minutes, base_count, base.minutes),
    )


def _level(
    health: Health, check: HealthCheck, window: Sequence[Point], base: BaselineHost
) -> CheckResult:
    read = attrgetter(check.metric)  # Point's cpu, mem, load or disk
    values = [v for p in window if (v := read(p)) is not None]
    base_value, base_n = base.stat(check.metric, check.stat)
    rule = LevelCheck(check.stat, check.max_increase, check.cap)  # type: ignore[arg-type]
    result = judge_level_stat(rule, values, base_value, base_n, health.min_samples)
    limits = [
        v
        for v in (
            check.cap,
            base_value + check.max_increase
            if base_value is not None and check.max_increase is not None
            else None,
        )
        if v is not None
    ]
    return CheckResult(
        check.metric,
        result.verdict,
        result.live,
        base_value,
        min(limits) if limits else None,
        result.samples,
        result.reason,
    )


def _reason(verdict: Verdict, hosts: Sequence[HostResult], max_bad: int) -> str:
    total = len(hosts)
    failing = [h for h in hosts if h.verdict is Verdict.FAIL]
    unclear = [h for h in hosts if h.verdict is Verdict.INCONCLUSIVE]

    def named(group: Sequence[HostResult]) -> str:
        parts = []
        for host in group[:3]:
            worst = host.worst
            parts.append(f"{host.host} {worst.metric}: {worst.reason}" if worst else host.host)
        more = f"; and {len(group) - 3} more" if len(group) > 3 else ""
        return "; ".join(parts) + more

    if verdict is Verdict.FAIL:
        return f"{len(failing)} of {total} hosts fail (allowed: {max_bad}): {named(failing)}"
    if verdict is Verdict.INCONCLUSIVE:
        if not hosts:
            return "no hosts to judge"
        return f"{len(unclear)} of {total} hosts inconclusive: {named(unclear)}"
    return (
        f"{total} of {total} hosts pass"
        if not failing
        else (
            f"{total - len(failing)} of {total} hosts pass; {len(failing)} fail, "
            f"within max_bad_hosts {max_bad}"
        )
    )


@dataclass(frozen=True)
class Next:
    """What a gate does after an evaluation: go, no-go, or ask a person."""

    action: str  # "go" | "no-go" | "ask"
    reason: str


def next_step(health: Health, streak: Streak, warmed: bool = True) -> Next | None:
    """The gate's move after the evaluations `streak` counts; None: evaluate again.
    Until the gate has run for one `window` (`warmed`), too little data only waits: a
    window that has not filled yet is no reason to call a person."""
    decided = streak.decided
    if decided is Verdict.PASS:
        move = Next("go", f"health: {streak.passes} passing evaluations in a row")
    elif decided is Verdict.FAIL:
        fails = f"health: {streak.fails} failing evaluations in a row"
        move = {
            "rollback": Next("no-go", f"{fails}; on_fail = rollback"),
            "continue": Next("go", f"{fails}; on_fail = continue"),
        }.get(health.on_fail, Next("ask", f"{fails}; on_fail = ask"))
    elif streak.unclear >= health.fail_after and warmed:
        unclear = f"health: {streak.unclear} inconclusive evaluations in a row"
        if health.on_inconclusive == "wait":
            return None
        move = (
            Next("no-go", f"{unclear}; on_inconclusive = rollback")
            if health.on_inconclusive == "rollback"
            else Next("ask", f"{unclear}: no data is never a pass")
        )
    else:
        return None
    if health.observe_only:
        return Next("ask", f"observe_only: would {move.action} ({move.reason}); a person decides")
    return move


def evaluation_fields(
    step: str,
    attempt: int,
    number: int,
    evaluation: Evaluation,
    health: Health,
    baseline: BaselineFigures | None,
    streak: Streak,
    then: Next | None,
) -> dict[str, Any]:
    """The `health_evaluated` event's fields."""
    return {
        "step": step,
        "attempt": attempt,
        "n": number,
        "verdict": evaluation.verdict.value,
        "reason": evaluation.reason,
        "window": health.window,
        "baseline": {
            "name": health.baseline,
            "source": baseline.source if baseline else "",
            "problem": baseline.problem if baseline else "not taken yet",
        },
        "counts": {v.value: evaluation.count(v) for v in Verdict},
        "streak": {"passes": streak.passes, "fails": streak.fails, "unclear": streak.unclear},
        "then": then.action if then else None,
        "observe_only": health.observe_only,
        "hosts": [h.fields() for h in evaluation.hosts],
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
