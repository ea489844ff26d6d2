"""The golive TUI's memory (RSS) over a simulated 2-hour run with 50 hosts: final size, and is it flat?

Runs GoliveApp headless (App.run_test, 160x48) on a generated runbook of 300
command steps and 50 hosts, with a real Session and journal, and feeds it, in
accelerated time, what two hours of a run put through it:

  * hosts: 7,200 ticks (1 Hz for 2 h) of 50 simulated hosts: real HostWatch
    objects (bench/tui_latency_bench.Fleet: synthetic samples and log lines,
    classified by golive's own classifier), so every CPU/memory history fills to
    its cap (600 samples); their events (a sample per host per tick, alerts, host
    states) are recorded through Session.record_while_running, as
    golive.io.monitor.Monitor records them.
  * the run: one step every 24 ticks, 300 in all, recorded through
    Session.record as golive.session.execution records them (step_started, output lines,
    host_finished on each host, step_finished); most steps print 60 lines, every
    10th prints 3,000 (more than the 2,000 the UI keeps per step), and every
    20th runs on the 45-host "app" group. A note every 10 minutes.

Every simulated minute (--batch) the app gets the hosts' snapshots
(HostsUpdated: the newest only, which is what its can_replace keeps when the
app is busy) and `await pilot.pause(0)` lets it handle and draw everything
journaled in that minute; the Log widgets' size workers (Textual starts a
thread worker per Log write) are then waited for, as real time would let them
finish. The app gets a do-nothing run driver (the feed, not the conductor,
moves the run); everything else is the app as the CLI builds it.

RSS (psutil) is sampled every 10 simulated minutes (2 with --quick), with what the app keeps
of the steps' output (GoliveApp._output: up to 2,000 lines for each of the last 40 steps) and the
number of gc-tracked objects. About 2 minutes of CPU; the wall time depends on
what else the machine runs. It only prints figures; nothing is asserted.

    python bench/tui_rss_bench.py          # 2 simulated hours, 300 steps
    python bench/tui_rss_bench.py --quick  # 20 simulated minutes, 50 steps
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.tui_latency_bench import (  # noqa: E402
    Fleet,
    host_names,
    hosts_toml,
    machine,
    running,
    shutdown_note,
)
from golive.core import events as ev  # noqa: E402
from golive.core.clock import SystemClock  # noqa: E402
from golive.core.events import event  # noqa: E402
from golive.core.loader import load_runbook  # noqa: E402
from golive.core.runbook import Runbook  # noqa: E402
from golive.io.ssh import SshPool  # noqa: E402
from golive.session.session import RunOptions, Session, start_session  # noqa: E402
from golive.session.variables import resolve_values  # noqa: E402
from golive.tui.app import GoliveApp  # noqa: E402
from golive.tui.widgets.hosts_table import HostsTable  # noqa: E402

HOSTS = 50
WIDTH, HEIGHT = 160, 48
TICKS_PER_STEP = 24
RUN_TICKS = 20  # a step prints during its first 20 ticks, then finishes
BIG_EVERY, BIG_LINES, SMALL_LINES = 10, 3_000, 60
GROUP_EVERY = 20
NOTE_EVERY = 600
GOAL_MB = 200.0
PHASES = ["prepare", "freeze", "backup", "migrate", "deploy", "verify"]


class IdleDriver:
    """Stands in for golive.tui.driver.RunDriver: the bench, not the conductor, moves the run."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def do(self, intent: object) -> None: ...

    def pause(self, by: str, paused: bool) -> None: ...


