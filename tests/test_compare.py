"""golive compare: real runs of a small runbook (one slower), the demo, a resumed run."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import statistics
from pathlib import Path
from typing import Any

import pytest

from golive.core.compare import durations_only, run_labels, slower
from golive.core.record import build_record
from tests.helpers import events, golive, of_type, spawn, wait_until, write_runbook

pytestmark = pytest.mark.slow  # real servers, terminals or processes: not in the fast lane

RUNBOOK = """
[vars]
t = "0.2"
pidfile = "/dev/null"

# prep and index take the same time in every run; load takes {{t}}.
[[steps]]
id = "prep"
kind = "check"
run = "sleep 0.1"
duration = "5s"

[[steps]]
id = "load"
run = "echo $$ > {{pidfile}}; sleep {{t}}"
duration = "5s"  # from the first rehearsal
rollback_point = true

[[steps]]
id = "index"
run = "sleep 0.2"
rollback = "true"
retries = 1
duration = "2s"

[[steps]]
id = "sign-off"
kind = "manual"
instructions = "Check the counts"
duration = "1m"
"""
STEPS = ["prep", "load", "index", "sign-off"]


def rehearse(runbook: Path, journal: Path, *extra: str) -> None:
    done = golive("run", runbook, "--rehearsal", "--yes", "--console", "--journal", journal, *extra)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """Three rehearsals: the second with an injected failure of index, the third slower."""
    folder = tmp_path_factory.mktemp("small")
    runbook = write_runbook(folder, RUNBOOK)
    journals = [folder / f"r{i}.jsonl" for i in (1, 2, 3)]
    rehearse(runbook, journals[0], "--var", "t=0.2")
    rehearse(runbook, journals[1], "--var", "t=0.2", "--inject-failure", "index")
    rehearse(runbook, journals[2], "--var", "t=1.0")
    return runbook, journals


@pytest.fixture
def demo(demo_journal: Path) -> Path:
    return demo_journal


def counted_times(journal: Path) -> dict[str, float]:
    """Per step, from the events: the last successful run attempt, finish minus start."""
    started: dict[str, float] = {}
    times: dict[str, float] = {}
    for e in events(journal):
        if e["type"] == "step_started" and e["action"] == "run":
            started[e["step"]] = e["m"]
        elif e["type"] == "step_finished" and e["action"] == "run" and e["status"] == "succeeded":
            times[e["step"]] = e["m"] - started[e["step"]]
    return times


def ms(expected: Any, slack: float = 0.0005) -> Any:
    """The document gives seconds to the millisecond, the journal's own resolution."""
    return pytest.approx(expected, abs=slack)


def compare_json(*journals: Path) -> dict[str, Any]:
    done = golive("compare", *journals, "--json")
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[8]


def test_times_percentiles_and_totals_match_the_events(small: tuple[Path, list[Path]]) -> None:
    _, journals = small
    doc = compare_json(*journals)
    assert [Path(r["journal"]).name for r in doc["runs"]] == ["r1.jsonl", "r2.jsonl", "r3.jsonl"]
    assert doc["same_runbook"] is True
    measured = [counted_times(j) for j in journals]
    rows = {row["id"]: row for row in doc["steps"]}
    assert list(rows) == STEPS
    for step in ("prep", "load", "index"):
        expected = [m[step] for m in measured]
        assert [cell["seconds"] for cell in rows[step]["runs"]] == ms(expected)
        assert all(cell["counted"] for cell in rows[step]["runs"])
        assert rows[step]["samples"] == 3
        assert rows[step]["p50"] == ms(statistics.median(expected))
        assert rows[step]["p90"] == ms(p90(expected))
    # index's injected first attempt in run 2 is shown, not counted.
    assert rows["index"]["runs"][1]["attempts"] == 2
    assert rows["index"]["runs"][1]["not_counted"][0]["attempt"] == 1
    assert "injected" in rows["index"]["runs"][1]["not_counted"][0]["reason"]
    assert doc["runs"][1]["injected"] == ["index"]
    # --yes confirmed sign-off: shown with its mark, never counted.
    assert [c["mark"] for c in rows["sign-off"]["runs"]] == ["*", "*", "*"]
    assert rows["sign-off"]["samples"] == 0 and rows["sign-off"]["p90"] is None
    totals = [events(j)[-1]["m"] for j in journals]
    assert doc["totals"]["seconds"] == ms(totals)
    assert doc["totals"]["p90"] == ms(p90(totals))


