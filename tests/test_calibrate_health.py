"""golive calibrate proposes health-gate tolerances from what the passing gates observed."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from golive.core import events as ev
from golive.core.calibrate_health import (
    CAP,
    MAX_INCREASE,
    HealthCalibration,
    HealthJournal,
    Tolerance,
    calibrate_health,
    round_up,
)
from golive.core.events import Event, event
from golive.core.gate_attempts import gate_attempts, not_counted_reason
from golive.core.loader import load_runbook_text
from golive.core.runbook import Runbook
from golive.core.tolerance_text import (
    FLOOR,
    MAX_RATIO,
    set_tolerances,
)
from golive.io.journal import JournalWriter
from golive.io.recorded import load_record
from tests.helpers import golive

RUNBOOK = """\
[runbook]
name = "gate"
window = { start = "2026-12-05T22:00:00+00:00", duration = "4h" }

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
file = "b.jsonl"

[[steps]]
id = "deploy"
run = "true"
duration = "1m"

[[steps]]
id = "health"
kind = "gate"
on = "app"
depends_on = ["deploy"]
instructions = "automatic"
duration = "10m"
[steps.health]
baseline = "normal"
window = "5m"
every = "30s"
on_fail = "rollback"
# the errors check: written by hand, keep this comment
[[steps.health.checks]]
metric = "errors"
max_ratio = 2.0   # twice the baseline's rate
floor = "3/min"
[[steps.health.checks]]
metric = "cpu"
stat = "p90"
max_increase = 20  # points
max = 95
"""


def runbook_of(text: str = RUNBOOK) -> Runbook:
    loaded = load_runbook_text("/nowhere/rb.toml", text)
    assert loaded.runbook is not None, [d.render() for d in loaded.errors]
    return loaded.runbook


# -- hand-written events ---------------------------------------------------------------


def rate(
    live_n: int, live_min: float, base_n: int, base_min: float, verdict: str = "pass"
) -> dict[str, Any]:
    return {
        "metric": "errors",
        "verdict": verdict,
        "live": round(live_n / live_min, 3),
        "base": round(base_n / base_min, 3),
        "limit": None,
        "samples": 150,
        "reason": "",
        "counts": [live_n, live_min, base_n, base_min],
    }


def level(live: float | None, base: float | None, verdict: str = "pass") -> dict[str, Any]:
    return {
        "metric": "cpu",
        "verdict": verdict,
        "live": live,
        "base": base,
        "limit": None,
        "samples": 150,
        "reason": "",
    }


def unclear(metric: str = "errors") -> dict[str, Any]:
    return {
        "metric": metric,
        "verdict": "inconclusive",
        "live": 900.0,  # a rise too thin to confirm: never counted
        "base": 1.0,
        "limit": 2.0,
        "samples": 150,
        "reason": "over 2x, but too few events to tell",
        "counts": [9, 0.01, 60, 60.0],
    }


def evaluation(
    n: int, hosts: dict[str, list[dict[str, Any]]], verdict: str = "pass", attempt: int = 1
) -> Event:
    return event(
        ev.HEALTH_EVALUATED,
        step="health",
        attempt=attempt,
        n=n,
        verdict=verdict,
        reason="",
        hosts=[
            {"host": host, "verdict": verdict, "state": "LIVE", "checks": checks}
            for host, checks in hosts.items()
        ],
        then=None,
    )


def attempt(
    evaluations: Sequence[Event],
    end: str = "go",
    by: str = "golive health",
    automatic: bool = True,
    number: int = 1,
) -> list[Event]:
    found = [event(ev.STEP_STARTED, step="health", action="run", attempt=number)]
    found += evaluations
    if end:
        found.append(
            event(ev.DECISION, step="health", decision=end, by=by, automatic=automatic, reason="")
        )
    return found


def journal(label: str, *events: Iterable[Event], mode: str = "rehearsal") -> HealthJournal:
    started = event(ev.RUN_STARTED, runbook="rb.toml", mode=mode, steps=["deploy", "health"])
    return HealthJournal(label, [started, *(e for group in events for e in group)])


def passing(count: int, checks: Any, start: int = 1, verdict: str = "pass") -> list[Event]:
    """`count` evaluations; `checks(i)` gives each one's hosts and their checks."""
    return [evaluation(i, checks(i), verdict) for i in range(start, start + count)]


