"""The labelled log corpus (tests/data/logs/dev and holdout; see its README) and how a
reading of it is scored: the share of messages that get their exact level.

Each NAME.log has NAME.labels beside it, one label per line: a level name, ``unknown``
(a message whose header has no level) or ``+`` (the line continues the message above).
A reading gives each line a kind (a Level, None for unknown, CONTINUATION). A message is
right when its line's kind is its label; a ``+`` line read as a message is a message
that should not be there, and counts against the file like a wrong one.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from golive.core.logcount import LevelCounter
from golive.core.loglevels import CONTINUATION, Level, LineKind

CORPUS = Path(__file__).resolve().parent / "data" / "logs"
PARTS = ("dev", "holdout")
LABELS: dict[str, LineKind] = {
    **{level.label: level for level in Level},
    "unknown": None,
    "+": CONTINUATION,
}


@dataclass(frozen=True)
class Score:
    name: str
    messages: int  # lines labelled as messages
    right: int  # of those, read with their exact level
    extra: int  # continuation lines read as messages

    @property
    def share(self) -> float:
        judged = self.messages + self.extra
        return self.right / judged if judged else 1.0


def files(part: str) -> list[Path]:
    return sorted((CORPUS / part).glob("*.log"))


def text_of(path: Path) -> str:
    """The file's text as golive logs reads it: UTF-8, bad bytes replaced, no BOM."""
    data = path.read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    return data.decode("utf-8", errors="replace")


def labels_of(path: Path) -> list[LineKind]:
    names = path.with_suffix(".labels").read_text(encoding="utf-8").splitlines()
    return [LABELS[name.strip()] for name in names]


def golive_kinds(text: str) -> list[LineKind]:
    """Each line's kind as golive reads the whole file (its shape learned from it)."""
    counter = LevelCounter()
    kinds = counter.feed_text(text)
    return kinds + counter.flush()


def known_kinds(text: str) -> list[LineKind]:
    """The same with the known shapes only (no learning): the reading before it."""
    counter = LevelCounter(learn=False)
    kinds = counter.feed_text(text)
    return kinds + counter.flush()


def score(path: Path, reading: Callable[[str], Sequence[LineKind]] = golive_kinds) -> Score:
    labels = labels_of(path)
    kinds = reading(text_of(path))
    assert len(kinds) == len(labels), f"{path.name}: {len(kinds)} lines, {len(labels)} labels"
    messages = right = extra = 0
    for label, kind in zip(labels, kinds, strict=True):
        if label is CONTINUATION:
            extra += kind is not CONTINUATION
        else:
            messages += 1
            right += kind is label
    return Score(path.stem, messages, right, extra)
