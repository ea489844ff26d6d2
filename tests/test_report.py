"""golive report: reports of journals that real runs wrote, checked against the journals' events."""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import resource
import signal
import subprocess
import sys
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from golive.report.svg import BUCKETS, Axis, envelope
from tests.helpers import events, golive, of_type, spawn, wait_until, write_runbook
from tests.terminal import Terminal

pytestmark = pytest.mark.slow  # real servers, terminals or processes: not in the fast lane

ROOT = Path(__file__).resolve().parent.parent
HOSTILE_TITLE = 'Slow <b>step</b> & "co" </td><script>x()</script>'
GATE_BY = "Bob <owner> & co"
GATE_WHY = 'orders <ok> & "invoices" | fine'


def report(journal: Path, fmt: str) -> str:
    result = golive("report", journal, "--format", fmt)
    assert result.returncode == 0, result.stderr
    return result.stdout


def report_json(journal: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(report(journal, "json"))
    return data


def actual_from_events(journal: Path) -> dict[str, float]:
    """Each step's last finished run attempt, in seconds, straight from the raw events:
    opened by step_started, closed by step_finished or by the decision that ends a
    manual step; a resume leaves the open ones interrupted (not counted)."""
    open_at: dict[str, float] = {}
    actual: dict[str, float] = {}
    for e in events(journal):
        kind, step = e["type"], e.get("step")
        if kind == "step_started" and e["action"] == "run":
            open_at[step] = e["m"]
        elif (kind == "step_finished" and e["action"] == "run") or (
            kind == "decision" and e["decision"] in ("confirm", "go", "mark-done")
        ):
            if step in open_at:
                actual[step] = e["m"] - open_at.pop(step)
        elif kind == "session_resumed":
            open_at.clear()
    return actual


# -- journals of real runs ---------------------------------------------------------------
@pytest.fixture
def demo(demo_journal: Path) -> Path:
    return demo_journal


@pytest.fixture(scope="module")
def completed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An operator at a terminal: two late steps, an injected failure retried, a step that
    makes the monitored host's error log cross the threshold, and a gate decided by name."""
    folder = tmp_path_factory.mktemp("completed")
    log = folder / "app.log"
    log.write_text("")
    rb = write_runbook(
        folder,
        f"""
[hosts.app]
local = true
logs = ["{log}"]

[monitor]
interval = "0.5s"
errors_warn = "2/min"

[[steps]]
id = "slow"
phase = "prepare"
title = '{HOSTILE_TITLE}'
owner = "DBA"
on = "app"
run = "sleep 2.6"  # late: more than 1 s over its plan, and the latest
duration = "100ms"

[[steps]]
id = "flaky"
phase = "prepare"
owner = "DBA"
on = "app"
run = "sleep 1.3"  # late too, even counting only its last attempt
duration = "100ms"
retries = 1

[[steps]]
id = "noisy"
phase = "cutover"
owner = "App team"
on = "app"
run = "for i in 1 2 3 4 5 6; do echo \\"$(date -u +%FT%TZ) ERROR payment gateway refused $i\\" >> {log}; done; sleep 2.5"
duration = "10s"

[[steps]]
id = "go"
phase = "cutover"
kind = "gate"
title = "Go / no-go"
owner = "Shop owner"
instructions = "Key users check the orders."
""",
    )
    journal = folder / "j.jsonl"
    term = Terminal(
        "run", rb, "--console", "--rehearsal", "--inject-failure", "flaky",
        "--journal", journal, "--operator", "alice",
    )  # fmt: skip
    term.expect("[g]o or [n]o-go?")
    term.send("g")
    term.expect("who decides?")
    term.send(GATE_BY)
    term.expect("why?")
    term.send(GATE_WHY)
    assert term.wait() == 0, term.text
    return journal


@pytest.fixture
def step_groups() -> Iterator[list[Path]]:
    """Pid files of step process groups a killed golive left running; killed at the end."""
    files: list[Path] = []
    yield files
    for pid_file in files:
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.killpg(int(pid_file.read_text()), signal.SIGKILL)


@pytest.fixture
def killed_then_resumed(
    tmp_path: Path, step_groups: list[Path], request: pytest.FixtureRequest
) -> tuple[Path, Path]:
    """golive SIGKILLed while step b runs (a copy of the journal then), and the same
    journal after `golive resume --yes --console --interrupted rerun` (or the answer
    given as the fixture's parameter)."""
    answer = getattr(request, "param", "rerun")
    tried, pg = tmp_path / "tried", tmp_path / "pg"
    step_groups.append(pg)
    write_runbook(
        tmp_path,
        f"""
[[steps]]
id = "a"
run = "true"
duration = "1s"
[[steps]]
id = "b"
run = "if [ -e {tried} ]; then echo again; else touch {tried}; echo $$ > {pg}; sleep 60; fi"
duration = "1s"
[[steps]]
id = "c"
run = "true"
duration = "1s"
""",
    )
    journal = tmp_path / "j.jsonl"
    process = spawn(
        "run", tmp_path / "rb.toml", "--rehearsal", "--yes", "--console", "--journal", journal
    )
    try:
        wait_until(lambda: pg.exists() and bool(pg.read_text().strip()), what="step b running")
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=10)
    killed = tmp_path / "killed.jsonl"
    killed.write_bytes(journal.read_bytes())
    result = golive("resume", journal, "--yes", "--console", "--interrupted", answer)
    assert result.returncode == 0, result.stdout + result.stderr
    return killed, journal


