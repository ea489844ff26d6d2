"""Reading a runbook's ``[baselines.NAME]`` tables and a gate's ``[steps.health]``
(golive.core.loader calls these). What needs the other steps (a baseline's step, the
gate's hosts) is checked in check_health, once the whole runbook is read."""

from __future__ import annotations

import re
from typing import Any

from golive.core.graph import descendants
from golive.core.reader import DocumentReader, did_you_mean, type_name
from golive.core.runbook import (
    HEALTH_ON_FAIL,
    HEALTH_ON_INCONCLUSIVE,
    LEVEL_METRICS,
    LOCAL,
    RATE_METRICS,
    Baseline,
    Health,
    HealthCheck,
    Runbook,
    StepKind,
)

BASELINE_KEYS = ("file", "before_step", "length")
HEALTH_KEYS = (
    "baseline", "window", "every", "min_samples", "max_bad_hosts", "pass_after",
    "fail_after", "on_fail", "on_inconclusive", "observe_only", "checks",
)  # fmt: skip
CHECK_KEYS = ("metric", "max_ratio", "floor", "stat", "max_increase", "max")
STATS = ("median", "p90")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
# A baseline taken while traffic is held back measures a quiet system, not a normal one.
_FREEZE = re.compile(r"freeze|maintenance|drain|quiesce", re.IGNORECASE)
_UNFREEZE = re.compile(r"unfreeze|undrain|resume|reopen", re.IGNORECASE)

Where = tuple[str | int, ...]


def baselines(reader: DocumentReader, table: dict[str, Any]) -> dict[str, Baseline]:
    found: dict[str, Baseline] = {}
    for name, spec in table.items():
        where: Where = ("baselines", name)
        if not isinstance(spec, dict):
            reader.error(where, f"baseline {name} must be a table", f"write [baselines.{name}]")
            continue
        if not _NAME.match(name):
            reader.error(
                where, f"baseline name {name!r} is not usable", "use letters, digits, - _ ."
            )
            continue
        reader.known_keys(where, spec, BASELINE_KEYS)
        file = reader.optional_text(spec, where, "file")
        before = reader.optional_text(spec, where, "before_step")
        length = reader.duration(spec, where, "length")
        if bool(file) == bool(before):
            reader.error(
                where,
                f"baseline {name} needs exactly one of file or before_step",
                'e.g. file = "baseline-tue-2200.jsonl" (a golive monitor --record journal)',
            )
        if before and length is None and "length" not in spec:
            reader.error(
                where,
                f"baseline {name} takes the run's own samples before {before}: how long?",
                'add length = "15m"',
            )
        if file and "length" in spec:
            reader.error(
                (*where, "length"),
                "length is for a before_step baseline; a file's baseline is the whole file",
                "drop it, or record a shorter baseline",
            )
        if length is not None and length <= 0:
            reader.error((*where, "length"), "length must be more than 0")
            length = None
        line = reader.lines.line_of((*where, "file") if file else where)
        found[name] = Baseline(name, line, file=file, before_step=before, length=length)
    return found


def health(reader: DocumentReader, spec: dict[str, Any], where: Where) -> Health | None:
    if "health" not in spec:
        return None
    where = (*where, "health")
    table = spec["health"]
    if not isinstance(table, dict):
        reader.error(
            where, f"health must be a table, not {type_name(table)}", "write [steps.health]"
        )
        return None
    reader.known_keys(where, table, HEALTH_KEYS)
    if spec.get("kind", "command") != "gate":
        for key in ("on_fail", "on_inconclusive"):
            if key in table:
                reader.error(
                    (*where, key),
                    f"{key} is for health gates; a step that fails its health check "
                    "fails, and its on_failure says what comes next",
                    "drop it, or set on_failure on the step",
                )
    baseline = reader.text(table, where, "baseline")
    if not baseline:
        reader.error(where, "a health table needs its baseline", 'add baseline = "normal"')
    window = _duration(reader, table, where, "window", 300.0)
    every = _duration(reader, table, where, "every", 30.0)
    if every < 1.0:
        reader.error((*where, "every"), "every must be at least 1s")
    on_fail = _one_of(reader, table, where, "on_fail", HEALTH_ON_FAIL, "ask")
    on_inconclusive = reader.text(table, where, "on_inconclusive", "ask")
    if on_inconclusive == "continue":
        reader.error(
            (*where, "on_inconclusive"),
            "an inconclusive gate never passes on its own",
            "one of: " + ", ".join(HEALTH_ON_INCONCLUSIVE),
        )
        on_inconclusive = "ask"
    else:
        on_inconclusive = _one_of(
            reader, table, where, "on_inconclusive", HEALTH_ON_INCONCLUSIVE, "ask"
        )
    return Health(
        baseline=baseline,
        checks=_checks(reader, table.get("checks"), where),
        window=window,
        every=every,
        min_samples=reader.whole(table, where, "min_samples", 20, 1, 100_000),
        max_bad_hosts=reader.whole(table, where, "max_bad_hosts", 0, 0, 100_000),
        pass_after=reader.whole(table, where, "pass_after", 3, 1, 1000),
        fail_after=reader.whole(table, where, "fail_after", 2, 1, 1000),
        on_fail=on_fail,
        on_inconclusive=on_inconclusive,
        observe_only=reader.flag(table, where, "observe_only"),
        line=reader.lines.line_of(where),
    )


