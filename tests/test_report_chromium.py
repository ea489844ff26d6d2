"""The HTML report in a real browser: headless Chromium renders it, makes no network
request on its behalf, logs no console message, and the screenshot is not blank.

Chromium itself talks to its update and sign-in services whatever page it shows; the
net log tells those apart from the page's requests (a page's request carries the page's
file:// network isolation key and an initiator), and a control page that does load
something proves the check sees it. Without Chromium these tests fail: CI must not
pass without the browser check (.ci/run installs the Debian package).
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import golive

pytestmark = pytest.mark.slow  # real servers, terminals or processes: not in the fast lane

WIDTH, HEIGHT = 1400, 2000
QUIET = [
    "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
    "--force-device-scale-factor=1", "--no-first-run", "--no-default-browser-check",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--enable-logging=stderr", "--log-level=0",
]  # fmt: skip


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.access("/usr/bin/chromium", os.X_OK):
        found = "/usr/bin/chromium"
    if found is None:
        pytest.fail(
            "chromium is not installed: the HTML report's browser test needs it "
            "(Debian: apt-get install chromium; .ci/run installs it)"
        )
    return found


@dataclass
class Rendered:
    returncode: int
    stderr: str
    screenshot: Path
    page_requests: list[str] = field(default_factory=list)  # URLs the page asked for
    browser_requests: list[str] = field(default_factory=list)  # Chromium's own traffic
    other_urls: list[str] = field(default_factory=list)  # in the log, but from neither

    @property
    def console(self) -> list[str]:
        return [
            line for line in self.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line
        ]


def render(page: Path, folder: Path) -> Rendered:
    net_log, shot = folder / "netlog.json", folder / "shot.png"
    result = subprocess.run(
        [chromium(), *QUIET, f"--user-data-dir={folder / 'profile'}", f"--log-net-log={net_log}",
         f"--screenshot={shot}", f"--window-size={WIDTH},{HEIGHT}", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    rendered = Rendered(result.returncode, result.stderr, shot)
    _read_net_log(json.loads(net_log.read_text()), rendered)
    return rendered


def _read_net_log(log: dict[str, Any], into: Rendered) -> None:
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    all_urls: set[str] = set()
    for event in log["events"]:
        params = event.get("params") or {}
        url = params.get("url")
        if not isinstance(url, str):
            continue
        all_urls.add(url)
        if event["type"] != start_job:
            continue
        initiator = params.get("initiator")
        isolation = str(params.get("network_isolation_key", ""))
        by_page = isolation.startswith("file://") or initiator not in (None, "not an origin")
        (into.page_requests if by_page else into.browser_requests).append(url)
    known = set(into.page_requests) | set(into.browser_requests)
    into.other_urls = sorted(u for u in all_urls - known if not u.startswith(("file:", "data:")))


def png_rows(path: Path, rows: int) -> tuple[int, int, list[bytes]]:
    """Width, height and the first `rows` decoded rows of an 8-bit RGB(A) PNG (no Pillow)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, idat = 8, b""
    width = height = channels = 0
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), (depth, colour)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    stride = width * channels
    raw = zlib.decompressobj().decompress(idat, rows * (stride + 1))
    decoded: list[bytes] = []
    previous = bytearray(stride)
    for row in range(rows):
        base = row * (stride + 1)
        kind, line = raw[base], bytearray(raw[base + 1 : base + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                corner = previous[i - channels] if i >= channels else 0
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                nearest = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + nearest) & 255
        decoded.append(bytes(line))
        previous = line
    return width, height, [bytes(r) for r in decoded]


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory, demo_journal: Path) -> Path:
    page = tmp_path_factory.mktemp("chromium") / "report.html"
    result = golive("report", demo_journal, "-o", page)
    assert result.returncode == 0, result.stderr
    return page


def test_the_report_renders_offline_without_errors(demo_report: Path, tmp_path: Path) -> None:
    rendered = render(demo_report, tmp_path)
    assert rendered.returncode == 0, rendered.stderr[-2000:]
    assert rendered.page_requests == [], "the report asked the network for something"
    assert rendered.other_urls == [], rendered.other_urls
    assert rendered.console == []
    size = rendered.screenshot.stat().st_size
    assert 20_000 < size < 5_000_000, size
    width, height, rows = png_rows(rendered.screenshot, 160)
    assert (width, height) == (WIDTH, HEIGHT)
    pixels = {row[i : i + 3] for row in rows for i in range(0, len(row), len(row) // WIDTH)}
    assert len(pixels) > 20, "the top of the screenshot is (almost) one colour"
    assert b"\xff\xff\xff" in pixels  # the white page
    assert any(sum(p) < 3 * 80 for p in pixels)  # and dark ink on it: the title


def test_the_check_sees_a_page_that_loads_something(tmp_path: Path) -> None:
    """The same check on a page that does load from the network and log to the console:
    if it passed here, the test above would prove nothing."""
    page = tmp_path / "control.html"
    page.write_text(
        '<!doctype html><meta charset="utf-8"><h1>control</h1>'
        '<img src="http://127.0.0.1:9/pixel.png"><script>console.error("control")</script>'
    )
    rendered = render(page, tmp_path)
    assert set(rendered.page_requests) == {"http://127.0.0.1:9/pixel.png"}
    assert any('"control"' in line for line in rendered.console)
