"""golive follow and status: a run another golive drives, read from its journal only.

The fold and the tail are tested on their own; then a follower beside a real run (the
TUI's driver in this process, and a `golive run` in another), a killed driver, and a
follower in a real terminal reading a live run through a read-only file system."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shlex
import signal
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from textual.widgets import Static

from golive.core import events as ev
from golive.core.followed_hosts import HostsFold
from golive.core.hostwatch import HostState
from golive.session.follow import ENDED, GONE, WRITING, Follower
from golive.session.status import run_status
from golive.tui.follow_app import FollowApp
from golive.tui.widgets.header_bar import HeaderBar
from tests.helpers import events, golive, spawn, wait_until, write_runbook
from tests.sshd import SshServer
from tests.test_tui import isolated_home, load, running, wait_for
from tests.test_tui_tmux import Tmux, row, tmux

__all__ = ["isolated_home", "tmux"]  # fixtures used here by name

STEPS = """
[hosts.box]
local = true

[[steps]]
id = "prepare"
phase = "prep"
run = "echo preparing"
rollback = "echo undo prepare"
rollback_point = true
duration = "5s"

[[steps]]
id = "copy"
phase = "move"
run = "for i in $(seq 1 30); do echo copied $i; sleep 0.05; done"
rollback = "echo undo copy"
duration = "10s"

[[steps]]
id = "switch"
phase = "move"
run = "echo switched"
rollback = "echo undo switch"
duration = "5s"
"""


def now() -> datetime:
    return datetime.now().astimezone()


# -- the fold and the tail, alone ------------------------------------------------------
def test_hosts_fold_keeps_state_figures_and_open_alerts() -> None:
    fold = HostsFold(["db", "app"])
    fold.apply({"type": ev.HOST_STATE, "m": 1.0, "host": "db", "state": "LIVE", "reason": ""})
    fold.apply({"type": ev.SAMPLE, "m": 2.0, "host": "db", "cpu": 91.5, "mem": 40.0,
                "load1": 1.5, "disk": 30.0, "errors_per_min": 4, "warnings_per_min": 1})  # fmt: skip
    fold.apply({"type": ev.ALERT, "m": 2.0, "host": "db", "metric": "cpu", "status": "raised"})
    fold.apply({"type": ev.ALERT, "m": 2.0, "host": "db", "metric": "mem", "status": "raised"})
    fold.apply({"type": ev.ALERT, "m": 3.0, "host": "db", "metric": "mem", "status": "cleared"})
    fold.apply({"type": ev.HOST_STATE, "m": 4.0, "host": "app", "state": "DOWN",
                "reason": "connection refused"})  # fmt: skip
    db, app = fold.snapshots(10.0)
    assert (db.host, db.state, db.alerts, db.errors_per_min) == ("db", HostState.LIVE, ("cpu",), 4)
    assert db.metrics is not None and db.metrics.cpu == 91.5 and db.age == 8.0
    assert (app.state, app.reason, app.metrics) == (HostState.DOWN, "connection refused", None)
    assert not fold.apply({"type": ev.NOTE, "m": 5.0, "text": "x"})


@pytest.fixture(scope="module")
def finished_journal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real rehearsal's journal, run to its end on the console."""
    folder = tmp_path_factory.mktemp("finished")
    write_runbook(folder, STEPS)
    journal = folder / "run.jsonl"
    result = golive("run", folder / "rb.toml", "--rehearsal", "--yes", "--console",
                    "--journal", journal)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return journal


@pytest.mark.slow  # runs golive end to end (the fast lane stays under a minute)
def test_the_tail_waits_for_a_torn_line_and_says_a_bad_one(
    tmp_path: Path, finished_journal: Path
) -> None:
    lines = finished_journal.read_bytes().split(b"\n")[:-1]
    growing = tmp_path / "growing.jsonl"
    growing.write_bytes(b"\n".join(lines[:3]) + b"\n" + lines[3][:20])
    follower = Follower(str(growing))
    assert [e["seq"] for e in follower.poll()] == [0, 1, 2]
    assert follower.tail.torn and follower.followed(now()) is not None
    with growing.open("ab") as handle:
        handle.write(lines[3][20:] + b"\n" + b"{not json\n" + lines[4] + b"\n")
    assert [e["seq"] for e in follower.poll()] == [3, 4]
    assert not follower.tail.torn
    assert follower.tail.problem == "line 5: not JSON a journal holds"
    assert follower.poll() == []
    # Another file under the name is not this run: reading stops and says so.
    growing.unlink()
    growing.write_bytes(b"\n".join(lines) + b"\n")
    assert follower.poll() == []
    followed = follower.followed(now())
    assert followed is not None and followed.writer == "replaced"
    follower.close()


