"""What the run screen and the review say, in words an engineer on call reads at 3 a.m.:
no Python reprs, no None, no raw status values, keys as the footer shows them, and an
events pane that a flapping monitor cannot flood.

The events are real-shaped: the monitor's own HostWatch makes the alerts and host states,
and the journal's envelope (seq, t, m) is added as the journal adds it. The screens run
under Pilot on the snapshot tests' scenes (a frozen clock, an inert driver: nothing runs).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Label

from golive.core import events as ev
from golive.core.alerts import AlertRule
from golive.core.engine import QuestionKind
from golive.core.events import Event, event
from golive.core.hostwatch import HostSnapshot, HostState, HostWatch, Metrics, Thresholds
from golive.core.state import Status
from golive.io.recorded import load_record
from golive.session.view import build_view
from golive.tui.app import GoliveApp
from golive.tui.event_lines import COALESCE_SECONDS, EventLines
from golive.tui.event_text import alert_words, describe, levels_text, status_word
from golive.tui.messages import ViewChanged
from golive.tui.review_app import ReviewApp
from golive.tui.screens.dialogs import HostScreen, host_lines, host_title
from golive.tui.screens.help import HelpScreen, help_lines, key_text
from golive.tui.screens.review import ReviewScreen
from golive.tui.screens.run import RunScreen, undo_shown
from golive.tui.widgets.cursor_list import CursorList
from golive.tui.widgets.events_pane import EventsPane
from golive.tui.widgets.hosts_table import HostsTable, state_label
from tests.test_tui_snapshots import HOSTS, Scene, make_scene

START = datetime(2026, 11, 28, 22, 0, 5, tzinfo=UTC)
REPR = re.compile(r"\{'|None|_[a-z]|\b(raised|cleared) \(value")  # what must never show


def journaled(events: Iterable[Event], m: float) -> list[Event]:
    """Events as the journal writes them: with seq, the wall time t and the offset m."""
    return [
        {"seq": i, "t": (START + timedelta(seconds=m)).isoformat(timespec="milliseconds"), "m": m}
        | e
        for i, e in enumerate(events)
    ]


class Monitor:
    """One host's HostWatch, fed as golive.io.monitor feeds it, on a clock the test moves."""

    def __init__(self, host: str = "app2") -> None:
        # Alerts at once, never quiet: the screen must stay readable whatever the
        # monitor sends (its own rules sustain and quieten them: tests/test_alerts.py).
        instant = {
            metric: AlertRule(metric, threshold, 0, 0, 0, flap_raises=10**6, strict=strict)
            for metric, threshold, strict in (("cpu", 85.0, False), ("errors", 5.0, True))
        }
        self.watch = HostWatch(
            host, interval=2.0, thresholds=Thresholds(errors_per_min=5.0), rules=instant
        )
        self.now = 0.0
        self.watch.connected(self.now)

    def at(self, now: float, made: list[Event]) -> list[Event]:
        self.now = now
        return journaled(made, now)

    def errors(self, now: float, count: int) -> list[Event]:
        """`count` ERROR lines at `now`: the error rate goes over the threshold."""
        made: list[Event] = []
        for i in range(count):
            made += self.watch.log_line("error", f"ERROR boom {i}", now)
        return self.at(now, made)

    def calm(self, now: float) -> list[Event]:
        """Time passes: the error rate falls back under its threshold, once it does."""
        return self.at(now, self.watch.tick(now))

    def cpu(self, now: float, percent: float) -> list[Event]:
        """A sample with this CPU %: over 85 % raises the cpu alert, under it clears it."""
        return self.at(now, self.watch.sample(Metrics(percent, 40.0, 0.5, 30.0), now))

    def lost(self, now: float) -> list[Event]:
        return self.at(now, self.watch.lost("connection reset by peer", now))

    def back(self, now: float) -> list[Event]:
        made = self.watch.connecting(now, again=True) + self.watch.connected(now)
        return self.at(now, made + self.watch.sample(Metrics(20.0, 40.0, 0.5, 30.0), now))


def alerts(events: list[Event]) -> list[Event]:
    return [e for e in events if e["type"] == ev.ALERT]


