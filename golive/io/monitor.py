"""Live monitoring of every host: one selector thread for all channels.

Per remote host, over its shared SSH connection: one long-lived channel runs
the sampler loop (golive.core.metrics) and one channel per log source runs
`tail -n0 -F FILE` or `journalctl -f -o json -n0 -u UNIT`. The selector
thread reads them all, parses, classifies, and feeds each host's HostWatch;
it publishes snapshots once per interval and journal events as they happen.
Connecting blocks, so connects run in short-lived threads and hand their
channels back through a queue. A lost host is retried with exponential
back-off and jitter. Local hosts (local = true) use psutil and local files.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import random
import selectors
import shlex
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import psutil

from golive.core.events import Event
from golive.core.hostwatch import HostSnapshot, HostWatch, Metrics, Thresholds
from golive.core.logcount import LevelCounter
from golive.core.loglevels import CONTINUATION
from golive.core.metrics import RawSample, host_metrics, parse_blocks, sampler_command
from golive.core.runbook import Host, Runbook
from golive.io.ssh import SshConnection, SshError, SshPool
from golive.io.ssh_exec import remote_command

BACKOFF_FIRST = 1.0
BACKOFF_MAX = 30.0
READ_CHUNK = 65536
# stderr is drained every this many ticks, not on every read: a channel's window
# (2 MiB) takes far more than a few seconds of complaints.
STDERR_DRAIN_TICKS = 5
GATHER_MAX = 0.05

# A log classifier: fed one line, it answers the level of a new message
# ("error", "warning", ...), "unknown" for a message with no level, or None
# for a line that continues the message before it (a stack trace).
LineClassifier = Callable[[str], str | None]
Classifiers = Callable[[], LineClassifier]
EventSink = Callable[[list[Event]], None]
SnapshotSink = Callable[[tuple[HostSnapshot, ...]], None]


def message_levels() -> LineClassifier:
    """golive's log classifier for one stream: a level name per new message."""
    counter = LevelCounter()

    def feed(line: str) -> str | None:
        kind = counter.feed(line)
        if kind is CONTINUATION:
            return None
        return "unknown" if kind is None else kind.label

    return feed


def _thresholds(runbook: Runbook, host: Host) -> Thresholds:
    """The host's alert thresholds: its own, its group's, or the runbook's."""
    found = runbook.monitor.thresholds_for(host)
    return Thresholds(found.cpu_warn, found.mem_warn, found.errors_warn_per_min)


def log_command(source: str) -> str:
    if source.startswith("journal:"):
        unit = source.removeprefix("journal:")
        return f"journalctl -f -o json -n0 -u {_quote(unit)}"
    return f"tail -n0 -F {_quote(source)} 2>/dev/null"


def _quote(text: str) -> str:
    return shlex.quote(text)


@dataclass
class _Stream:
    """One channel (or local pipe/file) and what to do with its data."""

    host: str
    kind: str  # "sampler" or a log source
    channel: Any
    buffer: str = ""
    classify: LineClassifier | None = None
    prev: RawSample | None = None


@dataclass
class _Link:
    host: Host
    watch: HostWatch
    streams: list[_Stream] = field(default_factory=list)
    attempt: int = 0
    retry_at: float | None = 0.0
    connecting: bool = False
    connection: SshConnection | None = None


