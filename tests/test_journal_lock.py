"""One writer per journal: real golive processes competing for the journal's flock.

A step that waits for a file holds a run (or a resume) in the middle for as long as a
test needs, without sleeping for a guessed time: the test creates the file to let it go.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from golive.io.journal import JournalInUse, LockedJournal
from tests.helpers import events, golive, of_type, spawn, wait_until, write_runbook

pytestmark = pytest.mark.slow  # real servers, terminals or processes: not in the fast lane

HOST = socket.gethostname()


@pytest.fixture
def groups() -> Iterator[list[Path]]:
    """Pid files of step process groups a killed golive leaves running; killed at the end."""
    files: list[Path] = []
    yield files
    for pid_file in files:
        (pid_file.parent / "go").touch()  # a step still waiting for `go` (a failed test) ends
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.killpg(int(pid_file.read_text()), signal.SIGKILL)


def gated_runbook(folder: Path) -> tuple[Path, Path, Path]:
    """a, then b (waits for `go` on its first attempt only), then c; each logs itself."""
    log, go, pg = folder / "log", folder / "go", folder / "pg"
    write_runbook(
        folder,
        f"""
[[steps]]
id = "a"
run = "echo a >> {log}"
[[steps]]
id = "b"
run = "if [ -e {folder}/tried ]; then echo b-again >> {log}; else touch {folder}/tried; echo $$ > {pg}; while [ ! -e {go} ]; do sleep 0.05; done; echo b >> {log}; fi"
[[steps]]
id = "c"
run = "while [ ! -e {go} ]; do sleep 0.05; done; echo c >> {log}"
""",
    )
    return log, go, pg


def start_run(folder: Path, journal: Path) -> subprocess.Popen[str]:
    process = spawn(
        "run", folder / "rb.toml", "--rehearsal", "--yes", "--console", "--journal", journal
    )
    wait_until(
        lambda: journal.exists() and bool(of_type(journal, "step_started", step="b")),
        what="step b to start",
    )
    return process


def in_use_sentence(journal: Path, pid: int, since: str | None) -> str:
    """What a refused writer says (its start; it goes on ", since T)" when `since` is given)."""
    sentence = f"golive: journal {journal} is in use by golive (pid {pid} on {HOST}"
    if since is None:
        return sentence
    return (
        sentence
        + f", since {datetime.fromisoformat(since).isoformat(sep=' ', timespec='seconds')})"
    )


def test_resume_while_the_run_is_alive_is_refused_and_appends_nothing(
    tmp_path: Path, groups: list[Path]
) -> None:
    log, go, pg = gated_runbook(tmp_path)
    groups.append(pg)
    journal = tmp_path / "j.jsonl"
    run = start_run(tmp_path, journal)
    try:
        before = journal.read_bytes()
        refused = golive("resume", journal, "--yes", "--interrupted", "rerun", "--console")
        assert refused.returncode == 2, refused.stdout + refused.stderr
        started = of_type(journal, "run_started")[0]
        assert started["pid"] == run.pid and started["machine"] == HOST
        assert in_use_sentence(journal, run.pid, started["t"]) in refused.stderr
        assert "Traceback" not in refused.stderr and refused.stderr.count("\n") == 1
        assert journal.read_bytes() == before  # nothing appended, nothing cut
    finally:
        go.touch()
        stdout, stderr = run.communicate(timeout=60)
    assert run.returncode == 0, stdout + stderr
    assert log.read_text().split() == ["a", "b", "c"]
    assert golive("verify", journal).returncode == 0


def test_readers_work_while_a_writer_holds_the_lock(tmp_path: Path, groups: list[Path]) -> None:
    _, go, pg = gated_runbook(tmp_path)
    groups.append(pg)
    journal = tmp_path / "j.jsonl"
    run = start_run(tmp_path, journal)
    try:
        verified = golive("verify", journal)
        assert verified.returncode == 5, verified.stdout + verified.stderr
        assert f"being written now by golive pid {run.pid}" in verified.stdout
        report = golive("report", journal, "--format", "json")
        assert report.returncode == 0, report.stderr
        data = json.loads(report.stdout)
        assert data["run"]["outcome"] == "unfinished"
        assert (data["journal"]["chain_ok"], data["journal"]["sealed"]) == (True, False)
        assert data["journal"]["protection"] == "unsealed"
        assert golive("report", journal, "--format", "md").returncode == 0
        assert run.poll() is None  # the writer was never disturbed
    finally:
        go.touch()
        stdout, stderr = run.communicate(timeout=60)
    assert run.returncode == 0, stdout + stderr
    # Once the writer is gone, the same journal is sealed and nobody holds it.
    verified = golive("verify", journal)
    assert verified.returncode == 0 and "being written" not in verified.stdout


def test_after_sigkill_of_the_holder_resume_takes_the_journal(
    tmp_path: Path, groups: list[Path]
) -> None:
    log, go, pg = gated_runbook(tmp_path)
    groups.append(pg)
    journal = tmp_path / "j.jsonl"
    run = start_run(tmp_path, journal)
    assert golive("resume", journal, "--yes", "--interrupted", "rerun").returncode == 2
    run.send_signal(signal.SIGKILL)
    run.communicate(timeout=10)
    assert run.returncode == -signal.SIGKILL
    # The kernel dropped the lock with the process (no lock file to clean up), although
    # b's own command is still running: it never inherited the journal's descriptor.
    assert os.path.exists(f"/proc/{int(pg.read_text())}")
    killed = golive("verify", journal)
    assert killed.returncode == 5 and "being written now" not in killed.stdout
    go.touch()
    resumed = golive("resume", journal, "--yes", "--interrupted", "rerun", "--console")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "b-again" in log.read_text().split() and log.read_text().split()[-1] == "c"
    assert golive("verify", journal).returncode == 0


def test_two_concurrent_resumes_run_the_rest_once(tmp_path: Path, groups: list[Path]) -> None:
    log, go, pg = gated_runbook(tmp_path)
    groups.append(pg)
    journal = tmp_path / "j.jsonl"
    run = start_run(tmp_path, journal)
    # b is journaled as started just before its shell runs: wait for the shell itself.
    wait_until(lambda: pg.exists() and pg.read_text().strip().isdigit(), what="b's shell")
    run.send_signal(signal.SIGKILL)
    run.communicate(timeout=10)
    os.killpg(int(pg.read_text()), signal.SIGKILL)  # b's first attempt, which outlived golive
    assert log.read_text().split() == ["a"]
    # Both resumes re-run b at once, then wait in c until the test lets them go: whichever
    # got the journal first is still running when the other has been refused.
    args = ("resume", journal, "--yes", "--interrupted", "rerun", "--console")
    first, second = spawn(*args), spawn(*args)
    try:
        wait_until(lambda: first.poll() is not None or second.poll() is not None, what="a refusal")
        loser, winner = (first, second) if first.poll() is not None else (second, first)
        _, refusal = loser.communicate(timeout=10)
        assert loser.returncode == 2, refusal
        assert in_use_sentence(journal, winner.pid, None) in refusal
        assert winner.poll() is None
    finally:
        go.touch()
        outputs = [p.communicate(timeout=60) for p in (first, second)]
    assert winner.returncode == 0, outputs
    assert log.read_text().split() == ["a", "b-again", "c"]  # every step ran once
    resumed = of_type(journal, "session_resumed")
    assert [e["pid"] for e in resumed] == [winner.pid]
    assert len(of_type(journal, "run_finished")) == 1
    assert [e["seq"] for e in events(journal)] == list(range(len(events(journal))))
    verified = golive("verify", journal)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_journal_has_one_writer_even_in_one_process(tmp_path: Path) -> None:
    """flock(2) locks conflict between open file descriptions, in one process too."""
    journal = tmp_path / "j.jsonl"
    journal.write_bytes(b"")
    holder = LockedJournal(str(journal))
    try:
        with pytest.raises(JournalInUse, match="is in use by golive"):
            LockedJournal(str(journal))
    finally:
        holder.close()
    LockedJournal(str(journal)).close()  # released by close()


def test_a_recording_monitor_holds_its_baseline_until_it_seals_it(tmp_path: Path) -> None:
    log = tmp_path / "local.log"
    log.write_text("")
    runbook = tmp_path / "local.toml"
    runbook.write_text(
        f'[runbook]\nname = "l"\n[hosts.me]\nlocal = true\nlogs = ["{log}"]\n'
        '[monitor]\ninterval = "0.5s"\n[[steps]]\nid = "a"\nrun = "true"\n'
    )
    baseline = tmp_path / "baseline.jsonl"
    monitor = spawn("monitor", runbook, "--json", "--record", baseline)
    try:
        wait_until(
            lambda: bool(of_type(baseline, "sample")) if baseline.exists() else False,
            what="a sample",
        )
        [started] = events(baseline)[:1]
        assert (started["type"], started["pid"], started["machine"]) == (
            "monitor_started", monitor.pid, HOST,
        )  # fmt: skip
        refused = golive("resume", baseline, "--yes")
        assert refused.returncode == 2
        assert in_use_sentence(baseline, monitor.pid, started["t"]) in refused.stderr
        being_written = golive("verify", baseline)
        assert being_written.returncode == 5
        assert f"being written now by golive pid {monitor.pid}" in being_written.stdout
    finally:
        monitor.send_signal(signal.SIGINT)  # Ctrl-C ends a baseline normally
        _, stderr = monitor.communicate(timeout=30)
    assert monitor.returncode == 0, stderr
    assert events(baseline)[-1]["type"] == "monitor_finished"
    assert events(baseline)[-1]["reason"] == "interrupted"
    assert golive("verify", baseline).returncode == 0


def test_a_journal_replaced_while_its_run_writes_it_is_neither_resumed_nor_written_blind(
    tmp_path: Path, groups: list[Path]
) -> None:
    """The lock is on the file: a copy renamed over the journal while the run writes it is
    a new, unlocked file. A resume still refuses (the last writer is alive), and the run
    stops recording (exit 4) rather than write to a file nobody can read by its name."""
    log, go, pg = gated_runbook(tmp_path)
    groups.append(pg)
    journal = tmp_path / "j.jsonl"
    run = start_run(tmp_path, journal)
    try:
        copy = tmp_path / "j.copy"
        copy.write_bytes(journal.read_bytes())
        os.replace(copy, journal)
        refused = golive("resume", journal, "--yes", "--interrupted", "rerun", "--console")
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert f"pid {run.pid}" in refused.stderr and "still running" in refused.stderr
    finally:
        go.touch()
        stdout, stderr = run.communicate(timeout=60)
    assert run.returncode == 4, stdout + stderr
    assert "was replaced or removed while this run wrote it" in stderr
    assert "Traceback" not in stderr
    assert log.read_text().split().count("b") <= 1  # no step ran twice
