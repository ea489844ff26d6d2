"""golive monitor RUNBOOK: watch every host headless, optionally recording a baseline."""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import threading
import time
from typing import TextIO

from golive.console.guard import write_control
from golive.console.printer import clock
from golive.core import events as ev
from golive.core.clock import SystemClock
from golive.core.durations import DurationError, parse_duration
from golive.core.errors import GoliveError
from golive.core.events import Event, event
from golive.core.hostwatch import HostSnapshot
from golive.core.loader import load_runbook
from golive.io.journal import (
    JournalError,
    JournalWriter,
    find_key,
)
from golive.io.monitor import Monitor, message_levels
from golive.io.ssh import SshPool
from golive.tui.event_text import alert_words


def _figure(value: float | None, unit: str = "%") -> str:
    return "  -- " if value is None else f"{value:4.0f}{unit}"


def table(snapshots: tuple[HostSnapshot, ...]) -> list[str]:
    width = max([len(s.host) for s in snapshots] + [4])
    lines = [
        f"{'HOST':<{width}} {'STATE':<12} {'CPU':>5} {'MEM':>5} {'LOAD':>5} {'DISK':>5} {'ERR/m':>5} {'WRN/m':>5}  AGE"
    ]
    for s in snapshots:
        m = s.metrics
        age = "" if s.age is None else f"{s.age:.0f}s"
        flag = " !" + ",".join(s.alerts) if s.alerts else ""
        lines.append(
            f"{s.host:<{width}} {s.state.value:<12} {_figure(m.cpu if m else None):>5} {_figure(m.mem if m else None):>5} "
            f"{'  -- ' if not m or m.load1 is None else f'{m.load1:5.2f}':>5} {_figure(m.disk if m else None):>5} "
            f"{s.errors_per_min:>5} {s.warnings_per_min:>5}  {age}{flag}"
        )
    return lines


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def snapshot_json(s: HostSnapshot, wall: str) -> str:
    m = s.metrics
    return json.dumps(
        {
            "t": wall,
            "host": s.host,
            "state": s.state.value,
            "reason": s.reason,
            "cpu": _rounded(m.cpu if m else None),
            "mem": _rounded(m.mem if m else None),
            "load1": m.load1 if m else None,
            "disk": _rounded(m.disk if m else None),
            "age": None if s.age is None else round(s.age, 1),
            "errors_per_min": s.errors_per_min,
            "warnings_per_min": s.warnings_per_min,
            "levels_this_minute": s.levels_this_minute,
            "alerts": list(s.alerts),
            "last_errors": list(s.last_errors[-3:]),
        }
    )


def monitor_command(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    result = load_runbook(args.runbook)
    for diagnostic in result.errors:
        print(diagnostic.render(), file=sys.stderr)
    if result.runbook is None:
        return 2
    runbook = result.runbook
    try:
        duration = parse_duration(args.duration) if args.duration else None
    except DurationError as exc:
        print(f"golive: --duration: {exc}", file=sys.stderr)
        return 2
    system_clock = SystemClock()
    recorder: JournalWriter | None = None
    if args.record:
        try:
            key = find_key()
            recorder = JournalWriter(args.record, system_clock, key=key)
        except JournalError as exc:
            if isinstance(exc, GoliveError):
                raise  # in use: bad input, said by cli.main
            print(f"golive: {exc}", file=sys.stderr)
            return 4
        m = runbook.monitor
        try:
            recorder.append(
                event(
                    ev.MONITOR_STARTED, runbook=os.path.abspath(runbook.path), runbook_sha256=runbook.sha256,
                    name=runbook.name, hosts=list(runbook.hosts), interval=m.interval, baseline=True,
                    thresholds={"cpu": m.cpu_warn, "mem": m.mem_warn, "errors_per_min": m.errors_warn_per_min},
                    machine=socket.gethostname(), pid=os.getpid(),
                    **({"key_id": key.id} if key is not None else {}),
                )
            )  # fmt: skip
        except JournalError as exc:
            recorder.close()
            print(f"golive: {exc}", file=sys.stderr)
            return 4
    lock = threading.Lock()
    tty = out.isatty() and not args.json

    def on_events(events: list[Event]) -> None:
        with lock:
            for e in events:
                if recorder is not None and not recorder.sealed:
                    recorder.append(e)
                if not args.json and e["type"] in (ev.ALERT, ev.HOST_STATE):
                    detail = e.get("reason") or ""
                    if e["type"] == ev.ALERT:
                        raised = e["status"] == "raised"
                        detail = alert_words(
                            e["metric"], raised, e.get("value"), e.get("threshold")
                        )
                    else:
                        detail = f"{e['state']} {detail}".strip()
                    print(
                        f"{clock(system_clock.wall())} {e['host']}: {detail}", file=out, flush=True
                    )

    def on_snapshots(snapshots: tuple[HostSnapshot, ...]) -> None:
        with lock:
            wall = system_clock.wall().isoformat(timespec="seconds")
            if args.json:
                for s in snapshots:
                    print(snapshot_json(s, wall), file=out)
            else:
                if tty:
                    write_control(out, "\x1b[H\x1b[2J")  # golive's own redraw, sent raw
                print(f"{runbook.name} · {wall}", file=out)
                for line in table(snapshots):
                    print(line, file=out)
            out.flush()

    pool = SshPool(known_hosts=runbook.known_hosts_path)
    monitor = Monitor(runbook, pool, message_levels, on_events, on_snapshots)
    reason = "duration"
    try:
        monitor.start()
        deadline = time.monotonic() + duration if duration else None
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.2)
    except KeyboardInterrupt:
        reason = "interrupted"
    finally:
        monitor.stop()
        pool.close()
    if recorder is None:
        return 0
    return _finish_baseline(recorder, lock, reason, args.record)


def _finish_baseline(recorder: JournalWriter, lock: threading.Lock, reason: str, path: str) -> int:
    """End the baseline with monitor_finished, which seals it, and close it."""
    try:
        with lock:
            recorder.append(event(ev.MONITOR_FINISHED, reason=reason))
    except JournalError as exc:
        print(f"golive: {exc}", file=sys.stderr)
        return 4
    finally:
        recorder.close()
    protection = f"keyed seal, key {recorder.key_id}" if recorder.key_id else "unkeyed seal"
    print(
        f"baseline recorded: {path} (head {recorder.head[:12]}, {recorder.seq + 1} events, {protection})",
        file=sys.stderr,
    )
    return 0
