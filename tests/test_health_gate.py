"""Health gates end to end: five hosts behind a real sshd, each with a log file that the
test writes to, a baseline recorded by `golive monitor --record`, and `golive run`."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from golive.core.compare import measure
from golive.io.recorded import load_record
from tests.helpers import events, golive, of_type, spawn, wait_until

pytestmark = pytest.mark.slow  # real sshd and golive processes

TICK = 0.5  # the writers' tick and the monitor's interval
BASE_LINES = 4  # error lines per host per tick: 480 a minute, on a normal night


class LogWriters:
    """One thread appending `rate[host]` error lines per tick to each host's log."""

    def __init__(self, logs: dict[str, Path]) -> None:
        self.logs = logs
        self.rate = dict.fromkeys(logs, BASE_LINES)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        for path in logs.values():
            path.touch()

    def _run(self) -> None:
        n = 0
        while not self._stop.wait(TICK):
            for host, path in self.logs.items():
                with path.open("a") as log:
                    for _ in range(self.rate[host]):
                        n += 1
                        log.write(
                            f"2026-12-05 22:00:00,000 ERROR [worker-{n % 7}] order {n} failed\n"
                        )

    def __enter__(self) -> LogWriters:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def gate_runbook(
    folder: Path, server: Any, logs: dict[str, Path], baseline: str, *, window: str = "6s"
) -> Path:
    hosts = []
    for (address, port), name in zip(server.hosts, logs, strict=True):
        hosts.append(f"""
[hosts.{name}]
address = "{address}"
port = {port}
user = "{server.user}"
identity_file = "{server.identity_file}"
groups = ["app"]
logs = ["{logs[name]}"]
""")
    text = f"""
[runbook]
name = "health gate"
known_hosts = "{server.known_hosts}"

[monitor]
interval = "{TICK}s"
errors_warn = "100000/min"
{"".join(hosts)}
{baseline}

[[steps]]
id = "backup"
run = "true"
duration = "1s"
rollback_point = true

[[steps]]
id = "settle"
kind = "wait"
duration = "9s"

[[steps]]
id = "deploy"
run = "echo deployed > {folder}/deployed"
rollback = "echo undone > {folder}/undone"
duration = "1s"

[[steps]]
id = "health"
kind = "gate"
on = "app"
instructions = "Automatic health check against the baseline."
duration = "1m"
[steps.health]
baseline = "normal"
window = "{window}"
every = "1s"
min_samples = 8
pass_after = 3
fail_after = 2
on_fail = "rollback"
on_inconclusive = "ask"
[[steps.health.checks]]
metric = "errors"
max_ratio = 2.0
floor = "3/min"
[[steps.health.checks]]
metric = "cpu"
stat = "p90"
max_increase = 90

[[steps]]
id = "open"
run = "true"
duration = "1s"
"""
    path = folder / "gate.toml"
    path.write_text(text)
    return path


FILE_BASELINE = '[baselines.normal]\nfile = "baseline.jsonl"\n'
BEFORE_DEPLOY = '[baselines.normal]\nbefore_step = "deploy"\nlength = "8s"\n'


@pytest.fixture
def five(tmp_path: Path, sshd_group: Any) -> Iterator[tuple[Any, dict[str, Path]]]:
    logs = {f"app{i}": tmp_path / f"app{i}.log" for i in range(1, 6)}
    yield sshd_group, logs
    with contextlib.suppress(Exception):
        sshd_group.cont()