@pytest.mark.slow  # runs golive end to end (the fast lane stays under a minute)
def test_status_of_a_finished_run_as_text_and_json(finished_journal: Path) -> None:
    text = golive("status", finished_journal)
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines()[0].startswith("◆ REHEARSAL ■ COMPLETED")
    assert "run ended" in text.stdout and "no rollback: run ended" in text.stdout
    shown = golive("status", finished_journal, "--json")
    status = json.loads(shown.stdout)
    assert status["schema"] == "golive-status/1" and status["outcome"] == "completed"
    assert status["steps"] == {"done": 3, "total": 3}
    assert status["writer"] == ENDED and status["running"] == [] and status["waiting"] == []


@pytest.mark.slow  # runs golive end to end (the fast lane stays under a minute)
def test_status_of_what_is_not_a_journal_is_a_sentence(tmp_path: Path) -> None:
    (tmp_path / "notes.jsonl").write_text('{"hello": 1}\n')
    for path, said in [
        (tmp_path / "missing.jsonl", "cannot read the journal"),
        (tmp_path, "is a directory"),
        (tmp_path / "notes.jsonl", "not a golive run journal"),
    ]:
        result = golive("status", path)
        assert result.returncode == 2 and said in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


# -- beside a real run -------------------------------------------------------------------
class Collector:
    """A follower polling on its own thread, as golive follow's does, keeping every event."""

    def __init__(self, journal: Path) -> None:
        self.journal = journal
        self.seen: list[dict[str, object]] = []
        self.follower: Follower | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            if self.follower is None and self.journal.exists():
                self.follower = Follower(str(self.journal))
            if self.follower is not None:
                self.seen += self.follower.poll()

    def __enter__(self) -> Collector:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


@pytest.mark.slow
async def test_a_follower_beside_the_driver_sees_every_event_in_order_and_the_same_view(
    tmp_path: Path,
) -> None:
    runbook = load(write_runbook(tmp_path, STEPS))
    journal = tmp_path / "run.jsonl"
    with Collector(journal) as collector:
        async with running(tmp_path, runbook) as (run, pilot):
            app = run.app

            def ended() -> bool:
                return app.view is not None and app.view.outcome is not None

            await wait_for(pilot, ended, "the run to end")
            await pilot.pause(0.5)
            driver_view = app.view
            # The follower's thread catches up with the journal.
            for _ in range(100):
                if collector.seen and collector.seen[-1]["type"] == ev.RUN_FINISHED:
                    break
                await asyncio.sleep(0.05)
    recorded = events(journal)
    assert [e["seq"] for e in collector.seen] == list(range(len(recorded)))
    assert collector.seen == recorded
    assert collector.follower is not None
    followed = collector.follower.followed(now())
    assert followed is not None and driver_view is not None
    view = followed.view
    assert view.outcome == driver_view.outcome == "completed"
    assert view.rows == driver_view.rows
    for name in ("mode", "reached_points", "past_point_of_no_return", "previews", "ready"):
        assert getattr(view, name) == getattr(driver_view, name), name
    # The clocks differ (the driver's runs on after the end, the follower's stops at the
    # last event); what each phase took does not.
    assert view.timing.phases == driver_view.timing.phases
    assert view.timing.rollback_point == driver_view.timing.rollback_point
    assert followed.writer == ENDED


@pytest.fixture
def killed_groups() -> Iterator[list[Path]]:
    files: list[Path] = []
    yield files
    for pid_file in files:
        with contextlib.suppress(ProcessLookupError, ValueError, FileNotFoundError):
            os.killpg(int(pid_file.read_text()), signal.SIGKILL)


