"""Health checks on two local hosts whose log files the test writes to, the monitor
sampling them with psutil: a gate on the run screen (Pilot) that a person overrides,
and a command step verified by its health table."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from golive.core import events as ev
from golive.core.clock import SystemClock
from golive.core.events import event
from golive.core.templating import Values
from golive.io.journal import JournalWriter
from golive.io.ssh import SshPool
from golive.io.ssh_exec import HostExecutors
from golive.session.answers import Policy
from golive.session.session import RunOptions, start_session, watch_hosts
from golive.tui.run import build_app
from golive.tui.screens.dialogs import ChoiceScreen, TextScreen
from tests.helpers import golive, of_type
from tests.test_report_chromium import QUIET, chromium, render
from tests.test_tui import answer, dialog, load, text_of, typed, wait_for

pytestmark = pytest.mark.slow  # a real run, its monitor and the run screen

TICK = 0.5


class _Stepping:
    """A clock for writing a baseline: each reading a quarter of a second on."""

    def __init__(self) -> None:
        self._at = 0.0

    def wall(self) -> datetime:
        return datetime(2026, 12, 1, 22, 0).astimezone() + timedelta(seconds=self._at)

    def mono(self) -> float:
        self._at += TICK / 2
        return self._at


def baseline(path: Path, hosts: list[str]) -> None:
    """A recorded normal night: one error per host per half second."""
    writer = JournalWriter(str(path), _Stepping())
    writer.append(event(ev.MONITOR_STARTED, runbook="gate.toml", hosts=hosts, interval=TICK))
    for _ in range(60):
        for host in hosts:
            writer.append(event(ev.SAMPLE, host=host, cpu=20.0, mem=30.0, errors=1, warnings=0))
    writer.append(event(ev.MONITOR_FINISHED, reason="duration"))
    writer.close()


@pytest.fixture
def writing(tmp_path: Path) -> Iterator[dict[str, int]]:
    """Error lines per tick for each host's log, appended until the test ends."""
    rate = {"web1": 1, "web2": 4}
    stop = threading.Event()

    def write() -> None:
        while not stop.wait(TICK):
            for host, lines in rate.items():
                with (tmp_path / f"{host}.log").open("a") as log:
                    log.writelines(
                        f"2026-12-05 22:00:00 ERROR [{host}] request failed\n" for _ in range(lines)
                    )

    for host in rate:
        (tmp_path / f"{host}.log").touch()
    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    yield rate
    stop.set()
    thread.join(timeout=5)


async def test_the_gate_shows_its_checks_worst_first_and_a_person_overrides_it(
    tmp_path: Path, writing: dict[str, int]
) -> None:
    baseline(tmp_path / "baseline.jsonl", ["web1", "web2"])
    (tmp_path / "gate.toml").write_text(
        f"""[runbook]
name = "gate on screen"
[monitor]
interval = "{TICK}s"
errors_warn = "100000/min"
[hosts.web1]
local = true
groups = ["web"]
logs = ["{tmp_path}/web1.log"]
[hosts.web2]
local = true
groups = ["web"]
logs = ["{tmp_path}/web2.log"]
[baselines.normal]
file = "baseline.jsonl"
[[steps]]
id = "go-live"
kind = "gate"
on = "web"
instructions = "Automatic: web errors against a normal night."
duration = "1m"
[steps.health]
baseline = "normal"
window = "3s"
every = "1s"
min_samples = 4
fail_after = 2
on_fail = "ask"
[[steps.health.checks]]
metric = "errors"
max_ratio = 2.0
floor = "3/min"
"""
    )
    runbook = load(tmp_path / "gate.toml")
    journal = tmp_path / "run.jsonl"
    session = start_session(
        runbook, str(journal), Values({}, {}), SystemClock(),
        RunOptions(mode="rehearsal", operator="alice"),
    )  # fmt: skip
    pool = SshPool()
    monitor = watch_hosts(session, pool, None)
    app = build_app(session, HostExecutors(pool), Policy(operator="alice", interactive=True))
    try:
        async with app.run_test(size=(160, 50)) as pilot:
            detail = app.query_one("#detail")
            await wait_for(pilot, lambda: "web2 errors FAIL" in text_of(detail), "a failing check")
            shown = text_of(detail)
            # Worst first: the failing host's check before the passing one's, with figures.
            assert shown.index("web2 errors FAIL") < shown.index("web1 errors")
            assert "/min against" in shown and "health " in shown
            await wait_for(pilot, lambda: bool(of_type(journal, "health_asked")), "the gate to ask")
            await pilot.press("g")
            choice = await dialog(pilot, ChoiceScreen)
            await answer(pilot, choice, "g")
            who = await dialog(pilot, TextScreen)
            await answer(pilot, who, *typed("alice, change manager"))
            why = await dialog(pilot, TextScreen)
            await answer(pilot, why, *typed("web2 errors are the known cache warm-up"))
            await wait_for(
                pilot, lambda: bool(of_type(journal, "run_finished")), "the run to finish"
            )
    finally:
        if app.driver is not None:
            app.driver.stop()
        if monitor is not None:
            monitor.stop()
        session.close()
        pool.close()
    evaluations = of_type(journal, "health_evaluated", step="go-live")
    assert evaluations[-1]["verdict"] == "fail" or any(e["then"] == "ask" for e in evaluations)
    (asked,) = of_type(journal, "health_asked", step="go-live")
    assert "on_fail = ask" in asked["reason"] or "inconclusive" in asked["reason"]
    (decided,) = of_type(journal, "decision", step="go-live")
    assert decided["decision"] == "go" and not decided["automatic"]
    assert decided["by"] == "alice, change manager"
    assert decided["reason"] == "web2 errors are the known cache warm-up"
    assert of_type(journal, "run_finished")[-1]["outcome"] == "completed"


