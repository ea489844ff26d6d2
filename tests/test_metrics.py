"""The remote sampler loop, its stream parser and the maths, all checked locally.

The live tests run the very script golive sends over SSH, under dash, against
this machine's /proc, and compare with psutil.
"""

from __future__ import annotations

import itertools
import os
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from unittest import mock

import psutil
import pytest
from hypothesis import given
from hypothesis import strategies as st

from golive.core.metrics import (
    RawSample,
    cpu_percent,
    disk_percent,
    host_metrics,
    mem_percent,
    parse_blocks,
    sampler_command,
    sampler_script,
)

pytestmark = pytest.mark.slow  # real servers, terminals or processes: not in the fast lane

BLOCK_1 = """\
@golive 1 5021.37
cpu  4705 150 1120 16250 520 0 30 0 0 0
mem 16318752 9123456
load 0.52 0.58 0.59 1/389 12345
Filesystem     1024-blocks     Used Available Capacity Mounted on
/dev/sda1        102687672 61234567  36194789      63% /
@end 1
"""
# Two seconds later on a 4-CPU box: 800 ticks, of which 300 busy.
BLOCK_2 = """\
@golive 2 5023.37
cpu  4905 150 1200 16700 570 0 50 0 0 0
mem 16318752 8123456
load 0.61 0.60 0.59 2/390 12350
Filesystem     1024-blocks     Used Available Capacity Mounted on
/dev/sda1        102687672 61234999  36194357      63% /
@end 2
"""
# A device name with a space, and a kernel where guest time ran.
BLOCK_3 = """\
@golive 3 5025.37
cpu  5305 150 1200 16700 570 0 50 0 300 0
mem 16318752 8123456
load 0.70 0.62 0.60 3/391 12351
Filesystem     1024-blocks     Used Available Capacity Mounted on
/dev/my disk     102687672 61234999  36194357      63% /
@end 3
"""
STREAM = "sh: warning: noise before the loop starts\n" + BLOCK_1 + BLOCK_2 + "\n" + BLOCK_3

SAMPLE_1 = RawSample(
    seq=1,
    uptime=5021.37,
    cpu=(4705, 150, 1120, 16250, 520, 0, 30, 0, 0, 0),
    mem_total_kb=16318752,
    mem_available_kb=9123456,
    load1=0.52,
    load5=0.58,
    load15=0.59,
    disk_total_kb=102687672,
    disk_used_kb=61234567,
    disk_available_kb=36194789,
)


def test_a_block_parses_to_its_counters() -> None:
    assert parse_blocks(BLOCK_1) == ([SAMPLE_1], "")


def test_a_split_anywhere_yields_the_same_samples() -> None:
    whole, rest = parse_blocks(STREAM)
    assert [s.seq for s in whole] == [1, 2, 3] and rest == ""
    assert whole[2].disk_used_kb == 61234999  # the device name with a space
    for cut in range(len(STREAM) + 1):
        first, rest = parse_blocks(STREAM[:cut])
        second, rest = parse_blocks(rest + STREAM[cut:])
        assert first + second == whole, f"cut at {cut}"
        assert rest == ""


def test_a_char_at_a_time_yields_the_same_samples() -> None:
    samples: list[RawSample] = []
    rest = ""
    for char in STREAM:
        got, rest = parse_blocks(rest + char)
        samples += got
    assert samples == parse_blocks(STREAM)[0]


def test_a_partial_block_is_kept_whole_for_the_next_call() -> None:
    samples, rest = parse_blocks(BLOCK_1 + BLOCK_2[:40])
    assert samples == [SAMPLE_1] and rest == BLOCK_2[:40]


def test_malformed_blocks_are_skipped_and_noise_is_ignored() -> None:
    torn = BLOCK_2.split("mem")[0]  # cut off by the next start marker
    bad_cpu = BLOCK_2.replace("cpu  4905", "cpu  49x5")
    wrong_end = BLOCK_2.replace("@end 2", "@end 9")
    bad_start = BLOCK_2.replace("@golive 2 5023.37", "@golive two 5023.37")
    noisy = BLOCK_1.replace("mem ", "\n\n   \n@@@ garbage \x00\ufffd\ncpux 1 2\nmem ")
    text = "junk\n@end 1\n" + torn + bad_cpu + wrong_end + bad_start + noisy + "trailing junk\n"
    assert parse_blocks(text) == ([SAMPLE_1], "")


def test_unreadable_parts_become_none_but_cpu_is_required() -> None:
    block = BLOCK_1.replace("load 0.52 0.58 0.59 1/389 12345", "load 0.52").replace(
        " 61234567 ", " ? "
    )
    (sample,), _ = parse_blocks(block)
    assert (sample.load1, sample.load5, sample.disk_used_kb) == (0.52, None, None)
    assert disk_percent(sample) is None
    no_cpu = "\n".join(line for line in BLOCK_1.splitlines() if not line.startswith("cpu"))
    assert parse_blocks(no_cpu + "\n") == ([], "")


