"""What following a run costs, and how soon a follower shows an event.

A driver process records a busy run through golive's own Session and JournalWriter: 50
hosts sampled at 1 Hz (50 sample events a second), a step printing 1,000 lines a
second (output events, group-committed), and a durable note every 0.5 s that carries
the moment it was recorded (time.monotonic, one clock for every process here).
Followers are the real follow screen (golive.tui.follow_app.FollowApp, headless, its
own follower thread polling every POLL_SECONDS), each in its own process.

It prints:

  (a) latency: from a note being recorded to the follower's screen having drawn it
      (after the screen's refresh), p50/p95/max over the run; goal: p95 <= 1 s
  (b) an idle follower's CPU (a run that waits at a gate: nothing new is written),
      as a % of one core over IDLE_SECONDS; goal: <= 2 %
  (c) the driver with no followers and with five, in the same run: the events it
      recorded per second at the busy pace, its own CPU per second, and, flat out
      (output lines recorded as fast as it can), its events per second; goal: five
      followers cost it nothing measurable

    python bench/follow_bench.py          # 30 s runs
    python bench/follow_bench.py --quick  # 8 s runs
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

HOSTS = 50
LINES_PER_SECOND = 1000
NOTE_EVERY = 0.5

RUNBOOK = """
[runbook]
name = "busy follow bench"
window = {{ start = "2026-11-28T22:00:00+00:00", duration = "8h" }}
{hosts}
[[steps]]
id = "import"
run = "true"
duration = "1h"

[[steps]]
id = "go"
kind = "gate"
instructions = "go?"
duration = "10m"
"""


def runbook_text() -> str:
    hosts = "".join(f'[hosts.app{n:02d}]\naddress = "10.0.{n // 250}.{n % 250 + 1}"\n'
                    for n in range(HOSTS))  # fmt: skip
    return RUNBOOK.format(hosts=hosts)


# -- the driver (a process of its own) ------------------------------------------------------
def drive(journal: str, seconds: float, flat_out: float, idle: bool) -> None:
    """Record a busy run for `seconds`, then output as fast as it can for `flat_out`;
    prints one JSON line of figures. `idle`: record the run's start and wait only."""
    from golive.core import events as ev
    from golive.core.clock import SystemClock
    from golive.core.events import event
    from golive.core.loader import load_runbook
    from golive.core.templating import Values
    from golive.session.session import RunOptions, start_session

    path = Path(journal).with_suffix(".toml")
    path.write_text(runbook_text(), encoding="utf-8")
    loaded = load_runbook(str(path))
    assert loaded.runbook is not None, [d.render() for d in loaded.errors]
    session = start_session(loaded.runbook, journal, Values({}, {}), SystemClock(),
                            RunOptions(mode="rehearsal", operator="bench"))  # fmt: skip
    session.record(event(ev.STEP_STARTED, step="import", action="run", attempt=1,
                         command="true", hosts=["app00"], dry_run=False))  # fmt: skip
    print(json.dumps({"ready": True}), flush=True)
    if idle:
        time.sleep(seconds)
        session.close()
        return
    recorded = 0
    cpu0, start = time.process_time(), time.monotonic()
    next_note = next_sample = start
    line = 0
    while (now := time.monotonic()) - start < seconds:
        if now >= next_sample:
            for n in range(HOSTS):
                session.record(event(ev.SAMPLE, host=f"app{n:02d}", cpu=12.5, mem=40.0,
                                     load1=0.5, disk=30.0, errors_per_min=0,
                                     warnings_per_min=0), sync=False)  # fmt: skip
            recorded += HOSTS
            next_sample += 1.0
        if now >= next_note:
            session.record(event(ev.NOTE, text=f"mark {time.monotonic():.6f}", by="bench"))
            recorded += 1
            next_note += NOTE_EVERY
        due = int((now - start) * LINES_PER_SECOND)
        while line < due:
            line += 1
            session.record(event(ev.OUTPUT, step="import", action="run", host="app00",
                                 stream="out", line=f"row {line} committed"), sync=False)  # fmt: skip
            recorded += 1
        time.sleep(0.001)
    busy_seconds = time.monotonic() - start
    busy_cpu = time.process_time() - cpu0
    flat, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < flat_out:
        for _ in range(100):
            line += 1
            session.record(event(ev.OUTPUT, step="import", action="run", host="app00",
                                 stream="out", line=f"row {line} committed"), sync=False)  # fmt: skip
        flat += 100
    flat_rate = flat / (time.monotonic() - t0)
    session.close()
    print(json.dumps({"busy_rate": recorded / busy_seconds,
                      "busy_cpu": 100 * busy_cpu / busy_seconds, "flat_rate": flat_rate}),
          flush=True)  # fmt: skip


