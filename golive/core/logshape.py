"""Where a source's logger puts the level: learned from the source's first lines.

The known shapes (golive.core.loglevels) read a level after a timestamp and up to four
header fields. Real systems write more: a compact date (``081109 203615 148 INFO``), a
two-digit year (``17/06/09 20:10:40 INFO``), a comma after the time (``04:30:30, Info``),
five or more fields before the level (an HPC RAS log's ``... R02-M1-N0 RAS KERNEL INFO``),
a level in mixed case. No list of shapes covers the next system, so each source teaches
its own: from its first messages, the header field that holds a level word.

A line's *fields* are its runs of characters other than space, tab, ``|`` and CR; field
0 is the first. A field holds a level when, without the brackets and punctuation around
it (``[Warning]``, ``<Error>``, ``INFO:``, ``Info,``), it is a level name in any case.
The learned field must be the first level field of most messages, at the same position
(a word in the message is never a level: the position is the logger's, not the text's).

The rules, in ``learn``:

- Lines that start with a space or tab, blank lines and the other continuations of the
  known shapes (a stack trace, ``Caused by:``) are not messages and teach nothing.
- A field is learned only if it gives a level to more of the sample's messages than the
  known shapes do, by at least a quarter of them and at least two, and is the first
  level field of at least half of them.
- Otherwise the source keeps the known shapes, line by line (sources that mix formats,
  such as containers' combined output, fall back this way).

``Shape.describe()`` says what was found: ``known shapes``, ``inferred: level is field 4``
(counted from 1, as a person reads the line), or ``no level`` when nothing was read.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from golive.core.loglevels import (
    CONTINUATION,
    FIELD_WORD,
    FIELD_WORDS,
    KNOWN_HEADER,
    PATTERN_FLAGS,
    Level,
    LineKind,
    level_from_name,
    line_token,
    token_kind,
)

MAX_FIELD: Final = 12  # a level later than the 12th field is taken for message text
_FIELD: Final = re.compile(r"[^ \t|\r\n]+")
_AROUND: Final = "[](){}<>:,;=*#'\""  # what may surround a level word in its field
_WORDS: Final = frozenset(word.lower() for word in FIELD_WORDS)
_CACHE_LIMIT: Final = 4096
_field_levels: dict[str, Level | None] = {}


def field_level(field: str) -> Level | None:
    """The level a header field names (``[Warning]``, ``INFO:``, ``Info,``), or None.

    Exactly the fields shape_pattern's field group matches: a word of FIELD_WORDS in
    any case, with only characters of _AROUND before and after it."""
    try:
        return _field_levels[field]
    except KeyError:
        pass
    word = field.strip(_AROUND).lower()
    level = level_from_name(word) if word in _WORDS else None
    if len(_field_levels) >= _CACHE_LIMIT:
        _field_levels.clear()
    _field_levels[field] = level
    return level


def first_level_field(line: str) -> int | None:
    """The position of the line's first field that names a level, within MAX_FIELD."""
    for index, match in enumerate(_FIELD.finditer(line)):
        if index >= MAX_FIELD:
            return None
        if field_level(match.group()) is not None:
            return index
    return None


@dataclass(frozen=True)
class Shape:
    """How a source's levels are read: the known shapes only (field None), or the
    learned header field first and the known shapes for the lines it does not fit."""

    field: int | None = None
    messages: int = 0  # the messages it was learned from
    read: int = 0  # of those, the messages it gives a level
    known: str = ""  # the known shape most of them have (known_name), if any

    def describe(self) -> str:
        if self.field is not None:
            return f"inferred: level is field {self.field + 1}"
        if self.messages and not self.read:
            return "no level"
        return f"known: {self.known}" if self.known else "known shapes"


KNOWN: Final = Shape()


def known_name(line: str, token: str) -> str:
    """Which of the known shapes read a level in `line` (its pattern token given), in
    words a person recognises: for `golive logs`, not for reading."""
    start = line.lstrip("[")[:1]
    if line.startswith("{"):
        return "JSON lines"
    if "=" in token:
        return "logfmt"
    if token.startswith("<") and token[1:2].isdigit():
        return "syslog <PRI>"
    if (len(token) == 2 and token.endswith("/")) or (len(token) == 1 and start.isdigit()):
        return "Android logcat"
    if len(token) == 1:
        return "glog/klog"
    if start.isdigit() or (line[:3].isalpha() and line[3:4] == " "):
        return "timestamp, then the level"
    return "the level first"


_SEPARATORS: Final = r"[ \t|\r]"
_FIELD_CHARS: Final = r"[^ \t|\r\n]"
_AROUND_SET: Final = "[" + re.escape(_AROUND) + "]"


@functools.cache
def shape_pattern(field: int) -> re.Pattern[str]:
    """The pattern that reads a source in the shape "level in field `field`": it
    matches each line once (up to and including its "\\n") and captures, in group 1,
    the field when it holds a level word, or else, in group 2, the known shapes' token.
    One pattern for the line-by-line and the bulk path: they read alike by construction.
    """
    level_field = rf"{_AROUND_SET}*+{FIELD_WORD}{_AROUND_SET}*+(?=[ \t|\r\n])"
    fields = rf"(?:{_FIELD_CHARS}++{_SEPARATORS}++){{{field}}}"
    return re.compile(rf"^(?:{fields}({level_field})|{KNOWN_HEADER}|)[^\n]*\n", PATTERN_FLAGS)


def kind_of_groups(level_field: str, token: str) -> LineKind:
    """A line's kind from shape_pattern's groups: the learned field's level, or else
    the known shapes' reading of the line (which may be a continuation)."""
    if level_field:
        return field_level(level_field)
    return token_kind(token)


# What a message teaches: its reading in the known shapes, its first level field, and
# the name of the known shape that read it ("" if none did).
Lesson = tuple[LineKind, int | None, str]


def lesson(line: str) -> Lesson | None:
    """What one line teaches, or None for a continuation (it teaches nothing)."""
    token = line_token(line)
    kind = token_kind(token)
    if kind is CONTINUATION:
        return None
    return kind, first_level_field(line), known_name(line, token) if kind is not None else ""


def learn(lines: Iterable[str]) -> Shape:
    """The shape of a source, from its first lines (see the module's rules)."""
    return decide([taught for line in lines if (taught := lesson(line)) is not None])


def decide(messages: Sequence[Lesson]) -> Shape:
    """The shape, from what each of the first messages teaches."""
    total = len(messages)
    known_read = sum(1 for kind, _, _ in messages if kind is not None)
    votes = Counter(field for _, field, _ in messages if field is not None)
    if votes:
        field, first_at = votes.most_common(1)[0]
        # What the field reads: its level where it has one, the known shapes elsewhere.
        field_read = sum(1 for kind, at, _ in messages if at == field or kind is not None)
        gain = field_read - known_read
        if first_at * 2 >= total and gain >= max(2, total / 4):
            return Shape(field, total, field_read)
    names = Counter(name for _, _, name in messages if name)
    return Shape(None, total, known_read, names.most_common(1)[0][0] if names else "")
