"""Log levels: which severity a log line was written at, read from its header.

A line's level is read from where the logger put it, never from words in the
message: ``2026-11-22 02:00:01 INFO parity error corrected`` is INFO, and
``processed 0 errors`` (no level in a header) has no level at all.

Recognised headers:

- JSON objects, one per line: the keys ``level``, ``severity``,
  ``levelname``, ``lvl``, ``log.level``, ``loglevel``, ``log_level`` and
  journald's ``PRIORITY`` (``journalctl -o json``). The object's first key
  when it is one of them (pino, zap, logrus, winston put it first), else the
  last of them in the line; a value that is not a level (null, an object)
  makes an earlier one count. String values are level names; numbers (also
  as strings) 0-7 are syslog severities (so is every journald PRIORITY),
  10-99 bunyan/pino levels (10 trace, 20 debug, 30 info, 40 warn, 50 error,
  60 fatal) and 100 and up Google Cloud severities (100 debug, 200 info,
  300 notice, 400 warning, 500 error, 600 and up critical).
- logfmt: ``time=... level=error msg=...`` (keys ``level``, ``lvl``, ``severity``).
- syslog ``<PRI>`` prefixes: the severity is PRI % 8 (0-2 critical, 3 error,
  4 warning, 5 notice, 6 info, 7 debug).
- A timestamp (ISO 8601, ``2026/11/22 02:00:00``, a bare ``02:00:00``,
  Tomcat's ``22-Nov-2026 02:00:00``, syslog's ``Nov 22 02:00:01 host tag:``,
  Apache's ``[Sun Nov 22 02:00:00.123 2026]``, Rails' ``E, [2026-... #12]``, HDFS's
  compact ``081109 203615``, Spark's ``17/06/09 20:10:40``), maybe in brackets (with
  a name before it: ``[otel.javaagent 2025-04-24 ...]``), maybe after the Java Service
  Wrapper's ``INFO   | jvm 1    | 2015/04/28 18:34:18 |`` (a line with no level of its
  own has the wrapper's) or a service's ``HsmService:``, then up to four header fields
  (``[thread]``, an unclosed ``[main``, a thread's numbered name ``pool-3-thread-1``, a
  pid, ``1000212917:``, a hex id, a quoted ``'Component'``, ``key=value``, ``- logger
  -``, a time zone name, ``user@db``, a lower-case ``logger:`` or ``file:58``, ``host
  tag[pid]:``), then
  the level: ``[error]``, ``[core:error]``, ``[INFO ]``, ``<Error>``, an
  upper-case name (``ERROR``, ``WARN``) or a name in any case followed by
  ``:`` or a tab (``error:``; VMware's ``F5A5AB90 info 'Default'`` after a hex id); ESXi's
  ``In(166)``, ``Db(167)`` (the letters, not the priority after them); an env prefix (``production.ERROR``)
  and a terminal colour code before it are skipped. This covers log4j, logback,
  Spring Boot, Python logging, nginx and Apache error logs, gunicorn,
  PostgreSQL, MySQL, Elasticsearch, Tomcat, Laravel, zap, NLog, Rust's
  tracing and env_logger, and syslog lines whose program writes a level
  first (most do not: those are of unknown level).
- PostgreSQL after any ``log_line_prefix``: in a line that starts with a digit, the
  first ``LOG:``, ``ERROR:``, ``DETAIL:`` ... followed by two spaces (PostgreSQL always
  writes two there; its DETAIL, HINT and the like continue the message above), before
  any quote or sentence's end (the prefix has neither: a quoted client error is text).
- At the start of a line: ``[ERROR] msg``, ``ERROR msg``, ``ERROR:root:msg``
  (Python's default format), ``error: msg``, ``fail: ...`` (ASP.NET Core),
  Android logcat's brief format ``E/Tag( 1234): msg`` and glog/klog's
  ``E1122 02:00:00.123456 ...``.
- A marker before the level, at the start (after SAP's component letter):
  ``C  *** ERROR => ...``, gpm's ``*** info [mice.c(1766)]: ...`` (the word must be
  followed by ``=>`` or ``[``: ``*** ERROR count is 0`` is message text).
- Some programs' own headers: npm's ``npm WARN``, ``npm ERR!``, ``npm notice`` (and
  info, http, timing, verb, sill); oVirt vdsm's ``Thread-15::DEBUG::2011-12-07 ...``;
  Proxifier's ``[10.30 16:49:30] prog.exe *64 - host:80 error : ...``.
- java.util.logging's two-line records: ``Nov 22, 2026 2:00:00 AM com.shop.Job run``
  then ``SEVERE: failed`` (SEVERE error, WARNING, INFO and CONFIG info, FINE, FINER and
  FINEST debug): the first line's token reaches into the second line's level, and the
  second line is part of the message (golive.core.logcount counts it so).
- Android logcat's threadtime format ``11-22 02:00:00.123  1234  1250 E Tag: msg``.
  One-letter levels: V, D debug; I info; W warning; E error; F, A critical.

Level names: trace (trace1-8), debug (debug1-5), fine/finer/finest and
verbose are DEBUG; info and LOG are INFO; notice and note are NOTICE; warn
and warning are WARNING; err, error, severe and fail are ERROR; crit,
critical, fatal, alert, emerg, emergency and panic are CRITICAL.

Continuation lines belong to the message above and are not counted on their
own: blank lines, lines starting with a space or tab (stack frames; but Werkzeug's
banner, `` * Running on ...``, `` * Debugger is active!``, is a message of unknown level),
``Traceback (most recent call last):``, ``Caused by:``, ``Wrapped by:``,
``... 12 more``, ``... 12 common frames omitted``, a traceback frame whose indent
was stripped (``File "x.py", line 7, in f``), Python's ``During
handling of the above exception ...`` and ``The above exception was the
direct cause ...``, an exception line such as
``java.lang.IllegalStateException: boom`` or ``ValueError: bad`` (a name
ending in Exception, Error, Exit, Interrupt, Iteration or Throwable, or a
dotted name whose last part is capitalised, followed by ``:`` or the end of
the line), a Go panic's ``goroutine 118 [running]:`` and its frames
(``main.(*gateway).route(0xc000, ...)``, ``panic({...})``: a lower-case name with
no space before its ``(`` and a line that ends with ``)``), and PostgreSQL's ``DETAIL:``, ``HINT:``, ``STATEMENT:``,
``CONTEXT:``, ``QUERY:`` and ``LOCATION:`` lines. A continuation line at the
very start of a stream belongs to a message that was not seen: it is not
counted either.

Any other line is one message of unknown level (not info).

The API:

- ``Level``: the scale, DEBUG < INFO < NOTICE < WARNING < ERROR < CRITICAL;
  ``level.label`` is its lower-case name.
- ``classify(line) -> Level | None``: the level in one line's header; None
  when it has none (a line of unknown level, or a continuation).
- ``line_kind(line) -> Level | None | CONTINUATION``: the same, telling
  continuations (``CONTINUATION``) apart from unknown lines (None).
- ``line_token(line)``, ``line_tokens(text, start, end)`` and
  ``token_kind(token)``: the pattern's token of one line or of every line of a
  chunk, and what a token stands for; golive.core.logcount counts with them.

Lines are separated by "\n" only; a "\r" before it belongs to the line and
counts as white space.
"""

