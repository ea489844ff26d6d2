"""Log levels: which severity a log line was written at, read from its header.

A line's level is read from where the logger put it, never from words in the
message: ``2026-11-22 02:00:01 INFO parity error corrected`` is INFO, and
``processed 0 errors`` (no level in a header) has no level at all.

Recognised headers (the level is taken from the first one that fits):

- JSON objects (one per line): the first of the keys ``level``, ``severity``,
  ``levelname``, ``lvl``, ``log.level``, ``loglevel``, ``log_level`` or
  ``PRIORITY`` (journald, ``journalctl -o json``). String values are level
  names; numbers 0-7 (and journald's ``PRIORITY``) are syslog severities,
  10-99 are bunyan/pino levels (10 trace, 20 debug, 30 info, 40 warn,
  50 error, 60 fatal) and 100 and up are Google Cloud severities (100 debug
  ... 500 error, 600 critical).
- logfmt: ``time=... level=error msg=...`` (keys ``level``, ``lvl``, ``severity``).
- syslog ``<PRI>`` prefixes: the severity is PRI % 8 (0-2 critical, 3 error,
  4 warning, 5 notice, 6 info, 7 debug).
- A timestamp (ISO 8601, ``2026/11/22``, a bare ``02:00:00``, syslog's
  ``Nov 22 02:00:01``, Apache's ``[Sun Nov 22 02:00:00.123 2026]``, Rails'
  ``E, [2026-...  #12]``), optionally in brackets, then up to four header
  fields (``[thread]``, a pid, ``- logger -``, ``user@db``, syslog's
  ``host tag[pid]:``), then the level: ``[error]``, ``[core:error]``,
  ``<Error>``, an upper-case name (``ERROR``, ``WARN``), or a name in any case
  followed by ``:`` or a tab (``error:``). This covers log4j/logback,
  Spring Boot, Python logging, nginx and Apache error logs, gunicorn,
  PostgreSQL, MySQL, Laravel, zap, Rust's tracing/env_logger and syslog
  files whose program writes a level first.
- At the very start of a line: ``[ERROR]``, ``ERROR msg``, ``ERROR:root:msg``
  (Python's default format), ``error: msg``, Android logcat's brief format
  ``E/Tag( 1234): msg`` and glog/klog's ``E1122 02:00:00.123456``.
- Android logcat's threadtime format: ``11-22 02:00:00.123  1234  1250 E Tag: msg``.
  One-letter levels: V, D debug; I info; W warning; E error; F, A critical.

Level names: trace (trace1-8), debug (DEBUG1-5), fine/finer/finest and
verbose are DEBUG; info and LOG are INFO; notice and note are NOTICE; warn
and warning are WARNING; err, error, severe and fail are ERROR; crit,
critical, fatal, alert, emerg, emergency and panic are CRITICAL.

Continuation lines belong to the message above and are not counted on their
own: blank lines, lines starting with a space or tab (stack frames),
``Traceback (most recent call last):``, ``Caused by:``, ``Wrapped by:``,
``... 12 more``, ``... 12 common frames omitted``, Python's
``During handling of the above exception ...`` and ``The above exception
was the direct cause ...``, an exception line such as
``java.lang.IllegalStateException: boom`` or ``ValueError: bad`` (a
CamelCase name ending in Exception, Error, Exit, Interrupt or Iteration, or
a dotted name, followed by ``:`` or the end of the line), and PostgreSQL's
``DETAIL:``, ``HINT:``, ``STATEMENT:``, ``CONTEXT:``, ``QUERY:`` and
``LOCATION:`` lines. A continuation line at the very start of a stream
belongs to a message that was not seen, so it is not counted either.

Any other line counts as one message of unknown level (not as info).

The API:

- ``classify(line) -> Level | None``: the level in one line's header; None
  when the line has none (an unknown line or a continuation).
- ``line_kind(line) -> Level | None | CONTINUATION``: the same, but tells
  continuations apart.
- ``LevelCounter``: counts messages per level. ``feed(line)`` takes one
  line and returns its kind; ``feed_text(text)`` takes any chunk of text and
  returns the kind of each complete line in it; ``count_text(text)`` does the
  same without the per-line list (the fast path, about one regex pass over
  the chunk). Chunks may end mid-line: the unfinished line waits for the
  next chunk or for ``flush()``.

Lines are separated by "\\n" only; a "\\r" before it is part of the line and
counts as white space. Every path (``classify``, ``feed``, ``feed_text``,
``count_text``) uses the same compiled pattern, so they always agree.
"""

