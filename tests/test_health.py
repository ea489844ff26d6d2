"""Health gates' pure parts: the runbook tables, one evaluation, and what a gate does next."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from golive.core import events as ev
from golive.core.diagnostics import Severity
from golive.core.events import event
from golive.core.health import evaluate, evaluation_fields, next_step
from golive.core.health_data import BaselineFigures, HostView, Point, baseline_from_points, point
from golive.core.healthstats import Streak, Verdict
from golive.core.loader import load_runbook
from golive.core.notify import cause
from golive.core.record import build_record
from golive.core.runbook import Health, HealthCheck, Runbook
from golive.io.baseline import check_baselines, read_baseline
from golive.io.journal import JournalWriter
from golive.report.health import health_blocks
from golive.report.markdown import render_markdown
from golive.report.summary import summarize

RUNBOOK = """[runbook]
name = "gate"

[monitor]
interval = "2s"

[hosts.app1]
address = "10.0.0.1"
groups = ["app"]
logs = ["/var/log/app.log"]

[hosts.app2]
address = "10.0.0.2"
groups = ["app"]
logs = ["/var/log/app.log"]

[baselines.normal]
{baseline}

[[steps]]
id = "freeze"
run = "true"
duration = "1m"

[[steps]]
id = "deploy"
run = "true"
duration = "1m"

