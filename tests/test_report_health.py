"""golive report's section per health gate: the evaluations over time, the values that
decided, and how the gate ended, in Markdown, HTML and JSON.

The first test folds hand-built events (a gate that asks a person, and the person's
override); the others report journals that golive itself wrote, of a local host whose
log a thread fills at a steady rate: the baseline at 1 error a tick, then a clean run
(the gate passes) and a noisy one (4 errors a tick: the gate fails and rolls back)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from golive.core import events as ev
from golive.core.events import event
from golive.core.loader import load_runbook_text
from golive.core.record import build_record
from golive.report.html import render_html
from golive.report.markdown import render_markdown
from golive.report.summary import summarize
from tests.helpers import golive, of_type

HOST = "web\x1b[31m1"  # a host name holding an ESC: shown as text, never obeyed
HEALTH = """
[steps.health]
baseline = "normal"
window = "4s"
every = "1s"
min_samples = 4
on_fail = "{on_fail}"
[[steps.health.checks]]
metric = "errors"
max_ratio = 2.0
floor = "3/min"
[[steps.health.checks]]
metric = "cpu"
stat = "p90"
max_increase = 80
"""
RUNBOOK = """[runbook]
name = "health report"

[monitor]
interval = "500ms"

[hosts.me]
local = true
groups = ["app"]
logs = ["{log}"]

[baselines.normal]
file = "base.jsonl"

[[steps]]
id = "deploy"
run = "true"
duration = "1s"
rollback = "true"
rollback_point = true

[[steps]]
id = "health"
kind = "gate"
title = "Health <after> the deploy"
on = "app"
instructions = "automatic"
duration = "30s"
"""


def section(text: str) -> str:
    """The Markdown report's health section."""
    assert "## Health gates" in text, text
    return text.split("## Health gates", 1)[1].split("\n## ", 1)[0]


# -- a fold of hand-built events (fast) ----------------------------------------------------
def _evaluated(n: int, verdict: str, then: str | None, m: float) -> dict[str, Any]:
    errors = {
        "metric": "errors", "verdict": verdict, "live": 12.5, "base": 2.0, "limit": 4.0,
        "samples": 8, "reason": "12.50/min against 2.00/min", "p": 0.0012,
        "counts": [5, 0.4, 60, 30.0],
    }  # fmt: skip
    cpu = {"metric": "cpu", "verdict": "pass", "live": 31.0, "base": 20.0, "limit": 100.0,
           "samples": 8, "reason": "p90 31 <= 20 + 80"}  # fmt: skip
    hosts = [
        {"host": HOST, "verdict": verdict, "state": "LIVE", "checks": [errors, cpu]},
        {"host": "web2", "verdict": "pass", "state": "LIVE", "checks": [
            {**errors, "verdict": "pass", "live": 2.1, "reason": "2.10/min against 2.00/min"},
            cpu]},
    ]  # fmt: skip
    return event(
        ev.HEALTH_EVALUATED, step="health", attempt=1, n=n, verdict=verdict,
        reason=f"evaluation {n}: {verdict}", window=4.0,
        baseline={"name": "normal", "source": "base.jsonl", "problem": ""},
        counts={"pass": 1, "fail": 1 if verdict == "fail" else 0,
                "inconclusive": 1 if verdict == "inconclusive" else 0},
        streak={"passes": 0, "fails": n, "unclear": 0}, then=then, observe_only=False,
        hosts=hosts, seq=n + 10, t="2026-12-05T22:00:00+00:00", m=m,
    )  # fmt: skip


