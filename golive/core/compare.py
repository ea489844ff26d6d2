"""Recorded runs of one runbook side by side: per-step times, percentiles, slowdowns,
rollbacks and totals. Pure maths over RunRecords; `golive compare` reads the journals
and prints, and `golive calibrate` plans with the same measured times.

Which time speaks for a step in a run: its last attempt that succeeded (or that a
person confirmed, for manual steps and gates). Failed, injected, interrupted and
marked-done attempts are shown but not counted, and neither are dry runs, nor manual
steps and gates that --yes answered automatically: that is not anyone's time (a health
gate that decided itself is timed: its time is how long it took to decide).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from golive.core.events import Decisions
from golive.core.health import HEALTH_BY
from golive.core.record import Attempt, RunRecord, StepRecord, percentile

# A step got slower when it took more than 20 % longer AND more than 30 s longer:
# 30 s is what moves a cutover's end; 20 % keeps a long step's noise out. In a run
# shorter than ten minutes (a small rehearsal) the 30 s floor becomes 5 % of the run.
SLOWER_RATIO = 0.20
SLOWER_SECONDS = 30.0
SHORT_RUN_FRACTION = 0.05
MIN_RUNS_FOR_PERCENTILES = 3

# Marks for a time that is shown but not counted.
AUTOMATIC = "*"
FAILED = "✘"
INTERRUPTED = "↯"
SKIPPED = "↷"
UNFINISHED = "…"
DRY_RUN = "~"

_ANSWERED = (Decisions.CONFIRM, Decisions.GO)
_PERSON_KINDS = ("manual", "gate")


@dataclass(frozen=True)
class Excluded:
    """An attempt whose time is not counted, and why."""

    action: str  # "run" or "rollback"
    attempt: int
    reason: str


@dataclass(frozen=True)
class Measured:
    """How long one step (or its undo) took in one run."""

    seconds: float | None  # the time shown; None when nothing finished
    counted: bool  # a representative time: percentiles and calibrate use it
    mark: str  # "" when counted, else one of the marks above
    attempts: int
    excluded: tuple[Excluded, ...] = ()


def measure(record: RunRecord, step: StepRecord, action: str = "run") -> Measured:
    """The time that speaks for `step` in this run (its "run" or its "rollback")."""
    attempts = step.runs if action == "run" else step.undos
    excluded: list[Excluded] = []
    counted: Attempt | None = None
    for attempt in attempts:
        reason = _not_counted(record, step, attempt)
        if reason is None:
            counted = attempt
        else:
            excluded.append(Excluded(action, attempt.number, reason))
    if counted is not None:
        return Measured(counted.seconds, True, "", len(attempts), tuple(excluded))
    finished = [a for a in attempts if a.end_m is not None]
    if not finished:
        mark = UNFINISHED if attempts else ""
        mark = SKIPPED if step.status == "skipped" and action == "run" else mark
        return Measured(None, False, mark, len(attempts), tuple(excluded))
    last = finished[-1]
    marks = {"interrupted": INTERRUPTED, Decisions.MARK_DONE: INTERRUPTED, "failed": FAILED}
    mark = DRY_RUN if record.mode == "dry-run" else marks.get(last.status, AUTOMATIC)
    return Measured(last.seconds, False, mark, len(attempts), tuple(excluded))


def _not_counted(record: RunRecord, step: StepRecord, attempt: Attempt) -> str | None:
    """Why an attempt's time does not count, or None when it does."""
    if attempt.end_m is None:
        return "did not finish"
    if record.mode == "dry-run":
        return "a dry run executed nothing"
    if attempt.injected:
        return "injected failure (--inject-failure), not a real run"
    if attempt.status == "interrupted":
        return "interrupted (golive stopped while it ran)"
    if attempt.status == Decisions.MARK_DONE:
        return "marked done after an interruption, not timed"
    if attempt.status == "failed":
        return "failed" + (f" ({attempt.reason})" if attempt.reason else "")
    if attempt.status in _ANSWERED:
        if _answered_automatically(record, step.id, attempt.end_m):
            return "answered automatically (--yes), not an operator's time"
        return None
    if attempt.status == "succeeded":
        return None
    return attempt.status


def _answered_automatically(record: RunRecord, step_id: str, m: float) -> bool:
    return any(
        moment.kind == "decision"
        and moment.step == step_id
        and moment.m == m
        and moment.fields.get("decision") in _ANSWERED
        and bool(moment.fields.get("automatic"))
        # A health gate's own decision is timed: how long it took to decide is its time.
        and moment.by != HEALTH_BY
        for moment in record.moments
    )


@dataclass(frozen=True)
class Slowdown:
    step: str
    against: str  # "previous" (the run before the last) or "median" (of the earlier runs)
    seconds: float  # the last run's time
    reference: float

    @property
    def delta(self) -> float:
        return self.seconds - self.reference

    @property
    def ratio(self) -> float | None:
        return None if self.reference <= 0 else self.delta / self.reference


