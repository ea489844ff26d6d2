"""The shape of every journal event: which fields it has and what kind of JSON each holds.

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

from datetime import datetime
from typing import Any

from golive.core import events as ev

# What a field may hold. "int" and "number" exclude booleans (JSON true is not 1).
STR, INT, NUMBER, BOOL, LIST, DICT, NULL = "str", "int", "number", "bool", "list", "dict", "null"
STRS = "list of str"  # a list whose items are all strings
STR_MAP = "str to str"  # an object whose values are all strings

_Shape = dict[str, tuple[frozenset[str], bool]]  # field: (kinds it may hold, required)


def _shape(**fields: str) -> _Shape:
    """`step="str!"` is a required string; `exit="int|null"` an optional int or null."""
    shape: _Shape = {}
    for name, spec in fields.items():
        required = spec.endswith("!")
        shape[name] = (frozenset(spec.rstrip("!").split("|")), required)
    return shape


# Every event: the journal's own fields. `prev` is checked by the chain, not here.
ENVELOPE = _shape(seq="int!", t="str!", m="number!", type="str!", prev="str")

SHAPES: dict[str, _Shape] = {
    ev.RUN_STARTED: _shape(
        runbook="str!", runbook_sha256="str", runbook_source="str", name="str", mode="str!",
        vars="str to str", secrets="list of str", window="dict|null", window_shift="number",
        steps="list of str", operator="str", machine="str", pid="int", golive="str",
        inject_failure="list of str", drill="dict", key_id="str",
    ),
    ev.SESSION_RESUMED: _shape(
        pid="int", machine="str", runbook_changed="bool", runbook_diff="str",
        runbook_sha256="str", repaired_bytes="int", key_id="str",
    ),
    ev.STEP_STARTED: _shape(
        step="str!", action="str", attempt="int", command="str|null", hosts="list of str",
        dry_run="bool",
    ),
    ev.OUTPUT: _shape(step="str!", action="str", host="str", stream="str", line="str"),
    ev.OUTPUT_CAPPED: _shape(
        step="str!", action="str", dropped="int", cap_lines="int", cap_bytes="int"
    ),
    ev.HOST_FINISHED: _shape(
        step="str!", action="str", host="str!", exit="int|null", seconds="number",
        timed_out="bool", error="str|null", unknown="bool",
    ),
    ev.VERIFY_FINISHED: _shape(step="str!", ok="bool", detail="str", seconds="number"),
    ev.STEP_FINISHED: _shape(
        step="str!", action="str", status="str!", reason="str|null", exit="int|null",
        lines_dropped="int",
    ),
    ev.DECISION: _shape(
        step="str|null", question="str", decision="str!", by="str", reason="str",
        automatic="bool", to="str|null",
    ),
    ev.NOTE: _shape(text="str", by="str"),
    ev.ROLLBACK_STARTED: _shape(
        to="str|null", cause="str|null", actions="list of str", commands="list",
        planned="number",
    ),
    ev.ROLLBACK_FINISHED: _shape(to="str|null", status="str!"),
    ev.RUN_FINISHED: _shape(outcome="str!", reason="str|null"),
    ev.MONITOR_STARTED: _shape(
        runbook="str", runbook_sha256="str", name="str", hosts="list of str",
        interval="number", baseline="bool", thresholds="dict", machine="str", pid="int",
        key_id="str",
    ),
    ev.MONITOR_FINISHED: _shape(reason="str|null"),
    ev.HOST_STATE: _shape(host="str!", state="str!", reason="str|null"),
    ev.ALERT: _shape(
        host="str!", metric="str!", status="str!", value="number|str|null",
        threshold="number|str|null",
    ),
    ev.SAMPLE: _shape(
        host="str!", cpu="number|null", mem="number|null", load1="number|null",
        disk="number|null", errors_per_min="number|null", warnings_per_min="number|null",
    ),
}  # fmt: skip


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