def expected_slowdowns(journals: list[Path]) -> set[tuple[str, str]]:
    """The documented rule, applied to the events' numbers."""
    measured = [counted_times(j) for j in journals]
    floor = min(30.0, 0.05 * events(journals[-1])[-1]["m"])
    found = set()
    for step in ("prep", "load", "index"):
        last, before = measured[-1][step], measured[-2][step]
        median = statistics.median([m[step] for m in measured[:-1]])
        for against, reference in (("previous", before), ("median", median)):
            if last - reference > 0.2 * reference and last - reference > floor:
                found.add((step, against))
    return found


def test_the_slower_step_is_flagged(small: tuple[Path, list[Path]]) -> None:
    _, journals = small
    doc = compare_json(*journals)
    flagged = {(row["id"], s["against"]) for row in doc["steps"] for s in row["slower"]}
    assert {("load", "previous"), ("load", "median")} <= flagged
    assert flagged == expected_slowdowns(journals)
    load = next(row for row in doc["steps"] if row["id"] == "load")["slower"][0]
    assert load["delta"] == ms(load["seconds"] - load["reference"], 0.0015)


def test_text_table(small: tuple[Path, list[Path]]) -> None:
    _, journals = small
    done = golive("compare", *journals)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1].startswith('runbook "test run" (sha256 ') and lines[1].endswith("in every run")
    header = next(line for line in lines if line.startswith("step "))
    assert header.split()[-2:] == ["P50", "P90"]
    measured = [counted_times(j) for j in journals]
    load = [m["load"] for m in measured]
    row = next(line for line in lines if line.startswith("load "))
    assert row.split() == [
        "load",
        "5s",
        f"{load[0]:.1f}s",
        f"{load[1]:.1f}s",
        f"▲{load[2]:.1f}s",
        f"{statistics.median(load):.1f}s",
        f"{p90(load):.1f}s",
    ]
    sign_off = next(line for line in lines if line.startswith("sign-off "))
    assert sign_off.split()[2:5] == ["0.0s*", "0.0s*", "0.0s*"] and sign_off.split()[5:] == [
        "-",
        "-",
    ]
    assert any(line.startswith("▲ slower in the last run") for line in lines)
    assert f"  load: {load[2]:.1f}s against {load[1]:.1f}s in the run before" in done.stdout
    r2 = next(line for line in lines if "r2.jsonl" in line)
    assert r2.endswith("injected failure: index")
    assert "no rollbacks in these runs" in lines