def slower(seconds: float, reference: float, run_total: float) -> bool:
    """True when `seconds` is slower than `reference` by more than the thresholds."""
    delta = seconds - reference
    floor = min(SLOWER_SECONDS, SHORT_RUN_FRACTION * run_total)
    return delta > SLOWER_RATIO * reference and delta > floor


@dataclass(frozen=True)
class StepRow:
    id: str
    phase: str
    kind: str
    planned: float  # in the latest run's runbook
    runs: tuple[Measured | None, ...]  # None: the step is not in that run
    undos: tuple[Measured | None, ...]
    p50: float | None
    p90: float | None
    samples: int  # counted times across the runs
    slowdowns: tuple[Slowdown, ...]

    @property
    def counted(self) -> list[float]:
        return [
            m.seconds for m in self.runs if m is not None and m.counted and m.seconds is not None
        ]


@dataclass(frozen=True)
class RunSummary:
    journal: str
    label: str
    name: str
    mode: str
    started: datetime | None
    sha256: str
    outcome: str | None
    sessions: int
    injected: tuple[str, ...]
    rolled_back: bool
    total: float  # seconds from the run's start to its last event
    notes: tuple[str, ...]  # why its times are not like-for-like


@dataclass(frozen=True)
class RollbackAction:
    step: str
    seconds: float | None
    status: str


@dataclass(frozen=True)
class RollbackRow:
    run: int  # index into Comparison.runs
    to: str
    cause: str
    status: str
    planned: float
    seconds: float | None
    actions: tuple[RollbackAction, ...]


@dataclass(frozen=True)
class Comparison:
    runs: tuple[RunSummary, ...]  # in order of start time
    runbook_lines: tuple[str, ...]
    same_runbook: bool
    steps: tuple[StepRow, ...]
    rollbacks: tuple[RollbackRow, ...]
    total_p50: float | None
    total_p90: float | None

    @property
    def slowdowns(self) -> list[Slowdown]:
        return [s for row in self.steps for s in row.slowdowns]


@dataclass(frozen=True)
class RecordedRun:
    """One journal's record and the text of the runbook it ran."""

    record: RunRecord
    source: str


def compare(runs: list[RecordedRun]) -> Comparison:
    ordered = sorted(runs, key=lambda r: (r.record.started is None, r.record.started or 0))
    records = [r.record for r in ordered]
    labels = run_labels(records)
    summaries = tuple(_summary(r, label) for r, label in zip(records, labels, strict=True))
    same = len({r.runbook_sha256 for r in records}) == 1
    rows = tuple(_step_row(step_id, records) for step_id in _step_ids(records))
    totals = [s.total for s in summaries]
    enough = len(records) >= MIN_RUNS_FOR_PERCENTILES
    return Comparison(
        runs=summaries,
        runbook_lines=tuple(runbook_lines(ordered, labels)),
        same_runbook=same,
        steps=rows,
        rollbacks=tuple(_rollbacks(records)),
        total_p50=percentile(totals, 50) if enough else None,
        total_p90=percentile(totals, 90) if enough else None,
    )


def run_labels(records: list[RunRecord]) -> list[str]:
    """ "rehearsal 11-20 22:01" per run; with seconds, then a number, where that is not unique."""

    def label(record: RunRecord, shape: str) -> str:
        when = record.started.strftime(shape) if record.started else "no start"
        return f"{record.mode or 'run'} {when}"

    labels = [label(r, "%m-%d %H:%M") for r in records]
    if len(set(labels)) < len(labels):
        labels = [label(r, "%m-%d %H:%M:%S") for r in records]
    seen: dict[str, int] = {}
    unique = []
    for text in labels:
        seen[text] = seen.get(text, 0) + 1
        unique.append(text if labels.count(text) == 1 else f"{text} #{seen[text]}")
    return unique


def _summary(record: RunRecord, label: str) -> RunSummary:
    notes: list[str] = []
    if record.mode == "dry-run":
        notes.append("dry run: nothing was executed")
    if record.sessions > 1:
        notes.append(f"resumed ({record.sessions} sessions): its total includes the stop")
    for rollback in record.rollbacks:
        notes.append(f"rolled back to {rollback.to} ({rollback.status})")
    if record.injected:
        notes.append("injected failure: " + ", ".join(record.injected))
    if record.outcome != "completed":
        notes.append(f"outcome: {record.outcome or 'unfinished'}")
    return RunSummary(
        journal=record.journal,
        label=label,
        name=record.name,
        mode=record.mode,
        started=record.started,
        sha256=record.runbook_sha256,
        outcome=record.outcome,
        sessions=record.sessions,
        injected=tuple(record.injected),
        rolled_back=bool(record.rollbacks),
        total=record.ended_m,
        notes=tuple(notes),
    )


