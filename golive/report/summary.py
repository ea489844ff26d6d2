"""A recorded run as the report's plain data: one stable, JSON-ready dict (golive-report/1).

It reads a RunRecord, and the runbook for the plan's dependencies and the
monitor's thresholds; the only file it touches is the end of the journal, for its seal. Markdown, HTML and JSON all render this
one dict, so the three formats never disagree on a number. docs/report-schema.md
documents every field; a field is only ever added, never renamed or dropped, while
the schema stays golive-report/1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from golive import __version__
from golive.core.durations import format_duration, seconds_text
from golive.core.engine import Engine
from golive.core.events import Decisions
from golive.core.record import Attempt, Moment, RunRecord, StepRecord
from golive.core.runbook import Runbook
from golive.io.journal import SealStatus, seal_status
from golive.report.health import health_section

SCHEMA = "golive-report/1"

Summary = dict[str, Any]
Time = dict[str, Any]  # {"t": ISO 8601 with offset, "m": seconds since the run started}


def summarize(record: RunRecord, runbook: Runbook | None) -> Summary:
    times = _Times(record, runbook)
    planned_starts = planned_schedule(runbook) if runbook is not None else {}
    return {
        "schema": SCHEMA,
        "generator": f"golive {__version__}",
        "journal": _journal(record),
        "run": _run(record, times, planned_starts),
        "window": _window(record, times),
        "forecast": _forecast(record, times, planned_starts),
        "phases": [
            {
                "name": p.name,
                "planned": _s(p.planned),
                "actual": _s(p.actual),
                "drift": _s(p.drift),
                "start": times.at(p.start_m),
                "end": times.at(p.end_m),
                "steps": [s.id for s in record.steps if s.phase == p.name],
            }
            for p in record.phases
        ],
        "steps": [_step(s, times, planned_starts) for s in record.steps],
        "late_steps": [
            {
                "step": s.id,
                "title": s.title,
                "phase": s.phase,
                "owner": s.owner,
                "planned": _s(s.planned),
                "actual": _s(s.actual),
                "variance": _s(s.variance),
            }
            for s in record.late_steps
        ],
        "rollbacks": [_rollback(record, i, times) for i in range(len(record.rollbacks))],
        "gates": [_decision(record, m, times) for m in record.gates],
        "decisions": [_decision(record, m, times) for m in record.moments_of("decision")],
        "notes": [
            {"at": times.at(m.m), "text": m.text, "by": m.by, "step": m.step}
            for m in record.moments_of("note")
        ],
        "alerts": [
            {
                "at": times.at(m.m),
                "host": m.host,
                "metric": m.fields.get("metric"),
                "status": m.fields.get("status"),
                "value": m.fields.get("value"),
                "threshold": m.fields.get("threshold"),
                "step": m.step,
            }
            for m in record.moments_of("alert")
        ],
        "health": health_section(record, runbook, times.at, decision_reason),
        "hosts": _hosts(record, times),
        "thresholds": None
        if runbook is None
        else {
            "cpu_percent": runbook.monitor.cpu_warn,
            "mem_percent": runbook.monitor.mem_warn,
            "errors_per_min": runbook.monitor.errors_warn_per_min,
        },
    }


def planned_schedule(runbook: Runbook) -> dict[str, float]:
    """Where the plan puts each step's start, in seconds after the run's start: the
    earliest start its dependencies allow when every step takes its planned time."""
    engine = Engine(runbook)
    starts: dict[str, float] = {}
    for step_id in engine.order:
        starts[step_id] = max(
            (
                starts[d] + runbook.step(d).planned
                for d in engine.deps.get(step_id, ())
                if d in starts
            ),
            default=0.0,
        )
    return starts


def report_zone(record: RunRecord, runbook: Runbook | None) -> tzinfo | None:
    """The zone a report prints its times in: the change window's (the runbook's
    `timezone`, or the offset its window was written with), else the run's own clock."""
    if runbook is not None and runbook.window is not None:
        return runbook.window.start.tzinfo
    if record.window_start is not None:
        return record.window_start.tzinfo
    return record.started.tzinfo if record.started is not None else None