@pytest.fixture
def resumed(killed_then_resumed: tuple[Path, Path]) -> Path:
    return killed_then_resumed[1]


# -- what the reports say ----------------------------------------------------------------
def test_the_demo_report_names_the_rollback_its_cause_and_its_durations(demo: Path) -> None:
    data = report_json(demo)
    assert data["schema"] == "golive-report/1"
    assert data["run"]["outcome"] == "completed" and data["run"]["sessions"] == 1
    [rollback] = data["rollbacks"]
    [started] = of_type(demo, "rollback_started")
    [finished] = of_type(demo, "rollback_finished")
    [failed] = of_type(demo, "step_finished", step="migrate", status="failed")
    [undone] = of_type(demo, "step_finished", step="migrate", action="rollback")
    [undo_started] = of_type(demo, "step_started", step="migrate", action="rollback")
    [why] = of_type(demo, "decision", decision="rollback")
    assert (rollback["to"], rollback["cause"], rollback["status"]) == (
        "backup",
        "migrate",
        "completed",
    )
    assert rollback["cause_failure"] == failed["reason"] == "exit status 3 on shop"
    assert (rollback["decided_by"], rollback["reason"]) == (why["by"], why["reason"])
    assert rollback["seconds"] == round(finished["m"] - started["m"], 3)
    assert rollback["planned"] == 2.0
    assert rollback["actions"] == [
        {"step": "migrate", "planned": 2.0, "seconds": round(undone["m"] - undo_started["m"], 3),
         "status": "succeeded", "nothing_to_undo": False}
    ]  # fmt: skip
    migrate = next(s for s in data["steps"] if s["id"] == "migrate")
    assert [(a["action"], a["number"], a["status"]) for a in migrate["attempts"]] == [
        ("run", 1, "failed"), ("rollback", 1, "succeeded"), ("run", 2, "succeeded")
    ]  # fmt: skip
    assert data["journal"]["chain_ok"] and data["journal"]["events"] == len(
        demo.read_bytes().splitlines()
    )


def test_step_durations_are_what_the_journal_s_events_imply(demo: Path, completed: Path) -> None:
    for journal in (demo, completed):
        data = report_json(journal)
        implied = actual_from_events(journal)
        reported = {s["id"]: s["actual"] for s in data["steps"]}
        assert set(implied) == set(reported)
        for step, seconds in implied.items():
            assert reported[step] == pytest.approx(seconds, abs=0.0015), step
        for s in data["steps"]:
            if s["planned"]:
                assert s["variance"] == pytest.approx(s["actual"] - s["planned"], abs=0.0015)


