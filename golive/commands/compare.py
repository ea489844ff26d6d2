"""golive compare JOURNAL... [--json]: runs of one runbook, step by step."""

from __future__ import annotations

import argparse
import json
from typing import Any

from golive.core.compare import (
    AUTOMATIC,
    DRY_RUN,
    FAILED,
    INTERRUPTED,
    MIN_RUNS_FOR_PERCENTILES,
    SHORT_RUN_FRACTION,
    SKIPPED,
    SLOWER_RATIO,
    SLOWER_SECONDS,
    UNFINISHED,
    Comparison,
    Measured,
    RecordedRun,
    compare,
)
from golive.core.durations import duration_text, seconds_text
from golive.core.errors import GoliveError
from golive.io.journal import JournalError

JSON_FORMAT = 1
SLOWED = "▲"


class RunsError(GoliveError):
    """A journal that cannot be compared; the message is one sentence."""


def load_runs(paths: list[str]) -> list[RecordedRun]:
    """Each journal as a RecordedRun, or RunsError naming the first bad one."""
    from golive.io.recorded import load_record

    runs = []
    for path in paths:
        try:
            loaded = load_record(path, samples=False)
        except JournalError as exc:
            raise RunsError(str(exc)) from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise RunsError(f"{path}: not a readable golive run journal ({exc!r})") from None
        started = next(e for e in loaded.events if e.get("type") == "run_started")
        runs.append(RecordedRun(loaded.record, str(started.get("runbook_source") or "")))
    return runs


def compare_command(args: argparse.Namespace) -> int:
    paths: list[str] = args.journals
    if len(paths) < 2:
        raise RunsError("compare needs at least two journals")
    comparison = compare(load_runs(paths))
    if args.json:
        print(json.dumps(as_json(comparison), indent=2, ensure_ascii=False))
    else:
        for line in render(comparison):
            print(line)
    return 0


# -- text ---------------------------------------------------------------------------


def _cell(measured: Measured | None) -> str:
    if measured is None:
        return "-"
    if measured.seconds is None:
        return measured.mark or "-"
    return seconds_text(measured.seconds) + measured.mark


def _table(rows: list[list[str]], right_from: int) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.rjust(widths[i]) if i >= right_from else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ).rstrip()
        for row in rows
    ]


def threshold_text(comparison: Comparison) -> str:
    total = comparison.runs[-1].total
    floor = min(SLOWER_SECONDS, SHORT_RUN_FRACTION * total)
    return (
        f"more than {SLOWER_RATIO:.0%} and more than {seconds_text(floor)} longer"
        f" ({SLOWER_SECONDS:.0f} s, or {SHORT_RUN_FRACTION:.0%} of the run when it is shorter than 10 minutes)"
    )


def render(c: Comparison) -> list[str]:
    out = [f"golive compare: {len(c.runs)} runs, in order of start", *c.runbook_lines, ""]
    rows = [["run", "journal", "outcome", "total", "not like-for-like"]]
    for run in c.runs:
        rows.append(
            [run.label, run.journal, run.outcome or "unfinished", seconds_text(run.total),
             "; ".join(run.notes)]
        )  # fmt: skip
    out += [*_table(rows, right_from=3), ""]
    percentiles = len(c.runs) >= MIN_RUNS_FOR_PERCENTILES
    header = ["step", "planned", *(run.label for run in c.runs)]
    header += ["P50", "P90"] if percentiles else []
    rows = [header]
    for step in c.steps:
        cells = [_cell(m) for m in step.runs]
        if step.slowdowns:
            cells[-1] = f"{SLOWED}{cells[-1]}"
        row = [step.id, _planned(step.planned), *cells]
        if percentiles:
            row += [_maybe(step.p50), _maybe(step.p90)]
        rows.append(row)
    total = ["total", "", *(seconds_text(run.total) for run in c.runs)]
    rows.append(total + ([_maybe(c.total_p50), _maybe(c.total_p90)] if percentiles else []))
    out += _table(rows, right_from=1)
    out += ["", *_slowdown_lines(c), *_rollback_lines(c), *_legend(c)]
    return out


def _planned(seconds: float) -> str:
    if not seconds:
        return "-"
    return f"{seconds:g}s" if seconds < 60 else duration_text(round(seconds))


def _maybe(seconds: float | None) -> str:
    return "-" if seconds is None else seconds_text(seconds)


def _slowdown_lines(c: Comparison) -> list[str]:
    last = c.runs[-1].label
    found = c.slowdowns
    if not found:
        return [f"no step got slower in the last run ({last}): {threshold_text(c)}", ""]
    lines = [f"{SLOWED} slower in the last run ({last}), {threshold_text(c)}:"]
    for s in found:
        reference = seconds_text(s.reference)
        against = (
            f"{reference} in the run before"
            if s.against == "previous"
            else f"the median {reference} of the earlier runs"
        )
        ratio = "" if s.ratio is None else f", +{s.ratio:.0%}"
        lines.append(
            f"  {s.step}: {seconds_text(s.seconds)} against {against} (+{seconds_text(s.delta)}{ratio})"
        )
    return [*lines, ""]


