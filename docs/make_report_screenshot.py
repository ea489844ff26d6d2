"""Render the README screenshot of the HTML report: python docs/make_report_screenshot.py

The report is made from tests/data/demo-review.jsonl (the committed journal of a real
demo run: the failed migration, the rollback to the backup, the second attempt) and
drawn by headless Chromium (Debian's chromium package), offline, 1400 pixels wide.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JOURNAL = ROOT / "tests" / "data" / "demo-review.jsonl"
OUT = ROOT / "docs" / "screenshots" / "report.png"
WIDTH, HEIGHT = 1400, 1500


def main() -> int:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("chromium is not installed (Debian: apt-get install chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="golive-report-shot-") as folder:
        html = Path(folder) / "report.html"
        subprocess.run(
            [sys.executable, "-m", "golive", "report", str(JOURNAL), "-o", str(html)],
            check=True,
            cwd=ROOT,
        )
        subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--force-device-scale-factor=1", "--disable-background-networking",
             f"--window-size={WIDTH},{HEIGHT}", f"--screenshot={OUT}", html.as_uri()],
            check=True,
            capture_output=True,
        )  # fmt: skip
    print(OUT.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
