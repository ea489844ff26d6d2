"""Key-to-screen latency of the golive TUI while 50 hosts stream and a step prints 10,000 lines/s.

The app is the one the CLI builds (golive.tui.run.build_app: real driver
thread, conductor, LocalExecutor, journal) on a generated runbook with 50
hosts, run headless with App.run_test(size=(160, 48)). The load:

  * hosts: a "fleet" thread does what golive.io.monitor.Monitor does once per
    second, without SSH: 50 real HostWatch objects get a synthetic sample
    (random-walk CPU and memory, so thresholds are crossed now and then) and a
    few synthetic log lines classified by golive's own classifier
    (message_levels); their events (samples, alerts, host states) are recorded
    through Session.record_while_running, and 50 snapshots are posted with
    app.post_snapshots (HostsUpdated), as the monitor does.
  * output: a local command step prints numbered lines at 10,000 lines/s,
    paced in 10 ms slices, through the real executor and journal.

Four phases, each with a fresh app, session and journal:
  idle       no host updates, no output: a quiet step runs (the floor)
  hosts      the 50 hosts only
  capped     hosts + ONE step printing 10,000 lines/s for the whole phase; the
             journal keeps at most 10,000 lines per step attempt
             (golive.session.execution.OUTPUT_CAP_LINES), so after ~1 s the rest is read
             and dropped and the UI gets no more lines
  sustained  hosts + a chain of 1-second steps of 10,000 lines each, so 10,000
             journaled lines/s reach the UI for the whole phase
golive's steps cursor follows the running step (GoliveApp._follow_running), so
its lines are also written to the output pane.

In each phase "n" (note) is pressed about 50 times with small random pauses;
each time the bench records how long until the note dialog (TextScreen) is
pushed, and until Textual composes its first frame (App._display), then
presses escape and waits for the run screen's frame. Keys are sent as Textual's
input thread and Pilot.press send them (driver.send_message(Key)); Pilot.press
then also waits for the process to be idle (textual._wait.wait_for_idle, up to
1 s, twice), which it never is under this load, so a few
`await pilot.press("n")` round trips are timed separately, for comparison.

Also printed: output lines journaled, dropped at the cap, delivered to the UI
and written to the output pane; the UI's journal batches (how many events each
JournalBatch drained); event-loop lag (a 10 ms sleeper's overshoot); Textual
workers alive; CPU use; the machine's load (other processes count too).
It only prints figures; nothing is asserted about time.

    python bench/tui_latency_bench.py          # ~50 presses per phase
    python bench/tui_latency_bench.py --quick  # ~15 presses per phase
    python bench/tui_latency_bench.py --quick --profile /tmp/ui  # + /tmp/ui.PHASE.pstats
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import os
import random
import shlex
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from rich.console import Console

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from textual import events  # noqa: E402
from textual.app import App  # noqa: E402
from textual.css.query import NoMatches  # noqa: E402
from textual.pilot import Pilot  # noqa: E402
from textual.widgets import Log  # noqa: E402

from golive.core import events as ev  # noqa: E402
from golive.core.clock import SystemClock  # noqa: E402
from golive.core.events import Event  # noqa: E402
from golive.core.hostwatch import HostSnapshot, HostWatch, Metrics, Thresholds  # noqa: E402
from golive.core.loader import load_runbook  # noqa: E402
from golive.core.runbook import Runbook  # noqa: E402
from golive.io.monitor import message_levels  # noqa: E402
from golive.io.ssh import SshPool  # noqa: E402
from golive.io.ssh_exec import HostExecutors  # noqa: E402
from golive.session.answers import Policy  # noqa: E402
from golive.session.session import RunOptions, Session, start_session  # noqa: E402
from golive.session.variables import resolve_values  # noqa: E402
from golive.tui.app import GoliveApp  # noqa: E402
from golive.tui.run import build_app  # noqa: E402
from golive.tui.screens.dialogs import TextScreen  # noqa: E402

HOSTS = 50
RATE = 10_000  # output lines per second
WIDTH, HEIGHT = 160, 48
GOAL_P95 = 0.100  # seconds, key to screen
KEY_TIMEOUT = 10.0
PHASES = {
    "idle": "no hosts updates, no output (a quiet step runs)",
    "hosts": f"{HOSTS} hosts at 1 Hz, no output",
    "capped": f"{HOSTS} hosts + one step at {RATE:,} lines/s (journal keeps its first 10,000)",
    "sustained": f"{HOSTS} hosts + 1 s steps of {RATE:,} lines each, back to back",
}

# -- the simulated fleet (shared with bench/tui_rss_bench.py) -----------------------------

LOG_TEMPLATES = [
    ("INFO", "request served in {n} ms"),
    ("INFO", "cache refreshed: {n} keys"),
    ("DEBUG", "pool stats: active={n} idle=4"),
    ("WARN", "slow query took {n} ms"),
    ("ERROR", "upstream timed out after {n} ms"),
]


def host_names(count: int = HOSTS) -> list[str]:
    return [f"node-{i:02d}" for i in range(1, count + 1)]


def hosts_toml(count: int = HOSTS) -> str:
    lines = []
    for i, name in enumerate(host_names(count), start=1):
        lines += [
            f"[hosts.{name}]",
            f'address = "10.99.{i // 250}.{i % 250 + 1}"',
            'user = "golive"',
            f'groups = ["{"db" if i <= 5 else "app"}"]',
            'logs = ["/var/log/app.log"]',
            "",
        ]
    return "\n".join(lines)


@dataclass
class _SimHost:
    watch: HostWatch
    classify: Callable[[str], str | None]
    cpu: float
    mem: float
    noisy: bool  # sends bursts of errors now and then


@dataclass
class Fleet:
    """What golive.io.monitor.Monitor does each interval, for hosts that are simulated:
    real HostWatch objects fed synthetic samples and log lines at the time `now`."""

    names: list[str]
    interval: float = 1.0
    thresholds: Thresholds = field(default_factory=Thresholds)
    seed: int = 7
    lines_per_tick: float = 3.0  # log lines per host per interval, on average
    _hosts: list[_SimHost] = field(default_factory=list)
    _rng: random.Random = field(init=False)
    log_lines: int = 0

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        for i, name in enumerate(self.names):
            self._hosts.append(
                _SimHost(
                    HostWatch(name, self.interval, self.thresholds),
                    message_levels(),
                    cpu=self._rng.uniform(10, 60),
                    mem=self._rng.uniform(30, 80),
                    noisy=i % 10 == 3,
                )
            )

    def connect(self, now: float) -> list[Event]:
        found: list[Event] = []
        for host in self._hosts:
            found += host.watch.connecting(now)
            found += host.watch.connected(now)
        return found

    def tick(self, now: float) -> list[Event]:
        """One interval: a sample and some log lines per host, then time passes."""
        rng = self._rng
        found: list[Event] = []
        for host in self._hosts:
            host.cpu = min(100.0, max(1.0, host.cpu + rng.gauss(0, 6)))
            host.mem = min(99.0, max(5.0, host.mem + rng.gauss(0, 1.5)))
            found += host.watch.sample(
                Metrics(host.cpu, host.mem, round(host.cpu / 25, 2), 40 + host.mem / 10), now
            )
            count = int(rng.expovariate(1 / self.lines_per_tick))
            if host.noisy and rng.random() < 0.05:
                count += 12  # a burst of errors: the errors alert goes up, later down
            for _ in range(count):
                level, text = (
                    LOG_TEMPLATES[4]
                    if host.noisy and rng.random() < 0.5
                    else rng.choices(LOG_TEMPLATES, weights=(60, 20, 10, 8, 2))[0]
                )
                line = f"2026-11-28T22:{rng.randrange(60):02d}:00Z {level} {text.format(n=rng.randrange(1000))}"
                classified = host.classify(line)
                if classified is not None:
                    found += host.watch.log_line(classified, line, now)
                    self.log_lines += 1
            found += host.watch.tick(now)
        return found

    def snapshots(self, now: float) -> tuple[HostSnapshot, ...]:
        return tuple(host.watch.snapshot(now) for host in self._hosts)


class FleetThread:
    """The fleet in real time: once per interval, journal its events, post the snapshots."""

    def __init__(self, fleet: Fleet, session: Session, app: GoliveApp) -> None:
        self.fleet, self.session, self.app = fleet, session, app
        self.ticks = 0
        self.events = 0
        self.tick_seconds: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-fleet", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        self._record(self.fleet.connect(time.monotonic()))
        next_tick = time.monotonic()
        while not self._stop.wait(max(0.0, next_tick - time.monotonic())):
            now = time.monotonic()
            next_tick = now + self.fleet.interval
            started = time.perf_counter()
            self._record(self.fleet.tick(now))
            self.app.post_snapshots(self.fleet.snapshots(now))
            self.tick_seconds.append(time.perf_counter() - started)
            self.ticks += 1

    def _record(self, found: list[Event]) -> None:
        for monitored in found:
            self.session.record_while_running(monitored)
        self.events += len(found)


# -- the runbook -------------------------------------------------------------------------

PACER = """
import os, sys, time
total, rate, stop = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
write, flush = sys.stdout.write, sys.stdout.flush
per_slice = rate // 100
start = time.monotonic()
done = slices = 0
while (total == 0 or done < total) and not os.path.exists(stop):
    count = per_slice if total == 0 else min(per_slice, total - done)
    write("".join(
        "line %d: order batch %d migrated, checksum ok, 42 rows, lorem ipsum dolor\\n"
        % (done + i, (done + i) // 100)
        for i in range(count)
    ))
    flush()
    done += count
    slices += 1
    pause = start + slices / 100 - time.monotonic()
    if pause > 0:
        time.sleep(pause)
"""


def write_runbook(folder: str, phase: str, chain: int, stop: str) -> Runbook:
    pacer = os.path.join(folder, "pacer.py")
    with open(pacer, "w", encoding="utf-8") as handle:
        handle.write(PACER)
    python = shlex.quote(sys.executable)
    steps: list[str] = []
    if phase in ("idle", "hosts"):
        # A step that runs, quietly, until the stop file appears.
        command = f"while [ ! -e {shlex.quote(stop)} ]; do sleep 0.1; done"
        steps.append(f'[[steps]]\nid = "quiet"\non = "local"\nrun = {json.dumps(command)}\n')
    elif phase == "capped":
        command = f"{python} {shlex.quote(pacer)} 0 {RATE} {shlex.quote(stop)}"
        steps.append(f'[[steps]]\nid = "stream"\non = "local"\nrun = {json.dumps(command)}\n')
    else:
        # Each link prints RATE lines in one second; the stop file ends the rest at once.
        command = (
            f"test -e {shlex.quote(stop)} || "
            f"{python} {shlex.quote(pacer)} {RATE} {RATE} {shlex.quote(stop)}"
        )
        for i in range(1, chain + 1):
            steps.append(
                f'[[steps]]\nid = "stream-{i:03d}"\non = "local"\nrun = {json.dumps(command)}\n'
                'duration = "1s"\n'
            )
    text = "\n".join(
        [
            "[runbook]",
            f'name = "TUI latency bench ({phase})"',
            'window = { start = "2026-11-28T22:00:00+00:00", duration = "2h" }',
            "",
            "[monitor]",
            'interval = "1s"',
            "",
            hosts_toml(),
            *steps,
        ]
    )
    path = os.path.join(folder, f"latency-{phase}.toml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    loaded = load_runbook(path)
    if loaded.runbook is None:
        raise RuntimeError("\n".join(d.render() for d in loaded.errors))
    return loaded.runbook


# -- instruments -------------------------------------------------------------------------


class CountingInbox(deque[Event]):
    """The app's inbox, counting how many events each JournalBatch drains."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []

    def clear(self) -> None:
        self.batches.append(len(self))
        super().clear()


@dataclass
class Spy:
    """Times, on the app's own loop, of the frames Textual composes and of pushed screens."""

    app: GoliveApp
    dialog_pushed: float | None = None
    dialog_painted: float | None = None
    main_painted: float | None = None
    painted: asyncio.Event = field(default_factory=asyncio.Event)
    waiting: str = ""  # "dialog" or "main": the frame the bench waits for
    ui_lines: int = 0  # written by _drain_inbox as they arrive
    refill_lines: int = 0  # written again when the selected step changes (show_detail)

    def install(self) -> None:
        app = self.app
        display, push = app._display, app.push_screen

        def spy_display(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is None or app._batch_count:
                return
            if self.waiting == "dialog" and isinstance(screen, TextScreen):
                self.dialog_painted = time.perf_counter()
            elif self.waiting == "main" and len(app.screen_stack) == 1:
                self.main_painted = time.perf_counter()
            else:
                return
            self.waiting = ""
            self.painted.set()

        def spy_push(*args: Any, **kwargs: Any) -> Any:
            if isinstance(args[0] if args else None, TextScreen):
                self.dialog_pushed = time.perf_counter()
            return push(*args, **kwargs)

        app._display = spy_display  # type: ignore[method-assign]
        app.push_screen = spy_push  # type: ignore[method-assign]

    def count_output_pane(self) -> None:
        output = self.app.query_one("#output", Log)
        write_lines = output.write_lines

        def counting(lines: Any, *args: Any, **kwargs: Any) -> Any:
            lines = list(lines)
            if sys._getframe(1).f_code.co_name == "_drain_inbox":
                self.ui_lines += len(lines)
            else:
                self.refill_lines += len(lines)
            return write_lines(lines, *args, **kwargs)

        output.write_lines = counting  # type: ignore[method-assign]

    def expect(self, frame: str) -> None:
        self.dialog_pushed = self.dialog_painted = self.main_painted = None
        self.painted.clear()
        self.waiting = frame


def send_key(app: GoliveApp, key: str, char: str | None) -> None:
    """As Textual's input thread, and Pilot.press, deliver a key."""
    event = events.Key(key, char)
    event.set_sender(app)
    assert app._driver is not None
    app._driver.send_message(event)


SHUTDOWN_ERRORS: list[str] = []


@contextlib.asynccontextmanager
async def running(app: App[Any]) -> AsyncIterator[Pilot[Any]]:
    """app.run_test(size=(160, 48)), tolerating a golive handler failing while the app shuts down.

    Textual's App._shutdown removes the screens before it stops the app's timers
    and message handling, so a golive handler that still runs then (e.g. a late
    RowHighlighted -> show_detail -> selected_step -> query_one) raises
    NoMatches, and run_test re-raises it after the figures were taken. Such
    errors are collected in SHUTDOWN_ERRORS and noted in one line, not raised;
    Textual's traceback of them goes to a buffer, printed if the bench fails.
    """
    tracebacks = io.StringIO()
    app.error_console = Console(file=tracebacks, markup=False, highlight=False, width=100)
    measured = False
    try:
        async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
            yield pilot
            measured = True
    except NoMatches as exc:
        if not measured:
            sys.stderr.write(tracebacks.getvalue())
            raise
        SHUTDOWN_ERRORS.append(f"{type(exc).__name__}: {exc}")
    except BaseException:
        sys.stderr.write(tracebacks.getvalue())
        raise


def shutdown_note() -> str | None:
    if not SHUTDOWN_ERRORS:
        return None
    return (
        f"note: {len(SHUTDOWN_ERRORS)} app shutdown(s) raised, after measuring, in a golive "
        f"handler: {SHUTDOWN_ERRORS[0]}"
    )


async def loop_lag(
    app: GoliveApp, stop: asyncio.Event, lags: list[float], workers: list[int]
) -> None:
    """A 10 ms sleeper's overshoot on the app's loop, and the Textual workers alive then."""
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(0.01)
        lags.append(time.perf_counter() - started - 0.01)
        workers.append(len(app.workers))


def machine() -> str:
    """The cores and the load: other processes' CPU use shows in every figure here."""
    load = os.getloadavg()
    return (
        f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


@dataclass
class PhaseResult:
    phase: str
    open_painted: list[float]
    open_pushed: list[float]
    close_painted: list[float]
    missed: int
    pilot_press: list[float]
    journal_lines: int
    dropped: int
    inbox_events: int
    inbox_output: int
    ui_lines: int
    refill_lines: int
    workers: list[int]
    batches: list[int]
    lags: list[float]
    seconds: float
    pressing_lines: int  # output lines journaled while the keys were pressed
    cpu: float
    fleet_ticks: int
    fleet_events: int
    fleet_tick_seconds: list[float]


# -- one phase ---------------------------------------------------------------------------


async def run_phase(tmp: str, phase: str, presses: int, pilot_presses: int) -> PhaseResult:
    folder = os.path.join(tmp, phase)
    os.makedirs(folder)
    stop = os.path.join(folder, "stop")
    runbook = write_runbook(folder, phase, chain=presses + 20, stop=stop)
    values = resolve_values(runbook, {}, interactive=False)
    journal = os.path.join(folder, "journal.jsonl")
    session = start_session(
        runbook, journal, values, SystemClock(), RunOptions(mode="rehearsal", operator="bench")
    )
    recorded: Counter[str] = Counter()
    pool = SshPool()
    app = build_app(session, HostExecutors(pool), Policy(interactive=True, operator="bench"))
    inbox = CountingInbox()
    app._inbox = inbox
    journaled = app._journaled
    delivered: Counter[str] = Counter()

    def counting_listener(event: Event) -> None:
        delivered[event["type"]] += 1
        journaled(event)

    app._journaled = counting_listener  # type: ignore[method-assign]
    session.listeners.append(lambda e: recorded.update((e["type"],)))
    spy = Spy(app)
    spy.install()
    fleet = FleetThread(Fleet(host_names(), interval=runbook.monitor.interval), session, app)
    rng = random.Random(11)
    result: PhaseResult | None = None
    proc = psutil.Process()
    try:
        async with running(app) as pilot:
            spy.count_output_pane()
            if phase != "idle":
                fleet.start()
            # Let the stream and the fleet get going before the first key.
            deadline = time.monotonic() + 10
            streaming = phase in ("capped", "sustained")
            while (
                app.view is None
                or not app.view.running
                or (streaming and recorded[ev.OUTPUT] < RATE // 4)
            ) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)
            stop_lag = asyncio.Event()
            lags: list[float] = []
            workers: list[int] = []
            lagger = asyncio.create_task(loop_lag(app, stop_lag, lags, workers))
            cpu0, wall0 = proc.cpu_times(), time.perf_counter()
            lines0 = recorded[ev.OUTPUT]
            open_painted, open_pushed, close_painted = [], [], []
            missed = 0
            for _ in range(presses):
                await asyncio.sleep(rng.uniform(0.1, 0.25))
                spy.expect("dialog")
                started = time.perf_counter()
                send_key(app, "n", "n")
                try:
                    await asyncio.wait_for(spy.painted.wait(), KEY_TIMEOUT)
                except TimeoutError:
                    missed += 1
                    continue
                assert spy.dialog_painted is not None
                open_painted.append(spy.dialog_painted - started)
                if spy.dialog_pushed is not None:
                    open_pushed.append(spy.dialog_pushed - started)
                await asyncio.sleep(rng.uniform(0.02, 0.08))
                spy.expect("main")
                started = time.perf_counter()
                send_key(app, "escape", None)
                try:
                    await asyncio.wait_for(spy.painted.wait(), KEY_TIMEOUT)
                except TimeoutError:
                    missed += 1
                    continue
                assert spy.main_painted is not None
                close_painted.append(spy.main_painted - started)
            seconds = time.perf_counter() - wall0
            pressing_lines = recorded[ev.OUTPUT] - lines0
            cpu1 = proc.cpu_times()
            cpu = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / seconds
            stop_lag.set()
            await lagger

            # A few `await pilot.press("n")` round trips, for comparison only.
            pilot_times: list[float] = []
            for _ in range(pilot_presses):
                await asyncio.sleep(0.1)
                started = time.perf_counter()
                await pilot.press("n")
                while not isinstance(app.screen, TextScreen):
                    await pilot.pause(0)
                pilot_times.append(time.perf_counter() - started)
                await pilot.press("escape")
                while isinstance(app.screen, TextScreen):
                    await pilot.pause(0)

            # Wind down: the stop file ends the stream; wait for the run to finish.
            with open(stop, "w"):
                pass
            deadline = time.monotonic() + 60
            while session.state.outcome is None and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            fleet.stop()
            await pilot.pause(0)
            result = PhaseResult(
                phase=phase,
                open_painted=open_painted,
                open_pushed=open_pushed,
                close_painted=close_painted,
                missed=missed,
                pilot_press=pilot_times,
                journal_lines=recorded[ev.OUTPUT],
                dropped=0,  # read from the journal below
                inbox_events=sum(delivered.values()),
                inbox_output=delivered[ev.OUTPUT],
                ui_lines=spy.ui_lines,
                refill_lines=spy.refill_lines,
                workers=workers,
                batches=list(inbox.batches),
                lags=lags,
                seconds=seconds,
                pressing_lines=pressing_lines,
                cpu=cpu,
                fleet_ticks=fleet.ticks,
                fleet_events=fleet.events,
                fleet_tick_seconds=list(fleet.tick_seconds),
            )
    finally:
        fleet.stop()
        if not os.path.exists(stop):
            with open(stop, "w"):
                pass
        if app.driver is not None:
            app.driver.stop()
        session.close()
        pool.close()
    assert result is not None
    result.dropped = dropped_lines(journal)
    return result


def dropped_lines(journal: str) -> int:
    dropped = 0
    with open(journal, "rb") as handle:
        for raw in handle:
            if b'"output_capped"' in raw:
                dropped += json.loads(raw).get("dropped", 0)
    return dropped


def report(r: PhaseResult) -> None:
    print(f"\nphase {r.phase}: {PHASES[r.phase]}")
    print(
        f"  {len(r.open_painted)} presses of n over {r.seconds:.1f} s; meanwhile "
        f"{r.pressing_lines / r.seconds:,.0f} output lines/s journaled"
    )
    if r.open_painted:
        p50, p95, top = (
            statistics.median(r.open_painted),
            pct(r.open_painted, 95),
            max(r.open_painted),
        )
        print(f"  n -> note dialog painted   p50 {ms(p50)}  p95 {ms(p95)}  max {ms(top)}")
        if r.open_pushed:
            print(
                f"  n -> push_screen called    p50 {ms(statistics.median(r.open_pushed))}"
                f"  p95 {ms(pct(r.open_pushed, 95))}  max {ms(max(r.open_pushed))}"
            )
        if r.close_painted:
            print(
                f"  escape -> run screen back  p50 {ms(statistics.median(r.close_painted))}"
                f"  p95 {ms(pct(r.close_painted, 95))}  max {ms(max(r.close_painted))}"
            )
        print(
            f"  p95 {p95 * 1000:.0f} ms vs goal {GOAL_P95 * 1000:.0f} ms: {p95 / GOAL_P95:.2f}x"
            f" ({'within' if p95 <= GOAL_P95 else 'OVER'} the goal)"
        )
    if r.missed:
        print(f"  presses with no frame within {KEY_TIMEOUT:.0f} s: {r.missed}")
    if r.pilot_press:
        print(
            f"  for comparison, await pilot.press('n') until TextScreen: "
            f"{', '.join(f'{t * 1000:.0f}' for t in r.pilot_press)} ms (waits for CPU idle)"
        )
    if r.lags:
        print(
            f"  event-loop lag (10 ms sleeper): p50 {ms(statistics.median(r.lags))}"
            f"  p95 {ms(pct(r.lags, 95))}  max {ms(max(r.lags))}"
        )
    if r.workers:
        print(
            f"  Textual workers alive (Log._update_size, one per Log write): "
            f"p50 {statistics.median(r.workers):.0f}  max {max(r.workers)}"
        )
    print(f"  CPU of this process while pressing: {r.cpu * 100:.0f}% of one core")
    print(
        f"  output lines: journaled {r.journal_lines:,}, dropped at the journal cap {r.dropped:,}, "
        f"delivered to the UI inbox {r.inbox_output:,}, written to the output pane {r.ui_lines:,}"
        f" (+{r.refill_lines:,} rewritten when the cursor moved)"
    )
    if r.batches:
        b = r.batches
        print(
            f"  UI journal batches: {len(b):,} drained {sum(b):,} events ({r.inbox_events:,} delivered); "
            f"size p50 {statistics.median(b):.0f}  p95 {pct([float(x) for x in b], 95):.0f}  max {max(b)}"
        )
    if r.fleet_tick_seconds:
        print(
            f"  fleet: {r.fleet_ticks} ticks of {HOSTS} hosts, {r.fleet_events:,} monitor events journaled, "
            f"tick work p50 {ms(statistics.median(r.fleet_tick_seconds))}"
            f"  max {ms(max(r.fleet_tick_seconds))}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="about 15 presses per phase")
    parser.add_argument(
        "--profile", metavar="PREFIX", help="write a cProfile of the UI thread per phase"
    )
    parser.add_argument("--phase", choices=list(PHASES), action="append", help="only this phase")
    args = parser.parse_args()
    presses, pilot_presses = (15, 2) if args.quick else (50, 3)
    tmp = tempfile.mkdtemp(prefix="golive-latency-bench-")
    try:
        print(
            f"{HOSTS} simulated hosts at 1 Hz (real HostWatch, journaled, HostsUpdated), "
            f"a local step printing {RATE:,} lines/s, headless {WIDTH}x{HEIGHT}"
        )
        print(machine() + " at start")
        results = []
        for phase in args.phase or PHASES:
            # The main thread only (the app's event loop, the UI), in wall-clock time.
            profiler = cProfile.Profile() if args.profile else None
            if profiler is not None:
                profiler.enable()
            results.append(asyncio.run(run_phase(tmp, phase, presses, pilot_presses)))
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(f"{args.profile}.{phase}.pstats")
                print(f"UI-thread profile of phase {phase}: {args.profile}.{phase}.pstats")
        for result in results:
            report(result)
        print(f"\nn -> note dialog painted, p95 vs goal {GOAL_P95 * 1000:.0f} ms:")
        for r in results:
            if r.open_painted:
                p95 = pct(r.open_painted, 95)
                print(f"  {r.phase:<10} {p95 * 1000:>6.0f} ms  {p95 / GOAL_P95:.2f}x")
        note = shutdown_note()
        if note:
            print(note)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