from __future__ import annotations

import re
from collections import Counter
from enum import Enum, IntEnum
from typing import Final, TypeAlias


class Level(IntEnum):
    """One severity scale for every log format, lowest first."""

    DEBUG = 10
    INFO = 20
    NOTICE = 25
    WARNING = 30
    ERROR = 40
    CRITICAL = 50

    @property
    def label(self) -> str:
        """The lower-case name: "debug" ... "critical"."""
        return self.name.lower()


class Continuation(Enum):
    """The marker for a line that continues the message above it."""

    CONTINUATION = "continuation"


CONTINUATION: Final = Continuation.CONTINUATION

LineKind: TypeAlias = Level | Continuation | None
"""What a line is: the level of a new message, None for a new message of
unknown level, or CONTINUATION for part of the message above."""

LEVELS_HIGH_FIRST: Final = tuple(sorted(Level, reverse=True))

# -- level names -------------------------------------------------------------------

_NAMES: Final[dict[str, Level]] = {
    **{name: Level.DEBUG for name in ("trace", "trce", "debug", "dbug", "verbose")},
    **{f"trace{n}": Level.DEBUG for n in range(1, 9)},
    **{f"debug{n}": Level.DEBUG for n in range(1, 6)},
    **{name: Level.DEBUG for name in ("fine", "finer", "finest")},
    **{name: Level.INFO for name in ("info", "information", "informational", "log")},
    **{name: Level.NOTICE for name in ("notice", "note")},
    **{name: Level.WARNING for name in ("warn", "warning")},
    **{name: Level.ERROR for name in ("err", "error", "eror", "severe", "fail")},
    **{
        name: Level.CRITICAL
        for name in ("crit", "critical", "fatal", "alert", "emerg", "emergency", "panic")
    },
}
_SYSLOG: Final = (
    Level.CRITICAL,  # 0 emerg
    Level.CRITICAL,  # 1 alert
    Level.CRITICAL,  # 2 crit
    Level.ERROR,  # 3 err
    Level.WARNING,  # 4 warning
    Level.NOTICE,  # 5 notice
    Level.INFO,  # 6 info
    Level.DEBUG,  # 7 debug
)
_LETTERS: Final[dict[str, Level]] = {
    "V": Level.DEBUG,
    "D": Level.DEBUG,
    "I": Level.INFO,
    "W": Level.WARNING,
    "E": Level.ERROR,
    "F": Level.CRITICAL,
    "A": Level.CRITICAL,
}
_PG_CONTINUATIONS: Final = frozenset(
    ("DETAIL", "HINT", "STATEMENT", "CONTEXT", "QUERY", "LOCATION")
)


def level_from_name(name: str) -> Level | None:
    """The Level for a level name in any case ("WARN", "Error", "crit", "trace3"), or None."""
    return _NAMES.get(name.strip().lower())


def level_from_syslog(severity: int) -> Level:
    """The Level for a syslog severity 0-7 (higher numbers count as debug, lower as critical)."""
    return _SYSLOG[min(max(severity, 0), 7)]


def level_from_number(value: int) -> Level:
    """The Level for a numeric JSON level: syslog 0-7, bunyan/pino 10-99, Google Cloud 100+."""
    if value < 8:
        return level_from_syslog(value)
    if value >= 100:  # Google Cloud LogSeverity: 100 DEBUG ... 500 ERROR, 600+ CRITICAL
        value = value // 10
        if value < 20:
            return Level.DEBUG
        if value < 30:
            return Level.INFO
        if value < 40:
            return Level.NOTICE
    if value < 30:
        return Level.DEBUG
    if value < 40:
        return Level.INFO
    if value < 50:
        return Level.WARNING
    if value < 60:
        return Level.ERROR
    return Level.CRITICAL


# -- the pattern ---------------------------------------------------------------------
#
# One pattern matches exactly one line (up to and including its "\n") and
# captures, in its only group, the *token* that decides the line's kind: a
# level word ("ERROR", "[core:error]"), a syslog "<13>", a JSON 'level":"info"',
# a logfmt "level=warn", a logcat letter, a continuation marker, or nothing.
# The group sits in a look-ahead after the header's prefix so that one group
# serves every format; each prefix ends with a look-ahead that admits only
# its own kind of token. findall() over a chunk therefore yields one short
# string per line, and Counter() of that list counts a whole chunk in C.

