"""The report as one self-contained HTML file: inline CSS and SVG, no JavaScript, no
fonts, images or styles from anywhere else (a Content-Security-Policy forbids them
too), readable on screen and on paper.

Text from the journal is HTML-escaped (esc), and no control character reaches the
page: the finished page goes through golive.core.text.visible, so an ESC, a C1 CSI
or a bidi override in a title, a reason or a chart's tooltip shows as a visible
escape, in a browser as in a terminal that prints the file."""

from __future__ import annotations

from typing import Any

from golive.core.health_text import VERDICT_MARKS
from golive.core.record import LATE_TOLERANCE, RunRecord
from golive.core.text import visible
from golive.report.health import health_blocks
from golive.report.summary import (
    DrillWords,
    Summary,
    attempt_words,
    cause_words,
    clock,
    day,
    drill_words,
    integrity_warning,
    outage_words,
    outcome_words,
    outside_window_notice,
    phase_cells,
    signed,
    span,
    torn_notice,
    undo_cells,
)
from golive.report.svg import Axis, axis_for, esc, gantt, host_chart, margins

ALERT_ROWS = 200  # a long night raises thousands; the JSON report has every one

CSS = """
:root { --ink: #1c2430; --muted: #5b6472; --line: #d5dae1; --soft: #f4f6f9;
  --ok: #2e7d32; --bad: #c62828; --warn: #ef6c00; --undo: #6a1b9a; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; color: var(--ink); background: #fff;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; }
.sub { color: var(--muted); margin: 0 0 16px; }
.banner { border: 3px solid var(--bad); background: #fdecea; color: #7f1010; padding: 12px 16px;
  margin: 12px 0 16px; font-weight: 600; font-size: 15px; }
.notice { border: 1px solid var(--warn); background: #fff3e0; padding: 8px 12px; margin: 8px 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 10px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; background: var(--soft); }
.card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .v { font-size: 17px; font-weight: 600; }
.card .d { color: var(--muted); font-size: 12px; }
.completed .v { color: var(--ok); } .rolled_back .v, .aborted .v, .broken .v { color: var(--bad); }
.unfinished .v { color: var(--warn); }
table { border-collapse: collapse; margin: 6px 0 12px; max-width: 100%; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.late { color: var(--bad); font-weight: 600; } .early { color: var(--ok); }
.verdicts { letter-spacing: 1px; } .verdict { display: inline-block; min-width: 1.1em; text-align: center; border-radius: 2px; color: #fff; }
.verdict.pass { background: var(--ok); } .verdict.fail { background: var(--bad); } .verdict.inconclusive { background: #b7791f; }
code { font: 13px ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
figure { margin: 8px 0 16px; } figcaption { color: var(--muted); font-size: 12px; }
svg.chart { display: block; width: 100%; max-width: 1400px; height: auto; font-size: 11px;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; color: var(--muted); font-size: 12px; margin: 4px 0; }
.legend svg { vertical-align: middle; margin-right: 4px; }
.grid { stroke: #e6e9ee; stroke-width: 1; } .tick { fill: var(--muted); font-size: 10px; }
.axis-label, .track, .phase-note { fill: var(--muted); font-size: 10px; }
.phase-band { fill: #eef1f5; } .phase { font-weight: 700; fill: var(--ink); }
.step { fill: var(--ink); } .planned { fill: #c9d3e0; stroke: #9aa8bb; stroke-width: .5; }
.rollback-band { fill: var(--undo); fill-opacity: .10; stroke: var(--undo); stroke-opacity: .5; stroke-dasharray: 3 2; }
.rollback-start { stroke: var(--undo); stroke-width: 1.5; stroke-dasharray: 1 2; }
.rollback-start-label { fill: var(--undo); font-weight: 600; }
.decision { fill: #111; } .note { fill: #1565c0; } .alert { fill: var(--bad); }
.alert-tick { stroke: var(--bad); stroke-width: 2; }
.planned-end, .run-end, .window-end, .forecast, .resumed { stroke-width: 1.5; }
.planned-end { stroke: #7a8699; stroke-dasharray: 5 3; } .run-end { stroke: var(--ink); }
.window-end { stroke: var(--bad); } .forecast { stroke: var(--warn); stroke-dasharray: 2 2; }
.resumed { stroke: var(--warn); stroke-dasharray: 6 2; }
.planned-end-label { fill: #7a8699; } .run-end-label { fill: var(--ink); }
.window-end-label { fill: var(--bad); } .forecast-label, .resumed-label { fill: var(--warn); }
.zero { stroke: var(--bad); stroke-width: 1; }
.margin-forecast { fill: none; stroke: #1565c0; stroke-width: 2; }
.margin-rollback { fill: none; stroke: var(--undo); stroke-width: 2; stroke-dasharray: 6 3; }
.legend-forecast { fill: #1565c0; font-weight: 600; } .legend-rollback { fill: var(--undo); font-weight: 600; }
.panel { fill: #fbfcfd; stroke: var(--line); } .panel-title { fill: var(--ink); font-weight: 600; }
.boundary { stroke: #d8dde5; stroke-width: 1; } .threshold { stroke: var(--bad); stroke-dasharray: 4 3; }
.series { fill: none; stroke: #1565c0; stroke-width: 1.2; stroke-linejoin: round; }
.host { margin-bottom: 14px; }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
@media print {
  @page { size: A4 landscape; margin: 10mm; }
  body { padding: 0; font-size: 10pt; background: #fff; color: #000; }
  .card, th, .banner, .notice { background: #fff; }
  .banner { border-width: 4px; color: #000; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  figure, .host, .card, tr, .rollback { break-inside: avoid; page-break-inside: avoid; }
  section.hosts, section.steps { break-before: page; page-break-before: always; }
  svg.chart { width: 100%; }
}
"""


