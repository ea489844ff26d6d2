"""A journal file read back as a RunRecord: for review, report, compare and calibrate."""

from __future__ import annotations

from dataclasses import dataclass

from golive.core.loader import load_runbook_text
from golive.core.record import Integrity, RecordBuilder, RunRecord
from golive.core.runbook import Runbook
from golive.io.journal import JournalError, SplitJournal, parse_samples, read_split


@dataclass
class Loaded:
    record: RunRecord
    runbook: Runbook | None
    journal: SplitJournal
    builder: RecordBuilder


def load_record(path: str, samples: bool = True) -> Loaded:
    """Read and fold a journal. With samples=False the metric series stay empty and can be
    added later with add_samples(loaded): the review shows its first frame without them."""
    split = read_split(path)
    first = next((e for e in split.events if e.get("type") == "run_started"), None)
    if first is None:
        raise JournalError(f"{path}: not a golive run journal (no run_started event)")
    runbook: Runbook | None = None
    source = first.get("runbook_source", "")
    if source:
        loaded = load_runbook_text(first.get("runbook", path), source)
        runbook = loaded.runbook
    builder = RecordBuilder(path, runbook)
    for event in split.events:
        builder.add(event)
    v = split.verification
    builder.record.integrity = Integrity(
        ok=v.ok,
        broken_line=v.broken_line,
        problem=v.problem,
        torn_line=v.torn_line,
        events=v.events,
        head=v.tail.prev if v.tail else "",
    )
    result = Loaded(builder.record, runbook, split, builder)
    if samples:
        add_samples(result)
    builder.finish()
    return result


def add_samples(loaded: Loaded) -> None:
    loaded.builder.add_samples(parse_samples(loaded.journal.sample_lines))