# -- 1. the words ----------------------------------------------------------------------
def test_a_host_down_alert_says_down_and_back_up_never_none() -> None:
    monitor = Monitor()
    down = alerts(monitor.lost(10.0))
    up = alerts(monitor.back(12.0))
    assert [(e["metric"], e["status"], e["value"], e["threshold"]) for e in down + up] == [
        ("down", "raised", None, None),
        ("down", "cleared", None, None),
    ]
    assert describe(down[0]) == "⚠ app2 DOWN"
    assert describe(up[0]) == "✓ app2 back up"
    # golive monitor's console line (host: detail) says the same.
    assert alert_words("down", True, None, None) == "DOWN"
    assert alert_words("down", False, None, None) == "back up"


def test_an_error_alert_says_the_rate_and_its_threshold() -> None:
    monitor = Monitor()
    raised = alerts(monitor.errors(30.0, 6))
    assert len(raised) == 1 and raised[0]["threshold"] == 5.0
    assert describe(raised[0]) == "⚠ app2 errors 6/min (threshold 5/min)"
    cleared = alerts(monitor.calm(150.0))
    assert describe(cleared[0]) == "✓ app2 errors back to 0/min"
    cpu = journaled([event(ev.ALERT, host="db1", metric="cpu", status="raised", value=92.4,
                           threshold=85.0)], 1.0)[0]  # fmt: skip
    assert describe(cpu) == "⚠ db1 CPU 92% (threshold 85%)"
    mem = cpu | {"metric": "mem", "status": "cleared", "value": 61.0, "threshold": 90.0}
    assert describe(mem) == "✓ db1 memory back to 61%"
    for e in (*raised, *cleared, cpu, mem):
        assert not REPR.search(describe(e)), describe(e)


def test_log_levels_are_counts_per_minute_not_a_dict() -> None:
    assert levels_text({"error": 1}) == "errors 1/min"
    assert levels_text({"info": 40, "warning": 3, "error": 12, "debug": 0}) == (
        "errors 12/min, warnings 3/min, info 40/min"
    )
    assert levels_text({}) == "no log messages"
    lines = host_lines(HOSTS[0])
    assert "log messages this minute: errors 12/min, warnings 3/min, info 40/min" in lines
    assert not any("{" in line or "levels this minute" in line for line in lines)


def test_state_words_are_words() -> None:
    assert status_word(Status.ROLLED_BACK) == "rolled back"
    assert status_word("rolled_back") == "rolled back"
    finished = journaled([event(ev.RUN_FINISHED, outcome="rolled_back", reason="no-go")], 9.0)
    assert describe(finished[0]) == "■ run rolled back: no-go"
    interrupted = event(ev.STEP_FINISHED, step="migrate", status="interrupted", reason="")
    assert describe(interrupted) == "↯ migrate interrupted"


@pytest.mark.parametrize("state", list(HostState))
def test_every_host_state_is_shown_whole_whatever_its_age(state: HostState) -> None:
    width = dict(HostsTable.COLUMNS)["state"]
    for age in (None, 0.4, 9, 47, 99.4, 100, 3599, 86400, 10**7):
        label = state_label(snapshot_of(HOSTS[2], state=state, age=age), width)
        assert len(label) <= width, (label, width)  # the table would cut it: "RECONNECTIN…"
        assert label.split()[0] == state.value
    assert state_label(snapshot_of(HOSTS[2], HostState.RECONNECTING, 12), width) == "RECONNECTING"
    assert state_label(snapshot_of(HOSTS[2], HostState.STALE, 47), width) == "STALE 47s"
    assert state_label(snapshot_of(HOSTS[2], HostState.DOWN, 754), width) == "DOWN 754s"
    assert state_label(snapshot_of(HOSTS[2], HostState.LIVE, 0.5), width) == "LIVE"
    # The host detail says how old a reconnecting host's figures are.
    reconnecting = snapshot_of(HOSTS[2], HostState.RECONNECTING, 75)
    assert host_title(replace(reconnecting, reason="")) == (
        "app2: RECONNECTING, last sample 75s ago"
    )


def snapshot_of(s: HostSnapshot, state: HostState, age: float | None) -> HostSnapshot:
    return replace(s, state=state, sampled_at=None if age is None else s.at - age)