# -- a follower (a process of its own) --------------------------------------------------------
def follow(journal: str, seconds: float) -> None:
    """The real follow screen, headless, for `seconds`; prints the notes' delays to the
    screen having drawn them, and the process's CPU."""
    import asyncio

    from golive.session.follow import Follower
    from golive.tui import follow_app
    from golive.tui.follow_app import FollowApp
    from golive.tui.messages import FollowedUpdate

    delays: list[float] = []

    class TimedFollowApp(FollowApp):
        # Textual finds CSS beside the class's own module: this one's is golive's.
        CSS_PATH = [  # noqa: RUF012 - Textual reads it off the class
            str(Path(follow_app.__file__).parent / name) for name in FollowApp.CSS_PATH
        ]

        def on_followed_update(self, message: FollowedUpdate) -> None:
            super().on_followed_update(message)
            sent = [float(str(e["text"]).split()[1]) for e in message.events
                    if e.get("type") == "note"]  # fmt: skip
            if sent:
                self.call_after_refresh(lambda: delays.extend(time.monotonic() - s for s in sent))

    follower = Follower(journal)
    app = TimedFollowApp(follower, follower.poll())

    async def run() -> None:
        async with app.run_test(size=(160, 50)) as pilot:
            cpu0, t0 = time.process_time(), time.monotonic()
            await pilot.pause(seconds)
            cpu = 100 * (time.process_time() - cpu0) / (time.monotonic() - t0)
            print(json.dumps({"delays": delays, "cpu": cpu}), flush=True)

    asyncio.run(run())


def child(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed golive has its .pyc files
    return subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE,
                            text=True, env=env)  # fmt: skip


def result(process: subprocess.Popen[str]) -> dict[str, object]:
    out, _ = process.communicate(timeout=600)
    return dict(json.loads(out.strip().splitlines()[-1]))


def started(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    assert json.loads(process.stdout.readline()).get("ready")


Figures = dict[str, object]


def driver_run(
    folder: str, name: str, seconds: float, followers: int
) -> tuple[Figures, list[Figures]]:
    journal = os.path.join(folder, f"{name}.jsonl")
    driver = child("--drive", journal, str(seconds), str(min(5.0, seconds / 3)))
    started(driver)
    readers = [child("--follow", journal, str(seconds + 6)) for _ in range(followers)]
    figures = result(driver)
    return figures, [result(r) for r in readers]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--drive", nargs=3, metavar=("JOURNAL", "SECONDS", "FLAT"))
    parser.add_argument("--idle-drive", nargs=2, metavar=("JOURNAL", "SECONDS"))
    parser.add_argument("--follow", nargs=2, metavar=("JOURNAL", "SECONDS"))
    args = parser.parse_args()
    if args.drive:
        drive(args.drive[0], float(args.drive[1]), float(args.drive[2]), idle=False)
        return
    if args.idle_drive:
        drive(args.idle_drive[0], float(args.idle_drive[1]), 0, idle=True)
        return
    if args.follow:
        follow(args.follow[0], float(args.follow[1]))
        return
    seconds = 8.0 if args.quick else 30.0
    print(f"follow bench: {HOSTS} hosts at 1 Hz + {LINES_PER_SECOND} output lines/s, "
          f"a note every {NOTE_EVERY}s; {seconds:.0f} s runs; {os.cpu_count()} cores")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="golive-follow-bench-") as folder:
        alone, _ = driver_run(folder, "alone", seconds, 0)
        with_five, followers = driver_run(folder, "five", seconds, 5)
        idle_journal = os.path.join(folder, "idle.jsonl")
        idle_driver = child("--idle-drive", idle_journal, str(seconds + 10))
        started(idle_driver)
        idle = result(child("--follow", idle_journal, str(seconds)))
        idle_driver.kill()
        idle_driver.communicate()
    delays = sorted(d for f in followers for d in f["delays"])  # type: ignore[attr-defined]
    p95 = delays[int(0.95 * (len(delays) - 1))]
    print(f"(a) note recorded -> drawn by a follower (5 followers, {len(delays)} notes): "
          f"p50 {statistics.median(delays) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
          f"max {delays[-1] * 1000:.0f} ms; goal 1000 ms: {p95:.2f}x")  # fmt: skip
    busy_cpu = [float(f["cpu"]) for f in followers]  # type: ignore[arg-type]
    print(f"    each busy follower's CPU: {min(busy_cpu):.1f}-{max(busy_cpu):.1f} % of a core")
    idle_cpu = float(idle["cpu"])  # type: ignore[arg-type]
    print(f"(b) an idle follower: {idle_cpu:.2f} % of a core; goal 2 %: {idle_cpu / 2:.2f}x")
    for label, key, unit in [("recorded at the busy pace", "busy_rate", "events/s"),
                             ("its own CPU at the busy pace", "busy_cpu", "% of a core"),
                             ("flat out", "flat_rate", "events/s")]:  # fmt: skip
        a, b = float(alone[key]), float(with_five[key])  # type: ignore[arg-type]
        print(f"(c) driver, {label}: alone {a:,.1f}, with 5 followers {b:,.1f} {unit} "
              f"({b / a:.2f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
