"""golive's own output cannot be written (a full disk, a file over its size limit):
one sentence on stderr and exit 4, so cut output is never taken for complete output."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

RUNBOOKS = sorted(str(p) for p in (Path(__file__).parent.parent / "runbooks").glob("*.toml"))


def check(stdout: object, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    def cap() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "golive", "check", *RUNBOOKS],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        preexec_fn=cap,
    )


def test_output_to_a_full_disk_is_one_sentence_and_exit_4() -> None:
    with open("/dev/full", "w") as full:  # every write fails with ENOSPC
        result = check(full)
    assert result.returncode == 4, result.stderr
    assert "golive: cannot write to <stdout>: No space left on device" in result.stderr
    assert "the output above is incomplete" in result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr


def test_output_past_the_file_size_limit_is_not_cut_silently(tmp_path: Path) -> None:
    whole = tmp_path / "whole.txt"
    with whole.open("w") as out:
        assert check(out).returncode == 0
    assert whole.stat().st_size > 200
    capped = tmp_path / "capped.txt"
    with capped.open("w") as out:
        result = check(out, limit=100)
    assert result.returncode == 4, result.stderr
    assert "cannot write to <stdout>: File too large" in result.stderr
    assert "Traceback" not in result.stderr
    assert capped.stat().st_size <= 100


@pytest.mark.slow
def test_a_console_run_whose_reader_goes_away_finishes_and_says_so_once(tmp_path: Path) -> None:
    """`golive run --console | head`: the screen is gone, the run and its record are not."""
    runbook = tmp_path / "rb.toml"
    runbook.write_text(
        '[runbook]\nname = "t"\n[hosts.l]\nlocal = true\n'
        '[[steps]]\nid = "a"\non = "l"\nrun = "for i in $(seq 1 200); do echo line $i; done"\n'
        '[[steps]]\nid = "b"\non = "l"\nrun = "sleep 0.2"\n'
    )
    journal = tmp_path / "j.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "golive", "run", str(runbook), "--rehearsal", "--yes",
         "--console", "--journal", str(journal)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline().startswith("journal:")
    process.stdout.close()  # the reader goes away
    stderr = process.stderr.read()
    assert process.wait(timeout=60) == 0, stderr
    assert stderr.count("golive: display error (BrokenPipeError") == 1, stderr
    assert "Traceback" not in stderr
    verified = subprocess.run(
        [sys.executable, "-m", "golive", "verify", str(journal)], capture_output=True, text=True
    )
    assert verified.returncode == 0, verified.stdout
    assert '"type":"run_finished","outcome":"completed"' in journal.read_text()
