"""A health gate's journaled evaluations in words: for the run screen, the console, the
review and the reports (all read the `health_evaluated` events, not live objects)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final


def worst_lines(hosts: Iterable[Mapping[str, Any]], limit: int = 0) -> list[tuple[str, str, str]]:
    """(host, metric, words) for a journaled evaluation's checks, worst first: what the
    run screen and the report list."""
    rows: list[tuple[int, str, str, str]] = []
    for host in hosts:
        for check in host.get("checks", []):
            order = {"fail": 0, "inconclusive": 1, "pass": 2}.get(check.get("verdict"), 3)
            rows.append((order, host.get("host", ""), check.get("metric", ""), check_words(check)))
    rows.sort(key=lambda row: row[0])
    chosen = rows[:limit] if limit else rows
    return [(host, metric, words) for _, host, metric, words in chosen]


def check_words(check: Mapping[str, Any]) -> str:
    return f"{check.get('verdict', '?').upper()}: {check.get('reason', '')}"


VERDICT_MARKS: Final = {"pass": "✔", "fail": "✘", "inconclusive": "?"}


def evaluation_line(e: Mapping[str, Any]) -> str:
    """One journaled evaluation in a line: "✘ health 5: FAIL, then no-go: 2 of 5 hosts fail …"."""
    verdict = str(e.get("verdict", ""))
    then = f", then {e['then']}" if e.get("then") else ""
    return (
        f"{VERDICT_MARKS.get(verdict, '?')} {e.get('step', '')} health {e.get('n', '?')}: "
        f"{verdict.upper()}{then}: {e.get('reason', '')}"
    )


def gate_lines(
    evaluations: Sequence[Mapping[str, Any]], asked: str, rows: int = 8
) -> tuple[str, ...]:
    """What the run screen shows of a health gate: its latest evaluation, the verdicts
    so far, and the checks worst first, with their figures."""
    if not evaluations:
        return ("health: first evaluation due",)
    latest = evaluations[-1]
    counts = latest.get("counts") or {}
    streak = latest.get("streak") or {}
    marks = "".join(VERDICT_MARKS.get(str(e.get("verdict")), "?") for e in evaluations[-30:])
    lines = [
        f"health {latest.get('n')}: {str(latest.get('verdict', '')).upper()} · hosts "
        f"{counts.get('fail', 0)}✘ {counts.get('inconclusive', 0)}? {counts.get('pass', 0)}✔"
        f" · in a row {streak.get('passes', 0)}✔ {streak.get('fails', 0)}✘ "
        f"{streak.get('unclear', 0)}?" + (f" · asked: {asked}" if asked else "")
    ]
    for host, metric, words in worst_lines(latest.get("hosts") or [], rows):
        lines.append(f"  {host} {metric} {words}")
    lines.append(f"verdicts so far: {marks}")
    return tuple(lines)
