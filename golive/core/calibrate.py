"""Planned durations from measured runs, and the runbook text with only those values
changed. Pure: `golive calibrate` reads the files and prints.

Each step's new `duration` is a percentile (P90 by default) of the times that speak for
it, one per journal (see compare.measure: the last successful attempt; failed, injected,
interrupted and automatically answered attempts do not count), rounded to whole seconds
and never below 1 s. `rollback_duration` comes the same way from the step's undo actions.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from typing import Any

import tomli_w

from golive.core.compare import measure
from golive.core.durations import duration_text
from golive.core.record import RunRecord, StepRecord, percentile
from golive.core.runbook import Runbook, Step, StepKind
from golive.core.toml_lines import KeyLines

DURATION = "duration"
ROLLBACK_DURATION = "rollback_duration"


@dataclass(frozen=True)
class Estimate:
    step: str
    key: str  # "duration" or "rollback_duration"
    old: float | None  # as the runbook has it (None: not written)
    measured: float  # the percentile of the counted times
    samples: int  # counted times it is based on, one per run at most
    runs: int  # journals in which the step (or its undo) ran at all

    @property
    def new(self) -> int:
        return planned_seconds(self.measured)

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass(frozen=True)
class Skipped:
    step: str
    key: str
    reason: str


@dataclass(frozen=True)
class NotCounted:
    """One attempt whose time was left out, so the operator sees what was dropped."""

    step: str
    run: str  # the run's label
    action: str
    attempt: int
    reason: str


@dataclass(frozen=True)
class Calibration:
    percentile: float
    runs: int
    estimates: tuple[Estimate, ...]
    skipped: tuple[Skipped, ...]
    not_counted: tuple[NotCounted, ...]

    @property
    def changes(self) -> list[Estimate]:
        return [e for e in self.estimates if e.changed]

    def values(self) -> dict[str, dict[str, str]]:
        """step id -> key -> duration text, for the changed values only."""
        found: dict[str, dict[str, str]] = {}
        for e in self.changes:
            found.setdefault(e.step, {})[e.key] = duration_text(e.new)
        return found


def planned_seconds(measured: float) -> int:
    """Whole seconds, half up, at least 1: a plan of 0 would hide a step that ran."""
    return max(1, int(measured + 0.5))


def journal_problems(runbook: Runbook, record: RunRecord) -> list[str]:
    """Why a journal may not fit the runbook (warnings; steps are matched by id)."""
    problems = []
    if record.mode == "dry-run":
        problems.append("a dry run executed nothing: its times are not used")
    if record.name != runbook.name:
        problems.append(f'it ran runbook "{record.name}", not "{runbook.name}"')
    ours = {s.id for s in runbook.steps}
    theirs = {s.id for s in record.steps}
    if not ours & theirs:
        problems.append("it has no step of this runbook")
    elif ours != theirs:
        problems.append(
            f"{len(ours - theirs)} of this runbook's steps are not in it, and it has {len(theirs - ours)} others"
        )
    return problems


def calibrate(
    runbook: Runbook, records: list[RunRecord], labels: list[str], p: float
) -> Calibration:
    """New durations for `runbook` from the runs (dry runs are left out)."""
    used = [(r, label) for r, label in zip(records, labels, strict=True) if r.mode != "dry-run"]
    estimates: list[Estimate] = []
    skipped: list[Skipped] = []
    not_counted: list[NotCounted] = []
    for step in runbook.steps:
        found = [(r, label, {s.id: s for s in r.steps}.get(step.id)) for r, label in used]
        ran = [(r, label, s) for r, label, s in found if s is not None and s.runs]
        if step.kind is StepKind.WAIT:
            skipped.append(
                Skipped(step.id, DURATION, "a wait step: its duration is how long it waits")
            )
        else:
            _estimate(step, DURATION, ran, p, estimates, skipped, not_counted)
        if step.rollback:
            undone = [(r, label, s) for r, label, s in ran if s.undos]
            _estimate(step, ROLLBACK_DURATION, undone, p, estimates, skipped, not_counted)
    return Calibration(p, len(used), tuple(estimates), tuple(skipped), tuple(not_counted))


def _estimate(
    step: Step,
    key: str,
    ran: list[tuple[RunRecord, str, StepRecord]],
    p: float,
    estimates: list[Estimate],
    skipped: list[Skipped],
    not_counted: list[NotCounted],
) -> None:
    action = "run" if key == DURATION else "rollback"
    old = step.duration if key == DURATION else step.rollback_duration
    if not ran:
        what = "it never ran" if key == DURATION else "its rollback never ran"
        skipped.append(Skipped(step.id, key, f"{what} in these journals"))
        return
    times: list[float] = []
    left_out: list[NotCounted] = []
    why_not: Counter[str] = Counter()
    for record, label, step_record in ran:
        measured = measure(record, step_record, action)
        for e in measured.excluded:
            left_out.append(NotCounted(step.id, label, e.action, e.attempt, e.reason))
        if measured.counted and measured.seconds is not None:
            times.append(measured.seconds)
        else:
            why_not[measured.excluded[-1].reason if measured.excluded else "did not finish"] += 1
    if not times:
        reasons = "; ".join(f"{n} run{'s' * (n > 1)}: {reason}" for reason, n in why_not.items())
        skipped.append(Skipped(step.id, key, f"no time to count ({reasons})"))
        return
    # Attempts left out beside a counted time; a skipped value gives its reasons above.
    not_counted.extend(left_out)
    estimates.append(Estimate(step.id, key, old, percentile(times, p), len(times), len(ran)))


# -- the text edit -------------------------------------------------------------------

_STRING = r""""(?:[^"\\\n]|\\.)*"|'[^'\n]*'"""
_ASSIGNMENT = re.compile(
    rf"^(?P<lead>[ \t]*(?P<key>[A-Za-z0-9_-]+|\"[^\"\n]*\"|'[^'\n]*')[ \t]*=[ \t]*)"
    rf"(?P<value>{_STRING})(?P<tail>[ \t]*(?:#[^\n]*)?)$"
)


