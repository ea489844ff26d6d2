"""When a threshold crossing becomes an alert: sustained, with hysteresis, and quiet when it
flaps. Pure: values and times in, verdicts out (golive.core.hostwatch journals them).

The anchors are Prometheus alerting rules (``for``, ``keep_firing_for``) and Nagios flap
detection. A single sample decides nothing:

- **Sustained.** A value must stay at or over its threshold for ``raise_after`` seconds
  (default: 3 intervals) before the alert is raised; one busy second on a busy host is
  not an alert.
- **Hysteresis.** A raised alert clears only when the value has stayed below
  ``threshold - clear_margin`` for ``clear_after`` seconds (default: the same 3
  intervals). A value that hovers at the threshold stays raised, instead of raising and
  clearing on every sample.
- **Flapping.** An alert that is raised more than ``flap_raises`` times (default 3)
  within ``flap_window`` seconds (default 10 minutes) is reported once as flapping and
  then stays quiet: its raises and clears are followed, not reported, until it has
  neither raised nor cleared for a whole flap window; then it is reported once as
  settled, raised or clear as it then is.

Every verdict carries what decided it: the values that held it (from the first sample
over the threshold to the raise, or from the first under the clear line to the clear:
min, mean, max and how many samples), the threshold and the rule in words.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Final, Literal

FLAP_RAISES: Final = 3
FLAP_WINDOW: Final = 600.0
SUSTAIN_INTERVALS: Final = 3

Status = Literal["raised", "cleared", "flapping", "settled"]


@dataclass(frozen=True)
class AlertRule:
    """One metric's rule. Defaults come from `for_interval`."""

    metric: str
    threshold: float
    raise_after: float
    clear_margin: float
    clear_after: float
    flap_raises: int = FLAP_RAISES
    flap_window: float = FLAP_WINDOW
    strict: bool = False  # over means > threshold (an error rate "over 5/min"), not >=

    @classmethod
    def for_interval(
        cls,
        metric: str,
        threshold: float,
        interval: float,
        clear_margin: float | None = None,
        *,
        strict: bool = False,
    ) -> AlertRule:
        """The default rule: sustained and cleared over 3 sampling intervals, clearing
        5% of the threshold below it (85% CPU clears under 80.75%)."""
        after = SUSTAIN_INTERVALS * interval
        margin = threshold * 0.05 if clear_margin is None else clear_margin
        return cls(metric, threshold, after, margin, after, strict=strict)

    def over(self, value: float) -> bool:
        return value > self.threshold if self.strict else value >= self.threshold

    def under(self, value: float) -> bool:
        """Under the clear line: the mirror of over, `clear_margin` lower."""
        line = self.clear_below
        return value <= line if self.strict else value < line

    @property
    def clear_below(self) -> float:
        return self.threshold - self.clear_margin

    def describe(self) -> str:
        return (
            f"{self.metric} {'>' if self.strict else '>='} {_number(self.threshold)} "
            f"for {_number(self.raise_after)}s; clears "
            f"{'at or below' if self.strict else 'below'} {_number(self.clear_below)} "
            f"for {_number(self.clear_after)}s"
        )


@dataclass(frozen=True)
class Values:
    """The samples over a rule's window."""

    low: float
    mean: float
    high: float
    samples: int


@dataclass(frozen=True)
class Verdict:
    status: Status
    metric: str
    value: float | None  # the latest value
    threshold: float
    rule: str
    values: Values | None  # over the window that decided it
    raised: bool  # the alert's state after this verdict (for settled: raised or clear)
    raises: int = 0  # for flapping: raises within the flap window


@dataclass
class AlertState:
    """One metric's alert on one host, fed its values in time order."""

    rule: AlertRule
    raised: bool = False
    flapping: bool = False
    _over_since: float | None = None
    _under_since: float | None = None
    _samples: deque[tuple[float, float]] = field(default_factory=deque)
    _raises: deque[float] = field(default_factory=deque)
    _last_change: float | None = None

    def observe(self, value: float | None, now: float) -> list[Verdict]:
        """A new value (None: no value now, which decides nothing) at time `now`."""
        verdicts: list[Verdict] = []
        if value is not None:
            self._keep(value, now)
            rule = self.rule
            # Raised, it waits to clear; clear, to raise: each from when the value crossed.
            if not self.raised:
                self._under_since = None
                self._over_since = _since(self._over_since, rule.over(value), now)
                since, after = self._over_since, rule.raise_after
            else:
                self._over_since = None
                self._under_since = _since(self._under_since, rule.under(value), now)
                since, after = self._under_since, rule.clear_after
            if since is not None and now - since >= after:
                verdicts += self._change(not self.raised, value, now, since)
        verdicts += self._settle(value, now)
        return verdicts

    def _keep(self, value: float, now: float) -> None:
        self._samples.append((now, value))
        horizon = max(self.rule.raise_after, self.rule.clear_after)
        while self._samples and self._samples[0][0] < now - horizon:
            self._samples.popleft()

    def _values(self, since: float) -> Values:
        seen = [v for t, v in self._samples if t >= since]
        return Values(min(seen), sum(seen) / len(seen), max(seen), len(seen))

    def _verdict(self, status: Status, value: float | None, values: Values | None) -> Verdict:
        rule = self.rule
        return Verdict(
            status, rule.metric, value, rule.threshold, rule.describe(), values, self.raised,
            len(self._raises),
        )  # fmt: skip

    def _change(self, raised: bool, value: float, now: float, since: float) -> list[Verdict]:
        """Raised or cleared at `now`, the value having held since `since`."""
        values = self._values(since)
        self.raised = raised
        self._over_since = self._under_since = None
        self._last_change = now
        if raised:
            self._raises.append(now)
        while self._raises and self._raises[0] < now - self.rule.flap_window:
            self._raises.popleft()
        if self.flapping:
            return []  # followed, not reported, until it settles
        if raised and len(self._raises) > self.rule.flap_raises:
            self.flapping = True
            return [self._verdict("flapping", value, values)]
        return [self._verdict("raised" if raised else "cleared", value, values)]

    def _settle(self, value: float | None, now: float) -> list[Verdict]:
        last = self._last_change
        if not self.flapping or last is None or now - last < self.rule.flap_window:
            return []
        self.flapping = False
        self._raises.clear()
        return [self._verdict("settled", value, None)]


def _since(since: float | None, holds: bool, now: float) -> float | None:
    """When a condition that holds now began to hold (None: it does not hold)."""
    if not holds:
        return None
    return now if since is None else since


def _number(value: float) -> str:
    return f"{value:g}"
