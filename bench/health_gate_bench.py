"""Health gates: the cost of one evaluation, the time to a decision, and false failures.

1. cost     one evaluation (golive.core.health.evaluate, and the fields of its journal
            event) of 50 and 500 hosts with a 5-minute window at the monitor's default
            2 s interval (150 samples a host) against a 15-minute baseline, four checks
            (errors, warnings, cpu p90, mem median). CPU time (time.process_time), best
            and median of the repetitions. Goal: at most 20 ms for 50 hosts.
2. decision the real program: `golive run --rehearsal --console --yes` on two local hosts
            whose logs this script writes (the monitor samples them with psutil every
            0.5 s), a gate with window 10 s, every 2 s, pass_after 3, fail_after 2,
            against a recorded baseline of one error per host per half second. From the
            gate's start to its decision, read from the journal: one host's errors
            tripled must end in no-go within window + fail_after x every (14 s); a clean
            run in go within window + pass_after x every (16 s).
3. false    a clean recorded night: 5 hosts, 8 hours at 2 s, written as a real journal
   failures with golive's JournalWriter and read back through golive.io.baseline as a
            run reads a baseline. Error counts are Poisson at a rate that drifts slowly
            over the night (6-14 a minute), with short bursts that are part of a normal
            night; CPU is an AR(1) process around a slowly moving mean, memory drifts.
            100 times: a 15-minute baseline at a random moment, and a gate 20-60 minutes
            later (the shifted window), window 5 min, every 30 s, pass_after 3,
            fail_after 2, for at most 10 minutes, replayed exactly as golive.session.health
            evaluates it. Goal: at most 1 gate in 100 fails.

    python bench/health_gate_bench.py [--quick] [--seed N]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from golive.core import events as ev
from golive.core.events import event
from golive.core.health import evaluate, evaluation_fields, next_step
from golive.core.health_data import BaselineFigures, HostView, Point, baseline_from_points, point
from golive.core.healthstats import Streak, Verdict
from golive.core.runbook import Baseline, Health, HealthCheck
from golive.io.baseline import read_baseline
from golive.io.journal import JournalWriter

INTERVAL = 2.0
CHECKS = (
    HealthCheck("errors", max_ratio=2.0, floor_per_minute=3.0),
    HealthCheck("warnings", max_ratio=3.0),
    HealthCheck("cpu", stat="p90", max_increase=20, cap=95),
    HealthCheck("mem", stat="median", max_increase=15),
)
GATE = Health(
    baseline="normal", checks=CHECKS, window=300.0, every=30.0, min_samples=20,
    pass_after=3, fail_after=2, on_fail="rollback",
)  # fmt: skip
COST_GOAL_MS = 20.0


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _series(rng: random.Random, start: float, seconds: float, rate: float) -> list[Point]:
    points: list[Point] = []
    m, previous, cpu = start, None, 35.0
    while m < start + seconds:
        m += INTERVAL
        cpu = 35 + 0.8 * (cpu - 35) + rng.gauss(0, 3)
        sample = {
            "m": m, "cpu": cpu, "mem": 55 + rng.gauss(0, 1), "load1": 1.0,
            "errors": _poisson(rng, rate * INTERVAL / 60),
            "warnings": _poisson(rng, 2 * rate * INTERVAL / 60),
        }  # fmt: skip
        points.append(point(sample, previous, INTERVAL))
        previous = m
    return points


# -- 1. the cost of one evaluation ------------------------------------------------------
def cost(hosts: int, repeat: int, rng: random.Random) -> tuple[float, float, int]:
    names = [f"app{i:03d}" for i in range(hosts)]
    base = baseline_from_points("normal", "b", {h: _series(rng, 0, 900, 8.0) for h in names})
    now = 2000.0
    views = {}
    for h in names:
        pts = _series(rng, now - 300, 300, 8.0)
        views[h] = HostView(h, "LIVE", "", tuple(pts), pts[-1].m)
    times, size = [], 0
    for _ in range(repeat):
        began = time.process_time()
        result = evaluate(GATE, names, views, base, now + 0.5, INTERVAL, now - 400)
        fields = evaluation_fields("health", 1, 1, result, GATE, base, Streak(3, 2), None)
        times.append((time.process_time() - began) * 1000)
        size = len(json.dumps(fields))
    return min(times), statistics.median(times), size


# -- 2. the time to a decision ----------------------------------------------------------
class _Stepping:
    def __init__(self, step: float) -> None:
        self._at, self._step = 0.0, step

    def wall(self) -> datetime:
        return datetime(2026, 12, 1, 22, 0).astimezone() + timedelta(seconds=self._at)

    def mono(self) -> float:
        self._at += self._step
        return self._at


RUNBOOK = """[runbook]
name = "health gate bench"
[monitor]
interval = "0.5s"
errors_warn = "100000/min"
[hosts.web1]
local = true
groups = ["web"]
logs = ["{folder}/web1.log"]
[hosts.web2]
local = true
groups = ["web"]
logs = ["{folder}/web2.log"]
[baselines.normal]
file = "baseline.jsonl"
[[steps]]
id = "backup"
run = "true"
duration = "1s"
rollback_point = true
[[steps]]
id = "health"
kind = "gate"
on = "web"
instructions = "automatic"
duration = "1m"
[steps.health]
baseline = "normal"
window = "10s"
every = "2s"
min_samples = 15
pass_after = 3
fail_after = 2
on_fail = "rollback"
[[steps.health.checks]]
metric = "errors"
max_ratio = 2.0
floor = "3/min"
"""


def decision(tripled: bool) -> tuple[float, str]:
    """Seconds from the gate's start to its decision, and the decision."""
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        writer = JournalWriter(str(base / "baseline.jsonl"), _Stepping(0.25))
        writer.append(
            event(ev.MONITOR_STARTED, runbook="bench", hosts=["web1", "web2"], interval=0.5)
        )
        for _ in range(240):
            for host in ("web1", "web2"):
                writer.append(event(ev.SAMPLE, host=host, cpu=20.0, mem=30.0, errors=1, warnings=0))
        writer.append(event(ev.MONITOR_FINISHED, reason="duration"))
        writer.close()
        (base / "gate.toml").write_text(RUNBOOK.format(folder=folder))
        rate = {"web1": 1, "web2": 3 if tripled else 1}
        stop = threading.Event()

        def write() -> None:
            n = 0
            while not stop.wait(0.5):
                for host, lines in rate.items():
                    with (base / f"{host}.log").open("a") as log:
                        for _ in range(lines):
                            n += 1
                            log.write(f"2026-12-05 22:00:00 ERROR [{host}] request {n} failed\n")

        for host in rate:
            (base / f"{host}.log").touch()
        thread = threading.Thread(target=write, daemon=True)
        thread.start()
        journal = base / "run.jsonl"
        try:
            subprocess.run(
                [sys.executable, "-m", "golive", "run", str(base / "gate.toml"), "--rehearsal",
                 "--console", "--yes", "--journal", str(journal)],
                capture_output=True, timeout=120, check=False,
                env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
            )  # fmt: skip
        finally:
            stop.set()
            thread.join()
        events = [json.loads(line) for line in journal.read_text().splitlines()]
    started = next(e["m"] for e in events if e["type"] == "step_started" and e["step"] == "health")
    decided = next(e for e in events if e["type"] == "decision" and e.get("step") == "health")
    return decided["m"] - started, f"{decided['decision']} by {decided.get('by')}"