def test_a_gate_that_asked_and_was_overridden_is_told_evaluation_by_evaluation() -> None:
    source = RUNBOOK.format(log="/nowhere/app.log") + HEALTH.format(on_fail="ask")
    runbook = load_runbook_text("rb.toml", source).runbook
    assert runbook is not None
    wall = "2026-12-05T22:00:00+00:00"
    asked = "health: 2 failing evaluations in a row; on_fail = ask"
    events = [
        event(ev.RUN_STARTED, runbook="rb.toml", mode="rehearsal", name="health report",
              steps=["deploy", "health"], seq=0, t=wall, m=0.0),
        event(ev.STEP_STARTED, step="health", action="run", attempt=1, seq=1, t=wall, m=10.0),
        _evaluated(1, "fail", None, 10.0),
        _evaluated(2, "fail", "ask", 11.0),
        event(ev.HEALTH_ASKED, step="health", reason=asked, seq=20, t=wall, m=11.0),
        _evaluated(3, "inconclusive", None, 12.0),  # it goes on evaluating while it waits
        event(ev.DECISION, step="health", question="gate", decision="go", by="alice <ops>",
              reason="known noise | the <b>batch</b> job", automatic=False, seq=30, t=wall,
              m=12.5),
    ]  # fmt: skip
    summary = summarize(build_record("run.jsonl", runbook, events), runbook)

    (gate,) = summary["health"]
    assert [(e["n"], e["verdict"], e["then"]) for e in gate["evaluations"]] == [
        (1, "fail", None), (2, "fail", "ask"), (3, "inconclusive", None),
    ]  # fmt: skip
    assert gate["evaluations"][0]["counts"] == {"pass": 1, "fail": 1, "inconclusive": 0}
    assert gate["decisive"]["n"] == 2 and gate["decisive"]["then"] == "ask"  # what moved it
    assert gate["decisive"]["hosts"][0]["host"] == HOST  # worst first, as journaled
    assert [a["reason"] for a in gate["asked"]] == [asked]
    assert gate["ended"] == [{"decision": "go", "by": "alice <ops>", "automatic": False,
                              "reason": "known noise | the <b>batch</b> job"}]  # fmt: skip
    assert gate["rules"]["on_fail"] == "ask" and gate["rules"]["window"] == 4.0
    assert gate["baseline"] == {"name": "normal", "source": "base.jsonl", "problem": ""}
    # The JSON report keeps the text as journaled (an ESC escaped as JSON does).
    assert '"web\\u001b[31m1"' in json.dumps(summary)

    text = render_markdown(summary)
    assert "\x1b" not in text
    part = section(text)
    assert "### health: 3 evaluations" in part
    assert "| 2 | ✘ fail | 1 ✘ 0 ? 1 ✔ | ask | evaluation 2: fail |" in part
    assert "| 3 | ? inconclusive | 0 ✘ 1 ? 1 ✔ |" in part
    assert "on\\_fail = ask" in part  # the question's reason
    assert "the gate's own verdict: ask at evaluation 2" in part
    assert "go (alice \\<ops\\>, a person): known noise \\| the \\<b\\>batch\\</b\\> job" in part
    deciding = part.split("the deciding evaluation, \\#2", 1)[1]
    rows = [line for line in deciding.splitlines() if line.startswith("| web")]
    assert rows[0] == (
        "| web\\\\x1b\\[31m1 | errors | ✘ fail | 12.5 | 2 | 4 | 12.50/min against 2.00/min |"
    )
    assert deciding.index("| web2 |") > deciding.index("| web\\\\x1b")

    html = render_html(summary, build_record("run.jsonl", runbook, events))
    assert "\x1b" not in html
    assert "<h2>Health gates</h2>" in html
    assert "web\\x1b[31m1" in html  # visible, as the rest of the report shows it
    assert "alice &lt;ops&gt;" in html and "&lt;b&gt;batch&lt;/b&gt;" in html
    assert "<b>batch" not in html and "<ops>" not in html
    strip = html.split('<p class="verdicts">', 1)[1].split("</p>", 1)[0]
    assert [c.split('"', 1)[0] for c in strip.split('class="verdict ')[1:]] == [
        "fail", "fail", "inconclusive",
    ]  # fmt: skip


