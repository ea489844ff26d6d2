"""Health-gate tolerances from what rehearsals observed. Pure: `golive calibrate` reads
the journals and prints; golive.core.tolerance_text writes the proposals into the text.

Which evaluations count. A tolerance says how far a *healthy* system strays from its
baseline, so only gate attempts that a person would call healthy speak for it: the
attempt ended in `go`, either by the gate's own passing streak or by a person's answer
(an operator who says go over failing evaluations judges them healthy; such attempts
are listed). Left out, and listed with the reason: attempts that ended in no-go (by the
gate or a person: counting them would teach the gate to accept the very regression it
stopped), an automatic go without a passing verdict (`on_fail = "continue"`: nobody
judged it healthy), skipped, aborted, interrupted or unfinished attempts, injected
failures, and dry runs. Within a counted attempt every evaluation counts, a window not
yet full too (such a window can fail a gate, so its noise must be tolerated), except a
check that was inconclusive: it had no figure, or a rise too thin to confirm, which the
test would call inconclusive again rather than fail. A level check is only counted from
a run that judged it by the same statistic (median, p90) as the runbook does now; a gate
with two checks of one metric is not calibrated (the journal does not say which is which).

Too little to go on. Nothing is proposed for a check with fewer than MIN_EVALUATIONS
(10) counted evaluations, and `max_ratio` needs 10 evaluations of its own (those with
enough messages, below); with fewer, calibrate says so and keeps the runbook's value.
Consecutive evaluations overlap (a 5-minute window judged every 30 s), so 10 are about
one window's worth of independent data: the least a proposal should rest on. (A floor,
once its check has 10, covers however few of them need it: each is a healthy evaluation
that would otherwise fail.)

Proposals go both ways, as durations do: a tolerance looser than the rehearsals needed
is tightened, one they outgrew is loosened. The rules, each with a margin because a few rehearsals do not show a healthy system's
worst night (the largest of n values is only about its 1 - 1/n quantile):

- `max_ratio` (errors, warnings): the largest live/base rate ratio, from the message
  counts, over the evaluations with at least FEW_EVENTS (10) messages both in the window
  and in the baseline (a ratio of fewer is mostly chance: ±30 % and more), times
  RATE_MARGIN (1.5: half again the largest rise seen), rounded up to 0.5 and at least
  1.5 (a gate at 1.0 would fail on the slightest real drift).
- `floor` (errors, warnings): a baseline of 0 messages makes the ratio unbounded, and a
  thin one makes it chance; there the floor decides. The floor proposed is 1.5 times the
  largest live rate among the counted evaluations that the exact test would fail at the
  new (or kept) `max_ratio` with no floor, rounded up to 0.5/min and at least 0.5/min.
  So the pair passes every healthy evaluation seen, with a margin. When none needs a
  floor, the runbook's floor is kept (how low it may go is not something data shows).
- `max_increase` (cpu, mem, disk, load): the largest rise (the window's statistic minus
  the baseline's) plus LEVEL_MARGIN points, rounded up to LEVEL_STEP: 5 points, rounded
  up to 5, for percentages (a window's median or p90 moves by a few points between
  nights; points, not a ratio, because a ratio on a 3 % baseline means nothing); for
  load, which is no percentage, 1 and 0.5.
- `max` (levels) is never raised: a cap is the author's hard limit, not a measurement.
  When healthy runs came near it or over it, that is said.
"""

from __future__ import annotations

import math
import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from golive.core import events as ev
from golive.core.events import Event
from golive.core.gate_attempts import GateAttempt, gate_attempts, not_counted_reason
from golive.core.healthstats import RateCheck, Verdict, judge_rate
from golive.core.runbook import HealthCheck, Runbook, Step
from golive.core.tolerance_text import FLOOR, MAX_RATIO, check_index

MAX_INCREASE: Final = "max_increase"
CAP: Final = "max"

MIN_EVALUATIONS: Final = 10
FEW_EVENTS: Final = 10
RATE_MARGIN: Final = 1.5
RATE_STEP: Final = 0.5
MIN_RATIO: Final = 1.5
MIN_FLOOR: Final = 0.5
LEVEL_MARGIN: Final = {"cpu": 5.0, "mem": 5.0, "disk": 5.0, "load": 1.0}
LEVEL_STEP: Final = {"cpu": 5.0, "mem": 5.0, "disk": 5.0, "load": 0.5}
LEVEL_HIGH: Final = {"load": 1e6}  # the reader's upper bound; percentages: 100

_CONCLUSIVE: Final = (Verdict.PASS.value, Verdict.FAIL.value)


@dataclass(frozen=True)
class HealthJournal:
    """One journal as calibrate reads it: its label, its events (samples not needed) and
    the runbook it ran (from run_started's runbook_source; None when unknown)."""

    label: str
    events: Sequence[Event]
    ran: Runbook | None = None


