"""A unified diff applied to the text it was made from gives the new text: what a
follower does with a runbook changed at a resume (session_resumed's runbook_diff)."""

from __future__ import annotations

import difflib

from hypothesis import given
from hypothesis import strategies as st

from golive.core.textdiff import apply_unified_diff

LINES = st.lists(st.sampled_from(["a\n", "b\n", "[[steps]]\n", 'id = "x"\n', "\n", "c"]))


def joined(lines: list[str]) -> str:
    # A "c" without its newline may only end a text.
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines[:-1]) + (
        lines[-1] if lines else ""
    )


@given(LINES, LINES)
def test_the_diff_of_two_texts_turns_the_first_into_the_second(
    old: list[str], new: list[str]
) -> None:
    before, after = joined(old), joined(new)
    diff = "".join(difflib.unified_diff(before.splitlines(keepends=True),
                                        after.splitlines(keepends=True), "a", "b"))  # fmt: skip
    assert apply_unified_diff(before, diff) == after


def test_a_diff_of_another_text_does_not_apply() -> None:
    diff = "".join(difflib.unified_diff(["a\n", "b\n"], ["a\n", "c\n"], "a", "b"))
    assert apply_unified_diff("x\ny\n", diff) is None
    assert apply_unified_diff("a\nb\n", "@@ nonsense\n") is None