def by_key(calibration: HealthCalibration) -> dict[tuple[str, str], Tolerance]:
    return {(t.metric, t.key): t for t in calibration.tolerances}


def skipped(calibration: HealthCalibration) -> dict[tuple[str, str], str]:
    return {(s.metric, s.key): s.reason for s in calibration.skipped}


# -- which evaluations count ----------------------------------------------------------


def test_only_attempts_that_ended_in_go_count() -> None:
    fine = lambda i: {"app1": [rate(100, 5.0, 1200, 60.0), level(30.0, 28.0)]}  # noqa: E731
    bad = lambda i: {"app1": [rate(900, 5.0, 1200, 60.0, "fail"), level(90.0, 28.0, "fail")]}  # noqa: E731
    runs = [
        journal("r1", attempt(passing(6, fine))),
        journal("r2", attempt(passing(2, bad, verdict="fail"), end="no-go")),
        # on_fail = continue: the gate went on after failing; nobody called it healthy
        journal("r3", attempt(passing(2, bad, verdict="fail"), end="go")),
        # a person looked at the failing figures and said go: counted, and listed
        journal(
            "r4",
            attempt(
                [*passing(1, bad, verdict="fail"), *passing(5, fine, start=2)],
                by="alice",
                automatic=False,
            ),
        ),
        journal("r5", attempt(passing(3, fine), end=""), [event(ev.SESSION_RESUMED, pid=1)]),
        journal("r6", attempt(passing(3, bad), end=""), mode="dry-run"),
    ]
    result = calibrate_health(runbook_of(), runs)
    assert result.runs == 5 and result.gates == ("health",)
    assert [(n.run, n.reason, n.evaluations) for n in result.not_counted] == [
        ("r2", "ended in no-go by golive health", 2),
        ("r3", "went on without a passing verdict (on_fail = continue): nobody judged it healthy", 2),
        ("r5", "interrupted (golive stopped while it ran)", 3),
    ]  # fmt: skip
    assert [(o.run, o.by, o.fails) for o in result.overridden] == [("r4", "alice", 1)]
    cpu = by_key(result)[("cpu", MAX_INCREASE)]
    # 12 evaluations, r4's failing one among them (90 - 28 = 62): the person called it healthy
    assert (cpu.evaluations, cpu.runs, cpu.largest, cpu.where) == (12, 2, 62.0, "app1, r4")
    assert cpu.new == 70.0  # 62 + 5, up to 5


def test_attempts_and_their_ends() -> None:
    events = [
        *attempt([evaluation(1, {})], end="no-go", number=1),
        event(ev.STEP_STARTED, step="health", action="run", attempt=2),
        evaluation(1, {}, attempt=2),
        event(ev.STEP_FINISHED, step="health", action="run", status="failed", injected=True),
        *attempt([evaluation(1, {})], end="skip", by="bob", automatic=False, number=3),
        event(ev.STEP_STARTED, step="health", action="run", attempt=4),
        evaluation(1, {}, attempt=4),
    ]
    found = gate_attempts(events, {"health"})
    assert [(a.number, a.end, len(a.evaluations)) for a in found] == [
        (1, "no-go", 1), (2, "injected", 1), (3, "skip", 1), (4, "", 1)
    ]  # fmt: skip
    assert [not_counted_reason(a) for a in found] == [
        "ended in no-go by golive health",
        "an injected failure (--inject-failure), not a real run",
        "skipped",
        "did not finish",
    ]


def test_inconclusive_checks_are_left_out() -> None:
    hosts = lambda i: {  # noqa: E731
        "app1": [rate(100, 5.0, 1200, 60.0), level(30.0, 28.0)],
        "app2": [unclear("errors"), level(None, 28.0, "inconclusive")],
    }
    result = calibrate_health(runbook_of(), [journal("r1", attempt(passing(10, hosts)))])
    ratio = by_key(result)[("errors", MAX_RATIO)]
    assert ratio.largest == pytest.approx(1.0) and ratio.where == "app1, r1"
    assert ratio.new == 1.5  # 1.0 x 1.5; never under 1.5
    assert by_key(result)[("cpu", MAX_INCREASE)].largest == 2.0


# -- rates ---------------------------------------------------------------------------