[[steps]]
id = "health"
kind = "gate"
on = "app"
instructions = "automatic"
duration = "10m"
[steps.health]
{health}
"""
GOOD_HEALTH = """baseline = "normal"
window = "5m"
every = "30s"
min_samples = 20
fail_after = 2
on_fail = "rollback"
[[steps.health.checks]]
metric = "errors"
max_ratio = 2.0
floor = "3/min"
[[steps.health.checks]]
metric = "cpu"
stat = "p90"
max_increase = 20
max = 95
"""


def load(
    tmp_path: Path, health: str = GOOD_HEALTH, baseline: str = 'file = "b.jsonl"'
) -> tuple[Runbook | None, list[str]]:
    path = tmp_path / "rb.toml"
    path.write_text(RUNBOOK.format(baseline=baseline, health=health))
    result = load_runbook(str(path))
    return result.runbook, [
        d.render().split(": ", 1)[1] for d in result.diagnostics if "change window" not in d.message
    ]


def test_a_health_table_is_read_into_the_model(tmp_path: Path) -> None:
    runbook, problems = load(tmp_path)
    assert problems == [] and runbook is not None
    health = runbook.step("health").health
    assert health is not None
    assert health == Health(
        baseline="normal",
        checks=(
            HealthCheck("errors", health.checks[0].line, max_ratio=2.0, floor_per_minute=3.0),
            HealthCheck("cpu", health.checks[1].line, stat="p90", max_increase=20, cap=95),
        ),
        window=300.0, every=30.0, min_samples=20, fail_after=2, on_fail="rollback", line=health.line,
    )  # fmt: skip
    assert health.checks[0].line == 43 and health.checks[1].line == 47


@pytest.mark.parametrize(
    ("health", "expected"),
    [
        (
            GOOD_HEALTH.replace('metric = "errors"', 'metric = "erors"'),
            "metric 'erors' is not known (did you mean 'errors'?)",
        ),
        (
            GOOD_HEALTH.replace('baseline = "normal"', 'baseline = "norml"'),
            "no baseline is named 'norml' (did you mean 'normal'?)",
        ),
        (
            GOOD_HEALTH.replace('on_fail = "rollback"', 'on_fail = "rollbak"'),
            "on_fail 'rollbak' is not one of ask, rollback, continue (did you mean 'rollback'?)",
        ),
        (
            GOOD_HEALTH.replace("on_fail", 'on_inconclusive = "continue"\non_fail'),
            "an inconclusive gate never passes on its own",
        ),
        (
            GOOD_HEALTH.replace("max_ratio = 2.0\n", ""),
            "the errors check needs max_ratio (e.g. max_ratio = 2.0)",
        ),
        (
            GOOD_HEALTH.replace('stat = "p90"\nmax_increase = 20\nmax = 95\n', ""),
            "the cpu check has no limit",
        ),
        (
            GOOD_HEALTH.replace('floor = "3/min"', 'stat = "p90"'),
            "stat is for cpu, mem, load and disk; errors is a rate (use max_ratio and floor)",
        ),
        (
            GOOD_HEALTH.replace("min_samples = 20", "min_samples = 200"),
            "a 300s window holds 150 samples at the monitor's 2s interval, fewer than min_samples 200",
        ),
        (GOOD_HEALTH.replace('every = "30s"', 'every = "30"'), "every: "),
        (GOOD_HEALTH + "surprise = 1\n", "unknown key 'surprise'"),
    ],
)
def test_a_wrong_health_table_is_an_error_on_its_line(
    tmp_path: Path, health: str, expected: str
) -> None:
    runbook, problems = load(tmp_path, health)
    assert runbook is None
    assert any(expected in p for p in problems), problems


def test_a_before_step_baseline_must_come_before_the_gate_and_not_after_a_freeze(
    tmp_path: Path,
) -> None:
    runbook, problems = load(tmp_path, baseline='before_step = "deploy"\nlength = "15m"')
    assert runbook is not None
    assert any("after step freeze, while traffic is held back" in p for p in problems), problems
    _, problems = load(tmp_path, baseline='before_step = "health"\nlength = "15m"')
    assert any("which the gate health does not come after" in p for p in problems), problems
    _, problems = load(tmp_path, baseline='before_step = "deploy"')
    assert any("how long?" in p for p in problems), problems
    _, problems = load(tmp_path, baseline='file = "b.jsonl"\nbefore_step = "deploy"')
    assert any("exactly one of file or before_step" in p for p in problems), problems


def test_health_is_only_for_gates_on_hosts(tmp_path: Path) -> None:
    text = RUNBOOK.format(baseline='file = "b.jsonl"', health=GOOD_HEALTH)
    path = tmp_path / "rb.toml"
    path.write_text(text.replace('kind = "gate"\non = "app"', 'kind = "manual"'))
    problems = [d.message for d in load_runbook(str(path)).diagnostics]
    assert any("has a health table but is a manual step" in p for p in problems)
    assert any("judges the hosts it is on, and it is on none" in p for p in problems)


# -- one evaluation ---------------------------------------------------------------

HEALTH = Health(
    baseline="normal",
    checks=(
        HealthCheck("errors", max_ratio=2.0, floor_per_minute=3.0),
        HealthCheck("cpu", stat="p90", max_increase=20, cap=95),
    ),
    window=300.0,
    every=30.0,
    min_samples=20,
    fail_after=2,
    on_fail="rollback",
)
INTERVAL = 2.0
FILE_LINE = RUNBOOK.split("\n").index("{baseline}") + 1  # where the baseline's `file` is


def series(
    rate_per_min: float, start: float, seconds: float, cpu: float = 30.0, seed: int = 1
) -> list[Point]:
    """Samples every 2 s whose error counts are Poisson at `rate_per_min`."""
    rng = random.Random(seed)
    points, m, previous = [], start, None
    while m < start + seconds:
        m += INTERVAL
        count = _poisson(rng, rate_per_min * INTERVAL / 60)
        sample = {
            "m": m,
            "cpu": cpu + rng.uniform(-5, 5),
            "mem": 50.0,
            "errors": count,
            "warnings": 0,
        }
        points.append(point(sample, previous, INTERVAL))
        previous = m
    return points


def _poisson(rng: random.Random, mean: float) -> int:
    count, total = 0, rng.expovariate(1.0)
    while total < mean:
        count += 1
        total += rng.expovariate(1.0)
    return count


def baseline(rate: float, hosts: Sequence[str] = ("app1", "app2")) -> BaselineFigures:
    return baseline_from_points(
        "normal", "b.jsonl", {h: series(rate, 0, 900, seed=i) for i, h in enumerate(hosts)}
    )


def live(points: list[Point], host: str, state: str = "LIVE") -> HostView:
    return HostView(host, state, "", tuple(points), points[-1].m if points else None)


def test_a_tripled_error_rate_on_one_host_fails_it_worst_first() -> None:
    now = 2000.0
    views = {
        "app1": live(series(10, now - 300, 300, seed=7), "app1"),
        "app2": live(series(30, now - 300, 300, seed=8), "app2"),
    }
    result = evaluate(HEALTH, ["app1", "app2"], views, baseline(10), now + 1, INTERVAL)
    assert result.verdict is Verdict.FAIL
    assert [h.host for h in result.hosts] == ["app2", "app1"]
    assert [h.verdict for h in result.hosts] == [Verdict.FAIL, Verdict.PASS]
    errors = result.hosts[0].checks[0]
    assert errors.metric == "errors" and errors.live is not None and errors.base is not None
    assert errors.live > 2.5 * errors.base and errors.p_value is not None and errors.p_value < 0.01
    assert errors.counts is not None and errors.counts[0] > errors.counts[2] / 3 * 2
    fields = evaluation_fields("health", 1, 1, result, HEALTH, baseline(10), Streak(3, 2), None)
    assert (
        fields["hosts"][0]["host"] == "app2"
        and fields["hosts"][0]["checks"][0]["verdict"] == "fail"
    )
    assert fields["counts"] == {"pass": 1, "fail": 1, "inconclusive": 0}


def test_max_bad_hosts_lets_one_host_fail() -> None:
    now = 2000.0
    views = {
        "app1": live(series(10, now - 300, 300, seed=7), "app1"),
        "app2": live(series(30, now - 300, 300, seed=8), "app2"),
    }
    lenient = Health(**{**HEALTH.__dict__, "max_bad_hosts": 1})
    result = evaluate(lenient, ["app1", "app2"], views, baseline(10), now + 1, INTERVAL)
    assert result.verdict is Verdict.PASS
    assert "1 fail, within max_bad_hosts 1" in result.reason


@pytest.mark.parametrize(
    ("why", "views", "figures"),
    [
        ("stale host", {"app1": "STALE"}, "ok"),
        ("no samples", {"app1": None}, "ok"),
        ("missing baseline", {}, "missing"),
        ("host not in the baseline", {}, "other hosts"),
    ],
)
def test_no_data_is_inconclusive_never_a_pass(
    why: str, views: dict[str, str | None], figures: str
) -> None:
    now = 2000.0
    shown = {
        "app1": live(series(10, now - 300, 300), "app1"),
        "app2": live(series(10, now - 300, 300, seed=3), "app2"),
    }
    for host, state in views.items():
        shown[host] = live(series(10, now - 300, 300), host, state) if state else live([], host)
    base = {
        "ok": baseline(10),
        "missing": BaselineFigures("normal", "b.jsonl", problem="b.jsonl: no such file"),
        "other hosts": baseline(10, ["app2", "app3"]),
    }[figures]
    result = evaluate(HEALTH, ["app1", "app2"], shown, base, now + 1, INTERVAL)
    assert result.verdict is Verdict.INCONCLUSIVE, why
    assert result.hosts[0].host == "app1" and result.hosts[0].verdict is Verdict.INCONCLUSIVE


def test_a_host_silent_for_three_intervals_is_inconclusive_although_its_state_says_live() -> None:
    now = 2000.0
    views = {h: live(series(10, now - 300, 300, seed=i), h) for i, h in enumerate(("app1", "app2"))}
    result = evaluate(HEALTH, ["app1", "app2"], views, baseline(10), now + 7, INTERVAL)
    assert result.verdict is Verdict.INCONCLUSIVE
    assert "no sample for" in result.hosts[0].checks[0].reason


def test_a_window_that_has_not_filled_since_the_gate_started_never_passes() -> None:
    now = 2000.0
    views = {h: live(series(10, now - 300, 300, seed=i), h) for i, h in enumerate(("app1", "app2"))}
    result = evaluate(
        HEALTH, ["app1", "app2"], views, baseline(10), now + 1, INTERVAL, since=now - 100
    )
    assert result.verdict is Verdict.INCONCLUSIVE
    assert "the window is 101s of 300s full" in result.reason
    views["app2"] = live(series(60, now - 300, 300, seed=9), "app2")
    early = evaluate(
        HEALTH, ["app1", "app2"], views, baseline(10), now + 1, INTERVAL, since=now - 100
    )
    assert early.verdict is Verdict.FAIL  # a failure need not wait for the window to fill


def test_a_clean_window_of_the_same_process_passes_at_the_stated_rate() -> None:
    """Two samples of one Poisson process: the gate's test fails fewer than 1 in 100
    windows (alpha is 0.01 per host and check, against twice the baseline's rate)."""
    failures = 0
    for seed in range(200):
        views = {"app1": live(series(5, 1000, 300, seed=1000 + seed), "app1")}
        figures = baseline_from_points("normal", "b", {"app1": series(5, 0, 900, seed=seed)})
        health = Health(**{**HEALTH.__dict__, "checks": HEALTH.checks[:1]})
        failures += (
            evaluate(health, ["app1"], views, figures, 1301, INTERVAL).verdict is Verdict.FAIL
        )
    assert failures <= 2


def test_what_a_gate_does_after_its_streaks() -> None:
    streak = Streak(3, 2)
    assert next_step(HEALTH, streak.after(Verdict.FAIL)) is None
    fail = next_step(HEALTH, streak.after(Verdict.FAIL).after(Verdict.FAIL))
    assert fail is not None and fail.action == "no-go" and "on_fail = rollback" in fail.reason
    passed = next_step(HEALTH, streak.after(Verdict.PASS).after(Verdict.PASS).after(Verdict.PASS))
    assert passed is not None and passed.action == "go"
    unclear = streak.after(Verdict.INCONCLUSIVE).after(Verdict.INCONCLUSIVE)
    assert next_step(HEALTH, unclear, warmed=False) is None  # the window is still filling
    asked = next_step(HEALTH, unclear)
    assert asked is not None and asked.action == "ask" and "never a pass" in asked.reason
    observing = Health(**{**HEALTH.__dict__, "observe_only": True})
    watched = next_step(observing, streak.after(Verdict.FAIL).after(Verdict.FAIL))
    assert watched is not None and watched.action == "ask" and "would no-go" in watched.reason
    waiting = Health(**{**HEALTH.__dict__, "on_inconclusive": "wait"})
    assert next_step(waiting, unclear) is None


class _At:
    """A clock standing at a given wall time, a second further at each reading."""

    def __init__(self, wall: datetime) -> None:
        self._wall, self._mono = wall, 0.0

    def wall(self) -> datetime:
        return self._wall + timedelta(seconds=self._mono)

    def mono(self) -> float:
        self._mono += 1.0
        return self._mono


def write_baseline(path: Path, wall: datetime, hosts: Sequence[str], samples: int = 30) -> None:
    path.unlink(missing_ok=True)
    writer = JournalWriter(str(path), _At(wall))
    writer.append(event(ev.MONITOR_STARTED, runbook="rb.toml", hosts=list(hosts), interval=2.0))
    for n in range(samples):
        for host in hosts:
            writer.append(
                event(ev.SAMPLE, host=host, cpu=30.0 + n % 3, mem=50.0, errors=n % 2, warnings=0)
            )
    writer.append(event(ev.MONITOR_FINISHED, reason="duration"))
    writer.close()


def test_golive_check_warns_of_a_baseline_from_another_hour_and_day(tmp_path: Path) -> None:
    window = 'window = { start = "2026-12-05T22:00:00+00:00", duration = "4h" }'
    text = RUNBOOK.format(baseline='file = "b.jsonl"', health=GOOD_HEALTH)
    text = text.replace('name = "gate"', f'name = "gate"\n{window}')
    (tmp_path / "rb.toml").write_text(text)
    loaded = load_runbook(str(tmp_path / "rb.toml")).runbook
    assert loaded is not None
    # Tuesday 14:00 for a Saturday 22:02 gate (the gate follows two 1-minute steps).
    write_baseline(tmp_path / "b.jsonl", datetime(2026, 12, 1, 14, 0, tzinfo=UTC), ["app1"])
    found = check_baselines(loaded)
    messages = [d.render() for d in found]
    assert any("recorded at 14:00, but the gate is planned for 22:02" in m for m in messages), (
        messages
    )
    assert any("recorded on a Tuesday, the gate runs on a Saturday" in m for m in messages)
    assert any("has no samples of app2" in m for m in messages)
    assert all(d.severity is Severity.WARNING and d.line == FILE_LINE + 1 for d in found)
    figures = read_baseline(loaded, loaded.baselines["normal"])
    assert figures.problem == "" and figures.hosts["app1"].samples == 30
    assert (
        figures.hosts["app1"].errors == 15 and figures.hosts["app1"].stats["cpu"]["median"] == 31.0
    )
    # The same night a week before, at the gate's hour: nothing to say but the missing host.
    write_baseline(
        tmp_path / "b.jsonl", datetime(2026, 11, 28, 21, 30, tzinfo=UTC), ["app1", "app2"]
    )
    assert check_baselines(loaded) == []


def test_a_baseline_whose_chain_is_broken_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "rb.toml").write_text(
        RUNBOOK.format(baseline='file = "b.jsonl"', health=GOOD_HEALTH)
    )
    loaded = load_runbook(str(tmp_path / "rb.toml")).runbook
    assert loaded is not None
    write_baseline(tmp_path / "b.jsonl", datetime(2026, 12, 1, 22, 0, tzinfo=UTC), ["app1", "app2"])
    lines = (tmp_path / "b.jsonl").read_text().splitlines()
    lines[5] = lines[5].replace('"errors":0', '"errors":1')
    (tmp_path / "b.jsonl").write_text("\n".join(lines) + "\n")
    (problem,) = check_baselines(loaded)
    assert problem.severity is Severity.ERROR and problem.line == FILE_LINE
    assert "b.jsonl" in problem.message and "golive monitor" in problem.hint