def test_phase_drift_is_the_phase_s_span_against_its_critical_path(demo: Path) -> None:
    data = report_json(demo)
    steps = {s["id"]: s for s in data["steps"]}
    planned = {"prepare": 20.0, "migrate": 4.0, "cutover": 25.0, "hypercare": 10.0}  # demo.toml
    for phase in data["phases"]:
        members = [steps[i] for i in phase["steps"]]
        first = min(s["started"]["m"] for s in members)
        last = max(s["ended"]["m"] for s in members)
        assert phase["planned"] == planned[phase["name"]]
        assert phase["actual"] == pytest.approx(last - first, abs=0.0015)
        assert phase["drift"] == pytest.approx(phase["actual"] - phase["planned"], abs=0.0015)


def test_late_steps_ranked_gate_decider_injected_failure_and_alerts(completed: Path) -> None:
    data = report_json(completed)
    late = data["late_steps"]
    assert [s["step"] for s in late][:2] == ["slow", "flaky"]
    assert [s["variance"] for s in late] == sorted((s["variance"] for s in late), reverse=True)
    assert all(s["variance"] > 0 for s in late) and "noisy" not in [s["step"] for s in late]
    [gate] = data["gates"]
    assert (gate["step"], gate["decision"], gate["by"], gate["reason"], gate["automatic"]) == (
        "go", "go", GATE_BY, GATE_WHY, False
    )  # fmt: skip
    assert data["run"]["injected_failures"] == ["flaky"]
    flaky = next(s for s in data["steps"] if s["id"] == "flaky")
    assert [(a["status"], a["injected"]) for a in flaky["attempts"]] == [
        ("failed", True), ("succeeded", False)
    ]  # fmt: skip
    raised = of_type(completed, "alert", status="raised", metric="errors")
    assert raised, "the error lines never raised an alert"
    [app] = [h for h in data["hosts"] if h["host"] == "app"]
    assert app["alerts_raised"]["errors"] == len(raised) and "errors" in app["crossed"]
    assert app["samples"] == len(of_type(completed, "sample", host="app"))
    assert app["peak_errors_per_min"] >= 6  # six error lines within a minute
    noisy_window = next(s for s in data["steps"] if s["id"] == "noisy")
    first_alert = next(
        a for a in data["alerts"] if a["status"] == "raised" and a["metric"] == "errors"
    )
    assert first_alert["step"] == "noisy"
    assert noisy_window["started"]["m"] <= first_alert["at"]["m"]


ROLLBACK_RUNBOOK = """
[[steps]]
id = "backup"
run = "true"
rollback_point = true
[[steps]]
id = "deploy"
run = "true"
rollback = "true"
on_failure = "rollback"
[[steps]]
id = "go"
kind = "gate"
instructions = "Key users check the invoices."
"""


def test_a_no_go_rollback_names_who_stopped_it_and_why(tmp_path: Path) -> None:
    rb = write_runbook(tmp_path, ROLLBACK_RUNBOOK)
    journal = tmp_path / "j.jsonl"
    term = Terminal(
        "run", rb, "--console", "--rehearsal", "--journal", journal, "--operator", "alice"
    )
    term.expect("[g]o or [n]o-go?")
    term.send("n")
    term.expect("who decides?")
    term.send("Carol (finance)")
    term.expect("why?")
    term.send("invoices print twice")
    term.expect("roll back now? [y/n]")
    term.send("y")
    term.expect("[e]nd the run?")
    term.send("e")
    assert term.wait() == 3, term.text
    data = report_json(journal)
    [rollback] = data["rollbacks"]
    assert (rollback["cause"], rollback["decision"], rollback["decided_by"], rollback["reason"]) == (
        "go", "no-go", "Carol (finance)", "invoices print twice"
    )  # fmt: skip
    assert rollback["cause_failure"] == "" and [a["step"] for a in rollback["actions"]] == [
        "go",
        "deploy",
    ]
    assert data["run"]["outcome"] == "rolled_back"
    assert "- Cause: no-go at gate `go`" in report(journal, "md")