def _duration(
    reader: DocumentReader, table: dict[str, Any], where: Where, key: str, default: float
) -> float:
    seconds = reader.duration(table, where, key)
    if seconds is None:
        return default
    if seconds <= 0:
        reader.error((*where, key), f"{key} must be more than 0")
        return default
    return seconds


def _one_of(
    reader: DocumentReader,
    table: dict[str, Any],
    where: Where,
    key: str,
    choices: tuple[str, ...],
    default: str,
) -> str:
    value = reader.text(table, where, key, default)
    if value not in choices:
        reader.error(
            (*where, key),
            f"{key} {value!r} is not one of {', '.join(choices)}",
            did_you_mean(value, choices),
        )
        return default
    return value


def _checks(reader: DocumentReader, raw: Any, where: Where) -> tuple[HealthCheck, ...]:
    if raw is None:
        reader.error(
            where,
            "a health table needs at least one check",
            'add [[steps.health.checks]] with metric = "errors" and max_ratio = 2.0',
        )
        return ()
    if not isinstance(raw, list) or not raw:
        reader.error(
            (*where, "checks"),
            "checks must be [[steps.health.checks]] tables",
            "write [[steps.health.checks]] before each check",
        )
        return ()
    checks: list[HealthCheck] = []
    for index, spec in enumerate(raw):
        at: Where = (*where, "checks", index)
        if not isinstance(spec, dict):
            reader.error(at, f"check #{index + 1} must be a table")
            continue
        reader.known_keys(at, spec, CHECK_KEYS)
        check = _check(reader, spec, at)
        if check is not None:
            checks.append(check)
    return tuple(checks)


def _check(reader: DocumentReader, spec: dict[str, Any], at: Where) -> HealthCheck | None:
    metric = reader.text(spec, at, "metric")
    known = (*RATE_METRICS, *LEVEL_METRICS)
    if metric not in known:
        reader.error(
            (*at, "metric") if "metric" in spec else at,
            f"metric {metric!r} is not known" if metric else "a check needs its metric",
            did_you_mean(metric, known) or "one of: " + ", ".join(known),
        )
        return None
    line = reader.lines.line_of(at)
    if metric in RATE_METRICS:
        for key in ("stat", "max_increase", "max"):
            if key in spec:
                reader.error(
                    (*at, key),
                    f"{key} is for cpu, mem, load and disk; {metric} is a rate",
                    "use max_ratio and floor",
                )
        if "max_ratio" not in spec:
            reader.error(at, f"the {metric} check needs max_ratio", "e.g. max_ratio = 2.0")
            return None
        ratio = reader.number(spec, at, "max_ratio", 2.0, 1.0, 1e6)
        floor = reader.rate(spec, at, "floor")
        return HealthCheck(metric, line, max_ratio=ratio, floor_per_minute=floor or 0.0)
    for key in ("max_ratio", "floor"):
        if key in spec:
            reader.error(
                (*at, key),
                f"{key} is for the errors and warnings rates; {metric} is a level",
                "use stat, max_increase and max",
            )
    stat = _one_of(reader, spec, at, "stat", STATS, "median")
    high = 1e6 if metric == "load" else 100.0
    increase = (
        reader.number(spec, at, "max_increase", 0, 0, high) if "max_increase" in spec else None
    )
    cap = reader.number(spec, at, "max", 0, 0, high) if "max" in spec else None
    if increase is None and cap is None:
        reader.error(
            at,
            f"the {metric} check has no limit",
            "add max_increase = 20 (points over the baseline) or max = 95",
        )
        return None
    return HealthCheck(metric, line, stat=stat, max_increase=increase, cap=cap)


