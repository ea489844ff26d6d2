"""The real `golive demo` on the TUI, in a real terminal (tmux), driven by keys to the end.

The demo's migration fails on its first attempt: the operator rolls back to the
backup, runs again from there, passes the go/no-go gate and lifts the freeze.
tmux runs on its own socket (golive-test-<pid>) with no config file, so a
user's tmux is never touched; the server is killed whatever happens.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers import golive, of_type
from tests.test_five_answers import HOST_ROW, LATE, NEXT, ROLLBACK

pytestmark = pytest.mark.slow  # real servers, terminals or processes: not in the fast lane

WIDTH, HEIGHT = 120, 40
SESSION = "golive"
SETTLE = 0.5  # the driver thread publishes the new question just after the journal event


class Tmux:
    def __init__(self, socket: str) -> None:
        self.socket = socket
        self.socket_path: str | None = None  # known once the server runs

    def __call__(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-u", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            timeout=10,
            env={**os.environ, "LC_ALL": "C.UTF-8"},
        )
        if result.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    def start(
        self, cwd: Path, env: dict[str, str], command: str, size: tuple[int, int] = (WIDTH, HEIGHT)
    ) -> None:
        settings = [arg for k, v in env.items() for arg in ("-e", f"{k}={v}")]
        self("new-session", "-d", "-s", SESSION, "-x", str(size[0]), "-y", str(size[1]),
             "-c", str(cwd), *settings, command)  # fmt: skip
        self.socket_path = self("display-message", "-p", "#{socket_path}").strip()

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10)
        if self.socket_path:  # tmux leaves its socket file behind
            Path(self.socket_path).unlink(missing_ok=True)

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", SESSION)

    def keys(self, *keys: str) -> None:
        """Named keys (Enter, Escape) or single characters, one after the other."""
        for key in keys:
            self("send-keys", "-t", SESSION, key)

    def type(self, text: str) -> None:
        self("send-keys", "-t", SESSION, "-l", text)

    def wait(self, what: str | Callable[[str], bool], timeout: float = 60.0) -> str:
        """Poll the screen until it shows `what` (text, or a test of the screen)."""
        test = what if callable(what) else (lambda screen: what in screen)
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if test(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"the screen never showed {what!r}; it shows:\n{screen}")


def row(icon: str, step: str) -> Callable[[str], bool]:
    """The steps table shows `step` with status `icon` (rows start at the left edge)."""
    pattern = re.compile(rf"^\s?{re.escape(icon)}\s+{re.escape(step)}\s", re.MULTILINE)
    return lambda screen: bool(pattern.search(screen))


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    server = Tmux(f"golive-test-{os.getpid()}")
    try:
        yield server
    finally:
        server.kill()


def five_answers(screen: str, step: str, icon: str) -> None:
    """The run screen's five answers on the real terminal (see tests/test_five_answers.py):
    where (the step's row with its state), late and roll back (line 1), the host (its row
    with state, cpu and mem), and next (line 2)."""
    lines = screen.split("\n")
    assert row(icon, step)(screen) or f"{step} FAILED" in lines[0], screen
    assert LATE.search(lines[0]) and ROLLBACK.search(lines[0]), screen
    assert re.search(HOST_ROW.format(host="shop"), screen, re.M), screen
    assert NEXT.search(lines[1]), screen
    assert "…" not in "\n".join(lines[:3]), screen


@pytest.mark.parametrize("size", [(WIDTH, HEIGHT), (80, 24)], ids=["120x40", "80x24"])
def test_demo_to_the_end_in_tmux(tmux: Tmux, tmp_path: Path, size: tuple[int, int]) -> None:
    tmux.start(
        tmp_path,
        {"LANG": "C.UTF-8", "TMPDIR": str(tmp_path)},  # the demo folder goes under tmp_path
        f"{shlex.quote(sys.executable)} -m golive demo; echo golive exited $?; sleep 60",  # keeps the pane
        size,
    )

    # The write freeze: a manual step, confirmed with an (empty) note.
    tmux.wait(row("▶", "freeze"))
    time.sleep(SETTLE)
    five_answers(tmux.wait(lambda s: "%" in s and "? " in s), "freeze", "▶")
    tmux.keys("Enter")
    tmux.wait("Confirm freeze")
    tmux.keys("Enter")

    # The migration fails on purpose: roll back to the backup, with a reason.
    tmux.wait(row("✘", "migrate"))
    time.sleep(SETTLE)
    five_answers(tmux.screen(), "migrate", "✘")
    tmux.keys("b")
    tmux.wait("Roll back to backup?")
    tmux.keys("y")
    tmux.wait("Why? (for the review)")
    tmux.type("3 orders rejected, currency codes")
    tmux.keys("Enter")

    # After the rollback: run again from the rollback point.
    tmux.wait("rollback to backup completed")
    time.sleep(SETTLE)
    five_answers(tmux.screen(), "migrate", "↶")
    tmux.keys("Enter")
    tmux.wait("After the rollback")
    tmux.keys("r")

    # The gate: GO, the owner as prefilled, a reason, and past the point of no return.
    tmux.wait(row("▶", "go-nogo"))
    time.sleep(SETTLE)
    five_answers(tmux.screen(), "go-nogo", "▶")
    tmux.keys("g")
    tmux.wait("[g] GO")
    tmux.keys("g")
    tmux.wait("Who decides?")
    tmux.keys("Enter")
    tmux.wait("The reason, for the review")
    tmux.type("test order placed, all orders there")
    tmux.keys("Enter")
    tmux.wait("Pass the point of no return?")
    tmux.keys("y")

    # Lift the freeze; the run completes.
    tmux.wait(row("▶", "unfreeze"))
    time.sleep(SETTLE)
    tmux.keys("Enter")
    tmux.wait("Confirm unfreeze")
    tmux.keys("Enter")
    tmux.wait(lambda s: "■ COMPLETED" in s or "The run ended: completed" in s)  # the header
    time.sleep(SETTLE)
    five_answers(tmux.screen(), "unfreeze", "✔")

    tmux.keys("q")
    screen = tmux.wait(lambda s: "golive exited" in s or "Leave golive?" in s)
    if "Leave golive?" in screen:
        tmux.keys("y")
    screen = tmux.wait("golive exited")
    assert "golive exited 0" in screen, screen

    journals = list((tmp_path / "journals").glob("*.jsonl"))
    assert len(journals) == 1, journals
    journal = journals[0]
    assert [e["outcome"] for e in of_type(journal, "run_finished")] == ["completed"]
    (rollback,) = of_type(journal, "decision", decision="rollback")
    assert rollback["step"] == "migrate" and rollback["to"] == "backup"
    assert rollback["reason"] == "3 orders rejected, currency codes"
    assert [e["status"] for e in of_type(journal, "rollback_finished")] == ["completed"]
    assert of_type(journal, "decision", decision="resume-from-point")
    (go,) = of_type(journal, "decision", decision="go")
    assert go["by"] == "Shop owner" and go["reason"] == "test order placed, all orders there"
    attempts = of_type(journal, "step_finished", step="migrate", action="run")
    assert [e["status"] for e in attempts] == ["failed", "succeeded"]
    assert of_type(journal, "decision", step="unfreeze", decision="confirm")

    # The README's second command: the demo run's report, naming the operator's rollback.
    page = tmp_path / "demo-report.html"
    made = golive("report", journal, "-o", page)
    assert made.returncode == 0 and made.stdout.startswith(f"wrote {page} (html, "), made.stderr
    html = page.read_text()
    assert "3 orders rejected, currency codes" in html and "test order placed" in html


def test_a_killed_run_screen_resumes_on_the_same_run(tmux: Tmux, tmp_path: Path) -> None:
    """SIGKILL golive while the run screen waits on the freeze; `golive resume` reopens the
    screen on the same run, shows what happened before, and asks the freeze again."""
    journal = tmp_path / "demo.jsonl"
    python = shlex.quote(sys.executable)
    tmux.start(
        tmp_path,
        {"LANG": "C.UTF-8", "TMPDIR": str(tmp_path)},
        f"{python} -m golive demo --journal {journal}; echo golive exited $?; "
        f"{python} -m golive resume {journal}; echo resume exited $?; sleep 60",
        (200, 50),  # wide: the header has room for the runbook's name
    )
    tmux.wait(row("▶", "freeze"))
    # The python process itself, not the shell around it (whose command line says the same).
    pattern = f"^{re.escape(sys.executable)} -m golive demo --journal {re.escape(str(journal))}"
    found = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True)
    pids = [int(pid) for pid in found.stdout.split()]
    assert pids, "the golive process was not found"
    for pid in pids:
        os.kill(pid, 9)

    # The same run, reopened: the header, the history, and the manual step golive stopped
    # at, asked again (a manual step or a gate is never "marked done").
    tmux.wait("golive exited 137")
    asked = row("▶", "freeze")
    screen = tmux.wait(lambda s: asked(s) and "golive exited" not in s)  # the new screen
    assert "REHEARSAL" in screen and "Demo: shop 2.0 go-live" in screen
    assert "▶ seed-demo" in screen and "✔ seed-demo succeeded" in screen  # the events pane
    time.sleep(SETTLE)
    tmux.keys("Enter")
    tmux.wait("Confirm freeze")
    tmux.keys("Enter")
    tmux.wait(row("✔", "freeze"))

    tmux.keys("q")
    screen = tmux.wait(lambda s: "resume exited" in s or "Leave golive?" in s)
    if "Leave golive?" in screen:
        tmux.keys("y")
    tmux.wait("resume exited 6")  # left open: not 0, which means completed
    assert len(of_type(journal, "run_started")) == 1
    assert len(of_type(journal, "session_resumed")) == 1
    assert not of_type(journal, "decision", decision="mark-done")
    (again,) = of_type(journal, "decision", decision="rerun")
    assert (again["step"], again["by"], again["automatic"]) == ("freeze", "golive", True)
    (confirmed,) = of_type(journal, "decision", decision="confirm")
    assert confirmed["step"] == "freeze" and not confirmed["automatic"]
    assert [e["attempt"] for e in of_type(journal, "step_started", step="freeze")] == [1, 2]
    verified = subprocess.run(
        [sys.executable, "-m", "golive", "verify", str(journal)], capture_output=True, text=True
    )
    # Intact, and still open (the operator left it to resume later): unsealed, exit status 5.
    assert verified.returncode == 5, verified.stdout + verified.stderr
    assert "without its seal" in verified.stdout


DRILL = """
[runbook]
name = "drill on screen"
[hosts.l]
local = true

