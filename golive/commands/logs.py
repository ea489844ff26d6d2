"""golive logs FILE... [--json]: messages per log level in local log files."""

from __future__ import annotations

import codecs
import errno
import json
import sys
from collections.abc import Iterator
from typing import BinaryIO

from golive.core.loglevels import LEVELS_HIGH_FIRST, LevelCounter
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


def count_stream(stream: BinaryIO, counter: LevelCounter | None = None) -> LevelCounter:
    """Count the messages per level in a binary stream (the bulk path)."""
    counter = counter if counter is not None else LevelCounter()
    for text in _chunks(stream):
        counter.count_text(text)
    counter.flush()
    return counter


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


def count_file(path: str) -> LevelCounter:
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


def as_record(path: str, counter: LevelCounter) -> dict[str, object]:
    """The --json object for one file."""
    return {
        "file": path,
        "lines": counter.lines,
        "messages": counter.messages,
        "levels": counter.levels(),
    }


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
    for path in files:
        try:
            counter = count_file(path)
        except LogFileError as exc:
            print(f"golive: {visible(path)}: {exc}", file=sys.stderr)
            failed = True
            continue
        if as_json:
            print(json.dumps(as_record(path, counter)), flush=True)
        else:
            counts = {"lines": counter.lines, "messages": counter.messages, **counter.levels()}
            rows.append((visible(path), counts))  # a file name is shown, never obeyed
    if rows:
        for line in _table(rows):
            print(line)
    return 2 if failed else 0
