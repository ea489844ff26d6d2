"""Shared test helpers: write runbooks, run the real golive binary, read journals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HEADER = """
[runbook]
name = "test run"
window = { start = "2026-11-28T22:00:00+00:00", duration = "2h" }
"""


def write_runbook(folder: Path, body: str, name: str = "rb.toml", header: str = HEADER) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(header) + textwrap.dedent(body), encoding="utf-8")
    return path


def golive(
    *args: str | Path,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "golive", *map(str, args)],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def spawn(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "golive", *map(str, args)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def events(journal: Path) -> list[dict[str, Any]]:
    result = []
    for line in journal.read_bytes().splitlines():
        try:
            result.append(json.loads(line))
        except ValueError:
            break  # a torn last line
    return result


def of_type(journal: Path, kind: str, **match: Any) -> list[dict[str, Any]]:
    return [
        e
        for e in events(journal)
        if e["type"] == kind and all(e.get(k) == v for k, v in match.items())
    ]


def wait_until(
    predicate: Callable[[], bool], timeout: float = 30.0, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def footer_actions(screen: Any) -> set[str]:
    """The actions whose keys a screen's footer draws (FooterKey: not exported by Textual,
    found by its name)."""
    return {str(getattr(key, "action", "")) for key in screen.query("FooterKey")}