def test_the_host_detail_shows_each_figure_with_its_range() -> None:
    db1 = HOSTS[0]  # cpu 22 .. 74, now 68; mem 61 .. 68; errors 0 .. 12 a minute, now 12
    lines = host_lines(db1)
    cpu = next(line for line in lines if line.startswith("CPU"))
    mem = next(line for line in lines if line.startswith("memory"))
    errors = next(line for line in lines if line.startswith("errors/min"))
    assert cpu.split()[-3:] == ["68%", "22%", "74%"] and "▂▂▃▄▅▅▆▅" in cpu
    assert mem.split()[-3:] == ["68%", "61%", "68%"]
    assert errors.split()[-3:] == ["12", "0", "12"]
    assert lines[0].split()[-3:] == ["now", "min", "max"]
    assert "load 3.41 · disk 71% · warnings 3/min" in lines
    # The numbers stand in one column, under their heading.
    assert len({len(line) for line in lines[:4]}) == 1  # right-aligned: they end together
    assert host_title(HOSTS[2]) == "app2: STALE, last sample 47s ago (no sample for 47s)"
    empty = replace(db1, metrics=None, cpu_history=(), mem_history=(), error_history=())
    assert all("None" not in line for line in host_lines(empty))


def test_keys_are_shown_as_the_footer_shows_them() -> None:
    app: App[None] = App()
    assert key_text(app, Binding("question_mark,h", "help", "Help")) == "? or h"
    assert key_text(app, Binding("ctrl+q", "quit", "Quit")) == "^q"
    assert key_text(app, Binding("shift+right", "scrub(10)", "Much later")) == "shift+→"
    assert key_text(app, Binding("left_square_bracket", "jump", "Prev")) == "["
    assert key_text(app, Binding("plus,equals_sign", "zoom", "In", key_display="+")) == "+"
    # A keymap (App.set_keymap, as golive run and golive review do) is what is bound.
    app.set_keymap({"app.help": "f1"})
    assert key_text(app, Binding("question_mark", "help", "Help", id="app.help")) == "f1"


def test_the_help_is_in_columns() -> None:
    rows = [("shift+→", "Much later", "review.much_later"), ("q", "Quit", "app.quit")]
    heading, *lines = help_lines(rows)
    assert heading.split() == ["key", "action", "binding", "id"]
    for line in (heading, *lines):
        assert line.index(line.split()[1]) == heading.index("action")
    assert lines[0].endswith("review.much_later") and lines[1].endswith("app.quit")
    assert lines[1].index("app.quit") == lines[0].index("review.much_later")


# -- 2. folding the alerts -----------------------------------------------------------------
def flapping(monitor: Monitor, times: int, start: float, every: float) -> list[Event]:
    """CPU crosses its threshold and falls back `times` times, one sample each way."""
    made: list[Event] = []
    for i in range(times):
        made += monitor.cpu(start + i * every, 95.0)
        made += monitor.cpu(start + i * every + every / 2, 20.0)
    return made


def error_alert(status: str, value: float, m: float) -> Event:
    """An errors alert as HostWatch writes it (a rate per minute against errors_warn)."""
    made = event(ev.ALERT, host="app2", metric="errors", status=status, value=value, threshold=5.0)
    return journaled([made], m)[0]


def test_a_raise_and_a_clear_within_the_window_are_one_line_with_a_count() -> None:
    lines = EventLines()
    three = [(0, "raised", 12), (10, "cleared", 3), (20, "raised", 12), (25, "cleared", 4),
             (30, "raised", 12), (40, "cleared", 2)]  # fmt: skip
    shown = lines.add([error_alert(status, value, m) for m, status, value in three])
    assert shown.added == ["22:00:05 ⚠ app2 errors 12/min (raised and cleared 3× in 40s)"]
    assert shown.changed == {} and lines.count == 1
    monitor, lines = Monitor(), EventLines()
    shown = lines.add(flapping(monitor, 3, 12.0, 10.0))
    assert shown.added == ["22:00:17 ⚠ app2 CPU 95% (raised and cleared 3× in 25s)"]


