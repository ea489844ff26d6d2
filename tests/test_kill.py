"""Crash safety: a real `golive run` killed with SIGKILL, then verified and resumed."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers import events, golive, of_type, spawn, wait_until, write_runbook

pytestmark = pytest.mark.slow  # real servers, terminals or processes: not in the fast lane


@pytest.fixture
def groups() -> Iterator[list[Path]]:
    """Pid files of step process groups left running by a killed golive; killed at the end."""
    files: list[Path] = []
    yield files
    for pid_file in files:
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.killpg(int(pid_file.read_text()), signal.SIGKILL)


def kill_when(journal: Path, ready: Callable[[], bool]) -> str:
    """Run the runbook beside `journal` and SIGKILL golive the moment `ready()` holds."""
    process = spawn("run", journal.parent / "rb.toml", "--rehearsal", "--yes", "--journal", journal)
    try:
        wait_until(lambda: journal.exists() and ready(), what="the moment to kill")
    finally:
        process.send_signal(signal.SIGKILL)
        stdout, _ = process.communicate(timeout=10)
    assert process.returncode == -signal.SIGKILL
    return stdout


def assert_unsealed(journal: Path) -> None:
    """A killed run's journal: the chain holds, but it ends without its seal (exit status 5)."""
    result = golive("verify", journal)
    assert result.returncode == 5, result.stdout + result.stderr
    assert "without its seal" in result.stdout and "cut, or still being written" in result.stdout


def assert_sealed(journal: Path) -> None:
    """A run resumed to its end: intact and sealed (exit status 0)."""
    result = golive("verify", journal)
    assert result.returncode == 0, result.stdout + result.stderr
    assert ", sealed, " in result.stdout or "keyed seal verified" in result.stdout


def assert_shown_was_recorded(stdout: str, journal: Path) -> None:
    """Everything the operator saw as started or done is in the journal."""
    started = {e["step"] for e in of_type(journal, "step_started")}
    finished = {e["step"] for e in of_type(journal, "step_finished", action="run")}
    for step in re.findall(r"^▶ \[\w+\] ([\w-]+):", stdout, re.M):
        assert step in started
    for step in re.findall(r"^✔ ([\w-]+) done", stdout, re.M):
        assert step in finished


def test_killed_during_a_step(tmp_path: Path, groups: list[Path]) -> None:
    log, tried, pg = tmp_path / "log", tmp_path / "tried", tmp_path / "pg"
    groups.append(pg)
    write_runbook(
        tmp_path,
        f"""
[[steps]]
id = "a"
run = "echo a >> {log}"
[[steps]]
id = "b"
run = "if [ -e {tried} ]; then echo b-again >> {log}; else touch {tried}; echo $$ > {pg}; sleep 60; fi"
[[steps]]
id = "c"
run = "echo c >> {log}"
""",
    )
    journal = tmp_path / "j.jsonl"
    stdout = kill_when(journal, lambda: pg.exists() and bool(pg.read_text().strip()))
    assert_shown_was_recorded(stdout, journal)
    assert_unsealed(journal)
    # Without an answer for the interrupted step, --yes refuses to guess.
    refused = golive("resume", journal, "--yes")
    assert refused.returncode == 1 and "--interrupted" in refused.stdout
    # That refusal aborted the resumed session; cut it off to resume again (as a person would
    # simply answer at the terminal). Keep only the first session's events.
    first = [line for line in journal.read_bytes().splitlines(keepends=True)]
    cut = next(i for i, line in enumerate(first) if b'"session_resumed"' in line)
    journal.write_bytes(b"".join(first[:cut]))
    resumed = golive("resume", journal, "--yes", "--interrupted", "rerun")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert log.read_text().split() == ["a", "b-again", "c"]  # a was not re-run
    assert [e["attempt"] for e in of_type(journal, "step_started", step="b")] == [1, 2]
    assert of_type(journal, "decision", step="b")[0]["decision"] == "rerun"
    assert_sealed(journal)


def test_killed_during_a_rollback(tmp_path: Path, groups: list[Path]) -> None:
    log, tried, pg = tmp_path / "log", tmp_path / "tried", tmp_path / "pg"
    groups.append(pg)
    write_runbook(
        tmp_path,
        f"""
[[steps]]
id = "p"
run = "echo p >> {log}"
rollback_point = true
[[steps]]
id = "x"
run = "echo x >> {log}"
rollback = "if [ -e {tried} ]; then echo undo-x >> {log}; else touch {tried}; echo $$ > {pg}; sleep 60; fi"
[[steps]]
id = "y"
run = "echo y >> {log}; exit 5"
rollback = "echo undo-y >> {log}"
on_failure = "rollback"
""",
    )
    journal = tmp_path / "j.jsonl"
    stdout = kill_when(journal, lambda: pg.exists() and bool(pg.read_text().strip()))
    assert_shown_was_recorded(stdout, journal)
    assert_unsealed(journal)
    resumed = golive("resume", journal, "--yes", "--interrupted", "rerun")
    assert resumed.returncode == 3, resumed.stdout + resumed.stderr
    assert_sealed(journal)  # a run that ends rolled back is sealed too
    assert log.read_text().split() == ["p", "x", "y", "undo-y", "undo-x"]
    assert [e["step"] for e in of_type(journal, "step_finished", action="rollback")] == ["y", "x"]
    assert of_type(journal, "rollback_finished")[0]["status"] == "completed"
    assert of_type(journal, "run_finished")[0]["outcome"] == "rolled_back"


def test_killed_between_a_decision_and_the_next_step(tmp_path: Path) -> None:
    log = tmp_path / "log"
    write_runbook(
        tmp_path,
        f"""
[[steps]]
id = "freeze"
kind = "manual"
[[steps]]
id = "next"
not_before = "2026-11-28T22:00:04+00:00"
run = "echo next >> {log}"
""",
    )
    journal = tmp_path / "j.jsonl"
    kill_when(journal, lambda: bool(of_type(journal, "decision", step="freeze")))
    assert not of_type(journal, "step_started", step="next")
    assert_unsealed(journal)
    resumed = golive("resume", journal, "--yes")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert_sealed(journal)
    assert log.read_text().split() == ["next"]
    assert len(of_type(journal, "decision", step="freeze")) == 1  # never asked twice
    kinds = [e["type"] for e in events(journal)]
    assert kinds.count("session_resumed") == 1 and kinds[-1] == "run_finished"


def test_the_demo_killed_mid_run_resumes_to_the_end(tmp_path: Path) -> None:
    """The acceptance path: golive demo, its failure and rollback, a crash, a resume."""
    process = subprocess.Popen(
        [sys.executable, "-m", "golive", "demo"], cwd=tmp_path, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip

    def deploying() -> bool:
        found = (
            list((tmp_path / "journals").glob("*.jsonl"))
            if (tmp_path / "journals").exists()
            else []
        )
        return bool(found) and bool(of_type(found[0], "step_started", step="deploy"))

    try:
        wait_until(deploying, what="the demo to reach deploy")
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=10)
    [journal] = (tmp_path / "journals").glob("*.jsonl")
    assert of_type(
        journal, "rollback_finished", status="completed"
    )  # failure and rollback came first
    assert_unsealed(journal)
    resumed = golive("resume", journal, "--yes", "--interrupted", "rerun")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert_sealed(journal)
    assert of_type(journal, "run_finished")[0]["outcome"] == "completed"
    assert [
        e["attempt"] for e in of_type(journal, "step_started", step="migrate", action="run")
    ] == [1, 2]
    assert len(of_type(journal, "step_finished", step="seed-demo")) == 1  # never re-run