def test_demo_rollback_and_another_runbook(small: tuple[Path, list[Path]], demo: Path) -> None:
    _, journals = small
    doc = compare_json(demo, journals[0])
    assert doc["same_runbook"] is False
    # The earliest run is the reference; the other is named as another runbook.
    assert doc["runbook"][0].startswith("runbooks differ between runs")
    assert doc["runbook"][1].endswith("another name")
    assert {'"test run"', '"Demo: shop 2.0 go-live"'} == {
        name
        for name in ('"test run"', '"Demo: shop 2.0 go-live"')
        if name in "".join(doc["runbook"])
    }
    demo_index = next(i for i, r in enumerate(doc["runs"]) if r["journal"] == str(demo))
    (rollback,) = doc["rollbacks"]
    started = of_type(demo, "rollback_started")[0]
    finished = of_type(demo, "rollback_finished")[0]
    assert rollback["run"] == demo_index and rollback["to"] == "backup"
    assert rollback["cause"] == "migrate" and rollback["status"] == "completed"
    assert rollback["planned_seconds"] == 2.0
    assert rollback["seconds"] == ms(finished["m"] - started["m"])
    undo_start = of_type(demo, "step_started", action="rollback")[0]["m"]
    undo_end = of_type(demo, "step_finished", action="rollback")[0]["m"]
    assert rollback["actions"] == [
        {"step": "migrate", "seconds": ms(undo_end - undo_start), "status": "succeeded"}
    ]
    rows = {row["id"]: row for row in doc["steps"]}
    # A step only one of the runbooks has is null (shown "-") in the other run.
    assert rows["migrate"]["runs"][1 - demo_index] is None
    assert rows["load"]["runs"][demo_index] is None
    migrate = rows["migrate"]["runs"][demo_index]
    assert migrate["seconds"] == ms(counted_times(demo)["migrate"])
    assert migrate["attempts"] == 2 and "failed" in migrate["not_counted"][0]["reason"]
    assert rows["migrate"]["rollback_runs"][demo_index]["seconds"] == ms(undo_end - undo_start)
    assert "rolled back to backup (completed)" in doc["runs"][demo_index]["notes"]
    text = golive("compare", demo, journals[0]).stdout
    assert f"to backup after migrate: completed in {finished['m'] - started['m']:.1f}s" in text
    assert f"    undo migrate: {undo_end - undo_start:.1f}s (succeeded)" in text
    assert "p50" in doc["steps"][0] and doc["steps"][0]["p50"] is None  # two runs: no percentiles


def test_a_calibrated_runbook_is_still_comparable(
    small: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    runbook, journals = small
    text = runbook.read_text()
    faster = tmp_path / "faster.toml"
    faster.write_text(text.replace('duration = "1m"', 'duration = "3m"'))
    added = tmp_path / "added.toml"
    added.write_text(text + '\n[[steps]]\nid = "extra"\nrun = "true"\nduration = "1s"\n')
    rehearse(faster, tmp_path / "f.jsonl")
    rehearse(added, tmp_path / "a.jsonl")
    doc = compare_json(journals[0], tmp_path / "f.jsonl", tmp_path / "a.jsonl")
    assert doc["runbook"][0].startswith("runbooks differ between runs")
    assert doc["runbook"][1].endswith("differs only in planned durations: comparable")
    assert doc["runbook"][2].endswith("another runbook text (1 step ids differ)")
    assert [row["id"] for row in doc["steps"]] == [*STEPS, "extra"]
    assert [cell is None for cell in doc["steps"][-1]["runs"]] == [True, True, False]


@pytest.fixture
def leftover_group() -> Any:
    pid_file: list[Path] = []
    yield pid_file
    for path in pid_file:
        with contextlib.suppress(ProcessLookupError, ValueError, FileNotFoundError):
            os.killpg(int(path.read_text()), signal.SIGKILL)


def test_a_resumed_run_is_named_and_its_interrupted_step_not_counted(
    small: tuple[Path, list[Path]], tmp_path: Path, leftover_group: list[Path]
) -> None:
    runbook, journals = small
    journal, pid = tmp_path / "k.jsonl", tmp_path / "pid"
    leftover_group.append(pid)
    process = spawn(
        "run", runbook, "--rehearsal", "--yes", "--console", "--journal", journal,
        "--var", "t=30", "--var", f"pidfile={pid}",
    )  # fmt: skip
    try:
        wait_until(lambda: pid.exists() and pid.read_text().strip() != "", what="load to start")
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=10)
    resumed = golive(
        "resume", journal, "--interrupted", "done", "--yes", "--console", "--var", f"pidfile={pid}"
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    doc = compare_json(journals[0], journals[1], journal)
    last = doc["runs"][-1]
    assert last["journal"] == str(journal) and last["resumed"] is True and last["sessions"] == 2
    assert last["notes"][0].startswith("resumed (2 sessions)")
    load = next(row for row in doc["steps"] if row["id"] == "load")
    assert load["runs"][-1]["counted"] is False and load["runs"][-1]["mark"] == "↯"
    assert load["samples"] == 2 and load["slower"] == []
    text = golive("compare", journals[0], journals[1], journal).stdout
    assert "resumed (2 sessions)" in text and "↯ interrupted" in text


def test_a_dry_run_is_shown_but_not_counted(small: tuple[Path, list[Path]], tmp_path: Path) -> None:
    runbook, journals = small
    dry = tmp_path / "dry.jsonl"
    done = golive("run", runbook, "--dry-run", "--yes", "--console", "--journal", dry)
    assert done.returncode == 0, done.stdout + done.stderr
    doc = compare_json(journals[0], journals[1], dry)
    assert doc["runs"][-1]["notes"] == ["dry run: nothing was executed"]
    load = next(row for row in doc["steps"] if row["id"] == "load")
    assert load["runs"][-1]["mark"] == "~" and load["runs"][-1]["counted"] is False
    expected = [counted_times(j)["load"] for j in journals[:2]]
    assert load["samples"] == 2 and load["p90"] == ms(p90(expected))


def one_error_line(*args: str | Path) -> str:
    done = golive(*args)
    assert done.returncode == 2
    assert done.stdout == "" and "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("golive: ")
    return lines[0]


def test_bad_input(small: tuple[Path, list[Path]], tmp_path: Path) -> None:
    _, journals = small
    assert "at least two" in one_error_line("compare", journals[0])
    assert "cannot read" in one_error_line("compare", journals[0], tmp_path / "missing.jsonl")
    assert "cannot read" in one_error_line("compare", journals[0], tmp_path)
    not_a_journal = tmp_path / "notes.jsonl"
    not_a_journal.write_text('{"hello": 1}\nplain text\n')
    assert "not a golive run journal" in one_error_line("compare", journals[0], not_a_journal)
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\x00\xff\x00garbage")
    assert "not a golive run journal" in one_error_line("compare", journals[0], binary)
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"type": "run_started", "seq": 0}\n')  # no mode: a field is missing
    assert "broken.jsonl" in one_error_line("compare", journals[0], broken)