def test_an_injected_failure_s_rollback_says_it_was_injected(tmp_path: Path) -> None:
    rb = write_runbook(tmp_path, ROLLBACK_RUNBOOK)
    journal = tmp_path / "j.jsonl"
    result = golive(
        "run",
        rb,
        "--rehearsal",
        "--yes",
        "--console",
        "--inject-failure",
        "deploy",
        "--journal",
        journal,
    )
    assert result.returncode == 3, result.stdout + result.stderr
    data = report_json(journal)
    [rollback] = data["rollbacks"]
    [failed] = of_type(journal, "step_finished", step="deploy", status="failed")
    assert failed["injected"] is True
    assert (rollback["cause"], rollback["decision"], rollback["cause_injected"]) == (
        "deploy",
        "rollback",
        True,
    )
    assert rollback["cause_failure"] == failed["reason"]
    assert rollback["decided_by"] == of_type(journal, "decision", decision="rollback")[0]["by"]
    assert data["run"]["injected_failures"] == ["deploy"]
    assert "(an injected failure)" in report(journal, "md")


def test_a_crashed_and_resumed_run_shows_two_sessions(resumed: Path) -> None:
    data = report_json(resumed)
    [resume_event] = of_type(resumed, "session_resumed")
    assert data["run"]["sessions"] == 2
    assert [t["m"] for t in data["run"]["resumed"]] == [resume_event["m"]]
    assert data["run"]["outcome"] == "completed"
    b = next(s for s in data["steps"] if s["id"] == "b")
    assert [(a["number"], a["status"]) for a in b["attempts"]] == [
        (1, "interrupted"),
        (2, "succeeded"),
    ]
    assert b["attempts"][0]["end"]["m"] == resume_event["m"]
    assert data["journal"]["chain_ok"]
    [rerun] = [d for d in data["decisions"] if d["step"] == "b"]
    assert (rerun["decision"], rerun["reason"]) == ("rerun", "--interrupted rerun")
    md = report(resumed, "md")
    assert "| Sessions | 2 (resumed at " in md


@pytest.mark.parametrize("killed_then_resumed", ["done"], indirect=True)
def test_a_step_marked_done_after_a_resume_has_no_measured_time(
    killed_then_resumed: tuple[Path, Path],
) -> None:
    # Its attempt spans the time golive was down: not a duration to compare with the plan.
    _, journal = killed_then_resumed
    [resume_event] = of_type(journal, "session_resumed")
    data = report_json(journal)
    b = next(s for s in data["steps"] if s["id"] == "b")
    assert [(a["number"], a["status"]) for a in b["attempts"]] == [(1, "mark-done")]
    assert b["attempts"][0]["end"]["m"] == resume_event["m"]
    assert b["actual"] is None and b["variance"] is None
    assert "b" not in [s["step"] for s in data["late_steps"]]
    assert "b" not in actual_from_events(journal)


def test_a_killed_run_never_resumed_is_unfinished_with_its_step_running(
    killed_then_resumed: tuple[Path, Path],
) -> None:
    killed, _ = killed_then_resumed
    data = report_json(killed)
    assert data["run"]["outcome"] == "unfinished" and data["run"]["sessions"] == 1
    b = next(s for s in data["steps"] if s["id"] == "b")
    assert b["status"] == "running"
    assert [(a["status"], a["end"]) for a in b["attempts"]] == [("running", None)]
    assert data["run"]["duration"] == max(e["m"] for e in events(killed))
    assert "unfinished (the journal ends before the run did)" in report(killed, "md")
    assert 'class="forecast"' in report(killed, "html")  # the forecast end is drawn


def test_a_torn_last_line_is_left_out_and_said(demo: Path, tmp_path: Path) -> None:
    torn = tmp_path / "torn.jsonl"
    # Killed while writing its last event (the sealed run_finished): nothing may follow a
    # seal, so the torn line is the last event itself, cut short.
    *whole, last = demo.read_bytes().splitlines(keepends=True)
    torn.write_bytes(b"".join(whole) + last[:30])
    lines = len(whole)
    result = golive("report", torn, "--format", "json")
    assert result.returncode == 0 and result.stderr == ""
    data = json.loads(result.stdout)
    journal = data["journal"]
    assert (journal["chain_ok"], journal["torn_line"], journal["events"]) == (
        True,
        lines + 1,
        lines,
    )
    assert f"Line {lines + 1} is a torn last line" in report(torn, "md")


