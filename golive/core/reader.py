"""Typed reading of a parsed TOML document, collecting diagnostics as it goes."""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time
from typing import Any, TypeVar

from golive.core.diagnostics import Diagnostic, Severity
from golive.core.durations import DurationError, parse_duration, parse_rate_per_minute
from golive.core.toml_lines import KeyLines, Path

T = TypeVar("T")


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


def type_name(value: object) -> str:
    names = {
        str: "a string",
        bool: "true/false",
        int: "a whole number",
        float: "a number",
        list: "a list",
        dict: "a table",
        datetime: "a date-time",
        date: "a date",
        time: "a time",
    }
    return names.get(type(value), type(value).__name__)


def show(number: float) -> str:
    """A number for a message; one with hundreds of digits is shortened."""
    text = f"{number:g}" if isinstance(number, float) else str(number)
    return text if len(text) <= 24 else f"{text[:12]}... ({len(text)} digits)"


def one_line(text: str) -> str:
    """Text for a one-line diagnostic: control characters (a newline in a step id) escaped."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class DocumentReader:
    """Reads values out of one runbook's tables and records what is wrong with them."""

    def __init__(self, path: str, lines: KeyLines) -> None:
        self.path = path
        self.lines = lines
        self.diagnostics: list[Diagnostic] = []
        self.step_ids: dict[int, str] = {}  # a step's index -> its id, once read

    def error(self, where: Path, message: str, hint: str = "", line: int | None = None) -> None:
        """Records an error at the line of `where` (or at `line`, when known better)."""
        self._add(where, message, hint, Severity.ERROR, line)

    def warn(self, where: Path, message: str, hint: str = "") -> None:
        self._add(where, message, hint, Severity.WARNING)

    def _add(
        self, where: Path, message: str, hint: str, severity: Severity, line: int | None = None
    ) -> None:
        line = line or self.lines.line_of(where)
        self.diagnostics.append(
            Diagnostic(self.path, line, one_line(message), one_line(hint), severity)
        )

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)

    def known_keys(self, where: Path, table: Mapping[str, Any], allowed: Iterable[str]) -> None:
        allowed = list(allowed)
        for key in table:
            if key not in allowed:
                hint = did_you_mean(key, allowed) or "allowed: " + ", ".join(sorted(allowed))
                self.error((*where, key), f"unknown key {key!r} in {self.describe(where)}", hint)

    def describe(self, where: Path) -> str:
        """Where a key is, for a message: a step by its id when it has one ("step deploy",
        "step deploy.verify"), else by its number ("step #4")."""
        if not where:
            return "the top level"
        if where[0] == "steps" and len(where) >= 2:
            index = int(where[1])
            name = self.step_ids.get(index) or f"#{index + 1}"
            return f"step {name}" + "".join(f".{p}" for p in where[2:])
        return "[" + ".".join(str(p) for p in where) + "]"

    def typed(
        self,
        table: Mapping[str, Any],
        where: Path,
        key: str,
        expected: type[T] | tuple[type, ...],
        label: str,
        default: T,
    ) -> T:
        if key not in table:
            return default
        value = table[key]
        # bool is an int in Python; a runbook's `retries = true` is still a mistake.
        wrong_bool = isinstance(value, bool) and expected in (int, float, (int, float))
        if not isinstance(value, expected) or wrong_bool:
            self.error((*where, key), f"{key} must be {label}, not {type_name(value)}")
            return default
        return value  # type: ignore[return-value]

    def text(self, table: Mapping[str, Any], where: Path, key: str, default: str = "") -> str:
        return self.typed(table, where, key, str, "a string", default)

    def optional_text(self, table: Mapping[str, Any], where: Path, key: str) -> str | None:
        value = self.typed(table, where, key, str, "a string", "")
        return value if key in table and value else None

    def flag(self, table: Mapping[str, Any], where: Path, key: str) -> bool:
        return self.typed(table, where, key, bool, "true or false", False)

    def number(
        self,
        table: Mapping[str, Any],
        where: Path,
        key: str,
        default: float,
        low: float,
        high: float,
    ) -> float:
        raw = self.typed(table, where, key, (int, float), "a number", default)
        try:
            value = float(raw)
        except OverflowError:  # an int with hundreds of digits
            value = math.inf if raw > 0 else -math.inf
        if not low <= value <= high:
            self.error(
                (*where, key), f"{key} must be between {low:g} and {high:g}, not {show(raw)}"
            )
            return default
        return value

    def whole(
        self, table: Mapping[str, Any], where: Path, key: str, default: int, low: int, high: int
    ) -> int:
        value = self.typed(table, where, key, int, "a whole number", default)
        if not low <= value <= high:
            self.error((*where, key), f"{key} must be between {low} and {high}, not {show(value)}")
            return default
        return value

    def text_list(self, table: Mapping[str, Any], where: Path, key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if isinstance(value, str):
            self.error(
                (*where, key), f"{key} must be a list of strings", f'write {key} = ["{value}"]'
            )
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error((*where, key), f"{key} must be a list of strings, not {type_name(value)}")
            return ()
        return tuple(value)

    def duration(self, table: Mapping[str, Any], where: Path, key: str) -> float | None:
        return self._parsed(table, where, key, parse_duration, 'like "90s", "20m" or "1h30m"')

    def rate(self, table: Mapping[str, Any], where: Path, key: str) -> float | None:
        return self._parsed(table, where, key, parse_rate_per_minute, 'like "5/min" or "1/s"')

    def _parsed(
        self,
        table: Mapping[str, Any],
        where: Path,
        key: str,
        parse: Callable[[str], float],
        example: str,
    ) -> float | None:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, str):
            self.error((*where, key), f"{key} must be a string {example}, not {type_name(value)}")
            return None
        try:
            return parse(value)
        except DurationError as exc:
            self.error((*where, key), f"{key}: {exc}", f"write it {example}")
            return None

    def table(self, parent: Mapping[str, Any], where: Path, key: str) -> dict[str, Any]:
        value = parent.get(key, {})
        if not isinstance(value, dict):
            self.error(
                (*where, key), f"{key} must be a table, not {type_name(value)}", f"write [{key}]"
            )
            return {}
        return value
