"""Snapshot tests of golive review on a committed journal of a real demo run.

tests/data/demo-review.jsonl was written once by `golive demo --yes --console --journal
...` (the failed migration, the rollback to the backup, the second attempt). Every time
on the screen comes from it (wall times, offsets, samples), so the pictures are the same
on every machine. Each scene waits for the samples worker before its picture is taken.

Update the baselines (tests/__snapshots__/) with:
    pytest --snapshot-update tests/test_review_snapshots.py
docs/make_review_screenshot.py renders the README screenshot from the "failure" scene.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from golive.io.recorded import load_record
from golive.tui.review_app import ReviewApp
from golive.tui.widgets.timeline import Timeline

pytestmark = pytest.mark.slow  # real servers, terminals or processes: not in the fast lane

JOURNAL = Path(__file__).resolve().parent / "data" / "demo-review.jsonl"
SIZES = {"80x24": (80, 24), "160x48": (160, 48)}


async def samples_read(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, ReviewApp)
    deadline = time.monotonic() + 120
    while app.samples_at is None and time.monotonic() < deadline:
        await pilot.pause(0.05)
    assert app.samples_at is not None, "the samples were never read"
    await pilot.pause()


async def at_the_end(pilot: Pilot[Any]) -> None:
    """As it opens: the cursor at the run's end, the whole run on the axis."""
    await samples_read(pilot)


async def at_the_failure(pilot: Pilot[Any]) -> None:
    """Zoomed in on the first four seconds, the cursor on the failed migration."""
    await samples_read(pilot)
    app = pilot.app
    assert isinstance(app, ReviewApp)
    await pilot.press("plus", "plus", "plus", "plus", "k")
    for _ in range(40):
        if app.loaded.events[app.review.pos - 1].get("status") == "failed":
            break
        await pilot.press("left_square_bracket")
    timeline = app.query_one(Timeline)
    while timeline.selected_step() != "migrate":
        await pilot.press("down")
    await pilot.pause()


async def the_output(pilot: Pilot[Any]) -> None:
    """The migrate step's output, both attempts and the undo between them."""
    await at_the_failure(pilot)
    await pilot.press("o")
    await pilot.pause()


SCENES: dict[str, Callable[[Pilot[Any]], Awaitable[None]]] = {
    "end": at_the_end,
    "failure": at_the_failure,
    "output": the_output,
}


def journal_app(path: Path = JOURNAL) -> ReviewApp:
    return ReviewApp(load_record(str(path), samples=False))


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("scene", SCENES)
def test_review_screen(scene: str, size: str, snap_compare: Callable[..., bool]) -> None:
    assert snap_compare(journal_app(), terminal_size=SIZES[size], run_before=SCENES[scene])


def test_tampered_journal_banner(tmp_path: Path, snap_compare: Callable[..., bool]) -> None:
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_bytes(JOURNAL.read_bytes().replace(b"backup written: ", b"backup written:  "))
    assert snap_compare(journal_app(tampered), terminal_size=SIZES["80x24"], run_before=at_the_end)


def test_the_committed_journal_is_a_real_demo_run() -> None:
    """What the pictures show, in numbers: the scenes are not empty by accident."""
    loaded = load_record(str(JOURNAL))
    record = loaded.record
    assert record.integrity.ok and record.integrity.torn_line is None
    assert record.name == "Demo: shop 2.0 go-live" and record.mode == "rehearsal"
    assert [(a.action, a.status) for a in record.step("migrate").attempts] == [
        ("run", "failed"), ("rollback", "succeeded"), ("run", "succeeded"),
    ]  # fmt: skip
    assert [r.to for r in record.rollbacks] == ["backup"] and record.outcome == "completed"
    assert len(record.hosts["shop"].m) >= 3
