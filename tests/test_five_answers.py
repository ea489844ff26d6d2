"""The run screen answers five questions at a glance, at every size from 80x24 up and at
every moment of a run: where are we, are we late, can we still roll back and until when,
is any server unhappy, what must I do next.

Each answer is found by a pattern in the text the screen renders, so no snapshot can be
accepted with an answer missing (tests/test_tui_snapshots.py holds the pictures of the
same scenes)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from golive.tui.app import GoliveApp
from golive.tui.screens.run_layout import NARROW_SCREEN
from golive.tui.sparkline import SPARK
from golive.tui.widgets.events_pane import EventsPane
from tests.test_tui_snapshots import FLEET_HOSTS, HOSTS, SCENARIOS, SIZES, Scene, make_scene

pytestmark = pytest.mark.slow  # 8 scenes at 5 sizes, each a Textual app under Pilot

# Where: the step the run is at, with its state (icon and word), and its phase.
WHERE = {
    "start": ("freeze", "prepare", r"(▶|\?)"),
    "rehearsal": ("unfreeze", "hypercare", r"(▶|\?)"),
    "live": ("deploy", "cutover", r"▶"),
    "failed": ("migrate", "migrate", r"✘"),
    "fleet-failed": ("migrate", "migrate", r"✘"),
    "gate": ("go-nogo", "cutover", r"(▶|\?)"),
    "rolled-back": ("migrate", "migrate", r"↶"),
    "completed": ("unfreeze", "hypercare", r"✔"),
}
LATE = re.compile(r"(ends|ended) \d\d:\d\d · \S+ spare|!! LATE \S+ · (ends|ended) \d\d:\d\d")
ROLLBACK = re.compile(r"rollback by \d\d:\d\d → \S+|no rollback: \S.*|rollback → \S+")
NEXT = re.compile(
    r"^[█ ]*\? \S.* — .*\b(enter|t|g|b|s|y)\b|^[█ ]*The run ended: .+ Press q|^[█ ]*Running: \S+"
)
HOST_ROW = r"(^|\s)!?\s*{host}\s+(LIVE|STALE|DOWN|CONNECTING|RECONNECT\w*)\b.*\d+%.*\d+%"
FLEET = re.compile(r"(\d+) hosts · (\d+) unhappy: (.+)")


def screen_lines(app: GoliveApp) -> list[str]:
    """The text of every line of the screen as the terminal would show it."""
    strips = app.screen._compositor.render_strips()
    return ["".join(segment.text for segment in strip) for strip in strips]


def check_five_answers(name: str, lines: list[str], width: int) -> None:
    text = "\n".join(lines)
    head = "\n".join(lines[:3])
    shown = f"the screen at {width} columns:\n{text}"
    step, phase, icon = WHERE[name]
    # 1. Where: the step's row (its icon before its id) or the header, and its phase.
    assert re.search(rf"{icon}\s+(∥ )?{re.escape(step)}\b", text) or re.search(
        rf"{re.escape(step)} (FAILED|running|waiting for you|INTERRUPTED)", head
    ), f"where: {step} with its state is not shown; {shown}"
    assert phase in text, f"where: the phase {phase} is not shown; {shown}"
    # 2. Late, in words that cannot be misread, on the first line.
    assert LATE.search(lines[0]), f"late: no forecast in words on line 1; {shown}"
    # 3. Until when a rollback fits (and to where), or why none does.
    assert ROLLBACK.search(lines[0]), f"roll back: no deadline or reason on line 1; {shown}"
    # 4. The hosts: each on a row with state, cpu and mem, or a fleet line naming the unhappy.
    fleet = FLEET.search(text)
    hosts = FLEET_HOSTS if name.startswith("fleet") else HOSTS
    if fleet is None:
        assert re.search(r"\bcpu\b.*\bmem\b.*\berr/m\b", text), f"hosts: no header; {shown}"
        for h in hosts:
            assert re.search(HOST_ROW.format(host=h.host), text, re.M), (
                f"hosts: {h.host} has no row with its state, cpu and mem; {shown}"
            )
    else:
        assert int(fleet.group(1)) == len(hosts)
        unhappy = ("db1", "app2", "web07") if name.startswith("fleet") else ("db1", "app2")
        assert int(fleet.group(2)) == len(unhappy), shown
        for host in unhappy:
            assert host in fleet.group(3), f"hosts: {host} missing from the fleet line; {shown}"
    # 5. Next: what is asked and which keys answer it, on line 2 (wrapped, never cut).
    assert NEXT.search(lines[1]), f"next: line 2 does not say what to do; {shown}"
    assert "…" not in head, f"the header cut something off; {shown}"
    # No glyph outside its cell: nothing wide (terminals disagree on its width), and the
    # block glyphs of sparklines only on a host's row (a scrollbar thumb is whole cells).
    wide = {c for c in text if unicodedata.east_asian_width(c) in "WF"}
    assert not wide, f"wide glyphs {wide} on the screen; {shown}"
    for line in lines:
        if any(c in SPARK[:-1] for c in line):  # not █, the header's border
            assert any(re.search(rf"(^|\s)!?\s*{h.host}\s", line) for h in hosts), (
                f"a sparkline glyph away from its host's row: {line!r}; {shown}"
            )


@asynccontextmanager
async def scene_at(name: str, size: str, folder: Path) -> AsyncIterator[tuple[Scene, Pilot[Any]]]:
    """Scene `name` recorded and drawn at `size`, under Pilot; its session closed after."""
    scene = make_scene(name, folder)
    try:
        async with scene.app.run_test(size=SIZES[size]) as pilot:
            await scene.run_before(pilot)
            await pilot.pause()
            yield scene, pilot
    finally:
        scene.session.close()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", SCENARIOS)
async def test_the_five_answers(name: str, size: str, tmp_path: Path) -> None:
    async with scene_at(name, size, tmp_path) as (scene, _):
        check_five_answers(name, screen_lines(scene.app), SIZES[size][0])


@pytest.mark.parametrize("size", SIZES)
async def test_the_five_answers_above_the_rollback_preview(size: str, tmp_path: Path) -> None:
    """A dialog covers the run screen, never the answers: the rollback preview (b after
    migrate failed) opens under the run's header and a line for the hosts."""
    async with scene_at("failed", size, tmp_path) as (scene, pilot):
        await pilot.press("b")
        await pilot.pause(0.3)
        lines = screen_lines(scene.app)
        shown = "\n".join(lines)
        assert "Roll back to backup?" in shown, shown
        head = "\n".join(lines[:3])
        assert re.search(r"migrate (FAILED|failed)", head), shown
        assert LATE.search(lines[0]) and ROLLBACK.search(lines[0]), shown
        assert NEXT.search(lines[1]), shown
        fleet = FLEET.search(lines[2])
        assert fleet and fleet.group(1) == "3" and "db1" in lines[2] and "app2" in lines[2]
        assert "…" not in head, shown


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", ["start", "failed", "fleet-failed", "completed"])
async def test_panes_are_sized_by_what_they_hold(name: str, size: str, tmp_path: Path) -> None:
    """Stacked, no empty band above the events while they have more to show; at every
    size the pane shows its newest line (it stays at its end when the layout changes)."""
    async with scene_at(name, size, tmp_path) as (scene, _):
        width = SIZES[size][0]
        lines = screen_lines(scene.app)
        shown = "\n".join(lines)
        pane = scene.app.screen.query_one(EventsPane)
        newest = pane.lines[-1].rstrip()
        assert newest and newest in shown, f"the newest event {newest!r} is off; {shown}"
        stacked = width < NARROW_SCREEN
        if stacked and pane.line_count > pane.scrollable_content_region.height:
            band = lines[3 : pane.region.y]  # under the header, above the events
            empty = sum(1 for line in band if not line.strip())
            assert empty <= 1, f"{empty} empty rows above a full events pane; {shown}"