VERIFIED = """[runbook]
name = "verified by health"
[monitor]
interval = "{tick}s"
errors_warn = "100000/min"
[hosts.web1]
local = true
groups = ["web"]
logs = ["{folder}/web1.log"]
[hosts.web2]
local = true
groups = ["web"]
logs = ["{folder}/web2.log"]
[baselines.normal]
file = "baseline.jsonl"
[[steps]]
id = "backup"
run = "true"
duration = "1s"
rollback_point = true
[[steps]]
id = "deploy"
on = "web"
run = "echo deployed >> {folder}/deployed"
rollback = "echo undone >> {folder}/undone"
duration = "10s"
timeout = "1m"
on_failure = "rollback"
[steps.health]
baseline = "normal"
window = "3s"
every = "1s"
min_samples = 4
fail_after = 2
[[steps.health.checks]]
metric = "errors"
max_ratio = 2.0
floor = "3/min"
"""


@pytest.mark.parametrize(("web2_lines", "outcome"), [(1, "completed"), (4, "rolled_back")])
def test_a_command_step_is_verified_by_its_health_table(
    tmp_path: Path, writing: dict[str, int], web2_lines: int, outcome: str
) -> None:
    writing["web2"] = web2_lines
    baseline(tmp_path / "baseline.jsonl", ["web1", "web2"])
    runbook = tmp_path / "verified.toml"
    runbook.write_text(VERIFIED.format(tick=TICK, folder=tmp_path))
    journal = tmp_path / "run.jsonl"
    done = golive("run", runbook, "--rehearsal", "--console", "--yes", "--journal", journal)
    assert of_type(journal, "run_finished")[-1]["outcome"] == outcome, done.stdout + done.stderr
    evaluations = of_type(journal, "health_evaluated", step="deploy")
    finished = of_type(journal, "step_finished", step="deploy", action="run")
    if outcome == "completed":
        assert evaluations[-1]["then"] == "succeed" and evaluations[-1]["verdict"] == "pass"
        assert finished[-1]["status"] == "succeeded"
        assert not (tmp_path / "undone").exists()
    else:
        assert evaluations[-1]["then"] == "fail" and evaluations[-1]["verdict"] == "fail"
        assert finished[-1]["status"] == "failed"
        assert finished[-1]["reason"].startswith("health: 2 failing evaluations in a row: ")
        assert "web2 errors" in finished[-1]["reason"]
        assert (tmp_path / "undone").exists()
    # The window starts when the command is done: nothing before it is judged.
    started = of_type(journal, "step_started", step="deploy")[0]["m"]
    assert all(e["m"] > started for e in evaluations)


