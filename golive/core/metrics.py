"""Host metrics from raw /proc counters streamed by a tiny remote sh loop.

The remote side only prints counters; every delta and percentage is computed
here, so the loop stays small enough for dash and busybox sh, and the maths is
tested once, locally.
"""

from __future__ import annotations

import math
import shlex
from dataclasses import dataclass
from typing import TypeVar

_T = TypeVar("_T")

START = "@golive"
END = "@end"

# A block that never ends (a torn stream, or noise after a start marker) is
# dropped after this many lines, so the remainder cannot grow without bound.
_MAX_BLOCK_LINES = 32
# Likewise for a partial line that never gets its newline.
_MAX_PARTIAL_LINE = 4096

# How the loop dies, without golive having to send a signal:
#  * stdin EOF: golive keeps the channel's stdin open and closes it to stop the
#    loop (closing the channel, or sshd noticing a dead connection, does the
#    same). A background watcher reads stdin until EOF, then sends TERM to the
#    main shell ($$), whose trap kills the pending sleep and the watcher.
#    The watcher gets a copy of stdin on fd 3, because a non-interactive sh
#    points the stdin of a background list at /dev/null.
#  * stdout gone: the next printf gets SIGPIPE (trapped, same stop) or, when
#    SIGPIPE was ignored on entry and cannot be trapped, a write error (|| stop).
#  * stop also kills the watcher, whose own trap kills its cat: nothing survives.
# sleep runs in the background and is waited for, so a TERM interrupts the wait
# at once instead of after the sleep.
#
# Each line below is a complete piece that may be joined to the next with a
# space: the script is sent as one line, free of single quotes and "!", so
# `sh -c '...'` survives any login shell (bash, zsh, fish, even csh) unchanged.
# Per sample it forks twice (df and sleep); everything else is a builtin read
# from /proc.
_TEMPLATE = """\
exec 3<&0 </dev/null;
stop() { kill $sleep_pid $watch_pid 2>/dev/null; exit 0; };
unwatch() { kill $cat_pid 2>/dev/null; exit 0; };
trap stop TERM PIPE HUP INT;
{ trap unwatch TERM; cat <&3 >/dev/null & cat_pid=$!; wait $cat_pid; kill $$ 2>/dev/null; } &
watch_pid=$!;
exec 3<&-;
n=0;
while :; do
n=$((n + 1));
read up idle </proc/uptime;
read cpu </proc/stat;
mt=; ma=;
while read key value unit; do
case $key in MemTotal:) mt=$value;; MemAvailable:) ma=$value; break;; esac;
done </proc/meminfo;
read load </proc/loadavg;
disk=$(df -P / 2>/dev/null);
printf "@golive %s %s\\n%s\\nmem %s %s\\nload %s\\n%s\\n@end %s\\n"
"$n" "$up" "$cpu" "$mt" "$ma" "$load" "$disk" "$n" 2>/dev/null || stop;
sleep INTERVAL & sleep_pid=$!;
wait $sleep_pid;
done
"""


def sampler_script(interval: float) -> str:
    """The loop as one line of POSIX sh, printing a block every `interval` seconds.

    A block looks like (the df lines are df's own output, header included):

        @golive 7 12345.67          <- sequence number, /proc/uptime seconds
        cpu  4705 150 1120 16250 520 0 30 0 0 0
        mem 16318752 9123456        <- MemTotal, MemAvailable in kB (may be empty)
        load 0.52 0.58 0.59 1/389 12345
        Filesystem 1024-blocks Used Available Capacity Mounted on
        /dev/sda1 102687672 61234567 36194789 63% /
        @end 7
    """
    if not (math.isfinite(interval) and 0.1 <= interval <= 3600):
        raise ValueError(f"sampler interval must be 0.1..3600 seconds, got {interval!r}")
    # Fractional sleep is a GNU/busybox extension; whole seconds stay POSIX.
    text = f"{interval:.3f}".rstrip("0").rstrip(".")
    return " ".join(line.strip() for line in _TEMPLATE.splitlines()).replace("INTERVAL", text)


def sampler_command(interval: float) -> str:
    """The SSH exec command: the script run by sh, whatever the login shell is."""
    return f"sh -c {shlex.quote(sampler_script(interval))}"


@dataclass(frozen=True, slots=True)
class RawSample:
    """One block of raw counters. Missing or unreadable parts are None."""

    seq: int
    uptime: float  # seconds since boot, from /proc/uptime: the sample's clock
    # /proc/stat "cpu" line in ticks: user nice system idle iowait irq softirq
    # steal guest guest_nice (old kernels print fewer columns).
    cpu: tuple[int, ...]
    mem_total_kb: int | None
    mem_available_kb: int | None  # absent before Linux 3.14
    load1: float | None
    load5: float | None
    load15: float | None
    disk_total_kb: int | None
    disk_used_kb: int | None
    disk_available_kb: int | None


