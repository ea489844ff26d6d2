"""The labelled corpus of real log shapes (tests/data/logs): every development file is
read with at least 99% of its messages at their exact level.

The held-back fifth (holdout/) is checked for being well formed only; its figure is
printed by bench/log_corpus_bench.py and reported, never tuned on."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.log_corpus import LABELS, PARTS, files, labels_of, score, text_of

GOAL = 0.99


def test_the_corpus_is_large_and_a_fifth_is_held_back() -> None:
    dev, holdout = (files(part) for part in PARTS)
    assert len(dev) + len(holdout) >= 80
    assert len(holdout) * 6 >= len(dev) + len(holdout) >= len(holdout) * 4


@pytest.mark.parametrize("path", [p for part in PARTS for p in files(part)], ids=lambda p: p.name)
def test_each_file_is_labelled_line_by_line(path: Path) -> None:
    lines = text_of(path).split("\n")
    if lines[-1] == "":
        lines.pop()
    names = path.with_suffix(".labels").read_text(encoding="utf-8").splitlines()
    assert len(names) == len(lines), f"{len(lines)} lines, {len(names)} labels"
    assert set(names) <= set(LABELS), set(names) - set(LABELS)
    assert labels_of(path)[0] is not LABELS["+"], "a file cannot start with a continuation"


@pytest.mark.parametrize("path", files("dev"), ids=lambda p: p.name)
def test_each_development_file_gets_its_exact_levels(path: Path) -> None:
    result = score(path)
    said = (
        f"{path.name}: {result.right} of {result.messages} messages right, "
        f"{result.extra} continuation lines read as messages ({result.share:.1%})"
    )
    assert result.share >= GOAL, said
