"""golive review, driven by keys through Textual's Pilot, on journals of real runs.

The demo (a failed migration, the rollback to the backup, the second attempt) and a
two-host run whose deploy writes ERROR lines to a log that the monitor follows, so a
real alert is raised while deploy runs. Every test opens the journal as `golive review`
does (load_record without the samples, then a worker reads them) and checks what the
screen shows against what the journal holds.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Label, Log, Static

from golive.core.record import RunRecord
from golive.core.state import RunState
from golive.io.recorded import load_record
from golive.tui.event_text import describe
from golive.tui.replay import Replay, event_rows
from golive.tui.review_app import ReviewApp
from golive.tui.screens.dialogs import OutputScreen
from golive.tui.screens.help import HelpScreen as ReviewHelpScreen
from golive.tui.screens.review import ReviewScreen
from golive.tui.sparkline import SPARK
from golive.tui.widgets.cursor_list import CursorList
from golive.tui.widgets.drawing import TimeAxis
from golive.tui.widgets.event_list import EventList
from golive.tui.widgets.header_bar import HeaderBar
from golive.tui.widgets.line_list import LineList
from golive.tui.widgets.metric_chart import METRICS, MetricChart
from golive.tui.widgets.metric_chart import column_peaks as peaks_of
from golive.tui.widgets.steps_table import StepsTable
from golive.tui.widgets.timeline import Timeline
from tests.helpers import events, footer_actions, golive, of_type, write_runbook

pytestmark = pytest.mark.slow  # real servers, terminals or processes: not in the fast lane

WIDE = (160, 48)
LISTED = {"run_started", "step_started", "step_finished", "decision", "note", "alert",
          "host_state", "rollback_started", "rollback_finished", "run_finished",
          "session_resumed"}  # fmt: skip


# -- journals of real runs --------------------------------------------------------------
TWO_HOSTS = """
[hosts.web]
local = true
logs = ["{folder}/web.log"]

[hosts.db]
local = true
logs = ["{folder}/db.log"]

[monitor]
interval = "500ms"
errors_warn = "2/min"

[[steps]]
id = "freeze"
kind = "manual"
duration = "5s"

[[steps]]
id = "migrate"
on = "db"
run = "sleep 1.5; echo migrated 120 orders"
rollback_point = true
duration = "2s"

[[steps]]
id = "deploy"
on = "web"
run = '''
for i in 1 2 3 4; do echo "2026-11-28 22:00:0$i ERROR deploy: cache refused $i" >> {folder}/web.log; sleep 0.3; done
sleep 4
echo deployed shop 2.0
'''
rollback = "true"
duration = "3s"

[[steps]]
id = "smoke"
kind = "check"
on = "web"
run = "echo smoke ok"
duration = "1s"
"""


@pytest.fixture(scope="module")
def alert_journal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two local hosts, each with its own log; deploy writes ERROR lines to web's."""
    folder = tmp_path_factory.mktemp("alerts")
    for log in ("web.log", "db.log"):
        (folder / log).touch()
    runbook = write_runbook(folder, TWO_HOSTS.format(folder=folder))
    journal = folder / "run.jsonl"
    done = golive("run", runbook, "--rehearsal", "--yes", "--console", "--journal", journal)
    assert done.returncode == 0, done.stdout + done.stderr
    assert of_type(journal, "alert", host="web", metric="errors", status="raised"), (
        "the monitor raised no error alert for web: " + done.stdout
    )
    return journal


@asynccontextmanager
async def reviewing(
    journal: Path, size: tuple[int, int] = WIDE
) -> AsyncIterator[tuple[ReviewApp, Pilot[int]]]:
    app = ReviewApp(load_record(str(journal), samples=False))
    async with app.run_test(size=size) as pilot:
        await samples_read(app, pilot)
        yield app, pilot


async def samples_read(app: ReviewApp, pilot: Pilot[int], timeout: float = 120.0) -> None:
    """Wait for the worker that reads the samples (it starts after the first frame)."""
    deadline = time.monotonic() + timeout  # generous: a slow machine waits, never fails
    while app.samples_at is None and time.monotonic() < deadline:
        await pilot.pause(0.05)
    assert app.samples_at is not None, "the samples were never read"
    await pilot.pause()


