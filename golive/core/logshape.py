"""Where a source's logger puts the level: learned from the source's first lines.

The known shapes (golive.core.loglevels) read a level after a timestamp and up to four
header fields. Real systems write more: a compact date (``081109 203615 148 INFO``), a
two-digit year (``17/06/09 20:10:40 INFO``), a comma after the time (``04:30:30, Info``),
five or more fields before the level (an HPC RAS log's ``... R02-M1-N0 RAS KERNEL INFO``),
a level in mixed case. No list of shapes covers the next system, so each source teaches
its own: from its first messages, the header field that holds a level word.

A line's *fields* are its runs of characters other than space, tab, ``|``, comma and
CR; field 0 is the first. A field holds a level when, without the brackets and
punctuation around it (``[Warning]``, ``<Error>``, ``INFO:``, ``INFO/MainProcess``),
it is a level name in any case, or one of the letters I, A, W, E, F, D, V (D1-D5).
The learned field must be the first level field of most lines that have one, at the
same position (a word in the message is never a level: the position is the logger's).

The rules, in ``decide``:

- Lines that start with a space or tab, blank lines and the other continuations of the
  known shapes (a stack trace, ``Caused by:``) are not messages and teach nothing.
- A field is learned only if it gives a level to more of the sample's messages than the
  known shapes do, by at least a quarter of them and at least two, and is the first
  level field of at least half the lines that have one; a field of single letters only
  if it holds two different ones (a flag such as CRI's ``F`` is not a level).
- How the messages start is learned too (a *signature*: ``9-9-9`` for ``2026-11-22``),
  when nearly all messages with a level (at least 3) start alike and that says header (a
  number, a bracket). Then a line in which nothing reads a level, that starts otherwise
  and does not itself start with a number, is part of the message above (when there
  is one: the source's first message stays a message, such as a CSV export's column
  names).
- A syslog file (four fifths of its lines with an RFC 3164 prefix) is read after the
  prefix, each program's text as the known shapes read a line (``logenvelope.is_syslog``); its
  messages' fields are not learned (they would count the prefix's).
- An Oracle alert log (at least three lines that hold only a timestamp, a tenth of its
  lines) is read in its groups: a message with a level goes on to the next timestamp
  line, ``Errors in file`` takes the ORA- lines after it (``golive.core.loggroups``).
- Otherwise the source keeps the known shapes, line by line (sources that mix formats,
  such as containers' combined output, fall back this way).

``Shape.describe()`` says what was found: ``known: <shape>``, ``inferred: level is
field 4`` (counted from 1, as a person reads the line) or ``no level``, and how its
messages start when that was learned.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from golive.core.logenvelope import SYSLOG_PREFIX
from golive.core.loglevels import (
    CONTINUATION,
    FIELD_WORD,
    FIELD_WORDS,
    KNOWN_HEADER,
    PATTERN_FLAGS,
    PG_CONTINUATIONS,
    Level,
    LineKind,
    level_from_name,
    line_token,
    token_kind,
)

MAX_FIELD: Final = 12  # a level later than the 12th field is taken for message text
_FIELD: Final = re.compile(r"[^ \t|,\r\n]+")
# How a line starts is read up to its first blank or "|": across commas, so that a CSV
# export's "Error,11/22/2026 ..." starts like "a,9/9/9" (a header), not like a word.
_FIRST: Final = re.compile(r"[^ \t|\r\n]+")
_AROUND: Final = "[](){}<>:;=*#'\""  # what may surround a level word in its field
_WORDS: Final = frozenset(word.lower() for word in FIELD_WORDS)
# One-letter levels in a header field (glog, MongoDB's text log, WebSphere's event
# type): learned only where the field holds at least two of them (CRI's "F" is a flag).
_LETTERS: Final[dict[str, Level]] = {
    "I": Level.INFO, "A": Level.INFO, "W": Level.WARNING, "E": Level.ERROR,
    "F": Level.CRITICAL, "D": Level.DEBUG, "V": Level.DEBUG,
    **{f"D{n}": Level.DEBUG for n in range(1, 6)},
}  # fmt: skip
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
    # A comma is a separator (never in a field), but a caller may pass one ("Info,").
    word = field.strip(_AROUND + ",").split("/", 1)[0].strip(_AROUND)  # "INFO/MainProcess"
    level = _LETTERS.get(word) or (level_from_name(word) if word.lower() in _WORDS else None)
    if len(_field_levels) >= _CACHE_LIMIT:
        _field_levels.clear()
    _field_levels[field] = level
    return level


SIGNATURE_SYMBOLS: Final = 8  # a signature's length, in runs of a kind of character


def signature(line: str) -> str:
    """How a line starts, as runs of kinds of character up to its first blank or "|":
    digits 9, letters a, anything else as itself ("2026-11-22 ..." is "9-9-9",
    "[2026-11-22T02:00" is "[9-9-9a9:9", a CSV export's "Error,11/22/2026 ..." is
    "a,9/9/9"). Lines of one logger's messages start alike."""
    match = _FIRST.match(line)
    if match is None:
        return ""
    symbols: list[str] = []
    for char in match.group():
        symbol = "9" if char.isdigit() else "a" if char.isalpha() else char
        if not symbols or symbols[-1] != symbol or symbol not in "9a":
            if len(symbols) == SIGNATURE_SYMBOLS:
                break
            symbols.append(symbol)
    return "".join(symbols)


