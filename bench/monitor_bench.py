"""What golive's live monitor costs on 50 real SSH hosts, next to a naive poller.

Starts a farm of real OpenSSH sshd processes on loopback (tests/sshd.py: 16
addresses per sshd), writes a runbook with those hosts and a 1 s monitor
interval, and measures, in one run and over the same SSH connections:

  (a) golive: golive.io.monitor.Monitor, exactly as `golive monitor` builds it
      (an SshPool with the farm's known_hosts, message_levels), for a steady
      window after every host is LIVE: samples per host per second (parsed
      samples, counted per host, and "sample" events), golive's CPU time as a
      percentage of ONE core, RSS, and how long it took to get every host LIVE.
  (b) idle: the same open connections with nothing running on them, so the cost
      of merely holding them open (paramiko's transport threads) is visible.
  (c) naive, sequential: one loop that, every second, opens a NEW exec channel
      per host in turn (on golive's pooled connection) running
      `cat /proc/stat /proc/meminfo /proc/loadavg; df -P /`, reads it to the end
      and parses it; a round that overruns starts the next one at once.
  (d) naive, pooled: the same, with the hosts of a round spread over a small
      thread pool.
  (e) the streaming limit: golive's own sampler command on one channel per host,
      every byte read by one selector thread and dropped: no parsing, no HostWatch,
      no events. What streaming itself costs (paramiko's transport threads among it);
      golive's CPU is printed as a ratio to it.

  (f) a peer: the streaming limit on asyncssh (pip install asyncssh, or
      '.[bench]'): every connection on one asyncio event loop in one thread instead
      of paramiko's reader thread per connection, the same sampler, bytes dropped;
      paramiko's connections are closed first. Skipped when asyncssh is missing.

(a) and (e) alternate in --rounds rounds (default 3) that split their 30 s, so
that drifting load on a shared machine shifts both alike; their figures are
means over the rounds.

CPU is this process's own time (time.process_time: every thread, user+system),
never the sshd processes'; it is also split by kind of thread (golive's monitor
loop, paramiko's reader threads, and the rest: threads that came and went, such
as heartbeats and connects). The whole machine's busy share is printed beside it
for context (it includes sshd, the remote sampler loops and the naive commands).
It only prints figures; nothing is asserted about time.

    python bench/monitor_bench.py              # 50 hosts, 30 s windows
    python bench/monitor_bench.py --hosts 200  # 200 hosts (16 addresses per sshd)
    python bench/monitor_bench.py --quick      # 10 hosts, 5 s windows
"""

from __future__ import annotations

import argparse
import contextlib
import os
import selectors
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.ssh_farm import QUIET_BASHRC, farm_config  # noqa: E402
from bench.ssh_farm import write_runbook as write_farm_runbook  # noqa: E402
from golive.core.events import Event  # noqa: E402
from golive.core.hostwatch import HostSnapshot, HostWatch  # noqa: E402
from golive.core.metrics import sampler_command  # noqa: E402
from golive.core.runbook import Host, Runbook  # noqa: E402
from golive.io.monitor import READ_CHUNK, Monitor, message_levels  # noqa: E402
from golive.io.ssh import CONCURRENT_CONNECTS, CONNECT_STAGGER, SshConnection, SshPool  # noqa: E402
from tests.sshd import SshFarm, loopback_addresses  # noqa: E402

FIRST_ADDRESS = 8 * 256 + 1  # 127.0.8.1 upward: clear of the test fixtures' 127.0.0.x
NAIVE_COMMAND = "cat /proc/stat /proc/meminfo /proc/loadavg; df -P /"
NAIVE_THREADS = 8
SETTLE = 3.0  # after all hosts are LIVE, before the steady window opens
LIVE_TIMEOUT = 60.0


# -- the farm and its runbook ---------------------------------------------------------


