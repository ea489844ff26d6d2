"""How fast golive's journal takes events, and how fast a resume replays it.

  (a) Append throughput of golive.io.journal.JournalWriter under its durability
      rules: durable events (fsync'd each), output lines (group-committed) and a
      realistic mix of 1 durable per 50 output lines.
  (b) Replay of a 1,000,000-event journal with a valid hash chain into a RunState,
      exactly as `golive resume` does (golive.session.session.read_journal), next to a
      plain `json.loads` per line over the same file.

The journal lives in a temporary directory on the same disk as the repository
(never tmpfs), which is printed. It only prints figures; nothing is asserted
about time.

    python bench/journal_bench.py          # full run
    python bench/journal_bench.py --quick  # small smoke run
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

from golive.core import events as ev
from golive.core.clock import SystemClock
from golive.core.events import Decisions, Event, event
from golive.core.loader import load_runbook
from golive.core.runbook import Runbook, Step, StepKind
from golive.core.templating import Masker, Values
from golive.io.journal import JournalWriter, line_hash, verify_journal
from golive.session.session import RunOptions, read_journal, start_session
from golive.session.variables import resolve_values

REPO = Path(__file__).resolve().parent.parent
SECRET = "s3cr3t-Pa55w0rd"  # the runbook's db_password, masked by the writer
MEMORY_FS = {"tmpfs", "ramfs", "devtmpfs", "overlay-tmpfs"}

OUTPUT_LINES = [
    "{ts} INFO  import batch {b}: row {i} of 250000 committed (orders_{b:03d})",
    "{ts} INFO  migrate: table sales_order_item_{b:02d} {i} rows copied, 0 rejected",
    "{ts} WARN  deploy: config key cache.size deprecated, using default (node {b})",
    "applying {b:04d}_schema.sql: ALTER TABLE ledger_{b:02d} ADD COLUMN tax_code text -- ok ({i})",
    "rsync: sent {i} bytes  received 1,024 bytes  2,318,112.00 bytes/sec (module-{b})",
]


# -- where the journal goes -------------------------------------------------------------


def mount_of(path: str) -> tuple[str, str, str]:
    """(mount point, filesystem type, device) of the filesystem holding `path`."""
    real = os.path.realpath(path)
    best = ("/", "unknown", "unknown")
    try:
        with open("/proc/mounts", encoding="utf-8") as handle:
            for line in handle:
                device, point, fstype = line.split()[:3]
                point = point.replace("\\040", " ")
                inside = real == point or real.startswith(point.rstrip("/") + "/")
                if inside and len(point) >= len(best[0]):
                    best = (point, fstype, device)
    except OSError:
        pass
    return best


def journal_dir() -> str:
    """A temporary directory on the repository's disk: the system temp dir if it is
    that same filesystem, else a hidden directory inside the repository."""
    system = tempfile.gettempdir()
    same_disk = os.stat(system).st_dev == os.stat(REPO).st_dev
    if same_disk and mount_of(system)[1] not in MEMORY_FS:
        return tempfile.mkdtemp(prefix="golive-journal-bench-", dir=system)
    return tempfile.mkdtemp(prefix=".journal-bench-", dir=REPO)


# -- (a) appends ----------------------------------------------------------------------


def output_event(rng: random.Random, step: str, host: str, index: int) -> Event:
    text = rng.choice(OUTPUT_LINES).format(ts="2026-11-27T18:04:12Z", b=index % 97, i=index)
    return event(ev.OUTPUT, step=step, action="run", host=host, stream="out", line=text)


def durable_event(index: int) -> Event:
    step = f"migrate-s1-{index % 500:03d}"
    kind = index % 4
    if kind == 0:
        return event(
            ev.STEP_STARTED,
            step=step,
            action="run",
            attempt=1,
            command="erpctl import --batch 17 --source /srv/backup/erp-4.2/export-17.csv",
            hosts=["app-01", "app-02", "app-03"],
            dry_run=False,
        )
    if kind == 1:
        return event(
            ev.HOST_FINISHED,
            step=step,
            action="run",
            host="app-01",
            exit=0,
            seconds=12.345,
            timed_out=False,
            error="",
        )
    if kind == 2:
        return event(
            ev.STEP_FINISHED, step=step, action="run", status="succeeded", reason="", exit=0
        )
    return event(
        ev.DECISION,
        step=step,
        question="manual",
        decision=Decisions.CONFIRM,
        by="alice",
        reason="key users confirmed",
        automatic=False,
    )


def append_rate(directory: str, name: str, events: list[Event]) -> tuple[float, float]:
    """(events/s, mean µs per event) for appending `events` and closing the journal."""
    path = os.path.join(directory, f"{name}.jsonl")
    writer = JournalWriter(path, SystemClock(), Masker([SECRET]))
    started = time.perf_counter()
    for item in events:
        writer.append(item)
    writer.close()  # the final group commit: every line is on disk
    elapsed = time.perf_counter() - started
    report = verify_journal(path)
    assert report.ok and report.events == len(events), report
    os.unlink(path)
    return len(events) / elapsed, elapsed / len(events) * 1e6


# -- (b) a big journal ---------------------------------------------------------------------


def bench_runbook(directory: str, steps: int) -> Runbook:
    """A realistic runbook from check_bench's generator (a sibling script)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # no bench/__pycache__
    try:
        generate: Callable[[int], str] = importlib.import_module("check_bench").generate_runbook
    finally:
        sys.path.pop(0)
        sys.dont_write_bytecode = bytecode
    path = os.path.join(directory, "erp-cutover.toml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(generate(steps))
    result = load_runbook(path)
    assert result.runbook is not None, [d.render() for d in result.errors]
    return result.runbook


def run_events(
    runbook: Runbook, values: Values, total: int, rng: random.Random
) -> Iterator[tuple[float, Event]]:
    """(seconds since the start, event) of a whole, mostly successful run, with
    exactly `total` events after run_started; almost all are output lines."""
    plan: list[tuple[Step, list[str], bool]] = []  # step, hosts, fails first time
    for step in runbook.steps:
        hosts = [h.name for h in runbook.targets(step.on)] if step.run else []
        plan.append((step, hosts, step.kind is StepKind.COMMAND and rng.random() < 0.01))

    def skeleton(step: Step, hosts: list[str], fails: bool) -> int:
        """Events of one step other than its output lines."""
        if step.kind.needs_operator or step.kind is StepKind.WAIT:
            return 2
        per_attempt = 2 + len(hosts) + (1 if step.verify else 0)
        return per_attempt * 2 + 1 if fails else per_attempt

    notes = 3
    fixed = sum(skeleton(*item) for item in plan) + notes + 1  # + run_finished
    budget = total - fixed
    assert budget > 0, f"{total} events are too few for {len(plan)} steps"
    # Heavy-tailed: a few migrations print most of the lines.
    weights = [rng.paretovariate(1.2) if hosts else 0.0 for _, hosts, _ in plan]
    scale = budget / sum(weights)
    lines = [int(w * scale) for w in weights]
    lines[max(range(len(lines)), key=lambda i: weights[i])] += budget - sum(lines)

    m = 0.0
    note_at = {len(plan) // 4, len(plan) // 2, 3 * len(plan) // 4}
    for index, ((step, hosts, fails), count) in enumerate(zip(plan, lines, strict=True)):
        if index in note_at:
            yield m, event(ev.NOTE, text=f"on track after {step.id}", by="alice")
        if step.kind.needs_operator or step.kind is StepKind.WAIT:
            yield m, event(ev.STEP_STARTED, step=step.id, action="run", attempt=1, command=None, hosts=[])  # fmt: skip
            m += step.planned
            if step.kind is StepKind.WAIT:
                yield m, event(ev.STEP_FINISHED, step=step.id, action="run", status="succeeded", reason="")  # fmt: skip
            else:
                decision = Decisions.GO if step.kind is StepKind.GATE else Decisions.CONFIRM
                yield m, event(ev.DECISION, step=step.id, question=step.kind.value, decision=decision, by="alice", reason="", automatic=False)  # fmt: skip
            continue
        for attempt in (1, 2) if fails else (1,):
            failed = fails and attempt == 1
            shown = count // 2 if fails else count
            yield m, event(ev.STEP_STARTED, step=step.id, action="run", attempt=attempt, command=values.render(step.run or '').display, hosts=hosts, dry_run=False)  # fmt: skip
            for line in range(shown if attempt == 1 else count - shown):
                m += 0.003
                yield m, output_event(rng, step.id, hosts[line % len(hosts)], line)
            for host in hosts:
                exit_code = 3 if failed and host == hosts[0] else 0
                yield m, event(ev.HOST_FINISHED, step=step.id, action="run", host=host, exit=exit_code, seconds=round(step.planned, 3), timed_out=False, error="")  # fmt: skip
            if step.verify:
                yield m, event(ev.VERIFY_FINISHED, step=step.id, ok=True, detail="ok", seconds=0.25)  # fmt: skip
            m += step.planned
            if failed:
                yield m, event(ev.STEP_FINISHED, step=step.id, action="run", status="failed", reason=f"exit 3 on {hosts[0]}")  # fmt: skip
                yield m, event(ev.DECISION, step=step.id, question="failure", decision=Decisions.RETRY, by="alice", reason="fixed the currency table", automatic=False)  # fmt: skip
            else:
                yield m, event(ev.STEP_FINISHED, step=step.id, action="run", status="succeeded", reason="")  # fmt: skip
    yield m, event(ev.RUN_FINISHED, outcome="completed", reason="")


def write_journal(directory: str, runbook: Runbook, total: int) -> str:
    """A `total`-event journal with a valid hash chain. run_started comes from
    golive.session.session.start_session; the rest is written directly, line by line,
    with the record layout and serialization of JournalWriter.append."""
    path = os.path.join(directory, "run.jsonl")
    values = resolve_values(runbook, {}, environ={"ERP_DB_PASSWORD": SECRET})
    session = start_session(
        runbook, path, values, SystemClock(), RunOptions(mode="rehearsal", operator="alice")
    )
    session.close()
    with open(path, "rb") as handle:
        first = handle.read().rstrip(b"\n")
    assert first.count(b"\n") == 0
    head = json.loads(first)
    start, base_m = datetime.fromisoformat(head["t"]), head["m"]
    prev, seq = line_hash(first), 0
    dumps = json.dumps
    with open(path, "ab", buffering=1 << 20) as out:
        for m, item in run_events(runbook, values, total - 1, random.Random(7)):
            seq += 1
            moment = start + timedelta(seconds=m)
            record = {
                "seq": seq,
                "t": moment.isoformat(timespec="milliseconds"),
                "m": round(base_m + m, 3),
                **item,
                "prev": prev,
            }
            line = dumps(record, ensure_ascii=False, separators=(",", ":")).encode()
            out.write(line + b"\n")
            prev = line_hash(line)
    assert seq == total - 1, seq
    return path


def peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    args = parser.parse_args()
    if args.quick:
        n_durable, n_output, n_mixed_durable, n_events, runs = 100, 5_000, 40, 20_000, 1
    else:
        n_durable, n_output, n_mixed_durable, n_events, runs = 3_000, 200_000, 2_000, 1_000_000, 3

    directory = journal_dir()
    try:
        point, fstype, device = mount_of(directory)
        print(f"journal dir: {directory}")
        print(f"filesystem: {fstype} on {device}, mounted at {point} (same as the repository)")

        # Events cycle through a pool of distinct ones (the writer copies what it
        # appends), so that this part does not raise the peak RSS reported for (b).
        rng = random.Random(1)
        durable_pool = [durable_event(i) for i in range(1_000)]
        output_pool = [output_event(rng, "migrate-s1-001", f"app-0{i % 8 + 1}", i) for i in range(5_000)]  # fmt: skip
        durable = [durable_pool[i % len(durable_pool)] for i in range(n_durable)]
        output = [output_pool[i % len(output_pool)] for i in range(n_output)]
        mixed: list[Event] = []
        for i in range(n_mixed_durable):
            mixed.append(durable_pool[i % len(durable_pool)])
            mixed += [output_pool[(i * 50 + j) % len(output_pool)] for j in range(50)]

        print("\n(a) appends: JournalWriter + SystemClock, one secret masked, until close()")
        for label, items in (
            ("durable (fsync each)", durable),
            ("output (group commit)", output),
            ("mix 1 durable : 50 output", mixed),
        ):
            rate, micros = append_rate(directory, label.split()[0], items)
            print(f"{label:27s} {len(items):>8,} events  {rate:>10,.0f} events/s  ({micros:.1f} µs/event)")  # fmt: skip

        print(f"\n(b) replay of a {n_events:,}-event journal")
        started = time.perf_counter()
        runbook = bench_runbook(directory, 300)
        path = write_journal(directory, runbook, n_events)
        size = os.path.getsize(path)
        print(f"journal: {len(runbook.steps)} steps, {size / 1048576:.0f} MiB, "
              f"written in {time.perf_counter() - started:.1f} s")  # fmt: skip
        print(f"peak RSS before replay: {peak_rss_mib():.0f} MiB")

        replay_times = []
        for _ in range(runs):
            started = time.perf_counter()
            recorded, tail = read_journal(path)
            replay_times.append(time.perf_counter() - started)
            assert tail.seq == n_events - 1 and tail.torn_bytes == 0
            assert recorded.state.outcome == "completed"
            del recorded, tail
        print(f"peak RSS after replay: {peak_rss_mib():.0f} MiB (ru_maxrss, whole process)")

        def plain() -> int:
            count = 0
            loads = json.loads
            with open(path, "rb") as handle:
                for line in handle:
                    loads(line)
                    count += 1
            return count

        json_times = []
        for _ in range(runs):
            started = time.perf_counter()
            assert plain() == n_events
            json_times.append(time.perf_counter() - started)

        replay, plain_time = statistics.median(replay_times), statistics.median(json_times)
        print(f"replay (read_journal)  median of {runs}: {replay:.2f} s  {n_events / replay:>10,.0f} events/s  (min {min(replay_times):.2f} s)")  # fmt: skip
        print(f"json.loads per line    median of {runs}: {plain_time:.2f} s  {n_events / plain_time:>10,.0f} events/s  (min {min(json_times):.2f} s)")  # fmt: skip
        print(f"ratio replay/json.loads: {replay / plain_time:.1f}x")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
