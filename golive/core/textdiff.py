"""Applying a unified diff (difflib.unified_diff's) to the text it was made from.

A resumed run may have accepted a changed runbook: its session_resumed event records
the diff and the new text's SHA-256, not the text. A follower rebuilds the runbook the
driver now runs from the one it knows and that diff, and checks the hash."""

from __future__ import annotations

import re

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def apply_unified_diff(old: str, diff: str) -> str | None:
    """The new text, or None when `diff` does not fit `old`."""
    source = old.splitlines(keepends=True)
    out: list[str] = []
    at = 0  # the next line of `source` not yet copied
    lines = diff.splitlines(keepends=True)
    index = 0
    while index < len(lines) and not lines[index].startswith("@@"):
        index += 1  # the ---/+++ header
    while index < len(lines):
        found = _HUNK.match(lines[index])
        if found is None:
            return None
        start = int(found.group(1)) - (0 if found.group(2) == "0" else 1)
        if start < at or start > len(source):
            return None
        out += source[at:start]
        at = start
        index += 1
        while index < len(lines) and not lines[index].startswith("@@"):
            line = lines[index]
            index += 1
            if line.startswith("\\"):  # "\ No newline at end of file"
                continue
            mark, text = line[:1], line[1:]
            if mark in (" ", "-"):
                if at >= len(source):
                    return None
                if not source[at].endswith("\n") and text.startswith(source[at]):
                    # The old text's last line has no newline: difflib runs the next diff
                    # line on after it ("-last+new\n").
                    rest = text[len(source[at]) :]
                    if rest:
                        lines.insert(index, rest)
                    text = source[at]
                if source[at].rstrip("\r\n") != text.rstrip("\r\n"):
                    return None
                if mark == " ":
                    out.append(source[at])
                at += 1
            elif mark == "+":
                out.append(text)
            else:
                return None
    out += source[at:]
    return "".join(out)