def write_runbook(path: Path, farm: SshFarm, interval: str) -> Runbook:
    tail = [
        "[monitor]",
        f'interval = "{interval}"',
        "",
        "[[steps]]",
        'id = "noop"',
        'on = "app"',
        'run = "true"',
    ]
    return write_farm_runbook(path, farm, "monitor-bench", tail)


# -- measuring a window -------------------------------------------------------------


@dataclass
class Window:
    wall: float
    cpu: float  # this process, user + system, all threads
    machine_busy: float  # the whole machine, share of all cores
    by_thread: dict[str, float]  # CPU seconds per kind of thread (see thread_kinds)

    @property
    def cpu_percent(self) -> float:
        return self.cpu / self.wall * 100

    def thread_percent(self, kind: str) -> float:
        return self.by_thread.get(kind, 0.0) / self.wall * 100


def thread_cpu() -> dict[int, float]:
    """CPU seconds so far of each of this process's threads, by native id.

    From the scheduler's own runtime (/proc/self/task/TID/schedstat, in ns), not the
    tick-sampled utime/stime: a thread that runs 100 us at a time is rarely on the
    CPU when a tick lands, so those charge it at random."""
    out: dict[int, float] = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/schedstat") as f:
                out[int(tid)] = int(f.read().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            continue  # the thread ended while we looked
    return out


def thread_kinds() -> dict[int, str]:
    """The long-lived threads by kind: golive's monitor loop, paramiko's reader
    threads (one per connection), the bench's own reader, and the rest."""
    kinds = {}
    for thread in threading.enumerate():
        if thread.native_id is None:
            continue
        if type(thread).__name__ == "Transport":
            kinds[thread.native_id] = "paramiko transports"
        elif thread.name in ("monitor", "streaming-reader", "asyncssh-loop"):
            kinds[thread.native_id] = thread.name
        else:
            kinds[thread.native_id] = "other long-lived"
    return kinds


@contextmanager
def measured() -> Iterator[list[Window]]:
    """Wall time, this process's CPU time (in all and per kind of thread) and the
    machine's busy share of the block."""
    out: list[Window] = []
    machine = psutil.cpu_times()
    threads_before = thread_cpu()
    cpu = time.process_time()
    wall = time.perf_counter()
    yield out
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    threads_after, kinds = thread_cpu(), thread_kinds()
    after = psutil.cpu_times()
    total = sum(after) - sum(machine)
    idle = (after.idle + getattr(after, "iowait", 0.0)) - (
        machine.idle + getattr(machine, "iowait", 0.0)
    )
    by_thread: dict[str, float] = {}
    for tid, seconds in threads_after.items():
        if tid in threads_before:
            kind = kinds.get(tid, "other long-lived")
            by_thread[kind] = by_thread.get(kind, 0.0) + seconds - threads_before[tid]
    # The rest: threads that started or ended inside the window (heartbeats, connects),
    # and the per-thread clock's coarser ticks.
    by_thread["rest"] = max(0.0, cpu - sum(by_thread.values()))
    out.append(Window(wall, cpu, (total - idle) / total * 100 if total > 0 else 0.0, by_thread))


def rss_mib() -> float:
    return float(psutil.Process().memory_info().rss) / 1048576


# -- (a) golive's monitor -------------------------------------------------------------


class Samples:
    """Counts what the monitor produced, per host. Parsed samples are counted by
    wrapping HostWatch.sample (called once per parsed sample that has figures);
    "sample" events are what the monitor journals (at most one per interval)."""

    def __init__(self) -> None:
        self.parsed: Counter[str] = Counter()
        self.events: Counter[str] = Counter()
        self.live_at: dict[str, float] = {}
        self.first_sample_at: dict[str, float] = {}
        self.states: dict[str, str] = {}
        self._original = HostWatch.sample

    def __enter__(self) -> Samples:
        original, parsed = self._original, self.parsed

        def counting(watch: HostWatch, *args: object, **kwargs: object) -> list[Event]:
            parsed[watch.host] += 1
            return original(watch, *args, **kwargs)  # type: ignore[arg-type]

        HostWatch.sample = counting  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc_info: object) -> None:
        HostWatch.sample = self._original  # type: ignore[method-assign]

    def on_events(self, batch: list[Event]) -> None:
        now = time.perf_counter()
        for e in batch:
            if e["type"] == "sample":
                self.events[e["host"]] += 1
                self.first_sample_at.setdefault(e["host"], now)
            elif e["type"] == "host_state":
                self.states[e["host"]] = e["state"]
                if e["state"] == "LIVE":
                    self.live_at.setdefault(e["host"], now)

    def on_snapshots(self, snapshots: tuple[HostSnapshot, ...]) -> None:
        pass