def test_the_report_shows_each_evaluation_and_the_deciding_values_in_a_browser(
    tmp_path: Path, writing: dict[str, int]
) -> None:
    writing["web2"] = 4
    baseline(tmp_path / "baseline.jsonl", ["web1", "web2"])
    runbook = tmp_path / "verified.toml"
    runbook.write_text(VERIFIED.format(tick=TICK, folder=tmp_path))
    journal = tmp_path / "run.jsonl"
    golive("run", runbook, "--rehearsal", "--console", "--yes", "--journal", journal)
    evaluations = of_type(journal, "health_evaluated", step="deploy")
    markdown = golive("report", journal, "--format", "md").stdout
    section = markdown.split("## Health gates", 1)[1].split("\n## ", 1)[0]
    assert f"### deploy: {len(evaluations)} evaluations" in section
    assert section.count("✘ fail") >= 3  # two evaluations' rows, and the deciding check
    deciding = section.split("the deciding evaluation", 1)[1]
    assert deciding.index("| web2 | errors | ✘ fail") < deciding.index("| web1 | errors")
    assert "decided: failed" in section or "decided: rollback" in section
    page = tmp_path / "report.html"
    assert golive("report", journal, "-o", page).returncode == 0
    rendered = render(page, tmp_path)
    assert rendered.returncode == 0 and rendered.page_requests == [] and rendered.console == []
    dom = subprocess.run(
        [chromium(), *QUIET, f"--user-data-dir={tmp_path / 'dom'}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert "<h2>Health gates</h2>" in dom
    assert dom.count('class="verdict fail"') >= 2 and 'class="verdict inconclusive"' in dom


async def test_a_paused_run_keeps_evaluating_its_gate_but_acts_only_when_it_goes_on(
    tmp_path: Path, writing: dict[str, int]
) -> None:
    baseline(tmp_path / "baseline.jsonl", ["web1", "web2"])
    text = (
        f'[runbook]\nname = "paused gate"\n[monitor]\ninterval = "{TICK}s"\n'
        'errors_warn = "100000/min"\n'
        + "".join(
            f'[hosts.{h}]\nlocal = true\ngroups = ["web"]\nlogs = ["{tmp_path}/{h}.log"]\n'
            for h in ("web1", "web2")
        )
        + '[baselines.normal]\nfile = "baseline.jsonl"\n'
        '[[steps]]\nid = "go-live"\nkind = "gate"\non = "web"\ninstructions = "automatic"\n'
        'duration = "1m"\n[steps.health]\nbaseline = "normal"\nwindow = "3s"\nevery = "1s"\n'
        'min_samples = 4\nfail_after = 2\non_fail = "continue"\n'
        '[[steps.health.checks]]\nmetric = "errors"\nmax_ratio = 2.0\nfloor = "3/min"\n'
    )
    (tmp_path / "gate.toml").write_text(text)
    journal = tmp_path / "run.jsonl"
    session = start_session(
        load(tmp_path / "gate.toml"), str(journal), Values({}, {}), SystemClock(),
        RunOptions(mode="rehearsal", operator="alice"),
    )  # fmt: skip
    pool = SshPool()
    monitor = watch_hosts(session, pool, None)
    app = build_app(session, HostExecutors(pool), Policy(operator="alice", interactive=True))
    try:
        async with app.run_test(size=(160, 50)) as pilot:
            await wait_for(
                pilot, lambda: bool(of_type(journal, "health_evaluated")), "the first evaluation"
            )
            await pilot.press("p")
            await wait_for(pilot, lambda: session.state.paused, "the pause")
            # Failing on and on while paused: journaled, never acted on.
            await wait_for(
                pilot,
                lambda: (
                    sum(e["verdict"] == "fail" for e in of_type(journal, "health_evaluated")) >= 4
                ),
                "failing evaluations",
            )
            assert not of_type(journal, "decision", step="go-live")
            paused_at = len(of_type(journal, "health_evaluated"))
            await pilot.press("p")
            await wait_for(
                pilot, lambda: bool(of_type(journal, "decision", step="go-live")), "the decision"
            )
    finally:
        if app.driver is not None:
            app.driver.stop()
        if monitor is not None:
            monitor.stop()
        session.close()
        pool.close()
    evaluations = of_type(journal, "health_evaluated", step="go-live")
    assert all(e["then"] is None for e in evaluations[:paused_at])
    (decided,) = of_type(journal, "decision", step="go-live")
    assert decided["decision"] == "go" and decided["by"] == "golive health"
    assert "on_fail = continue" in decided["reason"]


def test_an_undecided_gate_at_the_rollback_deadline_becomes_a_question(
    tmp_path: Path, writing: dict[str, int]
) -> None:
    baseline(tmp_path / "baseline.jsonl", ["elsewhere"])  # no figures for these hosts
    window = '{ start = "2026-12-05T22:00:00+00:00", duration = "40s" }'
    text = VERIFIED.format(tick=TICK, folder=tmp_path).replace(
        'name = "verified by health"', f'name = "deadline"\nwindow = {window}'
    )
    # The deploy takes 25 s to undo: a rollback no longer fits 15 s into the window.
    text = text.split("[steps.health]")[0].replace(
        'duration = "10s"\ntimeout = "1m"\non_failure = "rollback"',
        'duration = "1s"\nrollback_duration = "25s"',
    ) + (
        '[[steps]]\nid = "go-live"\nkind = "gate"\non = "web"\ninstructions = "automatic"\n'
        'duration = "5s"\n[steps.health]\nbaseline = "normal"\nwindow = "3s"\nevery = "1s"\n'
        'min_samples = 4\non_inconclusive = "wait"\n'
        '[[steps.health.checks]]\nmetric = "errors"\nmax_ratio = 2.0\n'
    )
    runbook = tmp_path / "deadline.toml"
    runbook.write_text(text)
    journal = tmp_path / "run.jsonl"
    done = golive("run", runbook, "--rehearsal", "--console", "--yes", "--journal", journal)
    assert done.returncode == 1, done.stdout + done.stderr  # --yes cannot answer it
    (asked,) = of_type(journal, "health_asked", step="go-live")
    assert asked["reason"] == "the rollback deadline has come with no verdict"
    evaluations = of_type(journal, "health_evaluated", step="go-live")
    assert evaluations and all(e["verdict"] == "inconclusive" for e in evaluations)
    started = of_type(journal, "run_started")[0]["m"]
    assert 12 <= asked["m"] - started <= 25  # 40 s window - 25 s undo, from the start
    assert not [d for d in of_type(journal, "decision", step="go-live") if d["decision"] == "go"]