def write_runbook(folder: str, steps: int) -> Runbook:
    names = host_names(HOSTS)
    app_hosts = names[5:]  # hosts_toml puts the first 5 in "db", the rest in "app"
    blocks = []
    for i in range(1, steps + 1):
        on = "app" if i % GROUP_EVERY == 0 else app_hosts[i % len(app_hosts)]
        phase = PHASES[min(len(PHASES) - 1, (i - 1) * len(PHASES) // steps)]
        blocks.append(
            "\n".join(
                [
                    "[[steps]]",
                    f'id = "step-{i:03d}"',
                    f'title = "{phase.capitalize()} item {i}"',
                    f'phase = "{phase}"',
                    'owner = "Ops"',
                    f'on = "{on}"',
                    f'run = "erpctl apply --item {i} --verbose"',
                    f'rollback = "erpctl revert --item {i}"',
                    f'duration = "{TICKS_PER_STEP}s"',
                    "",
                ]
            )
        )
    text = "\n".join(
        [
            "[runbook]",
            'name = "TUI RSS bench: 2 hours, 50 hosts"',
            'window = { start = "2026-11-28T22:00:00+00:00", duration = "3h" }',
            "",
            "[monitor]",
            'interval = "1s"',
            "",
            hosts_toml(HOSTS),
            *blocks,
        ]
    )
    path = os.path.join(folder, "rss.toml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    loaded = load_runbook(path)
    if loaded.runbook is None:
        raise RuntimeError("\n".join(d.render() for d in loaded.errors))
    return loaded.runbook


class RunFeed:
    """The step events of a run, tick by tick, recorded as golive.session.execution records them."""

    def __init__(self, session: Session, runbook: Runbook) -> None:
        self.session = session
        self.runbook = runbook
        self.steps = runbook.steps
        self.output_lines = 0
        self.events = 0

    def _record(self, kind: str, **fields: object) -> None:
        self.session.record(event(kind, **fields))
        self.events += 1

    def tick(self, tick: int) -> None:
        index, offset = divmod(tick, TICKS_PER_STEP)
        if index >= len(self.steps):
            return
        step = self.steps[index]
        number = index + 1
        hosts = [h.name for h in self.runbook.targets(step.on)]
        if offset == 0:
            self._record(
                ev.STEP_STARTED, step=step.id, action="run", attempt=1,
                command=step.run, hosts=hosts, dry_run=False,
            )  # fmt: skip
        if offset < RUN_TICKS:
            total = BIG_LINES if number % BIG_EVERY == 0 else SMALL_LINES
            first, last = total * offset // RUN_TICKS, total * (offset + 1) // RUN_TICKS
            for n in range(first, last):
                host = hosts[n % len(hosts)]
                self._record(
                    ev.OUTPUT, step=step.id, action="run", host=host, stream="out",
                    line=f"[{n:05d}] applying item {number}: batch {n // 50} ok, 50 rows, checksum {n * 7919 % 65536:04x}",
                )  # fmt: skip
                self.output_lines += 1
        if offset == RUN_TICKS:
            for host in hosts:
                self._record(
                    ev.HOST_FINISHED, step=step.id, action="run", host=host, exit=0,
                    seconds=float(RUN_TICKS), timed_out=False, error="",
                )  # fmt: skip
            self._record(
                ev.STEP_FINISHED, step=step.id, action="run", status="succeeded", reason=""
            )
        if tick and tick % NOTE_EVERY == 0:
            self._record(ev.NOTE, text=f"checkpoint at minute {tick // 60}: all green", by="bench")


@dataclass
class Sample:
    minute: int  # simulated
    real: float  # seconds since the app started
    rss: float  # MB
    journal: float  # MB
    kept_lines: int  # output lines the app keeps for its detail pane (GoliveApp._output)
    kept_mb: float  # their strings' size
    objects: int  # gc-tracked objects


def rss_mb() -> float:
    return float(psutil.Process().memory_info().rss) / 2**20


async def simulate(tmp: str, ticks: int, steps: int, sample_every: int, batch: int) -> None:
    runbook = write_runbook(tmp, steps)
    values = resolve_values(runbook, {}, interactive=False)
    journal = os.path.join(tmp, "rss.jsonl")
    session = start_session(
        runbook, journal, values, SystemClock(), RunOptions(mode="rehearsal", operator="bench")
    )
    pool = SshPool()
    app = GoliveApp(
        session.runbook,
        session.values.display,
        session.listeners.append,
        lambda _app: IdleDriver(),  # type: ignore[arg-type,return-value]
        "bench",
        list(runbook.hosts),
    )
    fleet = Fleet(host_names(HOSTS), interval=runbook.monitor.interval, lines_per_tick=1.0)
    feed = RunFeed(session, runbook)
    base = time.monotonic()
    monitor_events = posted = 0
    before = rss_mb()
    series: list[Sample] = []
    started = time.perf_counter()
    cpu0 = sum(psutil.Process().cpu_times()[:2])
    frames: list[float] = []
    pauses: list[float] = []
    workers: list[int] = []
    display = app._display

    def counting_display(screen: Any, renderable: Any) -> None:
        display(screen, renderable)
        if renderable is not None and not app._batch_count:
            frames.append(time.perf_counter())

    app._display = counting_display  # type: ignore[method-assign]
    try:
        async with running(app) as pilot:
            hosts_table = app.query_one(HostsTable)
            for found in fleet.connect(base):
                session.record_while_running(found)
            await pilot.pause(0)
            for tick in range(ticks + 1):
                if tick % sample_every == 0:
                    kept = [line for lines in app.run_screen._output.values() for line in lines]
                    series.append(
                        Sample(
                            minute=tick // 60,
                            real=time.perf_counter() - started,
                            rss=rss_mb(),
                            journal=os.path.getsize(journal) / 2**20,
                            kept_lines=len(kept),
                            kept_mb=sum(map(sys.getsizeof, kept)) / 2**20,
                            objects=len(gc.get_objects()),
                        )
                    )
                    if tick == ticks:
                        break
                now = base + tick + 1
                found = fleet.tick(now)
                for monitored in found:
                    session.record_while_running(monitored)
                monitor_events += len(found)
                feed.tick(tick)
                if (tick + 1) % batch == 0:
                    # The app handles and draws the batch: every journal event, and the
                    # newest snapshot, the one HostsUpdated.can_replace would keep anyway.
                    app.post_snapshots(fleet.snapshots(now))
                    posted += 1
                    paused = time.perf_counter()
                    await pilot.pause(0)
                    # Textual's Log starts a thread worker per write (Log._update_size); in
                    # real time they finish between two ticks, so let them finish here too.
                    workers.append(len(app.workers))
                    await app.workers.wait_for_complete()
                    pauses.append(time.perf_counter() - paused)
            shown_rows = hosts_table.row_count
    finally:
        session.close()
        pool.close()

    print(f"RSS before the app started: {before:.1f} MB (Python, Textual, golive imported)")
    print(
        f"fed: {ticks:,} ticks x {HOSTS} hosts, {monitor_events:,} monitor events journaled, "
        f"{fleet.log_lines:,} log lines classified; {feed.events:,} run events "
        f"({feed.output_lines:,} output lines, {min(steps, ticks // TICKS_PER_STEP + 1)} steps started)"
    )
    print(f"hosts table rows: {shown_rows}; CPU history per host at the end: ", end="")
    snapshot = fleet.snapshots(base + ticks)[0]
    print(f"{len(snapshot.cpu_history)} samples (cap 600)")
    print(
        f"UI: {posted:,} HostsUpdated posted and {len(pauses):,} pause(0), one per {batch} simulated s; "
        f"{len(frames):,} frames drawn; pause(0) mean {statistics.mean(pauses) * 1000:.0f} ms, "
        f"max {max(pauses) * 1000:.0f} ms"
    )
    print(
        f"UI: Textual workers pending after each pause(0): mean {statistics.mean(workers):.1f}, "
        f"max {max(workers)} (Log._update_size, one per Log write; waited for)"
    )
    print("\nsim min  real s   RSS MB  journal MB  UI output kept: lines    MB  gc objects")
    for r in series:
        print(
            f"{r.minute:>7}  {r.real:>6.1f}  {r.rss:>7.1f}  {r.journal:>10.1f}"
            f"  {r.kept_lines:>20,}  {r.kept_mb:>4.1f}  {r.objects:>10,}"
        )
    first, last = series[0], series[-1]
    print(f"\nfinal RSS {last.rss:.1f} MB vs goal {GOAL_MB:.0f} MB: {last.rss / GOAL_MB:.2f}x")
    mid = next(r for r in series if r.minute >= last.minute / 2)
    if mid is not last:
        grown = last.rss - mid.rss
        kept = last.kept_mb - mid.kept_mb
        minutes = last.minute - mid.minute
        print(
            f"growth over the last {minutes} simulated minutes: {grown:+.1f} MB "
            f"({grown / mid.rss * 100:+.1f}%, {grown / minutes * 60:+.1f} MB/hour); "
            f"gc objects {last.objects - mid.objects:+,}"
        )
        print(
            f"  of which output kept by the UI: {kept:+.1f} MB "
            f"({last.kept_lines - mid.kept_lines:+,} lines: up to 2,000 for each of the last 40 steps); "
            f"the rest: {grown - kept:+.1f} MB"
        )
    print(
        f"growth from the app's start: {last.rss - first.rss:+.1f} MB; "
        f"journal: {os.path.getsize(journal) / 2**20:.1f} MB, {session.journal.seq + 1:,} events"
    )
    cpu = psutil.Process().cpu_times()
    print(
        f"real time {time.perf_counter() - started:.1f} s for {ticks / 60:.0f} simulated minutes; "
        f"this process's CPU {cpu.user + cpu.system - cpu0:.1f} s; {machine()}"
    )
    note = shutdown_note()
    if note:
        print(note)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20 simulated minutes, 50 steps")
    parser.add_argument(
        "--batch", type=int, default=60, help="simulated seconds fed between two pause(0) (60)"
    )
    args = parser.parse_args()
    # Ticks (simulated seconds), steps, and RSS samples every 2 or 10 simulated minutes.
    ticks, steps, sample_every = (1_200, 50, 120) if args.quick else (7_200, 300, 600)
    tmp = tempfile.mkdtemp(prefix="golive-rss-bench-")
    try:
        asyncio.run(simulate(tmp, ticks, steps, sample_every, args.batch))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