# -- journals golive wrote (slow) -----------------------------------------------------------
class ErrorLog:
    """Appends `per_tick` "ERROR boom N" lines to a log every half second, in a thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.per_tick = 1
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._write, daemon=True)
        path.write_text("")
        self._thread.start()

    def _write(self) -> None:
        number = 0
        while not self._stop.wait(0.5):
            with self.path.open("a") as log:
                for _ in range(self.per_tick):
                    number += 1
                    log.write(f"2026-12-05 10:00:00 ERROR boom {number}\n")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ErrorLog]]:
    """A folder with a runbook (a gate that rolls back on failing) and its baseline,
    recorded at 1 error a tick; the log goes on being written."""
    folder = tmp_path_factory.mktemp("health-report")
    log = ErrorLog(folder / "app.log")
    try:
        runbook = folder / "rb.toml"
        runbook.write_text(RUNBOOK.format(log=log.path) + HEALTH.format(on_fail="rollback"))
        base = golive(
            "monitor", runbook, "--record", folder / "base.jsonl", "--duration", "8s", "--json"
        )
        assert base.returncode == 0, base.stderr
        yield folder, log
    finally:
        log.stop()


def run_at(recorded: tuple[Path, ErrorLog], per_tick: int, name: str, status: int) -> Path:
    folder, log = recorded
    log.per_tick = per_tick
    time.sleep(1.0)  # the new rate is in the log before the run starts
    journal = folder / name
    result = golive(
        "run", folder / "rb.toml", "--rehearsal", "--console", "--yes", "--journal", journal
    )
    assert result.returncode == status, result.stdout + result.stderr
    return journal


def report(journal: Path, fmt: str) -> str:
    result = golive("report", journal, "--format", fmt)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.slow
def test_a_clean_run_s_report_shows_every_evaluation_and_the_go_that_passed_it(
    recorded: tuple[Path, ErrorLog],
) -> None:
    journal = run_at(recorded, 1, "clean.jsonl", 0)
    evaluations = of_type(journal, "health_evaluated", step="health")
    assert evaluations and evaluations[-1]["then"] == "go"
    data = json.loads(report(journal, "json"))
    (gate,) = data["health"]
    assert [e["n"] for e in gate["evaluations"]] == [e["n"] for e in evaluations]
    assert [e["verdict"] for e in gate["evaluations"]] == [e["verdict"] for e in evaluations]
    assert gate["decisive"]["n"] == evaluations[-1]["n"]
    assert gate["ended"][0]["decision"] == "go" and gate["ended"][0]["by"] == "golive health"

    part = section(report(journal, "md"))
    assert f"### health: {len(evaluations)} evaluations" in part
    assert "- baseline normal: base.jsonl" in part
    assert "every 1s over 4s, at least 4 samples" in part and "rollback after 2 failing" in part
    for e in evaluations:  # one row each, in order, with its verdict and its hosts' counts
        assert f"| {e['n']} | " in part
    assert part.count("✔ pass |") >= 3
    assert "decided: go (golive health, automatic): health: 3 passing evaluations" in part
    deciding = part.split("the deciding evaluation", 1)[1]
    errors = next(c for c in evaluations[-1]["hosts"][0]["checks"] if c["metric"] == "errors")
    live = f"{errors['live']:.2f}".rstrip("0").rstrip(".")
    assert f"| me | errors | ✔ pass | {live} |" in deciding
    assert "| me | cpu | ✔ pass |" in deciding


@pytest.mark.slow
def test_a_noisy_run_s_report_shows_the_failing_figures_and_the_no_go(
    recorded: tuple[Path, ErrorLog],
) -> None:
    journal = run_at(recorded, 4, "noisy.jsonl", 3)  # 3: rolled back
    evaluations = of_type(journal, "health_evaluated", step="health")
    decisive = evaluations[-1]
    assert decisive["then"] == "no-go" and decisive["verdict"] == "fail"
    (decision,) = of_type(journal, "decision", step="health")
    assert (decision["decision"], decision["by"], decision["automatic"]) == (
        "no-go", "golive health", True,
    )  # fmt: skip

    part = section(report(journal, "md"))
    assert "the gate's own verdict: no-go at evaluation" in part
    assert "decided: no-go (golive health, automatic)" in part
    assert part.count("| ✘ fail |") >= 2  # two failing evaluations in a row
    deciding = part.split("the deciding evaluation", 1)[1]
    check = decisive["hosts"][0]["checks"][0]
    assert check["metric"] == "errors" and check["verdict"] == "fail"
    assert check["live"] > check["limit"]  # the figures the no-go rests on
    row = next(line for line in deciding.splitlines() if line.startswith("| me | errors"))
    assert "✘ fail" in row and "more than 2x" in row

    html = report(journal, "html")
    assert "<h2>Health gates</h2>" in html
    assert html.count('class="verdict fail"') >= 2
    health_at = html.index("<h2>Health gates</h2>")
    assert html.index("<h2>Gates</h2>") < health_at < html.index("<h2>Decisions</h2>")