def test_max_ratio_is_the_largest_ratio_times_one_and_a_half() -> None:
    # Ratios 1.0 .. 1.74 from the counts (the rounded live/base fields are not used).
    hosts = lambda i: {  # noqa: E731
        "app1": [rate(100 + 8 * i, 5.0, 1200, 60.0)],
        "app2": [rate(174 if i == 7 else 120, 5.0, 2400, 120.0)],
    }
    result = calibrate_health(runbook_of(), [journal("r1", attempt(passing(12, hosts)))])
    ratio = by_key(result)[("errors", MAX_RATIO)]
    assert ratio.largest == pytest.approx(1.96)  # app1's 12th: 196 in 5 min against 20/min
    assert (ratio.old, ratio.new, ratio.evaluations, ratio.of) == (2.0, 3.0, 12, 12)
    # every evaluation has plenty of messages: the ratio judges them all, no floor needed
    assert (
        "no counted evaluation needs one at max_ratio 3: kept" in skipped(result)[("errors", FLOOR)]
    )


def test_a_baseline_of_zero_makes_the_ratio_unbounded_and_the_floor_decides() -> None:
    # The baseline counted no errors; the live windows a few (0 to 6 in 5 minutes).
    hosts = lambda i: {"app1": [rate(i % 7, 5.0, 0, 60.0)]}  # noqa: E731
    result = calibrate_health(runbook_of(), [journal("r1", attempt(passing(14, hosts)))])
    reason = skipped(result)[("errors", MAX_RATIO)]
    assert reason.startswith("only 0 of 14 evaluations counted 10 or more messages")
    assert "14 of them against a baseline of 0 messages (the ratio is unbounded)" in reason
    floor = by_key(result)[("errors", FLOOR)]
    # 6 in 5 minutes = 1.2/min is the largest that max_ratio 2 alone would fail: x1.5 = 1.8
    assert (floor.largest, floor.new, floor.old, floor.unbounded) == (1.2, 2.0, 3.0, True)
    assert floor.evaluations < floor.of == 14  # only those that need a floor
    assert floor.changed


def test_the_floor_covers_what_the_new_ratio_alone_would_fail() -> None:
    # app1 has a busy log (ratios to 1.2); app2 a quiet one: 1 error in its baseline hour,
    # and now and then 4 in a window, which no ratio of 1.5..2 passes without a floor.
    hosts = lambda i: {  # noqa: E731
        "app1": [rate(110 + i, 5.0, 1200, 60.0)],
        "app2": [rate(4 if i % 4 == 0 else 0, 5.0, 1, 60.0)],
    }
    rb = runbook_of(RUNBOOK.replace('floor = "3/min"\n', ""))
    result = calibrate_health(rb, [journal("r1", attempt(passing(12, hosts)))])
    ratio, floor = by_key(result)[("errors", MAX_RATIO)], by_key(result)[("errors", FLOOR)]
    assert ratio.largest == pytest.approx(122 / 5 / 20) and ratio.new == 2.0
    assert ratio.evaluations == 12  # app2's counts are too thin for a ratio
    assert (floor.old, floor.largest, floor.new, floor.where) == (None, 0.8, 1.5, "app2, r1")
    assert floor.evaluations == 3 and not floor.unbounded


def test_too_little_to_go_on() -> None:
    hosts = lambda i: {"app1": [rate(100, 5.0, 1200, 60.0), level(30.0, 28.0)]}  # noqa: E731
    nine = calibrate_health(
        runbook_of(),
        [journal("r1", attempt(passing(5, hosts))), journal("r2", attempt(passing(4, hosts)))],
    )
    assert nine.tolerances == ()
    for key in (("errors", MAX_RATIO), ("errors", FLOOR), ("cpu", MAX_INCREASE)):
        assert skipped(nine)[key] == (
            "too little to go on: 9 counted evaluations in 2 runs, fewer than 10: kept"
        )
    ten = calibrate_health(runbook_of(), [journal("r1", attempt(passing(10, hosts)))])
    assert {k for k, t in by_key(ten).items()} == {("errors", MAX_RATIO), ("cpu", MAX_INCREASE)}


def test_no_evaluation_at_all() -> None:
    result = calibrate_health(runbook_of(), [journal("r1", [])])
    assert [(s.step, s.reason) for s in result.skipped] == [
        ("health", "no evaluation of it ended in go in these journals")
    ]
    no_gate = RUNBOOK.split("[baselines")[0] + '[[steps]]\nid = "deploy"\nrun = "true"\n'
    assert calibrate_health(runbook_of(no_gate), []).gates == ()


# -- levels --------------------------------------------------------------------------