@pytest.mark.slow
async def test_killing_the_driver_leaves_the_follower_saying_writer_gone(
    tmp_path: Path, killed_groups: list[Path]
) -> None:
    pg = tmp_path / "pg"
    killed_groups.append(pg)
    write_runbook(
        tmp_path,
        STEPS.replace('run = "echo switched"', f'run = "echo $$ > {pg}; sleep 60"'),
    )
    journal = tmp_path / "run.jsonl"
    driver = spawn("run", tmp_path / "rb.toml", "--rehearsal", "--yes", "--journal", journal)
    try:
        wait_until(pg.exists, what="the long step")
        writing = json.loads(golive("status", journal, "--json").stdout)
        assert writing["writer"] == WRITING and writing["running"][0]["step"] == "switch"
        follower = Follower(str(journal))
        history = follower.poll()
        app = FollowApp(follower, history)
        async with app.run_test(size=(100, 30)) as pilot:
            header = app.query_one(HeaderBar)
            await wait_for(
                pilot, lambda: "FOLLOWING (read-only)" in str(header.render()), "the header"
            )
            assert "WRITER GONE" not in str(header.render())
            driver.send_signal(signal.SIGKILL)
            driver.communicate(timeout=10)
            await wait_for(pilot, lambda: "WRITER GONE" in str(header.render()), "writer gone")
            assert "FOLLOWING (read-only) · WRITER GONE · Running: switch" in str(header.render())
            await pilot.press("q")
        follower.close()
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.communicate(timeout=10)
    gone = json.loads(golive("status", journal, "--json").stdout)
    assert gone["writer"] == GONE and gone["writer_text"] == "writer gone"


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="a read-only bind mount needs root (CI runs as root)")
def test_follow_reads_a_live_run_through_a_read_only_file_system(
    tmux: Tmux, tmp_path: Path
) -> None:
    """The follower sees the run on a read-only mount of the journal's folder (it writes
    nothing: it could not), takes no lock, and shows the run to its end."""
    live, read_only = tmp_path / "live", tmp_path / "ro"
    live.mkdir()
    read_only.mkdir()
    write_runbook(live, STEPS.replace("sleep 0.05", "sleep 0.2"))
    journal = live / "run.jsonl"
    driver = spawn("run", live / "rb.toml", "--rehearsal", "--yes", "--console",
                   "--journal", journal)  # fmt: skip
    try:
        wait_until(journal.exists, what="the journal")
        # A private mount namespace: the read-only mount goes with the follower.
        script = (
            'mount --bind "$1" "$2" && mount -o remount,ro,bind "$2" && touch "$2/probe" '
            '2>/dev/null && echo WRITABLE; echo $$ > "$3"; exec "$4" -m golive follow "$2/run.jsonl"'
        )
        pid_file = tmp_path / "follower.pid"
        command = shlex.join(["unshare", "-m", "--propagation", "private", "sh", "-c", script,
                              "sh", str(live), str(read_only), str(pid_file), sys.executable])  # fmt: skip
        tmux.start(tmp_path, {"LANG": "C.UTF-8"}, command + "; sleep 60", (100, 30))
        screen = tmux.wait("FOLLOWING")
        assert "WRITABLE" not in screen
        pid = int(pid_file.read_text())
        assert not [row_ for row_ in Path("/proc/locks").read_text().splitlines()
                    if f" {pid} " in row_], "the follower holds a lock"  # fmt: skip
        tmux.wait(row("✔", "copy"))
        screen = tmux.wait("COMPLETED")
        assert driver.wait(timeout=60) == 0
        assert row("✔", "switch")(screen) and "prepare" in screen
        assert not (live / "probe").exists()
    finally:
        if driver.poll() is None:
            driver.kill()
        driver.communicate(timeout=10)
    # Nothing but the driver ever wrote the journal: its chain and seal hold.
    assert golive("verify", journal).returncode == 0


async def test_the_compact_follower_says_the_same_facts_as_status(finished_journal: Path) -> None:
    follower = Follower(str(finished_journal))
    app = FollowApp(follower, follower.poll(), compact=True)
    async with app.run_test(size=(60, 10)) as pilot:
        pane = app.query_one("#compact", Static)
        await wait_for(pilot, lambda: "COMPLETED" in str(pane.render()), "the compact pane")
        lines = str(pane.render()).splitlines()
    follower.close()
    assert lines[0] == "FOLLOWING (read-only)"
    assert lines[1:] == golive("status", finished_journal).stdout.splitlines()


