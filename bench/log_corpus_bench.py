"""Exact-level agreement on the labelled log corpus (tests/data/logs), file by file.

For the development files and, apart, the held-back fifth, it prints the share of
messages each reader gives their exact level (tests/log_corpus.py scores it):

  golive        the classifier with each file's shape learned from its first lines
  known shapes  the same classifier without learning (golive before it learned shapes)
  lnav          lnav's own formats (`lnav -n`, its all_logs table), when lnav is installed

and, for each reader, how many files reach the goal of 99% and how many it reads no
level in at all although the file has some.

    python bench/log_corpus_bench.py
"""

from __future__ import annotations

import csv
import functools
import io
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.log_corpus

from golive.core.loglevels import CONTINUATION, Level, LineKind
from tests.log_corpus import (
    PARTS,
    Score,
    files,
    golive_kinds,
    known_kinds,
    labels_of,
    score,
    text_of,
)

GOAL = 0.99
LNAV_LEVELS = {
    "trace": Level.DEBUG,
    "info": Level.INFO,
    "stats": Level.INFO,
    "notice": Level.NOTICE,
    "warning": Level.WARNING,
    "error": Level.ERROR,
    "critical": Level.CRITICAL,
    "fatal": Level.CRITICAL,
}


def lnav_reading(lnav: str, home: str) -> Callable[[Path], Callable[[str], Sequence[LineKind]]]:
    """A reader per file: lnav's level for each message it finds (its other lines are
    continuations, as lnav folds them); a file lnav does not know is all unknown."""

    def for_file(path: Path) -> Callable[[str], Sequence[LineKind]]:
        def read(text: str) -> Sequence[LineKind]:
            lines = len(labels_of(path))
            done = subprocess.run(
                [lnav, "-n", "-c", ";SELECT log_line, log_level FROM all_logs",
                 "-c", ":write-csv-to -", str(path)],
                capture_output=True, text=True, timeout=60, env={**os.environ, "HOME": home},
            )  # fmt: skip
            rows = list(csv.DictReader(io.StringIO(done.stdout)))
            if not rows:
                return [None] * lines
            kinds: list[LineKind] = [CONTINUATION] * lines
            for row in rows:
                at = int(row["log_line"])
                if at < lines:
                    level = row["log_level"].rstrip("0123456789")
                    kinds[at] = Level.DEBUG if level == "debug" else LNAV_LEVELS.get(level)
            return kinds

        return read

    return for_file


def _lnav_score(
    by_file: Callable[[Path], Callable[[str], Sequence[LineKind]]], path: Path
) -> Score:
    return score(path, by_file(path))


def has_levels(path: Path) -> bool:
    return any(label not in (None, CONTINUATION) for label in labels_of(path))


def main() -> None:
    lnav = shutil.which("lnav")
    home = tempfile.mkdtemp(prefix="golive-lnav-home-")
    try:
        version = (
            subprocess.run([lnav, "-V"], capture_output=True, text=True).stdout.strip()
            if lnav
            else "not installed"
        )
        print(f"lnav: {version}")
        for part in PARTS:
            paths = files(part)
            readers: dict[str, Callable[[Path], Score]] = {
                "golive": lambda p: score(p, golive_kinds),
                "known shapes": lambda p: score(p, known_kinds),
            }
            if lnav:
                readers["lnav"] = functools.partial(_lnav_score, lnav_reading(lnav, home))
            results = {name: [read(p) for p in paths] for name, read in readers.items()}
            print(
                f"\n{part}: {len(paths)} files, {sum(r.messages for r in results['golive']):,} messages"
            )
            names = list(results)
            print(f"  {'file':<34}{'messages':>9}" + "".join(f"{n:>14}" for n in names))
            for index, path in enumerate(paths):
                cells = "".join(f"{results[n][index].share:>14.1%}" for n in names)
                print(f"  {path.stem[:33]:<34}{results['golive'][index].messages:>9}{cells}")
            for name in names:
                scores = results[name]
                at_goal = sum(s.share >= GOAL for s in scores)
                right = sum(s.right for s in scores)
                judged = sum(s.messages + s.extra for s in scores)
                blind = sum(
                    1 for s, p in zip(scores, paths, strict=True)
                    if has_levels(p) and not any(
                        k not in (None, CONTINUATION) for k in _kinds(name, p, lnav, home)
                    )
                )  # fmt: skip
                print(
                    f"  {name:<13} {at_goal} of {len(paths)} files at >= {GOAL:.0%}; "
                    f"{right / judged:.2%} of all messages; no level read at all in "
                    f"{blind} of {sum(has_levels(p) for p in paths)} files that have levels"
                )
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _kinds(name: str, path: Path, lnav: str | None, home: str) -> Sequence[LineKind]:
    text = text_of(path)
    if name == "golive":
        return golive_kinds(text)
    if name == "known shapes":
        return known_kinds(text)
    assert lnav is not None
    return lnav_reading(lnav, home)(path)(text)


if __name__ == "__main__":
    main()