# -- 3. false failures on a clean night ------------------------------------------------
def night(path: Path, hosts: list[str], hours: float, rng: random.Random) -> None:
    """A normal night as a `golive monitor --record` journal."""
    writer = JournalWriter(str(path), _Stepping(INTERVAL / len(hosts)))
    writer.append(event(ev.MONITOR_STARTED, runbook="night", hosts=hosts, interval=INTERVAL))
    cpu = dict.fromkeys(hosts, 35.0)
    burst_until = dict.fromkeys(hosts, -1.0)
    for n in range(int(hours * 3600 / INTERVAL)):
        t = n * INTERVAL
        drift = 10 + 4 * math.sin(2 * math.pi * t / (hours * 3600))
        for host in hosts:
            if burst_until[host] < t and rng.random() < 1 / 1800:  # about one an hour a host
                burst_until[host] = t + rng.uniform(10, 40)
            rate = drift * (2.0 if burst_until[host] >= t else 1.0)
            mean = 33 + 5 * math.sin(2 * math.pi * t / 7200)
            cpu[host] = mean + 0.85 * (cpu[host] - mean) + rng.gauss(0, 3)
            writer.append(
                event(
                    ev.SAMPLE, host=host, cpu=round(min(100, max(0, cpu[host])), 1),
                    mem=round(55 + 3 * math.sin(t / 5000) + rng.gauss(0, 0.5), 1),
                    load1=1.0, disk=40.0,
                    errors=_poisson(rng, rate * INTERVAL / 60),
                    warnings=_poisson(rng, 2 * rate * INTERVAL / 60),
                )
            )  # fmt: skip
    writer.append(event(ev.MONITOR_FINISHED, reason="duration"))
    writer.close()


