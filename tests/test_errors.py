"""A command's problem is one GoliveError, said once by cli.main with its exit status."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from golive.cli import main
from golive.core.errors import GoliveError
from golive.io.journal import JournalInUse, JournalKeyError
from golive.session.variables import VariableError
from tests.helpers import write_runbook

RUNBOOK = """
[hosts.l]
local = true
[[steps]]
id = "snap"
on = "l"
run = "true"
rollback_point = true
[[steps]]
id = "change"
on = "l"
run = "true"
rollback = "true"
"""


def test_an_error_is_a_sentence_with_its_hint_and_status() -> None:
    assert str(GoliveError("no such point", "the points are: a, b")) == (
        "no such point (the points are: a, b)"
    )
    assert GoliveError("x").status == 2 and GoliveError("x", status=4).status == 4
    for kind in (VariableError, JournalInUse, JournalKeyError):
        assert issubclass(kind, GoliveError) and kind("x").status == 2


def said(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main(argv)
    return status, err.getvalue()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["drill", "{rb}", "--to", "nowhere"], "nowhere"),
        (["compare", "{rb}"], "compare needs at least two journals"),
        (["drill", "{rb}", "--to", "snap", "--console", "--var", "nope=1"], "nope"),
    ],
)
def test_commands_raise_and_main_says_it_once(
    tmp_path: Path, argv: list[str], expected: str
) -> None:
    runbook = write_runbook(tmp_path, RUNBOOK)
    status, err = said([a.format(rb=runbook) for a in argv])
    assert status == 2, err
    lines = [line for line in err.splitlines() if line.startswith("golive: ")]
    assert len(lines) == 1 and expected in lines[0], err
    assert "Traceback" not in err
