"""golive verify JOURNAL"""

from __future__ import annotations

import sys

from golive.io.journal import JournalError, verify_journal


def verify_command(path: str) -> int:
    try:
        report = verify_journal(path)
    except JournalError as exc:
        print(f"golive: {exc}", file=sys.stderr)
        return 2
    if report.broken_line is not None:
        print(f"{path}:{report.broken_line}: {report.problem}", file=sys.stderr)
        print(f"{path}: {report.events} events verified before the break", file=sys.stderr)
        return 1
    if report.events == 0 and report.torn_line is None:
        print(f"{path}: empty journal (no events)", file=sys.stderr)
        return 1
    if report.torn_line is not None:
        print(
            f"{path}:{report.torn_line}: torn last line (golive stopped while writing it); tolerated, resume cuts it off"
        )
    tail = report.tail
    head = tail.prev[:12] if tail else ""
    print(f"{path}: ok, {report.events} events, chain intact, head {head}")
    return 0
