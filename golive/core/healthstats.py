"""Health-gate statistics: does a host behave, in a window of live data, like its baseline?

Each method, and why:

- **Counts** (error-level and warning messages): an exact test of the ratio of two Poisson
  rates, the conditional binomial. With `x` live events in `t` minutes and `y` baseline
  events in `s` minutes, if the live rate were `max_ratio` times the baseline's, then `x`
  given `n = x + y` would be Binomial(n, p0) with p0 = max_ratio·t / (max_ratio·t + s).
  The check fails when P(X ≥ x) is below `alpha` (the live rate is more than `max_ratio`
  times the baseline's, beyond chance) and the live rate is above the absolute `floor`,
  so that 2 errors against 0 does not stop a cutover. It needs no normal approximation,
  which sparse counts (mostly zero) break, and a baseline of zeros leaves a finite p0. A
  rise over `max_ratio` (and the floor) that too few events cannot confirm at `alpha` is
  INCONCLUSIVE: neither a failure by chance nor a pass.
- **Levels** (CPU, memory, load, disk): a quantile of the window (the median or p90)
  against the baseline's same quantile plus a tolerance in points, and an absolute cap.
  Samples a second apart are autocorrelated, so no p-value is given for them: a p-value
  would claim a certainty the data does not have.
- **No data is never a pass.** Fewer samples than `min_samples`, a host whose figures are
  stale or down, or no baseline at all gives INCONCLUSIVE.

Everything here is pure: the caller gives the counts, the values and the minutes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Final, Literal


class Verdict(Enum):
    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"


ALPHA: Final = 0.01  # a rate rise must be this unlikely by chance to fail a check


def binomial_upper_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), exactly (summed in log space, so that large `n`
    neither overflows nor underflows)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    # The first term by lgamma, each next from the one before (one log, not three
    # lgammas: an evaluation of 500 hosts sums thousands of these); past the mode the
    # terms only fall, and one e^-40 below the largest adds nothing a double can hold.
    log_term = (
        math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
        + k * log_p + (n - k) * log_q
    )  # fmt: skip
    terms = [log_term]
    top = log_term
    odds = log_p - log_q
    mode = n * p
    for i in range(k, n):
        log_term += math.log((n - i) / (i + 1)) + odds
        terms.append(log_term)
        if log_term > top:
            top = log_term
        elif i + 1 > mode and log_term < top - 40.0:
            break
    return min(1.0, math.exp(top) * math.fsum(math.exp(term - top) for term in terms))


@dataclass(frozen=True)
class RateCheck:
    """A count's rule: fail above `max_ratio` times the baseline's rate, never below
    `floor` events a minute."""

    max_ratio: float
    floor_per_minute: float = 0.0
    alpha: float = ALPHA


@dataclass(frozen=True)
class RateResult:
    verdict: Verdict
    live_count: int
    live_minutes: float
    base_count: int
    base_minutes: float
    p_value: float | None  # P(a live count this high | live rate = max_ratio x baseline)
    reason: str

    @property
    def live_rate(self) -> float:
        return self.live_count / self.live_minutes if self.live_minutes > 0 else 0.0

    @property
    def base_rate(self) -> float:
        return self.base_count / self.base_minutes if self.base_minutes > 0 else 0.0


def judge_rate(
    check: RateCheck, live_count: int, live_minutes: float, base_count: int, base_minutes: float
) -> RateResult:
    """The verdict on a count: `live_count` events in `live_minutes` against
    `base_count` in `base_minutes` (the caller has checked that enough samples cover
    both: a window or baseline of no minutes is inconclusive here)."""

    def result(verdict: Verdict, p_value: float | None, reason: str) -> RateResult:
        return RateResult(
            verdict, live_count, live_minutes, base_count, base_minutes, p_value, reason
        )

    if live_minutes <= 0 or base_minutes <= 0:
        return result(Verdict.INCONCLUSIVE, None, "no minutes of data to judge")
    live_rate = live_count / live_minutes
    scaled = check.max_ratio * live_minutes
    p0 = scaled / (scaled + base_minutes)
    p_value = binomial_upper_tail(live_count, live_count + base_count, p0)
    if p_value < check.alpha and live_rate > check.floor_per_minute:
        return result(
            Verdict.FAIL,
            p_value,
            f"{live_rate:.2f}/min against {base_count / base_minutes:.2f}/min: more than "
            f"{check.max_ratio:g}x (p={p_value:.2g} < {check.alpha:g})",
        )
    if live_rate <= check.floor_per_minute:
        return result(
            Verdict.PASS,
            p_value,
            f"{live_rate:.2f}/min, not over the floor of {check.floor_per_minute:g}/min",
        )
    if live_count > check.max_ratio * base_count * live_minutes / base_minutes:
        # A rise over max_ratio that the data is too thin to confirm: not a pass.
        return result(
            Verdict.INCONCLUSIVE,
            p_value,
            f"{live_rate:.2f}/min against {base_count / base_minutes:.2f}/min: over "
            f"{check.max_ratio:g}x, but too few events to tell (p={p_value:.2g})",
        )
    return result(
        Verdict.PASS,
        p_value,
        f"{live_rate:.2f}/min against {base_count / base_minutes:.2f}/min "
        f"(p={p_value:.2g}, fails below {check.alpha:g})",
    )


Stat = Literal["median", "p90"]
_QUANTILES: Final[dict[str, float]] = {"median": 0.5, "p90": 0.9}


def quantile(values: Sequence[float], q: float) -> float:
    """The `q` quantile of `values` (0 <= q <= 1), interpolated between the two nearest
    ranks (as numpy's default does)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    at = q * (len(ordered) - 1)
    low = math.floor(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


@dataclass(frozen=True)
class LevelCheck:
    """A level's rule: the window's `stat` may be at most `max_increase` points over the
    baseline's and at most `cap`, when either is given."""

    stat: Stat = "median"
    max_increase: float | None = None
    cap: float | None = None


@dataclass(frozen=True)
class LevelResult:
    verdict: Verdict
    live: float | None  # the window's stat
    base: float | None  # the baseline's stat
    samples: int
    reason: str


def judge_level(
    check: LevelCheck,
    live_values: Sequence[float],
    base_values: Sequence[float],
    min_samples: int,
) -> LevelResult:
    """The verdict on a level: the window's values against the baseline's."""
    base = quantile(base_values, _QUANTILES[check.stat]) if base_values else None
    return judge_level_stat(check, live_values, base, len(base_values), min_samples)


def judge_level_stat(
    check: LevelCheck,
    live_values: Sequence[float],
    base: float | None,
    base_samples: int,
    min_samples: int,
) -> LevelResult:
    """The verdict on a level against the baseline's stat (`base`, taken from
    `base_samples` values), worked out once for a baseline that every evaluation reads."""
    q = _QUANTILES[check.stat]
    if len(live_values) < min_samples:
        return LevelResult(
            Verdict.INCONCLUSIVE,
            None,
            None,
            len(live_values),
            f"{len(live_values)} samples, fewer than {min_samples}",
        )
    live = quantile(live_values, q)
    if check.cap is not None and live > check.cap:
        return LevelResult(
            Verdict.FAIL, live, base, len(live_values), f"{check.stat} {live:.1f} > {check.cap:g}"
        )
    if check.max_increase is None:
        return LevelResult(Verdict.PASS, live, base, len(live_values), f"{check.stat} {live:.1f}")
    if base is None or base_samples < min_samples:
        return LevelResult(
            Verdict.INCONCLUSIVE,
            live,
            None,
            len(live_values),
            f"the baseline has {base_samples} samples, fewer than {min_samples}",
        )
    limit = base + check.max_increase
    verdict = Verdict.FAIL if live > limit else Verdict.PASS
    sign = ">" if verdict is Verdict.FAIL else "<="
    return LevelResult(
        verdict,
        live,
        base,
        len(live_values),
        f"{check.stat} {live:.1f} {sign} {base:.1f} + {check.max_increase:g}",
    )


def combine(verdicts: Sequence[Verdict], max_bad: int) -> Verdict:
    """The verdict over hosts (or a host's checks): FAIL when more than `max_bad` fail,
    else INCONCLUSIVE when any is (missing data never passes), else PASS."""
    if sum(1 for verdict in verdicts if verdict is Verdict.FAIL) > max_bad:
        return Verdict.FAIL
    if not verdicts or any(verdict is Verdict.INCONCLUSIVE for verdict in verdicts):
        return Verdict.INCONCLUSIVE
    return Verdict.PASS


@dataclass(frozen=True)
class Streak:
    """Consecutive evaluations: the gate decides PASS after `pass_after` passing ones in
    a row and FAIL after `fail_after` failing ones; anything else keeps it undecided
    (an inconclusive evaluation ends both streaks)."""

    pass_after: int
    fail_after: int
    passes: int = 0
    fails: int = 0
    unclear: int = 0  # consecutive inconclusive evaluations

    def after(self, verdict: Verdict) -> Streak:
        if verdict is Verdict.PASS:
            return Streak(self.pass_after, self.fail_after, self.passes + 1, 0, 0)
        if verdict is Verdict.FAIL:
            return Streak(self.pass_after, self.fail_after, 0, self.fails + 1, 0)
        return Streak(self.pass_after, self.fail_after, 0, 0, self.unclear + 1)

    @property
    def decided(self) -> Verdict | None:
        if self.fails >= self.fail_after:
            return Verdict.FAIL
        if self.passes >= self.pass_after:
            return Verdict.PASS
        return None