def test_a_block_that_never_ends_is_dropped() -> None:
    samples, rest = parse_blocks("@golive 1 1.0\n" + "noise\n" * 100 + BLOCK_1)
    assert samples == [SAMPLE_1] and rest == ""
    assert parse_blocks("x" * 10_000)[1] == ""  # a newline-less flood is not kept


def test_old_kernel_without_mem_available_gives_no_mem_percent() -> None:
    (sample,), _ = parse_blocks(BLOCK_1.replace("mem 16318752 9123456", "mem 16318752 "))
    assert (sample.mem_total_kb, sample.mem_available_kb) == (16318752, None)
    assert mem_percent(sample) is None
    assert host_metrics(None, sample).mem_percent is None


def test_old_kernels_with_fewer_cpu_columns() -> None:
    # 2.6.11 (8 columns, up to steal) and 2.4 (4 columns: no iowait at all).
    old = BLOCK_1.replace("cpu  4705 150 1120 16250 520 0 30 0 0 0", "cpu  100 0 100 700 100 0 0 0")
    older = BLOCK_2.replace("cpu  4905 150 1200 16700 570 0 50 0 0 0", "cpu  200 0 150 900")
    samples, _ = parse_blocks(old + older)
    assert [len(s.cpu) for s in samples] == [8, 4]
    # Columns the older line lacks are not compared: 150 busy of 350 ticks.
    assert cpu_percent(*samples) == pytest.approx(150 / 350 * 100)


def test_cpu_percent_counts_iowait_as_idle_and_guest_once() -> None:
    (s1, s2, s3), _ = parse_blocks(STREAM)
    assert cpu_percent(s1, s2) == pytest.approx(300 / 800 * 100)
    # 400 ticks of guest: in user already, so 400 busy ticks of 400, not 800.
    assert cpu_percent(s2, s3) == pytest.approx(100.0)
    assert cpu_percent(s2, s2) is None  # no time passed
    assert cpu_percent(s2, s1) is None  # counters reset (a reboot): no figure


def test_host_metrics_from_two_samples() -> None:
    (s1, s2, _), _ = parse_blocks(STREAM)
    metrics = host_metrics(s1, s2)
    assert (metrics.seq, metrics.uptime, metrics.load1) == (2, 5023.37, 0.61)
    assert metrics.cpu_percent == pytest.approx(37.5)
    assert metrics.mem_percent == pytest.approx((16318752 - 8123456) / 16318752 * 100)
    assert metrics.disk_percent == pytest.approx(61234999 / (61234999 + 36194357) * 100)
    assert host_metrics(None, s1).cpu_percent is None


ticks = st.lists(st.integers(0, 10**9), min_size=10, max_size=10)
steps = st.lists(st.integers(-50, 10**5), min_size=10, max_size=10)


@given(ticks, steps)
def test_cpu_percent_is_psutils_calculation(before: list[int], step: list[int]) -> None:
    """psutil's own cpu_percent, fed our counters in place of this machine's."""
    after = [max(0, b + s) for b, s in zip(before, step, strict=True)]
    scputimes = type(psutil.cpu_times())
    width = len(scputimes._fields)
    readings = iter([scputimes(*before[:width]), scputimes(*after[:width])])
    with mock.patch.object(psutil, "cpu_times", lambda percpu=False: next(readings)):
        theirs = psutil.cpu_percent(interval=0.0001)
    ours = cpu_percent(replace(SAMPLE_1, cpu=tuple(before)), replace(SAMPLE_1, cpu=tuple(after)))
    if ours is None:
        assert theirs == 0.0
    else:
        assert ours == pytest.approx(theirs, abs=0.051)  # psutil rounds to 0.1


def test_the_script_is_one_line_that_sh_c_quoting_leaves_alone() -> None:
    script = sampler_script(0.5)
    assert "\n" not in script and "'" not in script and "!" not in script.replace("$!", "")
    assert "sleep 0.5 &" in script and "sleep 2 &" in sampler_script(2.0)
    assert sampler_command(0.5) == f"sh -c '{script}'"
    subprocess.run([SH, "-n", "-c", script], check=True)
    for bad in (0, 0.01, -1, float("nan"), float("inf"), 7200):
        with pytest.raises(ValueError):
            sampler_script(bad)


# --- the live loop, under dash ------------------------------------------------

SH = shutil.which("dash") or "/bin/sh"
INTERVAL = 0.5
live = pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="needs Linux /proc")


