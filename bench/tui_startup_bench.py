"""How long `golive run` takes to show its first full TUI frame, next to importing Textual.

Starts `golive run runbooks/demo.toml --rehearsal --journal TMP/...` in a real
terminal emulator (tmux on a private socket, -L, with no config, 160x48) and
polls `tmux capture-pane` until the first FULL frame is on screen: the header
("REHEARSAL") and the steps table down to its last step ("unfreeze"). Each run
then leaves golive as an operator would (q, then y), or its tmux session is
killed. Compared with, each as a whole process, run in turn with the golive
runs (round robin, so each comparison meets the same load), median:

  (a) `python -c "import textual.app"` (just importing Textual)
  (b) `python -c pass` (the interpreter)
  (c) a minimal Textual app (one Static with the same two words) to its first
      frame, in the same tmux, detected the same way: Textual's own floor

Then where the time goes: the import time of a few modules on golive's TUI
path (python -X importtime, one run).

In-process (informative): the same session and app as the CLI builds them
(start_session, golive.tui.run.build_app, watch_hosts), run with
App.run_test(size=(160, 48)) headless: time from build_app to the first frame
Textual composes (App._display) once the steps table holds every row.

Journals and demo folders go to a temporary folder that is removed at the end.
It only prints figures; nothing is asserted about time.

    python bench/tui_startup_bench.py          # 7 runs each
    python bench/tui_startup_bench.py --quick  # 3 runs each
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.tui_latency_bench import running, shutdown_note  # noqa: E402
from golive.core.clock import SystemClock  # noqa: E402
from golive.core.loader import load_runbook  # noqa: E402
from golive.io.ssh import SshPool  # noqa: E402
from golive.io.ssh_exec import HostExecutors  # noqa: E402
from golive.session.answers import Policy  # noqa: E402
from golive.session.session import RunOptions, start_session, watch_hosts  # noqa: E402
from golive.session.variables import resolve_values  # noqa: E402
from golive.tui.run import build_app  # noqa: E402
from golive.tui.widgets.steps_table import StepsTable  # noqa: E402

DEMO = REPO / "runbooks" / "demo.toml"
WIDTH, HEIGHT = 160, 48
NEEDLES = ("REHEARSAL", "unfreeze")  # the header, and the last row of the steps table
POLL = 0.01  # seconds between two capture-pane calls
FRAME_TIMEOUT = 30.0
GOAL = 1.0  # seconds to the first full frame

MINIMAL_APP = """
from textual.app import App
from textual.widgets import Static

class Minimal(App):
    def compose(self):
        yield Static("REHEARSAL  unfreeze")

