"""golive calibrate: planned durations from real rehearsals, and nothing else changed."""

from __future__ import annotations

import difflib
import os
import re
import shutil
import statistics
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from golive.core.calibrate import planned_seconds, set_durations
from golive.core.durations import duration_text, parse_duration
from tests.helpers import events, golive, of_type, write_runbook

pytestmark = pytest.mark.slow  # real servers, terminals or processes: not in the fast lane

ROOT = Path(__file__).resolve().parent.parent

RUNBOOK = '''
# Payroll cutover rehearsal: every comment and blank line here must survive calibrate.
[vars]
t = "0.3"

[[steps]]
id = "export"   # the old system's export
title = "Export payroll"
kind = "check"
run = """
sleep 0.1
echo exported
"""
duration = "10s"  # a guess before the first rehearsal
timeout = "1m"

[[steps]]
id = "load"
run = "sleep {{t}}"
rollback = "true"
duration = '5s'
rollback_point = true

  [[steps]]
  id = "index"
  run = "sleep 0.2"
  retries = 1
  verify = { run = "true" }

[[steps]]
id = "publish"
run = "sleep 0.1"
rollback = "sleep 0.1"
on_failure = "rollback"
duration = "3s"

[[steps]]
id = "settle"
kind = "wait"
duration = "200ms"

[[steps]]
id = "sign-off"
kind = "manual"
instructions = "The payroll lead checks the totals"
duration = "2m"
'''
DURATION_LINE = re.compile(r"^\s*(duration|rollback_duration)\s*=")


def rehearse(runbook: Path, journal: Path, *extra: str, status: int = 0) -> None:
    done = golive("run", runbook, "--rehearsal", "--yes", "--console", "--journal", journal, *extra)
    assert done.returncode == status, done.stdout + done.stderr