def test_times_are_iso_8601_with_offsets_and_seconds_since_start(demo: Path) -> None:
    data = report_json(demo)
    times = list(_times(data))
    assert len(times) > 50
    iso = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$")
    for time in times:
        assert iso.match(time["t"]), time
        assert isinstance(time["m"], float | int)
    started = of_type(demo, "run_started")[0]["t"]
    assert data["run"]["started"] == {"t": started, "m": 0.0}


def _times(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if set(value) == {"t", "m"}:
            yield value
            return
        for item in value.values():
            yield from _times(item)
    elif isinstance(value, list):
        for item in value:
            yield from _times(item)


def test_every_json_field_is_documented(demo: Path, completed: Path, resumed: Path) -> None:
    schema = (ROOT / "docs" / "report-schema.md").read_text()
    paths: set[str] = set()
    for journal in (demo, completed, resumed):
        _paths(report_json(journal), "", paths)
    assert len(paths) > 90
    missing = sorted(p for p in paths if f"`{p}`" not in schema)
    assert not missing, f"not in docs/report-schema.md: {missing}"


MAPS = {"steps[].attempts[].hosts", "hosts[].alerts_raised", "run.drill"}  # keys are names


def _paths(value: Any, prefix: str, into: set[str]) -> None:
    if isinstance(value, dict):
        if set(value) == {"t", "m"}:
            return  # a time: documented once
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            into.add(path)
            if path not in MAPS:
                _paths(item, path, into)
    elif isinstance(value, list):
        for item in value:
            _paths(item, prefix + "[]", into)


# -- a broken chain ----------------------------------------------------------------------
def test_a_tampered_journal_still_reports_with_the_broken_line_on_top(
    demo: Path, tmp_path: Path
) -> None:
    lines = demo.read_bytes().splitlines(keepends=True)
    target = next(i for i, line in enumerate(lines) if b'"reason":"exit status 3 on shop"' in line)
    assert 2 < target < len(lines) - 2
    lines[target] = lines[target].replace(b"exit status 3", b"exit status 4")  # one byte
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_bytes(b"".join(lines))
    broken_line = target + 2  # the next line no longer follows the edited one (1-based)
    verify = golive("verify", tampered)
    assert f"tampered.jsonl:{broken_line}: hash chain broken" in verify.stderr

    result = golive("report", tampered, "--format", "json")
    assert result.returncode == 0
    assert f"golive: warning: {tampered}:{broken_line}: hash chain broken" in result.stderr
    data = json.loads(result.stdout)
    assert (data["journal"]["chain_ok"], data["journal"]["broken_line"]) == (False, broken_line)
    assert "hash chain broken" in data["journal"]["problem"]

    md = report(tampered, "md")
    first_lines = md.splitlines()[:3]
    assert first_lines[2].startswith(
        f"> **⚠ The journal's hash chain is broken at line {broken_line}:"
    )
    html = report(tampered, "html")
    banner = html.index('<div class="banner" role="alert">')
    assert banner < html.index("<h2>")  # above every section
    assert f"broken at line {broken_line}" in html[banner : banner + 300]
    assert "BROKEN at line" in html


# -- formats -----------------------------------------------------------------------------
def test_html_is_one_file_that_loads_nothing_and_escapes_the_journal(completed: Path) -> None:
    html = report(completed, "html")
    lowered = html.lower()
    for needle in ("<script", "src=", "href=", "url(", "@import", "http://", "https://", "<link"):
        assert needle not in lowered, needle
    assert "default-src 'none'" in html  # and the browser is told so
    assert "&lt;script&gt;x()&lt;/script&gt;" in html and "</td><script>" not in html
    assert "Bob &lt;owner&gt; &amp; co" in html
    assert "orders &lt;ok&gt; &amp; &quot;invoices&quot; | fine" in html
    assert html.count("<svg") >= 3 and "@media print" in html


def test_html_charts_mark_steps_rollbacks_decisions_and_the_window(demo: Path) -> None:
    html = report(demo, "html")
    data = report_json(demo)
    start = html.index('<svg class="chart"')
    gantt = html[start : html.index("</svg>", start)]
    assert gantt.count('class="planned"') == len(data["steps"])
    attempts = sum(len(s["attempts"]) for s in data["steps"])
    assert gantt.count("<rect x=") == attempts  # one bar per attempt, undo included
    assert gantt.count('class="rollback-band"') == 1
    assert gantt.count('class="decision"') == len(data["decisions"])
    assert "window end at +30m →" in gantt  # 30 minutes: off the 1-minute axis, marked at the edge
    assert 'class="planned-end"' in gantt and 'class="run-end"' in gantt


def test_markdown_is_wiki_tables_without_html(completed: Path) -> None:
    md = report(completed, "md")
    assert not re.search(r"(?<!\\)<", md), "an unescaped < would be read as HTML"
    assert 'Slow \\<b\\>step\\</b\\> & "co" \\</td\\>\\<script\\>x()\\</script\\>' in md
    for block in re.split(r"\n\n", md):
        rows = [line for line in block.splitlines() if line.startswith("|")]
        widths = {len(re.findall(r"(?<!\\)\|", row)) for row in rows}
        assert len(widths) <= 1, block  # a | in a reason must not add a column
    assert '| `go` | go | Bob \\<owner\\> & co | orders \\<ok\\> & "invoices" \\| fine |' in md
    assert "## Late steps, by variance" in md and "| 1 | `slow` |" in md


def test_output_file_and_formats_agree(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = golive("report", demo, "-o", out)
    assert result.returncode == 0 and result.stdout.startswith(f"wrote {out} (html, ")
    assert out.read_text() == report(demo, "html")
    assert report(demo, "json") == report(demo, "json")  # deterministic, across processes
    md, data = report(demo, "md"), report_json(demo)
    assert f"head `{data['journal']['head']}`" in md and data["journal"]["head"] in out.read_text()


# -- bad input ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing.jsonl", "cannot read the journal"),
        (lambda p: p, "cannot read the journal"),  # a directory
        (lambda p: _write(p / "empty.jsonl", b""), "not a golive run journal"),
        (lambda p: _write(p / "rb.toml", b'[runbook]\nname = "x"\n'), "not a golive run journal"),
        (lambda p: _write(p / "bin.jsonl", bytes(range(256)) * 8), "not a golive run journal"),
        (
            lambda p: _write(p / "obj.jsonl", b'{"type": "run_started"}\n'),
            "not a golive run journal",
        ),
    ],
)
def test_bad_journals_are_one_line_and_status_2(tmp_path: Path, make: Any, message: str) -> None:
    result = golive("report", make(tmp_path))
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("golive: ") and message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stdout == ""


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _edited(demo: Path, folder: Path, kind: str, **fields: Any) -> Path:
    """The demo journal with one event's fields changed by hand (its chain then broken)."""
    lines = []
    for e in events(demo):
        if e["type"] == kind:
            e = {**e, **fields}
        lines.append(json.dumps(e, separators=(",", ":")))
    return _write(folder / f"edited-{kind}.jsonl", ("\n".join(lines) + "\n").encode())