_UPPER = (
    r"(?:TRACE[1-8]?|DEBUG[1-5]?|FINEST|FINER|FINE|VERBOSE|INFO|NOTICE|WARNING|WARN|"
    r"ERROR|ERR|SEVERE|CRITICAL|CRIT|ALERT|EMERGENCY|EMERG|FATAL|PANIC)"
)
_ANYCASE = (
    r"(?i:trace[1-8]?|trce|debug[1-5]?|dbug|finest|finer|fine|verbose|informational|"
    r"information|info|notice|note|warning|warn|error|eror|err|severe|fail|critical|crit|"
    r"alert|emergency|emerg|fatal|panic)"
)
_TS = r"""
  (?: \d{4}[-/.]\d\d[-/.]\d\d(?:[T ]\d\d:\d\d(?::\d\d)?(?:[.,]\d+)?)?
        (?:[ ]?(?:Z|[+-]\d\d(?::?\d\d)?|UTC|GMT|[A-Z]{1,2}[SD]T))?
    | \d\d:\d\d:\d\d(?:[.,]\d+)?
    | [A-Z][a-z]{2}[ ][A-Z][a-z]{2}[ ]{1,2}\d{1,2}[ ]\d\d:\d\d:\d\d(?:\.\d+)?[ ]\d{4}
    | [A-Z][a-z]{2}[ ]{1,2}\d{1,2}[ ]\d\d:\d\d:\d\d(?:\.\d+)?
    | [DIWEFAU],[ ]\[\d{4}-\d\d-\d\dT[\d:.]+[ ]\#\d+
  )"""
_SEP = r"(?:[ \t]+|[ \t]*\|[ \t]*)"
_FIELD = r"""
  (?: \[[^\]\n]{0,80}\]
    | \d+
    | -(?:[ \t]+[^\s-]\S*[ \t]+-)?
    | [\w.-]+@[\w.-]+
    | [\w.-]+[ \t]+[\w./-]+(?:\[\d+\])?:
  )"""
_KEYS = r"(?:level|severity|levelname|lvl|log\.level|loglevel|log_level|PRIORITY)"
_EXCEPTION_NAME = r"""
  (?: (?:[A-Za-z_$][\w$]*\.)+[A-Z][\w$]*
    | [A-Z][\w$]*(?:Error|Exit|Interrupt|Iteration|Throwable)
    | (?:[A-Z][\w$]*)?Exception(?:Group)?
  )"""
_EXCEPTION = _EXCEPTION_NAME + r"(?=:|\r?\n)"

_PATTERN_TEXT = rf"""
^(?:
  (?:
    # JSON: up to the first quote that opens a level key
      \{{[^\n]*?"(?={_KEYS}"[ \t]*:)
    # logcat threadtime: date time pid tid, then the one-letter level
    | \d\d-\d\d[ ]\d\d:\d\d:\d\d\.\d+[ \t]+\d+[ \t]+\d+[ \t]+(?=[VDIWEFA][ \t])
    # a timestamp, up to four header fields, then a level word
    | \[?{_TS}\]?(?:{_SEP}{_FIELD}){{0,4}}?{_SEP}(?:[A-Za-z][\w-]*\.)?(?:\x1b\[[\d;]*m)?
      (?=[\[<]|{_ANYCASE})
    # logfmt: key=value pairs up to the level key
    | (?:[\w.@-]+=(?:"[^"\n]*"|[^\s"]*)[ \t]+){{0,8}}?(?=(?:level|lvl|severity)=)
    # or nothing: tokens at the start of the line
    |
  )
  (?=(
    # continuations (only at the start of a line)
      ^\r?\n
    | ^[ \t]
    | ^Traceback[ ]\(most[ ]recent[ ]call[ ]last\):
    | ^Caused[ ]by:
    | ^Wrapped[ ]by:
    | ^\.\.\.(?=[ ]\d+[ ](?:more|common[ ]frames[ ]omitted))
    | ^During[ ]handling[ ]of[ ]the[ ]above[ ]exception
    | ^The[ ]above[ ]exception[ ]was[ ]the[ ]direct[ ]cause
    | ^{_EXCEPTION}
    # syslog <PRI>
    | ^<\d{{1,3}}>
    # logcat brief "E/Tag( 1234): ", glog "E1122 02:00:00.123456"
    | ^[VDIWEFA]/(?=[^\n:(]{{0,80}}(?:\([ \t]*\d+\))?:)
    | ^[IWEF](?=\d{{4}}[ ]\d\d:\d\d:\d\d\.\d+[ ])
    # logcat threadtime letter (after its prefix only)
    | (?<=[ \t])[VDIWEFA](?=[ \t])
    # JSON key and value (after the JSON prefix only)
    | (?<="){_KEYS}"[ \t]*:[ \t]*(?:"[^"\n]{{0,24}}"|-?\d{{1,4}}(?![\d.]))
    # logfmt key and value
    | (?:level|lvl|severity)=(?:"[\w-]{{1,24}}"|[\w-]{{1,24}})
    # level words
    | \[(?:[\w.-]+:)?{_ANYCASE}\]
    | <{_ANYCASE}>
    | (?:{_UPPER}|LOG|DETAIL|HINT|STATEMENT|CONTEXT|QUERY|LOCATION)(?=:)
    | {_UPPER}(?=[\s\]|,\x1b])
    | {_ANYCASE}(?=[:\t])
  ))
)?
[^\n]*\n
"""