def documented_fields(value: object, prefix: str = "") -> set[str]:
    """Every field path of a status document: `rollback.to`, `running[].step`."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            path = f"{prefix}.{key}" if prefix else key
            found |= {path} | documented_fields(inner, path)
    elif isinstance(value, list):
        for inner in value:
            found |= documented_fields(inner, f"{prefix}[]")
    return found


@pytest.mark.slow  # runs golive end to end (the fast lane stays under a minute)
def test_every_status_field_is_documented(tmp_path: Path) -> None:
    """A run with something running, waiting and an unhappy host: every field there is.
    (A finished rehearsal's journal, cut where its gate started.)"""
    write_runbook(
        tmp_path, STEPS.replace('run = "echo switched"', 'kind = "gate"\ninstructions = "go?"')
    )
    whole = tmp_path / "whole.jsonl"
    result = golive("run", tmp_path / "rb.toml", "--rehearsal", "--yes", "--console",
                    "--journal", whole)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    lines = whole.read_text().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if '"step_started"' in line and '"switch"' in line)
    journal = tmp_path / "run.jsonl"
    journal.write_text("".join(lines[: cut + 1]))
    follower = Follower(str(journal))
    follower.poll()
    follower.hosts.apply({"type": ev.ALERT, "m": 1.0, "host": "box", "metric": "cpu",
                          "status": "raised"})  # fmt: skip
    followed = follower.followed(now())
    assert followed is not None and follower.runbook is not None
    document = run_status(follower.runbook, followed).to_json()
    follower.close()
    text = (Path(__file__).resolve().parent.parent / "docs" / "status-schema.md").read_text()
    fields = documented_fields(document)
    assert "running[].step" in fields or "waiting[].step" in fields, document
    assert "hosts.unhappy[].alerts" in fields, document
    missing = sorted(f for f in fields if f"`{f}`" not in text)
    assert not missing, f"not in docs/status-schema.md: {missing}"


@pytest.mark.slow
def test_follow_over_ssh_in_a_real_terminal(
    tmux: Tmux, sshd: SshServer, finished_journal: Path, tmp_path: Path
) -> None:
    """`ssh -t HOST golive follow J`: the screen is drawn through the SSH session's terminal."""
    remote = shlex.join([sys.executable, "-m", "golive", "follow", str(finished_journal)])
    command = shlex.join(sshd.ssh_argv(command=remote, options=["RequestTTY=force"]))
    tmux.start(tmp_path, {"LANG": "C.UTF-8"}, f"{command}; echo ssh exited $?; sleep 60", (100, 30))
    screen = tmux.wait("FOLLOWING (read-only)")
    tmux.wait(row("✔", "switch"))
    assert "COMPLETED" in tmux.wait("COMPLETED") and "prepare" in screen
    tmux.keys("q")
    tmux.wait("ssh exited 0")


@pytest.mark.slow  # runs golive end to end (the fast lane stays under a minute)
# -- journals that are not what a follower expects --------------------------------------
def test_a_torn_line_cut_back_by_a_resume_is_read_whole_again(
    tmp_path: Path, finished_journal: Path
) -> None:
    """A resumed writer cuts a torn last line back in place and writes on from there."""
    lines = finished_journal.read_bytes().split(b"\n")[:-1]
    growing = tmp_path / "growing.jsonl"
    growing.write_bytes(b"\n".join(lines[:3]) + b"\n" + b'{"seq":3,"t":"torn by a cra')
    follower = Follower(str(growing))
    assert len(follower.poll()) == 3 and follower.tail.torn
    with growing.open("r+b") as handle:  # as JournalWriter repairs it: truncate, append
        handle.truncate(len(b"\n".join(lines[:3]) + b"\n"))
        handle.seek(0, 2)
        handle.write(lines[3] + b"\n" + lines[4] + b"\n")
    assert [e["seq"] for e in follower.poll()] == [3, 4]
    assert follower.tail.problem is None and not follower.tail.torn
    followed = follower.followed(now())
    assert followed is not None and followed.writer != "replaced"
    follower.close()


@pytest.mark.slow  # runs golive end to end (the fast lane stays under a minute)
@pytest.mark.parametrize(
    "line",
    [
        b'{"seq":3,"t":"2026-11-28T22:00:00+00:00","m":NaN,"type":"note","text":"x"}',
        b'{"seq":3,"t":"2026-11-28T22:00:00+00:00","m":1e400,"type":"note","text":"x"}',
        b'{"seq":3,"t":"2026-11-28T22:00:00+00:00","m":1,"type":"sample","host":"box","cpu":'
        + b"9" * 400
        + b"}",
        b"[" * 200_000,
    ],
    ids=["nan", "infinity", "huge-int", "deep"],
)
def test_numbers_no_journal_holds_are_left_out_and_said(
    tmp_path: Path, finished_journal: Path, line: bytes
) -> None:
    lines = finished_journal.read_bytes().split(b"\n")[:-1]
    journal = tmp_path / "odd.jsonl"
    journal.write_bytes(b"\n".join([*lines[:3], line, *lines[3:]]) + b"\n")
    shown = golive("status", journal, "--json")
    assert shown.returncode == 0 and "Traceback" not in shown.stderr, shown.stderr
    status = json.loads(shown.stdout)
    assert status["journal_problem"].startswith("line 4: not JSON a journal holds")
    assert status["outcome"] == "completed"
    assert "journal: skipped line 4" in golive("status", journal).stdout