class _Times:
    """Offsets in the run (seconds since it started) as {"t": wall, "m": offset}, the
    wall time in the window's zone."""

    def __init__(self, record: RunRecord, runbook: Runbook | None = None) -> None:
        self.record = record
        self.started = record.started
        self.zone = report_zone(record, runbook)

    def at(self, m: float | None) -> Time | None:
        if m is None:
            return None
        if self.started is None:
            return {"t": None, "m": round(m, 3)}
        # Called for every alert of a long night (tens of thousands): kept lean. In
        # absolute time, then into the zone: a night across a clock change stays right.
        wall = (self.started + timedelta(seconds=m)).astimezone(self.zone)
        return {"t": wall.isoformat(timespec="milliseconds"), "m": round(m, 3)}

    def of(self, when: datetime | None) -> Time | None:
        """A wall time (a window edge, a forecast) on the run's clock."""
        if when is None:
            return None
        started = self.record.started
        m = None if started is None else (when - started).total_seconds()
        shown = when.astimezone(self.zone) if self.zone is not None else when
        return {"t": shown.isoformat(timespec="milliseconds"), "m": _s(m)}


def _s(seconds: float | None) -> float | None:
    """Seconds to the millisecond, as the journal records them."""
    return None if seconds is None else round(seconds, 3)


def _journal(record: RunRecord) -> dict[str, Any]:
    i = record.integrity
    # How the end is sealed: read from the journal's last line (the one input besides the
    # record; the chain check, which also holds the seal to its line, is in `integrity`).
    seal = seal_status(record.journal)
    return {
        "path": record.journal,
        "checked": i.checked,
        "chain_ok": i.ok,
        "events": i.events,
        "head": i.head,
        "broken_line": i.broken_line,
        "problem": i.problem,
        "torn_line": i.torn_line,
        "sealed": seal.sealed,
        "protection": seal.protection,
        "key_id": seal.key_id,
        "seal_checked": seal.checked,
        "seal_problem": seal.problem,
        "protection_text": _protection_text(seal),
    }


def _protection_text(seal: SealStatus) -> str:
    """What the seal proves, in the words `golive verify` uses."""
    if seal.problem:
        return f"seal broken: {seal.problem}"
    if not seal.sealed:
        return "unsealed: cut short, or still being written"
    if seal.protection == "keyed":
        if seal.checked:
            return f"keyed seal verified (key {seal.key_id})"
        return f"keyed seal (key {seal.key_id}), not checked here: golive verify --key FILE"
    return "unkeyed: anyone who can write this file could rewrite it; compare the head hash"


def _run(record: RunRecord, times: _Times, planned_starts: dict[str, float]) -> dict[str, Any]:
    return {
        "name": record.name,
        "mode": record.mode,
        "runbook": record.runbook_path,
        "runbook_sha256": record.runbook_sha256,
        "outcome": record.outcome or "unfinished",
        "outcome_reason": record.outcome_reason,
        "started": times.at(0.0),
        "ended": times.at(record.ended_m),
        "duration": _s(record.ended_m),
        "planned_duration": _s(_planned_total(record, planned_starts)),
        "sessions": record.sessions,
        "resumed": [times.at(m.m) for m in record.moments_of("session")],
        "injected_failures": list(record.injected),
        "drill": record.drill,
        "outside_window": record.outside_window,
    }


def _planned_total(record: RunRecord, planned_starts: dict[str, float]) -> float | None:
    if not planned_starts:
        return None
    return max(planned_starts[s.id] + s.planned for s in record.steps if s.id in planned_starts)


def _window(record: RunRecord, times: _Times) -> dict[str, Any] | None:
    seconds, used = record.window_seconds, record.window_used
    if record.window_start is None or record.window_end is None or seconds is None:
        return None
    end = record.wall(record.ended_m)
    return {
        "start": times.of(record.window_start),
        "end": times.of(record.window_end),
        "seconds": _s(seconds),
        "used": _s(used),
        "used_percent": None if used is None or not seconds else round(100 * used / seconds, 1),
        "margin_at_end": None if end is None else _s((record.window_end - end).total_seconds()),
    }