def test_an_event_of_the_wrong_shape_is_one_line_and_status_2(demo: Path, tmp_path: Path) -> None:
    # Read without complaint; only drawing the Markdown needs the hash as text.
    journal = _edited(demo, tmp_path, "run_started", runbook_sha256=None)
    result = golive("report", journal, "--format", "md")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"golive: {journal}: not a golive run journal")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_an_edited_outcome_cannot_add_markup_to_the_html(demo: Path, tmp_path: Path) -> None:
    journal = _edited(demo, tmp_path, "run_finished", outcome='x"><img src=x onerror=alert(1)>')
    html = report(journal, "html")
    assert "<img" not in html and 'class="card x&quot;&gt;&lt;img' in html


def test_an_unwritable_output_is_status_2(demo: Path, tmp_path: Path) -> None:
    for target, message in (
        (tmp_path / "no" / "such" / "r.html", "no folder"),
        (tmp_path, "it is a directory"),
        (Path("/dev/full"), "No space left on device"),  # fails on write, even for root
    ):
        result = golive("report", demo, "-o", target)
        assert result.returncode == 2, target
        assert result.stderr.startswith(f"golive: cannot write the report to {target}: ")
        assert (
            result.stderr.count("\n") == 1
            and message in result.stderr
            and "Traceback" not in result.stderr
        )


