"""News printed while the operator is at a prompt goes above the prompt (pure)."""

from __future__ import annotations

import io

from golive.console.guard import guarded
from golive.console.line import SharedLine


def test_into_a_pipe_the_news_starts_its_own_line_and_the_prompt_is_repeated() -> None:
    out, line = io.StringIO(), SharedLine(terminal=False)
    line.write(out, "▶ backup")
    line.prompt(out, "  Enter when done: ")
    line.write(out, "  ⚠ db1: mem 97 raised")
    line.answered()
    line.write(out, "✔ backup")
    assert out.getvalue() == (
        "▶ backup\n  Enter when done: \n  ⚠ db1: mem 97 raised\n  Enter when done: ✔ backup\n"
    )


def test_at_a_terminal_the_prompt_line_is_cleared_and_drawn_again() -> None:
    raw = io.StringIO()
    out, line = guarded(raw), SharedLine(terminal=True)
    line.prompt(out, "  Enter when done: ")
    line.write(out, "  ⚠ db1: mem 97 raised \x1b[2J")  # a host's text stays text
    assert raw.getvalue() == (
        "  Enter when done: \x1b[2K\x1b[G  ⚠ db1: mem 97 raised \\x1b[2J\n  Enter when done: "
    )