@pytest.fixture(scope="module")
def rehearsals(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """Four rehearsals: load takes 0.3 s, 1.6 s, 2.2 s (index's first attempt injected to
    fail) and 0.3 s, where publish's injected failure rolls back to load and ends the run."""
    folder = tmp_path_factory.mktemp("payroll")
    runbook = write_runbook(folder, RUNBOOK)
    journals = [folder / f"j{i}.jsonl" for i in (1, 2, 3, 4)]
    rehearse(runbook, journals[0], "--var", "t=0.3")
    rehearse(runbook, journals[1], "--var", "t=1.6")
    rehearse(runbook, journals[2], "--var", "t=2.2", "--inject-failure", "index")
    rehearse(runbook, journals[3], "--var", "t=0.3", "--inject-failure", "publish", status=3)
    return runbook, journals


@pytest.fixture
def demo(demo_journal: Path) -> Path:
    return demo_journal


def counted(journal: Path, action: str = "run") -> dict[str, float]:
    """Per step, from the events: its last successful attempt (or undo), finish minus start."""
    started: dict[str, float] = {}
    times: dict[str, float] = {}
    for e in events(journal):
        if e["type"] == "step_started" and e["action"] == action:
            started[e["step"]] = e["m"]
        elif e["type"] == "step_finished" and e["action"] == action and e["status"] == "succeeded":
            times[e["step"]] = e["m"] - started[e["step"]]
    return times


def p_of(values: list[float], p: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def without_durations(document: dict[str, Any]) -> dict[str, Any]:
    """The document with every step's duration and rollback_duration removed."""
    steps = [
        {k: v for k, v in step.items() if k not in ("duration", "rollback_duration")}
        for step in document["steps"]
    ]
    return {**document, "steps": steps}


def steps_of(path: Path) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in tomllib.loads(path.read_text())["steps"]}


def assert_only_durations_changed(old: Path, new: Path) -> None:
    before, after = old.read_text(), new.read_text()
    assert without_durations(tomllib.loads(before)) == without_durations(tomllib.loads(after))
    a, b = before.split("\n"), after.split("\n")
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            assert all(DURATION_LINE.match(line) for line in a[i1:i2] + b[j1:j2]), (
                tag,
                a[i1:i2],
                b[j1:j2],
            )


def test_writes_the_p90_and_changes_only_durations(
    rehearsals: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    runbook, journals = rehearsals
    new = tmp_path / "calibrated.toml"
    done = golive("calibrate", runbook, *journals, "-o", new)
    assert done.returncode == 0, done.stdout + done.stderr
    assert golive("check", new).returncode == 0
    assert_only_durations_changed(runbook, new)
    runs = [counted(j) for j in journals]
    steps = steps_of(new)
    for step in ("export", "load", "index", "publish"):
        measured = [r[step] for r in runs if step in r]
        assert len(measured) == (3 if step == "publish" else 4)  # j4's publish was injected
        expected = planned_seconds(p_of(measured, 90))
        assert expected == max(1, int(p_of(measured, 90) + 0.5))
        assert parse_duration(steps[step]["duration"]) == expected, step
        assert steps[step]["duration"] == duration_text(expected)
    undo = counted(journals[3], "rollback")["publish"]
    assert parse_duration(steps["publish"]["rollback_duration"]) == planned_seconds(undo)
    assert "rollback_duration" not in steps["load"]  # the rollback point is never undone
    assert steps["settle"]["duration"] == "200ms"  # a wait step waits: not an estimate
    assert steps["sign-off"]["duration"] == "2m"  # --yes answered it: no operator's time
    # The comment on export's duration line stays; index (no duration) gets one after its id.
    text = new.read_text()
    assert (
        f'duration = "{steps["export"]["duration"]}"  # a guess before the first rehearsal' in text
    )
    assert f'  id = "index"\n  duration = "{steps["index"]["duration"]}"\n' in text
    publish = steps["publish"]
    assert (
        f'duration = "{publish["duration"]}"\nrollback_duration = "{publish["rollback_duration"]}"\n'
        in text
    )

    out = done.stdout
    assert out.startswith(f"calibrating {runbook} from 4 runs: P90 of each step's measured times")
    load_row = next(line.split() for line in out.splitlines() if line.startswith("  load "))
    assert load_row == [
        "load", "duration", "5s", steps["load"]["duration"],
        f"{p_of([r['load'] for r in runs], 90):.1f}s", "4", "of", "4", "runs",
    ]  # fmt: skip
    assert "  duration of settle: a wait step: its duration is how long it waits" in out
    assert "  duration of sign-off: no time to count (3 runs: answered automatically (--yes)" in out
    assert re.search(r"  index attempt 1 in rehearsal [\d: -]+: injected failure", out)
    assert re.search(r"  publish attempt 1 in rehearsal [\d: -]+: injected failure", out)
    assert f"--- {runbook}\n+++ {new}\n" in out
    assert "-duration = '5s'\n" in out and f'+duration = "{steps["load"]["duration"]}"\n' in out
    # Of the two warnings before (index: no duration, no rollback), the second remains.
    assert out.rstrip().endswith(
        f"wrote {new} (only durations changed); golive check {new}: ok, 1 warning"
    )


def test_calibrating_again_changes_nothing(
    rehearsals: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    runbook, journals = rehearsals
    new = tmp_path / "calibrated.toml"
    assert golive("calibrate", runbook, *journals, "-o", new).returncode == 0
    first = new.read_bytes()
    again = golive("calibrate", new, *journals, "-o", new)  # -o the runbook itself: allowed
    assert again.returncode == 0, again.stderr
    assert new.read_bytes() == first
    assert f"no change: {new} already plans the P90 of these runs" in again.stdout
    assert "\n--- " not in again.stdout and "\n@@ " not in again.stdout
    assert again.stdout.rstrip().endswith(f"{new} unchanged: nothing to write")


def test_without_output_only_the_diff(rehearsals: tuple[Path, list[Path]]) -> None:
    runbook, journals = rehearsals
    before = sorted(os.listdir(runbook.parent)), runbook.read_bytes()
    done = golive("calibrate", runbook, *journals)
    assert done.returncode == 0
    assert f"+++ {runbook} (calibrated)" in done.stdout and "\n@@ -" in done.stdout
    assert done.stdout.rstrip().endswith(
        "nothing written (give -o NEW.toml to write the calibrated runbook)"
    )
    assert (sorted(os.listdir(runbook.parent)), runbook.read_bytes()) == before


def test_percentile_option(rehearsals: tuple[Path, list[Path]], tmp_path: Path) -> None:
    runbook, journals = rehearsals
    new = tmp_path / "median.toml"
    done = golive("calibrate", runbook, *journals, "-o", new, "--percentile", "50")
    assert done.returncode == 0 and "P50 of each step's measured times" in done.stdout
    load = [counted(j)["load"] for j in journals]
    assert parse_duration(steps_of(new)["load"]["duration"]) == planned_seconds(
        statistics.median(load)
    )


def test_one_journal_gives_its_own_times(
    rehearsals: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    runbook, journals = rehearsals
    new = tmp_path / "one.toml"
    assert golive("calibrate", runbook, journals[1], "-o", new).returncode == 0
    assert parse_duration(steps_of(new)["load"]["duration"]) == planned_seconds(
        counted(journals[1])["load"]
    )
    assert "rollback_duration" not in steps_of(new)["publish"]  # never undone in that run


def test_the_demo(demo: Path, tmp_path: Path) -> None:
    runbook = tmp_path / "demo.toml"
    shutil.copyfile(ROOT / "runbooks" / "demo.toml", runbook)
    new = tmp_path / "demo-calibrated.toml"
    done = golive("calibrate", runbook, demo, "-o", new)
    assert done.returncode == 0, done.stderr
    assert golive("check", new).returncode == 0
    assert_only_durations_changed(runbook, new)
    steps, times = steps_of(new), counted(demo)
    assert parse_duration(steps["migrate"]["duration"]) == planned_seconds(times["migrate"])
    undo = (
        of_type(demo, "step_finished", action="rollback")[0]["m"]
        - of_type(demo, "step_started", action="rollback")[0]["m"]
    )
    assert parse_duration(steps["migrate"]["rollback_duration"]) == planned_seconds(undo)
    for manual in ("freeze", "go-nogo", "unfreeze"):
        assert steps[manual]["duration"] == steps_of(runbook)[manual]["duration"]
    assert re.search(
        r"  migrate attempt 1 in rehearsal [\d: -]+: failed \(exit status 3", done.stdout
    )


def test_warnings_for_another_runbook(rehearsals: tuple[Path, list[Path]], tmp_path: Path) -> None:
    runbook, journals = rehearsals
    other = tmp_path / "other.toml"
    other.write_text(
        runbook.read_text().replace('name = "test run"', 'name = "payroll v2"')
        + '\n[[steps]]\nid = "archive"\nrun = "true"\nduration = "4s"\n'
    )
    done = golive("calibrate", other, journals[0])
    assert done.returncode == 0
    assert (
        f'golive: warning: {journals[0]}: it ran runbook "test run", not "payroll v2"'
        in done.stderr
    )
    assert "1 of this runbook's steps are not in it, and it has 0 others" in done.stderr
    assert "  duration of archive: it never ran in these journals" in done.stdout


def one_error_line(*args: str | Path) -> str:
    done = golive(*args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if not line.startswith("golive: warning:")]
    assert len(errors) == 1 and errors[0].startswith("golive: ")
    return errors[0]


def test_bad_input(rehearsals: tuple[Path, list[Path]], demo: Path, tmp_path: Path) -> None:
    runbook, journals = rehearsals
    assert "no journal ran a step of" in one_error_line("calibrate", runbook, demo)
    assert "cannot read" in one_error_line("calibrate", runbook, tmp_path / "nope.jsonl")
    assert "no such file" in one_error_line("calibrate", tmp_path / "nope.toml", journals[0])
    assert "between 0 and 100" in one_error_line(
        "calibrate", runbook, journals[0], "--percentile", "101"
    )
    existing = tmp_path / "existing.toml"
    existing.write_text("keep me\n")
    assert "exists" in one_error_line("calibrate", runbook, journals[0], "-o", existing)
    assert existing.read_text() == "keep me\n"
    assert "no such folder" in one_error_line(
        "calibrate", runbook, journals[0], "-o", tmp_path / "no" / "x.toml"
    )
    dry = tmp_path / "dry.jsonl"
    assert (
        golive("run", runbook, "--dry-run", "--yes", "--console", "--journal", dry).returncode == 0
    )
    assert "dry runs do not count" in one_error_line("calibrate", runbook, dry)


def test_a_calibration_that_breaks_the_window_writes_nothing(tmp_path: Path) -> None:
    tight = write_runbook(
        tmp_path,
        """
        [[steps]]
        id = "load"
        kind = "check"
        run = "sleep 2.6"
        duration = "1s"
        """,
        header='[runbook]\nname = "tight"\nwindow = { start = "2026-11-28T22:00:00+00:00", duration = "2s" }\n',
    )
    assert golive("check", tight).returncode == 0
    slow = tmp_path / "slow.jsonl"
    rehearse(tight, slow)
    new = tmp_path / "new.toml"
    done = golive("calibrate", tight, slow, "-o", new)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "critical path" in done.stderr
    assert done.stderr.rstrip().endswith(
        "golive: the calibrated runbook would not pass golive check; nothing written"
    )
    assert not new.exists()


def test_inline_steps_are_rewritten_with_tomli_w_and_said_so(tmp_path: Path) -> None:
    runbook = tmp_path / "inline.toml"
    runbook.write_text(
        "# steps as inline tables: no line of their own to edit\n"
        "steps = [\n"
        '  { id = "a", run = "sleep 0.1", duration = "5s" },\n'
        '  { id = "b", kind = "check", run = "true", duration = "2s" },\n'
        "]\n\n[runbook]\n"
        'name = "inline"\nwindow = { start = "2026-11-28T22:00:00+00:00", duration = "1h" }\n'
    )
    journal = tmp_path / "j.jsonl"
    rehearse(runbook, journal)
    new = tmp_path / "new.toml"
    done = golive("calibrate", runbook, journal, "-o", new)
    assert done.returncode == 0, done.stderr
    assert (
        "note: rewrote the whole document with tomli_w (step a: its duration is not written"
        in done.stdout
    )
    assert f"wrote {new} (rewritten with tomli_w); golive check {new}: ok" in done.stdout
    assert golive("check", new).returncode == 0
    old_doc, new_doc = tomllib.loads(runbook.read_text()), tomllib.loads(new.read_text())
    assert without_durations(old_doc) == without_durations(new_doc)
    times = counted(journal)
    assert [parse_duration(s["duration"]) for s in new_doc["steps"]] == [
        planned_seconds(times["a"]),
        planned_seconds(times["b"]),
    ]
    # In place, the rewrite would drop the runbook's comments: refused, nothing written.
    before = runbook.read_bytes()
    refused = golive("calibrate", runbook, journal, "-o", runbook)
    assert refused.returncode == 2
    assert "lose its comments and layout; nothing written" in refused.stderr
    assert runbook.read_bytes() == before


# -- pure: the numbers and the text edit ------------------------------------------------


def test_duration_text() -> None:
    assert [duration_text(s) for s in (1, 45, 60, 90, 3600, 3725, 3660, 7200 + 5)] == [
        "1s", "45s", "1m", "1m30s", "1h", "1h02m05s", "1h01m", "2h00m05s",
    ]  # fmt: skip


@given(st.integers(min_value=1, max_value=400 * 86400))
def test_duration_text_reads_back(seconds: int) -> None:
    assert parse_duration(duration_text(seconds)) == seconds


def test_planned_seconds() -> None:
    assert [planned_seconds(s) for s in (0.0, 0.01, 1.49, 1.5, 2.02, 299.6)] == [1, 1, 1, 2, 2, 300]


def test_edit_keeps_crlf_quotes_and_comments() -> None:
    text = (
        "[runbook]\r\nname = 'x'\r\n\r\n[[steps]]\r\nid = 'a'  # first\r\n"
        "duration = '5s'   # guessed\r\nrun = 'true'\r\n\r\n"
        "[[steps]]\r\n\tid = \"b\"\r\n\trun = 'true'\r\n\trollback = 'true'"
    )
    edited = set_durations(
        text, {"a": {"duration": "7s"}, "b": {"duration": "2s", "rollback_duration": "1s"}}
    )
    assert edited.in_place
    assert edited.text == text.replace("'5s'", '"7s"').replace(
        '\tid = "b"\r\n', '\tid = "b"\r\n\tduration = "2s"\r\n\trollback_duration = "1s"\r\n'
    )


def test_edit_falls_back_to_tomli_w_for_inline_tables() -> None:
    text = 'steps = [{ id = "a", run = "true", duration = "5s" }]  # a comment\n[runbook]\nname = "x"\n'
    edited = set_durations(text, {"a": {"duration": "9s"}})
    assert not edited.in_place and "not written as a plain" in edited.note
    assert tomllib.loads(edited.text)["steps"][0] == {"id": "a", "run": "true", "duration": "9s"}


def test_edit_falls_back_for_a_multiline_duration() -> None:
    text = '[runbook]\nname = "x"\n[[steps]]\nid = "a"\nduration = """5s"""\n'
    edited = set_durations(text, {"a": {"duration": "9s"}})
    assert not edited.in_place
    assert tomllib.loads(edited.text)["steps"][0]["duration"] == "9s"


def test_no_values_no_change() -> None:
    text = '[runbook]\nname = "x"\n[[steps]]\nid = "a"\nduration = "5s"\n'
    assert set_durations(text, {}).text == text