def _distinctive(start: str) -> bool:
    """A signature that tells a header from text: a number in it, or a bracket first."""
    return "9" in start or start[:1] in ("[", "{", "<", "(", "=")


def first_level_field(line: str) -> tuple[int, str] | None:
    """The position and text of the line's first field that names a level, within
    MAX_FIELD."""
    for index, match in enumerate(_FIELD.finditer(line)):
        if index >= MAX_FIELD:
            return None
        if field_level(match.group()) is not None:
            return index, match.group()
    return None


@dataclass(frozen=True)
class Shape:
    """How a source's levels are read: the known shapes only (field None), or the
    learned header field first and the known shapes for the lines it does not fit."""

    field: int | None = None
    messages: int = 0  # the messages it was learned from
    read: int = 0  # of those, the messages it gives a level
    known: str = ""  # the known shape most of them have (known_name), if any
    start: str | None = None  # how its messages start (signature), if they all do
    syslog: bool = False  # its lines come with a syslog prefix: each program's own text read
    alert_log: bool = False  # Oracle's alert log: messages in groups (golive.core.loggroups)

    def describe(self) -> str:
        if self.syslog:
            return "known: syslog, each program's text read in its own shape"
        if self.alert_log:
            return "known: Oracle alert log, messages in groups after a timestamp line"
        if self.field is not None:
            said = f"inferred: level is field {self.field + 1}"
        elif self.messages and not self.read:
            said = "no level"
        else:
            said = f"known: {self.known}" if self.known else "known shapes"
        if self.start is not None:
            said += f"; messages start like {self.start!r}"
        return said

    @property
    def pattern(self) -> re.Pattern[str] | None:
        """The pattern that reads lines in this shape, or None: the known shapes alone."""
        if self.field is None and self.start is None and not self.syslog:
            return None
        return shape_pattern(self.field, self.start, syslog=self.syslog)


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


_LETTER: Final = "(?:[IAWEFV]|D[1-5]?)"
_CONTINUED: Final = "(?:DETAIL|HINT|STATEMENT|CONTEXT|QUERY|LOCATION):"  # PostgreSQL
_SEPARATORS: Final = r"[ \t|,\r]"
_FIELD_CHARS: Final = r"[^ \t|,\r\n]"
_AROUND_SET: Final = "[" + re.escape(_AROUND) + "]"


# A line that starts like a header of its own, never a continuation: with a number, or
# "[", "<", "(" or "=" and a number (an access log line, another program's timestamp; a
# brace and a number is a GUID, "{9CA88EE3-..."), or logcat's
# "--------- beginning of main" between its buffers. A number that ends a sentence
# ("9.0.0. Deprecation warnings ...", a wrapped line; "3. Restart") is text.
_HEADER_LIKE: Final = r"[0-9](?![0-9.]*\.[ \t])|[\[<(=][0-9]|---------[ ]"
HEADER_LIKE: Final = re.compile(_HEADER_LIKE)


def _start_text(start: str) -> str:
    """A signature as a pattern: how a message of the source starts."""
    parts = [
        "[0-9]++" if symbol == "9" else "[A-Za-z]++" if symbol == "a" else re.escape(symbol)
        for symbol in start
    ]
    end = "" if len(start) == SIGNATURE_SYMBOLS else "(?=[ \\t|,\\r\\n])"
    return "".join(parts) + end


@functools.cache
def start_pattern(start: str) -> re.Pattern[str]:
    """Matches a line that starts like `start` (the per-line path's check; the bulk
    path's is inside shape_pattern, from the same text)."""
    return re.compile(_start_text(start), PATTERN_FLAGS)


