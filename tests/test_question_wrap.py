"""Line 2's question wraps under its own first word: every cell of it kept, no line
wider than the header, in any script."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from rich.cells import cell_len

from golive.tui.header import hanging

QUESTION = " ? Announce the write freeze: confirm when done — enter confirm (optionally with a note) · s skip"


def test_a_long_question_wraps_under_its_first_word() -> None:
    assert hanging(QUESTION, 79, 3) == [
        " ? Announce the write freeze: confirm when done — enter confirm (optionally",
        "   with a note) · s skip",
    ]


def test_a_question_that_fits_stays_one_line() -> None:
    assert hanging(" ? go or no-go? — g go/no-go", 79, 3) == [" ? go or no-go? — g go/no-go"]


@pytest.mark.parametrize("word", ["x" * 200, "日本語" * 40])
def test_a_word_wider_than_the_line_is_broken_not_dropped(word: str) -> None:
    lines = hanging(f" ? {word}", 30, 3)
    assert all(cell_len(line) <= 30 for line in lines)
    assert lines[0].startswith(" ? ")
    assert "".join(line[3:] for line in lines) == word


words = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zs")), min_size=1, max_size=25)


# From 5 cells: the mark's 3 and room for a character two cells wide.
@example(["0", "\U000e0000000"], 5)  # a zero-width tag character where no cell was left
@given(st.lists(words, min_size=1, max_size=30), st.integers(min_value=5, max_value=120))
def test_nothing_is_lost_and_nothing_is_too_wide(chosen: list[str], width: int) -> None:
    text = " ? " + " ".join(chosen)
    lines = hanging(text, width, 3)
    assert all(cell_len(line) <= width for line in lines), lines
    assert all(line.startswith("   ") for line in lines[1:])
    # Joining the lines back (a wrap at a space, or inside a word too wide) gives the words.
    rejoined = " ".join([lines[0], *(line[3:] for line in lines[1:])]).split()
    assert "".join(rejoined) == "".join(text.split())