def test_a_folded_line_is_rewritten_in_place() -> None:
    monitor, lines = Monitor(), EventLines()
    first = lines.add(monitor.errors(12.0, 6))
    assert first.added == ["22:00:17 ⚠ app2 errors 6/min (threshold 5/min)"]
    assert lines.add(monitor.calm(50.0)).changed == {}  # still 6 a minute: nothing cleared
    cleared = lines.add(monitor.calm(70.0))
    assert cleared.added == []
    assert cleared.changed == {0: "22:00:17 ⚠ app2 errors 6/min (cleared after 58s)"}
    monitor, lines = Monitor(), EventLines()
    lines.add(monitor.cpu(10.0, 95.0) + monitor.cpu(12.0, 20.0))
    lines.add(journaled([event(ev.NOTE, text="looking", by="alice")], 13.0))
    again = lines.add(monitor.cpu(14.0, 97.0))
    assert again.added == [] and again.changed == {
        0: "22:00:15 ⚠ app2 CPU up to 97% (raised and cleared 1× in 4s, raised again)"
    }


def test_a_flapping_alert_takes_one_line_a_minute_however_often_it_flaps() -> None:
    monitor, lines = Monitor(), EventLines()
    events = flapping(monitor, 100, 5.0, 0.6)  # 100 times in a minute: 200 alerts
    assert len(alerts(events)) == 200
    shown = lines.add(events)
    assert len(shown.added) <= 2, shown.added
    assert "raised and cleared" in shown.added[0] and "×" in shown.added[0]
    counted = sum(int(re.findall(r"(\d+)×", line)[0]) for line in shown.added)
    assert counted == 100  # every raise and clear is counted in some line


def test_a_raise_after_the_window_is_a_new_line() -> None:
    monitor, lines = Monitor(), EventLines()
    lines.add(flapping(monitor, 2, 10.0, 10.0))
    later = lines.add(flapping(monitor, 1, 10.0 + COALESCE_SECONDS + 1, 10.0))
    assert later.changed == {}
    assert later.added == ["22:01:16 ⚠ app2 CPU 95% (cleared after 5s)"]
    assert lines.count == 2


def test_different_hosts_and_metrics_never_share_a_line() -> None:
    web, db = Monitor("web"), Monitor("db")
    errors = error_alert("raised", 8, 12.5) | {"host": "web"}
    events = flapping(web, 3, 10.0, 4.0) + flapping(db, 3, 11.0, 4.0) + [errors]
    lines = EventLines()
    shown = lines.add(sorted(events, key=lambda e: float(e["m"])))
    assert [line.split()[2:4] for line in shown.added] == [
        ["web", "CPU"], ["db", "CPU"], ["web", "errors"],
    ]  # fmt: skip
    assert shown.added[0].endswith("⚠ web CPU 95% (raised and cleared 3× in 10s)")
    assert shown.added[1].endswith("⚠ db CPU 95% (raised and cleared 3× in 10s)")
    assert shown.added[2] == "22:00:17 ⚠ web errors 8/min (threshold 5/min)"


def test_a_host_that_comes_and_goes_is_one_line_and_the_other_lines_keep_their_place() -> None:
    monitor, lines = Monitor(), EventLines()
    before = lines.add(journaled([event(ev.STEP_STARTED, step="deploy", action="run")], 1.0))
    assert before.added == ["22:00:06 ▶ deploy"]
    flaps: list[Event] = []
    for i in range(5):
        flaps += monitor.lost(10.0 + 4 * i) + monitor.back(12.0 + 4 * i)
    shown = lines.add(flaps)
    assert shown.added == [
        "22:00:15 ● app2 DOWN (14 more changes in 18s, now LIVE): connection reset by peer",
        "22:00:15 ⚠ app2 DOWN (down and back up 5× in 18s)",
    ]
    assert lines.count == 3
    note = journaled([event(ev.NOTE, text="db team looks\nat app2", by="alice")], 40.0)
    lines.add(note)  # a note of two lines is two lines of the pane
    assert lines.count == 5
    again = lines.add(monitor.lost(41.0))
    assert set(again.changed) == {1, 2} and again.added == []
    assert again.changed[2].endswith("(down and back up 5× in 31s, down again)")
    assert lines.text(["✘ the driver stopped"]).added == ["✘ the driver stopped"]
    assert lines.count == 6