_PATTERN: Final = re.compile(_PATTERN_TEXT, re.MULTILINE | re.VERBOSE)

_CONTINUATION_TOKEN: Final = re.compile(
    rf"""(?:\r?\n|[ \t]|Traceback[ ].*|Caused[ ]by:|Wrapped[ ]by:|\.\.\.|During[ ].*|The[ ].*
        |{_EXCEPTION_NAME})""",
    re.VERBOSE,
)

# -- tokens -> kinds ---------------------------------------------------------------

_CACHE_LIMIT: Final = 4096
_cache: dict[str, LineKind] = {}


def _kind_of_json(token: str) -> LineKind:
    key, _, value = token.partition('"')
    value = value.partition(":")[2].strip().strip('"').strip()
    if value.lstrip("-").isdigit():
        number = int(value)
        return level_from_syslog(number) if key == "PRIORITY" else level_from_number(number)
    return _NAMES.get(value.lower())


def _kind_of_token(token: str) -> LineKind:
    """The kind a captured token stands for (uncached)."""
    if not token:
        return None
    first = token[0]
    if first == "<":
        inner = token[1:-1]
        if inner.isdigit():
            return level_from_syslog(int(inner) % 8)
        return _NAMES.get(inner.lower())
    if first == "[":
        return _NAMES.get(token[1:-1].rpartition(":")[2].lower())
    if '"' in token:
        return _kind_of_json(token)
    if "=" in token:
        return _NAMES.get(token.partition("=")[2].strip('"').lower())
    if len(token) == 1 and token in _LETTERS:
        return _LETTERS[token]
    if len(token) == 2 and token[1] == "/":
        return _LETTERS.get(token[0])
    if token in _PG_CONTINUATIONS:
        return CONTINUATION
    level = _NAMES.get(token.lower())
    if level is not None:
        return level
    if _CONTINUATION_TOKEN.fullmatch(token):
        return CONTINUATION
    return None  # not reached by tokens the pattern captures; kept as a safe default


def _kind(token: str) -> LineKind:
    try:
        return _cache[token]
    except KeyError:
        pass
    kind = _kind_of_token(token)
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    _cache[token] = kind
    return kind


def _line_token(line: str) -> str:
    """The token of the first line in `line` (which need not end with "\\n")."""
    end = line.find("\n")
    text = line + "\n" if end < 0 else line[: end + 1]
    match = _PATTERN.match(text)
    assert match is not None  # the pattern matches every line that ends with "\n"
    return match.group(1) or ""


def line_kind(line: str) -> LineKind:
    """What one line is: a Level (a new message at that level), None (a new
    message of unknown level) or CONTINUATION (part of the message above).

    A trailing "\\n" is allowed; if `line` holds several lines, only the first
    is looked at."""
    return _kind(_line_token(line))


