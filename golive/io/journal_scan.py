"""Reading a long journal fast: the chain checked and the samples parsed on every core.

An 8-hour night with 50 hosts sampled every 2 s is ~750,000 lines, ~95 % of them
samples. One Python process needs ~4 s just to hash and parse them; the review and
the report must be quicker than that. The file is cut at line boundaries into one
chunk per core; each worker hashes its lines, checks the chain inside its chunk,
parses its samples straight into float arrays, and hands back the other lines as
bytes. The parent checks the chain across chunk boundaries and parses the few
thousand remaining events in order.

Samples are matched with a regular expression written for the line the journal
writer produces (keys in the order golive writes them); any other sample line is
parsed with json, so an unusual but valid line is never lost.

The seal on the last line (see golive.io.journal) is checked by the parent: that
line is never a sample, so the workers only need to find its `prev` before it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import multiprocessing
import os
import re
from array import array
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from golive.core.event_schema import shape_problem

HASH_CHARS = 32  # as golive.io.journal: a line's hash is the first 32 hex digits of its SHA-256
SAMPLE_MARK = b'"type":"sample"'  # a top-level key: in a string value the quotes are escaped
PARALLEL_FROM_BYTES = 16 * 2**20  # smaller journals are read in-process: a worker costs ~0.1 s

_NUMBER = rb"(-?[0-9.]+(?:[eE][-+]?[0-9]+)?|null)"
_SAMPLE = re.compile(
    rb'"m":' + _NUMBER + rb',"type":"sample","host":"([^"\\]*)","cpu":' + _NUMBER
    + rb',"mem":' + _NUMBER + rb',"load1":' + _NUMBER + rb',"disk":' + _NUMBER
    + rb',"errors_per_min":' + _NUMBER + rb',"warnings_per_min":' + _NUMBER
    + rb',"prev":"([0-9a-f]*)"\}$'
)  # fmt: skip
# A line ends with its prev, or, on the sealed last line, with its prev and the seal
# (a flat object: no braces inside).
_PREV = re.compile(rb',"prev":"([0-9a-f]*)"(?:,"seal":\{[^{}]*\})?\}$')


@dataclass
class HostSamples:
    """One host's samples as columns: seconds since start, CPU %, memory %, errors and
    warnings per minute (NaN where the host did not report a value)."""

    m: array[float] = field(default_factory=lambda: array("d"))
    cpu: array[float] = field(default_factory=lambda: array("d"))
    mem: array[float] = field(default_factory=lambda: array("d"))
    errors: array[float] = field(default_factory=lambda: array("d"))
    warnings: array[float] = field(default_factory=lambda: array("d"))

    def extend(self, other: HostSamples) -> None:
        self.m.extend(other.m)
        self.cpu.extend(other.cpu)
        self.mem.extend(other.mem)
        self.errors.extend(other.errors)
        self.warnings.extend(other.warnings)


@dataclass
class Chunk:
    """What one worker found in its part of the file."""

    lines: int = 0
    first_prev: str | None = None  # the prev field of the chunk's first line
    last_hash: str = ""
    break_line: int | None = None  # 0-based, within the chunk
    problem: str = ""
    events: list[tuple[int, bytes]] = field(default_factory=list)  # (line within chunk, text)
    samples: dict[str, HostSamples] = field(default_factory=dict)
    sample_count: int = 0


@dataclass
class ScannedJournal:
    events: list[dict[str, object]]
    samples: dict[str, HostSamples]
    sample_count: int
    lines: int
    broken_line: int | None  # 1-based line of the first break in the chain
    problem: str
    torn_line: int | None
    head: str
    workers: int
    sealed: bool = False
    protection: str = "unsealed"  # "keyed", "unkeyed" or "unsealed"
    key_id: str | None = None
    seal_checked: bool = False  # the seal's MAC was checked (a keyed seal needs the key here)


def _number(text: bytes) -> float:
    return float("nan") if text == b"null" else float(text)


def scan_chunk(path: str, start: int, end: int) -> Chunk:
    """Hash, chain-check and split lines [start, end) of the file (both line starts)."""
    with open(path, "rb") as handle:
        handle.seek(start)
        data = handle.read(end - start)
    chunk = Chunk()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    prev: str | None = None
    sha256, match = hashlib.sha256, _SAMPLE.match
    samples, events = chunk.samples, chunk.events
    for index, line in enumerate(lines):
        found = match(line, line.find(b'"m":')) if SAMPLE_MARK in line else None
        if found is not None:
            m, host, cpu, mem, _load, _disk, errs, warns, line_prev = found.groups()
            series = samples.get(host.decode())
            if series is None:
                series = samples[host.decode()] = HostSamples()
            series.m.append(float(m))
            series.cpu.append(_number(cpu))
            series.mem.append(_number(mem))
            series.errors.append(_number(errs))
            series.warnings.append(_number(warns))
            chunk.sample_count += 1
            this_prev = line_prev.decode()
        else:
            tail = _PREV.search(line)
            this_prev = tail.group(1).decode() if tail else ""
            if SAMPLE_MARK in line and _parse_sample(line, samples):
                chunk.sample_count += 1
            else:
                events.append((index, line))
        if prev is None:
            chunk.first_prev = this_prev
        elif this_prev != prev and chunk.break_line is None:
            chunk.break_line = index
            chunk.problem = (
                "hash chain broken: this event does not follow the one before it "
                "(edited, removed or inserted lines)"
            )
        prev = sha256(line).hexdigest()[:HASH_CHARS]
    chunk.lines = len(lines)
    chunk.last_hash = prev or ""
    return chunk


def _parse_sample(line: bytes, samples: dict[str, HostSamples]) -> bool:
    """A sample line the fast pattern did not fit: parsed with json."""
    try:
        record = json.loads(line)
    except ValueError:
        return False
    if not isinstance(record, dict) or record.get("type") != "sample":
        return False
    series = samples.setdefault(str(record.get("host", "")), HostSamples())
    nan = float("nan")

    def value(key: str) -> float:
        got = record.get(key)
        return float(got) if isinstance(got, int | float) else nan

    series.m.append(value("m"))
    series.cpu.append(value("cpu"))
    series.mem.append(value("mem"))
    series.errors.append(value("errors_per_min"))
    series.warnings.append(value("warnings_per_min"))
    return True


def _cuts(path: str, size: int, parts: int) -> list[int]:
    """Offsets that start lines, splitting the file's complete lines into `parts`."""
    cuts = [0]
    with open(path, "rb") as handle:
        for part in range(1, parts):
            handle.seek(size * part // parts)
            handle.readline()  # to the start of the next line
            cuts.append(max(cuts[-1], min(handle.tell(), size)))
    cuts.append(size)
    return cuts


def scan_journal(
    path: str, workers: int | None = None, parallel_from: int = PARALLEL_FROM_BYTES
) -> ScannedJournal:
    """Read a journal for review: events parsed, samples as columns, the chain checked
    (the first break is reported and reading goes on), a torn last line left out."""
    with open(path, "rb") as handle:
        data_size = handle.seek(0, os.SEEK_END)
        # A torn last line (a crash mid-write) is not part of the journal.
        back = min(data_size, 1 << 20)
        handle.seek(data_size - back)
        tail = handle.read(back)
    complete = data_size - (len(tail) - tail.rfind(b"\n") - 1) if b"\n" in tail else 0
    torn = complete < data_size
    count = workers or (os.cpu_count() or 1)
    if complete < parallel_from:
        count = 1
    cuts = _cuts(path, complete, count)
    ranges = list(itertools.pairwise(cuts))
    if len(ranges) == 1:
        chunks = [scan_chunk(path, *ranges[0])]
    else:
        # spawn, not fork: the review calls this from a thread of a running Textual app.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(len(ranges), mp_context=context) as pool:
            chunks = list(pool.map(scan_chunk, [path] * len(ranges), *zip(*ranges, strict=True)))
    return _stitch(chunks, torn, len(ranges))


def _stitch(chunks: list[Chunk], torn: bool, workers: int) -> ScannedJournal:
    events: list[dict[str, object]] = []
    samples: dict[str, HostSamples] = {}
    broken: int | None = None
    problem = ""
    prev = ""
    base = 0
    sample_count = 0
    sealed: tuple[int, bytes, dict[str, object]] | None = None  # the first seal: line, text, event
    for chunk in chunks:
        if chunk.lines and chunk.first_prev != prev and broken is None:
            broken, problem = (
                base + 1,
                (
                    "hash chain broken: this event does not follow the one before it "
                    "(edited, removed or inserted lines)"
                ),
            )
        if chunk.break_line is not None and broken is None:
            broken, problem = base + chunk.break_line + 1, chunk.problem
        for index, line in chunk.events:
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError("not an object")
            except ValueError:
                if broken is None:
                    broken = base + index + 1
                    problem = "not a valid journal event (corrupted or edited)"
                continue
            shape = shape_problem(record)
            if shape:  # left out, so no fold downstream meets a field of the wrong kind
                if broken is None:
                    broken = base + index + 1
                    problem = f"not a valid journal event (corrupted or edited): {shape}"
                continue
            if sealed is None and "seal" in record:
                sealed = (base + index + 1, line, record)
            events.append(record)
        for host, series in chunk.samples.items():
            samples.setdefault(host, HostSamples()).extend(series)
        sample_count += chunk.sample_count
        base += chunk.lines
        prev = chunk.last_hash or prev
    scanned = ScannedJournal(
        events=events,
        samples=samples,
        sample_count=sample_count,
        lines=base,
        broken_line=broken,
        problem=problem,
        torn_line=base + 1 if torn else None,
        head=prev,
        workers=workers,
    )
    if sealed is not None:
        _check_seal(scanned, *sealed)
    return scanned


def _check_seal(
    scanned: ScannedJournal, number: int, line: bytes, record: dict[str, object]
) -> None:
    """The seal on line `number`: it must be the last line and hold; a keyed seal is checked
    when the key is here (a report on another machine only says it is keyed)."""
    from golive.io.journal import AFTER_SEAL, check_keyed, quiet_key, read_seal

    def broken(at: int, why: str) -> None:
        if scanned.broken_line is None:
            scanned.broken_line, scanned.problem = at, why

    if number < scanned.lines or scanned.torn_line is not None:
        broken(number + 1, AFTER_SEAL)
        return
    seal, problem = read_seal(line, record, number)
    if seal is None:
        broken(number, problem)
        return
    checked, keyed_problem = check_keyed(seal, quiet_key() if seal.key_id else None)
    if problem or keyed_problem:
        broken(number, problem or keyed_problem)
    scanned.sealed, scanned.protection, scanned.key_id = True, seal.protection, seal.key_id
    scanned.seal_checked = checked