def test_the_journal_keeps_every_alert(tmp_path: Path) -> None:
    """The pane folds; the journal the run screen is fed from does not."""
    scene = make_scene("live", tmp_path)
    try:
        scene.record()
        monitor = Monitor()
        for e in flapping(monitor, 4, scene.clock.offset + 1, 2.0):
            scene.session.record({k: v for k, v in e.items() if k not in ("seq", "t", "m")})
    finally:
        scene.session.close()
    recorded = load_record(str(tmp_path / "live.jsonl"), samples=False)
    assert len([e for e in recorded.events if e["type"] == ev.ALERT]) == 8


# -- 3. on the screen, under Pilot ----------------------------------------------------------
async def test_the_events_pane_rewrites_a_folded_line_where_it_stands() -> None:
    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield EventsPane(max_lines=20, id="events")

    app = One()
    async with app.run_test(size=(100, 10)) as pilot:
        pane = app.query_one(EventsPane)
        monitor = Monitor()
        pane.write_lines([f"line {i}" for i in range(15)])
        pane.show_events(monitor.cpu(12.0, 95.0))
        # Other lines come, more than the pane keeps: the oldest go, the numbers hold.
        pane.write_lines([f"more {i}" for i in range(10)])
        pane.show_events(monitor.cpu(20.0, 20.0))
        await pilot.pause()
        assert len(pane.lines) == 20 and pane.lines[-1] == "more 9"
        assert pane.lines[-11] == "22:00:17 ⚠ app2 CPU 95% (cleared after 8s)"
        pane.write_lines([f"last {i}" for i in range(25)])
        pane.show_events(monitor.cpu(30.0, 96.0))  # its line is gone from the pane: no harm
        await pilot.pause()
        assert len(pane.lines) == 20 and pane.lines[-1] == "last 24"
        assert not any("CPU" in line for line in pane.lines)


async def scene_at(pilot: Pilot[Any], scene: Scene) -> None:
    await scene.run_before(pilot)
    await pilot.pause()


def view_now(scene: Scene) -> None:
    """What the driver thread posts after the events the test recorded."""
    session = scene.session
    questions = tuple(session.engine.questions(session.state))
    running = tuple(session.engine.running(session.state))
    scene.app.post_message(ViewChanged(build_view(session, questions, running)))


def record(scene: Scene, events: Iterable[Event]) -> None:
    for e in events:
        scene.clock.offset = max(scene.clock.offset, float(e.get("m", 0.0)))
        scene.session.record({k: v for k, v in e.items() if k not in ("seq", "t", "m")})


async def test_the_run_screen_folds_a_flapping_alert(tmp_path: Path) -> None:
    scene = make_scene("live", tmp_path)
    try:
        async with scene.app.run_test(size=(160, 48)) as pilot:
            await scene_at(pilot, scene)
            monitor = Monitor()
            record(scene, flapping(monitor, 20, scene.clock.offset + 1, 2.0))
            await pilot.pause(0.3)
            pane = scene.app.query_one("#events", EventsPane)
            told = [line for line in pane.lines if "app2" in line]
            assert len(told) == 1 and "(raised and cleared 20× in 39s)" in told[0], told
    finally:
        scene.session.close()


