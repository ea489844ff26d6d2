"""The journal file: permissions, hash chain, torn tails, tampering, disk full."""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from golive.core.clock import SystemClock
from golive.core.events import event
from golive.core.loader import load_runbook
from golive.core.templating import Masker, Values
from golive.io.journal import JournalError, JournalWriter, Tail, verify_journal
from golive.session.session import RunOptions, read_journal, resume_session, start_session
from tests.helpers import golive, write_runbook


class FixedClock:
    def __init__(self) -> None:
        self.t = 100.0

    def wall(self) -> datetime:
        return datetime(2026, 11, 28, 22, 0, tzinfo=datetime.now().astimezone().tzinfo) + timedelta(
            seconds=self.t
        )

    def mono(self) -> float:
        return self.t


def write_some(path: Path, count: int = 5, masker: Masker | None = None) -> JournalWriter:
    writer = JournalWriter(str(path), FixedClock(), masker)
    for i in range(count):
        writer.append(event("note", text=f"note {i}", by="op"))
    return writer


def test_journal_is_created_0600_and_never_reused(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    write_some(path).close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with pytest.raises(JournalError, match="already exists"):
        JournalWriter(str(path), SystemClock())


def test_chain_links_each_event_to_the_previous_line(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    write_some(path).close()
    report = verify_journal(str(path))
    assert report.ok and report.events == 5 and report.torn_line is None
    records = [json.loads(line) for line in path.read_bytes().splitlines()]
    assert [r["seq"] for r in records] == [0, 1, 2, 3, 4]
    assert records[0]["prev"] == ""
    assert all(len(r["prev"]) == 32 for r in records[1:])


@pytest.mark.parametrize("edit", ["change", "delete", "insert", "swap"])
def test_tampering_is_reported_with_its_line(tmp_path: Path, edit: str) -> None:
    path = tmp_path / "j.jsonl"
    write_some(path).close()
    lines = path.read_bytes().splitlines(keepends=True)
    if edit == "change":
        lines[2] = lines[2].replace(b"note 2", b"note X")
    elif edit == "delete":
        del lines[2]
    elif edit == "insert":
        lines.insert(2, lines[1])
    else:
        lines[1], lines[2] = lines[2], lines[1]
    path.write_bytes(b"".join(lines))
    result = golive("verify", path)
    assert result.returncode == 1
    expected_line = 4 if edit == "change" else 3 if edit != "swap" else 2
    assert f"{path}:{expected_line}:" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_torn_tail_at_every_byte_offset_verifies_and_resumes(tmp_path: Path) -> None:
    """Cut a real run's journal at every byte offset of its last event."""
    rb_path = write_runbook(
        tmp_path, '[[steps]]\nid = "a"\nrun = "true"\n[[steps]]\nid = "b"\nrun = "true"\n'
    )
    runbook = load_runbook(str(rb_path)).runbook
    assert runbook is not None
    values = Values({}, {})
    full = tmp_path / "full.jsonl"
    session = start_session(runbook, str(full), values, SystemClock(), RunOptions(mode="rehearsal"))
    session.record(event("step_started", step="a", action="run", attempt=1))
    session.record(event("step_finished", step="a", action="run", status="succeeded"))
    session.record(event("note", text="a longer last event " * 5, by="op"))
    session.close()
    data = full.read_bytes()
    last_start = data.rindex(b"\n", 0, len(data) - 1) + 1
    for cut in range(last_start, len(data)):
        cut_path = tmp_path / f"cut-{cut}.jsonl"
        cut_path.write_bytes(data[:cut])
        report = verify_journal(str(cut_path))
        assert report.ok, (cut, report.problem)
        assert report.events == 3
        assert report.torn_line == (4 if cut > last_start else None)
        resumed = resume_session(str(cut_path), runbook, values, SystemClock())
        resumed.close()
        after = verify_journal(str(cut_path))
        assert after.ok and after.torn_line is None and after.events == 4
        assert resumed.state.step("a").status.value == "succeeded"
        cut_path.unlink()


def test_verify_reports_torn_line_and_tolerates_it(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    write_some(path).close()
    data = path.read_bytes()
    path.write_bytes(data[:-10])
    result = golive("verify", path)
    # Tolerated (not tampering), but a journal whose last line is torn has no seal.
    assert result.returncode == 5, result.stderr
    assert f"{path}:5: torn last line" in result.stdout
    assert f"{path}:4: the journal ends here without its seal" in result.stdout


def test_secrets_are_masked_in_every_field(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    writer = JournalWriter(str(path), FixedClock(), Masker(["hunter2", "s3cr3t-value"]))
    writer.append(event("output", step="a", host="h", stream="out", line="password is hunter2!"))
    writer.append(event("note", text="nested", data={"deep": ["s3cr3t-value", "ok"]}))
    writer.close()
    raw = path.read_bytes()
    assert b"hunter2" not in raw and b"s3cr3t-value" not in raw
    assert verify_journal(str(path)).ok


def test_a_full_disk_is_an_error_and_records_nothing_half(tmp_path: Path) -> None:
    """/dev/full fails every write with ENOSPC, as a full disk does."""
    writer = JournalWriter(
        "/dev/full",
        FixedClock(),
        tail=Tail(seq=4, prev="x" * 32, m=1.0, wall=None, good_bytes=0, torn_bytes=0),
    )
    with pytest.raises(JournalError, match="No space left"):
        writer.append(event("decision", step="a", decision="go", by="op"))
    assert writer.seq == 4  # nothing counted as recorded
    with pytest.raises(JournalError):
        writer.append(event("note", text="after the failure", by="op"))


def test_resume_refuses_a_tampered_journal(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    write_some(path).close()
    lines = path.read_bytes().splitlines(keepends=True)
    lines[1] = lines[1].replace(b"note 1", b"note 9")
    path.write_bytes(b"".join(lines))
    with pytest.raises(JournalError, match=r":3: hash chain broken"):
        read_journal(str(path))
