"""Host states, per-minute counts and alert edges (pure logic)."""

from __future__ import annotations

from pathlib import Path

from golive.core.events import ALERT, HOST_STATE, SAMPLE
from golive.core.hostwatch import HostState, HostWatch, Metrics, Thresholds
from golive.core.loader import load_runbook
from golive.core.runbook import HostThresholds


def kinds(events: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [(e["type"], e.get("state") or e.get("metric"), e.get("status")) for e in events]


def test_states_follow_connection_samples_and_silence() -> None:
    watch = HostWatch("db1", interval=2.0)
    assert watch.state is HostState.CONNECTING
    assert kinds(watch.connected(0.0)) == [(HOST_STATE, "LIVE", None)]
    watch.sample(Metrics(10, 20, 0.5, 30), 1.0)
    assert watch.tick(6.9) == []  # 5.9 s of silence: under 3 intervals
    assert kinds(watch.tick(7.1)) == [(HOST_STATE, "STALE", None)]
    snapshot = watch.snapshot(9.0)
    assert snapshot.state is HostState.STALE and snapshot.metrics == Metrics(10, 20, 0.5, 30)
    assert snapshot.age == 8.0  # old values stay, with their age
    events = watch.lost("connection reset", 10.0)
    assert kinds(events) == [(HOST_STATE, "DOWN", None), (ALERT, "down", "raised")]
    assert kinds(watch.connecting(11.0, again=True)) == [(HOST_STATE, "RECONNECTING", None)]
    events = watch.sample(Metrics(11, 21, 0.4, 30), 12.0)
    assert (HOST_STATE, "LIVE", None) in kinds(events) and (ALERT, "down", "cleared") in kinds(
        events
    )


def alerts(events: list[dict[str, object]]) -> list[dict[str, object]]:
    return [e for e in events if e["type"] == ALERT]


def test_threshold_alerts_are_sustained_raised_once_and_cleared_once() -> None:
    """At a 1 s interval a value must hold 3 s over the threshold to raise, and 3 s
    under the clear line (5% below it) to clear; the events say what decided them."""
    watch = HostWatch("app1", interval=1.0, thresholds=Thresholds(cpu=80, mem=90, errors_per_min=2))
    watch.connected(0)
    assert alerts(watch.sample(Metrics(50, 50, 1, 1), 1)) == []
    assert alerts(watch.sample(Metrics(95, 50, 1, 1), 2)) == []  # one busy sample: nothing
    assert alerts(watch.sample(Metrics(96, 50, 1, 1), 3)) == []
    assert alerts(watch.sample(Metrics(97, 50, 1, 1), 4)) == []
    (raised,) = alerts(watch.sample(Metrics(98, 50, 1, 1), 5))
    assert (raised["metric"], raised["status"], raised["value"], raised["threshold"]) == (
        "cpu", "raised", 98, 80
    )  # fmt: skip
    assert raised["values"] == {"min": 95, "mean": 96.5, "max": 98, "samples": 4}
    assert raised["rule"] == "cpu >= 80 for 3s; clears below 76 for 3s"
    assert watch.snapshot(5).alerts == ("cpu",)
    for t, cpu in ((6, 78), (7, 79), (8, 77), (9, 78)):  # under 80, not under 76: raised
        assert alerts(watch.sample(Metrics(cpu, 50, 1, 1), t)) == []
    for t in (10, 11, 12):
        assert alerts(watch.sample(Metrics(40, 50, 1, 1), t)) == []
    assert kinds(alerts(watch.sample(Metrics(40, 50, 1, 1), 13))) == [(ALERT, "cpu", "cleared")]
    assert watch.snapshot(13).alerts == ()


def test_error_rate_counts_messages_per_minute_and_clears_as_time_passes() -> None:
    watch = HostWatch("app1", interval=1.0, thresholds=Thresholds(errors_per_min=2))
    watch.connected(0)
    assert watch.log_line("error", "E1", 600.0) == []
    assert watch.log_line("info", "fine", 601.0) == []
    assert watch.log_line("critical", "E2", 602.0) == []
    assert watch.log_line("error", "E3", 603.0) == []  # over 2/min from here: not yet 3 s
    assert alerts(watch.tick(605.0)) == []  # (the host is STALE by now: no samples)
    events = alerts(watch.tick(606.0))
    assert kinds(events) == [(ALERT, "errors", "raised")] and events[0]["value"] == 3
    snapshot = watch.snapshot(606.0)
    assert snapshot.errors_per_min == 3 and snapshot.last_errors == ("E1", "E2", "E3")
    assert snapshot.levels_this_minute == {"error": 2, "info": 1, "critical": 1}
    # Two minutes later the rate is back to zero; held under 1.9 for 3 s, it clears.
    assert alerts(watch.tick(725.0)) == []
    assert kinds(alerts(watch.tick(728.0))) == [(ALERT, "errors", "cleared")]


def test_samples_are_journaled_at_most_once_per_interval() -> None:
    watch = HostWatch("h", interval=2.0)
    watch.connected(0)
    journaled = [
        t
        for t in (1.0, 1.5, 2.0, 3.0, 3.2, 5.1)
        if any(e["type"] == SAMPLE for e in watch.sample(Metrics(1, 1, 1, 1), t))
    ]
    assert journaled == [1.0, 3.0, 5.1]


def test_thresholds_per_group_and_per_host(tmp_path: Path) -> None:
    """A host's own thresholds win, then its group's, then the runbook's [monitor]."""
    path = tmp_path / "erp.toml"
    path.write_text(
        """
[runbook]
name = "erp"
[hosts.db1]
address = "10.0.0.11"
groups = ["db"]
[hosts.db2]
address = "10.0.0.12"
groups = ["db"]
[hosts.app1]
address = "10.0.0.21"
groups = ["app"]
[monitor]
cpu_warn = 80
errors_warn = "5/min"
[monitor.groups.db]
mem_warn = 97
[monitor.hosts.db2]
mem_warn = 99
errors_warn = "20/min"
[[steps]]
id = "a"
run = "true"
"""
    )
    loaded = load_runbook(str(path))
    assert loaded.runbook is not None, loaded.diagnostics
    monitor, hosts = loaded.runbook.monitor, loaded.runbook.hosts
    assert monitor.thresholds_for(hosts["db1"]) == HostThresholds(80, 97, 5)
    assert monitor.thresholds_for(hosts["db2"]) == HostThresholds(80, 99, 20)
    assert monitor.thresholds_for(hosts["app1"]) == HostThresholds(80, 90, 5)


def test_the_error_history_has_one_bar_per_minute_for_the_last_thirty() -> None:
    watch = HostWatch("app1", interval=1.0)
    watch.connected(0.0)
    logged = {0: 2, 5: 1, 12: 4, 40: 3}  # minute: error messages in it
    for minute, count in logged.items():
        for i in range(count):
            watch.log_line("error", f"boom {i}", minute * 60 + 1.0 + i)
        watch.log_line("warning", "not an error", minute * 60 + 30.0)
    at_29 = watch.snapshot(29 * 60 + 5.0).error_history
    assert len(at_29) == 30
    assert at_29 == tuple(logged.get(m, 0) for m in range(30))
    at_42 = watch.snapshot(42 * 60 + 5.0).error_history  # minutes 13..42: 0, 5 and 12 gone
    assert at_42 == tuple(logged.get(m, 0) for m in range(13, 43))
    # A clock behind the later minutes (a fake one) shows only what is in its window.
    assert watch.snapshot(0.5).error_history == (0,) * 29 + (2,)
