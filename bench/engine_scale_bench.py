"""How golive's run loop scales with the number of steps.

Runs chains (each step depends on the one before) and fans (no dependencies: every
step is its own parallel stream) of 250, 500, 1,000 and 2,000 steps of `true`, as a
dry run and as a rehearsal, each as a whole `golive run --console --yes` process.
Beside them, in the same run, it times the floor: a shell loop that runs the same
number of `sh -c true`. Then 1,000 parallel streams of `sleep 0.5`: how far each
step's journaled duration is from its command's own 0.5 s.

It only prints figures; nothing is asserted about time.

    python bench/engine_scale_bench.py            # full run
    python bench/engine_scale_bench.py --quick    # 250 and 500 only
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

HEADER = """[runbook]
name = "scale"
window = { start = "2026-11-28T22:00:00+00:00", duration = "48h" }
"""


def runbook(steps: int, shape: str, command: str = "true") -> str:
    parts = [HEADER]
    for i in range(steps):
        depends = "" if shape == "chain" or i == 0 else "depends_on = []\n"
        parts.append(
            f'[[steps]]\nid = "s{i:04d}"\nkind = "check"\nrun = "{command}"\nduration = "1s"\n'
            + depends
        )
    return "\n".join(parts)


def golive_run(path: str, mode: str, journal: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "golive", "run", path, mode, "--console", "--yes",
         "--journal", journal],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"golive run failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds


def floor(steps: int) -> float:
    started = time.perf_counter()
    subprocess.run(
        ["sh", "-c", f'i=0; while [ "$i" -lt {steps} ]; do sh -c true; i=$((i+1)); done'],
        check=True,
    )
    return time.perf_counter() - started


def durations(journal: str) -> list[float]:
    """Each step's journaled span, step_started to step_finished."""
    started: dict[str, float] = {}
    spans: list[float] = []
    with open(journal, "rb") as handle:
        for line in handle:
            e = json.loads(line)
            if e["type"] == "step_started":
                started[e["step"]] = e["m"]
            elif e["type"] == "step_finished" and e["step"] in started:
                spans.append(e["m"] - started[e["step"]])
    return spans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--repeat", type=int, default=3, help="rounds per size (the median is printed)"
    )
    args = parser.parse_args()
    sizes = [250, 500] if args.quick else [250, 500, 1000, 2000]
    folder = tempfile.mkdtemp(prefix="golive-engine-bench-")
    results: dict[tuple[str, str, int], float] = {}
    floors: dict[int, float] = {}
    print(f"median of {args.repeat} rounds; each round times the floor and every run in turn")
    print(f"{'shape':6} {'mode':10} {'steps':>6} {'seconds':>8} {'floor':>7} {'ratio':>6}")
    runs = 0
    for steps in sizes:
        # A round times the floor and each run once, so a slow minute of this shared
        # machine slows both sides of a ratio; the median of the rounds is printed.
        timed: dict[tuple[str, str], list[float]] = {}
        floor_times: list[float] = []
        for _ in range(args.repeat):
            floor_times.append(floor(steps))
            for shape in ("chain", "fan"):
                path = os.path.join(folder, f"{shape}-{steps}.toml")
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(runbook(steps, shape))
                for mode in ("--dry-run", "--rehearsal"):
                    runs += 1
                    journal = os.path.join(folder, f"{shape}-{steps}{mode}-{runs}.jsonl")
                    timed.setdefault((shape, mode), []).append(golive_run(path, mode, journal))
        floors[steps] = statistics.median(floor_times)
        for (shape, mode), seconds_list in timed.items():
            seconds = results[(shape, mode, steps)] = statistics.median(seconds_list)
            print(
                f"{shape:6} {mode[2:]:10} {steps:>6} {seconds:>8.2f} {floors[steps]:>7.2f} "
                f"{seconds / floors[steps]:>5.1f}x",
                flush=True,
            )
    if not args.quick:
        print()
        for shape in ("chain", "fan"):
            for mode in ("--dry-run", "--rehearsal"):
                growth = results[(shape, mode, 2000)] / results[(shape, mode, 1000)]
                print(f"{shape} {mode[2:]}: 1,000 -> 2,000 steps took {growth:.2f}x as long")
        print(f"floor: 1,000 -> 2,000 steps took {floors[2000] / floors[1000]:.2f}x as long")
        path = os.path.join(folder, "sleep-1000.toml")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(runbook(1000, "fan", "sleep 0.5"))
        journal = os.path.join(folder, "sleep-1000.jsonl")
        seconds = golive_run(path, "--rehearsal", journal)
        spans = sorted(durations(journal))
        over = [s - 0.5 for s in spans]
        print(
            f"\n1,000 parallel streams of sleep 0.5: run {seconds:.2f} s; journaled duration "
            f"minus 0.5 s: median {over[len(over) // 2]:.2f} s, p95 {over[int(len(over) * 0.95)]:.2f} s, "
            f"max {over[-1]:.2f} s (goal: within 1 s)"
        )


if __name__ == "__main__":
    main()