# -- reading the screen -------------------------------------------------------------------
def row_text(widget: LineList, index: int) -> str:
    return widget.render_row(index, widget.scrollable_content_region.width).text


def timeline_row(app: ReviewApp, key: str, kind: str = "step") -> str:
    timeline = app.query_one(Timeline)
    index = next(i for i, r in enumerate(timeline.rows) if (r.kind, r.key) == (kind, key))
    return row_text(timeline, index)[14:]  # the bars, after the label


def listed(app: ReviewApp) -> list[str]:
    events_list = app.query_one(EventList)
    return [row_text(events_list, i) for i in range(len(events_list.rows))]


def listed_events(app: ReviewApp) -> list[str]:
    """What the event list's rows describe (the filtered events)."""
    return [describe(app.loaded.events[r.index]) for r in app.query_one(EventList).rows]


def header(app: ReviewApp) -> str:
    return str(app.query_one(HeaderBar).render())


def icon(app: ReviewApp, step: str) -> str:
    return str(app.query_one(StepsTable).get_cell(step, ""))


async def press_until(pilot: Pilot[int], key: str, done: Any, limit: int = 60) -> None:
    for _ in range(limit):
        if done():
            return
        await pilot.press(key)
    assert done(), f"pressing {key} {limit} times did not get there"


async def output_of(pilot: Pilot[int], app: ReviewApp, key: str = "o") -> list[str]:
    """Open the selected step's output (with `key`) and read it."""
    await pilot.press(key)
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, OutputScreen)
    return list(screen.query_one(Log).lines)


async def select_step(pilot: Pilot[int], app: ReviewApp, step: str) -> None:
    app.query_one(Timeline).focus()
    await press_until(pilot, "up", lambda: app.query_one(Timeline).cursor_row == 0)
    await press_until(pilot, "down", lambda: app.review.selected_step() == step)


# -- 1. the demo: failure, rollback, second attempt ------------------------------------------
async def test_demo_shows_the_failure_the_rollback_and_the_second_attempt(
    demo_journal: Path,
) -> None:
    async with reviewing(demo_journal) as (app, _):
        migrate = app.review.record.step("migrate")
        assert [(a.action, a.status) for a in migrate.attempts] == [
            ("run", "failed"), ("rollback", "succeeded"), ("run", "succeeded"),
        ]  # fmt: skip
        bars = timeline_row(app, "migrate")
        assert "✘" in bars and "↶" in bars and "█" in bars
        assert "↶" in timeline_row(app, "rollback", "track")
        assert "⚑" in timeline_row(app, "events", "track")
        assert "COMPLETED" in header(app) and "REHEARSAL" in header(app)
        shown = listed(app)
        for expected in (
            "✘ migrate failed: exit status 3 on shop",
            "↶ ROLLBACK to backup: migrate",
            "✔ undo migrate succeeded",
            "▶ migrate (attempt 2)",
            "■ run completed",
        ):
            assert any(expected in line for line in shown), expected
        # One row per listed event of the journal, in journal order.
        assert len(shown) == len([e for e in events(demo_journal) if e["type"] in LISTED])
        # The chain is intact: no banner. The samples are in: three rows for the host.
        assert not app.query_one("#banner", Static).display
        chart = app.query_one(MetricChart)
        assert chart.rows == [("shop", metric) for metric in METRICS]
        assert len(app.review.record.hosts["shop"].m) == len(of_type(demo_journal, "sample"))


