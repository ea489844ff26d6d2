"""The live monitor against a real sshd on loopback: metrics, logs, faults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from golive.core.clock import SystemClock
from golive.core.events import Event
from golive.core.hostwatch import HostSnapshot, HostState
from golive.core.loader import load_runbook
from golive.core.runbook import Runbook
from golive.io.journal import JournalWriter, verify_journal
from golive.io.monitor import Monitor, message_levels
from golive.io.ssh import SshPool
from tests.helpers import events, golive, wait_until

pytestmark = pytest.mark.slow  # real servers, terminals or processes: not in the fast lane


def monitored_runbook(
    tmp_path: Path, server: Any, interval: str = "0.5s", logs: list[str] | None = None
) -> Runbook:
    address, port = server.hosts[0]
    log_list = ", ".join(f'"{p}"' for p in logs or [])
    text = f"""
[runbook]
name = "watch"
known_hosts = "{server.known_hosts}"
[hosts.db1]
address = "{address}"
port = {port}
user = "{server.user}"
identity_file = "{server.identity_file}"
logs = [{log_list}]
[monitor]
interval = "{interval}"
cpu_warn = 99
errors_warn = "3/min"
[[steps]]
id = "a"
run = "true"
"""
    path = tmp_path / "watch.toml"
    path.write_text(text)
    result = load_runbook(str(path))
    assert result.runbook is not None, result.diagnostics
    return result.runbook


class Watching:
    """A running Monitor that journals its events and keeps its latest snapshot."""

    def __init__(self, runbook: Runbook, journal: Path, heartbeat_every: float = 1.0) -> None:
        self.writer = JournalWriter(str(journal), SystemClock())
        self.latest: HostSnapshot | None = None
        self.cpu: list[tuple[float, float]] = []
        self.pool = SshPool(known_hosts=runbook.known_hosts_path, heartbeat_every=heartbeat_every)
        self._lock = threading.Lock()
        self.monitor = Monitor(runbook, self.pool, message_levels, self._events, self._snapshots)

    def _events(self, batch: list[Event]) -> None:
        for e in batch:
            self.writer.append(e)
            if e["type"] == "sample" and e.get("cpu") is not None:
                with self._lock:
                    self.cpu.append((time.monotonic(), e["cpu"]))

    def _snapshots(self, snapshots: tuple[HostSnapshot, ...]) -> None:
        self.latest = snapshots[0]

    def state(self) -> HostState | None:
        return self.latest.state if self.latest else None

    def __enter__(self) -> Watching:
        self.monitor.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.monitor.stop()
        self.pool.close()
        self.writer.close()


def test_the_monitor_sees_a_cpu_burn_as_psutil_does(tmp_path: Path, sshd: Any) -> None:
    runbook = monitored_runbook(tmp_path, sshd, interval="1s")
    with Watching(runbook, tmp_path / "j.jsonl") as watching:
        wait_until(
            lambda: watching.state() is HostState.LIVE and len(watching.cpu) >= 2,
            what="first samples",
        )
        burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
        try:
            time.sleep(1.0)
            start = time.monotonic()
            reference = psutil.cpu_percent(interval=5.0)
            end = time.monotonic()
            time.sleep(1.2)  # let the sample that closes the window arrive
        finally:
            for burner in burners:
                burner.kill()
        with watching._lock:
            window = [cpu for at, cpu in watching.cpu if start + 0.5 <= at <= end + 1.0]
    assert len(window) >= 4
    seen = sum(window) / len(window)
    assert seen > 60, window  # two busy processes on this two-core machine
    assert abs(seen - reference) <= 10, (seen, reference, window)


def test_error_lines_are_counted_across_a_log_rotation(tmp_path: Path, sshd: Any) -> None:
    log = tmp_path / "app.log"
    log.write_text("2026-11-22 02:00:00 ERROR before the monitor started: not counted\n")
    runbook = monitored_runbook(tmp_path, sshd, logs=[str(log)])
    with Watching(runbook, tmp_path / "j.jsonl") as watching:
        wait_until(lambda: watching.state() is HostState.LIVE, what="LIVE")
        time.sleep(1.0)  # tail -n0 -F is running
        with log.open("a") as handle:
            handle.write("2026-11-22 02:00:01 ERROR payment gateway timeout\n")
            handle.write(
                "java.net.SocketTimeoutException: Read timed out\n\tat com.shop.Pay.call(Pay.java:42)\n"
            )
            handle.write("2026-11-22 02:00:02 INFO parity error corrected\n")
        log.rename(tmp_path / "app.log.1")  # logrotate: mv, then a new file
        log.write_text(
            "2026-11-22 02:00:03 ERROR after rotation\n2026-11-22 02:00:04 WARN slow query\n"
        )
        wait_until(
            lambda: watching.latest is not None and watching.latest.errors_per_min >= 2,
            timeout=15,
            what="both errors",
        )
        time.sleep(1.0)
        snapshot = watching.latest
    assert snapshot is not None
    assert snapshot.errors_per_min == 2 and snapshot.warnings_per_min == 1
    assert snapshot.last_errors == (
        "2026-11-22 02:00:01 ERROR payment gateway timeout",
        "2026-11-22 02:00:03 ERROR after rotation",
    )


def test_a_frozen_killed_and_restarted_sshd_is_stale_down_and_live_again(
    tmp_path: Path, sshd: Any
) -> None:
    runbook = monitored_runbook(tmp_path, sshd, interval="0.5s")
    journal = tmp_path / "j.jsonl"
    with Watching(runbook, journal, heartbeat_every=60) as watching:
        wait_until(
            lambda: (
                watching.state() is HostState.LIVE
                and watching.latest is not None
                and watching.latest.metrics is not None
            ),
            what="LIVE with a first sample",
        )
        sshd.stop()
        wait_until(lambda: watching.state() is HostState.STALE, timeout=10, what="STALE")
        stale = watching.latest
        assert (
            stale is not None and stale.metrics is not None and stale.age is not None
        )  # old values stay
        sshd.kill()
        wait_until(lambda: watching.state() is HostState.DOWN, timeout=10, what="DOWN")
        sshd.restart()
        wait_until(lambda: watching.state() is HostState.LIVE, timeout=30, what="LIVE again")
    states = [e["state"] for e in events(journal) if e["type"] == "host_state"]
    assert states[:4] == ["LIVE", "STALE", "DOWN", "RECONNECTING"]
    # STALE comes from silence, by the journal's own clock: not before 3 intervals of it.
    recorded = events(journal)
    stale_at = next(e["m"] for e in recorded if e["type"] == "host_state" and e["state"] == "STALE")
    last_sample = max(e["m"] for e in recorded if e["type"] == "sample" and e["m"] < stale_at)
    assert stale_at - last_sample > 3 * 0.5
    assert states[-1] == "LIVE"
    alerts = [(e["metric"], e["status"]) for e in events(journal) if e["type"] == "alert"]
    assert ("down", "raised") in alerts and alerts[-1] == ("down", "cleared")
    assert verify_journal(str(journal)).ok


def test_a_heartbeat_finds_a_frozen_connection_dead(tmp_path: Path, sshd: Any) -> None:
    """paramiko's keepalive never notices a frozen server; golive's heartbeat does."""
    runbook = monitored_runbook(tmp_path, sshd, interval="0.5s")
    journal = tmp_path / "j.jsonl"
    with Watching(runbook, journal, heartbeat_every=60) as watching:
        wait_until(lambda: watching.state() is HostState.LIVE, what="LIVE")
        [connection] = watching.pool._connections.values()
        assert connection.heartbeat(timeout=2.0)  # a live server answers
        sshd.stop()
        try:
            assert not connection.heartbeat(timeout=2.0)
            assert not connection.alive
            wait_until(
                lambda: any(
                    e["type"] == "host_state" and e["state"] == "DOWN" for e in events(journal)
                ),
                timeout=10,
                what="DOWN in the journal",
            )
        finally:
            sshd.cont()
    [down] = [e for e in events(journal) if e["type"] == "host_state" and e["state"] == "DOWN"][:1]
    assert down["reason"] == "no heartbeat answer within 2s"


def test_golive_monitor_prints_json_lines_and_records_a_baseline(tmp_path: Path, sshd: Any) -> None:
    runbook = monitored_runbook(tmp_path, sshd, interval="0.5s")
    baseline = tmp_path / "baseline.jsonl"
    home = tmp_path / "home"
    home.mkdir()
    result = golive(
        "monitor",
        runbook.path,
        "--json",
        "--duration",
        "3s",
        "--record",
        baseline,
        env={"HOME": str(home), "SSH_AUTH_SOCK": ""},
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines and {line["host"] for line in lines} == {"db1"}
    assert lines[-1]["state"] == "LIVE" and lines[-1]["cpu"] is not None
    recorded = events(baseline)
    assert recorded[0]["type"] == "monitor_started" and recorded[0]["baseline"] is True
    assert any(e["type"] == "sample" for e in recorded)
    assert os.stat(baseline).st_mode & 0o077 == 0
    # The baseline names its writer and ends with monitor_finished, which seals it.
    assert isinstance(recorded[0]["pid"], int) and recorded[0]["machine"]
    assert recorded[-1]["type"] == "monitor_finished" and recorded[-1]["seal"]["alg"] == "sha256"
    assert f"baseline recorded: {baseline} (head " in result.stderr
    verified = golive("verify", baseline, env={"HOME": str(home)})
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "unkeyed: anyone who can write this file could rewrite it" in verified.stdout


def test_a_local_host_is_sampled_with_psutil_and_its_log_followed(tmp_path: Path) -> None:
    log = tmp_path / "local.log"
    log.write_text("2026-11-22 02:00:00 ERROR old news\n")
    path = tmp_path / "local.toml"
    path.write_text(
        f'[runbook]\nname = "l"\n[hosts.me]\nlocal = true\nlogs = ["{log}"]\n[monitor]\ninterval = "0.5s"\n'
        '[[steps]]\nid = "a"\nrun = "true"\n'
    )
    runbook = load_runbook(str(path)).runbook
    assert runbook is not None
    with Watching(runbook, tmp_path / "j.jsonl") as watching:
        wait_until(
            lambda: watching.state() is HostState.LIVE and len(watching.cpu) >= 1, what="LIVE"
        )
        with log.open("a") as handle:
            handle.write(
                '2026-11-22 02:00:01 ERROR local disk full\nTraceback (most recent call last):\n  File "x"\n'
            )
        log.rename(tmp_path / "local.log.1")
        log.write_text("2026-11-22 02:00:02 WARNING after rotation\n")
        wait_until(
            lambda: watching.latest is not None and watching.latest.warnings_per_min == 1,
            timeout=10,
            what="the warning",
        )
        snapshot = watching.latest
    assert snapshot is not None and snapshot.metrics is not None
    assert snapshot.errors_per_min == 1 and snapshot.last_errors == (
        "2026-11-22 02:00:01 ERROR local disk full",
    )
    assert abs(snapshot.metrics.mem - psutil.virtual_memory().percent) < 5  # type: ignore[operator]


def test_a_channel_failing_in_an_unforeseen_way_loses_that_host_not_the_monitor(
    tmp_path: Path, sshd: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    runbook = monitored_runbook(tmp_path, sshd, interval="0.5s")
    journal = tmp_path / "j.jsonl"
    with Watching(runbook, journal, heartbeat_every=60) as watching:
        wait_until(lambda: watching.state() is HostState.LIVE, what="LIVE")
        [link] = watching.monitor._links.values()
        channel = link.streams[0].channel

        def broken(size: int) -> bytes:
            raise RuntimeError("a failure nobody foresaw")

        channel.recv = broken  # the sampler's next line reaches it
        wait_until(
            lambda: any(
                e["type"] == "host_state" and e["state"] == "DOWN" for e in events(journal)
            ),
            timeout=10,
            what="DOWN in the journal",
        )
        wait_until(lambda: watching.state() is HostState.LIVE, timeout=30, what="LIVE again")
        assert watching.monitor._thread.is_alive()
    [down] = [e for e in events(journal) if e["type"] == "host_state" and e["state"] == "DOWN"][:1]
    assert "RuntimeError: a failure nobody foresaw" in down["reason"]
    assert "Traceback" not in capfd.readouterr().err


def test_an_error_burst_raises_one_sustained_alert_with_its_numbers(
    tmp_path: Path, sshd: Any
) -> None:
    """Over real SSH: a burst of ERROR lines in an HDFS-shaped log (a shape the known
    patterns do not read: the host's log teaches it) raises one errors alert, only once
    the rate has held over 3/min for 3 intervals, and the event says what decided it."""
    log = tmp_path / "hdfs.log"
    log.write_text("")
    runbook = monitored_runbook(tmp_path, sshd, logs=[str(log)])
    journal = tmp_path / "j.jsonl"
    with Watching(runbook, journal) as watching:
        wait_until(lambda: watching.state() is HostState.LIVE, what="LIVE")
        time.sleep(1.0)  # tail -n0 -F is running
        with log.open("a") as handle:
            for n in range(3):
                handle.write(f"081109 20361{n} 148 INFO dfs.DataNode: block {n} received\n")
            handle.flush()
            time.sleep(0.5)
            for n in range(12):
                handle.write(f"081109 20362{n % 10} 148 ERROR dfs.DataNode: write to blk_{n}\n")
        wait_until(
            lambda: any(e["type"] == "alert" and e["metric"] == "errors" for e in events(journal)),
            timeout=20,
            what="an errors alert",
        )
        time.sleep(2.0)  # more intervals of the same burst: no second alert
    alerts = [e for e in events(journal) if e["type"] == "alert" and e["metric"] == "errors"]
    assert [a["status"] for a in alerts] == ["raised"], alerts
    (raised,) = alerts
    assert raised["rule"] == "errors > 3 for 1.5s; clears at or below 2.85 for 1.5s"
    assert raised["values"]["samples"] >= 2 and raised["values"]["min"] > 3
    # Raised no sooner than 3 intervals after the rate first went over.
    first_error_rate = min(
        e["m"] for e in events(journal) if e["type"] == "sample" and e["errors_per_min"] > 3
    )
    assert raised["m"] >= first_error_rate + 1.5 - 0.5  # (samples are journaled per interval)
    assert verify_journal(str(journal)).ok


def test_a_streaming_connection_is_not_asked_for_heartbeats_an_idle_one_is(
    tmp_path: Path,
) -> None:
    """A monitored host's sampler proves the connection alive every interval, so the
    pool's heartbeat leaves it alone (the cost of fifty of them, README: Live
    monitoring); a connection nothing arrives on is still asked."""
    from golive.core.runbook import Host
    from tests.sshd import SshServer, require_sshd

    require_sshd()
    server = SshServer(tmp_path / "sshd", ["127.0.0.2"], log_level="DEBUG1")
    log = Path(server.log)

    def asked() -> int:
        return log.read_text(errors="replace").count("rtype keepalive@openssh.com")

    try:
        address, port = server.hosts[0]
        idle_pool = SshPool(known_hosts=str(server.known_hosts), heartbeat_every=0.3)
        try:
            idle_pool.connection(
                Host("idle", address=address, port=port, user=server.user,
                     identity_file=str(server.identity_file))
            )  # fmt: skip
            wait_until(lambda: asked() >= 2, timeout=15, what="heartbeats on the idle connection")
        finally:
            idle_pool.close()
        runbook = monitored_runbook(tmp_path, server, interval="0.5s")
        with Watching(runbook, tmp_path / "j.jsonl", heartbeat_every=0.3) as watching:
            wait_until(lambda: watching.state() is HostState.LIVE, what="LIVE")
            before = asked()
            time.sleep(3.0)  # ten heartbeat rounds
            assert watching.state() is HostState.LIVE
            assert asked() == before
    finally:
        server.close()