class Monitor:
    def __init__(
        self,
        runbook: Runbook,
        pool: SshPool,
        classifiers: Classifiers,
        on_events: EventSink,
        on_snapshots: SnapshotSink | None,
        clock: Callable[[], float] = time.monotonic,
        hosts: list[Host] | None = None,
    ) -> None:
        self.runbook = runbook
        self.pool = pool
        self.interval = runbook.monitor.interval
        self._classifiers = classifiers
        self._on_events = on_events
        self._on_snapshots = on_snapshots
        self._clock = clock
        chosen = hosts if hosts is not None else list(runbook.hosts.values())
        self._links = {
            h.name: _Link(h, HostWatch(h.name, self.interval, _thresholds(runbook, h)))
            for h in chosen
        }
        self._selector = selectors.DefaultSelector()
        self._inbox: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="monitor", daemon=True)
        self._local_files: dict[tuple[str, str], _LocalFile] = {}
        self._local_procs: list[subprocess.Popen[bytes]] = []
        self._sink_failed = False
        self._ticks = 0
        self._outbox: list[Event] = []
        # How long a round waits for more data after some arrived (a few per cent of
        # the interval: an alert is late by at most this much).
        self._gather = min(GATHER_MAX, self.interval / 20)
        self._fault_said = False
        psutil.cpu_percent(interval=None)  # prime: the first call has no window

    # -- lifecycle ------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        os.write(self._wake_w, b"x")
        self._thread.join(timeout=5)
        for link in self._links.values():
            self._close_streams(link)
        for proc in self._local_procs:
            proc.kill()
        for local in self._local_files.values():
            local.close()

    def snapshots(self) -> tuple[HostSnapshot, ...]:
        now = self._clock()
        return tuple(link.watch.snapshot(now) for link in self._links.values())

    # -- the selector thread -------------------------------------------------
    def _run(self) -> None:
        next_tick = self._clock()
        while not self._stop.is_set():
            timeout = max(0.0, next_tick - self._clock())
            ready = self._selector.select(timeout=min(timeout, self.interval))
            for key, _ in ready:
                if key.data is None:
                    os.read(self._wake_r, 4096)
                    continue
                try:
                    self._readable(key.data)
                except Exception as exc:  # a channel that fails in a new way: that host only
                    self._stream_failed(key.data, exc)
            now = self._clock()
            try:
                self._drain_inbox()
                if now >= next_tick:
                    next_tick = now + self.interval
                    self._tick(now)
            except Exception as exc:  # the thread that watches every host must not die
                self._say_once(f"golive: monitor: {type(exc).__name__}: {exc}; watching goes on")
                next_tick = now + self.interval
            self._flush()
            if ready and next_tick - self._clock() > self._gather:
                # Hosts' samples arrive spread over the interval; waiting a moment lets
                # the next few arrive, to be read in one round and delivered as one batch.
                self._stop.wait(self._gather)

    def _stream_failed(self, stream: _Stream, exc: Exception) -> None:
        link = self._links[stream.host]
        if link.host.local:
            self._say_once(f"golive: monitor: {stream.host}: {type(exc).__name__}: {exc}")
            return
        with contextlib.suppress(Exception):
            self._lost(link, f"connection lost ({type(exc).__name__}: {exc})", self._clock())

    def _say_once(self, message: str) -> None:
        if not self._fault_said:
            self._fault_said = True
            with contextlib.suppress(Exception):
                print(message, file=sys.stderr)

    def _tick(self, now: float) -> None:
        events: list[Event] = []
        self._ticks += 1
        if self._ticks % STDERR_DRAIN_TICKS == 0:
            self._drain_stderr()
        for link in self._links.values():
            if link.host.local:
                events += self._sample_local(link, now)
            elif link.retry_at is not None and now >= link.retry_at and not link.connecting:
                events += link.watch.connecting(now, again=link.attempt > 0)
                link.connecting = True
                threading.Thread(
                    target=self._connect,
                    args=(link,),
                    name=f"connect-{link.host.name}",
                    daemon=True,
                ).start()
            events += link.watch.tick(now)
        self._emit(events)
        if self._on_snapshots is not None:  # nobody watching (golive run --console): build nothing
            self._deliver(self._on_snapshots, self.snapshots())

    def _drain_stderr(self) -> None:
        """Throw away what the remote commands wrote to stderr (tail's complaints
        about a missing file, a login shell's noise): not log lines. Unread, it would
        fill the channel's window and stall its stdout too."""
        for link in self._links.values():
            for stream in link.streams:
                with contextlib.suppress(Exception):
                    while stream.channel.recv_stderr_ready():
                        stream.channel.recv_stderr(READ_CHUNK)

    def _emit(self, events: list[Event]) -> None:
        self._outbox += events

    def _flush(self) -> None:
        """Deliver the round's events in one batch, in the order they happened."""
        if self._outbox:
            batch, self._outbox = self._outbox, []
            self._deliver(self._on_events, batch)

    def _deliver(self, sink: Callable[[Any], None], payload: Any) -> None:
        # A sink that fails (a full disk under the journal, a closed screen) must not
        # kill the thread that watches every host; say it once and keep watching.
        try:
            sink(payload)
        except Exception as exc:
            if not self._sink_failed:
                self._sink_failed = True
                print(
                    f"golive: monitor output failed ({type(exc).__name__}: {exc})", file=sys.stderr
                )

    # -- remote hosts --------------------------------------------------------
    def _connect(self, link: _Link) -> None:
        """In its own thread: connect and open the channels, then hand them over."""
        host = link.host
        opened: list[_Stream] = []
        try:
            connection = self.pool.connection(host)
            transport = connection.transport
            commands = [("sampler", sampler_command(self.interval))]
            commands += [(source, remote_command(log_command(source), [])) for source in host.logs]
            for kind, command in commands:
                chan = transport.open_session(timeout=10)
                chan.exec_command(command)
                chan.settimeout(0.0)  # reads never block the selector thread
                # stdin stays open: its end of file is what stops the remote loops.
                opened.append(
                    _Stream(
                        host.name,
                        kind,
                        chan,
                        classify=None if kind == "sampler" else self._classifiers(),
                    )
                )
            link.connection = connection
            self._inbox.put(("connected", (link, opened)))
        except Exception as exc:  # any failure marks the host DOWN; the thread must not die
            for stream in opened:
                stream.channel.close()
            reason = str(exc) if isinstance(exc, SshError) else f"{type(exc).__name__}: {exc}"
            self._inbox.put(("failed", (link, reason)))
        os.write(self._wake_w, b"x")

    def _drain_inbox(self) -> None:
        while True:
            try:
                kind, payload = self._inbox.get_nowait()
            except queue.Empty:
                return
            now = self._clock()
            link = payload[0]
            link.connecting = False
            if kind == "connected":
                link.streams = payload[1]
                link.attempt = 0
                link.retry_at = None
                for stream in link.streams:
                    self._selector.register(stream.channel, selectors.EVENT_READ, stream)
                self._emit(link.watch.connected(now))
            else:
                self._lost(link, payload[1], now)

    def _lost(self, link: _Link, reason: str, now: float) -> None:
        self._close_streams(link)
        link.attempt += 1
        # Exponential back-off with jitter, so fifty hosts do not reconnect in step.
        delay = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (link.attempt - 1)) * random.uniform(0.8, 1.2)
        link.retry_at = now + delay
        self._emit(link.watch.lost(reason, now))

    def _close_streams(self, link: _Link) -> None:
        for stream in link.streams:
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(stream.channel)
            stream.channel.close()
        link.streams = []

    def _readable(self, stream: _Stream) -> None:
        chan = stream.channel
        link = self._links[stream.host]
        if stream not in link.streams and not link.host.local:
            return  # closed with its link earlier in this same batch
        # One non-blocking read takes all that is buffered (a second of samples is
        # far below READ_CHUNK): asking recv_ready first cost a lock per call, and
        # at 200 hosts the selector thread's time went on such calls, not on parsing.
        try:
            data = chan.recv(READ_CHUNK)
        except TimeoutError:
            return  # woken, but the data was taken by the read before
        except (OSError, EOFError, _ssh_exception()):
            data = b""
        if data:
            self._feed(link, stream, data.decode("utf-8", errors="replace"))
        elif chan.closed or chan.eof_received or not chan.get_transport().is_active():
            transport = chan.get_transport()
            reason = (
                "connection lost"
                if transport is None or not transport.is_active()
                else f"{stream.kind} stream ended"
            )
            dead = link.connection.dead_reason if link.connection is not None else ""
            self._lost(link, dead or reason, self._clock())

    def _feed(self, link: _Link, stream: _Stream, text: str) -> None:
        now = self._clock()
        events: list[Event] = []
        if stream.kind == "sampler":
            samples, stream.buffer = parse_blocks(stream.buffer + text)
            for sample in samples:
                figures = host_metrics(stream.prev, sample)
                stream.prev = sample
                if figures.cpu_percent is None and figures.mem_percent is None:
                    continue
                events += link.watch.sample(
                    Metrics(
                        figures.cpu_percent,
                        figures.mem_percent,
                        figures.load1,
                        figures.disk_percent,
                    ),
                    now,
                )
        else:
            events += self._lines(link, stream, text, now)
        self._emit(events)

    def _lines(self, link: _Link, stream: _Stream, text: str, now: float) -> list[Event]:
        assert stream.classify is not None
        *lines, stream.buffer = (stream.buffer + text).split("\n")
        events: list[Event] = []
        for line in lines:
            level = stream.classify(line)
            if level is not None:
                events += link.watch.log_line(level, _readable_line(line), now)
        return events

    # -- local hosts ---------------------------------------------------------
    def _sample_local(self, link: _Link, now: float) -> list[Event]:
        events: list[Event] = []
        if link.watch.state.value == "CONNECTING":
            events += link.watch.connected(now)
            self._open_local_logs(link)
        load1 = os.getloadavg()[0]
        metrics = Metrics(
            psutil.cpu_percent(interval=None),
            psutil.virtual_memory().percent,
            load1,
            psutil.disk_usage("/").percent,
        )
        events += link.watch.sample(metrics, now)
        for source in link.host.logs:
            local = self._local_files.get((link.host.name, source))
            if local is not None:
                text = local.read_new()
                if text:
                    events += self._lines(link, local.stream, text, now)
        return events

    def _open_local_logs(self, link: _Link) -> None:
        for source in link.host.logs:
            stream = _Stream(link.host.name, source, None, classify=self._classifiers())
            if source.startswith("journal:"):
                proc = subprocess.Popen(
                    ["journalctl", "-f", "-o", "json", "-n0", "-u", source.removeprefix("journal:")],
                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                )  # fmt: skip
                self._local_procs.append(proc)
                assert proc.stdout is not None
                os.set_blocking(proc.stdout.fileno(), False)
                stream.channel = _PipeChannel(proc.stdout)
                self._selector.register(stream.channel, selectors.EVENT_READ, stream)
            else:
                self._local_files[(link.host.name, source)] = _LocalFile(source, stream)


