"""golive calibrate RUNBOOK JOURNAL... [-o NEW.toml] [--percentile P]: planned durations
from measured runs, and health-gate tolerances from what their evaluations observed
(golive.core.calibrate_health). Without -o it only prints the diff; -o never overwrites a
file other than RUNBOOK itself."""

from __future__ import annotations

import argparse
import codecs
import difflib
import math
import os
import sys
from typing import TYPE_CHECKING

from golive.core.calibrate import (
    Calibration,
    EditedText,
    calibrate,
    journal_problems,
    set_durations,
)
from golive.core.calibrate_health import (
    HealthCalibration,
    HealthJournal,
    Tolerance,
    calibrate_health,
)
from golive.core.compare import run_labels
from golive.core.durations import duration_text, seconds_text
from golive.core.errors import GoliveError
from golive.core.loader import load_runbook, load_runbook_text
from golive.core.tolerance_text import (
    FLOOR,
    MAX_RATIO,
    set_tolerances,
    value_text,
)
from golive.io.atomic import replace_file
from golive.io.journal import JournalError

if TYPE_CHECKING:
    from golive.io.recorded import Loaded


class CalibrateError(GoliveError):
    """Bad input; the message is one sentence."""


def calibrate_command(args: argparse.Namespace) -> int:
    p: float = args.percentile
    if not (math.isfinite(p) and 0 <= p <= 100):
        raise CalibrateError(f"--percentile {p:g} is not between 0 and 100")
    path: str = args.runbook
    loaded = load_runbook(path)
    if loaded.runbook is None:
        if len(loaded.errors) == 1:
            raise CalibrateError(loaded.errors[0].render())
        for diagnostic in loaded.errors:
            print(diagnostic.render(), file=sys.stderr)
        raise CalibrateError(f"{path} has errors; fix them first (golive check {path})")
    runbook = loaded.runbook
    output: str | None = args.output
    if output is not None:
        _check_writable(output, path)
    runs = _load_journals(args.journals)
    records = [r.record for r in runs]
    labels = run_labels(records)
    for record in records:
        for problem in journal_problems(runbook, record):
            print(f"golive: warning: {record.journal}: {problem}", file=sys.stderr)
    ours = {s.id for s in runbook.steps}
    if not any(s.id in ours for r in records if r.mode != "dry-run" for s in r.steps):
        raise CalibrateError(
            f"no journal ran a step of {path} (steps are matched by id; dry runs do not count)"
        )
    calibration = calibrate(runbook, records, labels, p)
    health = calibrate_health(
        runbook,
        [HealthJournal(label, r.events, r.runbook) for r, label in zip(runs, labels, strict=True)],
    )
    tolerated = set_tolerances(runbook.source, health.changes)
    edited = set_durations(tolerated.text, calibration.values())
    target = output or path
    for line in _summary(path, calibration, labels):
        print(line)
    for line in _health_summary(health):
        print(line)
    for note in tolerated.notes:
        print(f"note: {note}")
    changed = len(calibration.changes) + len(tolerated.applied)
    unwritten = len(health.changes) - len(tolerated.applied)
    print(_changed_line(path, calibration, health, changed, unwritten))
    if not edited.in_place:
        print(
            f"note: rewrote the whole document with tomli_w ({edited.note}): comments and layout are not kept"
        )
    new_text = edited.text
    _print_diff(runbook.source, new_text, path, target if output else f"{path} (calibrated)")
    check = load_runbook_text(target, new_text)
    if check.errors:
        for diagnostic in check.errors:
            print(diagnostic.render(), file=sys.stderr)
        raise CalibrateError("the calibrated runbook would not pass golive check; nothing written")
    before = {d.message for d in loaded.warnings}
    for warning in check.warnings:
        if warning.message not in before:
            print(f"new warning: {warning.render()}")
    if output is None:
        print("nothing written (give -o NEW.toml to write the calibrated runbook)")
        return 0
    if new_text == runbook.source and os.path.exists(output) and os.path.samefile(output, path):
        print(f"{output} unchanged: nothing to write")
        return 0
    if not edited.in_place and os.path.exists(output) and os.path.samefile(output, path):
        # The runbook is the team's document: its comments are not ours to drop.
        raise CalibrateError(
            f"{path} would be rewritten with tomli_w and lose its comments and layout; "
            "nothing written: write the calibrated runbook to a new file with -o NEW.toml"
        )
    _write(output, path, new_text)
    print(
        _written(
            output,
            edited,
            len(check.warnings),
            changed=new_text != runbook.source,
            what=_what_changed(bool(calibration.changes), bool(tolerated.applied)),
        )
    )
    return 0


