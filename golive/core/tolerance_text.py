"""Writing calibrated health tolerances into a runbook's text, in place.

A key the check does not have is added only for `floor` (after `max_ratio`, on its own
line; a floor can only keep a check from failing); a missing `max_increase` is not added
(it would be a new way to fail that the author did not choose), and that is said. The
text edit changes only those values in place, each read back to prove it; a check that
is not a plain `[[steps.health.checks]]` table is left as it is, with a note.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from golive.core.toml_lines import KeyLines

if TYPE_CHECKING:
    from golive.core.calibrate_health import Tolerance

MAX_RATIO: Final = "max_ratio"
FLOOR: Final = "floor"


def check_index(document: Mapping[str, Any], step: str, metric: str) -> tuple[int, int] | None:
    """Where `step`'s one `[[steps.health.checks]]` table for `metric` is in the parsed
    document: (step index, check index), or None (no such table, or two of one metric)."""
    steps = document.get("steps")
    if not isinstance(steps, list):
        return None
    for i, spec in enumerate(steps):
        if not isinstance(spec, dict) or spec.get("id") != step:
            continue
        health = spec.get("health")
        checks = health.get("checks") if isinstance(health, dict) else None
        if not isinstance(checks, list):
            return None
        matching = [
            j for j, c in enumerate(checks) if isinstance(c, dict) and c.get("metric") == metric
        ]
        return (i, matching[0]) if len(matching) == 1 else None
    return None


# -- the values as the runbook writes them --------------------------------------------


def number_text(value: float) -> str:
    """A plain decimal, never an exponent: "3", "2.5", "0.5"."""
    if value == int(value):
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def value_text(key: str, value: float | None) -> str:
    """A key's value as printed: "2", "3/min", "-" when the runbook does not write it."""
    if value is None:
        return "-"
    return f"{number_text(value)}/min" if key == FLOOR else number_text(value)


def _toml_value(key: str, value: float, old: Any) -> str:
    if key == FLOOR:
        return f'"{number_text(value)}/min"'
    if isinstance(old, float) and value == int(value):
        return f"{int(value)}.0"  # 2.0 stays written as a float
    return number_text(value)


def _parsed_value(key: str, value: float, old: Any) -> Any:
    """What tomllib reads back from _toml_value."""
    text = _toml_value(key, value, old)
    return tomllib.loads(f"v = {text}")["v"]


# -- the text edit -------------------------------------------------------------------

_NUMBER = r"[+-]?\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?"
_STRING = r""""(?:[^"\\\n]|\\.)*"|'[^'\n]*'"""
_ASSIGNMENT = re.compile(
    rf"^(?P<lead>[ \t]*(?P<key>[A-Za-z0-9_-]+|\"[^\"\n]*\"|'[^'\n]*')[ \t]*=[ \t]*)"
    rf"(?P<value>{_STRING}|{_NUMBER})(?P<tail>[ \t]*(?:#[^\n]*)?)$"
)


class _Unsafe(Exception):
    """The key's line is not a plain one-line `key = value` of its check's table."""


@dataclass(frozen=True)
class TolerancesEdit:
    text: str
    applied: tuple[Tolerance, ...]  # the changes written into the text
    notes: tuple[str, ...]  # the changes that could not be written in place, and why


def set_tolerances(text: str, changes: Sequence[Tolerance]) -> TolerancesEdit:
    """`text` with each changed tolerance written on its key's line in place (a missing
    `floor` added on its own line after the check's `max_ratio`). Every edit is read back
    and must change that one value and nothing else; one that cannot be made safely is
    not made, and a note says so: the rest of the text stays byte for byte."""
    document = tomllib.loads(text)
    applied: list[Tolerance] = []
    notes: list[str] = []
    for change in changes:
        where = check_index(document, change.step, change.metric)
        if where is None:
            notes.append(f"{_name(change)}: its check is not a [[steps.health.checks]] table")
            continue
        table = document["steps"][where[0]]["health"]["checks"][where[1]]
        if change.key not in table and change.key != FLOOR:
            notes.append(f"{_name(change)}: the check has no {change.key}; not added")
            continue
        expected = copy.deepcopy(document)
        target = expected["steps"][where[0]]["health"]["checks"][where[1]]
        target[change.key] = _parsed_value(change.key, change.new, table.get(change.key))
        try:
            edited = _edit(text, where, change, table)
            if tomllib.loads(edited) != expected:
                raise _Unsafe("the edited text did not read back as intended")
        except _Unsafe as exc:
            notes.append(f"{_name(change)}: {exc}; not written, set it by hand")
            continue
        except tomllib.TOMLDecodeError:
            notes.append(f"{_name(change)}: the edit was not valid TOML; not written")
            continue
        text, document = edited, expected
        applied.append(change)
    return TolerancesEdit(text, tuple(applied), tuple(notes))


def _name(change: Tolerance) -> str:
    return f"{change.key} of {change.step} {change.metric}"


def _edit(text: str, where: tuple[int, int], change: Tolerance, table: Mapping[str, Any]) -> str:
    lines = text.split("\n")
    keys = KeyLines(text)
    at = ("steps", where[0], "health", "checks", where[1])
    value = _toml_value(change.key, change.new, table.get(change.key))
    if change.key in table:
        row = keys.line_of((*at, change.key)) - 1
        match = _assignment(lines[row], change.key)
        ending = "\r" if lines[row].endswith("\r") else ""
        lines[row] = f"{match.group('lead')}{value}{match.group('tail')}{ending}"
        return "\n".join(lines)
    anchor_key = MAX_RATIO if MAX_RATIO in table else "metric"
    row = keys.line_of((*at, anchor_key)) - 1
    anchor = lines[row]
    _assignment(anchor, anchor_key)  # only next to a plain line of the same table
    indent = anchor[: len(anchor) - len(anchor.lstrip(" \t"))]
    ending = "\r" if anchor.endswith("\r") else ""
    lines.insert(row + 1, f"{indent}{change.key} = {value}{ending}")
    return "\n".join(lines)


def _assignment(line: str, key: str) -> re.Match[str]:
    match = _ASSIGNMENT.match(line.removesuffix("\r"))
    if match is None or match.group("key").strip("\"'") != key:
        raise _Unsafe(f"its {key} is not written as a plain {key} = ... line")
    return match