@dataclass(frozen=True)
class Observation:
    """One host's figures for one check in one counted evaluation."""

    run: str
    attempt: int
    n: int  # the evaluation's number in its attempt
    host: str
    verdict: str
    live: float | None  # rates: per minute; levels: the window's statistic
    base: float | None
    counts: tuple[int, float, int, float] | None = None  # live n, minutes; base n, minutes

    @property
    def evaluation(self) -> tuple[str, int, int]:
        return self.run, self.attempt, self.n

    @property
    def where(self) -> str:
        return f"{self.host}, {self.run}"

    @property
    def live_rate(self) -> float | None:
        if self.counts is not None:
            return self.counts[0] / self.counts[1] if self.counts[1] > 0 else None
        return self.live

    @property
    def ratio(self) -> float | None:
        """live rate / base rate from the counts; None when the baseline counted none."""
        if self.counts is None:
            return None
        live_n, live_min, base_n, base_min = self.counts
        if live_min <= 0 or base_min <= 0 or base_n <= 0:
            return None
        return (live_n / live_min) / (base_n / base_min)

    @property
    def dense(self) -> bool:
        """Enough messages on both sides for their ratio to mean something."""
        return (
            self.counts is not None
            and self.counts[0] >= FEW_EVENTS
            and self.counts[2] >= FEW_EVENTS
            and self.ratio is not None
        )

    def fails_at(self, max_ratio: float) -> bool:
        """Would the exact test fail this evaluation at `max_ratio` with no floor?"""
        if self.counts is None:
            return False
        live_n, live_min, base_n, base_min = self.counts
        if live_min <= 0 or base_min <= 0:
            return False
        result = judge_rate(RateCheck(max_ratio, 0.0), live_n, live_min, base_n, base_min)
        return result.verdict is Verdict.FAIL


@dataclass(frozen=True)
class Tolerance:
    """A proposed value for one key of one check."""

    step: str
    metric: str
    stat: str  # levels: the statistic the check judges; rates: ""
    key: str  # max_ratio, floor or max_increase
    old: float | None  # as the runbook has it (None: not written)
    new: float
    largest: float  # what it rests on: the largest ratio, rate or rise seen
    where: str  # host and run of that largest value
    evaluations: int  # the evaluations it rests on
    of: int  # the check's counted evaluations
    runs: int  # journals those evaluations come from
    unbounded: bool = False  # floor: some of them had a baseline of 0 messages

    @property
    def changed(self) -> bool:
        return (self.old if self.old is not None else 0.0) != self.new


@dataclass(frozen=True)
class ToleranceSkipped:
    step: str
    metric: str
    key: str
    reason: str


@dataclass(frozen=True)
class GateNotCounted:
    """A gate attempt whose evaluations were left out."""

    step: str
    run: str
    attempt: int
    evaluations: int
    reason: str


@dataclass(frozen=True)
class Overridden:
    """A person said go over failing evaluations: counted as healthy, and said so."""

    step: str
    run: str
    attempt: int
    by: str
    fails: int


