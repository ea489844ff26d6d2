"""Write the journal of a long cutover night, for the review and report benchmarks.

An 8-hour run (by default) of a generated runbook with 50 hosts in 5 groups and 96
steps in 8 phases, recorded through golive's own Session and JournalWriter with a
simulated clock, so every line is a real, hash-chained journal event:

  * every 2 s, one sample per host (random-walk CPU and memory, errors per minute
    that rise for a while after some steps): 720,000 samples in 8 hours;
  * each step: step_started, ~30 output lines, host_finished on each host of its
    group, step_finished; gates with a go decision; two notes an hour;
  * alerts raised and cleared when a host's errors or CPU cross the thresholds,
    host states (one host goes STALE for a minute now and then);
  * step `s047` fails once and the run rolls back to the point `s040`, then runs
    again from there (the rollback actions are journaled as in a real run).

    python bench/long_journal.py OUT.jsonl              # 8 h, 50 hosts, every 2 s
    python bench/long_journal.py OUT.jsonl --hours 1    # smaller
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from golive.core import events as ev  # noqa: E402
from golive.core.events import Decisions, event  # noqa: E402
from golive.core.loader import load_runbook  # noqa: E402
from golive.core.runbook import Runbook  # noqa: E402
from golive.session.session import RunOptions, Session, start_session  # noqa: E402
from golive.session.variables import resolve_values  # noqa: E402

START = datetime(2026, 11, 28, 22, 0, 0, tzinfo=timezone(timedelta(hours=1)))
GROUPS = ("db", "app", "web", "batch", "edge")
PHASES = ("freeze", "backup", "schema", "data", "deploy", "switch", "verify", "hypercare")
STEPS = 96
ROLLBACK_POINT, FAILING_STEP = "s040", "s047"


class SimClock:
    """Wall and monotonic time that only move when the generator says so."""

    def __init__(self) -> None:
        self.t = 0.0

    def wall(self) -> datetime:
        return START + timedelta(seconds=self.t)

    def mono(self) -> float:
        return self.t


def runbook_text(hosts: int, hours: float) -> str:
    step_seconds = hours * 3600 / (STEPS + 8)  # + room for the rollback and re-run
    lines = [
        "[runbook]",
        'name = "ERP night: long-run benchmark"',
        f'window = {{ start = "{START.isoformat()}", duration = "{hours + 1:.0f}h" }}',
        "",
        "[monitor]",
        'interval = "2s"',
        "cpu_warn = 85",
        'errors_warn = "20/min"',
        "",
    ]
    for index in range(hosts):
        group = GROUPS[index % len(GROUPS)]
        lines += [
            f"[hosts.{group}{index:02d}]",
            f'address = "10.0.{index // 250}.{index % 250 + 1}"',
            f'groups = ["{group}"]',
            "",
        ]
    for index in range(1, STEPS + 1):
        step_id = f"s{index:03d}"
        phase = PHASES[(index - 1) * len(PHASES) // STEPS]
        group = GROUPS[index % len(GROUPS)]
        gate = index % 24 == 0
        lines += [
            "[[steps]]",
            f'id = "{step_id}"',
            f'title = "Step {index} of the {phase} phase"',
            f'phase = "{phase}"',
            f'owner = "{group} team"',
        ]
        if gate:
            lines += [
                'kind = "gate"',
                f'duration = "{step_seconds:.0f}s"',
                'instructions = "Key users confirm: orders post, invoices print"',
            ]
        else:
            lines += [
                f'on = "{group}"',
                f'run = "deploy-part {index}"',
                f'duration = "{step_seconds * (0.8 + (index % 5) * 0.1):.0f}s"',
                f'rollback = "undo-part {index}"',
            ]
        if index > 1:
            lines.append(f'depends_on = ["s{index - 1:03d}"]')
        if step_id == ROLLBACK_POINT or index == 10:
            lines.append("rollback_point = true")
        lines.append("")
    return "\n".join(lines)


class Night:
    """Drives a session through a simulated night, sampling every `interval` seconds."""

    def __init__(self, session: Session, clock: SimClock, runbook: Runbook, interval: float):
        self.session, self.clock, self.runbook = session, clock, runbook
        self.interval = interval
        self.rng = random.Random(7)
        self.hosts = list(runbook.hosts)
        self.cpu = {h: self.rng.uniform(10, 40) for h in self.hosts}
        self.mem = {h: self.rng.uniform(30, 60) for h in self.hosts}
        self.errors = dict.fromkeys(self.hosts, 0.0)
        self.alerts: set[tuple[str, str]] = set()
        self.next_sample = 0.0
        self.next_note = 1800.0
        self.samples = 0

    def advance(self, seconds: float) -> None:
        """Let time pass, sampling every host every interval."""
        end = self.clock.t + seconds
        while self.next_sample <= end:
            self.clock.t = self.next_sample
            self._sample()
            self.next_sample += self.interval
            if self.clock.t >= self.next_note:
                self.session.record(event(ev.NOTE, text="status call: on plan", by="bench"))
                self.next_note += 1800.0
        self.clock.t = end

    def _sample(self) -> None:
        rng, record = self.rng, self.session.record
        for host in self.hosts:
            self.cpu[host] = min(100.0, max(1.0, self.cpu[host] + rng.gauss(0, 4)))
            self.mem[host] = min(99.0, max(5.0, self.mem[host] + rng.gauss(0, 1)))
            self.errors[host] = max(0.0, self.errors[host] * 0.97 + rng.choice((0, 0, 0, 1)))
            record(
                event(
                    ev.SAMPLE,
                    host=host,
                    cpu=round(self.cpu[host], 1),
                    mem=round(self.mem[host], 1),
                    load1=round(self.cpu[host] / 25, 2),
                    disk=61.0,
                    errors_per_min=round(self.errors[host]),
                    warnings_per_min=round(self.errors[host] / 2),
                )
            )
            self._alert(host, "errors", self.errors[host], 20.0)
            self._alert(host, "cpu", self.cpu[host], 85.0)
            self.samples += 1

    def _alert(self, host: str, metric: str, value: float, threshold: float) -> None:
        key = (host, metric)
        if (value >= threshold) != (key in self.alerts):
            status = "raised" if value >= threshold else "cleared"
            self.alerts.symmetric_difference_update({key})
            self.session.record(
                event(ev.ALERT, host=host, metric=metric, status=status,
                      value=round(value, 1), threshold=threshold)
            )  # fmt: skip

    def step(self, step_id: str, action: str = "run", fails: bool = False) -> None:
        step = self.runbook.step(step_id)
        record = self.session.record
        targets = [h.name for h in self.runbook.targets(step.on)] if step.run else []
        attempt = self.session.state.step(step_id).attempts + (1 if action == "run" else 0)
        record(event(ev.STEP_STARTED, step=step_id, action=action, attempt=attempt,
                     command=step.run, hosts=targets))  # fmt: skip
        seconds = step.planned * self.rng.uniform(0.7, 1.4) if action == "run" else 20.0
        if step.kind.needs_operator:
            self.advance(seconds)
            record(event(ev.DECISION, step=step_id, decision=Decisions.GO, by="night lead",
                         reason="all checks green"))  # fmt: skip
            return
        for index in range(30):
            self.advance(seconds / 31)
            record(event(ev.OUTPUT, step=step_id, action=action, host=targets[index % len(targets)],
                         stream="out", line=f"{action} {step_id}: part {index} done"))  # fmt: skip
        self.advance(seconds / 31)
        for host in targets:
            exit_code = 1 if fails and host == targets[0] else 0
            record(event(ev.HOST_FINISHED, step=step_id, action=action, host=host,
                         exit=exit_code, seconds=round(seconds, 3)))  # fmt: skip
            if action == "run" and not fails:
                self.errors[host] += 30  # errors rise for a while after a change
        status = "failed" if fails else "succeeded"
        record(event(ev.STEP_FINISHED, step=step_id, action=action, status=status,
                     reason="exit status 1" if fails else ""))  # fmt: skip

    def rollback(self, to: str, cause: str) -> None:
        order = [s.id for s in self.runbook.steps]
        undo = [s for s in reversed(order[order.index(to) + 1 : order.index(cause) + 1])]
        actions = [s for s in undo if self.runbook.step(s).rollback]
        record = self.session.record
        record(event(ev.DECISION, step=cause, decision=Decisions.ROLLBACK, by="night lead",
                     reason="migration rejected rows", to=to))  # fmt: skip
        record(event(ev.ROLLBACK_STARTED, to=to, cause=cause, actions=actions,
                     planned=20.0 * len(actions)))  # fmt: skip
        for step_id in actions:
            self.step(step_id, action="rollback")
        record(event(ev.ROLLBACK_FINISHED, to=to, status="completed"))
        record(event(ev.DECISION, decision=Decisions.RESUME_FROM_POINT, by="night lead",
                     reason="fixed the currency table"))  # fmt: skip


def write_long_journal(
    path: str, hours: float = 8.0, hosts: int = 50, interval: float = 2.0
) -> int:
    """Write the journal; returns the number of samples in it."""
    folder = os.path.dirname(os.path.abspath(path))
    runbook_path = os.path.join(folder, "long-night.toml")
    with open(runbook_path, "w", encoding="utf-8") as handle:
        handle.write(runbook_text(hosts, hours))
    loaded = load_runbook(runbook_path)
    if loaded.runbook is None:
        raise SystemExit("\n".join(d.render() for d in loaded.diagnostics))
    runbook = loaded.runbook
    clock = SimClock()
    values = resolve_values(runbook, {}, interactive=False)
    session = start_session(runbook, path, values, clock, RunOptions(mode="live", operator="bench"))
    night = Night(session, clock, runbook, interval)
    for host in night.hosts:
        session.record(event(ev.HOST_STATE, host=host, state="LIVE", reason=""))
    failed = False
    index = 0
    order = [s.id for s in runbook.steps]
    while index < len(order):
        step_id = order[index]
        if step_id == FAILING_STEP and not failed:
            failed = True
            night.step(step_id, fails=True)
            night.rollback(ROLLBACK_POINT, step_id)
            index = order.index(ROLLBACK_POINT) + 1
            continue
        night.step(step_id)
        index += 1
    night.advance(max(0.0, hours * 3600 - clock.t))
    session.record(event(ev.RUN_FINISHED, outcome="completed", reason=""))
    session.close()
    return night.samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", metavar="OUT.jsonl")
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--interval", type=float, default=2.0)
    args = parser.parse_args()
    started = time.perf_counter()
    samples = write_long_journal(args.output, args.hours, args.hosts, args.interval)
    size = os.path.getsize(args.output) / 2**20
    print(
        f"{args.output}: {samples:,} samples, {size:,.0f} MiB, "
        f"written in {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