from __future__ import annotations

import re
from typing import Any, Final

from golive.core.levelnames import (
    CONTINUATION,
    ESXI_LETTERS,
    LEVEL_NAMES,
    LEVELS_HIGH_FIRST,
    LOGCAT_LETTERS,
    NPM_LEVELS,
    PG_CONTINUATIONS,
    REDIS_SYMBOLS,
    Continuation,
    Level,
    LineKind,
    jul_level,
    level_from_name,
    level_from_number,
    level_from_syslog,
)

# The public names, with the scale and its names from golive.core.levelnames (they are
# read from here too).
__all__ = [
    "CONTINUATION",
    "FIELD_WORD",
    "FIELD_WORDS",
    "JUL_HEADER",
    "JUL_LEVEL",
    "KINDS_SEEN",
    "KNOWN_HEADER",
    "LEVELS_HIGH_FIRST",
    "LINE_PATTERN",
    "PATTERN_FLAGS",
    "PG_CONTINUATIONS",
    "Continuation",
    "Level",
    "LineKind",
    "classify",
    "jul_level",
    "level_from_name",
    "level_from_number",
    "level_from_syslog",
    "line_kind",
    "line_token",
    "line_tokens",
    "reaches_next_line",
    "token_kind",
    "token_kinds",
]

# -- the pattern ---------------------------------------------------------------------
#
# One pattern matches exactly one line (up to and including its "\n") and
# captures, in its only group, the *token* that decides the line's kind: a
# level word ("ERROR", "[core:error]"), a syslog "<13>", a JSON level's value
# ('"info"', "30"), a logfmt "level=warn", a logcat letter, a continuation
# marker, or nothing. The group sits in a look-ahead after the header's
# prefix (a timestamp and fields, a JSON object up to a level key, ...), so
# that one group serves every format and findall() over a chunk yields one
# short string per line: Counter() of that list counts a whole chunk in C,
# and the few distinct tokens are mapped to kinds once (token_kind, cached).
#
# Each prefix ends where only its own kind of token can start (a JSON value
# after a level key, the first two letters of a level word, a logcat letter,
# a logfmt level key), the JSON value tokens check that they follow a ":",
# and the tokens that belong at the start of a line only are guarded by
# _AT_LINE_START; lines that start with a timestamp's digit or month try no
# start-of-line token at all.
#
# Speed (CPython's regex engine): an alternative that starts with a literal
# character is skipped for the price of one comparison, one that starts with
# a set ("[Ee]") costs several times more, and a group or repetition that
# is entered costs more still. So the word lists are tries whose top-level
# branches are spliced into the token group, each starting with a literal;
# timestamps are fixed sequences of characters and sets; optional parts are
# "(?:x|)"; and runs are possessive wherever backtracking cannot help.