def replay(
    points: dict[str, list[Point]], hosts: list[str], base: BaselineFigures, start: float
) -> tuple[str, int, int]:
    """One gate from `start` for 10 minutes: (its move, evaluations, failing evaluations)."""
    streak = Streak(GATE.pass_after, GATE.fail_after)
    failing = evaluations = 0
    now = start
    while now <= start + 600:
        views = {}
        for host in hosts:
            seen = tuple(p for p in points[host] if start - 400 < p.m <= now)
            views[host] = HostView(host, "LIVE", "", seen, seen[-1].m if seen else None)
        result = evaluate(GATE, hosts, views, base, now, INTERVAL, start)
        evaluations += 1
        failing += result.verdict is Verdict.FAIL
        streak = streak.after(result.verdict)
        if now - start < GATE.window:
            streak = replace(streak, unclear=0)
        move = next_step(GATE, streak, now - start >= GATE.window)
        if move is not None:
            return move.action, evaluations, failing
        now += GATE.every
    return "undecided", evaluations, failing


def false_failures(trials: int, hours: float, rng: random.Random) -> dict[str, float]:
    hosts = [f"app{i}" for i in range(1, 6)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "night.jsonl"
        night(path, hosts, hours, rng)
        size = path.stat().st_size
        # Through golive's own reading path: the chain checked, the samples as Points.
        from golive.core.loader import load_runbook_text

        text = f'[runbook]\nname = "n"\n[baselines.b]\nfile = "{path}"\n[[steps]]\nid = "x"\nrun = "true"\n'
        runbook = load_runbook_text(str(Path(folder) / "rb.toml"), text).runbook
        assert runbook is not None
        whole = read_baseline(runbook, Baseline("b", file=str(path)))
        assert not whole.problem, whole.problem
        from golive.io.baseline import _points  # the same Points the run's baseline reads
        from golive.io.journal import read_events

        points = _points(read_events(str(path)), INTERVAL)
    moves: dict[str, int] = {}
    evaluations = failing = 0
    last = hours * 3600 - 600
    for _ in range(trials):
        base_start = rng.uniform(0, last - 60 * 60 - 900)
        gate_start = base_start + 900 + rng.uniform(20 * 60, 60 * 60)
        taken = {h: [p for p in points[h] if base_start <= p.m < base_start + 900] for h in hosts}
        base = baseline_from_points("normal", "night", taken)
        move, n, bad = replay(points, hosts, base, gate_start)
        moves[move] = moves.get(move, 0) + 1
        evaluations += n
        failing += bad
    return {
        "no-go": moves.get("no-go", 0), "go": moves.get("go", 0), "ask": moves.get("ask", 0),
        "undecided": moves.get("undecided", 0), "evaluations": evaluations,
        "failing": failing, "size": size,
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--seed", type=int, default=20261205)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"seed {args.seed}")
    print("1. one evaluation, 5-minute window at 2 s (150 samples a host), 4 checks:")
    for hosts in (50, 500):
        best, median, size = cost(hosts, 5 if args.quick else 15, rng)
        goal = f"; goal {COST_GOAL_MS:g} ms: {best / COST_GOAL_MS:.2f}x" if hosts == 50 else ""
        print(f"   {hosts:>3} hosts: best {best:.1f} ms, median {median:.1f} ms of CPU; "
              f"its journal event {size / 1024:.0f} KiB{goal}")  # fmt: skip
    print("2. time to a decision, golive run on two local hosts (window 10 s, every 2 s):")
    rounds = 1 if args.quick else 3
    for tripled, limit, what in (
        (True, 10 + 2 * 2, "fail_after"),
        (False, 10 + 3 * 2, "pass_after"),
    ):
        took = [decision(tripled) for _ in range(rounds)]
        worst = max(t for t, _ in took)
        label = "one host's errors tripled" if tripled else "clean"
        print(f"   {label}: " + ", ".join(f"{t:.1f} s ({d})" for t, d in took)
              + f"; worst {worst:.1f} s against window + {what} x every = {limit} s: {worst / limit:.2f}x")  # fmt: skip
    trials = 100
    found = false_failures(trials, 2.0 if args.quick else 8.0, rng)
    print(f"3. a clean night ({'2' if args.quick else '8'} h, 5 hosts at 2 s, "
          f"{found['size'] / 1048576:.0f} MiB journal), {trials} gates at shifted windows:")  # fmt: skip
    print(f"   false failures (no-go): {found['no-go']} of {trials} (goal at most 1: "
          f"{'met' if found['no-go'] <= 1 else 'NOT met'}); go {found['go']}, asked "
          f"{found['ask']}, undecided {found['undecided']}")  # fmt: skip
    print(
        f"   failing evaluations: {found['failing']} of {found['evaluations']} "
        f"({100 * found['failing'] / max(1, found['evaluations']):.2f} %)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