# -- 2. scrubbing replays the run screen -----------------------------------------------------
async def test_scrubbing_shows_the_run_screen_before_and_after_the_migrate_failure(
    demo_journal: Path,
) -> None:
    async with reviewing(demo_journal) as (app, pilot):
        assert icon(app, "migrate") == "✔"
        await press_until(pilot, "k", lambda: app.review.kind == "steps")

        def at(text: str) -> bool:
            line = header(app).splitlines()[1]
            return line.endswith(f": {text}")

        await press_until(pilot, "left_square_bracket", lambda: at("▶ migrate"))
        # Before the failure: migrate runs, backup is done, nothing after it has started.
        assert icon(app, "migrate") == "▶"
        assert icon(app, "backup") == "✔"
        assert [icon(app, s) for s in ("deploy", "smoke", "go-nogo", "unfreeze")] == ["·"] * 4
        assert "running: migrate" in header(app)
        assert "rollback by" in header(app).splitlines()[0]  # backup is a rollback point
        assert "COMPLETED" not in header(app)
        cursor = app.review.cursor_m
        assert cursor == next(e["m"] for e in events(demo_journal) if e.get("step") == "migrate")

        await pilot.press("right_square_bracket")
        assert at("✘ migrate failed: exit status 3 on shop")
        assert icon(app, "migrate") == "✘"
        assert "nothing running" in header(app)

        await pilot.press("right_square_bracket")  # undo events are rollbacks, not steps
        assert at("▶ migrate (attempt 2)")
        assert icon(app, "migrate") == "▶"

        # The time cursor moves by one column of the axis at a time.
        step = app.query_one(Timeline).axis().step
        before = app.review.cursor_m
        await pilot.press("right")
        assert app.review.cursor_m == pytest.approx(before + step)
        await pilot.press("left", "left")
        assert app.review.cursor_m == pytest.approx(before - step)

        await press_until(pilot, "k", lambda: app.review.kind == "all")  # the run's end is no step
        await press_until(pilot, "right_square_bracket", lambda: at("■ run completed"))
        assert icon(app, "migrate") == "✔" and "COMPLETED" in header(app)


async def test_zoom_keeps_the_cursor_in_view_and_0_shows_the_whole_run(demo_journal: Path) -> None:
    async with reviewing(demo_journal) as (app, pilot):
        whole = app.review.view
        await pilot.press("plus")
        start, end = app.review.view
        assert end - start == pytest.approx((whole[1] - whole[0]) / 2)
        assert start <= app.review.cursor_m <= end
        await pilot.press("plus", "plus")
        assert app.review.view[1] - app.review.view[0] == pytest.approx((whole[1] - whole[0]) / 8)
        await pilot.press("minus")
        assert app.review.view[1] - app.review.view[0] == pytest.approx((whole[1] - whole[0]) / 4)
        await pilot.press("0")
        assert app.review.view == whole
        await pilot.press("minus")  # never wider than the whole run
        assert app.review.view == whole


async def test_at_80_columns_the_footer_keeps_help_and_quit_and_zoom_still_works(
    demo_journal: Path,
) -> None:
    async with reviewing(demo_journal, size=(80, 24)) as (app, pilot):
        shown = footer_actions(app.screen)
        assert {"scrub(-1)", "scrub(1)", "help", "app.quit"} <= shown
        assert "zoom(0.5)" not in shown
        whole = app.review.view
        await pilot.press("plus")  # left out of the footer, still a key
        assert app.review.view[1] - app.review.view[0] == pytest.approx((whole[1] - whole[0]) / 2)


# -- 3. journals that cannot be trusted --------------------------------------------------------
async def test_a_tampered_journal_opens_with_a_banner_naming_the_broken_line(
    demo_journal: Path, tmp_path: Path
) -> None:
    tampered = tmp_path / "tampered.jsonl"
    lines = demo_journal.read_bytes().splitlines(keepends=True)
    edited = next(i for i, line in enumerate(lines)
                  if b'"type":"output"' in line and b"migrated 117 of 120" in line)  # fmt: skip
    lines[edited] = lines[edited].replace(b"migrated 117 of 120", b"migrated 120 of 120")
    tampered.write_bytes(b"".join(lines))
    verified = golive("verify", tampered)
    assert verified.returncode == 1
    broken = int(re.search(r"tampered\.jsonl:(\d+): (.*)", verified.stdout + verified.stderr)[1])  # type: ignore[index]
    assert broken == edited + 2  # the next line's prev no longer matches the edited line

    async with reviewing(tampered) as (app, pilot):
        banner = app.query_one("#banner", Static)
        assert banner.display and banner.has_class("broken")
        text = str(banner.render())
        assert f"FAILS VERIFICATION at line {broken}:" in text
        assert "hash chain broken" in text
        # Never refused: the whole run is there to read, the edited line included.
        assert len(listed(app)) == len([e for e in events(tampered) if e["type"] in LISTED])
        await select_step(pilot, app, "migrate")
        lines = await output_of(pilot, app)
        assert any("migrated 120 of 120 orders; 3 rejected" in line for line in lines)