def test_max_increase_is_the_largest_rise_plus_five_rounded_up_to_five() -> None:
    rises = [1.0, 3.5, 7.3, -2.0, 0.0, 6.1, 2.2, 5.0, 4.4, 7.0]
    hosts = lambda i: {"app1": [level(40.0 + rises[i - 1], 40.0)]}  # noqa: E731
    result = calibrate_health(runbook_of(), [journal("r1", attempt(passing(10, hosts)))])
    cpu = by_key(result)[("cpu", MAX_INCREASE)]
    assert (cpu.stat, cpu.largest, cpu.old, cpu.new) == ("p90", pytest.approx(7.3), 20.0, 15.0)
    assert skipped(result)[("cpu", CAP)] == (
        "kept (calibrate never raises max); the largest p90 seen was 47.3 (app1, r1)"
    )
    lower = calibrate_health(
        runbook_of(),
        [journal("r1", attempt(passing(10, lambda i: {"app1": [level(35.0, 40.0)]})))],
    )
    assert by_key(lower)[("cpu", MAX_INCREASE)].new == 5.0  # never under the margin


def test_load_has_its_own_margin_and_max_is_never_raised() -> None:
    text = RUNBOOK.replace('metric = "cpu"', 'metric = "load"').replace("max = 95", "max = 8")
    hosts = lambda i: {  # noqa: E731
        "app1": [{**level(1.2 + i / 10, 1.0), "metric": "load"}],
        "app2": [{**level(9.0, 6.0, "fail"), "metric": "load"}],  # a person said go anyway
    }
    result = calibrate_health(
        runbook_of(text),
        [journal("r1", attempt(passing(10, hosts), by="carol", automatic=False))],
    )
    load = by_key(result)[("load", MAX_INCREASE)]
    assert (load.largest, load.new) == (3.0, 4.0)  # 3 + 1, up to 0.5
    assert skipped(result)[("load", CAP)].startswith(
        "the largest p90 seen was 9.0 (app2, r1), over max 8: calibrate never raises max"
    )


def test_a_check_with_only_max_gets_no_max_increase() -> None:
    text = RUNBOOK.replace("max_increase = 20  # points\n", "")
    hosts = lambda i: {"app1": [level(50.0, 40.0)]}  # noqa: E731
    result = calibrate_health(runbook_of(text), [journal("r1", attempt(passing(10, hosts)))])
    assert ("cpu", MAX_INCREASE) not in by_key(result)
    assert skipped(result)[("cpu", MAX_INCREASE)] == (
        "the check has none (only max judges it), and calibrate adds no new way to fail; "
        "the largest rise seen was +10.0 (app1, r1)"
    )
    assert "within 5 of max" not in skipped(result)[("cpu", CAP)]


def test_runs_that_judged_by_another_stat_are_not_counted() -> None:
    ran = runbook_of(RUNBOOK.replace('stat = "p90"', 'stat = "median"'))
    hosts = lambda i: {"app1": [level(30.0, 28.0)]}  # noqa: E731
    other = journal("r1", attempt(passing(10, hosts)))
    result = calibrate_health(runbook_of(), [HealthJournal(other.label, other.events, ran)])
    assert result.notes == (
        "health cpu in r1: judged by its median, the runbook now by its p90: not counted",
    )
    assert skipped(result)[("cpu", MAX_INCREASE)].startswith("too little to go on: 0 counted")
    assert ("errors", MAX_RATIO) not in by_key(result)  # the errors figures are not rates here


def test_two_checks_of_one_metric_are_not_calibrated() -> None:
    text = RUNBOOK + '[[steps.health.checks]]\nmetric = "cpu"\nmax = 90\n'
    hosts = lambda i: {"app1": [level(30.0, 28.0)]}  # noqa: E731
    result = calibrate_health(runbook_of(text), [journal("r1", attempt(passing(10, hosts)))])
    assert skipped(result)[("cpu", "")] == (
        "the gate has 2 cpu checks, and the journal does not say which figure is whose"
    )


def test_round_up() -> None:
    assert [round_up(v, 0.5) for v in (0.0, 0.1, 1.5, 1.5000000001, 2.61, 2.999)] == [
        0.0, 0.5, 1.5, 1.5, 3.0, 3.0
    ]  # fmt: skip
    assert [round_up(v, 5) for v in (5.0, 5.1, 12.3, 0.0)] == [5.0, 10.0, 15.0, 0.0]