def threads_of(window: Window) -> dict[str, float]:
    return {f"thread {kind}": window.thread_percent(kind) for kind in window.by_thread}


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def bench_golive(runbook: Runbook, pool: SshPool, seconds: float) -> dict[str, float]:
    n = len(runbook.hosts)
    with Samples() as samples:
        monitor = Monitor(runbook, pool, message_levels, samples.on_events, samples.on_snapshots)
        started = time.perf_counter()
        cpu_started = time.process_time()
        monitor.start()
        try:
            if not wait_for(lambda: len(samples.live_at) == n, LIVE_TIMEOUT):
                down = sorted(set(runbook.hosts) - set(samples.live_at))
                raise SystemExit(f"not LIVE after {LIVE_TIMEOUT:g}s: {down} {samples.states}")
            all_live = max(samples.live_at.values()) - started
            connect_cpu = time.process_time() - cpu_started
            wait_for(lambda: len(samples.first_sample_at) == n, 10)
            first_samples = max(samples.first_sample_at.values(), default=started) - started
            time.sleep(SETTLE)
            parsed_before, events_before = Counter(samples.parsed), Counter(samples.events)
            with measured() as window:
                time.sleep(seconds)
            parsed = samples.parsed - parsed_before
            events = samples.events - events_before
            rss = rss_mib()
            threads = threading.active_count()
            states = Counter(samples.states.values())
        finally:
            monitor.stop()
    w = window[0]
    per_host = [parsed[h] / w.wall for h in runbook.hosts]
    return {
        "all_live": all_live,
        "first_samples": first_samples,
        "connect_cpu": connect_cpu,
        "wall": w.wall,
        "cpu_percent": w.cpu_percent,
        "machine_busy": w.machine_busy,
        "rate": statistics.fmean(per_host),
        "rate_min": min(per_host),
        **{f"host {h}": parsed[h] / w.wall for h in runbook.hosts},
        "event_rate": sum(events.values()) / n / w.wall,
        "rss": rss,
        "threads": threads,
        "live": states.get("LIVE", 0),
        **threads_of(w),
    }


# -- (c), (d) the naive poller --------------------------------------------------------


def read_all(connection: SshConnection, command: str) -> str:
    with connection.channel() as chan:
        chan.exec_command(command)
        chunks = []
        while chunk := chan.recv(65536):
            chunks.append(chunk)
        chan.recv_exit_status()
    return b"".join(chunks).decode("utf-8", errors="replace")


def parse_naive(text: str) -> tuple[tuple[int, ...], int, int, float, int] | None:
    """cpu ticks, MemTotal, MemAvailable, load1, disk use% — what a naive poller keeps."""
    cpu: tuple[int, ...] = ()
    total = available = used = 0
    load1 = -1.0
    for line in text.splitlines():
        fields = line.split()
        if not fields:
            continue
        if fields[0] == "cpu":
            cpu = tuple(int(f) for f in fields[1:])
        elif fields[0] == "MemTotal:":
            total = int(fields[1])
        elif fields[0] == "MemAvailable:":
            available = int(fields[1])
        elif len(fields) == 5 and "/" in fields[3]:
            load1 = float(fields[0])
        elif fields[-1] == "/" and fields[-2].endswith("%"):
            used = int(fields[-2].rstrip("%"))
    if not cpu or not total or load1 < 0:
        return None
    return cpu, total, available, load1, used