def _rollback_lines(c: Comparison) -> list[str]:
    if not c.rollbacks:
        return ["no rollbacks in these runs", ""]
    lines = ["rollbacks:"]
    for r in c.rollbacks:
        took = "unfinished" if r.seconds is None else f"{r.status} in {seconds_text(r.seconds)}"
        lines.append(
            f"  {c.runs[r.run].label}: to {r.to} after {r.cause}: {took} (planned {_planned(r.planned)})"
        )
        for action in r.actions:
            seconds = "-" if action.seconds is None else seconds_text(action.seconds)
            lines.append(f"    undo {action.step}: {seconds} ({action.status})")
    undone = [s for s in c.steps if any(m is not None for m in s.undos)]
    if undone:
        lines += ["", "undo times per step:"]
        rows = [["step", *(run.label for run in c.runs)]]
        rows += [[s.id, *(_cell(m) for m in s.undos)] for s in undone]
        lines += ["  " + line for line in _table(rows, right_from=1)]
    return [*lines, ""]


def _legend(c: Comparison) -> list[str]:
    used = {m.mark for s in c.steps for m in (*s.runs, *s.undos) if m is not None and m.mark}
    meanings = {
        AUTOMATIC: "answered automatically (--yes): not an operator's time",
        FAILED: "failed (or an injected failure)",
        INTERRUPTED: "interrupted (or marked done after an interruption)",
        SKIPPED: "skipped",
        UNFINISHED: "did not finish",
        DRY_RUN: "a dry run (nothing executed)",
    }
    marks = [f"{mark} {text}" for mark, text in meanings.items() if mark in used]
    if not marks:
        return []
    return ["not counted in P50/P90 or by calibrate: " + "; ".join(marks) + "; - not in that run"]


# -- JSON ---------------------------------------------------------------------------


def _ms(seconds: float | None) -> float | None:
    """Milliseconds, the journal's own resolution: no float noise in the document."""
    return None if seconds is None else round(seconds, 3)


def _measured(m: Measured | None) -> dict[str, Any] | None:
    if m is None:
        return None
    return {
        "seconds": _ms(m.seconds),
        "counted": m.counted,
        "mark": m.mark,
        "attempts": m.attempts,
        "not_counted": [{"attempt": e.attempt, "reason": e.reason} for e in m.excluded],
    }


def as_json(c: Comparison) -> dict[str, Any]:
    """The --json document (format 1; README "golive compare" lists its fields)."""
    return {
        "format": JSON_FORMAT,
        "same_runbook": c.same_runbook,
        "runbook": list(c.runbook_lines),
        "thresholds": {
            "ratio": SLOWER_RATIO,
            "seconds": SLOWER_SECONDS,
            "short_run_fraction": SHORT_RUN_FRACTION,
        },
        "runs": [
            {
                "journal": r.journal,
                "label": r.label,
                "name": r.name,
                "mode": r.mode,
                "started": r.started.isoformat() if r.started else None,
                "runbook_sha256": r.sha256,
                "outcome": r.outcome,
                "sessions": r.sessions,
                "resumed": r.sessions > 1,
                "rolled_back": r.rolled_back,
                "injected": list(r.injected),
                "total_seconds": _ms(r.total),
                "notes": list(r.notes),
            }
            for r in c.runs
        ],
        "steps": [
            {
                "id": s.id,
                "phase": s.phase,
                "kind": s.kind,
                "planned_seconds": s.planned,
                "runs": [_measured(m) for m in s.runs],
                "rollback_runs": [_measured(m) for m in s.undos],
                "samples": s.samples,
                "p50": _ms(s.p50),
                "p90": _ms(s.p90),
                "slower": [
                    {
                        "against": d.against,
                        "seconds": _ms(d.seconds),
                        "reference": _ms(d.reference),
                        "delta": _ms(d.delta),
                        "ratio": None if d.ratio is None else round(d.ratio, 4),
                    }
                    for d in s.slowdowns
                ],
            }
            for s in c.steps
        ],
        "rollbacks": [
            {
                "run": r.run,
                "to": r.to,
                "cause": r.cause,
                "status": r.status,
                "planned_seconds": r.planned,
                "seconds": _ms(r.seconds),
                "actions": [
                    {"step": a.step, "seconds": _ms(a.seconds), "status": a.status}
                    for a in r.actions
                ],
            }
            for r in c.rollbacks
        ],
        "totals": {
            "seconds": [_ms(r.total) for r in c.runs],
            "p50": _ms(c.total_p50),
            "p90": _ms(c.total_p90),
        },
    }