def record_baseline(runbook: Path, writers: LogWriters) -> None:
    done = golive(
        "monitor", runbook, "--record", runbook.parent / "baseline.jsonl", "--duration", "12s",
        "--json", timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    samples = of_type(runbook.parent / "baseline.jsonl", "sample")
    assert {s["host"] for s in samples} == set(writers.logs)
    assert all("errors" in s for s in samples)


def decisions(journal: Path) -> list[dict[str, Any]]:
    return of_type(journal, "decision", step="health")


def test_errors_tripled_on_two_of_five_hosts_fail_the_gate_and_roll_back(
    tmp_path: Path, five: tuple[Any, dict[str, Path]]
) -> None:
    server, logs = five
    runbook = gate_runbook(tmp_path, server, logs, FILE_BASELINE)
    journal = tmp_path / "run.jsonl"
    with LogWriters(logs) as writers:
        record_baseline(runbook, writers)
        assert golive("check", runbook).returncode == 0
        run = spawn("run", runbook, "--rehearsal", "--console", "--yes", "--journal", journal)
        try:
            wait_until(
                lambda: journal.exists() and bool(of_type(journal, "step_started", step="health")),
                60,
                "the gate",
            )
            writers.rate["app2"] = writers.rate["app4"] = 3 * BASE_LINES
            out, err = run.communicate(timeout=90)
        finally:
            run.kill()
    assert run.returncode == 3, out + err  # rolled back
    evaluations = of_type(journal, "health_evaluated", step="health")
    failing = [e for e in evaluations if e["verdict"] == "fail"]
    assert failing, [e["reason"] for e in evaluations]
    decided = failing[-1]
    assert decided["then"] == "no-go"
    assert decided["streak"]["fails"] == 2  # within fail_after evaluations of failing
    # No pass was called while the rate was up: the failing ones are the last ones.
    assert evaluations[-2:] == failing[-2:]
    bad = {h["host"] for h in decided["hosts"] if h["verdict"] == "fail"}
    assert bad == {"app2", "app4"}
    # Worst first, with the numbers the verdict rests on.
    assert {h["host"] for h in decided["hosts"][:2]} == {"app2", "app4"}
    errors = next(c for c in decided["hosts"][0]["checks"] if c["metric"] == "errors")
    assert errors["live"] > 2 * errors["base"] and errors["p"] < 0.01
    assert errors["counts"][2] > 0  # the baseline's own count
    (no_go,) = [d for d in decisions(journal) if d["decision"] == "no-go"]
    assert no_go["by"] == "golive health" and no_go["automatic"] and no_go["to"] == "backup"
    assert (tmp_path / "undone").exists()
    assert of_type(journal, "rollback_finished")[-1]["status"] == "completed"
    assert golive("verify", journal).returncode == 0
    report = golive("report", journal, "--format", "md")
    assert report.returncode == 0, report.stderr
    section = report.stdout.split("## Health gates", 1)[1].split("\n## ", 1)[0]
    assert f"### health: {len(evaluations)} evaluations" in section
    deciding = section.split("the deciding evaluation", 1)[1]
    assert deciding.index("| app2 |") < deciding.index("| app1 |")
    assert deciding.index("| app4 |") < deciding.index("| app1 |")
    assert "decided: no-go (golive health, automatic)" in section


def test_a_clean_run_passes_its_gate_against_the_minutes_before_the_change(
    tmp_path: Path, five: tuple[Any, dict[str, Path]]
) -> None:
    server, logs = five
    runbook = gate_runbook(tmp_path, server, logs, BEFORE_DEPLOY)
    journal = tmp_path / "run.jsonl"
    with LogWriters(logs):
        done = golive(
            "run", runbook, "--rehearsal", "--console", "--yes", "--journal", journal, timeout=120
        )
    assert done.returncode == 0, done.stdout + done.stderr
    evaluations = of_type(journal, "health_evaluated", step="health")
    assert evaluations[-1]["then"] == "go"
    assert [e["verdict"] for e in evaluations[-3:]] == ["pass"] * 3
    assert "before step deploy" in evaluations[-1]["baseline"]["source"]
    assert all(e["verdict"] != "fail" for e in evaluations)
    (go,) = decisions(journal)
    assert go["decision"] == "go" and go["by"] == "golive health"
    assert not (tmp_path / "undone").exists()
    assert of_type(journal, "run_finished")[-1]["outcome"] == "completed"
    # Its time counts for compare and calibrate: how long the gate took to decide.
    record = load_record(str(journal)).record
    measured = measure(record, record.step("health"))
    assert measured.counted and measured.seconds is not None and measured.seconds >= 6


def test_a_frozen_sshd_makes_the_gate_inconclusive_then_a_question_never_a_pass(
    tmp_path: Path, five: tuple[Any, dict[str, Path]]
) -> None:
    server, logs = five
    runbook = gate_runbook(tmp_path, server, logs, FILE_BASELINE, window="4s")
    journal = tmp_path / "run.jsonl"
    with LogWriters(logs) as writers:
        record_baseline(runbook, writers)
        run = spawn("run", runbook, "--rehearsal", "--console", "--yes", "--journal", journal)
        try:
            wait_until(
                lambda: journal.exists() and bool(of_type(journal, "step_started", step="health")),
                60,
                "the gate",
            )
            server.stop()
            frozen_at = time.monotonic()
            out, err = run.communicate(timeout=90)
        finally:
            server.cont()
            run.kill()
    assert time.monotonic() - frozen_at < 60
    # --yes cannot answer a health gate that could not decide: the run stops, unpassed.
    assert run.returncode == 1, out + err
    assert not [d for d in decisions(journal) if d["decision"] == "go"]
    evaluations = of_type(journal, "health_evaluated", step="health")
    assert evaluations and all(e["verdict"] != "pass" or e["n"] <= 2 for e in evaluations)
    assert evaluations[-1]["verdict"] == "inconclusive"
    states = {h["state"] for h in evaluations[-1]["hosts"]}
    assert states & {"STALE", "DOWN"}, states
    (asked,) = of_type(journal, "health_asked", step="health")
    assert "inconclusive" in asked["reason"]
    assert "never passes a health gate" in out + err


def test_a_missing_baseline_file_is_an_error_on_its_line(tmp_path: Path) -> None:
    runbook = tmp_path / "rb.toml"
    runbook.write_text(
        """[runbook]
name = "x"
[hosts.a]
address = "127.0.0.2"
groups = ["app"]
logs = ["/var/log/app.log"]

[baselines.normal]
file = "no-such-baseline.jsonl"

[[steps]]
id = "gate"
kind = "gate"
on = "app"
instructions = "auto"
duration = "1m"
[steps.health]
baseline = "normal"
[[steps.health.checks]]
metric = "errors"
max_ratio = 2.0
"""
    )
    done = golive("check", runbook)
    assert done.returncode == 2
    assert f"{runbook}:9: baseline normal: no-such-baseline.jsonl: no such file" in done.stderr
    assert "golive monitor" in done.stderr  # the hint says how to make one


def test_a_killed_golive_resumes_its_gate_with_the_baseline_it_took_before_the_change(
    tmp_path: Path, five: tuple[Any, dict[str, Path]]
) -> None:
    server, logs = five
    runbook = gate_runbook(tmp_path, server, logs, BEFORE_DEPLOY)
    journal = tmp_path / "run.jsonl"
    with LogWriters(logs):
        run = spawn("run", runbook, "--rehearsal", "--console", "--yes", "--journal", journal)
        try:
            wait_until(
                lambda: (
                    journal.exists() and bool(of_type(journal, "health_evaluated", step="health"))
                ),
                60,
                "the gate's first evaluation",
            )
            run.send_signal(signal.SIGKILL)
            run.wait(timeout=10)
        finally:
            run.kill()
        resumed = golive("resume", journal, "--console", "--yes", timeout=120)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    after = events(journal)
    resumed_at = next(i for i, e in enumerate(after) if e["type"] == "session_resumed")
    later = [e for e in after[resumed_at:] if e["type"] == "health_evaluated"]
    assert later and later[-1]["then"] == "go"
    assert all(e["baseline"]["problem"] == "" for e in later)  # the baseline survived the kill
    assert "before step deploy" in later[-1]["baseline"]["source"]