class Naive:
    def __init__(self, connections: dict[str, SshConnection], threads: int) -> None:
        self.connections = connections
        self.threads = threads
        self.samples: Counter[str] = Counter()
        self.previous: dict[str, tuple[int, ...]] = {}
        self.cpu_percent: dict[str, float] = {}
        self.round_seconds: list[float] = []
        self.errors = 0
        self._lock = threading.Lock()

    def poll(self, name: str) -> None:
        try:
            parsed = parse_naive(read_all(self.connections[name], NAIVE_COMMAND))
        except Exception:
            parsed = None
        with self._lock:
            if parsed is None:
                self.errors += 1
                return
            cpu = parsed[0]
            prev = self.previous.get(name)
            if prev is not None:
                delta = [c - p for c, p in zip(cpu, prev, strict=False)]
                total = sum(delta[:8])
                if total > 0:
                    self.cpu_percent[name] = (total - delta[3] - delta[4]) / total * 100
            self.previous[name] = cpu
            self.samples[name] += 1

    def run(self, seconds: float) -> None:
        names = list(self.connections)
        pool = ThreadPoolExecutor(self.threads) if self.threads > 1 else None
        try:
            start = time.perf_counter()
            next_round = start
            while True:
                now = time.perf_counter()
                if now - start >= seconds:
                    return
                if now < next_round:
                    time.sleep(min(next_round, start + seconds) - now)
                    continue
                began = time.perf_counter()
                if pool is None:
                    for name in names:
                        self.poll(name)
                else:
                    list(pool.map(self.poll, names))
                self.round_seconds.append(time.perf_counter() - began)
                next_round = max(next_round + 1.0, time.perf_counter())
        finally:
            if pool is not None:
                pool.shutdown()


def bench_naive(runbook: Runbook, pool: SshPool, threads: int, seconds: float) -> dict[str, float]:
    hosts: list[Host] = list(runbook.hosts.values())
    connections = {h.name: pool.connection(h) for h in hosts}
    naive = Naive(connections, threads)
    naive.poll(hosts[0].name)  # warm the code path; its sample is dropped below
    naive.samples.clear()
    with measured() as window:
        naive.run(seconds)
    w = window[0]
    rounds = naive.round_seconds
    per_host = [naive.samples[h.name] / w.wall for h in hosts]
    return {
        "wall": w.wall,
        "cpu_percent": w.cpu_percent,
        "machine_busy": w.machine_busy,
        "rounds": len(rounds),
        "rounds_per_s": len(rounds) / w.wall,
        "round_mean": statistics.fmean(rounds) if rounds else float("nan"),
        "round_max": max(rounds, default=float("nan")),
        "rate": statistics.fmean(per_host),
        "rate_min": min(per_host),
        "errors": naive.errors,
        "rss": rss_mib(),
    }


def bench_streaming(runbook: Runbook, pool: SshPool, seconds: float) -> dict[str, float]:
    """(e): the sampler on every connection, its bytes read and dropped."""
    command = sampler_command(runbook.monitor.interval)
    selector = selectors.DefaultSelector()
    channels = []
    for host in runbook.hosts.values():
        channel = pool.connection(host).transport.open_session(timeout=10)
        channel.exec_command(command)
        channel.setblocking(False)
        selector.register(channel, selectors.EVENT_READ)
        channels.append(channel)
    received = [0]
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            for key, _ in selector.select(0.5):
                chan = key.fileobj
                with contextlib.suppress(OSError):
                    received[0] += len(chan.recv(65536))  # type: ignore[union-attr]

    reader = threading.Thread(target=read, name="streaming-reader", daemon=True)
    reader.start()
    time.sleep(SETTLE)
    before = received[0]
    with measured() as window:
        time.sleep(seconds)
    got = received[0] - before
    stop.set()
    reader.join()
    for channel in channels:
        channel.close()
    w = window[0]
    return {
        "wall": w.wall,
        "cpu_percent": w.cpu_percent,
        "bytes_per_s": got / w.wall,
        **threads_of(w),
    }