@dataclass(frozen=True)
class HealthCalibration:
    runs: int  # journals read (dry runs left out)
    gates: tuple[str, ...]  # the runbook's health gates
    tolerances: tuple[Tolerance, ...] = ()
    skipped: tuple[ToleranceSkipped, ...] = ()
    not_counted: tuple[GateNotCounted, ...] = ()
    overridden: tuple[Overridden, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def changes(self) -> list[Tolerance]:
        return [t for t in self.tolerances if t.changed]


# -- the proposals -------------------------------------------------------------------


def calibrate_health(runbook: Runbook, journals: Sequence[HealthJournal]) -> HealthCalibration:
    """Proposed tolerances for every check of every health gate of `runbook`."""
    gates = [s for s in runbook.steps if s.health is not None]
    used = [j for j in journals if _mode(j.events) != "dry-run"]
    if not gates:
        return HealthCalibration(len(used), ())
    ids = {g.id for g in gates}
    counted: list[tuple[HealthJournal, GateAttempt]] = []
    not_counted: list[GateNotCounted] = []
    overridden: list[Overridden] = []
    for journal in used:
        for attempt in gate_attempts(journal.events, ids):
            reason = not_counted_reason(attempt)
            if reason is not None:
                if attempt.evaluations:
                    not_counted.append(
                        GateNotCounted(
                            attempt.step,
                            journal.label,
                            attempt.number,
                            len(attempt.evaluations),
                            reason,
                        )
                    )
                continue
            counted.append((journal, attempt))
            fails = sum(1 for e in attempt.evaluations if e.get("verdict") == Verdict.FAIL.value)
            if fails and not attempt.automatic:
                overridden.append(
                    Overridden(attempt.step, journal.label, attempt.number, attempt.by, fails)
                )
    document = tomllib.loads(runbook.source)
    tolerances: list[Tolerance] = []
    skipped: list[ToleranceSkipped] = []
    notes: list[str] = []
    for gate in gates:
        assert gate.health is not None
        ours = [(j, a) for j, a in counted if a.step == gate.id]
        if not any(a.evaluations for _, a in ours):
            skipped.append(
                ToleranceSkipped(
                    gate.id, "", "", "no evaluation of it ended in go in these journals"
                )
            )
            continue
        metrics = Counter(c.metric for c in gate.health.checks)
        for check in gate.health.checks:
            if metrics[check.metric] > 1:
                skipped.append(
                    ToleranceSkipped(
                        gate.id,
                        check.metric,
                        "",
                        f"the gate has {metrics[check.metric]} {check.metric} checks, and the "
                        "journal does not say which figure is whose",
                    )
                )
                continue
            table = _check_table(document, gate.id, check.metric) or {}
            found = observations(ours, gate, check, notes)
            if check.is_rate:
                _rates(gate, check, table, found, tolerances, skipped)
            else:
                _levels(gate, check, found, tolerances, skipped)
    return HealthCalibration(
        len(used),
        tuple(g.id for g in gates),
        tuple(tolerances),
        tuple(skipped),
        tuple(not_counted),
        tuple(overridden),
        tuple(notes),
    )


def observations(
    counted: Sequence[tuple[HealthJournal, GateAttempt]],
    gate: Step,
    check: HealthCheck,
    notes: list[str] | None = None,
) -> list[Observation]:
    """The conclusive figures of `check` in the counted attempts of `gate`."""
    found: list[Observation] = []
    for journal, attempt in counted:
        if not check.is_rate:
            stat = _stat_ran(journal.ran, gate.id, check.metric)
            if stat is not None and stat != check.stat:
                if notes is not None:
                    notes.append(
                        f"{gate.id} {check.metric} in {journal.label}: judged by its {stat}, "
                        f"the runbook now by its {check.stat}: not counted"
                    )
                continue
        for e in attempt.evaluations:
            n = e.get("n")
            number = n if isinstance(n, int) else 0
            for host in e.get("hosts") or ():
                if not isinstance(host, Mapping):
                    continue
                for figures in host.get("checks") or ():
                    if not isinstance(figures, Mapping) or figures.get("metric") != check.metric:
                        continue
                    if figures.get("verdict") not in _CONCLUSIVE:
                        continue
                    found.append(
                        Observation(
                            journal.label,
                            attempt.number,
                            number,
                            str(host.get("host", "")),
                            str(figures["verdict"]),
                            _number(figures.get("live")),
                            _number(figures.get("base")),
                            _counts(figures.get("counts")),
                        )
                    )
    return found


def _rates(
    gate: Step,
    check: HealthCheck,
    table: Mapping[str, Any],
    found: list[Observation],
    tolerances: list[Tolerance],
    skipped: list[ToleranceSkipped],
) -> None:
    assert check.max_ratio is not None
    total = _evaluations(found)
    if total < MIN_EVALUATIONS:
        reason = _too_few(total, _runs(found))
        for key in (MAX_RATIO, FLOOR):
            skipped.append(ToleranceSkipped(gate.id, check.metric, key, reason))
        return
    ratio = check.max_ratio
    dense = [o for o in found if o.dense]
    if _evaluations(dense) >= MIN_EVALUATIONS:
        top = max(dense, key=lambda o: o.ratio or 0.0)
        largest = top.ratio or 0.0
        ratio = max(MIN_RATIO, round_up(largest * RATE_MARGIN, RATE_STEP))
        tolerances.append(
            Tolerance(gate.id, check.metric, "", MAX_RATIO, check.max_ratio, ratio, largest,
                      top.where, _evaluations(dense), total, _runs(dense))
        )  # fmt: skip
    else:
        unbounded = sum(1 for o in found if o.counts is not None and o.counts[2] == 0)
        why = (
            f"{unbounded} of them against a baseline of 0 messages (the ratio is unbounded), "
            if unbounded
            else ""
        )
        skipped.append(
            ToleranceSkipped(
                gate.id,
                check.metric,
                MAX_RATIO,
                f"only {_evaluations(dense)} of {total} evaluations counted {FEW_EVENTS} or "
                f"more messages in both the window and the baseline ({why}fewer is mostly "
                f"chance): kept; the floor decides there",
            )
        )
    old_floor = check.floor_per_minute if FLOOR in table else None
    needy = [o for o in found if o.fails_at(ratio)]
    if not needy:
        skipped.append(
            ToleranceSkipped(
                gate.id,
                check.metric,
                FLOOR,
                f"no counted evaluation needs one at max_ratio {ratio:g}: kept",
            )
        )
        return
    top = max(needy, key=lambda o: o.live_rate or 0.0)
    rate = top.live_rate or 0.0
    floor = max(MIN_FLOOR, round_up(rate * RATE_MARGIN, RATE_STEP))
    unbounded_needy = any(o.counts is not None and o.counts[2] == 0 for o in needy)
    tolerances.append(
        Tolerance(gate.id, check.metric, "", FLOOR, old_floor, floor, rate, top.where,
                  _evaluations(needy), total, _runs(needy), unbounded_needy)
    )  # fmt: skip


def _levels(
    gate: Step,
    check: HealthCheck,
    found: list[Observation],
    tolerances: list[Tolerance],
    skipped: list[ToleranceSkipped],
) -> None:
    rises = [o for o in found if o.live is not None and o.base is not None]
    total = _evaluations(rises)
    if total < MIN_EVALUATIONS:
        skipped.append(
            ToleranceSkipped(gate.id, check.metric, MAX_INCREASE, _too_few(total, _runs(rises)))
        )
    else:
        top = max(rises, key=_rise)
        largest = _rise(top)
        if check.max_increase is None:
            skipped.append(
                ToleranceSkipped(
                    gate.id,
                    check.metric,
                    MAX_INCREASE,
                    f"the check has none (only max judges it), and calibrate adds no new way "
                    f"to fail; the largest rise seen was {largest:+.1f} ({top.where})",
                )
            )
        else:
            margin, step = LEVEL_MARGIN[check.metric], LEVEL_STEP[check.metric]
            high = LEVEL_HIGH.get(check.metric, 100.0)
            new = min(high, round_up(max(largest, 0.0) + margin, step))
            tolerances.append(
                Tolerance(gate.id, check.metric, check.stat, MAX_INCREASE, check.max_increase,
                          new, largest, top.where, total, total, _runs(rises))
            )  # fmt: skip
    if check.cap is None:
        return
    levels = [o for o in found if o.live is not None]
    if not levels:
        return
    top = max(levels, key=lambda o: o.live or 0.0)
    peak = top.live or 0.0
    margin = LEVEL_MARGIN[check.metric]
    seen = f"the largest {check.stat} seen was {peak:.1f} ({top.where})"
    if peak > check.cap:
        reason = f"{seen}, over max {check.cap:g}: calibrate never raises max; raise it by hand if that was a normal night"
    elif peak > check.cap - margin:
        reason = f"{seen}, within {margin:g} of max {check.cap:g}: calibrate never raises max"
    else:
        reason = f"kept (calibrate never raises max); {seen}"
    skipped.append(ToleranceSkipped(gate.id, check.metric, CAP, reason))


def round_up(value: float, step: float) -> float:
    """`value` rounded up to a multiple of `step` (a hair over a multiple stays on it)."""
    return round(math.ceil(round(value / step, 9)) * step, 9)


def _rise(o: Observation) -> float:
    return (o.live or 0.0) - (o.base or 0.0)


def _evaluations(found: Sequence[Observation]) -> int:
    return len({o.evaluation for o in found})


def _runs(found: Sequence[Observation]) -> int:
    return len({o.run for o in found})


def _too_few(evaluations: int, runs: int) -> str:
    return (
        f"too little to go on: {evaluations} counted evaluation{'s' * (evaluations != 1)} "
        f"in {runs} run{'s' * (runs != 1)}, fewer than {MIN_EVALUATIONS}: kept"
    )


def _mode(events: Sequence[Event]) -> str:
    started = next((e for e in events if e.get("type") == ev.RUN_STARTED), None)
    return str(started.get("mode", "")) if started else ""


def _stat_ran(ran: Runbook | None, step: str, metric: str) -> str | None:
    """The statistic the journal's own runbook judged `metric` of `step` by."""
    if ran is None or not ran.has_step(step):
        return None
    health = ran.step(step).health
    if health is None:
        return None
    stats = {c.stat for c in health.checks if c.metric == metric}
    return stats.pop() if len(stats) == 1 else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _counts(value: Any) -> tuple[int, float, int, float] | None:
    if not isinstance(value, list) or len(value) != 4:
        return None
    live_n, live_min, base_n, base_min = value
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (live_n, base_n)):
        return None
    minutes = (_number(live_min), _number(base_min))
    if minutes[0] is None or minutes[1] is None:
        return None
    return live_n, minutes[0], base_n, minutes[1]


def _check_table(document: Mapping[str, Any], step: str, metric: str) -> dict[str, Any] | None:
    """The `[[steps.health.checks]]` table of `step` for `metric`, if there is one."""
    found = check_index(document, step, metric)
    if found is None:
        return None
    step_at, check_at = found
    table: dict[str, Any] = document["steps"][step_at]["health"]["checks"][check_at]
    return table