Minimal().run()
"""


def golive_executable() -> list[str]:
    """The installed console script, not a version-manager shim (pyenv's adds ~100 ms)."""
    beside = os.path.join(os.path.dirname(sys.executable), "golive")
    if os.access(beside, os.X_OK):
        return [beside]
    found = shutil.which("golive")
    return [found] if found else [sys.executable, "-m", "golive"]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def spread(times: list[float]) -> str:
    return (
        f"median {ms(statistics.median(times))}  min {ms(min(times))}  max {ms(max(times))}"
        f"  (n={len(times)})"
    )


# -- a private tmux server ------------------------------------------------------------


class Tmux:
    """One tmux server on its own socket (-L), with no user configuration."""

    def __init__(self, socket_name: str) -> None:
        self.socket = socket_name
        # A session that idles, so the server is up before the first timed run.
        self.call("new-session", "-d", "-s", "idle", "-x", str(WIDTH), "-y", str(HEIGHT))

    def call(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            check=check,
        )

    def start(self, name: str, command: list[str], env: dict[str, str], cwd: str) -> None:
        options = [f"-e{key}={value}" for key, value in env.items()]
        self.call(
            "new-session", "-d", "-s", name, "-x", str(WIDTH), "-y", str(HEIGHT),
            "-c", cwd, *options, *command,
        )  # fmt: skip

    def screen(self, name: str) -> str:
        done = self.call("capture-pane", "-p", "-t", name, check=False)
        return done.stdout if done.returncode == 0 else ""

    def alive(self, name: str) -> bool:
        return self.call("has-session", "-t", name, check=False).returncode == 0

    def keys(self, name: str, *keys: str) -> None:
        self.call("send-keys", "-t", name, *keys, check=False)

    def kill(self, name: str) -> None:
        self.call("kill-session", "-t", name, check=False)

    def close(self) -> None:
        self.call("kill-server", check=False)


def until_on_screen(tmux: Tmux, name: str, needles: tuple[str, ...], started: float) -> float:
    """Seconds from `started` until every needle is on the pane at once."""
    deadline = started + FRAME_TIMEOUT
    while time.perf_counter() < deadline:
        screen = tmux.screen(name)
        if all(needle in screen for needle in needles):
            return time.perf_counter() - started
        time.sleep(POLL)
    raise RuntimeError(f"{name}: no full frame after {FRAME_TIMEOUT:.0f}s:\n{tmux.screen(name)}")


def wait_gone(tmux: Tmux, name: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not tmux.alive(name):
            return True
        time.sleep(0.05)
    return False


def golive_first_frame(tmux: Tmux, tmp: str, index: int) -> tuple[float, str]:
    """One timed `golive run`, then q + y; returns (seconds, how it was left)."""
    name = f"golive-{index}"
    journal = os.path.join(tmp, f"startup-{index}.jsonl")
    env = {"GOLIVE_DEMO_DIR": os.path.join(tmp, f"demo-{index}")}
    command = [*golive_executable(), "run", str(DEMO), "--rehearsal", "--journal", journal]
    started = time.perf_counter()
    tmux.start(name, command, env, str(REPO))
    seconds = until_on_screen(tmux, name, NEEDLES, started)
    # Leave as an operator would: q asks "Leave golive?", y says yes.
    tmux.keys(name, "q")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "Leave golive?" not in tmux.screen(name):
        time.sleep(0.05)
    tmux.keys(name, "y")
    if wait_gone(tmux, name, 10):
        how = "q+y"
    else:
        tmux.kill(name)
        how = "killed"
    if not os.path.exists(journal):
        raise RuntimeError(f"{journal}: golive wrote no journal")
    return seconds, how


def minimal_first_frame(tmux: Tmux, index: int) -> float:
    name = f"minimal-{index}"
    started = time.perf_counter()
    tmux.start(name, [sys.executable, "-c", MINIMAL_APP], {}, str(REPO))
    seconds = until_on_screen(tmux, name, NEEDLES, started)
    tmux.kill(name)
    wait_gone(tmux, name, 5)
    return seconds


def process_seconds(command: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


IMPORTS = (
    "golive.commands.run",  # what `golive run` imports first
    "golive.io.http",  # httpx, for HTTP verify checks
    "golive.io.monitor",  # paramiko, for SSH monitoring
    "golive.core.loglevels",
    "golive.tui.run",  # the TUI, imported once the run has a terminal
    "textual.app",
    "golive.tui.app",
)


def import_breakdown() -> list[tuple[str, float]]:
    """Cumulative import time of a few modules on golive's TUI path (python -X importtime)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import golive.commands.run, golive.tui.run"],
        capture_output=True,
        text=True,
        check=True,
    )
    found: dict[str, float] = {}
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[2].strip() in IMPORTS:
            found[parts[2].strip()] = int(parts[1]) / 1e6
    return [(name, found[name]) for name in IMPORTS if name in found]


# -- in-process -------------------------------------------------------------------------


async def in_process_once(tmp: str, index: int) -> tuple[float, float]:
    """(seconds to run_test's ready, seconds to the first full frame), both from build_app."""
    loaded = load_runbook(str(DEMO))
    assert loaded.runbook is not None
    runbook = loaded.runbook
    values = resolve_values(
        runbook, {"workdir": os.path.join(tmp, f"inproc-demo-{index}")}, interactive=False
    )
    session = start_session(
        runbook,
        os.path.join(tmp, f"inproc-{index}.jsonl"),
        values,
        SystemClock(),
        RunOptions(mode="rehearsal", operator="bench"),
    )
    pool = SshPool(known_hosts=runbook.known_hosts_path)
    policy = Policy(interactive=True, operator="bench")
    rows = len(runbook.steps) + len(runbook.phases)
    started = time.perf_counter()
    app = build_app(session, HostExecutors(pool), policy)
    monitor = watch_hosts(session, pool, app.post_snapshots)
    full: list[float] = []
    display = app._display

    def spy(screen: Any, renderable: Any) -> None:
        display(screen, renderable)
        if full or renderable is None or app._batch_count:
            return
        try:
            complete = app.query_one(StepsTable).row_count == rows
        except Exception:  # not mounted yet
            complete = False
        if complete:
            full.append(time.perf_counter() - started)

    app._display = spy  # type: ignore[method-assign]
    try:
        async with running(app) as pilot:
            ready = time.perf_counter() - started
            deadline = time.monotonic() + FRAME_TIMEOUT
            while not full and time.monotonic() < deadline:
                await asyncio.sleep(0.001)
            await pilot.pause(0)
    finally:
        if app.driver is not None:
            app.driver.stop()
        if monitor is not None:
            monitor.stop()
        session.close()
        pool.close()
    if not full:
        raise RuntimeError("in-process: the steps table never showed every row")
    return ready, full[0]


# -- main --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 runs of each instead of 7")
    args = parser.parse_args()
    runs = 3 if args.quick else 7
    if shutil.which("tmux") is None:
        sys.exit("tui_startup_bench: needs tmux (apt-get install tmux)")

    # An installed golive starts from its .pyc files; a shell that forbids writing them
    # would time the compiling of every module on every run instead.
    if os.environ.pop("PYTHONDONTWRITEBYTECODE", None) is not None:
        print("PYTHONDONTWRITEBYTECODE unset for the measured commands (.pyc files are kept)")

    tmp = tempfile.mkdtemp(prefix="golive-startup-bench-")
    tmux = Tmux(f"golive-bench-{os.getpid()}")
    try:
        load = os.getloadavg()
        print(
            f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
            " at start (other processes' CPU use shows in every figure)"
        )
        print(f"runbook: {DEMO.relative_to(REPO)} ({WIDTH}x{HEIGHT} tmux pane, private socket)")
        print(f"command: {' '.join(golive_executable())} run {DEMO.name} --rehearsal --journal TMP")
        print(
            f"full frame = {' and '.join(repr(n) for n in NEEDLES)} on screen, polled every {ms(POLL)}"
        )

        # Warm the page cache and .pyc files; not counted.
        golive_first_frame(tmux, tmp, 0)
        minimal_first_frame(tmux, 0)

        # Round robin, so that each comparison meets the same load on the machine.
        golive_times, minimal_times, import_times, bare_times = [], [], [], []
        left = []
        for index in range(1, runs + 1):
            seconds, how = golive_first_frame(tmux, tmp, index)
            golive_times.append(seconds)
            left.append(how)
            minimal_times.append(minimal_first_frame(tmux, index))
            import_times += process_seconds([sys.executable, "-c", "import textual.app"], 1)
            bare_times += process_seconds([sys.executable, "-c", "pass"], 1)

        print(f"\nwhole process, {runs} runs each, interleaved:")
        print(f"golive run (TUI) first full frame  {spread(golive_times)}")
        print(f"minimal Textual app first frame    {spread(minimal_times)}")
        print(f"python -c 'import textual.app'     {spread(import_times)}")
        print(f"python -c pass                     {spread(bare_times)}")
        print(f"runs left by q+y: {left.count('q+y')}/{runs}, killed: {left.count('killed')}")
        first = statistics.median(golive_times)
        print(
            f"\nfirst frame {ms(first)} vs goal {ms(GOAL)}: {first / GOAL:.2f}x"
            f" ({'within' if first <= GOAL else 'OVER'} the goal)"
        )
        print(
            f"first frame / import textual.app: {first / statistics.median(import_times):.1f}x"
            f"  ({ms(first)} vs {ms(statistics.median(import_times))})"
        )
        print(
            f"first frame / minimal Textual app: {first / statistics.median(minimal_times):.1f}x"
            f"  ({ms(first)} vs {ms(statistics.median(minimal_times))})"
        )

        print("\nwhere the first frame's time goes: import time (python -X importtime, one run):")
        for name, seconds in import_breakdown():
            print(f"  {name:<24} {ms(seconds):>7}")
        print("  (cumulative: a module's time includes what it imports first, nested ones too)")

        asyncio.run(in_process_once(tmp, 0))  # warm-up, not counted
        readies, frames = [], []
        for index in range(1, runs + 1):
            ready, frame = asyncio.run(in_process_once(tmp, index))
            readies.append(ready)
            frames.append(frame)
        print(
            f"\nin-process (App.run_test, headless {WIDTH}x{HEIGHT}), {runs} runs, from build_app:"
        )
        print(f"run_test ready                     {spread(readies)}")
        print(f"first frame with every table row   {spread(frames)}")
        note = shutdown_note()
        if note:
            print(note)
    finally:
        tmux.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
