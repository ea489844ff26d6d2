"""Render the README screenshot of golive review: python docs/make_review_screenshot.py

It shows the "failure" scene of tests/test_review_snapshots.py (the committed journal
of a real demo run, zoomed in on the failed migration and the rollback), so running
this again gives the same picture until the review screen itself changes.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
WIDTH, HEIGHT = 160, 48

sys.path.insert(0, str(ROOT))  # for tests.test_review_snapshots, when run as a script

from tests.test_review_snapshots import at_the_failure, journal_app  # noqa: E402


async def screenshot() -> Path:
    app = journal_app()
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        await at_the_failure(pilot)
        saved = app.save_screenshot(filename=f"review-{WIDTH}x{HEIGHT}.svg", path=str(OUT))
    return Path(saved)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    print(asyncio.run(screenshot()).relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