# -- the text edit -------------------------------------------------------------------


def change(metric: str, key: str, old: float | None, new: float) -> Tolerance:
    return Tolerance("health", metric, "", key, old, new, 0.0, "", 10, 10, 1)


def test_edit_in_place_keeps_comments_and_the_number_style() -> None:
    edited = set_tolerances(
        RUNBOOK,
        [
            change("errors", MAX_RATIO, 2.0, 3.0),
            change("errors", FLOOR, 3.0, 1.5),
            change("cpu", MAX_INCREASE, 20.0, 15.0),
        ],
    )
    assert edited.notes == () and len(edited.applied) == 3
    assert edited.text == (
        RUNBOOK.replace("max_ratio = 2.0   #", "max_ratio = 3.0   #")
        .replace('floor = "3/min"', 'floor = "1.5/min"')
        .replace("max_increase = 20  #", "max_increase = 15  #")
    )
    checks = runbook_of(edited.text).step("health").health.checks  # type: ignore[union-attr]
    assert [(c.max_ratio, c.floor_per_minute, c.max_increase, c.cap) for c in checks] == [
        (3.0, 1.5, None, None), (None, 0.0, 15.0, 95.0)
    ]  # fmt: skip


def test_a_missing_floor_is_added_after_max_ratio() -> None:
    text = RUNBOOK.replace('floor = "3/min"\n', "").replace("\n", "\r\n")
    edited = set_tolerances(text, [change("errors", FLOOR, None, 2.0)])
    assert edited.notes == ()
    assert edited.text == text.replace(
        "max_ratio = 2.0   # twice the baseline's rate\r\n",
        'max_ratio = 2.0   # twice the baseline\'s rate\r\nfloor = "2/min"\r\n',
    )


def test_what_cannot_be_edited_in_place_is_left_with_a_note() -> None:
    inline = RUNBOOK.split("# the errors check")[0] + (
        'checks = [{ metric = "errors", max_ratio = 2.0 }, { metric = "cpu", max = 95 }]\n'
    )
    edited = set_tolerances(
        inline,
        [change("errors", MAX_RATIO, 2.0, 3.0), change("cpu", MAX_INCREASE, None, 10.0)],
    )
    assert edited.text == inline and edited.applied == ()
    assert edited.notes == (
        "max_ratio of health errors: its max_ratio is not written as a plain max_ratio = ... "
        "line; not written, set it by hand",
        "max_increase of health cpu: the check has no max_increase; not added",
    )
    multiline = RUNBOOK.replace('floor = "3/min"', 'floor = """3/min"""')
    note = set_tolerances(multiline, [change("errors", FLOOR, 3.0, 4.0)]).notes
    assert note == (
        "floor of health errors: its floor is not written as a plain floor = ... line; "
        "not written, set it by hand",
    )


def test_no_changes_no_edit() -> None:
    assert set_tolerances(RUNBOOK, []).text == RUNBOOK


# -- golive calibrate, end to end, on journals written by golive's own JournalWriter ---


class _Clock:
    def __init__(self, wall: datetime) -> None:
        self._wall, self._mono = wall, 0.0

    def wall(self) -> datetime:
        return self._wall + timedelta(seconds=self._mono)

    def mono(self) -> float:
        self._mono += 30.0
        return self._mono


def write_journal(path: Path, source: str, events: Sequence[Event], start: datetime) -> None:
    writer = JournalWriter(str(path), _Clock(start))
    writer.append(
        event(
            ev.RUN_STARTED,
            runbook=str(path.parent / "rb.toml"),
            runbook_source=source,
            name="gate",
            mode="rehearsal",
            steps=["deploy", "health"],
            inject_failure=[],
        )
    )
    writer.append(event(ev.STEP_STARTED, step="deploy", action="run", attempt=1))
    writer.append(event(ev.STEP_FINISHED, step="deploy", action="run", status="succeeded"))
    for e in events:
        writer.append(e)
    writer.append(event(ev.RUN_FINISHED, outcome="completed", reason=""))
    writer.close()


def planned_gate(text: str) -> str:
    """The health gate's planned duration in a runbook's text."""
    return text.split('id = "health"', 1)[1].split('duration = "', 1)[1].split('"', 1)[0]