class Sampler:
    """The loop as golive runs it: stdin held open, stdout read as a stream."""

    def __init__(self, *, restore_signals: bool = True) -> None:
        self.proc = subprocess.Popen(
            [SH, "-c", sampler_script(INTERVAL)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            restore_signals=restore_signals,  # False: SIGPIPE stays ignored, as Python has it
        )
        self.rest = ""
        self.ready: list[RawSample] = []

    def next(self, timeout: float = 5.0) -> RawSample:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while not self.ready:
            wait = deadline - time.monotonic()
            assert wait > 0, "no sample in time"
            if select.select([self.proc.stdout], [], [], wait)[0]:
                chunk = os.read(self.proc.stdout.fileno(), 65536).decode()
                assert chunk, "the loop ended"
                self.ready, self.rest = parse_blocks(self.rest + chunk)
        return self.ready.pop(0)

    def fresh(self) -> RawSample:
        """The next sample printed from now on, not one already in the pipe."""
        self.ready.clear()
        assert self.proc.stdout is not None
        while select.select([self.proc.stdout], [], [], 0)[0]:
            self.rest = parse_blocks(
                self.rest + os.read(self.proc.stdout.fileno(), 65536).decode()
            )[1]
        return self.next()

    def descendants(self) -> list[psutil.Process]:
        """Every process under the loop, once its watcher's cat is up."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            found: list[psutil.Process] = psutil.Process(self.proc.pid).children(recursive=True)
            if any(p.name() == "cat" for p in found):
                return found
            time.sleep(0.02)
        raise AssertionError("the stdin watcher never started")


@pytest.fixture
def sampler() -> Iterator[Sampler]:
    yield from _sampler(restore_signals=True)


def _sampler(restore_signals: bool) -> Iterator[Sampler]:
    s = Sampler(restore_signals=restore_signals)
    try:
        yield s
    finally:
        if s.proc.poll() is None:
            s.proc.kill()
        s.proc.wait()
        for stream in (s.proc.stdin, s.proc.stdout, s.proc.stderr):
            if stream is not None and not stream.closed:
                stream.close()


def _all_gone(processes: list[psutil.Process], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(_alive(p) for p in processes):
            return True
        time.sleep(0.02)
    return False


def _alive(process: psutil.Process) -> bool:
    try:
        return bool(process.is_running() and process.status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


@live
def test_samples_arrive_every_interval_and_agree_with_psutil(sampler: Sampler) -> None:
    samples = [sampler.next() for _ in range(6)]  # about 3 s
    memory = psutil.virtual_memory().percent
    disk = psutil.disk_usage("/").percent
    assert [s.seq for s in samples] == list(range(1, 7))
    gaps = [b.uptime - a.uptime for a, b in itertools.pairwise(samples)]
    assert all(INTERVAL * 0.8 <= gap <= INTERVAL * 1.6 for gap in gaps), gaps
    for prev, cur in itertools.pairwise(samples):
        metrics = host_metrics(prev, cur)
        assert metrics.cpu_percent is not None and 0 <= metrics.cpu_percent <= 100
        assert metrics.mem_percent == pytest.approx(memory, abs=5)
        assert metrics.disk_percent == pytest.approx(disk, abs=1)
        assert metrics.load1 is not None and metrics.load1 >= 0


@live
def test_cpu_percent_under_load_matches_psutil_over_the_same_window(sampler: Sampler) -> None:
    burn = [
        sys.executable,
        "-c",
        "import time\nend = time.time() + 10\nwhile time.time() < end: pass",
    ]
    burners = [subprocess.Popen(burn) for _ in range(2)]
    try:
        time.sleep(0.3)  # let them reach full speed
        first = sampler.fresh()
        started = time.monotonic()
        theirs = psutil.cpu_percent(interval=4 * INTERVAL)
        elapsed = time.monotonic() - started
        # golive's figure over the same window: first sample to the one closest to its end.
        window = [sampler.next() for _ in range(5)]
        last = min(window, key=lambda s: abs(s.uptime - first.uptime - elapsed))
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    ours = cpu_percent(first, last)
    assert ours is not None
    cpus = psutil.cpu_count() or 1
    assert ours > 50 * min(2, cpus) / cpus  # the burn is visible at all
    assert ours == pytest.approx(theirs, abs=10)


@live
def test_closing_stdin_ends_the_loop_and_everything_it_started(sampler: Sampler) -> None:
    sampler.next()
    tree = sampler.descendants()
    assert sampler.proc.stdin is not None
    started = time.monotonic()
    sampler.proc.stdin.close()
    assert sampler.proc.wait(timeout=2 * INTERVAL) == 0
    assert _all_gone(tree, timeout=2 * INTERVAL - (time.monotonic() - started)), tree


@pytest.mark.parametrize("sigpipe", ["default", "ignored"])
@live
def test_closing_stdout_ends_the_loop_and_everything_it_started(sigpipe: str) -> None:
    for sampler in _sampler(restore_signals=sigpipe == "default"):
        sampler.next()
        tree = sampler.descendants()
        assert sampler.proc.stdout is not None
        sampler.proc.stdout.close()  # stdin stays open: only the write error can end it
        started = time.monotonic()
        sampler.proc.wait(timeout=2 * INTERVAL + 1)
        assert time.monotonic() - started < 2 * INTERVAL
        assert _all_gone(tree, timeout=2 * INTERVAL), tree


@live
def test_the_ssh_command_runs_under_a_login_shell_and_stops_on_empty_stdin() -> None:
    # What sshd does: the user's shell runs the command string; stdin is at EOF at once.
    result = subprocess.run(
        ["/bin/bash", "-c", sampler_command(INTERVAL)], input=b"", capture_output=True, timeout=5
    )
    assert result.returncode == 0 and result.stderr == b""
    assert len(parse_blocks(result.stdout.decode())[0]) <= 1
