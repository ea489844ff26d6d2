"""Alert rules, pure, with a fake clock: sustained before raised, hysteresis before
cleared, and a flapping alert reported once (golive.core.alerts)."""

from __future__ import annotations

from golive.core.alerts import AlertRule, AlertState, Values, Verdict

CPU = AlertRule.for_interval("cpu", 85.0, interval=1.0)  # 3 s to raise, 3 s to clear


def feed(state: AlertState, values: list[float | None], start: float = 0.0) -> list[Verdict]:
    """One value a second, from `start`."""
    verdicts: list[Verdict] = []
    for n, value in enumerate(values):
        verdicts += state.observe(value, start + n)
    return verdicts


def statuses(verdicts: list[Verdict]) -> list[str]:
    return [v.status for v in verdicts]


def test_the_default_rule_in_words() -> None:
    assert CPU.describe() == "cpu >= 85 for 3s; clears below 80.75 for 3s"
    assert (CPU.raise_after, CPU.clear_after, CPU.clear_below) == (3.0, 3.0, 80.75)


def test_one_busy_sample_is_no_alert() -> None:
    state = AlertState(CPU)
    assert feed(state, [40, 99, 40, 98, 97, 40, 99]) == []
    assert not state.raised


def test_a_sustained_value_raises_once_with_what_decided_it() -> None:
    state = AlertState(CPU)
    verdicts = feed(state, [40, 90, 95, 97, 99, 99, 98])
    assert statuses(verdicts) == ["raised"]
    (raised,) = verdicts
    # Raised at t=4: over since t=1, so 3 s later; the values are those that held it.
    assert raised.values == Values(90.0, (90 + 95 + 97 + 99) / 4, 99.0, 4)
    assert (raised.value, raised.threshold, raised.raised) == (99, 85.0, True)
    assert raised.rule == CPU.describe()


def test_hysteresis_a_value_hovering_at_the_threshold_stays_raised() -> None:
    state = AlertState(CPU)
    feed(state, [90, 90, 90, 90])
    assert state.raised
    # Under 85 but not under 80.75: not cleared, however long.
    assert feed(state, [84, 86, 83, 82, 84, 81, 85, 84], start=4) == []
    # Under 80.75 for 3 s: cleared once; the window holds those samples.
    verdicts = feed(state, [70, 60, 65, 62, 61], start=12)
    assert statuses(verdicts) == ["cleared"]
    assert verdicts[0].values == Values(60.0, (70 + 60 + 65 + 62) / 4, 70.0, 4)
    assert not state.raised


def test_a_dip_resets_the_clear_and_a_spike_resets_the_raise() -> None:
    state = AlertState(CPU)
    assert feed(state, [90, 90, 40, 90, 90, 90]) == []  # the dip at t=2 starts it over
    assert statuses(feed(state, [90], start=6)) == ["raised"]
    assert feed(state, [50, 50, 90, 50, 50], start=7) == []  # the spike at t=9 resets
    assert statuses(feed(state, [50, 50], start=12)) == ["cleared"]


def test_a_host_toggling_every_second_raises_nothing() -> None:
    state = AlertState(CPU)
    assert feed(state, [99 if n % 2 else 20 for n in range(60)]) == []


def test_a_flapping_alert_is_reported_once_then_settles() -> None:
    state = AlertState(CPU)
    busy, idle = [95.0] * 5, [30.0] * 5
    verdicts = feed(state, (busy + idle) * 6)  # raised and cleared 6 times in a minute
    assert statuses(verdicts) == ["raised", "cleared"] * 3 + ["flapping"]
    assert verdicts[-1].raises == 4 and state.flapping
    # Quiet while it flaps, then settled once a flap window passes with no change.
    later = feed(state, [30.0] * 700, start=60)
    assert statuses(later) == ["settled"]
    assert later[0].raised is False and not state.flapping
    # After it settled, a new sustained rise is an alert again.
    assert statuses(feed(state, [95.0] * 4, start=760)) == ["raised"]


def test_no_value_decides_nothing() -> None:
    """A missing sample neither breaks a sustained value nor counts as one."""
    state = AlertState(CPU)
    verdicts = feed(state, [None, 99, None, 99, 99, 99])
    assert statuses(verdicts) == ["raised"] and verdicts[0].values == Values(99, 99, 99, 3)
    state = AlertState(CPU)
    assert feed(state, [None] * 20) == [] and not state.raised


def test_a_rule_for_error_rates_over_the_threshold_with_its_own_margin() -> None:
    """An error rate alerts "over 5/min" (6 or more) and clears at 3 or less."""
    rule = AlertRule.for_interval("errors", 5.0, interval=2.0, clear_margin=2.0, strict=True)
    assert rule.describe() == "errors > 5 for 6s; clears at or below 3 for 6s"
    state = AlertState(rule)
    assert [v for t in range(0, 8, 2) for v in state.observe(5, t)] == []  # 5 is not over 5
    raised = [v for t in range(8, 16, 2) for v in state.observe(6, t)]
    assert statuses(raised) == ["raised"]
    assert [v for t in range(16, 30, 2) for v in state.observe(4, t)] == []  # 4 is not <= 3
    assert statuses([v for t in range(30, 38, 2) for v in state.observe(3, t)]) == ["cleared"]