def _load_journals(paths: list[str]) -> list[Loaded]:
    """Each journal read and folded, with its events (the health gates' evaluations are
    in them, not in the record), or CalibrateError naming the first bad one."""
    from golive.io.recorded import load_record

    loaded = []
    for path in paths:
        try:
            loaded.append(load_record(path, samples=False))
        except JournalError as exc:
            raise CalibrateError(str(exc)) from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise CalibrateError(f"{path}: not a readable golive run journal ({exc!r})") from None
    return loaded


def _check_writable(output: str, runbook: str) -> None:
    if os.path.isdir(output):
        raise CalibrateError(f"{output} is a directory; give a file name with -o")
    folder = os.path.dirname(output) or "."
    if not os.path.isdir(folder):
        raise CalibrateError(f"cannot write {output}: no such folder {folder}")
    if os.path.exists(output) and not os.path.samefile(output, runbook):
        raise CalibrateError(
            f"{output} exists; calibrate only overwrites the runbook itself (-o {runbook}) or writes a new file"
        )


def _summary(path: str, c: Calibration, labels: list[str]) -> list[str]:
    p = f"P{c.percentile:g}"
    lines = [
        f"calibrating {path} from {c.runs} run{'s' * (c.runs != 1)}: {p} of each step's measured"
        " times, rounded to whole seconds (at least 1s)"
    ]
    rows = [["step", "key", "planned", "new", p, "based on"]]
    for e in c.estimates:
        old = "-" if e.old is None else _duration(e.old)
        new = duration_text(e.new) if e.changed else "unchanged"
        based = f"{e.samples} of {c.runs} run{'s' * (c.runs != 1)}"
        rows.append([e.step, e.key, old, new, seconds_text(e.measured), based])
    if len(rows) > 1:
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines += [
            "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in rows
        ]
    if c.skipped:
        lines.append("not calibrated:")
        grouped: dict[tuple[str, str], list[str]] = {}
        for s in c.skipped:
            grouped.setdefault((s.key, s.reason), []).append(s.step)
        lines += [f"  {key} of {', '.join(steps)}: {why}" for (key, why), steps in grouped.items()]
    if c.not_counted:
        lines.append("attempts not counted:")
        lines += [
            f"  {n.step} {'undo ' if n.action == 'rollback' else ''}attempt {n.attempt} in {n.run}: {n.reason}"
            for n in c.not_counted
        ]
    return lines


def _changed_line(
    path: str, c: Calibration, h: HealthCalibration, changed: int, unwritten: int
) -> str:
    left = (
        f"{unwritten} proposed tolerance{'s' * (unwritten != 1)} not written (see the notes)"
        if unwritten
        else ""
    )
    if changed:
        return f"{changed} value{'s' * (changed != 1)} changed" + (f"; {left}" if left else "")
    if left:
        return f"no change written: {left}"
    fits = " and its health tolerances fit them" if h.tolerances else ""
    return f"no change: {path} already plans the P{c.percentile:g} of these runs{fits}"