async def test_the_step_detail_and_the_header_say_rolled_back_in_words(tmp_path: Path) -> None:
    scene = make_scene("failed", tmp_path)
    try:
        async with scene.app.run_test(size=(160, 48)) as pilot:
            await scene_at(pilot, scene)
            m = scene.clock.offset
            record(scene, journaled([
                event(ev.DECISION, step="migrate", question="failed", decision="rollback",
                      by="alice", reason="3 orders rejected", automatic=False, to="backup"),
                event(ev.ROLLBACK_STARTED, to="backup", cause="migrate", actions=["migrate"],
                      planned=900.0),
                event(ev.STEP_STARTED, step="migrate", action="rollback", attempt=1, hosts=["db1"]),
                event(ev.HOST_FINISHED, step="migrate", action="rollback", host="db1", exit=0,
                      seconds=309.0, timed_out=False, error=""),
                event(ev.STEP_FINISHED, step="migrate", action="rollback", status="succeeded",
                      reason=""),
                event(ev.ROLLBACK_FINISHED, to="backup", status="completed"),
            ], m + 5))  # fmt: skip
            assert scene.session.state.step("migrate").status is Status.ROLLED_BACK
            assert scene.session.engine.questions(scene.session.state)[0].kind is (
                QuestionKind.AFTER_ROLLBACK
            )
            record(scene, journaled([event(ev.DECISION, step=None, question="after_rollback",
                                           decision="end", by="alice", reason="",
                                           automatic=False),
                                     event(ev.RUN_FINISHED, outcome="rolled_back", reason="")],
                                    m + 10))  # fmt: skip
            view_now(scene)
            await pilot.pause(0.3)
            detail = str(scene.app.query_one("#detail").render())
            assert "· rolled back ↶" in detail and "rolled_back" not in detail, detail
            header = "\n".join(screen_lines(scene.app)[:2])  # the header, as drawn
            assert "ROLLED BACK" in header and "rolled_back" not in header.lower(), header
            assert "run rolled back" in "\n".join(scene.app.query_one(EventsPane).lines)
    finally:
        scene.session.close()


def screen_lines(app: App[Any]) -> list[str]:
    """The text of every line of the screen as the terminal would show it."""
    strips = app.screen._compositor.render_strips()
    return ["".join(segment.text for segment in strip) for strip in strips]


def dialog_lines(screen: Any) -> list[str]:
    return [str(label.render()) for label in screen.query(Label)]


def in_view(scroll: VerticalScroll, widget: Widget) -> bool:
    """The widget is inside the part of the scroll region on screen (not cut off)."""
    region = scroll.content_region
    return region.y <= widget.region.y and widget.region.bottom <= region.bottom


async def check_help(pilot: Pilot[Any], app: App[Any], bindings: list[Binding]) -> None:
    """The help lists every binding with its key display and id, fits, and scrolls."""
    await pilot.press("question_mark")
    await pilot.pause(0.2)
    screen = app.screen
    assert isinstance(screen, HelpScreen)
    rows = dialog_lines(screen)
    for b in bindings:
        keys = key_text(app, b)
        row = next((r for r in rows if r.split()[-1:] == [b.id]), None)
        assert row is not None, b.id
        assert row.strip().startswith(keys) and b.description in row, (row, keys)
        assert "question_mark" not in row and "square_bracket" not in row, row
    binding_rows = [r for r in rows if r.split()[-1:] in ([b.id] for b in bindings)]
    # Aligned: every description and every id starts in the same column.
    starts = {r.index(b.description) for r, b in zip(binding_rows, bindings, strict=True)}
    assert len(starts) == 1, binding_rows
    assert len({r.rindex(r.split()[-1]) for r in binding_rows}) == 1, binding_rows
    # The close line names its key.
    keys_line = screen.query_one(".help-keys", Label)
    assert str(keys_line.render()).startswith("esc close")
    # At 80x24 it does not fit at once: it scrolls, and its close line stays in view.
    scroll = screen.query_one("#help-scroll", VerticalScroll)
    dialog = screen.query_one(".dialog")
    assert keys_line.region.bottom <= dialog.content_region.bottom
    assert scroll.max_scroll_y > 0
    last = scroll.children[-1]  # the words under the keys
    assert not in_view(scroll, last)
    await pilot.press("end")
    await pilot.pause(0.2)
    assert scroll.scroll_y == scroll.max_scroll_y
    assert in_view(scroll, last)
    await pilot.press("escape")
    await pilot.pause()
    assert not isinstance(app.screen, HelpScreen)


async def test_the_run_screen_help_at_80x24(tmp_path: Path) -> None:
    scene = make_scene("live", tmp_path)
    try:
        async with scene.app.run_test(size=(80, 24)) as pilot:
            await scene_at(pilot, scene)
            bindings = [
                b
                for b in [*RunScreen.BINDINGS, *GoliveApp.BINDINGS, *CursorList.BINDINGS]
                if isinstance(b, Binding)
            ]
            await check_help(pilot, scene.app, bindings)
            assert scene.app.driver is not None
    finally:
        scene.session.close()