# -- pure logic ---------------------------------------------------------------------


def test_slower_thresholds() -> None:
    # A long run: 20 % and 30 s.
    assert slower(200.0, 100.0, run_total=3600)
    assert not slower(125.0, 100.0, run_total=3600)  # +25 s: under 30 s
    assert not slower(1300.0, 1100.0, run_total=3600)  # +200 s but +18 %
    assert slower(1340.0, 1100.0, run_total=3600)  # +240 s, +22 %
    # A 2-second rehearsal: the floor is 5 % of the run (0.1 s).
    assert slower(0.5, 0.2, run_total=2.0)
    assert not slower(0.28, 0.2, run_total=2.0)  # +0.08 s: under the floor
    assert not slower(0.1, 0.2, run_total=2.0)


def test_labels_stay_unique() -> None:
    def record(t: str, mode: str = "rehearsal") -> Any:
        return build_record(
            "j", None, [{"type": "run_started", "mode": mode, "t": t, "m": 0.0, "seq": 0}]
        )

    early, late = record("2026-11-20T22:01:05+00:00"), record("2026-11-20T22:01:40+00:00")
    assert run_labels([early, record("2026-11-21T09:00:00+00:00", "live")]) == [
        "rehearsal 11-20 22:01",
        "live 11-21 09:00",
    ]
    assert run_labels([early, late]) == ["rehearsal 11-20 22:01:05", "rehearsal 11-20 22:01:40"]
    assert run_labels([early, early]) == [
        "rehearsal 11-20 22:01:05 #1",
        "rehearsal 11-20 22:01:05 #2",
    ]


def test_durations_only() -> None:
    base = '[runbook]\nname = "x"\n[[steps]]\nid = "a"\nrun = "true"\nduration = "5s"\n'
    assert durations_only(base, base.replace('"5s"', '"7s"') + 'rollback_duration = "1s"\n')
    assert not durations_only(base, base.replace('"true"', '"false"'))
    assert not durations_only(base, "not toml [")
