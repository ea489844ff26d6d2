"""Log levels' scale and names: the Level every format is read into, the names and
letters each format writes for it, and a line's kind (a Level, None for a message of
unknown level, or CONTINUATION). golive.core.loglevels reads them from a line."""

from __future__ import annotations

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

LEVEL_NAMES: Final[dict[str, Level]] = {
    **{name: Level.DEBUG for name in ("trace", "trce", "debug", "dbug", "verbose", "vrb", "dbg")},
    **{f"trace{n}": Level.DEBUG for n in range(1, 9)},
    **{f"debug{n}": Level.DEBUG for n in range(1, 6)},
    **{name: Level.DEBUG for name in ("fine", "finer", "finest")},
    **{name: Level.INFO for name in ("info", "information", "informational", "log", "inf")},
    **{name: Level.NOTICE for name in ("notice", "note")},
    "system": Level.INFO,  # MySQL 8's [System] (read only in its brackets: see _TOKENS)
    **{name: Level.WARNING for name in ("warn", "warning", "wrn")},
    **{name: Level.ERROR for name in ("err", "error", "eror", "severe", "fail", "failure")},
    **{
        name: Level.CRITICAL
        for name in ("crit", "critical", "fatal", "alert", "emerg", "emergency", "panic", "ftl")
    },
}
SYSLOG_SEVERITIES: Final = (
    Level.CRITICAL,  # 0 emerg
    Level.CRITICAL,  # 1 alert
    Level.CRITICAL,  # 2 crit
    Level.ERROR,  # 3 err
    Level.WARNING,  # 4 warning
    Level.NOTICE,  # 5 notice
    Level.INFO,  # 6 info
    Level.DEBUG,  # 7 debug
)
LOGCAT_LETTERS: Final[dict[str, Level]] = {
    "V": Level.DEBUG,
    "D": Level.DEBUG,
    "I": Level.INFO,
    "W": Level.WARNING,
    "E": Level.ERROR,
    "F": Level.CRITICAL,
    "A": Level.CRITICAL,
}
# Redis's level symbols: . debug, - verbose, * notice, # warning.
REDIS_SYMBOLS: Final[dict[str, Level]] = {
    ".": Level.DEBUG,
    "-": Level.DEBUG,
    "*": Level.NOTICE,
    "#": Level.WARNING,
}
# ESXi's two letters before its syslog priority, "In(166)". (The letters decide: the
# priority's severity does not always agree with them, "In(9)".)
ESXI_LETTERS: Final[dict[str, Level]] = {
    **{name: Level.CRITICAL for name in ("Em", "Al", "Cr")},
    "Er": Level.ERROR,
    "Wa": Level.WARNING,
    "No": Level.NOTICE,
    "In": Level.INFO,
    "Db": Level.DEBUG,
}
# npm's levels, after its "npm " prefix.
NPM_LEVELS: Final[dict[str, Level]] = {
    "ERR!": Level.ERROR,
    "WARN": Level.WARNING,
    "notice": Level.NOTICE,
    **{name: Level.INFO for name in ("info", "http")},
    **{name: Level.DEBUG for name in ("timing", "verb", "sill")},
}
# java.util.logging's level words (the first word of a record's second line).
JUL_LEVELS: Final[dict[str, Level]] = {
    "SEVERE": Level.ERROR,
    "WARNING": Level.WARNING,
    **{name: Level.INFO for name in ("INFO", "CONFIG")},  # CONFIG as SLF4J maps it
    **{name: Level.DEBUG for name in ("FINE", "FINER", "FINEST")},
}
PG_CONTINUATIONS: Final = frozenset(("DETAIL", "HINT", "STATEMENT", "CONTEXT", "QUERY", "LOCATION"))


def level_from_name(name: str) -> Level | None:
    """The Level for a level name in any case ("WARN", "Error", "crit", "trace3"), or None."""
    return LEVEL_NAMES.get(name.strip().lower())


def jul_level(word: str) -> Level | None:
    """The Level a java.util.logging level word stands for ("SEVERE", "CONFIG"), or None."""
    return JUL_LEVELS.get(word)


def level_from_syslog(severity: int) -> Level:
    """The Level for a syslog severity 0-7 (higher numbers count as debug, lower as critical)."""
    return SYSLOG_SEVERITIES[min(max(severity, 0), 7)]


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