def _forecast(record: RunRecord, times: _Times, planned_starts: dict[str, float]) -> dict[str, Any]:
    total = _planned_total(record, planned_starts)
    history = record.forecasts
    return {
        "planned_end": None if total is None else times.at(total),
        "final_forecast_end": times.of(history[-1].forecast_end) if history else None,
        "history": [
            {
                "at": times.at(f.m),
                "forecast_end": times.of(f.forecast_end),
                "rollback_deadline": times.of(f.rollback_deadline),
                "rollback_point": f.rollback_point,
            }
            for f in history
        ],
    }


def _step(s: StepRecord, times: _Times, planned_starts: dict[str, float]) -> dict[str, Any]:
    return {
        "id": s.id,
        "title": s.title,
        "phase": s.phase,
        "owner": s.owner,
        "kind": s.kind,
        "on": s.on,
        "status": s.status,
        "reason": s.reason,
        "planned": _s(s.planned),
        "planned_start": _s(planned_starts.get(s.id)),
        "actual": _s(s.actual),
        "variance": _s(s.variance),
        "started": times.at(s.started_m),
        "ended": times.at(s.ended_m),
        "rollback_point": s.rollback_point,
        "point_of_no_return": s.point_of_no_return,
        "has_rollback": s.has_rollback,
        "rollback_planned": _s(s.rollback_planned) if s.has_rollback else None,
        "output_lines": s.output_lines,
        "verify_ok": s.verify_ok,
        "attempts": [_attempt(a, times) for a in s.attempts],
    }


def _attempt(a: Attempt, times: _Times) -> dict[str, Any]:
    return {
        "action": a.action,
        "number": a.number,
        "start": times.at(a.start_m),
        "end": times.at(a.end_m),
        "seconds": _s(a.seconds),
        "status": a.status,
        "reason": a.reason,
        "injected": a.injected,
        "hosts": {host: _s(seconds) for host, seconds in a.hosts.items()},
        "failed_hosts": list(a.failed_hosts),
    }


def decision_reason(moment: Moment) -> str:
    """The reason a decision gave. RecordBuilder writes a decision's text as
    "DECISION[ STEP][: REASON]"; a `reason` field, where present, is taken as is."""
    given = moment.fields.get("reason")
    if isinstance(given, str):
        return given
    prefix = f"{moment.fields.get('decision', '')}" + (f" {moment.step}" if moment.step else "")
    return moment.text[len(prefix) + 2 :] if moment.text.startswith(prefix + ": ") else ""


def _decision(record: RunRecord, m: Moment, times: _Times) -> dict[str, Any]:
    titles = {s.id: s.title for s in record.steps}
    return {
        "at": times.at(m.m),
        "step": m.step,
        "title": titles.get(m.step or "", ""),
        "decision": m.fields.get("decision"),
        "by": m.by,
        "reason": decision_reason(m),
        "automatic": bool(m.fields.get("automatic")),
        "to": m.fields.get("to"),
    }


def _rollback(record: RunRecord, index: int, times: _Times) -> dict[str, Any]:
    r = record.rollbacks[index]
    steps = {s.id: s for s in record.steps}
    # The decision that started it: a rollback or a gate's no-go about the cause, after
    # the rollback before this one (an earlier rollback's decision is not this one's).
    after = record.rollbacks[index - 1].start_m if index else float("-inf")
    decided = [
        m
        for m in record.moments_of("decision")
        if m.fields.get("decision") in (Decisions.ROLLBACK, Decisions.NO_GO)
        and m.step in (r.cause, None)
        and after < m.m <= r.start_m + 1e-6
    ]
    decision = decided[-1] if decided else None
    cause = steps.get(r.cause)
    failed = (
        [
            a
            for a in cause.runs
            if a.status == "failed" and a.end_m is not None and a.end_m <= r.start_m + 1e-6
        ]
        if cause is not None
        else []
    )
    failure = (
        failed[-1]
        if failed and (decision is None or decision.fields.get("decision") != Decisions.NO_GO)
        else None
    )
    return {
        "to": r.to,
        "cause": r.cause,
        "decision": decision.fields.get("decision") if decision is not None else None,
        "cause_failure": failure.reason if failure is not None else "",
        "cause_injected": failure.injected if failure is not None else False,
        "decided_by": decision.by if decision is not None else "",
        "reason": decision_reason(decision) if decision is not None else "",
        "automatic": bool(decision.fields.get("automatic")) if decision is not None else False,
        "status": r.status,
        "planned": _s(r.planned),
        "seconds": _s(r.seconds),
        "start": times.at(r.start_m),
        "end": times.at(r.end_m),
        "actions": [
            {
                "step": step_id,
                # A step with nothing to undo plans no time: the rollback's planned total
                # is the sum of the actions that have a command.
                "planned": _s(steps[step_id].rollback_planned)
                if step_id in steps and step_id not in r.nothing_to_undo
                else None,
                "seconds": _s(r.action_seconds.get(step_id)),
                "status": r.action_status.get(step_id, "not run"),
                "nothing_to_undo": step_id in r.nothing_to_undo,
            }
            for step_id in r.actions
        ],
    }