@pytest.mark.slow  # runs golive
def test_golive_calibrate_prints_and_writes_the_tolerances(tmp_path: Path) -> None:
    runbook = tmp_path / "rb.toml"
    runbook.write_text(RUNBOOK)
    start = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)
    hosts = lambda i: {  # noqa: E731
        "app1": [rate(100 + 8 * i, 5.0, 1200, 60.0), level(30.0 + i, 28.0)],
        "app2": [rate(110, 5.0, 2400, 120.0), level(40.0, 39.5)],
    }
    journals = [tmp_path / "r1.jsonl", tmp_path / "r2.jsonl", tmp_path / "r3.jsonl"]
    write_journal(journals[0], RUNBOOK, attempt(passing(7, hosts)), start)
    write_journal(journals[1], RUNBOOK, attempt(passing(6, hosts, start=7)), start + timedelta(1))
    failing = lambda i: {"app1": [rate(900, 5.0, 1200, 60.0, "fail"), level(99.0, 28.0, "fail")]}  # noqa: E731
    write_journal(
        journals[2], RUNBOOK, attempt(passing(2, failing, verdict="fail"), end="no-go"),
        start + timedelta(2),
    )  # fmt: skip
    new = tmp_path / "calibrated.toml"
    done = golive("calibrate", runbook, *journals, "-o", new)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    at = "(app1, rehearsal 12-02 22:00)"
    assert (
        "  gate    check    key           now  new        largest"
        f"                              based on\n"
        f"  health  errors   max_ratio     2    3          1.96x {at}  13 evaluations in 2 of 3 runs\n"
        f"  health  cpu p90  max_increase  20   unchanged  +14.0 {at}  13 evaluations in 2 of 3 runs\n"
        "tolerances not calibrated:\n"
        "  floor of health errors: no counted evaluation needs one at max_ratio 3: kept\n"
        f"  max of health cpu: kept (calibrate never raises max); the largest p90 seen was 42.0 {at}\n"
        "gate attempts not counted:\n"
        "  health attempt 1 in rehearsal 12-03 22:00: ended in no-go by golive health (2 evaluations)\n"
    ) in out
    assert "health tolerances from the gates that ended in go in 3 runs" in out
    assert "\n-max_ratio = 2.0   # twice the baseline's rate\n+max_ratio = 3.0   # twice" in out
    assert (
        f"wrote {new} (only durations and health tolerances changed); golive check {new}: ok" in out
    )
    # Only the durations (the gate's too: it decided itself, so its time counts) and the
    # tolerance changed, comments and all.
    assert planned_gate(new.read_text()) != "10m"
    assert new.read_text() == RUNBOOK.replace("max_ratio = 2.0   #", "max_ratio = 3.0   #").replace(
        'run = "true"\nduration = "1m"', 'run = "true"\nduration = "30s"'
    ).replace(
        'instructions = "automatic"\nduration = "10m"',
        f'instructions = "automatic"\nduration = "{planned_gate(new.read_text())}"',
    )
    text = new.read_text()
    again = golive("calibrate", new, *journals, "-o", new)
    assert again.returncode == 0, again.stderr
    assert new.read_text() == text
    assert (
        f"no change: {new} already plans the P90 of these runs and its health tolerances fit them"
        in again.stdout
    )
    assert again.stdout.rstrip().endswith(f"{new} unchanged: nothing to write")


@pytest.mark.slow  # runs golive
def test_golive_calibrate_leaves_inline_checks_with_a_note(tmp_path: Path) -> None:
    text = RUNBOOK.split("# the errors check")[0] + (
        'checks = [{ metric = "errors", max_ratio = 2.0 },'
        ' { metric = "cpu", stat = "p90", max_increase = 20 }]\n'
    )
    runbook = tmp_path / "rb.toml"
    runbook.write_text(text)
    hosts = lambda i: {"app1": [rate(100 + 8 * i, 5.0, 1200, 60.0), level(30.0, 28.0)]}  # noqa: E731
    one = tmp_path / "r1.jsonl"
    write_journal(one, text, attempt(passing(12, hosts)), datetime(2026, 12, 1, 22, tzinfo=UTC))
    new = tmp_path / "new.toml"
    done = golive("calibrate", runbook, one, "-o", new)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        "note: max_ratio of health errors: its max_ratio is not written as a plain "
        "max_ratio = ... line; not written, set it by hand\n"
        "note: max_increase of health cpu: its max_increase is not written as a plain "
        "max_increase = ... line; not written, set it by hand\n"
        "2 values changed; 2 proposed tolerances not written (see the notes)\n"
    ) in done.stdout
    gate = planned_gate(new.read_text())  # it decided itself: its time counts
    assert new.read_text() == text.replace('duration = "1m"', 'duration = "30s"').replace(
        'instructions = "automatic"\nduration = "10m"',
        f'instructions = "automatic"\nduration = "{gate}"',
    )
    assert f"wrote {new} (only durations changed)" in done.stdout