def render_html(summary: Summary, record: RunRecord) -> str:
    run = summary["run"]
    axis = axis_for(summary)
    title = f"Post-implementation review: {run['name']}"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        # Nothing may load from anywhere: the report is read offline, on paper, in an archive.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>",
        f"<header><h1>{esc(title)}</h1>",
        f'<p class="sub">{esc(run["mode"])} · started {esc(day(run["started"]))} · runbook '
        f"<code>{esc(run['runbook'])}</code></p></header>",
    ]
    warning = integrity_warning(summary)
    if warning:
        parts.append(f'<div class="banner" role="alert">⚠ {esc(warning)}</div>')
    torn = torn_notice(summary)
    if torn:
        parts.append(f'<div class="notice">{esc(torn)}</div>')
    outside = outside_window_notice(summary)
    if outside:
        parts.append(f'<div class="notice" role="note">⚠ {esc(outside)}</div>')
    parts.append(_cards(summary))
    drill = drill_words(summary)
    if drill:
        parts.append(_section("Rollback drill", _drill(drill)))
    parts.append(_timeline(summary, axis))
    parts.append(_section("Phases: critical-path drift", _phases(summary)))
    parts.append(_section("Late steps, by variance", _late(summary)))
    parts.append(_section("Rollbacks", _rollbacks(summary)))
    parts.append(_section("Gates", _gates(summary)))
    if summary.get("health"):
        parts.append(_section("Health gates", _health(summary), "health"))
    parts.append(_section("Decisions", _decisions(summary)))
    parts.append(_section("Notes", _notes(summary)))
    parts.append(_section("Hosts that crossed thresholds", _crossed(summary)))
    parts.append(_section("Alerts", _alerts(summary)))
    parts.append(_section("Host metrics", _host_charts(summary, record, axis), "hosts"))
    parts.append(_section("Steps", _steps(summary), "steps"))
    journal = summary["journal"]
    parts.append(
        f"<footer>Generated by {esc(summary['generator'])} from <code>{esc(journal['path'])}</code>"
        f" ({journal['events']} events, head <code>{esc(journal['head'])}</code>, "
        f"{esc(journal['protection_text'])}; "
        f"schema {esc(summary['schema'])}).</footer></body></html>"
    )
    # One pass over the page, the SVG tooltips too: the markup itself has no control
    # character, so only text from the journal changes (an ESC becomes "\x1b").
    return visible("\n".join(parts) + "\n", newlines=True)