def cause_words(rollback: dict[str, Any]) -> tuple[str, str]:
    """What caused a rollback, as the words before and after the step id:
    ("no-go at gate", "") or ("", "failed: exit status 3 on shop (an injected failure)")."""
    if rollback["decision"] == Decisions.NO_GO:
        return "no-go at gate", ""
    after = "failed" if rollback["cause_failure"] else ""
    if rollback["cause_failure"]:
        after += f": {rollback['cause_failure']}"
    if rollback["cause_injected"]:
        after += " (an injected failure)"
    return "", after


def _hosts(record: RunRecord, times: _Times) -> list[dict[str, Any]]:
    hosts = []
    for name in sorted(record.hosts):
        series = record.hosts[name]
        hosts.append(
            {
                "host": name,
                "samples": len(series.m),
                "peak_cpu": round(series.peak_cpu, 1),
                "peak_mem": round(series.peak_mem, 1),
                "peak_errors_per_min": round(series.peak_errors, 1),
                "alerts_raised": dict(sorted(series.crossed.items())),
                "crossed": sorted(series.crossed),
                "states": [{"at": times.at(m), "state": state} for m, state in series.states],
            }
        )
    return hosts


# -- words for people (Markdown and HTML) ---------------------------------------------------
def signed(seconds: float) -> str:
    """A variance or drift: "+3m", "-12s", "0s"."""
    return ("+" if round(seconds) > 0 else "") + format_duration(seconds)


def span(seconds: float | None) -> str:
    return "–" if seconds is None else format_duration(seconds)


def phase_cells(phase: dict[str, Any]) -> tuple[str, str]:
    """A phase's actual time and drift in words; "not run" when no step of it started."""
    if phase["start"] is None:
        return "not run", "–"
    drift = phase["drift"]
    return span(phase["actual"]), "–" if drift is None else signed(drift)


def undo_cells(action: dict[str, Any]) -> tuple[str, str, str]:
    """An undo action's planned, took and status in words: a step without a rollback
    command has "nothing to undo" and plans no time, as the rollback's total counts it."""
    if action.get("nothing_to_undo"):
        return "–", "–", "nothing to undo"
    return span(action["planned"]), span(action["seconds"]), str(action["status"])


def fine_span(seconds: float | None) -> str:
    """Tenths of a second under a minute: a drill measures rollbacks shorter than 1 s."""
    return "–" if seconds is None else seconds_text(seconds)


def clock(time: Time | None, with_offset: bool = True) -> str:
    """A time as the operator's wall clock, and how long after the start: "22:05:10 (+5m10s)"."""
    if time is None:
        return "–"
    shown = datetime.fromisoformat(time["t"]).strftime("%H:%M:%S") if time["t"] else ""
    if not with_offset or time["m"] is None:
        return shown or "–"
    offset = ("+" if time["m"] >= 0 else "") + format_duration(time["m"])
    return f"{shown} ({offset})" if shown else offset


def day(time: Time | None) -> str:
    """A time with its date and UTC offset: "2026-11-28 22:00:00+01:00"."""
    if time is None or not time["t"]:
        return "–"
    return datetime.fromisoformat(time["t"]).isoformat(sep=" ", timespec="seconds")


def outside_window_notice(summary: Summary) -> str | None:
    """The sentence a live run started outside its change window puts in the report."""
    if not summary["run"].get("outside_window"):
        return None
    return (
        "This LIVE run was started outside its change window, on purpose "
        "(--outside-window, or the runbook's name typed at the terminal)."
    )