_UPPER_WORDS: Final = (
    *("TRACE", "DEBUG", "FINEST", "FINER", "FINE", "VERBOSE", "INFO", "NOTICE"),
    *("WARNING", "WARN", "ERROR", "ERR", "SEVERE", "CRITICAL", "CRIT", "ALERT"),
    *("EMERGENCY", "EMERG", "FATAL", "PANIC", "FAILURE"),
    *("VRB", "DBG", "INF", "WRN", "FTL"),  # Serilog's three letters (ERR is above)
    *(f"TRACE{n}" for n in range(1, 9)),
    *(f"DEBUG{n}" for n in range(1, 6)),
)
_ANYCASE_WORDS: Final = (
    *(word.lower() for word in _UPPER_WORDS),
    *("trce", "dbug", "informational", "information", "note", "eror", "fail"),
)
# PostgreSQL's LOG level, and the lines it writes after an error's own line.
_COLON_WORDS: Final = ("LOG", *PG_CONTINUATIONS)
_JSON_KEYS: Final = (
    *("level", "severity", "levelname", "lvl", "log.level", "loglevel", "log_level"),
    "PRIORITY",
)
_LOGFMT_KEYS: Final = ("level", "lvl", "severity")


def _branches(words: tuple[str, ...], *, fold: bool = False) -> list[str]:
    """Regexes that together match any of `words` (in any case if `fold`),
    longest first: the top-level branches of a trie, each starting with a
    literal character (with `fold`, one branch per case of the first letter;
    the later letters are sets)."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for index, char in enumerate(word):
            if fold and index > 0 and char.isalpha():
                char = f"[{char.upper()}{char.lower()}]"
            node = node.setdefault(char.upper() if fold and index == 0 else char, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        parts = [
            (key if key.startswith("[") else re.escape(key)) + emit(child)
            for key, child in sorted(node.items())
            if key
        ]
        if not parts:
            return ""
        if "" in node:
            parts.append("")
        return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"

    result = []
    for key, child in sorted(trie.items()):
        cases = (key.upper(), key.lower()) if fold and key.isalpha() else (key,)
        result += [re.escape(case) + emit(child) for case in cases]
    return result


def _any(words: tuple[str, ...], *, fold: bool = False) -> str:
    return "(?:" + "|".join(_branches(words, fold=fold)) + ")"


_ANYCASE = _any(_ANYCASE_WORDS, fold=True)
_KEYS = _any(_JSON_KEYS)
_AT_LINE_START = r"(?<![^\n].)"  # after a token's first character: it was the line's first

_TIMESTAMP = r"""
  (?: [0-9][0-9](?: [0-9][0-9][-/.][0-9][0-9][-/.][0-9][0-9]
                    (?:[T ][0-9][0-9]:[0-9][0-9](?::[0-9][0-9]|)[0-9.,:Z+-]*+|)
                  | :[0-9][0-9]:[0-9][0-9][0-9.,]*+
                  | -[A-Z][a-z][a-z]-[0-9][0-9][0-9][0-9][ ][0-9][0-9]:[0-9][0-9]:[0-9][0-9][0-9.,]*+
                  | /[0-9][0-9]/[0-9][0-9][ ][0-9][0-9]:[0-9][0-9]:[0-9][0-9][0-9.,]*+
                  | [01][0-9][0-3][0-9][ ][0-2][0-9][0-5][0-9][0-5][0-9](?=[ ]) )
    | [A-Z][a-z][a-z][ ](?: [A-Z][a-z][a-z][ ][ 0-9][0-9][ ][0-9][0-9]:[0-9][0-9]:[0-9][0-9][0-9.]*+
                            [ ][0-9][0-9][0-9][0-9]
                          | [ 0-9][0-9][ ][0-9][0-9]:[0-9][0-9]:[0-9][0-9][0-9.]*+
                            (?:[ ][\w.-]++[ ][^\s:\[]++(?:\[[0-9]++\]|):|) )
    | [DIWEFAU],[ ]\[[0-9T:.-]++[ ]\#[0-9]++
  )"""
# Between a timestamp and a level: "[thread]" (maybe unclosed: "[main"), a thread's
# numbered name ("pool-3-thread-1"), a hex or decimal id, a pid ("1000212917:"), a
# quoted component ('Default'), "key=value", "- logger -", a time zone, "user@db",
# "logger:" or "file:line", or syslog's "host tag[pid]:".
_FIELD = r"""
  (?: (?> \[[^\]\n]{0,80}+\]
        | [0-9A-F]{8,16}+(?=[ ])
        | [0-9]++:?
        | '[^'\n]{0,80}+'
        | [a-z][\w.$-]*+:[0-9]*+(?=[ ])
        | [\w.][\w.$-]*+(?: @[\w.-]++
                           | =[^\s]*+
                           | (?=[ \t|])
                             (?: (?<=[0-9])(?:(?<=-[0-9])|(?<=-[0-9][0-9])|(?<=-[0-9][0-9][0-9]))
                               | (?<=null)
                               | [ \t|]++[\w./-]++(?:\[[0-9]++\]|): ) )
        | [A-Z][A-Z][A-Z]?[A-Z]?(?=[ ]) )
    | -(?:[ \t]++[^\s-]\S*+[ \t]++-|)
    | \[[\w.-]++(?=[ ])
  )"""


def _starts(words: tuple[str, ...]) -> str:
    """Alternatives for the first two letters of `words`, in any case, each
    starting with a literal: a cheap test that a level word may start here."""
    seconds: dict[str, set[str]] = {}
    for word in words:
        seconds.setdefault(word[0].upper(), set()).update((word[1].upper(), word[1].lower()))
    return "|".join(
        f"{case}[{''.join(sorted(second))}]"
        for first, second in sorted(
            seconds.items(), key=lambda item: ("IEWD".find(item[0]) % 5, item[0])
        )
        for case in (first, first.lower())
    )


# Where a level may start: "[", "<" or the first two letters of a level word
# (after an optional Laravel "production." or a terminal colour code).
_LEVEL_START = (
    r"(?:\x1b\[[0-9;]*+m|[a-z][\w-]*+\.(?=[A-Z])|)"
    rf"(?=\[|<|{_starts(_ANYCASE_WORDS + _COLON_WORDS)})"
)


def _fields_then_level(depth: int) -> str:
    """A separator, then a level or up to `depth` header fields before it
    (lazy: the first level wins), unrolled: nested alternatives are cheaper
    than the engine's general repeat."""
    if depth == 0:
        return r"[ \t|]*+" + _LEVEL_START
    return rf"[ \t|]*+(?:{_LEVEL_START}|{_FIELD}{_fields_then_level(depth - 1)})"


_EXCEPTION = rf"""
  [A-Za-z_$]{_AT_LINE_START}(?=[\w$.]*+(?::|\r?\n))[\w$]*+
  (?: (?:\.(?=[\w$]*+\.)[\w$]++)*+\.[A-Z][\w$]*+
    | (?:(?<=[\w$]Error)|(?<=Exception)|(?<=ExceptionGroup)|(?<=[\w$]Exit)
        |(?<=[\w$]Interrupt)|(?<=[\w$]Iteration)|(?<=Throwable)) )
  (?=:|\r?\n)"""
_JSON_KEY = rf'"{_KEYS}"[ \t]*+:[ \t]*+'
_LOGFMT_VALUE = r"""=(?:"[\w-]{1,24}+"|[\w-]{1,24}+)"""

# java.util.logging's SimpleFormatter writes a record on two lines, the level first on
# the second: "Nov 22, 2026 2:00:00 AM com.shop.batch.Job run" then "SEVERE: failed".
JUL_HEADER: Final = (
    r"[A-Z][a-z][a-z][ ][0-9][0-9]?,[ ][0-9][0-9][0-9][0-9][ ]"
    r"[0-9][0-9]?:[0-9][0-9]:[0-9][0-9][ ](?:[AP]M[ ]|)(?=\S)"
)
_JUL_LEVEL = r"(?:SEVERE|WARNING|INFO|CONFIG|FINEST|FINER|FINE)(?=:[ ])"
JUL_LEVEL: Final = re.compile(_JUL_LEVEL)


def reaches_next_line(token: str) -> bool:
    """Whether a line's token reaches into the next line (a java.util.logging record's
    first line, to the level on its second): that line is part of this one's message."""
    return "\n" in token[:-1]


# The tokens, in the order they are tried.
_TOKENS: Final = [
    # continuations: only at the start of a line (first: stack frames are common), but
    # Werkzeug's banner, " * Running on http://...", is a message of its own
    r"\t",
    r"[ ]\*[ ](?=(?:Serving|Debug|Running|Restarting|Debugger|Detected|Environment)[ :])",
    r"[ ]",
    r"\n",
    r"\r\n",
    # a JSON level's value (after the JSON prefix only), logfmt key and value
    r'"(?<=[: \t]")[^"\n]{0,24}+"',
    r"[0-9](?<=[: \t][0-9])[0-9]{0,3}+(?![0-9.])",
    *(key + _LOGFMT_VALUE for key in _branches(_LOGFMT_KEYS)),
    # level words
    rf"\[[ ]*+(?:[\w.-]++:|){_ANYCASE}[ ]*+\]",
    r"\[System\]",  # MySQL 8's label for what it always writes (start, shutdown): info
    *(word + r"(?=[\s\]|,:\x1b]|[0-9]++\[)" for word in _branches(_UPPER_WORDS)),
    *(word + r"(?=[:\t])" for word in _branches(_ANYCASE_WORDS, fold=True)),
    # Proxifier's status "error : ..."; VMware's "F5A5AB90 info 'Component'" (after a hex id)
    r"error(?=[ ]:[ ])",
    r"(?<=[0-9A-F]{8}[ ])(?:info|verbose|warning|error|trivia)(?=[ ]')",
    *(word + r"(?=:)" for word in _branches(_COLON_WORDS)),
    rf"<(?:{_ANYCASE}>|[0-9][0-9]?[0-9]?>)",
    # the logcat threadtime letter, after its prefix
    r"[VDIWEFA](?<=[ \t].)(?=[ \t])",
    # a marker before the level: SAP's "*** ERROR =>", gpm's "*** info [mice.c]"
    rf"\*\*\*[ ]++{_ANYCASE}(?=[ ]*+(?:=>|\[))",
    # npm's own prefix: "npm WARN deprecated ...", "npm ERR! code E404", "npm notice ..."
    rf"n{_AT_LINE_START}pm[ ](?:WARN|ERR!|notice|info|http|timing|verb|sill)(?=[ ])",
    # more continuations: only at the start of a line
    r"\.\.\.(?=[ ][0-9]++[ ](?:more|common[ ]frames[ ]omitted))",
    rf"T{_AT_LINE_START}raceback[ ]\(most[ ]recent[ ]call[ ]last\):",
    rf"C{_AT_LINE_START}aused[ ]by:",
    # a Python traceback's frame with its indent stripped: 'File "x.py", line 7, in f'
    rf'F{_AT_LINE_START}ile[ ]"(?=[^"\n]*+",[ ]line[ ][0-9]++,[ ]in[ ])',
    rf"W{_AT_LINE_START}rapped[ ]by:",
    rf"D{_AT_LINE_START}uring[ ]handling[ ]of[ ]the[ ]above[ ]exception",
    rf"T{_AT_LINE_START}he[ ]above[ ]exception[ ]was[ ]the[ ]direct[ ]cause",
    _EXCEPTION,
    # a Go panic's dump: "goroutine 118 [running]:" and its frames, "pkg.(*T).f(...)"
    rf"g{_AT_LINE_START}oroutine[ ][0-9]++[ ]\[",
    rf"[a-z]{_AT_LINE_START}[\w./-]*+(?:\(\*?\w++\)\.[\w.]++|)\((?=[^\n]*\)\r?\n)",
    # logcat brief "E/Tag( 1234): ", glog "E1122 02:00:00.123456"
    r"[VDIWEFA]/(?=[^\n:(]{0,80}+(?:\([ \t]*+[0-9]++\)|):)",
    r"[IWEF](?=(?:[0-9][0-9][0-9][0-9]|)[0-9][0-9][0-9][0-9][ ][0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]++[ ])",
    # Redis's level symbol, after its prefix only
    r"[.*\#-](?<=[0-9][0-9][0-9][ ].)(?=[ ])",
    # java.util.logging's two-line record: its first line, through to the level that
    # starts its second ("Nov 22, 2026 2:00:00 AM com.shop.Job run" + "\n" + "SEVERE")
    rf"{JUL_HEADER}[^\n]*+\n{_JUL_LEVEL}",
    # ESXi's "In(166)", "Db(167)": the level's two letters, then the syslog priority
    r"(?:Em|Al|Cr|Er|Wa|No|In|Db)\([0-9]{1,3}+\)(?=[ ])",
]
_TOKEN_GROUP = "\n    | ".join(_TOKENS)

_LOGFMT_KEY = _any(_LOGFMT_KEYS)
# After a name, before a timestamp: the Java Service Wrapper's "INFO   | jvm 1    |
# 2015/04/28 18:34:18 | "
# (the wrapped program's own header follows; a line without one has the wrapper's level),
# or a service's name, "HsmService:", "ImageService: 139853338433792: ".
_AFTER_NAME = r"""
  (?: [ ]*+\|[ ]jvm[ ][0-9]++[ ]*+\|[ ][0-9/]++[ ][0-9:]++[ ]\|[ ]
    | :[ ]?(?:[0-9]++:[ ]|)(?=[0-9][0-9][0-9][0-9]-) )"""
# A timestamp, maybe in brackets, maybe with a name before it in them ("[otel.javaagent
# 2025-04-24 19:51:57:317 +0000]").
_STAMP = rf"""
  (?:\[|\[[a-z][\w.-]*+[ ](?=[0-9])|){_TIMESTAMP}(?:\]|[ ][+-][0-9][0-9]:?[0-9][0-9]\]|)"""
_PG_LEVEL = (
    _any(
        ("LOG", "DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "FATAL", "PANIC", *PG_CONTINUATIONS)
    )
    + r"(?:[1-5]|):[ ][ ]"
)

# A known shape's header, up to (and capturing, in a look-ahead) the line's token:
# golive.core.logshape puts a learned field's alternative before it.
KNOWN_HEADER: Final = rf"""
  (?:
    # JSON: the first key if it is a level key, else the last level key
      \{{(?:[ \t]*+{_JSON_KEY}|.*{_JSON_KEY})
    # a timestamp, then up to four header fields, then a level
    | (?>{_STAMP}){_fields_then_level(4)}
    # (the shapes that start with a digit, behind one test of the first character)
    | (?=[0-9])
      (?:
        # logcat threadtime: date time (uid) pid tid, then the one-letter level
          [0-9][0-9]-[0-9][0-9][ ][0-9][0-9]:[0-9][0-9]:[0-9][0-9][.][0-9]++
          [ \t]++[0-9]++[ \t]++[0-9]++[ \t]++(?:[0-9]++[ \t]++|)(?=[VDIWEFA][ \t])
        # Redis: pid:role date time, then a symbol for the level
        | [0-9]++:[XCSM][ ][0-9][0-9]?[ ][A-Z][a-z][a-z][ ][0-9][0-9][0-9][0-9][ ]
          [0-9][0-9]:[0-9][0-9]:[0-9][0-9][.][0-9][0-9][0-9][ ](?=[.*\#-][ ])
        # PostgreSQL after any log_line_prefix: the first "LEVEL:" with two spaces after
        # it (it always writes two there); only in a line that has ":  " at all
        | (?=(?:[^:"\n]++|:(?![ ][ ]))*+:[ ][ ])
          (?>[^A-Z".\n]*+(?:(?:(?!{_PG_LEVEL})[A-Z]|\.(?![ ]))[^A-Z".\n]*+)*+)(?={_PG_LEVEL})
      )
    # logfmt: key=value pairs up to the level key
    | [a-z_@][\w.@-]*+=(?:"[^"\n]*+"|[^\s"]*+)
      (?:[ \t]++[\w.@-]++=(?:"[^"\n]*+"|[^\s"]*+)){{0,7}}?[ \t]++(?={_LOGFMT_KEY}=)
    # Proxifier: "[10.30 16:49:30] chrome.exe *64 - host:80 error : ...", the program and
    # its target, then a status that is a level only when it says one
    | \[[0-9][0-9]\.[0-9][0-9][ ][0-9][0-9]:[0-9][0-9]:[0-9][0-9]\][ ]
      [^\s]++(?:[ ]\*64|)[ ]-[ ][^\s]++[ ]
    # (the shapes that start with a name, behind one scan of it)
    | [A-Z][\w-]*+(?=::[A-Z]++::|[:|]|[ ]++[|*])
      (?:
        # oVirt's vdsm: "Thread-15::DEBUG::2011-12-07 ...", the thread's name, then the level
          ::(?=[A-Z]++::)
        # a timestamp after the Java Service Wrapper's header, or after a service's name
        | (?>{_AFTER_NAME}{_STAMP}){_fields_then_level(4)}
        # SAP's trace: the component's letter, then a marker before the level
        | (?<=^[A-Z])(?=[ ][ ]?\*\*\*[ ])[ ][ ]?
      )
    # or nothing: the token starts the line (not a timestamp's digit or month, but
    # java.util.logging's "Nov 22, 2026 ...": its token reaches into the second line)
    | (?![0-9]|[A-Z][a-z][a-z][ ][ 0-9A-Z](?![0-9],))
  )
  (?=({_TOKEN_GROUP}))
"""
PATTERN_FLAGS: Final = re.MULTILINE | re.VERBOSE | re.ASCII
_PATTERN: Final = re.compile(rf"^(?:{KNOWN_HEADER}|)[^\n]*\n", PATTERN_FLAGS)
# It matches every whole line (ending with "\n"); group 1 is the line's token, or None.
LINE_PATTERN: Final = _PATTERN
# The level words a header field may hold (golive.core.logshape), any case, and a
# pattern that matches exactly them.
# PostgreSQL's LOG counts too: after a long log_line_prefix, "LOG:" is its level field.
FIELD_WORDS: Final = frozenset((*_ANYCASE_WORDS, "log"))
# (Case-insensitive by the engine's flag: several times faster than a set per letter.)
FIELD_WORD: Final = "(?i:" + _any(tuple(sorted(FIELD_WORDS))) + ")"

_CONTINUATION_TOKEN: Final = re.compile(
    r"""(?:\r?\n|[ \t]|Traceback[ ].*|Caused[ ]by:|File[ ]"|Wrapped[ ]by:|\.\.\.|During[ ].*|The[ ].*
        |[\w$.]+)""",
    re.VERBOSE,
)

# -- tokens -> kinds ---------------------------------------------------------------

_CACHE_LIMIT: Final = 4096
_cache: dict[str, LineKind] = {}
# The kinds of the tokens seen lately (token_kind fills it; a caller may look up first).
KINDS_SEEN: Final = _cache


def _kind_of_token(token: str) -> LineKind:
    """The kind a captured token stands for (uncached)."""
    if not token:
        return None
    first = token[0]
    if first.isdigit():  # a JSON number
        return level_from_number(int(token))
    if first == '"':  # a JSON string
        value = token[1:-1].strip()
        if value.isascii() and value.isdigit():
            return level_from_number(int(value))
        return _named(value)
    if token[2:3] == "(" and token.endswith(")"):  # ESXi's "In(166)": its two letters
        return ESXI_LETTERS.get(token[:2])
    if first == "<":
        inner = token[1:-1]
        if inner.isascii() and inner.isdigit():
            return level_from_syslog(int(inner) % 8)
        return LEVEL_NAMES.get(inner.lower())
    if first == "[":
        return LEVEL_NAMES.get(token[1:-1].rpartition(":")[2].strip().lower())
    if "=" in token:  # logfmt
        return _named(token.partition("=")[2].strip('"'))
    if len(token) == 1 and token in LOGCAT_LETTERS:  # logcat threadtime, glog
        return LOGCAT_LETTERS[token]
    if len(token) == 1 and token in REDIS_SYMBOLS:
        return REDIS_SYMBOLS[token]
    if len(token) == 2 and token[1] == "/":  # logcat brief
        return LOGCAT_LETTERS.get(token[0])
    if token in PG_CONTINUATIONS:
        return CONTINUATION
    if reaches_next_line(token):  # a java.util.logging record's first line
        return jul_level(token.rpartition("\n")[2])
    if token == " * ":  # " * Running on ...": a message, of unknown level
        return None
    if token.startswith("npm "):
        return NPM_LEVELS.get(token[4:])
    if first == "*":  # "*** ERROR"
        return LEVEL_NAMES.get(token.lstrip("* ").lower())
    if token.endswith(("(", "[")):  # a Go panic's goroutine line or frame
        return CONTINUATION
    level = LEVEL_NAMES.get(token.lower())
    if level is not None:
        return level
    if _CONTINUATION_TOKEN.fullmatch(token):
        return CONTINUATION
    return None  # not reached by tokens the pattern captures; kept as a safe default


_OFFSET: Final = re.compile(r"([A-Za-z]+)[+-][0-9]{1,2}")


def _named(value: str) -> Level | None:
    """A level name, or Go slog's offset one ("WARN+2", "DEBUG-4": the named level)."""
    level = LEVEL_NAMES.get(value.lower())
    if level is None and (offset := _OFFSET.fullmatch(value)):
        level = LEVEL_NAMES.get(offset.group(1).lower())
    return level


def token_kind(token: str) -> LineKind:
    """The kind a line's token stands for (cached)."""
    try:
        return _cache[token]
    except KeyError:
        pass
    kind = _kind_of_token(token)
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    _cache[token] = kind
    return kind


def line_tokens(text: str, start: int, end: int) -> list[str]:
    """The token of each line in text[start:end], which must be whole lines (each
    ending with "\\n"): one regex pass (the bulk path)."""
    return _PATTERN.findall(text, start, end)


def line_token(line: str) -> str:
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
    return token_kind(line_token(line))


def classify(line: str) -> Level | None:
    """The level in one line's header, or None when it has none.

    None covers both a line of unknown level and a continuation line (use
    line_kind to tell them apart). Words in the message never count:
    "2026-11-22 02:00:01 INFO parity error corrected" is Level.INFO and
    "processed 0 errors" is None."""
    kind = line_kind(line)
    return None if kind is CONTINUATION else kind


def token_kinds(tokens: list[str]) -> list[LineKind]:
    """The kind of each token, in order (the cache looked up inline: the bulk path)."""
    cache = _cache
    return [cache[t] if t in cache else token_kind(t) for t in tokens]