def bench_asyncssh(runbook: Runbook, seconds: float) -> dict[str, float] | None:
    """(f): the streaming limit on asyncssh instead of paramiko: every connection on one
    asyncio event loop in one thread (no reader thread per connection), the same
    sampler, every byte read and dropped. None when asyncssh is not installed."""
    try:
        import asyncssh
    except ImportError:
        return None
    import asyncio

    command = sampler_command(runbook.monitor.interval)
    hosts = list(runbook.hosts.values())
    known_hosts = str(runbook.known_hosts_path)
    received = [0]
    started = threading.Event()
    failed: list[BaseException] = []
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def drain(process: Any) -> None:
        while chunk := await process.stdout.read(READ_CHUNK):
            received[0] += len(chunk)

    async def streams() -> None:
        gate = asyncio.Semaphore(CONCURRENT_CONNECTS)  # as SshPool connects

        async def connect(host: Host) -> Any:
            async with gate:
                return await asyncssh.connect(
                    host.address, port=host.port, username=host.user,
                    client_keys=[host.identity_file], known_hosts=known_hosts,
                )  # fmt: skip

        connections = await asyncio.gather(*(connect(host) for host in hosts))
        processes = [await c.create_process(command, encoding=None) for c in connections]
        readers = [asyncio.create_task(drain(p)) for p in processes]
        started.set()
        await stop.wait()
        for process in processes:
            process.stdin.write_eof()  # as golive stops its samplers
        for connection in connections:
            connection.close()
        await asyncio.gather(*readers, return_exceptions=True)
        for connection in connections:
            await connection.wait_closed()

    def run() -> None:
        try:
            loop.run_until_complete(streams())
        except BaseException as exc:  # reported by the caller, not as a thread traceback
            failed.append(exc)
            started.set()

    thread = threading.Thread(target=run, name="asyncssh-loop", daemon=True)
    thread.start()
    started.wait(LIVE_TIMEOUT)
    if failed:
        raise SystemExit(f"asyncssh: {type(failed[0]).__name__}: {failed[0]}")
    time.sleep(SETTLE)
    before = received[0]
    with measured() as window:
        time.sleep(seconds)
    got = received[0] - before
    loop.call_soon_threadsafe(stop.set)
    thread.join(timeout=30)
    w = window[0]
    return {
        "wall": w.wall,
        "cpu_percent": w.cpu_percent,
        "bytes_per_s": got / w.wall,
        **threads_of(w),
    }


def bench_idle(pool: SshPool, seconds: float) -> Window:
    with measured() as window:
        time.sleep(seconds)
    return window[0]


# -- the report -----------------------------------------------------------------------


FIRST_ROUND_ONLY = ("all_live", "first_samples", "connect_cpu")


def mean_of(results: list[dict[str, float]], skip: tuple[str, ...] = ()) -> dict[str, float]:
    """Each figure's mean over the rounds (the windows are equal; a thread kind
    missing in a round counts 0)."""
    keys = {key for result in results for key in result} - set(skip)
    out = {key: statistics.fmean(r.get(key, 0.0) for r in results) for key in sorted(keys)}
    per_host = [value for key, value in out.items() if key.startswith("host ")]
    if per_host:  # the slowest host over all the rounds, not the slowest round's
        out["rate_min"] = min(per_host)
    return out


def cpu_list(results: list[dict[str, float]]) -> str:
    return ", ".join(f"{r['cpu_percent']:.2f}" for r in results)


def print_threads(result: dict[str, float]) -> None:
    parts = sorted(
        (
            (key.removeprefix("thread "), value)
            for key, value in result.items()
            if key.startswith("thread ")
        ),
        key=lambda kv: -kv[1],
    )
    print("  by thread            " + ", ".join(f"{kind} {value:.2f} %" for kind, value in parts))