[[steps]]
id = "snap"
on = "l"
run = "echo snapshot"
verify = "true"
rollback_point = true

[[steps]]
id = "change"
on = "l"
run = "echo changed"
rollback = "echo reverted"
"""


def test_a_drill_at_a_terminal_runs_on_the_run_screen(tmux: Tmux, tmp_path: Path) -> None:
    """`golive drill` at a terminal: the run screen, the drill's own rollback on it,
    then (after q) the drill report in the terminal and exit status 0."""
    (tmp_path / "rb.toml").write_text(DRILL)
    journal = tmp_path / "drill.jsonl"
    python = shlex.quote(sys.executable)
    tmux.start(
        tmp_path,
        {"LANG": "C.UTF-8", "TMPDIR": str(tmp_path)},
        f"{python} -m golive drill rb.toml --to snap --journal {journal}; "
        "echo drill exited $?; sleep 60",
        (200, 50),  # wide: the events pane keeps the drill's lines (5 rows when stacked)
    )
    # The end, and what the drill said in the events pane (its own message, which may
    # be drawn a moment after the header's outcome).
    screen = tmux.wait(lambda s: "ROLLED BACK" in s and "proving the state at snap" in s)
    assert "drill on screen" in screen and "REHEARSAL" in screen
    tmux.keys("q")
    screen = tmux.wait("drill exited")
    assert "verdict: PASS" in screen and "drill exited 0" in screen
    (finished,) = of_type(journal, "run_finished")
    assert finished["outcome"] == "rolled_back" and finished["drill"]["verdict"] == "pass"
