"""Every event golive writes has the shape the readers expect; an event edited into
another shape stops each reader with a line number, never a traceback."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from golive.cli import main
from golive.core.event_schema import ENVELOPE, SHAPES, shape_problem
from tests.helpers import events, golive, write_runbook

RUNBOOK = """
[hosts.l]
local = true

[[steps]]
id = "snap"
on = "l"
run = "echo snapshot taken"
verify = "true"
rollback_point = true

[[steps]]
id = "change"
on = "l"
run = "echo changed; echo 'a warning' >&2"
rollback = "echo reverted"

[[steps]]
id = "after"
on = "l"
run = "true"
"""


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A drill (a rollback included) and a plain rehearsal of the same runbook."""
    folder = tmp_path_factory.mktemp("schema")
    runbook = write_runbook(folder, RUNBOOK)
    drill = golive("drill", runbook, "--to", "snap", "--yes", "--console",
                   "--journal", folder / "drill.jsonl")  # fmt: skip
    assert drill.returncode == 0, drill.stdout + drill.stderr
    run = golive("run", runbook, "--rehearsal", "--yes", "--console",
                 "--journal", folder / "run.jsonl")  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    return folder / "drill.jsonl", folder / "run.jsonl"


def test_every_event_a_run_and_a_drill_write_has_its_shape(recorded: tuple[Path, Path]) -> None:
    written = [e for journal in recorded for e in events(journal)]
    kinds = {e["type"] for e in written}
    # The table is not vacuous: these runs wrote most of the kinds it describes.
    assert {"run_started", "step_started", "output", "host_finished", "verify_finished",
            "step_finished", "decision", "rollback_started", "rollback_finished",
            "run_finished"} <= kinds <= set(SHAPES)  # fmt: skip
    assert [(e["seq"], shape_problem(e)) for e in written if shape_problem(e)] == []
    # And nothing is written that its TypedDict does not declare (golive/core/event_types.py).
    undeclared = sorted(
        {
            (e["type"], field)
            for e in written
            for field in e
            if field not in ENVELOPE and field != "seal" and field not in SHAPES[e["type"]]
        }
    )
    assert undeclared == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"m": "x"}, "its m is not number"),
        ({"m": True}, "its m is not number"),
        ({"seq": 1.5}, "its seq is not int"),
        ({"t": "yesterday"}, "its t is not an ISO 8601 time"),
        ({"steps": None}, "its steps is not list of str"),
        ({"vars": {"a": 1}}, "its vars is not str to str"),
        ({"type": []}, "its type is not str"),
    ],
)
def test_a_field_of_the_wrong_kind_is_named(change: dict[str, object], expected: str) -> None:
    started = {"seq": 0, "t": "2026-12-03T05:00:00+00:00", "m": 0.0, "type": "run_started",
               "runbook": "/r.toml", "mode": "rehearsal", "steps": ["a"], "vars": {}, "prev": ""}  # fmt: skip
    assert shape_problem(started) == ""
    assert shape_problem({**started, **change}) == expected


def test_the_runtime_check_is_derived_from_the_typed_declarations() -> None:
    from golive.core.event_types import DECLARED, StepFinished

    assert set(SHAPES) == set(DECLARED)
    assert SHAPES["step_finished"]["status"] == (frozenset({"str"}), True)
    assert SHAPES["host_finished"]["exit"] == (frozenset({"int", "null"}), False)
    assert set(SHAPES["step_finished"]) == set(StepFinished.__annotations__)


def test_a_missing_required_field_is_named_and_unknown_ones_pass() -> None:
    base = {"seq": 3, "t": "2026-12-03T05:00:00+00:00", "m": 1.0, "prev": "ab"}
    assert shape_problem({**base, "type": "step_finished", "step": "a"}) == "it has no status"
    assert shape_problem({**base, "type": "step_finished", "step": "a", "status": "succeeded",
                          "from_a_newer_golive": [1]}) == ""  # fmt: skip
    assert shape_problem({**base, "type": "a_newer_kind", "anything": None}) == ""


READERS = [
    ["verify", "{j}"],
    ["report", "{j}", "--format", "json", "-o", "{out}"],
    ["report", "{j}", "--format", "md", "-o", "{out}"],
    ["compare", "{j}", "--json"],
    ["calibrate", "{rb}", "{j}"],
    ["resume", "{j}", "--console", "--yes"],
]
WRONG_KINDS: list[object] = [None, "x", 5, -1.5, [], {}, True, "2026-99-99"]
MISSING = object()


@pytest.mark.slow
def test_no_reader_raises_on_any_field_changed_to_any_kind(
    recorded: tuple[Path, Path], tmp_path: Path
) -> None:
    """Each field of each event of a real run, changed to each wrong kind or removed,
    fed to each reader in-process: every one ends with an exit status, none raises."""
    journal = recorded[1]
    original = [json.loads(line) for line in journal.read_text().splitlines()]
    runbook = journal.parent / "rb.toml"
    edited, out = tmp_path / "edited.jsonl", tmp_path / "out"
    cases = 0
    escaped: list[str] = []
    seen: set[tuple[str, str]] = set()  # each field of each kind of event, once
    for index, record in enumerate(original):
        for field in [f for f in record if f not in ("prev", "seal")]:
            if (record["type"], field) in seen:
                continue
            seen.add((record["type"], field))
            for wrong in [*WRONG_KINDS, MISSING]:
                changed = [dict(e) for e in original]
                if wrong is MISSING:
                    del changed[index][field]
                else:
                    changed[index][field] = wrong
                edited.write_text("".join(json.dumps(e) + "\n" for e in changed))
                for reader in READERS:
                    argv = [a.format(j=edited, out=out, rb=runbook) for a in reader]
                    cases += 1
                    printed = io.StringIO()
                    try:
                        with (
                            contextlib.redirect_stdout(printed),
                            contextlib.redirect_stderr(printed),
                        ):
                            status = main(argv)
                    except Exception as exc:  # what the test is looking for
                        escaped.append(f"{reader[0]}: {record['type']}.{field}={wrong!r}: {exc!r}")
                        continue
                    if reader[0] == "verify":  # changed (1), or not a journal at all (2)
                        assert status in (1, 2), (record["type"], field, printed.getvalue())
    assert cases > 500
    assert escaped == []
