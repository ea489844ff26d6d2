"""The report's section per health gate (and per step verified by a health table): its
rules, its evaluations over time, the values that decided it, and how it ended.

`health_section` builds the JSON report's part from the record's journaled
evaluations; `health_markdown` and `health_html` render it. Every figure comes from the
`health_evaluated` events as journaled, so the report shows what the gate saw."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from golive.core.health_text import VERDICT_MARKS
from golive.core.record import Moment, RunRecord
from golive.core.runbook import Health, Runbook

Section = dict[str, Any]
EVALUATION_ROWS = 60  # a long gate: its first and last ones (the JSON report has them all)
DECISIVE_ROWS = 20


def health_section(
    record: RunRecord,
    runbook: Runbook | None,
    at: Callable[[float | None], Any],
    reason_of: Callable[[Moment], str],
) -> list[Section]:
    """One entry per step that was judged by health, in the order they first were
    (`at` places a run offset in time, `reason_of` reads a decision's reason)."""
    steps: dict[str, Section] = {}
    for e in record.health:
        step = str(e.get("step", ""))
        gate = steps.get(step)
        if gate is None:
            gate = steps[step] = {
                "step": step, "rules": _rules(runbook, step), "baseline": e.get("baseline"),
                "evaluations": [], "asked": [], "decisive": None, "ended": None,
            }  # fmt: skip
        if e.get("type") == "health_asked":
            gate["asked"].append({"at": at(e.get("m")), "reason": e.get("reason", "")})
            continue
        gate["baseline"] = e.get("baseline") or gate["baseline"]
        gate["evaluations"].append(
            {
                "at": at(e.get("m")), "attempt": e.get("attempt"), "n": e.get("n"),
                "verdict": e.get("verdict"), "counts": e.get("counts") or {},
                "then": e.get("then"), "reason": e.get("reason", ""),
                "streak": e.get("streak") or {},
            }
        )  # fmt: skip
        if e.get("then") or gate["decisive"] is None or not gate["decisive"].get("then"):
            gate["decisive"] = {
                "at": at(e.get("m")), "n": e.get("n"), "verdict": e.get("verdict"),
                "then": e.get("then"), "reason": e.get("reason", ""),
                "hosts": (e.get("hosts") or [])[:DECISIVE_ROWS],
            }  # fmt: skip
    for step, gate in steps.items():
        gate["ended"] = _ended(record, step, reason_of)
    return list(steps.values())


def _rules(runbook: Runbook | None, step: str) -> dict[str, Any] | None:
    if runbook is None or not runbook.has_step(step):
        return None
    health: Health | None = runbook.step(step).health
    if health is None:
        return None
    return {
        "on": runbook.step(step).on, "window": health.window, "every": health.every,
        "min_samples": health.min_samples, "max_bad_hosts": health.max_bad_hosts,
        "pass_after": health.pass_after, "fail_after": health.fail_after,
        "on_fail": health.on_fail, "on_inconclusive": health.on_inconclusive,
        "observe_only": health.observe_only,
        "checks": [
            {"metric": c.metric, "max_ratio": c.max_ratio, "floor": c.floor_per_minute,
             "stat": None if c.is_rate else c.stat, "max_increase": c.max_increase, "max": c.cap}
            for c in health.checks
        ],
    }  # fmt: skip


def _ended(
    record: RunRecord, step: str, reason_of: Callable[[Moment], str]
) -> list[dict[str, Any]]:
    """The step's decisions (a gate's go or no-go, and what followed it) or, for a step
    a health table verified, how its last attempt ended."""
    decided = [
        {
            "decision": moment.fields.get("decision"),
            "by": moment.by,
            "automatic": bool(moment.fields.get("automatic")),
            "reason": reason_of(moment),
        }
        for moment in record.moments
        if moment.kind == "decision" and moment.step == step
    ]
    found = [s for s in record.steps if s.id == step]
    if not decided and found and found[0].runs:
        last = found[0].runs[-1]
        return [{"decision": last.status, "by": "", "automatic": True, "reason": last.reason}]
    return decided


# -- words ----------------------------------------------------------------------------
def rule_words(rules: dict[str, Any] | None) -> str:
    if not rules:
        return "rules: not in the journal's runbook"
    checks = []
    for c in rules["checks"]:
        if c["stat"] is None:
            floor = f", floor {c['floor']:g}/min" if c["floor"] else ""
            checks.append(f"{c['metric']} at most {c['max_ratio']:g}x the baseline{floor}")
        else:
            limits = [f"+{c['max_increase']:g} points" if c["max_increase"] is not None else "",
                      f"at most {c['max']:g}" if c["max"] is not None else ""]  # fmt: skip
            checks.append(f"{c['metric']} {c['stat']} " + ", ".join(x for x in limits if x))
    return (
        f"on {rules['on']}: every {rules['every']:g}s over {rules['window']:g}s, at least "
        f"{rules['min_samples']} samples, {rules['max_bad_hosts']} bad hosts allowed; go after "
        f"{rules['pass_after']} passing, {rules['on_fail']} after {rules['fail_after']} failing"
        f" (inconclusive: {rules['on_inconclusive']})"
        + ("; observe only" if rules["observe_only"] else "")
        + "; checks: " + "; ".join(checks)
    )  # fmt: skip


def baseline_words(baseline: dict[str, Any] | None) -> str:
    if not baseline:
        return "baseline: unknown"
    words = f"baseline {baseline.get('name', '')}: {baseline.get('source', '')}"
    return words + (f" ({baseline['problem']})" if baseline.get("problem") else "")


def ended_words(gate: Section) -> str:
    machine = next((e for e in reversed(gate["evaluations"]) if e["then"]), None)
    said = (
        f"the gate's own verdict: {machine['then']} at evaluation {machine['n']}"
        if machine
        else "the gate reached no verdict of its own"
    )
    if not gate["ended"]:
        return f"{said}; not decided in this journal"
    decisions = []
    for d in gate["ended"]:
        who = f"{d['by'] or 'golive'}, automatic" if d["automatic"] else f"{d['by']}, a person"
        decisions.append(f"{d['decision']} ({who})" + (f": {d['reason']}" if d["reason"] else ""))
    return f"{said}; decided: " + "; then ".join(decisions)


def counts_words(counts: dict[str, int]) -> str:
    return f"{counts.get('fail', 0)} ✘ {counts.get('inconclusive', 0)} ? {counts.get('pass', 0)} ✔"


def shown_rows(evaluations: list[dict[str, Any]]) -> list[dict[str, Any] | None]:
    """The evaluations a table lists: all, or the first and last with a gap (None)."""
    if len(evaluations) <= EVALUATION_ROWS:
        return list(evaluations)
    half = EVALUATION_ROWS // 2
    return [*evaluations[:half], None, *evaluations[-half:]]


def check_rows(decisive: dict[str, Any] | None) -> list[tuple[str, str, str, str, str, str, str]]:
    """(host, check, verdict, live, baseline, limit, why) of the decisive evaluation."""
    rows = []
    for host in (decisive or {}).get("hosts", []):
        for check in host.get("checks", []):
            rows.append(
                (
                    str(host.get("host", "")), str(check.get("metric", "")),
                    f"{VERDICT_MARKS.get(str(check.get('verdict')), '?')} {check.get('verdict', '')}",
                    _figure(check.get("live")), _figure(check.get("base")),
                    _figure(check.get("limit")), str(check.get("reason", "")),
                )
            )  # fmt: skip
    return rows


def _number(evaluation: dict[str, Any]) -> str:
    """An evaluation's number in its table: "3", or "2.3" in the gate's second attempt
    (a gate run again after a rollback starts counting again)."""
    attempt = evaluation.get("attempt")
    return (
        f"{attempt}.{evaluation['n']}"
        if isinstance(attempt, int) and attempt > 1
        else str(evaluation["n"])
    )


def _figure(value: object) -> str:
    return "" if not isinstance(value, (int, float)) else f"{value:.2f}".rstrip("0").rstrip(".")


# -- rendering ------------------------------------------------------------------------
Cell = Callable[[object], str]  # plain text made safe for the format (md, esc)
Table = Callable[[list[str], list[list[str]]], str]


def health_blocks(
    gates: list[Section], text: Cell, table: Table, clock: Callable[[Any], str]
) -> list[tuple[str, list[str], str, str, str]]:
    """Per gate: (title, lines on what it judged and how it ended, the evaluations'
    table, the heading of the deciding values, their table), in the format's own cells
    and tables; markdown and html lay them out."""
    blocks = []
    for gate in gates:
        lead = [
            text(baseline_words(gate["baseline"])),
            text(rule_words(gate["rules"])),
            text("ended: " + ended_words(gate)),
        ]
        lead += [text(f"asked a person at {clock(a['at'])}: {a['reason']}") for a in gate["asked"]]
        rows = []
        for e in shown_rows(gate["evaluations"]):
            if e is None:
                rows.append(["…", "", "", "", "", text("(more in the JSON report)")])
                continue
            mark = VERDICT_MARKS.get(str(e["verdict"]), "?")
            rows.append(
                [text(clock(e["at"])), text(_number(e)), text(f"{mark} {e['verdict']}"),
                 text(counts_words(e["counts"])), text(e["then"] or ""), text(e["reason"])]
            )  # fmt: skip
        evaluations = table(["At", "#", "Verdict", "Hosts ✘ ? ✔", "Then", "Why"], rows)
        decisive = gate["decisive"]
        values = table(
            ["Host", "Check", "Verdict", "Live", "Baseline", "Limit", "Why"],
            [[text(cell) for cell in row] for row in check_rows(decisive)],
        )
        title = f"{gate['step']}: {len(gate['evaluations'])} evaluations"
        heading = (
            f"the deciding evaluation, #{decisive['n']} at {clock(decisive['at'])}, worst first"
            if decisive
            else "no evaluation"
        )
        blocks.append((title, lead, evaluations, text(heading), values))
    return blocks