def test_a_report_that_cannot_be_written_whole_leaves_the_earlier_one(
    demo: Path, tmp_path: Path
) -> None:
    # A file-size limit makes the write fail part way (EFBIG), as a full disk would.
    out = tmp_path / "review.html"
    out.write_text("yesterday's report\n")

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    result = subprocess.run(
        [sys.executable, "-m", "golive", "report", str(demo), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=small_files,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"golive: cannot write the report to {out}: File too large")
    assert out.read_text() == "yesterday's report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["review.html"]  # no temporary left
    # Without the limit, the same command replaces it with the whole report.
    assert golive("report", demo, "-o", out).returncode == 0
    assert out.read_text() == report(demo, "html")


# -- long runs ---------------------------------------------------------------------------
def test_drawing_keeps_spikes_and_at_most_two_points_a_bucket() -> None:
    m = array("d", (i * 2.0 for i in range(14_400)))  # 8 hours every 2 s
    values = array("d", (10.0 for _ in range(14_400)))
    values[7_001] = 97.0  # one spike
    values[9_000:9_100] = array("d", [math.nan] * 100)  # the host reported nothing here
    segments = envelope(m, values, Axis(0.0, 28_800.0))
    points = [v for segment in segments for _, v in segment]
    assert len(points) <= 2 * BUCKETS
    assert max(points) == 97.0 and min(points) == 10.0
    assert len(segments) == 2  # broken at the gap, not drawn across it


def test_a_long_night_s_report_stays_small(tmp_path: Path) -> None:
    """50 hosts sampled every 2 s for half an hour: 45,000 samples, drawn as envelopes."""
    from bench.long_journal import write_long_journal

    journal = tmp_path / "long.jsonl"
    samples = write_long_journal(str(journal), hours=0.5, hosts=50, interval=2.0)
    assert samples == journal.read_bytes().count(b'"type":"sample"') > 50 * 900
    html = report(journal, "html")
    series = re.findall(r'<path class="series" d="([^"]*)"', html)
    assert len(series) == 50 * 3
    assert max(len(re.findall(r"[ML]", d)) for d in series) <= 2 * BUCKETS
    assert len(html.encode()) < 5 * 2**20
    data = report_json(journal)
    assert len(data["hosts"]) == 50 and sum(h["samples"] for h in data["hosts"]) == samples
    [rollback] = data["rollbacks"]
    assert (rollback["to"], rollback["cause"]) == ("s040", "s047")


# -- a rollback drill's report ----------------------------------------------------------


@pytest.mark.parametrize("passes", [True, False])
def test_a_drill_s_report_gives_its_verdict_each_undo_s_time_and_the_verify(
    tmp_path: Path, passes: bool
) -> None:
    from tests.test_drill import drill, local_runbook

    # Failing: the undo "succeeds" but restores nothing, so only the verify can tell.
    runbook = local_runbook(tmp_path, undo=None if passes else "true")
    journal = tmp_path / "drill.jsonl"
    result = drill(runbook, journal, "--to", "backup", "--yes")
    assert result.returncode == (0 if passes else 1), result.stdout + result.stderr
    [end] = of_type(journal, "run_finished")
    [began] = of_type(journal, "step_started", step="deploy", action="rollback")
    [ended] = of_type(journal, "step_finished", step="deploy", action="rollback")
    took = ended["m"] - began["m"]
    assert end["drill"]["actions"][0]["seconds"] == pytest.approx(took, abs=0.002)

    markdown = report(journal, "md")
    verdict = "PASS" if passes else "FAIL"
    assert f"## Rollback drill\n\n**{verdict}**: rolled back to backup after deploy in " in markdown
    assert f"| `deploy` | pass | {took:.1f}s | 4.0s |" in markdown
    assert "| `stop-app` | no undo |" in markdown
    backup = "pass" if passes else "FAIL"
    assert re.search(rf"\| `backup` \| {backup} \| test .*app\.version", markdown)
    assert ("- verify backup failed after the rollback" in markdown) is not passes
    html = report(journal, "html")
    assert (
        f'<h2>Rollback drill</h2><p><strong class="{"early" if passes else "late"}">{verdict}'
        in html
    )
    assert report_json(journal)["run"]["drill"] == {
        "to": "backup",
        "through": "deploy",
        **end["drill"],
    }