def _ssh_exception() -> type[Exception]:
    """paramiko's error class, imported only once a channel has failed (local hosts
    never load paramiko)."""
    from paramiko import SSHException

    return SSHException


def _readable_line(line: str) -> str:
    """journald's JSON lines are shown by their MESSAGE."""
    if line.startswith("{") and '"MESSAGE"' in line:
        try:
            message = json.loads(line).get("MESSAGE")
        except ValueError:
            return line
        if isinstance(message, str):
            return message
    return line


class _PipeChannel:
    """A local pipe dressed as a channel for the selector loop."""

    def __init__(self, pipe: Any) -> None:
        self._pipe = pipe
        self.closed = False
        self.eof_received = False

    def fileno(self) -> int:
        return int(self._pipe.fileno())

    def recv(self, size: int) -> bytes:
        """What the pipe holds; b"" at its end; TimeoutError when it holds nothing yet,
        as a non-blocking paramiko channel answers."""
        chunk = self._pipe.read(size)
        if chunk is None:
            raise TimeoutError
        if chunk == b"":
            self.eof_received = True
        return bytes(chunk)

    def recv_stderr_ready(self) -> bool:
        return False

    def get_transport(self) -> Any:
        return self

    def is_active(self) -> bool:
        return not self.eof_received

    def close(self) -> None:
        self.closed = True
        self._pipe.close()


