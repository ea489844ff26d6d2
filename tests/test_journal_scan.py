"""The fast review reader agrees with the plain one, line for line, on real journals."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bench.long_journal import write_long_journal
from golive.io.journal import read_events, replay_journal
from golive.io.journal_scan import scan_journal
from golive.io.recorded import add_samples, load_record


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A quarter of an hour of a 50-host night, written through golive's own journal writer."""
    path = tmp_path_factory.mktemp("night") / "night.jsonl"
    write_long_journal(str(path), hours=0.25, hosts=50, interval=2.0)
    return path


def plain_read(path: Path) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    events = list(read_events(str(path)))
    return [e for e in events if e["type"] != "sample"], [
        e for e in events if e["type"] == "sample"
    ]


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2, 3])
def test_the_scan_matches_json_parsing_line_for_line(night: Path, workers: int) -> None:
    others, samples = plain_read(night)
    scanned = scan_journal(str(night), workers=workers, parallel_from=0)
    assert scanned.workers == workers
    assert scanned.broken_line is None and scanned.torn_line is None
    assert scanned.events == others
    assert scanned.sample_count == len(samples) > 0
    report = replay_journal(str(night), lambda _: None)
    assert scanned.lines == report.events
    assert report.tail is not None and scanned.head == report.tail.prev
    for host, columns in scanned.samples.items():
        mine = [s for s in samples if s["host"] == host]
        assert list(columns.m) == [s["m"] for s in mine]
        assert list(columns.cpu) == [s["cpu"] for s in mine]
        assert list(columns.mem) == [s["mem"] for s in mine]
        assert list(columns.errors) == [s["errors_per_min"] for s in mine]


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_an_edited_line_is_reported_where_the_chain_breaks(
    night: Path, tmp_path: Path, workers: int
) -> None:
    lines = night.read_bytes().split(b"\n")
    # An edited sample in the middle, and a torn last line as a crash leaves it.
    middle = next(i for i in range(len(lines) // 2, len(lines)) if b'"type":"sample"' in lines[i])
    lines[middle] = lines[middle].replace(b'"cpu":', b'"cpu":1', 1)
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_bytes(b"\n".join(lines[:-1]) + b'\n{"seq":')
    scanned = scan_journal(str(tampered), workers=workers, parallel_from=0)
    # The edited line still chains to its predecessor; the NEXT line no longer follows it.
    assert scanned.broken_line == middle + 2
    assert "hash chain broken" in scanned.problem
    assert scanned.torn_line == len(lines)  # lines[-1] was the empty one after the last newline
    loaded = load_record(str(tampered))
    assert not loaded.record.integrity.ok
    assert loaded.record.integrity.broken_line == middle + 2


def test_a_sample_line_in_another_shape_is_parsed_not_lost(tmp_path: Path) -> None:
    from golive.core.clock import SystemClock
    from golive.io.journal import JournalWriter

    path = tmp_path / "odd.jsonl"
    writer = JournalWriter(str(path), SystemClock())
    writer.append({"type": "run_started", "mode": "rehearsal", "runbook": "x.toml"})
    writer.append({"type": "sample", "host": "db1", "cpu": None, "mem": 40.5})  # no errors
    writer.append({"type": "sample", "mem": 41.0, "host": "db1", "cpu": 3})  # keys reordered
    writer.close()
    scanned = scan_journal(str(path))
    columns = scanned.samples["db1"]
    assert math.isnan(columns.cpu[0]) and columns.cpu[1] == 3.0
    assert list(columns.mem) == [40.5, 41.0]
    assert scanned.broken_line is None and scanned.sample_count == 2


@pytest.mark.slow
def test_a_review_can_draw_before_the_samples_and_the_chain(night: Path) -> None:
    quick = load_record(str(night), samples=False)
    assert not quick.record.integrity.checked and len(quick.record.hosts["db00"].m) == 0
    add_samples(quick)
    full = load_record(str(night))
    assert quick.record.integrity == full.record.integrity and full.record.integrity.checked
    assert list(quick.record.hosts["db00"].cpu) == list(full.record.hosts["db00"].cpu)
    assert [s.status for s in quick.record.steps] == [s.status for s in full.record.steps]
    rollback = full.record.rollbacks[0]
    assert (rollback.to, rollback.cause, rollback.status) == ("s040", "s047", "completed")
    decoded = [json.loads(line) for line in night.read_bytes().splitlines()]
    assert full.record.integrity.events == len(decoded)