@dataclass(frozen=True, slots=True)
class HostMetrics:
    """What the monitor shows for a host, from two consecutive samples."""

    seq: int
    uptime: float
    cpu_percent: float | None  # None for the first sample or a zero-length window
    mem_percent: float | None
    load1: float | None
    disk_percent: float | None


def parse_blocks(buffer: str) -> tuple[list[RawSample], str]:
    """Complete samples in `buffer`, and the text to keep for the next call.

    Feed it the previous remainder plus whatever arrived since. The remainder
    starts at an unfinished block (or a partial line), so any split of the
    stream yields the same samples. Noise outside blocks is dropped; a block
    that is malformed, or cut off by a new start marker, is skipped.
    """
    samples: list[RawSample] = []
    block: list[str] | None = None
    block_at = 0  # where the open block starts in buffer
    pos = 0
    while (newline := buffer.find("\n", pos)) >= 0:
        line = buffer[pos:newline].strip()
        line_at, pos = pos, newline + 1
        if line.startswith(START + " "):
            block, block_at = [line], line_at
        elif block is None:
            continue
        elif line.startswith(END + " "):
            block.append(line)
            sample = _parse_block(block)
            if sample is not None:
                samples.append(sample)
            block = None
        elif len(block) >= _MAX_BLOCK_LINES:
            block = None
        else:
            block.append(line)
    if block is not None:
        return samples, buffer[block_at:]
    rest = buffer[pos:]
    return samples, rest if len(rest) <= _MAX_PARTIAL_LINE else ""


def _parse_block(lines: list[str]) -> RawSample | None:
    try:
        _, seq_text, uptime_text = lines[0].split()
        seq, uptime = int(seq_text), float(uptime_text)
    except ValueError:
        return None
    if lines[-1].split() != [END, seq_text]:
        return None  # the end of some other block
    cpu: tuple[int, ...] = ()
    mem: list[int] = []
    load: list[float] = []
    disk: list[int] = []
    for line in lines[1:-1]:
        key, _, rest = line.partition(" ")
        fields = rest.split()
        try:
            if key == "cpu":
                cpu = tuple(int(f) for f in fields)
            elif key == "mem":
                mem = [int(f) for f in fields[:2]]
            elif key == "load":
                load = [float(f) for f in fields[:3]]
            elif fields[-1:] == ["/"] and len(fields) >= 5:
                # df -P data line, read from the right: a device name may hold spaces.
                disk = [int(f) for f in fields[-5:-2]]
        except ValueError:
            if key == "cpu":
                return None  # the one part a sample cannot do without
    if len(cpu) < 4:
        return None
    return RawSample(
        seq=seq,
        uptime=uptime,
        cpu=cpu,
        mem_total_kb=_at(mem, 0),
        mem_available_kb=_at(mem, 1),
        load1=_at(load, 0),
        load5=_at(load, 1),
        load15=_at(load, 2),
        disk_total_kb=_at(disk, 0),
        disk_used_kb=_at(disk, 1),
        disk_available_kb=_at(disk, 2),
    )


def _at(values: list[_T], index: int) -> _T | None:
    return values[index] if index < len(values) else None


# Columns of the /proc/stat cpu line that the maths needs (0 user, 1 nice, 2 system).
_IDLE, _IOWAIT, _GUEST, _GUEST_NICE = 3, 4, 8, 9


def cpu_percent(prev: RawSample, cur: RawSample) -> float | None:
    """Busy CPU share between two samples, computed as psutil and htop do.

    guest and guest_nice are already counted in user and nice, so they come off
    the total; iowait counts as idle. Counters that went backwards count as 0.
    """
    n = min(len(prev.cpu), len(cur.cpu), 10)
    delta = [max(0, cur.cpu[i] - prev.cpu[i]) for i in range(n)] + [0] * (10 - n)
    total = sum(delta) - delta[_GUEST] - delta[_GUEST_NICE]
    if total <= 0:
        return None
    busy = total - delta[_IDLE] - delta[_IOWAIT]
    return min(100.0, max(0.0, busy / total * 100))


def mem_percent(sample: RawSample) -> float | None:
    """(MemTotal - MemAvailable) / MemTotal, as psutil and free report it."""
    total, available = sample.mem_total_kb, sample.mem_available_kb
    if total is None or available is None or total <= 0:
        return None
    return min(100.0, max(0.0, (total - available) / total * 100))


def disk_percent(sample: RawSample) -> float | None:
    """Used / (used + available), as df and psutil report it: root's reserve is not free."""
    used, available = sample.disk_used_kb, sample.disk_available_kb
    if used is None or available is None or used + available <= 0:
        return None
    return used / (used + available) * 100


def host_metrics(prev: RawSample | None, cur: RawSample) -> HostMetrics:
    return HostMetrics(
        seq=cur.seq,
        uptime=cur.uptime,
        cpu_percent=None if prev is None else cpu_percent(prev, cur),
        mem_percent=mem_percent(cur),
        load1=cur.load1,
        disk_percent=disk_percent(cur),
    )