def check_health(runbook: Runbook, reader: DocumentReader) -> None:
    """What a health table needs from the rest of the runbook."""
    deps = {step.id: step.depends_on for step in runbook.steps}
    used: set[str] = set()
    for index, step in enumerate(runbook.steps):
        if step.health is None:
            continue
        where: Where = ("steps", index, "health")
        health = step.health
        if step.kind in (StepKind.MANUAL, StepKind.WAIT):
            reader.error(
                where,
                f"step {step.id} has a health table but is a {step.kind.value} step",
                "a health table decides a gate, or verifies a command or check step",
            )
        hosts = runbook.targets(step.on)
        if step.on == LOCAL:
            reader.error(
                where,
                f"the health table of {step.id} judges the hosts it is on, and it is on none",
                'add on = "app" (a group or a host of [hosts])',
            )
        interval = runbook.monitor.interval
        if health.window / interval < health.min_samples:
            reader.error(
                (*where, "min_samples"),
                f"a {health.window:g}s window holds {int(health.window // interval)} samples "
                f"at the monitor's {interval:g}s interval, fewer than min_samples "
                f"{health.min_samples}: the gate could never decide",
                "lengthen window or lower min_samples",
            )
        if any(c.is_rate for c in health.checks) and hosts and not any(h.logs for h in hosts):
            reader.warn(
                where,
                f"the health gate {step.id} counts log messages, but none of its hosts has logs",
                'add logs = ["/var/log/app.log"] to its hosts; until then it is inconclusive',
            )
        if health.max_bad_hosts and hosts and health.max_bad_hosts >= len(hosts):
            reader.warn(
                (*where, "max_bad_hosts"),
                f"max_bad_hosts {health.max_bad_hosts} lets every host of {step.on} fail",
                f"keep it under {len(hosts)}",
            )
        if not health.baseline:
            continue
        used.add(health.baseline)
        baseline = runbook.baselines.get(health.baseline)
        if baseline is None:
            reader.error(
                (*where, "baseline"),
                f"no baseline is named {health.baseline!r}",
                did_you_mean(health.baseline, runbook.baselines)
                or f"add [baselines.{health.baseline}]",
            )
            continue
        if baseline.before_step:
            _check_before_step(runbook, reader, step.id, baseline, deps)
    for name in runbook.baselines:
        if name not in used:
            reader.warn(("baselines", name), f"baseline {name} is used by no health gate")


def _check_before_step(
    runbook: Runbook,
    reader: DocumentReader,
    gate: str,
    baseline: Baseline,
    deps: dict[str, tuple[str, ...]],
) -> None:
    where: Where = ("baselines", baseline.name, "before_step")
    before = baseline.before_step
    assert before is not None
    if not runbook.has_step(before):
        reader.error(
            where,
            f"baseline {baseline.name}: no step is named {before!r}",
            did_you_mean(before, [s.id for s in runbook.steps]),
        )
        return
    if gate not in descendants(before, deps):
        reader.error(
            where,
            f"baseline {baseline.name} is taken before step {before}, which the gate "
            f"{gate} does not come after",
            f"make {gate} depend on {before}, directly or not",
        )
        return
    # A freeze that runs before the baseline's step, and no unfreeze between them: the
    # baseline would measure a frozen system.
    above = {s for s in deps if before in descendants(s, deps)}
    named = {s.id: f"{s.id} {s.title}" for s in runbook.steps if s.id in above}
    thawed = [i for i, words in named.items() if _UNFREEZE.search(words)]
    frozen = [i for i, words in named.items() if _FREEZE.search(words) and i not in thawed]
    if frozen and not thawed:
        reader.warn(
            where,
            f"baseline {baseline.name} is recorded after step {frozen[-1]}, while traffic "
            "is held back: it measures a quiet system, not a normal night",
            "record a baseline on a normal night with golive monitor --record, or take it "
            "before the freeze",
        )