@pytest.mark.slow  # runs golive
def test_golive_calibrate_says_when_there_is_too_little(tmp_path: Path) -> None:
    runbook = tmp_path / "rb.toml"
    runbook.write_text(RUNBOOK)
    hosts = lambda i: {"app1": [rate(100, 5.0, 1200, 60.0), level(30.0, 28.0)]}  # noqa: E731
    one = tmp_path / "r1.jsonl"
    write_journal(one, RUNBOOK, attempt(passing(4, hosts)), datetime(2026, 12, 1, 22, tzinfo=UTC))
    done = golive("calibrate", runbook, one)
    assert done.returncode == 0, done.stderr
    too_few = "too little to go on: 4 counted evaluations in 1 run, fewer than 10: kept"
    for key in (
        "max_ratio of health errors",
        "floor of health errors",
        "max_increase of health cpu",
    ):
        assert f"  {key}: {too_few}\n" in done.stdout
    assert "  gate " not in done.stdout  # no table: nothing proposed
    assert "max_ratio = " not in done.stdout.split("--- ")[-1]  # and no tolerance in the diff


REAL = """\
[runbook]
name = "real gate"

[monitor]
interval = "500ms"
errors_warn = "100000/min"

[hosts.me]
local = true
groups = ["app"]
logs = ["{log}"]

[baselines.normal]
before_step = "deploy"
length = "5s"

[[steps]]
id = "settle"
kind = "wait"
duration = "6s"

[[steps]]
id = "deploy"
run = "true"
duration = "1s"

[[steps]]
id = "health"
kind = "gate"
on = "app"
instructions = "automatic"
duration = "30s"
[steps.health]
baseline = "normal"
window = "5s"
every = "1s"
min_samples = 8
pass_after = 10
on_fail = "rollback"
[[steps.health.checks]]
metric = "errors"
max_ratio = 5.0   # far too loose: calibrate brings it down
floor = "3/min"
[[steps.health.checks]]
metric = "cpu"
stat = "p90"
max_increase = 100
"""


@pytest.mark.slow  # a real rehearsal of about 20 s
def test_a_real_rehearsal(tmp_path: Path) -> None:
    """A local host whose log gets 8 error lines a second, before and after the change:
    the gate passes, and calibrate tightens its loose max_ratio from what it saw."""
    log = tmp_path / "app.log"
    log.touch()
    runbook = tmp_path / "rb.toml"
    runbook.write_text(REAL.format(log=log))
    journal = tmp_path / "run.jsonl"
    stop = threading.Event()

    def write() -> None:
        n = 0
        while not stop.wait(0.5):
            with log.open("a") as handle:
                for _ in range(4):
                    n += 1
                    handle.write(f"2026-12-05 22:00:00,000 ERROR [worker] order {n} failed\n")

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        run = golive(
            "run", runbook, "--rehearsal", "--console", "--yes", "--journal", journal, timeout=90
        )
    finally:
        stop.set()
        writer.join(timeout=5)
    assert run.returncode == 0, run.stdout + run.stderr
    loaded = load_record(str(journal), samples=False)
    result = calibrate_health(
        runbook_of(runbook.read_text()), [HealthJournal("r", loaded.events, loaded.runbook)]
    )
    assert result.not_counted == () and result.overridden == ()
    ratio = by_key(result)[("errors", MAX_RATIO)]
    assert ratio.evaluations == ratio.of >= 10 and ratio.runs == 1
    assert 0.5 < ratio.largest < 2.0 and ratio.new < 5.0, ratio  # 4 lines a tick throughout
    assert ratio.new == max(1.5, round_up(ratio.largest * 1.5, 0.5))
    cpu = by_key(result)[("cpu", MAX_INCREASE)]
    assert cpu.new == min(100.0, round_up(max(cpu.largest, 0.0) + 5, 5))
    new = tmp_path / "calibrated.toml"
    done = golive("calibrate", runbook, journal, "-o", new)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"max_ratio = {ratio.new:.1f}   # far too loose" in new.read_text()
    assert golive("check", new).returncode == 0