def integrity_warning(summary: Summary) -> str | None:
    """The sentence a broken chain puts at the top of every report; None if intact."""
    journal = summary["journal"]
    if journal["chain_ok"]:
        return None
    problem = journal["problem"].removeprefix("hash chain broken: ")
    return (
        f"The journal's hash chain is broken at line {journal['broken_line']}: {problem}. "
        "Events from that line on may have been changed, removed or inserted after they "
        "were recorded; this report shows them as they are now."
    )


def torn_notice(summary: Summary) -> str | None:
    line = summary["journal"]["torn_line"]
    if line is None:
        return None
    return (
        f"Line {line} is a torn last line (golive stopped while writing it); it is left out, "
        "as resume would cut it off."
    )


@dataclass(frozen=True)
class DrillWords:
    """A rollback drill's result as the Markdown and HTML reports word it."""

    passed: bool
    verdict: str  # "PASS", "FAIL" or "UNFINISHED"
    headline: str
    actions: list[tuple[str, str, str, str]]  # step, result, took, planned
    verify: list[tuple[str, str, str]]  # step, result, detail
    problems: list[str]


def drill_words(summary: Summary) -> DrillWords | None:
    """What `golive drill` recorded (run_started and run_finished), or None for a run."""
    drill = summary["run"]["drill"]
    if not drill:
        return None
    to, through = drill.get("to", "?"), drill.get("through", "?")
    verdict = drill.get("verdict")
    if verdict is None:
        return DrillWords(
            False,
            "UNFINISHED",
            f"the drill of rollback point {to} (through {through}) ended before its verdict",
            [],
            [],
            [],
        )
    took = drill.get("rollback_seconds")
    headline = f"rolled back to {to} after {through}"
    if took is not None:
        headline += f" in {fine_span(took)} (planned {fine_span(drill.get('planned_seconds'))})"
    actions = [
        (
            str(a["step"]),
            str(a["status"]) + (f": {a['reason']}" if a.get("reason") else ""),
            fine_span(a.get("seconds")),
            fine_span(a.get("planned")),
        )
        for a in drill.get("actions", [])
    ]
    verify = [
        (
            str(v["step"]),
            {True: "pass", False: "FAIL"}.get(v["ok"], "not verifiable"),
            str(v["detail"]).removeprefix("not verifiable: "),
        )
        for v in drill.get("verify", [])
    ]
    return DrillWords(
        verdict == "pass",
        str(verdict).upper(),
        headline,
        actions,
        verify,
        [str(p) for p in drill.get("problems", [])],
    )


OUTCOME_WORDS = {
    "completed": "completed",
    "rolled_back": "rolled back",
    "aborted": "aborted",
    "unfinished": "unfinished (the journal ends before the run did)",
}


def outcome_words(summary: Summary) -> str:
    run = summary["run"]
    words = OUTCOME_WORDS.get(run["outcome"], str(run["outcome"]))
    return words + (f": {run['outcome_reason']}" if run["outcome_reason"] else "")


# An attempt's status is the step_finished status, or the decision that ended a manual step.
STATUS_WORDS = {
    Decisions.CONFIRM: "confirmed",
    Decisions.GO: "passed (go)",
    Decisions.MARK_DONE: "marked done",
}


def attempt_words(attempt: dict[str, Any]) -> str:
    """ "run 1 failed in 0s (exit status 3 on shop; injected)", "undo succeeded in 2s"."""
    what = "undo" if attempt["action"] == "rollback" else f"run {attempt['number']}"
    status = STATUS_WORDS.get(attempt["status"], attempt["status"])
    took = f" in {span(attempt['seconds'])}" if attempt["seconds"] is not None else ""
    details = [attempt["reason"]] if attempt["reason"] else []
    if attempt["injected"]:
        details.append("injected")
    return f"{what} {status}{took}" + (f" ({'; '.join(details)})" if details else "")


def outage_words(host: dict[str, Any]) -> str:
    """How often a host went DOWN or STALE: "DOWN ×1, STALE ×3", or "–"."""
    counts = {
        state: sum(1 for s in host["states"] if s["state"] == state) for state in ("DOWN", "STALE")
    }
    return ", ".join(f"{state} ×{n}" for state, n in counts.items() if n) or "–"