async def test_a_torn_last_line_is_noted(demo_journal: Path, tmp_path: Path) -> None:
    torn = tmp_path / "torn.jsonl"
    # Killed while writing its last event (the sealed run_finished): nothing may follow a
    # seal, so the torn line is that event itself, cut short.
    *whole, last = demo_journal.read_bytes().splitlines(keepends=True)
    torn.write_bytes(b"".join(whole) + last[:40])
    lines = len(whole)
    async with reviewing(torn) as (app, _):
        banner = app.query_one("#banner", Static)
        assert banner.display and banner.has_class("torn") and not banner.has_class("broken")
        assert f"the last line (line {lines + 1}) is torn" in str(banner.render())
        assert "COMPLETED" not in header(app)  # the torn run_finished is left out...
        assert icon(app, "unfreeze") == "✔"  # ...and everything before it is shown


# -- 4. from a step to its output ---------------------------------------------------------------
async def test_o_on_a_step_shows_its_output_attempt_by_attempt(demo_journal: Path) -> None:
    async with reviewing(demo_journal) as (app, pilot):
        await select_step(pilot, app, "migrate")
        lines = await output_of(pilot, app)
        text = "\n".join(lines)
        order = [
            "── attempt 1 started on shop",
            "shop ! migrated 117 of 120 orders; 3 rejected (unknown currency code)",
            "── failed: exit status 3 on shop",
            "── undo started on shop",
            "── undo succeeded",
            "── attempt 2 started on shop",
            "shop | migrated 120 of 120 orders",
            "── verify passed",
            "── succeeded",
        ]
        found = [next(i for i, line in enumerate(lines) if part in line) for part in order]
        assert found == sorted(found), text
        assert "deployed shop" not in text and "backup written" not in text
        output_events = of_type(demo_journal, "output", step="migrate")
        assert sum(" | " in line or " ! " in line for line in lines) == len(output_events)
        await pilot.press("escape")
        assert not isinstance(app.screen, OutputScreen)

        # Enter on the steps table (the run screen's widget) opens a step's output too.
        table = app.query_one(StepsTable)
        table.focus()
        table.move_cursor(row=table.get_row_index("backup"))
        await pilot.pause()
        assert any("backup written:" in line for line in await output_of(pilot, app, "enter"))


# -- 5. from an alert to the step that was running -------------------------------------------------
async def test_enter_on_an_alert_jumps_to_the_step_that_was_running(alert_journal: Path) -> None:
    alert = of_type(alert_journal, "alert", host="web", metric="errors", status="raised")[0]
    async with reviewing(alert_journal) as (app, pilot):
        await press_until(pilot, "k", lambda: app.review.kind == "alerts")
        events_list = app.query_one(EventList)
        row = next(i for i, line in enumerate(listed(app)) if "⚠ web errors " in line)
        events_list.focus()
        events_list.move_cursor(row)
        await pilot.press("enter")
        assert app.review.selected_step() == "deploy"
        assert app.query_one(StepsTable).cursor_key == "deploy"
        assert app.review.cursor_m == alert["m"]
        # The run screen as it was then: deploy running, migrate done, smoke not started.
        assert icon(app, "deploy") == "▶" and icon(app, "migrate") == "✔"
        assert icon(app, "smoke") == "·"
        assert "running: deploy" in header(app)
        assert any("web | deployed shop 2.0" in line for line in await output_of(pilot, app))