def report_naive(label: str, r: dict[str, float], n: int) -> None:
    print(f"\n{label}:")
    print(
        f"  rounds               {int(r['rounds'])} in {r['wall']:.1f} s = "
        f"{r['rounds_per_s']:.2f} rounds/s (goal 1.00)"
    )
    print(
        f"  seconds per round    mean {r['round_mean']:.3f} s, max {r['round_max']:.3f} s "
        f"({r['round_mean'] / n * 1000:.1f} ms per host)"
    )
    print(
        f"  keeps 1 Hz?          {'yes' if r['round_max'] < 1.0 and r['rate'] >= 0.95 else 'no'}"
        f" ({r['rate']:.3f} samples/host/s, slowest host {r['rate_min']:.3f}; "
        f"{int(r['errors'])} failed polls)"
    )
    print(f"  CPU of one core      {r['cpu_percent']:.1f} %")
    print(f"  machine busy         {r['machine_busy']:.1f} % of all cores (context)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument("--hosts", type=int, default=50, help="how many hosts (default 50)")
    parser.add_argument(
        "--with-bashrc",
        action="store_true",
        help="let bash source ~/.bashrc for every SSH command, as this box's sshd would",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="(a) and (e) alternate this many times, splitting their windows (default 3)",
    )
    args = parser.parse_args()
    n_hosts, seconds, idle_seconds = (10, 5.0, 3.0) if args.quick else (args.hosts, 30.0, 10.0)
    rounds = max(1, args.rounds)

    tmp = Path(tempfile.mkdtemp(prefix="golive-monitor-bench-"))
    farm: SshFarm | None = None
    pool: SshPool | None = None
    try:
        started = time.perf_counter()
        farm = SshFarm(
            tmp / "farm",
            loopback_addresses(FIRST_ADDRESS, n_hosts),
            extra_config=farm_config(args.with_bashrc),
        )
        print(
            f"farm: {n_hosts} hosts on {len(farm.servers)} sshd processes "
            f"({farm.hosts[0][0]} .. {farm.hosts[-1][0]}), started in "
            f"{time.perf_counter() - started:.1f} s"
        )
        print(
            "farm: ~/.bashrc sourced by every SSH command (--with-bashrc)"
            if args.with_bashrc
            else f"farm: sshd '{QUIET_BASHRC}', so bash skips ~/.bashrc for SSH commands "
            "(--with-bashrc to keep it)"
        )
        runbook = write_runbook(tmp / "monitor-bench.toml", farm, "1s")
        print(
            f"machine: {psutil.cpu_count()} cores; python {sys.version.split()[0]}; "
            f"monitor interval {runbook.monitor.interval:g} s; window {seconds:g} s"
        )
        rss_before = rss_mib()
        pool = SshPool(known_hosts=runbook.known_hosts_path)

        # golive and the streaming limit alternate, so that a machine whose load drifts
        # (other tenants, the sshds' own loops) shifts both alike; each figure is the
        # mean over the rounds, and the first round's are the connect figures.
        golive_rounds: list[dict[str, float]] = []
        streaming_rounds: list[dict[str, float]] = []
        for _ in range(rounds):
            golive_rounds.append(bench_golive(runbook, pool, seconds / rounds))
            streaming_rounds.append(bench_streaming(runbook, pool, seconds / rounds))
        g = {**golive_rounds[0], **mean_of(golive_rounds, skip=FIRST_ROUND_ONLY)}
        streaming = mean_of(streaming_rounds)
        print(
            "\n(a) golive Monitor (one long-lived sampler channel per host, one selector thread):"
        )
        print(
            f"  all {n_hosts} hosts LIVE      {g['all_live']:.2f} s after start (SshPool connects "
            f"{CONCURRENT_CONNECTS} at a time, {CONNECT_STAGGER * 1000:.0f} ms apart: floor "
            f"{(n_hosts - 1) * CONNECT_STAGGER:.2f} s)"
        )
        print(f"  first sample of all  {g['first_samples']:.2f} s after start")
        print(f"  CPU while connecting {g['connect_cpu']:.2f} s (until all LIVE)")
        print(
            f"  samples/host/s       {g['rate']:.3f} parsed (slowest host {g['rate_min']:.3f}; "
            f"goal >= 0.95), {g['event_rate']:.3f} 'sample' events"
        )
        print(
            f"  CPU of one core      {g['cpu_percent']:.2f} % (mean of {rounds} windows of "
            f"{g['wall']:.1f} s: {cpu_list(golive_rounds)})"
        )
        print_threads(g)
        print(f"  machine busy         {g['machine_busy']:.1f} % of all cores (context)")
        print(
            f"  RSS                  {g['rss']:.1f} MiB (before the pool: {rss_before:.1f} MiB); "
            f"{int(g['threads'])} threads"
        )

        idle = bench_idle(pool, idle_seconds)
        print(
            f"\n(b) the same {n_hosts} connections open and idle, nothing running: "
            f"CPU of one core {idle.cpu_percent:.2f} % over {idle.wall:.1f} s"
        )

        seq = bench_naive(runbook, pool, 1, seconds)
        report_naive(
            f"(c) naive, sequential: one loop, a NEW exec channel per host per second ({NAIVE_COMMAND})",
            seq,
            n_hosts,
        )
        pooled = bench_naive(runbook, pool, NAIVE_THREADS, seconds)
        report_naive(
            f"(d) naive, {NAIVE_THREADS} threads: the same, each round's hosts spread over a thread pool",
            pooled,
            n_hosts,
        )

        limit = streaming["cpu_percent"]
        print(
            f"\n(e) the streaming limit: the same sampler on every connection, bytes read and "
            f"dropped: CPU of one core {limit:.2f} % ({streaming['bytes_per_s'] / 1024:.0f} KiB/s; "
            f"windows {cpu_list(streaming_rounds)}, "
            "each right after golive's)"
        )
        print_threads(streaming)
        print(
            f"  golive / streaming limit: {g['cpu_percent'] / limit:.2f}x "
            f"({g['cpu_percent']:.2f} % against {limit:.2f} %); goal <= "
            f"{3.5 if n_hosts <= 50 else 10:g} % of a core at {n_hosts} hosts"
        )

        print("\nside by side (same hosts, same connections):")
        print(f"  {'':22}{'samples/host/s':>16}{'CPU % of 1 core':>18}{'CPU vs golive':>15}")
        print(f"  {'golive Monitor':22}{g['rate']:>16.3f}{g['cpu_percent']:>18.2f}{'1.0x':>15}")
        for label, r in (("naive sequential", seq), (f"naive {NAIVE_THREADS} threads", pooled)):
            ratio = r["cpu_percent"] / g["cpu_percent"] if g["cpu_percent"] > 0 else float("inf")
            print(f"  {label:22}{r['rate']:>16.3f}{r['cpu_percent']:>18.2f}{ratio:>14.1f}x")
        print(f"  {'idle connections':22}{'-':>16}{idle.cpu_percent:>18.2f}")

        # paramiko's connections are closed first: their reader threads would be counted.
        pool.close()
        pool = None
        peer = bench_asyncssh(runbook, seconds)
        if peer is None:
            print("\n(f) asyncssh: not installed (pip install asyncssh), skipped")
        else:
            print(
                f"\n(f) the streaming limit on asyncssh (one event loop for all {n_hosts} "
                f"connections, paramiko's closed): CPU of one core {peer['cpu_percent']:.2f} % "
                f"({peer['bytes_per_s'] / 1024:.0f} KiB/s over {peer['wall']:.1f} s)"
            )
            print_threads(peer)
            print(
                f"  asyncssh / paramiko streaming limit: {peer['cpu_percent'] / limit:.2f}x "
                f"({peer['cpu_percent']:.2f} % against {limit:.2f} %); golive on paramiko: "
                f"{g['cpu_percent']:.2f} %"
            )
    finally:
        if pool is not None:
            pool.close()
        if farm is not None:
            farm.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
