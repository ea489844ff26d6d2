"""Human durations ("1h30m", "90s", "500ms") and rates ("5/min")."""

from __future__ import annotations

import math
import re

_UNIT_SECONDS = {
    "ms": 0.001,
    "s": 1.0,
    "sec": 1.0,
    "m": 60.0,
    "min": 60.0,
    "h": 3600.0,
    "d": 86400.0,
}
# Ten years: far beyond any cutover, and far inside what datetime arithmetic holds.
# (A 400-digit duration would otherwise be infinity.)
MAX_SECONDS = 10 * 366 * 86400.0
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|sec|min|s|m|h|d)")
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(s|sec|min|m|h)\s*$")


class DurationError(ValueError):
    """A duration or rate that cannot be read."""


def parse_duration(text: str) -> float:
    """Seconds in `text`, such as "8h", "1h30m", "45s" or "500ms".

    A bare number is refused: "10" could mean seconds or minutes, and a
    runbook is no place to guess.
    """
    cleaned = text.strip().lower().replace(" ", "")
    if not cleaned:
        raise DurationError("empty duration")
    position = 0
    total = 0.0
    for match in _PART.finditer(cleaned):
        if match.start() != position:
            break
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    if position != len(cleaned) or position == 0:
        raise DurationError(f"{text!r} is not a duration")
    if total > MAX_SECONDS:
        raise DurationError(f"{text!r} is longer than {MAX_SECONDS // 86400:.0f} days")
    return total


def parse_rate_per_minute(text: str) -> float:
    """Events per minute in a rate such as "5/min", "1/s" or "30/h"."""
    match = _RATE.match(text.lower())
    if not match:
        raise DurationError(f"{text!r} is not a rate")
    per = {"s": 60.0, "sec": 60.0, "min": 1.0, "m": 1.0, "h": 1 / 60}[match.group(2)]
    rate = float(match.group(1)) * per
    if not math.isfinite(rate):
        raise DurationError(f"{text!r} is not a usable rate")
    return rate


def format_duration(seconds: float) -> str:
    """Compact, sign-aware rendering: "1h05m", "4m30s", "12s", "-3m"."""
    whole = round(abs(seconds))
    sign = "-" if seconds < 0 and whole else ""
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}h{minutes:02d}m"
    if minutes:
        return f"{sign}{minutes}m{secs:02d}s" if secs else f"{sign}{minutes}m"
    return f"{sign}{secs}s"


def duration_text(seconds: int) -> str:
    """golive's duration syntax, exact to the second: "45s", "4m30s", "1h05m10s", "2h"."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}h" if hours else ""
    if minutes or (hours and secs):
        text += f"{minutes:02d}m" if hours else f"{minutes}m"
    if secs or not text:
        text += f"{secs:02d}s" if text else f"{secs}s"
    return text


def seconds_text(seconds: float) -> str:
    """A measured time: tenths of a second under a minute (rehearsal steps and rollbacks
    are often that short), else exact to the second in golive's syntax ("4m30s")."""
    if abs(seconds) < 59.95:
        return f"{seconds:.1f}s"
    return ("-" if seconds < 0 else "") + duration_text(round(abs(seconds)))