def test_a_health_gate_tells_the_war_room_when_it_needs_a_person_not_when_it_starts(
    tmp_path: Path,
) -> None:
    runbook, _ = load(tmp_path)
    assert runbook is not None
    started = event(ev.STEP_STARTED, step="health", action="run", attempt=1)
    assert cause(started, runbook) is None
    asked = event(ev.HEALTH_ASKED, step="health", reason="health: 2 inconclusive evaluations")
    found = cause(asked, runbook)
    assert found == (
        "gate_waiting",
        "health",
        "health gate needs a person: health: 2 inconclusive evaluations",
    )
    plain = event(ev.STEP_STARTED, step="deploy", action="run", attempt=1)
    assert cause(plain, runbook) is None  # not a gate


def test_the_report_folds_the_evaluations_and_shows_host_names_as_text(tmp_path: Path) -> None:
    runbook, _ = load(tmp_path)
    assert runbook is not None
    wall = "2026-12-05T22:00:00+00:00"

    def evaluated(n: int, verdict: str, then: str | None) -> dict[str, object]:
        check = {"metric": "errors", "verdict": verdict, "live": 9.0, "base": 3.0,
                 "limit": 6.0, "samples": 150, "reason": "9.00/min against 3.00/min", "p": 0.001}  # fmt: skip
        hosts = [{"host": "app\x1b[2J1", "verdict": verdict, "state": "LIVE", "checks": [check]}]
        return event(ev.HEALTH_EVALUATED, step="health", attempt=1, n=n, verdict=verdict,
                     reason=f"evaluation {n}", counts={verdict: 1}, then=then, hosts=hosts,
                     baseline={"name": "normal", "source": "b.jsonl", "problem": ""},
                     seq=n + 2, t=wall, m=100.0 + 30 * n)  # fmt: skip

    events = [
        event(
            ev.RUN_STARTED,
            runbook="rb.toml",
            mode="rehearsal",
            name="gate",
            seq=0,
            t=wall,
            m=0.0,
            steps=[s.id for s in runbook.steps],
        ),
        event(ev.STEP_STARTED, step="health", action="run", attempt=1, seq=1, t=wall, m=90.0),
        evaluated(1, "fail", None),
        evaluated(2, "fail", "no-go"),
        event(
            ev.DECISION,
            step="health",
            question="gate",
            decision="no-go",
            by="golive health",
            reason="health: 2 failing evaluations in a row",
            automatic=True,
            seq=5,
            t=wall,
            m=160.0,
        ),
    ]
    record = build_record("run.jsonl", runbook, events)
    summary = summarize(record, runbook)
    (gate,) = summary["health"]
    assert [e["n"] for e in gate["evaluations"]] == [1, 2]
    assert gate["decisive"]["n"] == 2 and gate["decisive"]["then"] == "no-go"
    assert gate["rules"]["checks"][0] == {"metric": "errors", "max_ratio": 2.0, "floor": 3.0,
                                          "stat": None, "max_increase": None, "max": None}  # fmt: skip
    assert gate["ended"] == [{"decision": "no-go", "by": "golive health", "automatic": True,
                              "reason": "health: 2 failing evaluations in a row"}]  # fmt: skip
    text = render_markdown(summary)
    assert "### health: 2 evaluations" in text
    assert "app\\\\x1b\\[2J1 | errors | ✘ fail | 9 | 3 | 6 |" in text  # shown, never obeyed
    assert "\x1b" not in text
    assert "decided: no-go (golive health, automatic)" in text.replace("\\_", "_")


def test_a_gate_run_again_numbers_its_evaluations_by_attempt_in_the_report() -> None:
    evaluation = {"at": None, "n": 3, "verdict": "pass", "counts": {}, "then": None,
                  "reason": "ok", "streak": {}}  # fmt: skip
    gate = {"step": "g", "rules": None, "baseline": None, "asked": [], "decisive": None,
            "ended": [], "evaluations": [{**evaluation, "attempt": 1}, {**evaluation, "attempt": 2}]}  # fmt: skip
    (block,) = health_blocks(
        [gate], str, lambda _, rows: "\n".join("|".join(row) for row in rows), lambda _: "t"
    )
    assert block[2].splitlines() == ["t|3|✔ pass|0 ✘ 0 ? 0 ✔||ok", "t|2.3|✔ pass|0 ✘ 0 ? 0 ✔||ok"]
