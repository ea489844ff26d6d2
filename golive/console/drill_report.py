"""The drill report the console prints at the end: each undo, each verify, the verdict."""

from __future__ import annotations

from golive.core.drill import ACTION_FAILED, ACTION_PASSED, NO_UNDO, PASS, DrillPlan, DrillResult
from golive.core.durations import seconds_text


def _took(seconds: float | None) -> str:
    return "-" if seconds is None else seconds_text(seconds)


_ACTION_MARK = {ACTION_PASSED: "✔", ACTION_FAILED: "✘", NO_UNDO: "·"}


def report_lines(plan: DrillPlan, result: DrillResult, journal: str) -> list[str]:
    """The drill report printed at the end: each undo, each verify, the verdict."""
    lines = [f"\ndrill: roll back to {plan.to} after {plan.through}"]
    width = max((len(a.step) for a in result.actions), default=4)
    if result.actions:
        lines.append("  rollback actions (measured, planned):")
    for a in result.actions:
        mark = _ACTION_MARK.get(a.status, "✘")
        if a.status == NO_UNDO:
            lines.append(f"    {mark} {a.step:<{width}}  no undo (the step has no rollback)")
            continue
        why = f"  {a.reason}" if a.reason else ""
        lines.append(
            f"    {mark} {a.step:<{width}}  {a.status:<7} {_took(a.seconds):>7}  "
            f"planned {_took(a.planned)}{why}"
        )
    if result.rollback_seconds is not None:
        lines.append(
            f"  rollback took {_took(result.rollback_seconds)} "
            f"(planned {_took(result.planned_seconds)})"
        )
    if result.verify:
        lines.append(f"  verify after the rollback (the state at {plan.to}):")
        width = max(len(v.step) for v in result.verify)
        for v in result.verify:
            mark = "·" if v.ok is None else "✔" if v.ok else "✘"
            lines.append(f"    {mark} {v.step:<{width}}  {v.detail}")
        if all(v.ok is None for v in result.verify):
            lines.append(
                f"  no step up to {plan.to} has a verify: nothing proved the state after the rollback"
            )
    for problem in result.problems:
        lines.append(f"  ✘ {problem}")
    lines.append(f"  verdict: {'PASS' if result.verdict == PASS else 'FAIL'}")
    lines.append(f"  journal: {journal}")
    return lines