def _health_summary(h: HealthCalibration) -> list[str]:
    """The health gates' tolerances, printed as the durations are: what each rests on."""
    if not h.gates:
        return []
    lines = [
        f"health tolerances from the gates that ended in go in {h.runs} run{'s' * (h.runs != 1)}"
        " (inconclusive checks left out):",
        "  max_ratio: the largest ratio x1.5; floor: x1.5 the largest rate that ratio alone"
        " would fail; both rounded up to 0.5",
        "  max_increase: the largest rise + 5 points, rounded up to 5 (load: + 1, to 0.5);"
        " max is never raised",
    ]
    rows = [["gate", "check", "key", "now", "new", "largest", "based on"]]
    for t in h.tolerances:
        check = f"{t.metric} {t.stat}" if t.stat else t.metric
        new = value_text(t.key, t.new) if t.changed else "unchanged"
        rows.append(
            [t.step, check, t.key, value_text(t.key, t.old), new, _largest(t), _based(t, h.runs)]
        )
    if len(rows) > 1:
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines += [
            "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in rows
        ]
    if h.skipped:
        lines.append("tolerances not calibrated:")
        for s in h.skipped:
            what = f"{s.key} of {s.step} {s.metric}" if s.key else f"{s.step} {s.metric}".rstrip()
            lines.append(f"  {what}: {s.reason}")
    if h.not_counted:
        lines.append("gate attempts not counted:")
        lines += [
            f"  {n.step} attempt {n.attempt} in {n.run}: {n.reason} "
            f"({n.evaluations} evaluation{'s' * (n.evaluations != 1)})"
            for n in h.not_counted
        ]
    if h.overridden:
        lines.append("counted as healthy on a person's word:")
        lines += [
            f"  {o.step} attempt {o.attempt} in {o.run}: {o.by or 'a person'} said go over "
            f"{o.fails} failing evaluation{'s' * (o.fails != 1)}"
            for o in h.overridden
        ]
    lines += [f"note: {note}" for note in h.notes]
    return lines


def _largest(t: Tolerance) -> str:
    if t.key == MAX_RATIO:
        seen = f"{t.largest:.2f}x"
    elif t.key == FLOOR:
        seen = f"{t.largest:.2f}/min" + (" against 0" if t.unbounded else "")
    else:
        seen = f"{t.largest:+.1f}"
    return f"{seen} ({t.where})"


def _based(t: Tolerance, runs: int) -> str:
    evaluations = f"{t.evaluations} of {t.of}" if t.evaluations != t.of else f"{t.of}"
    return (
        f"{evaluations} evaluation{'s' * (t.of != 1)} in {t.runs} of {runs} run{'s' * (runs != 1)}"
    )


def _what_changed(durations: bool, tolerances: bool) -> str:
    if durations and tolerances:
        return "only durations and health tolerances changed"
    return "only health tolerances changed" if tolerances else "only durations changed"


def _duration(seconds: float) -> str:
    return duration_text(int(seconds)) if seconds == int(seconds) else f"{seconds:g}s"


def _print_diff(old: str, new: str, old_name: str, new_name: str) -> None:
    for line in difflib.unified_diff(
        old.split("\n"), new.split("\n"), old_name, new_name, lineterm=""
    ):
        print(line.removesuffix("\r"))


def _write(output: str, runbook: str, text: str) -> None:
    with open(runbook, "rb") as handle:
        bom = codecs.BOM_UTF8 if handle.read(3) == codecs.BOM_UTF8 else b""
    try:  # never a half-written runbook
        replace_file(output, bom + text.encode("utf-8"), os.stat(runbook).st_mode & 0o777)
    except OSError as exc:
        raise CalibrateError(f"cannot write {output}: {exc.strerror or exc}") from None


def _written(output: str, edited: EditedText, warnings: int, changed: bool, what: str) -> str:
    how = what if edited.in_place else "rewritten with tomli_w"
    how = how if changed else "a copy: no duration changed"
    checked = f"{warnings} warning{'s' * (warnings != 1)}" if warnings else "no warnings"
    return f"wrote {output} ({how}); golive check {output}: ok, {checked}"
