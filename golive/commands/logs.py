"""golive logs FILE... [--json]: messages per log level in local log files."""

from __future__ import annotations

import codecs
import errno
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from golive.core.logcount import LevelCounter
from golive.core.loglevels import LEVELS_HIGH_FIRST
from golive.core.text import visible

CHUNK_BYTES = 1 << 20  # read and classify 1 MiB at a time: a 1 GB file is never held whole
_BINARY_PROBE = 8192  # a NUL byte in the first 8 KiB means a binary file, as for grep


class LogFileError(Exception):
    """A file that cannot be read as a text log; the message is a plain sentence."""


def _chunks(stream: BinaryIO) -> Iterator[str]:
    """The stream's text, decoded as UTF-8 (bad bytes become U+FFFD) chunk by chunk."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    first = True
    while True:
        data = stream.read(CHUNK_BYTES)
        if first:
            if b"\0" in data[:_BINARY_PROBE]:
                raise LogFileError("looks like a binary file (it has NUL bytes), not a text log")
            if data.startswith(codecs.BOM_UTF8):
                data = data[len(codecs.BOM_UTF8) :]
            first = False
        if not data:
            break
        yield decoder.decode(data)
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail


EXAMPLES = 3  # lines with no level shown per file


@dataclass
class Counted:
    """A file's counts, and where the first 1 MiB shows messages with no level."""

    counter: LevelCounter
    no_level: list[tuple[int, str]] = field(default_factory=list)  # (line number, text)


def count_stream(stream: BinaryIO, counter: LevelCounter | None = None) -> Counted:
    """Count the messages per level in a binary stream (the bulk path)."""
    counter = counter if counter is not None else LevelCounter()
    first = ""
    for text in _chunks(stream):
        if not first:
            first = text
        counter.count_text(text)
    counter.flush()
    return Counted(counter, _no_level(counter, first) if counter.unknown else [])


def _no_level(counter: LevelCounter, text: str) -> list[tuple[int, str]]:
    """The first messages of `text` that the learned shape reads no level in."""
    found: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n")[:-1], start=1):
        if counter.kind_of(line) is None:
            found.append((number, line))
            if len(found) == EXAMPLES:
                break
    return found


def _reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, IsADirectoryError):
        return "is a directory, not a log file"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if exc.errno == errno.ENOTDIR:
        return "no such file (a part of the path is not a directory)"
    return (exc.strerror or str(exc)).lower()


def count_file(path: str) -> Counted:
    """Count the messages per level in a local file ("-" is standard input).

    Raises LogFileError, with a plain sentence, for a file that is missing,
    unreadable, a directory or binary."""
    try:
        if path == "-":
            return count_stream(sys.stdin.buffer)
        with open(path, "rb") as stream:
            return count_stream(stream)
    except OSError as exc:
        raise LogFileError(_reason(exc)) from None


def as_record(path: str, counted: Counted) -> dict[str, object]:
    """The --json object for one file."""
    counter = counted.counter
    return {
        "file": path,
        "lines": counter.lines,
        "messages": counter.messages,
        "levels": counter.levels(),
        "shape": counter.shape.describe(),
        "with_level": round(_with_level(counter), 4),
        "no_level": [{"line": n, "text": text} for n, text in counted.no_level],
    }


def _with_level(counter: LevelCounter) -> float:
    """The share of messages a level was read in (1.0 for a file with none)."""
    return (counter.messages - counter.unknown) / counter.messages if counter.messages else 1.0


def _found(path: str, counted: Counted) -> list[str]:
    """What was found in one file: its shape, the share with a level, a few lines with
    none (shown, never obeyed: a log line's control characters are made visible)."""
    counter = counted.counter
    with_level = counter.messages - counter.unknown
    said = (
        f"{visible(path)}: {counter.shape.describe()}; {with_level:,} of {counter.messages:,}"
        f" messages ({_with_level(counter):.1%}) have a level"
    )
    if not counted.no_level:
        return [said]
    return [
        said + "; none read in:",
        *(f"  line {n}: {visible(text[:160])}" for n, text in counted.no_level),
    ]


_COLUMNS = ("lines", "messages", *(level.label for level in LEVELS_HIGH_FIRST), "unknown")


def _table(rows: list[tuple[str, dict[str, int]]]) -> list[str]:
    if len(rows) > 1:
        total = {column: sum(row[column] for _, row in rows) for column in _COLUMNS}
        rows = [*rows, ("total", total)]
    name_width = max(len("file"), *(len(name) for name, _ in rows))
    widths = {
        column: max(len(column), *(len(str(row[column])) for _, row in rows)) for column in _COLUMNS
    }
    lines = ["  ".join(["file".ljust(name_width), *(c.rjust(widths[c]) for c in _COLUMNS)])]
    for name, row in rows:
        cells = [name.ljust(name_width), *(str(row[c]).rjust(widths[c]) for c in _COLUMNS)]
        lines.append("  ".join(cells))
    return lines


def logs_command(files: list[str], as_json: bool) -> int:
    failed = False
    rows: list[tuple[str, dict[str, int]]] = []
    found: list[str] = []
    for path in files:
        try:
            counted = count_file(path)
        except LogFileError as exc:
            print(f"golive: {visible(path)}: {exc}", file=sys.stderr)
            failed = True
            continue
        counter = counted.counter
        if as_json:
            print(json.dumps(as_record(path, counted)), flush=True)
        else:
            counts = {"lines": counter.lines, "messages": counter.messages, **counter.levels()}
            rows.append((visible(path), counts))  # a file name is shown, never obeyed
            found += _found(path, counted)
    if rows:
        for line in _table(rows):
            print(line)
        print()
        for line in found:
            print(line)
    return 2 if failed else 0
