"""golive serve: the follow screen in a browser, through textual-serve, on loopback.

The page is opened in headless Chromium, offline (every name but loopback fails to
resolve), and driven through the DevTools protocol: what the follower's process sends
to the page's terminal must show the run's steps."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.helpers import golive
from tests.test_follow import finished_journal
from tests.test_report_chromium import QUIET, chromium

__all__ = ["finished_journal"]  # a fixture used here by name

pytestmark = pytest.mark.slow  # real servers and a real browser: not in the fast lane

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def serve(journal: Path, *args: str) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "golive", "serve", str(journal), "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not listening(port):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "golive serve never listened"
            time.sleep(0.1)
        yield port, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.communicate(timeout=15)


def said(process: subprocess.Popen[str]) -> str:
    """Stop `process` and return its stderr."""
    process.terminate()
    return process.communicate(timeout=15)[1]


def listening(port: int) -> list[str]:
    """The local addresses (hex, as /proc/net/tcp* has them) listening on `port`."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                found.append(local.rsplit(":", 1)[0])
    return found


def test_serve_listens_on_loopback_only_by_default(finished_journal: Path) -> None:
    with serve(finished_journal) as (port, process):
        assert listening(port) == ["0100007F"]  # 127.0.0.1, and no other address
        assert "WARNING" not in said(process)
    # Another address needs --bind, and is warned about (127.0.0.2 is loopback too: the
    # tests never listen beyond it).
    with serve(finished_journal, "--bind", "127.0.0.2") as (port, process):
        assert listening(port) == ["0200007F"]
        err = said(process)
        assert "textual-serve has no authentication" in err and "127.0.0.2" in err


def test_serve_of_what_is_not_a_journal_is_a_sentence(tmp_path: Path) -> None:
    result = golive("serve", tmp_path / "missing.jsonl", "--port", str(free_port()))
    assert result.returncode == 2 and "cannot read the journal" in result.stderr
    assert "Traceback" not in result.stderr


async def page_terminal_text(url: str, profile: Path, wanted: list[str]) -> str:
    """Open `url` in headless Chromium and collect what the page's terminal is sent over
    its websocket, until every one of `wanted` is in it (or a minute passed)."""
    browser = subprocess.Popen(
        [chromium(), *QUIET, f"--user-data-dir={profile}", "--remote-debugging-port=0",
         "--window-size=1400,900", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
         "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert browser.stderr is not None
    try:
        endpoint = ""
        deadline = time.monotonic() + 60
        while not endpoint and time.monotonic() < deadline:
            line = browser.stderr.readline()
            if "DevTools listening on " in line:
                endpoint = line.split("DevTools listening on ", 1)[1].strip()
        assert endpoint, "Chromium did not open its DevTools endpoint"
        async with aiohttp.ClientSession() as http, http.ws_connect(endpoint, max_msg_size=0) as ws:
            ids = iter(range(1, 10**6))

            async def call(method: str, session: str | None = None, **params: object) -> int:
                number = next(ids)
                message: dict[str, object] = {"id": number, "method": method, "params": params}
                if session:
                    message["sessionId"] = session
                await ws.send_str(json.dumps(message))
                return number

            async def reply(number: int) -> dict[str, object]:
                async for raw in ws:
                    message = json.loads(raw.data)
                    if message.get("id") == number:
                        return dict(message.get("result") or {})
                raise AssertionError("the DevTools connection closed")

            target = await reply(await call("Target.createTarget", url="about:blank"))
            attached = await reply(
                await call("Target.attachToTarget", targetId=target["targetId"], flatten=True)
            )
            session = str(attached["sessionId"])
            await reply(await call("Network.enable", session))
            await call("Page.navigate", session, url=url)
            received = ""
            while time.monotonic() < deadline and not all(w in received for w in wanted):
                try:
                    raw = await asyncio.wait_for(ws.receive(), timeout=1)
                except TimeoutError:
                    continue
                message = json.loads(raw.data)
                if message.get("method") != "Network.webSocketFrameReceived":
                    continue
                frame = message["params"]["response"]
                if frame.get("opcode") == 2:  # the terminal's bytes (text frames are control)
                    data = base64.b64decode(frame["payloadData"]).decode("utf-8", "replace")
                    received += ANSI.sub("", data)
            return received
    finally:
        browser.kill()
        browser.communicate(timeout=15)


def test_serve_shows_the_run_in_a_browser_offline(finished_journal: Path, tmp_path: Path) -> None:
    with serve(finished_journal) as (port, _):
        url = f"http://127.0.0.1:{port}/"
        steps = ["prepare", "copy", "switch"]
        text = asyncio.run(page_terminal_text(url, tmp_path / "profile", [*steps, "COMPLETED"]))
        for word in [*steps, "FOLLOWING (read-only)", "COMPLETED"]:
            assert word in text, f"{word!r} never reached the page's terminal:\n{text[-2000:]}"


def test_serve_says_what_stops_it_listening(finished_journal: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for args, said in [
            (["--port", str(port)], "Address already in use"),
            (["--port", str(free_port()), "--bind", "no such host.invalid"], "does not resolve"),
        ]:
            result = golive("serve", finished_journal, *args, timeout=30)
            assert result.returncode == 2 and "golive: cannot listen on" in result.stderr
            assert said in result.stderr and "Traceback" not in result.stderr
    result = golive("serve", finished_journal, "--port", "70000")
    assert result.returncode == 2 and "is not a port" in result.stderr


def test_serve_takes_a_journal_path_with_markup_and_shell_words(
    finished_journal: Path, tmp_path: Path
) -> None:
    (tmp_path / "[").mkdir()  # so that the path holds Rich's "[/x]" closing tag
    odd = tmp_path / "[" / "x] [blink] $(touch pwned); 'q'.jsonl"
    odd.write_bytes(finished_journal.read_bytes())
    with serve(odd) as (port, process):
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read()
        assert b"golive follow" in page
        assert process.poll() is None
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()