class _Unsafe(Exception):
    """The key's line is not a plain one-line `key = "value"`; rewrite the document."""


@dataclass(frozen=True)
class EditedText:
    text: str
    in_place: bool  # only the values changed; comments and layout are kept byte for byte
    note: str = ""  # why the document was rewritten instead


def set_durations(text: str, values: dict[str, dict[str, str]]) -> EditedText:
    """`text` with each step's `duration`/`rollback_duration` set to the given duration
    texts (step id -> key -> text). Only the value on each key's line changes, and a
    missing key is added on its own line after the step's `duration` or `id`; when that
    cannot be done safely, the document is rewritten with tomli_w (comments are lost)."""
    document = tomllib.loads(text)
    expected = copy.deepcopy(document)
    for step in expected.get("steps", []):
        if isinstance(step, dict) and step.get("id") in values:
            step.update(values[step["id"]])
    if not values:
        return EditedText(text, True)
    try:
        edited = _edit_lines(text, document, values)
        if tomllib.loads(edited) == expected:
            return EditedText(edited, True)
        note = "the edited text did not read back as intended"
    except _Unsafe as exc:
        note = str(exc)
    except tomllib.TOMLDecodeError:
        note = "the edited text was not valid TOML"
    return EditedText(tomli_w.dumps(expected, multiline_strings=True), False, note)


def _edit_lines(text: str, document: dict[str, Any], values: dict[str, dict[str, str]]) -> str:
    # KeyLines counts lines by "\n" only, as tomllib does; a "\r" stays on its line.
    lines = text.split("\n")
    where = KeyLines(text)
    inserts: dict[int, list[str]] = {}  # line index -> lines to add after it
    for index, step in enumerate(document.get("steps", [])):
        if not isinstance(step, dict) or step.get("id") not in values:
            continue
        new = values[step["id"]]
        missing = [k for k in (DURATION, ROLLBACK_DURATION) if k in new and k not in step]
        for key in (k for k in new if k in step):
            row = where.line_of(("steps", index, key)) - 1
            lines[row] = _replace_value(lines[row], key, new[key], step["id"])
        if missing:
            anchor_key = DURATION if DURATION in step else "id"
            row = where.line_of(("steps", index, anchor_key)) - 1
            anchor = lines[row]
            _assignment(anchor, anchor_key, step["id"])  # the anchor must be a plain line
            indent = anchor[: len(anchor) - len(anchor.lstrip(" \t"))]
            ending = "\r" if anchor.endswith("\r") else ""
            inserts[row] = [f"{indent}{_rendered(k, new[k])}{ending}" for k in missing]
    for row in sorted(inserts, reverse=True):
        lines[row + 1 : row + 1] = inserts[row]
    return "\n".join(lines)


def _assignment(line: str, key: str, step_id: str) -> re.Match[str]:
    match = _ASSIGNMENT.match(line.removesuffix("\r"))
    if match is None or match.group("key").strip("\"'") != key:
        raise _Unsafe(f'step {step_id}: its {key} is not written as a plain key = "..." line')
    return match


def _replace_value(line: str, key: str, value: str, step_id: str) -> str:
    match = _assignment(line, key, step_id)
    ending = "\r" if line.endswith("\r") else ""
    rendered = _rendered(key, value).split(" = ", 1)[1]
    return f"{match.group('lead')}{rendered}{match.group('tail')}{ending}"


def _rendered(key: str, value: str) -> str:
    return tomli_w.dumps({key: value}).rstrip("\n")
