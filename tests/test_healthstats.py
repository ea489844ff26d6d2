"""The health gate's statistics (golive.core.healthstats): pure, with seeded samples."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from golive.core.healthstats import (
    ALPHA,
    LevelCheck,
    RateCheck,
    Streak,
    Verdict,
    binomial_upper_tail,
    combine,
    judge_level,
    judge_rate,
    quantile,
)


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method, in pieces so that large means do not underflow)."""
    count, left = 0, mean
    while left > 0:
        step = min(left, 50.0)
        left -= step
        limit, product = math.exp(-step), rng.random()
        while product > limit:
            count += 1
            product *= rng.random()
    return count


@given(st.integers(0, 40), st.integers(0, 40), st.floats(0.0, 1.0))
def test_the_binomial_tail_is_exact(k: int, n: int, p: float) -> None:
    brute = sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(max(k, 0), n + 1))
    assert binomial_upper_tail(k, n, p) == pytest.approx(brute, rel=1e-9, abs=1e-12)


def test_the_binomial_tail_of_large_counts_neither_overflows_nor_underflows() -> None:
    assert binomial_upper_tail(5000, 10000, 0.5) == pytest.approx(0.5040, abs=1e-3)
    assert 0.0 < binomial_upper_tail(900, 1000, 0.5) < 1e-100


@pytest.mark.parametrize("max_ratio", [1.0, 2.0])
def test_two_samples_of_one_process_are_not_failed_beyond_the_stated_rate(
    max_ratio: float,
) -> None:
    """The same rate live as in the baseline: the exact test fails at most about ALPHA of
    the time (it is conservative); with max_ratio 2 almost never."""
    rng = random.Random(14)
    check = RateCheck(max_ratio=max_ratio)
    trials = 2000
    failed = 0
    for _ in range(trials):
        base, live = poisson(rng, 4.0 * 15), poisson(rng, 4.0 * 5)
        failed += judge_rate(check, live, 5.0, base, 15.0).verdict is Verdict.FAIL
    # ALPHA of 2000 is 20; allow for chance (three standard deviations).
    assert failed <= trials * ALPHA + 3 * math.sqrt(trials * ALPHA)
    if max_ratio == 2.0:
        assert failed <= 2


@pytest.mark.parametrize(
    ("max_ratio", "live_minutes", "base_minutes"),
    [(1.0, 5.0, 15.0), (2.0, 15.0, 60.0)],
)
def test_a_tripled_rate_is_failed(
    max_ratio: float, live_minutes: float, base_minutes: float
) -> None:
    """4 errors a minute in the baseline, 12 live: failed against a ratio of 1 in a 5-minute
    window, and against a ratio of 2 once the window holds enough events."""
    rng = random.Random(3)
    check = RateCheck(max_ratio=max_ratio, floor_per_minute=3.0)
    trials = 300
    failed = 0
    for _ in range(trials):
        base, live = poisson(rng, 4.0 * base_minutes), poisson(rng, 12.0 * live_minutes)
        failed += judge_rate(check, live, live_minutes, base, base_minutes).verdict is Verdict.FAIL
    assert failed >= trials * 0.95


def test_a_baseline_of_zeros_fails_only_over_the_floor() -> None:
    check = RateCheck(max_ratio=2.0, floor_per_minute=3.0)
    quiet = judge_rate(check, 2, 5.0, 0, 15.0)
    assert quiet.verdict is Verdict.PASS and "floor" in quiet.reason
    burst = judge_rate(check, 30, 5.0, 0, 15.0)
    assert burst.verdict is Verdict.FAIL
    assert burst.p_value is not None and burst.p_value < ALPHA
    assert (burst.live_rate, burst.base_rate) == (6.0, 0.0)


def test_a_rise_too_thin_to_confirm_is_inconclusive_not_a_pass() -> None:
    """Kayenta passes a +650% rise on too few points; here it is neither pass nor fail."""
    check = RateCheck(max_ratio=2.0, floor_per_minute=0.5)
    thin = judge_rate(check, 4, 5.0, 1, 15.0)  # 0.8/min against 0.07/min
    assert thin.verdict is Verdict.INCONCLUSIVE
    assert "too few events" in thin.reason
    assert judge_rate(check, 1, 5.0, 3, 15.0).verdict is Verdict.PASS  # 0.2/min: under the floor
    assert judge_rate(check, 5, 5.0, 12, 15.0).verdict is Verdict.PASS  # 1/min against 0.8/min


def test_no_minutes_is_inconclusive() -> None:
    assert judge_rate(RateCheck(2.0), 0, 0.0, 10, 15.0).verdict is Verdict.INCONCLUSIVE
    assert judge_rate(RateCheck(2.0), 3, 5.0, 0, 0.0).verdict is Verdict.INCONCLUSIVE


@given(st.integers(0, 200), st.integers(0, 200), st.integers(0, 200))
def test_more_live_events_never_make_a_verdict_better(live: int, more: int, base: int) -> None:
    check = RateCheck(max_ratio=2.0, floor_per_minute=1.0)
    order = {Verdict.PASS: 0, Verdict.INCONCLUSIVE: 1, Verdict.FAIL: 2}
    fewer = judge_rate(check, live, 5.0, base, 15.0)
    many = judge_rate(check, live + more, 5.0, base, 15.0)
    assert order[many.verdict] >= order[fewer.verdict]


def test_quantiles_interpolate_between_ranks() -> None:
    assert quantile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert quantile(list(map(float, range(11))), 0.9) == 9.0
    with pytest.raises(ValueError):
        quantile([], 0.5)


def test_a_level_against_its_baseline_and_its_cap() -> None:
    check = LevelCheck(stat="p90", max_increase=20.0, cap=95.0)
    base = [40.0 + (n % 10) for n in range(100)]  # p90 48.1
    assert judge_level(check, [60.0] * 30, base, 20).verdict is Verdict.PASS
    over = judge_level(check, [75.0] * 30, base, 20)
    assert over.verdict is Verdict.FAIL and over.base == pytest.approx(48.1)
    capped = judge_level(LevelCheck(cap=95.0), [97.0] * 30, [], 20)
    assert capped.verdict is Verdict.FAIL and "95" in capped.reason


def test_too_few_samples_or_no_baseline_is_inconclusive() -> None:
    check = LevelCheck(stat="median", max_increase=10.0)
    assert judge_level(check, [50.0] * 19, [50.0] * 100, 20).verdict is Verdict.INCONCLUSIVE
    no_base = judge_level(check, [50.0] * 30, [], 20)
    assert no_base.verdict is Verdict.INCONCLUSIVE and "baseline" in no_base.reason


def test_hosts_combine_missing_data_never_passes() -> None:
    P, F, U = Verdict.PASS, Verdict.FAIL, Verdict.INCONCLUSIVE
    assert combine([P, P, P], 0) is P
    assert combine([P, F, P], 0) is F
    assert combine([P, F, P], 1) is P
    assert combine([P, U, P], 0) is U
    assert combine([F, F, U], 1) is F
    assert combine([], 0) is U


def test_a_streak_decides_after_consecutive_evaluations() -> None:
    P, F, U = Verdict.PASS, Verdict.FAIL, Verdict.INCONCLUSIVE
    streak = Streak(pass_after=3, fail_after=2)
    for verdict in (P, P, F, P, P):
        streak = streak.after(verdict)
    assert streak.decided is None  # the fail broke the passes
    assert streak.after(P).decided is P
    assert streak.after(F).after(F).decided is F
    assert streak.after(F).after(U).after(F).decided is None
