"""Render the README screenshots of the run screen: python docs/make_screenshots.py

They show the LIVE scene of tests/test_tui_snapshots.py (synthetic journal events
on a frozen clock, fixed host figures, no driver thread), so running this again
gives the same pictures until the screen itself changes.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
SIZES = ((160, 48), (80, 24))

sys.path.insert(0, str(ROOT))  # for tests.test_tui_snapshots, when run as a script

from tests.test_tui_snapshots import make_scene  # noqa: E402


async def screenshot(width: int, height: int, folder: Path) -> Path:
    scene = make_scene("live", folder)
    try:
        async with scene.app.run_test(size=(width, height)) as pilot:
            await scene.run_before(pilot)
            await pilot.pause()
            saved = pilot.app.save_screenshot(filename=f"run-{width}x{height}.svg", path=str(OUT))
    finally:
        scene.session.close()
    return Path(saved)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        with tempfile.TemporaryDirectory(prefix="golive-screenshot-") as folder:
            saved = asyncio.run(screenshot(width, height, Path(folder)))
        print(saved.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
