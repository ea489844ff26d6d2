"""How a step's end is told: a lost connection is an unknown outcome (never "exit -1"),
a timeout names its host once, and a full disk is one sentence, never a traceback."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from golive.core.engine import Engine, QuestionKind
from golive.core.events import Decisions
from golive.core.loader import load_runbook
from golive.core.runbook import Host
from golive.core.state import RunState, Status
from golive.core.templating import Values
from golive.io.executor import Job
from golive.io.ssh import SshPool
from golive.io.ssh_exec import SshExecutor
from tests.helpers import events, golive, of_type, spawn, wait_until, write_runbook
from tests.test_ssh import isolated_env, ssh_runbook

pytestmark = pytest.mark.slow


def remote_host(sshd: Any) -> Host:
    address, port = sshd.hosts[0]
    return Host(
        "h1", address=address, port=port, user=sshd.user, identity_file=str(sshd.identity_file)
    )


def start_remote_sleep(pool: SshPool, host: Host) -> tuple[threading.Thread, dict[str, Any]]:
    """`echo started; sleep 60` on the host, in a thread; the result lands in the dict."""
    got: dict[str, Any] = {"lines": []}
    rendered = Values({}, {}).render("echo started; sleep 60")

    def run() -> None:
        job = Job(rendered.command, host, timeout=120, env=rendered.env)
        got["result"] = SshExecutor(pool).run(
            job, lambda stream, line: got["lines"].append(line), threading.Event()
        )

    thread = threading.Thread(target=run)
    thread.start()
    wait_until(lambda: "started" in got["lines"], what="the remote command to start")
    return thread, got


def test_a_killed_sshd_gives_an_unknown_outcome_not_exit_minus_one(
    tmp_path: Path, sshd: Any
) -> None:
    pool = SshPool(known_hosts=str(sshd.known_hosts))
    try:
        thread, got = start_remote_sleep(pool, remote_host(sshd))
        sshd.kill()
        thread.join(30)
        assert not thread.is_alive()
    finally:
        pool.close()
    result = got["result"]
    assert result.unknown and result.exit is None
    assert "connection to h1 was lost" in result.error and "outcome is unknown" in result.error


def test_a_frozen_sshd_is_found_by_the_heartbeat_and_gives_an_unknown_outcome(
    tmp_path: Path, sshd: Any
) -> None:
    pool = SshPool(known_hosts=str(sshd.known_hosts), heartbeat_every=0.5, heartbeat_timeout=1.0)
    try:
        thread, got = start_remote_sleep(pool, remote_host(sshd))
        sshd.stop()  # SIGSTOP: the TCP session stays open, nothing answers
        try:
            thread.join(30)
            assert not thread.is_alive()
        finally:
            sshd.cont()
    finally:
        pool.close()
    assert got["result"].unknown and got["result"].exit is None


def test_a_run_whose_connection_dies_asks_to_rerun_mark_done_or_roll_back(
    tmp_path: Path, sshd: Any
) -> None:
    runbook = ssh_runbook(
        tmp_path,
        sshd,
        '[[steps]]\nid = "deploy"\non = "h1"\nduration = "1s"\nrollback = "true"\n'
        'run = "echo started; sleep 60"\n',
    )
    journal = tmp_path / "j.jsonl"
    process = spawn(
        "run", runbook, "--rehearsal", "--console", "--yes", "--journal", journal,
        env=isolated_env(tmp_path),
    )  # fmt: skip
    try:
        wait_until(
            lambda: journal.exists() and bool(of_type(journal, "output", line="started")),
            what="the step to start",
        )
        sshd.kill()
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert "Traceback" not in out + err
    assert "exit status -1" not in out + err and '"exit": -1' not in journal.read_text()
    finished = of_type(journal, "step_finished", step="deploy")
    assert finished[-1]["status"] == "interrupted"
    assert "outcome is unknown" in finished[-1]["reason"]
    assert "outcome is unknown" in out
    host = of_type(journal, "host_finished", step="deploy")[-1]
    assert host["exit"] is None and host["unknown"] is True
    # The fold asks what a resume asks after a crash: re-run, mark done or roll back.
    loaded = load_runbook(str(runbook))
    assert loaded.runbook is not None
    state = RunState()
    for e in events(journal):
        if e["type"] != "run_finished":
            state.apply(e)
    assert state.step("deploy").status is Status.INTERRUPTED
    question = next(q for q in Engine(loaded.runbook).questions(state) if q.step == "deploy")
    assert question.kind is QuestionKind.INTERRUPTED
    assert question.options == (Decisions.RERUN, Decisions.MARK_DONE, Decisions.ROLLBACK)
    assert "outcome is unknown" in question.text


def test_a_remote_timeout_names_its_host_once(tmp_path: Path, sshd: Any) -> None:
    runbook = ssh_runbook(
        tmp_path,
        sshd,
        '[[steps]]\nid = "slow"\non = "h1"\nduration = "1s"\ntimeout = "1s"\nrollback = "true"\n'
        'run = "sleep 30"\n',
    )
    journal = tmp_path / "j.jsonl"
    done = golive(
        "run", runbook, "--rehearsal", "--console", "--yes", "--journal", journal,
        env=isolated_env(tmp_path),
    )  # fmt: skip
    reason = of_type(journal, "step_finished", step="slow")[-1]["reason"]
    assert reason == "timed out after 1s and was killed on h1", reason
    assert "on h1 on h1" not in done.stdout + done.stderr


def test_a_full_disk_stops_the_run_with_one_sentence_and_no_traceback(tmp_path: Path) -> None:
    """RLIMIT_FSIZE makes every write past 48 KiB fail (EFBIG), as a full disk does; the
    step's own thread is the one that hits it."""
    runbook = write_runbook(
        tmp_path,
        '[[steps]]\nid = "noisy"\nduration = "1s"\nrollback = "true"\n'
        'run = "i=0; while [ $i -lt 3000 ]; do echo line $i; i=$((i+1)); done"\n',
    )
    journal = tmp_path / "j.jsonl"

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (48 * 1024, 48 * 1024))

    done = subprocess.run(
        [sys.executable, "-m", "golive", "run", str(runbook), "--rehearsal", "--console",
         "--yes", "--journal", str(journal)],
        capture_output=True, text=True, timeout=120, preexec_fn=limit,
    )  # fmt: skip
    assert done.returncode == 4, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "Exception in thread" not in done.stderr
    problems = [line for line in done.stderr.splitlines() if line.strip()]
    assert problems and all(line.startswith("golive: ") for line in problems), problems
    assert "could not be written" in done.stderr
    # Nothing shown was lost: every output line the console printed is in the journal.
    recorded = {e["line"] for e in of_type(journal, "output")}
    shown = [line.split("| ", 1)[1] for line in done.stdout.splitlines() if " | line " in line]
    assert shown and set(shown) <= recorded
    for raw in journal.read_bytes().splitlines():
        json.loads(raw)  # the file ends on a whole event
    time.sleep(0)  # (no timing is asserted)