# -- 6. filters ---------------------------------------------------------------------------------------
async def test_filters_by_kind_and_host(alert_journal: Path) -> None:
    journal = events(alert_journal)
    async with reviewing(alert_journal) as (app, pilot):
        assert len(listed(app)) == len([e for e in journal if e["type"] in LISTED])

        await press_until(pilot, "k", lambda: app.review.kind == "alerts")
        assert len(listed(app)) == len([e for e in journal if e["type"] == "alert"])
        assert all(" web " in line or " db " in line for line in listed(app))

        await press_until(pilot, "k", lambda: app.review.kind == "steps")
        runs = [e for e in journal if e["type"] in ("step_started", "step_finished")
                and e.get("action") == "run"]  # fmt: skip
        assert len(listed(app)) == len(runs)

        await press_until(pilot, "f", lambda: app.review.host == "db")
        assert listed_events(app) == ["▶ migrate", "✔ migrate succeeded"]
        # Each row: wall time, offset since the start (to a tenth in a short run), event.
        assert re.fullmatch(
            r".\d\d:\d\d:\d\d +\d+\.\ds ✔ migrate succeeded", listed(app)[1].rstrip()
        )
        # The metrics follow the host filter.
        assert app.query_one(MetricChart).rows == [("db", m) for m in METRICS]
        assert "kind steps (k) · host db (f)" in str(app.query_one("#filters", Static).render())

        await press_until(pilot, "k", lambda: app.review.kind == "hosts")
        assert listed_events(app) == ["● db LIVE"]

        # [ and ] move only between the events the filters let through.
        await press_until(pilot, "k", lambda: app.review.kind == "steps")
        migrate = [i for i, e in enumerate(app.loaded.events)
                   if e["type"] in ("step_started", "step_finished") and e.get("step") == "migrate"]  # fmt: skip
        await pilot.press(*["left_square_bracket"] * 5)
        assert app.review.pos == migrate[0] + 1
        await pilot.press("right_square_bracket")
        assert app.review.pos == migrate[1] + 1
        await pilot.press("right_square_bracket")  # nothing later on db: the cursor stays
        assert app.review.pos == migrate[1] + 1
        await press_until(pilot, "f", lambda: app.review.host == "all")
        assert len(app.query_one(MetricChart).rows) == 2 * len(METRICS)


async def test_the_error_rise_is_drawn_after_the_deploy_started(alert_journal: Path) -> None:
    async with reviewing(alert_journal) as (app, _):
        chart = app.query_one(MetricChart)
        record: RunRecord = app.review.record
        axis = chart.axis()
        deploy_col = axis.col(record.step("deploy").started_m or 0.0)
        row = chart.rows.index(("web", "err"))
        series = record.hosts["web"]
        peaks = peaks_of(series.m, series.errors, axis, fill=1.25)
        rose = next(c for c, v in enumerate(peaks) if v)
        assert rose >= deploy_col
        assert max(v or 0 for v in peaks) == series.peak_errors >= 2
        bars = row_text(chart, row)[14:]
        assert set(bars[:deploy_col]) <= {" ", SPARK[0]}  # flat before deploy
        assert set(bars[rose:]) - {" ", SPARK[0]}  # and higher after
        assert row_text(chart, chart.rows.index(("db", "err")))[14:].strip(" " + SPARK[0]) == ""
        # The chart's top line marks where each step started.
        marks = chart.render_header(chart.scrollable_content_region.width).text[14:]
        assert marks[deploy_col] == "┃"


# -- 7. keys and help ------------------------------------------------------------------------------
async def test_help_lists_every_binding_with_its_id(demo_journal: Path) -> None:
    bindings = [*ReviewScreen.BINDINGS, *CursorList.BINDINGS]
    ids = [getattr(b, "id", None) for b in bindings]
    assert all(ids) and len(set(ids)) == len(ids)
    async with reviewing(demo_journal) as (app, pilot):
        await pilot.press("question_mark")
        screen = app.screen
        assert isinstance(screen, ReviewHelpScreen)
        rows = [str(label.render()) for label in screen.query(Label)]
        for binding_id in ids:
            assert any(row.split()[-1:] == [binding_id] for row in rows), binding_id
        await pilot.press("escape")
        assert not isinstance(app.screen, ReviewHelpScreen)


# -- 8. the command line --------------------------------------------------------------------------------
def test_without_a_terminal_review_points_to_report(demo_journal: Path) -> None:
    done = golive("review", demo_journal)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("golive: ")
    assert f"golive report {demo_journal}" in done.stderr


