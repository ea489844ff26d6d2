"""How fast golive classifies log lines by level, next to `grep -c -E 'ERROR|WARN'`.

Generates a mixed 1,000,000-line log file in a temporary folder: log4j with
Java stack traces, Python logging with tracebacks, pino/bunyan and other JSON
lines, journald JSON, nginx and Apache error logs, syslog lines with and
without a level, logfmt and Android logcat; about 3% of the messages are
errors. Then, pinned to one CPU core, it times:

  (a) golive's bulk path: golive.commands.logs.count_file (read 1 MiB
      chunks, decode UTF-8, LevelCounter.count_text), in-process
  (b) `grep -c -E 'ERROR|WARN' FILE` as a subprocess on the same file
  (c) for reference, the per-line path (LevelCounter.feed on every line),
      once, on lines already in memory

It checks that (a) and (c) count the same, and only prints figures.

    python bench/classifier_bench.py          # 1,000,000 lines, 5 runs each
    python bench/classifier_bench.py --quick  # 100,000 lines, 3 runs each
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from golive.commands.logs import count_file
from golive.core.logcount import LevelCounter

LEVELS = ("DEBUG", "INFO", "WARN", "ERROR")
WEIGHTS = (20, 70, 7, 3)
SYSLOG = {"DEBUG": 7, "INFO": 6, "WARN": 4, "ERROR": 3}
BUNYAN = {"DEBUG": 20, "INFO": 30, "WARN": 40, "ERROR": 50}
MESSAGES = (
    "processed order {n} in {ms} ms, 0 errors",
    "GET /api/orders/{n} 200 ({ms} ms)",
    "cache miss for customer {n}, loading from db",
    "parity error corrected on block {n}",
    "retrying charge {n} after timeout (attempt 2 of 3)",
    "connection pool: {ms} active, 0 waiting",
    "user {n} logged in from 10.0.{ms}.7",
    "scheduled job reconcile-{n} finished",
)


def messages(rnd: random.Random) -> Iterator[tuple[int, str, str, str]]:
    """Message number, level, text and time of day, without end."""
    n = 0
    while True:
        n += 1
        level = rnd.choices(LEVELS, WEIGHTS)[0]
        msg = rnd.choice(MESSAGES).format(n=n, ms=n % 997)
        yield n, level, msg, f"{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}"


def generate(n_lines: int, seed: int = 7) -> tuple[str, dict[str, int]]:
    """A mixed log of exactly `n_lines` lines, and how many messages of each
    generated level it holds."""
    rnd = random.Random(seed)
    out: list[str] = []
    made = dict.fromkeys(("debug", "info", "warning", "error", "unknown"), 0)
    for n, level, msg, sec in messages(rnd):
        if len(out) >= n_lines:
            break
        ts = f"2026-11-22 {sec}"
        fmt = rnd.randrange(100)
        counted = level
        if fmt < 20:  # log4j, with a Java stack trace for some errors
            out.append(
                f"{ts},{n % 1000:03d} {level:<5} [http-nio-8080-exec-{n % 16}] c.e.shop.OrderService - {msg}"
            )
            if level == "ERROR" and rnd.random() < 0.5:
                out.append("java.lang.IllegalStateException: order state is PAID, expected NEW")
                out += [
                    f"\tat com.example.shop.Layer{k}.call(Layer{k}.java:{k + 10})"
                    for k in range(16)
                ]
                out += ["Caused by: java.sql.SQLException: deadlock detected", "\t... 12 more"]
        elif fmt < 32:  # Python logging, with a traceback for some errors
            name = "WARNING" if level == "WARN" else level
            out.append(f"{ts},{n % 1000:03d} - shop.payments - {name} - {msg}")
            if level == "ERROR" and rnd.random() < 0.5:
                out += [
                    "Traceback (most recent call last):",
                    '  File "/srv/shop/payments.py", line 88, in charge',
                    '    response = client.post("/charges", json=payload)',
                    "shop.client.GatewayTimeout: POST /charges timed out after 30s",
                ]
        elif fmt < 44:  # pino / bunyan
            record = {"level": BUNYAN[level], "time": 1795399200000 + n, "pid": 812}
            record |= {"hostname": "app1", "msg": msg}
            if fmt < 38:
                record = {"name": "api", "hostname": "app1", "pid": 812, **record}
            out.append(json.dumps(record, separators=(",", ":")))
        elif fmt < 54:  # structured JSON with a string level
            record2 = {"time": f"2026-11-22T{sec}.{n % 1000:03d}Z", "level": level.lower()}
            record2 |= {"msg": msg, "request_id": f"{n:08x}", "duration_ms": n % 300}
            out.append(json.dumps(record2))
        elif fmt < 58:  # journald, journalctl -o json
            out.append(
                json.dumps(
                    {
                        "__CURSOR": f"s=6f1c2a;i={n:x};b=9e0c;m={n:x};t=5f{n:x};x={n:x}",
                        "__REALTIME_TIMESTAMP": str(1795399200000000 + n),
                        "__MONOTONIC_TIMESTAMP": str(3600000000 + n),
                        "_BOOT_ID": "9e0c4b1d2f0e4a3c8d7b6a5f4e3d2c1b",
                        "_TRANSPORT": "stdout",
                        "PRIORITY": str(SYSLOG[level]),
                        "SYSLOG_IDENTIFIER": "shop",
                        "MESSAGE": msg,
                        "_PID": "812",
                        "_SYSTEMD_UNIT": "shop.service",
                    },
                    separators=(",", ":"),
                )
            )
        elif fmt < 68:  # nginx error log
            word = level.lower()
            out.append(f"2026/11/22 {sec} [{word}] 1234#0: *{n} {msg}, client: 10.0.0.{n % 250}")
        elif fmt < 76:  # Apache 2.4 error log
            out.append(
                f"[Sun Nov 22 {sec}.{n % 999999:06d} 2026] [proxy:{level.lower()}] "
                f"[pid 4321:tid 140{n % 1000}] [client 10.0.0.{n % 250}:5{n % 9999}] AH01102: {msg}"
            )
        elif fmt < 86:  # syslog: most programs write no level
            if fmt < 83:
                out.append(
                    f"Nov 22 {sec} web1 sshd[{n % 30000}]: Accepted publickey for deploy port {n}"
                )
                counted = "unknown"
            else:
                out.append(f"Nov 22 {sec} web1 shop[812]: {level} {msg}")
        elif fmt < 90:  # logfmt
            out.append(f'time="2026-11-22T{sec}Z" level={level.lower()} msg="{msg}" n={n}')
        else:  # Android logcat, threadtime
            out.append(
                f"11-22 {sec}.{n % 1000:03d}  1234  {1250 + n % 40} {level[0]} ActivityManager: {msg}"
            )
        key = {"WARN": "warning"}.get(counted, counted.lower())
        made[key] += 1
    text = "\n".join(out[:n_lines]) + "\n"
    return text, made


# Shapes no known pattern reads: each source teaches its level field (golive.core.logshape).
INFERRED = {
    "plc": "20261122-{sec}.123|plc-gw|{cased}|{msg}",
    "eventcsv": "{cased},11/22/2026 {sec} AM,Service Control Manager,7036,None,{msg}",
    "bgl": "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-{dots}.675872 "
    "R02-M1-N0-C:J12-U11 RAS KERNEL {level} {msg}",
    "cbs": "2016-09-28 {sec}, {cased:<22}CBS    {msg}",
    "openstack": "nova-api.log.1.2017-05-16_13:53:08 2017-05-16 {sec}.008 {pid} {level} "
    "nova.osapi_compute.wsgi.server [req-38101a0b] {msg}",
}


def generate_inferred(name: str, n_lines: int, seed: int = 11) -> tuple[str, dict[str, int]]:
    """`n_lines` lines in one of the INFERRED shapes (the CSV export with a description
    quoted over three lines for some errors), and how many messages of each generated
    level it holds."""
    rnd = random.Random(seed)
    out: list[str] = []
    made = dict.fromkeys(("debug", "info", "warning", "error", "unknown"), 0)
    for n, level, msg, sec in messages(rnd):
        if len(out) >= n_lines:
            break
        word = {"WARN": "WARNING"}.get(level, level) if name in ("bgl", "openstack") else level
        out.append(
            INFERRED[name].format(
                sec=sec,
                dots=sec.replace(":", "."),
                pid=n % 400,
                level=word,
                cased={"WARN": "Warning"}.get(level, level.title()),
                msg=msg,
            )
        )
        if name == "eventcsv" and level == "ERROR" and rnd.random() < 0.5:
            out[-1] = out[-1].replace(",None,", ',None,"', 1)
            out += ["The service did not respond in a timely fashion.", 'Exit code: 1067"']
        made[{"WARN": "warning"}.get(level, level.lower())] += 1
    return "\n".join(out[:n_lines]) + "\n", made


def timed(function: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def pin_to_one_core() -> str:
    """Run this process (and grep, which inherits it) on one CPU core."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity)"
    core = max(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return f"pinned to CPU core {core}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    args = parser.parse_args()
    n_lines, runs = (100_000, 3) if args.quick else (1_000_000, 5)
    grep = shutil.which("grep")

    print(pin_to_one_core())
    tmp = tempfile.mkdtemp(prefix="golive-classifier-bench-")
    try:
        path = os.path.join(tmp, "mixed.log")
        text, made = generate(n_lines)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        size = os.path.getsize(path)
        print(f"file: {path}")
        print(
            f"file size: {n_lines:,} lines, {size / 1e6:.1f} MB, {size / n_lines:.0f} bytes a line"
        )
        print("generated messages: " + ", ".join(f"{k} {v:,}" for k, v in made.items()))

        counter = count_file(path).counter
        found = counter.levels()
        print(
            f"golive found: {counter.messages:,} messages, {counter.continuations:,} continuation lines; "
            + ", ".join(f"{k} {v:,}" for k, v in found.items())
        )
        errors = found["error"] + found["critical"]
        print(f"error share: {100 * errors / counter.messages:.1f}% of messages")
        assert counter.lines == n_lines
        for key, value in made.items():
            assert found[key] == value, (key, found[key], value)

        golive_times = timed(lambda: count_file(path), runs)
        print(f"\ngolive bulk path (count_file: read, decode, classify), {runs} runs:")
        print(
            f"  min    {min(golive_times):.3f} s  {n_lines / min(golive_times) / 1e6:.2f}M lines/s"
        )
        median = statistics.median(golive_times)
        print(f"  median {median:.3f} s  {n_lines / median / 1e6:.2f}M lines/s")

        if grep is None:
            print("\ngrep: not found; no ratio")
            return
        command = [grep, "-c", "-E", "ERROR|WARN", path]
        matched = subprocess.run(
            command, capture_output=True, text=True, check=False
        ).stdout.strip()
        grep_times = timed(lambda: subprocess.run(command, capture_output=True, check=False), runs)
        print(f"\n{' '.join(command[:4])} FILE ({matched} lines match), {runs} runs:")
        print(f"  min    {min(grep_times):.3f} s  {n_lines / min(grep_times) / 1e6:.2f}M lines/s")
        print(f"  median {statistics.median(grep_times):.3f} s")
        print(
            f"ratio golive/grep: min {min(golive_times) / min(grep_times):.1f}x, "
            f"median {median / statistics.median(grep_times):.1f}x"
        )

        lines = text.splitlines()
        one_by_one = LevelCounter()
        start = time.perf_counter()
        for line in lines:
            one_by_one.feed(line)
        per_line = time.perf_counter() - start
        assert one_by_one.levels() == found and one_by_one.messages == counter.messages
        print(
            f"\nper-line path (LevelCounter.feed on each line, in memory), 1 run: "
            f"{per_line:.3f} s  {n_lines / per_line / 1e6:.2f}M lines/s; counts agree with the bulk path"
        )
        inferred_shapes(tmp, n_lines, runs)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def inferred_shapes(tmp: str, n_lines: int, runs: int) -> None:
    """The same n_lines, split over one file per INFERRED shape: the bulk path after
    each file taught its level field, against the 1 M lines/s floor, and the per-line path."""
    per_file = n_lines // len(INFERRED)
    paths: list[str] = []
    print(f"\ninferred shapes: {len(INFERRED)} files of {per_file:,} lines ({', '.join(INFERRED)})")
    for name in INFERRED:
        text, made = generate_inferred(name, per_file)
        path = os.path.join(tmp, f"{name}.log")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        counted = count_file(path).counter
        assert counted.shape.field is not None, (name, counted.shape)
        for key, value in made.items():
            assert counted.levels()[key] == value, (name, key, counted.levels()[key], value)
        print(f"  {name:<10} {counted.shape.describe()}; counts agree with the generated levels")
        paths.append(path)
    times = timed(lambda: [count_file(path) for path in paths], runs)
    total = per_file * len(paths)
    best, median = total / min(times), total / statistics.median(times)
    print(f"golive bulk path over the {len(paths)} files, {runs} runs:")
    print(f"  min    {min(times):.3f} s  {best / 1e6:.2f}M lines/s")
    print(f"  median {statistics.median(times):.3f} s  {median / 1e6:.2f}M lines/s")
    print(f"  against the floor of 1 M lines/s: {median / 1e6:.2f}x (median)")
    texts = [Path(path).read_text(encoding="utf-8").splitlines() for path in paths]
    start = time.perf_counter()
    for lines in texts:
        counter = LevelCounter()
        for line in lines:
            counter.feed(line)
    per_line = time.perf_counter() - start
    print(
        f"per-line path on the same lines, 1 run: {per_line:.3f} s "
        f"{total / per_line / 1e6:.2f}M lines/s"
    )


if __name__ == "__main__":
    main()