@pytest.mark.slow  # runs golive end to end (the fast lane stays under a minute)
def test_a_fifo_or_a_device_is_not_a_journal(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        result = golive("status", path, timeout=20)
        assert result.returncode == 2 and "not a journal file" in result.stderr, result.stderr


@pytest.mark.slow  # runs golive end to end (the fast lane stays under a minute)
def test_times_no_run_has_are_a_sentence(tmp_path: Path, finished_journal: Path) -> None:
    first, *rest = finished_journal.read_text().splitlines(keepends=True)
    started = json.loads(first)
    for change in ({"t": started["t"][:19]}, {"window": {**started["window"],
                                                         "start": "0001-01-01T00:00:00+00:00"}}):  # fmt: skip
        journal = tmp_path / "odd.jsonl"
        journal.write_text(json.dumps({**started, **change}) + "\n" + "".join(rest))
        result = golive("status", journal)
        # Shown as far as it can be, or one sentence: never a traceback.
        assert "Traceback" not in result.stderr, result.stderr
        assert result.returncode == 0 or (
            result.returncode == 2 and "cannot be shown from this journal" in result.stderr
        ), result.stdout + result.stderr


async def test_hosts_the_runbook_does_not_name_do_not_break_the_screen(
    tmp_path: Path, finished_journal: Path
) -> None:
    lines = finished_journal.read_text().splitlines()
    stranger = {"seq": 99, "t": json.loads(lines[-1])["t"], "m": 1.0, "type": "host_state",
                "host": "zz", "state": "DOWN", "reason": "x"}  # fmt: skip
    journal = tmp_path / "odd.jsonl"
    journal.write_text("\n".join([*lines[:-1], json.dumps(stranger), lines[-1]]) + "\n")
    follower = Follower(str(journal))
    app = FollowApp(follower, follower.poll())
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: "COMPLETED" in str(app.query_one(HeaderBar).render()),
                       "the screen")  # fmt: skip
        await pilot.press("q")
    follower.close()


async def test_a_follower_that_cannot_read_on_says_so_for_good(
    tmp_path: Path, finished_journal: Path
) -> None:
    lines = finished_journal.read_text().splitlines(keepends=True)
    journal = tmp_path / "growing.jsonl"
    journal.write_text("".join(lines[:4]))
    follower = Follower(str(journal))
    app = FollowApp(follower, follower.poll())
    async with app.run_test(size=(100, 30)) as pilot:
        header = app.query_one(HeaderBar)
        await wait_for(pilot, lambda: "FOLLOWING" in str(header.render()), "the screen")
        last = json.loads(lines[3])
        with journal.open("a") as handle:  # an event whose time no clock can show
            handle.write(json.dumps({**last, "seq": 4, "m": 1e300}) + "\n")
        await wait_for(pilot, lambda: "STOPPED READING" in str(header.render()), "stopped")
    follower.close()


@pytest.mark.slow
def test_a_runbook_changed_at_a_resume_is_followed_too(
    tmp_path: Path, killed_groups: list[Path]
) -> None:
    pg = tmp_path / "pg"
    killed_groups.append(pg)
    write_runbook(
        tmp_path, STEPS.replace('run = "echo switched"', f'run = "echo $$ > {pg}; sleep 60"')
    )
    journal = tmp_path / "run.jsonl"
    driver = spawn("run", tmp_path / "rb.toml", "--rehearsal", "--yes", "--journal", journal)
    try:
        wait_until(pg.exists, what="the long step")
    finally:
        driver.send_signal(signal.SIGKILL)
        driver.communicate(timeout=10)
    with (tmp_path / "rb.toml").open("a") as handle:
        handle.write('\n[[steps]]\nid = "verify-all"\nrun = "echo verified"\nduration = "1h"\n')
    resumed = golive("resume", journal, "--accept-changed-runbook", "--interrupted", "done",
                     "--yes", "--console")  # fmt: skip
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    status = json.loads(golive("status", journal, "--json").stdout)
    assert status["steps"] == {"done": 4, "total": 4} and status["runbook_note"] is None