def test_bad_input_is_one_sentence_and_exit_2(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("these are not events\n")
    baseline = tmp_path / "baseline.jsonl"
    baseline.write_text(json.dumps({"seq": 0, "type": "monitor_started", "prev": ""}) + "\n")
    broken_start = tmp_path / "odd.jsonl"
    broken_start.write_text(json.dumps({"seq": 0, "type": "run_started", "prev": ""}) + "\n")
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(bytes(range(256)) * 4)
    cases = {
        tmp_path / "missing.jsonl": "cannot read the journal",
        tmp_path: "cannot read the journal",
        text: "not a golive run journal",
        baseline: "not a golive run journal",
        broken_start: "not a golive run journal",
        binary: "not a golive run journal",
    }
    for path, message in cases.items():
        done = golive("review", path)
        assert done.returncode == 2, (path, done.stderr)
        assert done.stderr.startswith("golive: ") and done.stderr.count("\n") == 1, done.stderr
        assert message in done.stderr and "Traceback" not in done.stderr


# -- 9. pure parts ----------------------------------------------------------------------------------
def test_replay_gives_the_state_of_a_fresh_fold_at_every_position(
    demo_journal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Replay, "EVERY", 8)  # checkpoints every 8 events, to use them
    loaded = load_record(str(demo_journal), samples=False)
    replay = Replay(loaded.events, loaded.builder.state)

    def shown(state: RunState) -> list[tuple[str, str, int]]:
        return [(k, s.status.value, s.attempts) for k, s in sorted(state.steps.items())]

    fresh = []
    for pos in range(len(loaded.events) + 1):
        state = RunState()
        for e in loaded.events[:pos]:
            state.apply(e)
        fresh.append(shown(state))
    order = [*range(len(fresh) - 1, -1, -3), *range(0, len(fresh), 5), 17, 3, 40, 0]
    for pos in order:
        assert shown(replay.state_at(pos)) == fresh[pos], pos


def test_event_rows_take_the_running_step_from_the_record(alert_journal: Path) -> None:
    loaded = load_record(str(alert_journal), samples=False)
    rows = event_rows(loaded)
    alerts = [r for r in rows if r.kind == "alerts"]
    moments = loaded.record.moments_of("alert")
    assert [r.step for r in alerts] == [m.step for m in moments]
    assert [loaded.events[r.index]["m"] for r in alerts] == [m.m for m in moments]
    web_errors = next(r for r in alerts
                      if (loaded.events[r.index]["host"], loaded.events[r.index]["metric"]) == ("web", "errors"))  # fmt: skip
    assert web_errors.step == "deploy" and web_errors.hosts == ("web",)


def test_column_peaks_take_the_highest_sample_and_fill_short_gaps() -> None:
    from array import array

    nan = float("nan")
    m = array("d", [0.0, 0.5, 1.0, 1.5, 4.0, 9.0])
    values = array("d", [nan, 3.0, 7.0, 2.0, 5.0, nan])
    axis = TimeAxis(0.0, 10.0, 10)  # one second per column
    # A leading NaN is skipped; gaps up to 1.5 s repeat the last sample; a NaN stays a hole.
    assert peaks_of(m, values, axis, fill=1.5) == [
        3.0,
        7.0,
        2.0,
        2.0,
        5.0,
        5.0,
        None,
        None,
        None,
        None,
    ]
    assert axis.cols(2.5, 2.6) == range(2, 3)  # at least one column
    assert axis.cols(-5, 25) == range(0, 10)  # clipped to the axis
    assert [label for _, label in TimeAxis(0, 120, 60).ticks()] == ["0s", "30s", "1m", "1m30s"]


# -- 10. a long journal: samples in worker processes, under the running app ---------------------------
async def test_a_long_journal_draws_before_its_samples_are_read(tmp_path: Path) -> None:
    from bench.long_journal import write_long_journal
    from golive.io.journal_scan import PARALLEL_FROM_BYTES

    journal = tmp_path / "night.jsonl"
    samples = write_long_journal(str(journal), hours=0.9, hosts=50, interval=2.0)
    assert journal.stat().st_size >= PARALLEL_FROM_BYTES  # read by worker processes
    async with reviewing(journal) as (app, _):
        assert app.first_frame_at is not None and app.samples_at is not None
        assert app.first_frame_at < app.samples_at  # the first frame did not wait for them
        assert sum(len(s.m) for s in app.review.record.hosts.values()) == samples
        assert app.review.record.integrity.ok and app.review.record.integrity.events == len(
            events(journal)
        )
        assert len(app.query_one(MetricChart).rows) == 50 * len(METRICS)
        assert "↶" in timeline_row(app, "rollback", "track")
        shutil.rmtree(tmp_path, ignore_errors=True)
