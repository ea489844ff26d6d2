"""The README opens with the two commands, and CI runs the same test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def first_code_block(text: str) -> list[str]:
    block = re.search(r"```(?:sh|bash|console)?\n(.*?)```", text, re.S)
    assert block, "README has no code block"
    return [
        line.strip()
        for line in block.group(1).splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def test_readme_starts_with_exactly_two_commands() -> None:
    commands = first_code_block((ROOT / "README.md").read_text())
    assert len(commands) == 2, commands
    assert commands[0].endswith("golive demo")
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command() -> None:
    test_command = first_code_block((ROOT / "README.md").read_text())[1]
    runner = test_command.split("&&")[-1].strip()
    ci = (ROOT / ".ci" / "run").read_text()
    assert runner in ci, f"{runner!r} is not what .ci/run runs"