def _section(title: str, body: str, css: str = "") -> str:
    attribute = f' class="{css}"' if css else ""
    return f"<section{attribute}><h2>{esc(title)}</h2>{body}</section>"


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    head = "".join(
        f'<th class="n">{esc(h)}</th>' if i in numeric else f"<th>{esc(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{cell}</td>' if i in numeric else f"<td>{cell}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _code(value: object) -> str:
    return f"<code>{esc(value)}</code>" if value not in (None, "") else "–"


def _variance(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    css = "late" if round(seconds) > 0 else "early" if round(seconds) < 0 else ""
    return f'<span class="{css}">{esc(signed(seconds))}</span>' if css else esc(signed(seconds))


def _card(key: str, value: str, detail: str = "", css: str = "") -> str:
    return (
        f'<div class="card {esc(css)}"><div class="k">{esc(key)}</div><div class="v">{esc(value)}</div>'
        + (f'<div class="d">{esc(detail)}</div>' if detail else "")
        + "</div>"
    )


def _cards(summary: Summary) -> str:
    run, window, journal = summary["run"], summary["window"], summary["journal"]
    raised = [a for a in summary["alerts"] if a["status"] == "raised"]
    cards = [
        _card("Outcome", outcome_words(summary), run["mode"], run["outcome"]),
        _card(
            "Duration",
            span(run["duration"]),
            f"planned {span(run['planned_duration'])}"
            if run["planned_duration"] is not None
            else "",
        ),
    ]
    if window is not None:
        percent = f" ({window['used_percent']:g} %)" if window["used_percent"] is not None else ""
        cards.append(
            _card(
                "Window used",
                f"{span(window['used'])} of {span(window['seconds'])}{percent}",
                f"margin at the end {span(window['margin_at_end'])}",
            )
        )
    late = summary["late_steps"]
    cards.append(
        _card(
            "Late steps",
            str(len(late)),
            f"worst {late[0]['step']} {signed(late[0]['variance'])}" if late else "",
        )
    )
    rollbacks = summary["rollbacks"]
    cards.append(
        _card(
            "Rollbacks",
            str(len(rollbacks)),
            "; ".join(f"to {r['to']} after {r['cause']}" for r in rollbacks[:2]),
            "rolled_back" if rollbacks else "",
        )
    )
    resumed = ", ".join(clock(t, with_offset=False) for t in run["resumed"])
    cards.append(
        _card("Sessions", str(run["sessions"]), f"resumed at {resumed}" if resumed else "")
    )
    injected = run["injected_failures"]
    cards.append(_card("Injected failures", str(len(injected)), ", ".join(injected)))
    cards.append(
        _card("Alerts raised", str(len(raised)), f"on {len({a['host'] for a in raised})} host(s)")
    )
    if journal["chain_ok"]:
        cards.append(
            _card(
                "Journal",
                "chain intact",
                f"{journal['events']} events, head {journal['head'][:12]}, "
                f"{journal['protection_text']}",
            )
        )
    else:
        cards.append(
            _card(
                "Journal", f"BROKEN at line {journal['broken_line']}", journal["problem"], "broken"
            )
        )
    return '<div class="cards">' + "".join(cards) + "</div>"


def _swatch(fill: str, shape: str = "rect") -> str:
    inner = (
        f'<rect x="0" y="3" width="16" height="8" fill="{fill}"/>'
        if shape == "rect"
        else f'<path d="M8 2l5 5-5 5-5-5z" fill="{fill}"/>'
        if shape == "diamond"
        else f'<circle cx="8" cy="7" r="4" fill="{fill}"/>'
        if shape == "circle"
        else f'<path d="M8 2l5 10h-10z" fill="{fill}"/>'
        if shape == "triangle"
        else f'<line x1="8" y1="0" x2="8" y2="14" stroke="{fill}" stroke-width="2"/>'
    )
    return f'<svg width="16" height="14" viewBox="0 0 16 14" aria-hidden="true">{inner}</svg>'


def _legend() -> str:
    items = [
        (_swatch("#c9d3e0"), "planned"),
        (_swatch("#2e7d32"), "succeeded"),
        (_swatch("#c62828"), "failed"),
        (_swatch("#ef6c00"), "interrupted"),
        (_swatch("#546e7a"), "confirmed / gate passed"),
        (_swatch("#6a1b9a"), "undo (rollback action)"),
        (_swatch("#111", "diamond"), "decision"),
        (_swatch("#1565c0", "circle"), "note"),
        (_swatch("#c62828", "triangle"), "alert raised"),
        (_swatch("#c62828", "line"), "window end"),
    ]
    return (
        '<div class="legend">' + "".join(f"<span>{s}{esc(w)}</span>" for s, w in items) + "</div>"
    )


def _timeline(summary: Summary, axis: Axis) -> str:
    parts = [
        "<section><h2>Timeline: planned against actual</h2>",
        _legend(),
        f"<figure>{gantt(summary, axis)}<figcaption>Pale bars: the plan (each step at the earliest "
        "start its dependencies allow). Solid bars: what happened, every attempt. Shaded bands: "
        "rollbacks. Hover a mark for its details.</figcaption></figure>",
    ]
    chart = margins(summary, axis)
    if chart is not None:
        parts.append(
            f"<h3>Forecast and rollback margins</h3><figure>{chart}<figcaption>Forecast margin: the "
            "window's end minus the forecast end. Rollback margin: the last moment a rollback still "
            "fitted, minus now (gone after the point of no return). Below zero, it no longer fitted."
            "</figcaption></figure>"
        )
    parts.append("</section>")
    return "".join(parts)


def _phases(summary: Summary) -> str:
    rows = []
    for p in summary["phases"]:
        cells = [esc(p["name"]), str(len(p["steps"])), esc(span(p["planned"]))]
        if p["start"] is None:  # no step of it started: "not run", never "0s"
            cells += [esc(cell) for cell in phase_cells(p)]
        else:
            cells += [esc(span(p["actual"])), _variance(p["drift"])]
        rows.append(cells)
    return _table(
        ["Phase", "Steps", "Planned (critical path)", "Actual", "Drift"], rows, {1, 2, 3, 4}
    )


def _late(summary: Summary) -> str:
    if not summary["late_steps"]:
        return f"<p>No step was late (more than {LATE_TOLERANCE:g} s over its plan).</p>"
    rows = [
        [str(rank), _code(s["step"]), esc(s["title"]), esc(s["phase"]), esc(s["owner"]),
         esc(span(s["planned"])), esc(span(s["actual"])), _variance(s["variance"])]
        for rank, s in enumerate(summary["late_steps"], 1)
    ]  # fmt: skip
    return _table(
        ["#", "Step", "Title", "Phase", "Owner", "Planned", "Actual", "Variance"],
        rows,
        {0, 5, 6, 7},
    )


def _rollbacks(summary: Summary) -> str:
    if not summary["rollbacks"]:
        return "<p>No rollback.</p>"
    blocks = []
    for number, r in enumerate(summary["rollbacks"], 1):
        before, after = cause_words(r)
        cause = " ".join(part for part in (esc(before), _code(r["cause"]), esc(after)) if part)
        decided = esc(r["decided_by"]) + (" (automatic)" if r["automatic"] else "")
        if r["reason"]:
            decided += f": “{esc(r['reason'])}”"
        actions = _table(
            ["Action (undo)", "Planned", "Took", "Status"],
            [[_code(a["step"]), *(esc(cell) for cell in undo_cells(a))] for a in r["actions"]],
            {1, 2},
        )  # fmt: skip
        blocks.append(
            f'<div class="rollback"><h3>{number}. To {_code(r["to"])}, {esc(r["status"])}</h3><ul>'
            f"<li>Cause: {cause}</li><li>Decided by: {decided}</li>"
            f"<li>Took {esc(span(r['seconds']))} (planned {esc(span(r['planned']))}), from "
            f"{esc(clock(r['start']))} to {esc(clock(r['end']))}</li></ul>{actions}</div>"
        )
    return "".join(blocks)


def _drill(drill: DrillWords) -> str:
    actions = _table(
        ["Rollback action", "Result", "Took", "Planned"],
        [[_code(a[0]), esc(a[1]), esc(a[2]), esc(a[3])] for a in drill.actions],
        {2, 3},
    )
    verify = _table(
        ["Verify after the rollback", "Result", "Detail"],
        [[_code(s), esc(r), esc(d)] for s, r, d in drill.verify],
    )
    problems = "".join(f"<li>{esc(p)}</li>" for p in drill.problems)
    return (
        f'<p><strong class="{"early" if drill.passed else "late"}">{esc(drill.verdict)}</strong>: '
        f"{esc(drill.headline)}</p>{actions}{verify}" + (f"<ul>{problems}</ul>" if problems else "")
    )


def _decision_row(d: dict[str, Any]) -> list[str]:
    by = esc(d["by"]) + (" <em>(automatic)</em>" if d["automatic"] else "")
    decision = esc(d["decision"]) + (f" → {_code(d['to'])}" if d["to"] else "")
    return [esc(clock(d["at"])), _code(d["step"]), decision, by, esc(d["reason"])]


def _gates(summary: Summary) -> str:
    if not summary["gates"]:
        return "<p>No go/no-go gate was decided.</p>"
    rows = []
    for g in summary["gates"]:
        at, step, decision, by, reason = _decision_row(g)
        rows.append(
            [step + (f"<br>{esc(g['title'])}" if g["title"] else ""), decision, by, reason, at]
        )
    return _table(["Gate", "Decision", "Decided by", "Why", "At"], rows)


def _health(summary: Summary) -> str:
    html = []
    for index, (title, lead, evaluations, heading, values) in enumerate(
        health_blocks(summary["health"], esc, _table, clock)
    ):
        gate = summary["health"][index]
        strip = "".join(
            f'<span class="verdict {esc(e["verdict"])}" title="#{esc(e["n"])} {esc(e["verdict"])}">'
            f"{esc(VERDICT_MARKS.get(str(e['verdict']), '?'))}</span>"
            for e in gate["evaluations"]
        )
        html.append(
            f'<h3>{esc(title)}</h3><p class="verdicts">{strip}</p>'
            + "".join(f"<p>{line}</p>" for line in lead)
            + f"{evaluations}<p>{heading}:</p>{values}"
        )
    return "".join(html)


def _decisions(summary: Summary) -> str:
    if not summary["decisions"]:
        return "<p>No decision was recorded.</p>"
    return _table(
        ["At", "Step", "Decision", "By", "Reason"], [_decision_row(d) for d in summary["decisions"]]
    )


def _notes(summary: Summary) -> str:
    if not summary["notes"]:
        return "<p>No note was written.</p>"
    rows = [
        [esc(clock(n["at"])), esc(n["by"]), _code(n["step"]), esc(n["text"])]
        for n in summary["notes"]
    ]
    return _table(["At", "By", "During", "Note"], rows)


def _crossed(summary: Summary) -> str:
    hosts = summary["hosts"]
    if not hosts:
        return "<p>No host was monitored.</p>"
    crossed = sorted(
        (h for h in hosts if h["crossed"]), key=lambda h: -sum(h["alerts_raised"].values())
    )
    lead = f"<p>{len(hosts)} host(s) monitored; {len(crossed)} crossed a threshold.</p>"
    if not crossed:
        return lead
    rows = [
        [
            _code(h["host"]),
            esc(", ".join(f"{metric} ×{count}" for metric, count in h["alerts_raised"].items())),
            f"{h['peak_cpu']:g}",
            f"{h['peak_mem']:g}",
            f"{h['peak_errors_per_min']:g}",
            esc(outage_words(h)),
        ]
        for h in crossed
    ]
    return lead + _table(
        ["Host", "Alerts raised", "Peak CPU %", "Peak memory %", "Peak errors/min", "DOWN / STALE"],
        rows,
        {2, 3, 4},
    )


def _alerts(summary: Summary) -> str:
    alerts = summary["alerts"]
    if not alerts:
        return "<p>No alert.</p>"
    rows = [
        [esc(clock(a["at"])), _code(a["host"]), esc(a["metric"]), esc(a["status"]),
         esc("" if a["value"] is None else a["value"]),
         esc("" if a["threshold"] is None else a["threshold"]), _code(a["step"])]
        for a in alerts[:ALERT_ROWS]
    ]  # fmt: skip
    text = _table(["At", "Host", "Metric", "Status", "Value", "Threshold", "During"], rows, {4, 5})
    if len(alerts) > ALERT_ROWS:
        text += f"<p>… and {len(alerts) - ALERT_ROWS} more (every alert is in the JSON report).</p>"
    return text


def _host_charts(summary: Summary, record: RunRecord, axis: Axis) -> str:
    if not record.hosts:
        return "<p>No host was monitored.</p>"
    boundaries = sorted(
        {a["start"]["m"] for s in summary["steps"] for a in s["attempts"] if a["action"] == "run"}
    )
    by_name = {h["host"]: h for h in summary["hosts"]}
    raised: dict[str, list[dict[str, Any]]] = {}
    for alert in summary["alerts"]:
        if alert["status"] == "raised":
            raised.setdefault(alert["host"], []).append(alert)
    order = sorted(record.hosts, key=lambda h: (-sum(by_name[h]["alerts_raised"].values()), h))
    parts = [
        "<p>CPU %, memory % and errors per minute on the timeline's axis; thin lines: step "
        "starts; dashed red: thresholds; shaded: rollbacks; triangles: alerts raised.</p>"
    ]
    for name in order:
        h = by_name[name]
        alerts = ", ".join(f"{metric} ×{count}" for metric, count in h["alerts_raised"].items())
        parts.append(
            f'<div class="host"><h3>{esc(name)}</h3><p class="sub">{h["samples"]} samples; peaks: '
            f"CPU {h['peak_cpu']:g} %, memory {h['peak_mem']:g} %, errors "
            f"{h['peak_errors_per_min']:g}/min"
            + (f"; alerts raised: {esc(alerts)}" if alerts else "")
            + f"</p>{host_chart(record.hosts[name], summary, axis, boundaries, raised.get(name, []))}</div>"
        )
    return "".join(parts)


def _steps(summary: Summary) -> str:
    rows = [
        [_code(s["id"]), esc(s["title"]), esc(s["phase"]), esc(s["owner"]), esc(s["status"]),
         esc(span(s["planned"])), esc(span(s["actual"])), _variance(s["variance"]),
         "<br>".join(esc(attempt_words(a)) for a in s["attempts"]) or "–"]
        for s in summary["steps"]
    ]  # fmt: skip
    return _table(
        ["Step", "Title", "Phase", "Owner", "Status", "Planned", "Actual", "Variance", "Attempts"],
        rows,
        {5, 6, 7},
    )