@functools.cache
def shape_pattern(
    field: int | None, start: str | None = None, *, syslog: bool = False
) -> re.Pattern[str]:
    """The pattern that reads a source in a learned shape. It matches each line once (up
    to and including its "\\n") and captures: in group 1, field number `field` when it
    holds a level word (never, with no field); else in group 2 the known shapes' token;
    and for a line with neither, in group 3 its start when it is like `start` (or
    always "", with no start) and in group 4 its first characters when it looks like a
    header of its own. One pattern for the line-by-line and the bulk path: they read
    alike by construction, and a line is scanned once.

    With `syslog`, a line's syslog prefix (``Nov 22 02:00:01 host prog[pid]: ``) is
    skipped first, so each program's own text is read as the known shapes read a line."""
    if field is None:
        fields = "(?!)()"
    else:
        level_field = (
            rf"{_AROUND_SET}*+(?:{FIELD_WORD}(?:/[^ \t|,\r\n]*+)?|{_CONTINUED}|{_LETTER})"
            rf"{_AROUND_SET}*+(?=[ \t|,\r\n])"
        )
        # Read only in a line that starts like the source's messages (when that is
        # known): an exception's "java.io.IOException: error reading" is not a header.
        like = "" if start is None else f"(?={_start_text(start)})"
        fields = rf"{like}(?:{_FIELD_CHARS}++{_SEPARATORS}++){{{field}}}({level_field})"
    starts = "()()" if start is None else f"(?=({_start_text(start)})|)(?=({_HEADER_LIKE})|)"
    # Atomic: a line with the prefix is never read as if it had none.
    prefix = rf"(?>{SYSLOG_PREFIX}[ ]*+|)" if syslog else ""
    return re.compile(rf"^{prefix}(?:{fields}|{KNOWN_HEADER}|{starts})[^\n]*\n", PATTERN_FLAGS)


def kind_of_groups(
    level_field: str, token: str, start: str, header_like: str, *, starts: bool
) -> LineKind:
    """A line's kind from shape_pattern's groups: the learned field's level (or a
    PostgreSQL DETAIL-like continuation there), or else the known shapes' reading;
    a line they read no level in that does not start like the source's messages
    (`starts`: the shape knows how they start) continues the message above, unless it
    starts like a header of its own (`header_like` is not empty: HEADER_LIKE)."""
    if level_field:
        if level_field.strip(_AROUND).upper() in PG_CONTINUATIONS:
            return CONTINUATION
        return field_level(level_field)
    if not token and starts and not start and not header_like:
        return CONTINUATION  # no level, no header shape: the message above goes on
    return token_kind(token)


# What a message teaches: its reading in the known shapes, its first level field (and
# that field's text), the name of the known shape that read it ("" if none did), and
# how it starts.
Lesson = tuple[LineKind, int | None, str, str, str]


def lesson(line: str) -> Lesson | None:
    """What one line teaches, or None for a continuation (it teaches nothing)."""
    token = line_token(line)
    kind = token_kind(token)
    if kind is CONTINUATION:
        return None
    name = known_name(line, token) if kind is not None else ""
    at, text = first_level_field(line) or (None, "")
    return kind, at, name, signature(line), text


def learn(lines: Iterable[str]) -> Shape:
    """The shape of a source, from its first lines (see the module's rules)."""
    return decide([taught for line in lines if (taught := lesson(line)) is not None])


def decide(messages: Sequence[Lesson]) -> Shape:
    """The shape, from what each of the first messages teaches."""
    total = len(messages)
    known_read = sum(1 for kind, _, _, _, _ in messages if kind is not None)
    votes = Counter(field for _, field, _, _, _ in messages if field is not None)
    chosen: int | None = None
    read = known_read
    if votes:
        field, first_at = votes.most_common(1)[0]
        # What the field reads: its level where it has one, the known shapes elsewhere.
        field_read = sum(1 for kind, at, _, _, _ in messages if at == field or kind is not None)
        gain = field_read - known_read
        # The first level field of most lines that have one (a message word is not at
        # one place), and it reads more of the messages than the known shapes do.
        texts = {text for _, at, _, _, text in messages if at == field}
        letters = all(text.strip(_AROUND) in _LETTERS for text in texts)
        if (
            first_at * 2 >= sum(votes.values())
            and gain >= max(2, total / 4)
            and (not letters or len({text.strip(_AROUND) for text in texts}) >= 2)
        ):
            chosen, read = field, field_read
    names = Counter(name for _, _, name, _, _ in messages if name)
    known = names.most_common(1)[0][0] if names and chosen is None else ""
    return Shape(chosen, total, read, known, _start(messages, chosen))


def _start(messages: Sequence[Lesson], field: int | None) -> str | None:
    """How the source's messages start, if nearly all that have a level (at least 3)
    start alike and that says header (a number, a bracket): then a line that starts
    otherwise, with no level, is part of the message above it (a stack trace, a
    multi-line text) rather than a message of unknown level."""
    leveled = Counter(
        start
        for kind, at, _, start, _ in messages
        if kind is not None or (at is not None and at == field)
    )
    total = sum(leveled.values())
    if total < 3:
        return None
    start, count = leveled.most_common(1)[0]
    if not _distinctive(start) or count * 10 < total * 9:
        return None
    return start