def _step_ids(records: list[RunRecord]) -> list[str]:
    """Every step id, in the latest run's order, then those only earlier runs had."""
    ids: list[str] = []
    for record in reversed(records):
        ids.extend(s.id for s in record.steps if s.id not in ids)
    return ids


def _step_row(step_id: str, records: list[RunRecord]) -> StepRow:
    found = [{s.id: s for s in r.steps}.get(step_id) for r in records]
    runs = tuple(
        None if step is None else measure(r, step) for r, step in zip(records, found, strict=True)
    )
    undos = tuple(
        None if step is None or not step.undos else measure(r, step, "rollback")
        for r, step in zip(records, found, strict=True)
    )
    latest = next(s for s in reversed(found) if s is not None)
    counted = [m.seconds for m in runs if m is not None and m.counted and m.seconds is not None]
    enough = len(records) >= MIN_RUNS_FOR_PERCENTILES and counted
    return StepRow(
        id=step_id,
        phase=latest.phase,
        kind=latest.kind,
        planned=latest.planned,
        runs=runs,
        undos=undos,
        p50=percentile(counted, 50) if enough else None,
        p90=percentile(counted, 90) if enough else None,
        samples=len(counted),
        slowdowns=tuple(_slowdowns(step_id, runs, records[-1].ended_m)),
    )


def _slowdowns(step_id: str, runs: tuple[Measured | None, ...], total: float) -> list[Slowdown]:
    def counted(m: Measured | None) -> float | None:
        return m.seconds if m is not None and m.counted else None

    if len(runs) < 2:
        return []
    last = counted(runs[-1])
    if last is None:
        return []
    found: list[Slowdown] = []
    previous = counted(runs[-2])
    if previous is not None and slower(last, previous, total):
        found.append(Slowdown(step_id, "previous", last, previous))
    earlier = [s for s in map(counted, runs[:-1]) if s is not None]
    if len(earlier) >= 2:
        median = percentile(earlier, 50)
        if slower(last, median, total):
            found.append(Slowdown(step_id, "median", last, median))
    return found


def _rollbacks(records: list[RunRecord]) -> list[RollbackRow]:
    rows = []
    for index, record in enumerate(records):
        for rollback in record.rollbacks:
            actions = tuple(
                RollbackAction(
                    step,
                    rollback.action_seconds.get(step),
                    rollback.action_status.get(step, "not run"),
                )
                for step in rollback.actions
            )
            rows.append(
                RollbackRow(
                    index,
                    rollback.to,
                    rollback.cause,
                    rollback.status,
                    rollback.planned,
                    rollback.seconds,
                    actions,
                )
            )
    return rows


def runbook_lines(runs: list[RecordedRun], labels: list[str]) -> list[str]:
    """Header lines saying whether the runs ran the same runbook, and how they differ."""
    first = runs[0].record
    if all(r.record.runbook_sha256 == first.runbook_sha256 for r in runs):
        return [f'runbook "{first.name}" (sha256 {first.runbook_sha256[:12]}) in every run']
    lines = [
        f'runbooks differ between runs; steps are compared by id against {labels[0]} ("{first.name}", sha256 {first.runbook_sha256[:12]})'
    ]
    for run, label in zip(runs[1:], labels[1:], strict=True):
        record = run.record
        if record.runbook_sha256 == first.runbook_sha256:
            continue
        sha = record.runbook_sha256[:12]
        if record.name != first.name:
            lines.append(f'  {label}: runbook "{record.name}" (sha256 {sha}), another name')
        elif durations_only(runs[0].source, run.source):
            lines.append(f"  {label}: sha256 {sha}, differs only in planned durations: comparable")
        else:
            ids = {s.id for s in record.steps} ^ {s.id for s in first.steps}
            what = f"{len(ids)} step ids differ" if ids else "the same step ids"
            lines.append(f"  {label}: sha256 {sha}, another runbook text ({what})")
    return lines


def durations_only(text_a: str, text_b: str) -> bool:
    """True when two runbook texts mean the same apart from duration and rollback_duration
    (what a calibrated runbook changes)."""
    try:
        return without_durations(tomllib.loads(text_a)) == without_durations(tomllib.loads(text_b))
    except (tomllib.TOMLDecodeError, ValueError):
        return False


def without_durations(document: dict[str, Any]) -> dict[str, Any]:
    steps = document.get("steps")
    if not isinstance(steps, list):
        return document
    stripped = [
        {k: v for k, v in step.items() if k not in ("duration", "rollback_duration")}
        if isinstance(step, dict)
        else step
        for step in steps
    ]
    return {**document, "steps": stripped}
