"""A journal file read back as a RunRecord: for review, report, compare and calibrate."""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import filterfalse
from operator import methodcaller

from golive.core.event_schema import shape_problem
from golive.core.events import Event
from golive.core.loader import load_runbook_text
from golive.core.record import Integrity, RecordBuilder, RunRecord
from golive.core.runbook import Runbook
from golive.io.journal import JournalError
from golive.io.journal_scan import SAMPLE_MARK, scan_journal


@dataclass
class Loaded:
    record: RunRecord
    runbook: Runbook | None
    events: list[Event]  # every event but the samples, in journal order
    builder: RecordBuilder


def load_record(path: str, samples: bool = True) -> Loaded:
    """Read and fold a journal, checking its hash chain, with every host's samples.

    With samples=False only the events are read, quickly and without checking the
    chain (record.integrity.checked is False): a review draws its first frame from
    that, then calls add_samples(), which checks the chain and adds the metrics."""
    if samples:
        scanned = scan_journal(_readable(path))
        loaded = _build(path, list(scanned.events))
        _add_scanned(loaded, scanned)
    else:
        loaded = _build(path, _events_only(_readable(path)))
    loaded.builder.finish()
    return loaded


def add_samples(loaded: Loaded) -> None:
    """Check the chain and add the samples to a record loaded with samples=False."""
    _add_scanned(loaded, scan_journal(loaded.record.journal))


def _add_scanned(loaded: Loaded, scanned: object) -> None:
    from golive.io.journal_scan import ScannedJournal

    assert isinstance(scanned, ScannedJournal)
    builder = loaded.builder
    for host, columns in scanned.samples.items():
        builder.series(host).add_columns(
            columns.m, columns.cpu, columns.mem, columns.errors, columns.warnings
        )
    builder.record.integrity = Integrity(
        checked=True,
        ok=scanned.broken_line is None,
        broken_line=scanned.broken_line,
        problem=scanned.problem,
        torn_line=scanned.torn_line,
        events=scanned.lines,
        head=scanned.head,
    )


def _readable(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except OSError as exc:
        raise JournalError(f"{path}: cannot read the journal: {exc.strerror or exc}") from None
    return path


def _events_only(path: str) -> list[Event]:
    with open(path, "rb") as handle:
        lines = handle.read().split(b"\n")
    events: list[Event] = []
    # In C, not a Python loop: samples are ~95 % of a long night's 750,000 lines.
    for line in filterfalse(methodcaller("__contains__", SAMPLE_MARK), lines):
        if not line:
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a torn or broken line: add_samples() reports where
        if isinstance(record, dict) and not shape_problem(record):
            events.append(record)  # a malformed one is left out: add_samples() reports it
    return events


def _build(path: str, events: list[Event]) -> Loaded:
    first = next((e for e in events if e.get("type") == "run_started"), None)
    if first is None:
        raise JournalError(f"{path}: not a golive run journal (no run_started event)")
    runbook: Runbook | None = None
    source = first.get("runbook_source", "")
    if source:
        runbook = load_runbook_text(first.get("runbook", path), source).runbook
    builder = RecordBuilder(path, runbook)
    for event in events:
        builder.add(event)
    return Loaded(builder.record, runbook, events, builder)