def classify(line: str) -> Level | None:
    """The level in one line's header, or None when it has none.

    None covers both a line of unknown level and a continuation line (use
    line_kind to tell them apart). Words in the message never count:
    "2026-11-22 02:00:01 INFO parity error corrected" is Level.INFO and
    "processed 0 errors" is None."""
    kind = line_kind(line)
    return None if kind is CONTINUATION else kind


# -- counting ------------------------------------------------------------------------


class LevelCounter:
    """Counts log messages per level, folding continuation lines into the
    message above them.

    Attributes, kept up to date by every feed:

    - ``lines``: lines fed (complete ones; an unfinished line counts once
      it is finished or flushed)
    - ``messages``: messages, i.e. lines that are not continuations
    - ``counts``: messages per Level (every Level is a key)
    - ``unknown``: messages with no recognisable level
    - ``continuations``: continuation lines (blank lines included)

    ``feed(line)`` returns the kind of one line; ``feed_text(text)`` and
    ``count_text(text)`` take chunks of any size that may end mid-line (the
    rest of that line is expected in the next chunk, or ``flush()`` ends it).
    A line passed to ``feed`` completes any unfinished line from a chunk.
    """

    def __init__(self) -> None:
        self.lines = 0
        self.messages = 0
        self.unknown = 0
        self.continuations = 0
        self.counts: dict[Level, int] = dict.fromkeys(Level, 0)
        self._pending = ""

    # one line

    def feed(self, line: str) -> LineKind:
        """Count one line and return its kind (a Level, None for unknown, or
        CONTINUATION). A trailing "\\n" is allowed; a `line` that holds
        several lines is counted as those lines and the first one's kind is
        returned."""
        text = line if line.endswith("\n") else line + "\n"
        if self._pending or text.find("\n") != len(text) - 1:
            return self.feed_text(text)[0]
        kind = _kind(_line_token(text))
        self._add(kind, 1)
        return kind

    def _add(self, kind: LineKind, n: int) -> None:
        self.lines += n
        if kind is CONTINUATION:
            self.continuations += n
            return
        self.messages += n
        if kind is None:
            self.unknown += n
        else:
            self.counts[kind] += n

    # chunks

    def _split(self, text: str) -> tuple[str | None, int, int]:
        """Take the complete lines out of `text`, keeping its unfinished tail.

        Returns the pending line this chunk finishes (or None), and the span
        of `text` that holds the other complete lines."""
        last = text.rfind("\n")
        if last < 0:
            self._pending += text
            return None, 0, 0
        start = 0
        head = None
        if self._pending:
            start = text.find("\n") + 1
            head = self._pending + text[:start]
        self._pending = text[last + 1 :]
        return head, start, last + 1

    def count_text(self, text: str) -> None:
        """Count every complete line in `text` (the fast path: one regex pass
        over the chunk and a C-level Counter; no per-line results)."""
        head, start, end = self._split(text)
        if head is not None:
            self._add(_kind(_line_token(head)), 1)
        if end > start:
            for token, n in Counter(_PATTERN.findall(text, start, end)).items():
                self._add(_kind(token), n)

    def feed_text(self, text: str) -> list[LineKind]:
        """Count every complete line in `text` and return the kind of each, in order."""
        head, start, end = self._split(text)
        kinds: list[LineKind] = []
        if head is not None:
            kinds.append(_kind(_line_token(head)))
            self._add(kinds[0], 1)
        if end > start:
            tokens = _PATTERN.findall(text, start, end)
            cache = _cache
            kinds += [cache[t] if t in cache else _kind(t) for t in tokens]
            for token, n in Counter(tokens).items():
                self._add(_kind(token), n)
        return kinds

    def flush(self) -> list[LineKind]:
        """End an unfinished last line (a file without a final newline):
        count it and return its kind in a list, or [] if there is none."""
        if not self._pending:
            return []
        text, self._pending = self._pending, ""
        kind = _kind(_line_token(text))
        self._add(kind, 1)
        return [kind]

    @property
    def pending(self) -> bool:
        """Whether an unfinished line is waiting for the rest of it."""
        return bool(self._pending)

    def levels(self) -> dict[str, int]:
        """Messages per level name, highest first, then "unknown"."""
        result = {level.label: self.counts[level] for level in LEVELS_HIGH_FIRST}
        result["unknown"] = self.unknown
        return result