class _LocalFile:
    """`tail -n0 -F` for a local file: starts at the end, follows rotation and truncation."""

    def __init__(self, path: str, stream: _Stream) -> None:
        self.path = path
        self.stream = stream
        self._handle: BinaryIO | None = None
        self._inode: int | None = None
        self._open(at_end=True)

    def _open(self, at_end: bool) -> None:
        try:
            self._handle = open(self.path, "rb")  # noqa: SIM115 - kept open between reads
        except OSError:
            self._handle, self._inode = None, None
            return
        stat = os.fstat(self._handle.fileno())
        self._inode = stat.st_ino
        if at_end:
            self._handle.seek(0, os.SEEK_END)

    def read_new(self) -> str:
        if self._handle is None:
            self._open(at_end=False)  # the file appeared (after a rotation): read it whole
            if self._handle is None:
                return ""
        data = self._handle.read()
        try:
            stat = os.stat(self.path)
        except OSError:
            return data.decode("utf-8", errors="replace")
        if stat.st_ino != self._inode or stat.st_size < self._handle.tell():
            # Rotated (a new file at the path) or truncated: finish the old, start the new.
            self._handle.close()
            self._open(at_end=False)
            if self._handle is not None:
                data += self._handle.read()
        return data.decode("utf-8", errors="replace")

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