async def test_the_review_help_is_the_same_help_at_80x24(tmp_path: Path) -> None:
    scene = make_scene("live", tmp_path)
    scene.record()
    scene.session.close()
    app = ReviewApp(load_record(str(tmp_path / "live.jsonl"), samples=False), load_samples=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        bindings = [
            b for b in [*ReviewScreen.BINDINGS, *CursorList.BINDINGS] if isinstance(b, Binding)
        ]
        await pilot.press("question_mark")
        await pilot.pause(0.2)
        rows = dialog_lines(app.screen)
        assert any(r.split() == ["shift+→", "Much", "later", "review.much_later"] for r in rows)
        assert not any(r.strip() == "close" for r in rows)
        await pilot.press("escape")
        await pilot.pause()
        await check_help(pilot, app, bindings)


async def test_the_host_detail_shows_numbers_next_to_its_sparklines(tmp_path: Path) -> None:
    scene = make_scene("live", tmp_path)
    try:
        async with scene.app.run_test(size=(80, 24)) as pilot:
            await scene_at(pilot, scene)
            scene.app.push_screen(HostScreen(HOSTS[0]))
            await pilot.pause(0.2)
            shown = dialog_lines(scene.app.screen)
            assert any(r.startswith("CPU") and r.split()[-3:] == ["68%", "22%", "74%"]
                       for r in shown)  # fmt: skip
            assert any(r.startswith("errors/min") and r.split()[-3:] == ["12", "0", "12"]
                       for r in shown)  # fmt: skip
            assert "log messages this minute: errors 12/min, warnings 3/min, info 40/min" in shown
            keys = scene.app.screen.query(".dialog-keys").last()
            assert keys.region.bottom <= scene.app.screen.query_one(".dialog").content_region.bottom
    finally:
        scene.session.close()


def test_the_rollback_preview_marks_a_cut_undo_command() -> None:
    """The operator confirms what the preview shows: a command cut to fit, or one whose
    later lines are not shown, ends with …; a whole one is shown as written."""
    assert (
        undo_shown("pg_restore -d shop /backup/a.dump", 40) == "pg_restore -d shop /backup/a.dump"
    )
    cut = undo_shown("pg_restore --clean -d shop /backup/shop-before-2.0.dump", 40)
    assert cut == "pg_restore --clean -d shop /backup/shop…" and len(cut) == 40
    assert undo_shown("systemctl stop shop\nrm -rf /srv/shop/2.0", 40) == "systemctl stop shop …"
    assert undo_shown("  \n ", 40) == undo_shown(None, 40) == "(nothing to undo)"


def test_a_flapping_alert_and_its_settling_are_said_in_words() -> None:
    """The monitor's own rules report a flapping alert once and its settling once."""
    watch = HostWatch("app2", interval=1.0)
    watch.connected(0)
    made: list[Event] = []
    for cycle in range(6):  # busy 5 s, idle 5 s: raised and cleared each time
        for t in range(10):
            made += watch.sample(Metrics(95.0 if t < 5 else 30.0, 40, 0.5, 30), cycle * 10 + t)
    flapping = [e for e in alerts(made) if e.get("flapping")]
    assert len(flapping) == 1
    assert describe(journaled(flapping, 60)[0]) == (
        "⚠ app2 CPU flapping: raised 4× in 10 min, quiet until it settles"
    )
    later: list[Event] = []
    for t in range(60, 700):
        later += watch.sample(Metrics(30.0, 40, 0.5, 30), t)
    (settled,) = alerts(later)
    assert settled["settled"] and settled["status"] == "cleared"
    assert describe(journaled([settled], 700)[0]) == "✓ app2 CPU settled: back to normal"


def test_the_fleet_line_counts_hosts_in_words() -> None:
    from golive.tui.fleet import fleet_line

    def host(name: str) -> HostWatch:
        watch = HostWatch(name, interval=2.0)
        watch.connected(0.0)
        watch.sample(Metrics(20.0, 40.0, 0.5, 30.0), 1.0)
        return watch

    one = host("shop").snapshot(2.0)
    assert fleet_line((one,)) == "1 host · all well"
    assert fleet_line((one, host("db1").snapshot(2.0))) == "2 hosts · all well"
