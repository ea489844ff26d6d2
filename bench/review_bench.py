"""The review and the report of a long night, next to replaying its journal alone.

Writes (once; kept in --dir) the journal of an 8-hour run with 50 hosts sampled every
2 s (bench/long_journal.py: ~730,000 samples, ~160 MiB, written through golive's own
journal writer), then times, as whole processes, median of --runs:

  golive report J --format html -o R    to the file written (goal 5 s)
  golive report J --format md / json    for comparison
  golive review J                       to its first frame, in a 160x48 tmux pane: the
                                        runbook's name, the first step and the events pane
                                        on screen (goal 2 s); then until every host's
                                        metrics are drawn and the chain is checked
  golive verify J                       the journal replayed alone, chain checked: the
                                        floor both are compared with
and, in-process, golive.io.journal.replay_journal(J, RunState().apply) (replay alone)
and golive.io.recorded.load_record(J) (what the report reads before it draws).

It only prints figures; nothing is asserted about time.

    python bench/review_bench.py                 # 8 h, 3 runs each
    python bench/review_bench.py --hours 2 --runs 1
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.long_journal import write_long_journal  # noqa: E402
from bench.tui_startup_bench import Tmux, golive_executable, until_on_screen  # noqa: E402
from golive.core.state import RunState  # noqa: E402
from golive.io.journal import replay_journal  # noqa: E402
from golive.io.recorded import load_record  # noqa: E402

REPORT_GOAL, REVIEW_GOAL = 5.0, 2.0


def seconds_of(command: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return took


def median(times: list[float]) -> str:
    return f"{statistics.median(times):6.2f} s  (min {min(times):.2f}, max {max(times):.2f}, n={len(times)})"


# Shown until the worker has read the samples and checked the chain.
PENDING = ("reading the metrics", "checking the journal")


def review_frames(
    tmux: Tmux, journal: str, needles: tuple[str, ...], index: int
) -> tuple[float, float]:
    """Seconds to the first full frame (header, steps, events: no samples yet), and to
    the frame with every host's metrics drawn and the chain checked."""
    name = f"review-{index}"
    started = time.perf_counter()
    tmux.start(name, [*golive_executable(), "review", journal], {}, str(REPO))
    try:
        first = until_on_screen(tmux, name, needles, started)
        deadline = started + 60
        while any(p in tmux.screen(name) for p in PENDING):
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{name}: metrics not drawn after 60 s")
            time.sleep(0.02)
        return first, time.perf_counter() - started
    finally:
        tmux.kill(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "golive-review-bench"))
    parser.add_argument("--no-review", action="store_true", help="skip the review (no tmux)")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    journal = os.path.join(args.dir, f"night-{args.hours:g}h.jsonl")
    if not os.path.exists(journal):
        started = time.perf_counter()
        write_long_journal(journal, hours=args.hours)
        print(f"wrote {journal} in {time.perf_counter() - started:.0f} s")
    size = os.path.getsize(journal) / 2**20
    load = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )

    replay: list[float] = []
    loaded: list[float] = []
    for _ in range(args.runs):
        started = time.perf_counter()
        report = replay_journal(journal, RunState().apply)
        replay.append(time.perf_counter() - started)
        started = time.perf_counter()
        record = load_record(journal).record
        loaded.append(time.perf_counter() - started)
    samples = sum(len(series.m) for series in record.hosts.values())
    print(
        f"journal: {size:,.0f} MiB, {report.events:,} events, {samples:,} samples of "
        f"{len(record.hosts)} hosts, {len(record.steps)} steps, {record.ended_m / 3600:.1f} h"
    )

    golive = golive_executable()
    out = os.path.join(args.dir, "report")
    runs: dict[str, list[float]] = {"verify": [], "html": [], "md": [], "json": []}
    for _ in range(args.runs):
        runs["verify"].append(seconds_of([*golive, "verify", journal]))
        for form in ("html", "md", "json"):
            runs[form].append(
                seconds_of([*golive, "report", journal, "--format", form, "-o", f"{out}.{form}"])
            )
    html_size = os.path.getsize(f"{out}.html") / 2**20

    print("\nin-process:")
    print(f"  replay_journal into RunState (chain checked)   {median(replay)}")
    print(f"  load_record (events, samples, chain checked)   {median(loaded)}")
    print("whole commands:")
    print(f"  golive verify (the journal replayed alone)     {median(runs['verify'])}")
    print(
        f"  golive report --format html                    {median(runs['html'])}  ({html_size:.1f} MiB)"
    )
    print(f"  golive report --format md                      {median(runs['md'])}")
    print(f"  golive report --format json                    {median(runs['json'])}")
    floor = statistics.median(runs["verify"])
    html = statistics.median(runs["html"])
    print(
        f"\nreport (html) {html:.2f} s vs goal {REPORT_GOAL:.0f} s: {html / REPORT_GOAL:.2f}x;"
        f" vs replaying the journal alone (golive verify, {floor:.2f} s): {html / floor:.2f}x"
    )

    if args.no_review:
        return
    tmux = Tmux(f"golive-review-bench-{os.getpid()}")
    try:
        needles = (record.name, record.steps[0].id, "events:")
        review_frames(tmux, journal, needles, 0)  # warm the page cache; not counted
        timed = [review_frames(tmux, journal, needles, i) for i in range(1, args.runs + 1)]
    finally:
        tmux.close()
    frames, metrics = [f for f, _ in timed], [m for _, m in timed]
    first = statistics.median(frames)
    print(f"  golive review, first frame (160x48 tmux)       {median(frames)}")
    print(f"  golive review, metrics drawn, chain checked    {median(metrics)}")
    print(
        f"review first frame {first:.2f} s vs goal {REVIEW_GOAL:.0f} s: {first / REVIEW_GOAL:.2f}x;"
        f" vs replaying the journal alone: {first / floor:.2f}x"
    )


if __name__ == "__main__":
    main()
