"""The shape of every journal event, checked as it is read: the kinds of JSON each
field may hold, derived from the TypedDicts of golive.core.event_types.

Readers (resume, review, report, compare, calibrate, verify) fold events without
re-checking each field, so a journal edited by hand or corrupted on disk is judged
here, once, as it is read: an event whose `m` is a string or whose `steps` is null
stops the read with "line N: not a valid journal event (…)", never a traceback in
some fold far away. Writers are held to the same table by the tests, which check
every event that real runs write.

Unknown event types and unknown fields pass: a newer golive may add them, and an
older reader must still read what it knows.
"""

from __future__ import annotations

import types
from datetime import datetime
from typing import Any, Literal, NotRequired, Required, Union, get_args, get_origin, get_type_hints

from golive.core.event_types import DECLARED, Envelope

# What a field may hold. "int" and "number" exclude booleans (JSON true is not 1).
STR, INT, NUMBER, BOOL, LIST, DICT, NULL = "str", "int", "number", "bool", "list", "dict", "null"
STRS = "list of str"  # a list whose items are all strings
STR_MAP = "str to str"  # an object whose values are all strings

_Shape = dict[str, tuple[frozenset[str], bool]]  # field: (kinds it may hold, required)


def _kinds(hint: Any) -> frozenset[str]:
    """The JSON kinds a declared type admits."""
    origin, args = get_origin(hint), get_args(hint)
    if origin is Required or origin is NotRequired:
        return _kinds(args[0])
    if origin is Union or origin is types.UnionType:
        return frozenset().union(*(_kinds(a) for a in args))
    if origin is Literal and all(isinstance(a, str) for a in args):
        return frozenset({STR})
    if hint is type(None):
        return frozenset({NULL})
    if hint is bool:
        return frozenset({BOOL})
    if hint is int:
        return frozenset({INT})
    if hint is float:
        return frozenset({NUMBER})
    if hint is str:
        return frozenset({STR})
    if origin is list:
        return frozenset({STRS if args == (str,) else LIST})
    if origin is dict:
        return frozenset({STR_MAP if args == (str, str) else DICT})
    raise TypeError(f"an event field declared as {hint!r} has no JSON kind here")


def _shape_of(declared: type) -> _Shape:
    hints = get_type_hints(declared, include_extras=True)
    # Required[...] is read from the hints: with postponed annotations the TypedDict's
    # own __required_keys__ cannot see it (the declarations are total=False).
    return {name: (_kinds(hint), get_origin(hint) is Required) for name, hint in hints.items()}


# Every event: the journal's own fields. `prev` is checked by the chain, not here.
ENVELOPE = _shape_of(Envelope)
SHAPES: dict[str, _Shape] = {kind: _shape_of(declared) for kind, declared in DECLARED.items()}


def _is(kind: str, value: Any) -> bool:
    if kind == STR:
        return isinstance(value, str)
    if kind == INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == NUMBER:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == BOOL:
        return isinstance(value, bool)
    if kind == NULL:
        return value is None
    if kind == LIST:
        return isinstance(value, list)
    if kind == DICT:
        return isinstance(value, dict)
    if kind == STRS:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == STR_MAP:
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    raise AssertionError(f"unknown kind {kind}")


def _problem_in(record: dict[str, Any], shape: _Shape) -> str:
    for name, (kinds, required) in shape.items():
        if name not in record:
            if required:
                return f"it has no {name}"
            continue
        value = record[name]
        if not any(_is(kind, value) for kind in kinds):
            return f"its {name} is not {' or '.join(sorted(kinds))}"
    return ""


def shape_problem(record: dict[str, Any]) -> str:
    """Why `record` is not a journal event golive can read, or "" when it is."""
    problem = _problem_in(record, ENVELOPE)
    if problem:
        return problem
    try:
        datetime.fromisoformat(record["t"])
    except ValueError:
        return "its t is not an ISO 8601 time"
    shape = SHAPES.get(record["type"])
    return _problem_in(record, shape) if shape is not None else ""
