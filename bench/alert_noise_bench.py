"""Alert noise: golive's alert rules against a naive single-sample rule, in one run.

Three hosts, fed to golive.core.hostwatch.HostWatch at a 1 s interval on a fake clock
(the rules are pure: no sleeping), with the default thresholds (CPU 85%, errors over
5/min):

  toggling   CPU busy (97%) and idle (20%) every second for 60 s
  flapping   CPU busy for 5 s and idle for 5 s, for 10 minutes (each busy spell
             outlasts the 3 s sustain: this is what flap detection is for)
  burst      CPU idle, then one real sustained burst of 20 s at 95%, then idle
  errors     a quiet error log, then 30 ERROR lines in 10 s, then quiet for 3 minutes

The naive rule raises when a sample is over the threshold and clears when one is not
(what golive did before: every crossing an alert). The goal: the toggling host raises at
most one alert (flapping), and each real burst raises exactly one alert and clears once.

    python bench/alert_noise_bench.py
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from golive.core.events import ALERT, Event
from golive.core.hostwatch import HostWatch, Metrics, Thresholds

THRESHOLDS = Thresholds(cpu=85.0, mem=90.0, errors_per_min=5.0)


@dataclass
class Count:
    raised: int = 0
    cleared: int = 0
    flapping: int = 0

    def __str__(self) -> str:
        flap = f", {self.flapping} flapping" if self.flapping else ""
        return f"{self.raised} raised, {self.cleared} cleared{flap}"


class Naive:
    """Every crossing is an alert: raised on a sample over, cleared on one under."""

    def __init__(self) -> None:
        self.up: set[str] = set()
        self.count = Count()

    def see(self, metric: str, over: bool) -> None:
        if over and metric not in self.up:
            self.up.add(metric)
            self.count.raised += 1
        elif not over and metric in self.up:
            self.up.discard(metric)
            self.count.cleared += 1


def golive_count(events: list[Event], metric: str) -> Count:
    count = Count()
    for e in events:
        if e["type"] != ALERT or e["metric"] != metric:
            continue
        if e.get("flapping"):
            count.flapping += 1
        elif e["status"] == "raised" and not e.get("settled"):
            count.raised += 1
        elif e["status"] == "cleared":
            count.cleared += 1
    return count


def cpu_scenario(cpu_at: Callable[[int], float], seconds: int) -> tuple[Count, Count]:
    watch = HostWatch("host", interval=1.0, thresholds=THRESHOLDS)
    naive = Naive()
    events = watch.connected(0.0)
    for t in range(seconds):
        cpu = cpu_at(t)
        events += watch.sample(Metrics(cpu, 40.0, 0.5, 30.0), float(t))
        naive.see("cpu", cpu >= THRESHOLDS.cpu)
    return golive_count(events, "cpu"), naive.count


def error_scenario() -> tuple[Count, Count]:
    """30 ERROR lines in 10 s after 5 quiet minutes, then 3 quiet minutes; the monitor
    ticks every second (as golive.io.monitor does) and judges the rate each time."""
    watch = HostWatch("host", interval=1.0, thresholds=THRESHOLDS)
    naive = Naive()
    events = watch.connected(0.0)
    burst_start = 300
    for t in range(burst_start + 10 + 180):
        now = float(t)
        events += watch.sample(Metrics(20.0, 40.0, 0.5, 30.0), now)
        if burst_start <= t < burst_start + 10:
            for i in range(3):
                events += watch.log_line("error", f"ERROR payment gateway timeout {i}", now)
                naive.see("errors", watch.errors_per_min(now) > THRESHOLDS.errors_per_min)
        events += watch.tick(now)
        naive.see("errors", watch.errors_per_min(now) > THRESHOLDS.errors_per_min)
    return golive_count(events, "errors"), naive.count


def main() -> None:
    toggling = cpu_scenario(lambda t: 97.0 if t % 2 else 20.0, 60)
    flapping = cpu_scenario(lambda t: 97.0 if t % 10 < 5 else 20.0, 600)
    burst = cpu_scenario(lambda t: 95.0 if 30 <= t < 50 else 20.0, 120)
    errors = error_scenario()
    print("alert counts per host, golive's rules against a naive single-sample rule")
    print(f"  {'host':<48}{'golive':<36}naive")
    rows = [
        ("toggling: CPU busy/idle each second, 60 s", toggling),
        ("flapping: CPU busy 5 s / idle 5 s, 10 min", flapping),
        ("burst: one sustained 20 s CPU burst", burst),
        ("errors: 30 ERROR lines in 10 s", errors),
    ]
    for name, (ours, naive) in rows:
        print(f"  {name:<48}{ours!s:<36}{naive}")
    ok = (
        toggling[0].raised + toggling[0].flapping <= 1
        and flapping[0].flapping == 1
        and (burst[0].raised, burst[0].cleared) == (1, 1)
        and (errors[0].raised, errors[0].cleared) == (1, 1)
    )
    total_ours = sum(c.raised + c.cleared + c.flapping for _, (c, _) in rows)
    total_naive = sum(n.raised + n.cleared for _, (_, n) in rows)
    print(f"alert events in all: golive {total_ours}, naive {total_naive} "
          f"({total_naive / max(total_ours, 1):.0f}x as many)")  # fmt: skip
    print("goal (toggling at most one alert; each real burst one raise and one clear):", end=" ")
    print("met" if ok else "NOT met")


if __name__ == "__main__":
    main()
