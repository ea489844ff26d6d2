"""Secrets are masked across every split: line cuts, read boundaries, line breaks inside
a secret; locally and over a real sshd."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from golive.core.runbook import Host
from golive.core.templating import MASK, Masker, Values
from golive.io.executor import LINE_CUT, MAX_LINE, Job, OutputStream
from golive.io.local import LocalExecutor
from golive.io.ssh import SshPool
from golive.io.ssh_exec import SshExecutor
from tests.helpers import golive, of_type, write_runbook

SECRET = "Hunter2Sekret"
MULTILINE = "-----BEGIN KEY-----\nc2VjcmV0IGtleQ==\n-----END KEY-----"


@settings(max_examples=300, deadline=None)
@given(
    before=st.text(alphabet="ab \nHuntér", max_size=40),
    after=st.text(alphabet="ab \nSekret中", max_size=40),
    secret=st.sampled_from([SECRET, MULTILINE, "aaaa", "ab\nab"]),
    cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=10),
    max_line=st.integers(min_value=4, max_value=30),
)
def test_an_output_stream_never_lets_a_secret_through_whatever_the_cuts(
    before: str, after: str, secret: str, cuts: list[int], max_line: int
) -> None:
    text = before + secret + after + secret
    data = text.encode()  # cut into bytes anywhere, UTF-8 characters included
    lines: list[str] = []
    stream = OutputStream("out", lambda _, line: lines.append(line), Masker([secret]), max_line)
    start = 0
    for cut in sorted(set(cuts)):
        stream.feed(data[start:cut])
        start = max(start, cut)
    stream.feed(data[start:])
    stream.close()
    joined = "\n".join(lines)
    masked = Masker([secret]).mask(text)
    assert secret not in joined
    # No piece of the secret (4 characters or more) shows, unless the text has it anyway.
    for size in range(4, len(secret)):
        for start in range(len(secret) - size + 1):
            piece = secret[start : start + size]
            assert piece not in joined or piece in masked, piece
    expected = masked.split("\n")
    if expected[-1] == "":
        expected.pop()
    if all(len(line) <= max_line for line in expected):
        assert lines == expected


def print_around_boundaries(secret_ref: str) -> str:
    """A script that puts the secret across a 16 KiB line cut, across the 64 KiB read
    boundary, and whole on a line of its own."""
    return (
        # 1. a line longer than the cut, the secret straddling character 16,384
        f"head -c {MAX_LINE - 4} /dev/zero | tr '\\0' A; printf '%s tail\\n' {secret_ref}\n"
        # 2. short lines until 64 KiB minus 5 bytes, then the secret across the boundary
        "i=0; while [ $i -lt 3 ]; do head -c 15999 /dev/zero | tr '\\0' B; echo; i=$((i+1)); done\n"
        f"head -c {65536 - 3 * 16000 - 5 - (MAX_LINE - 4) - len(' tail') - 1 - 13} /dev/zero | tr '\\0' C\n"
        f"printf '%s\\n' {secret_ref}\n"
        f"printf 'whole:%s:end\\n' {secret_ref}\n"
    )


def run_printing(executor: Any, host: Host, secret: str) -> list[str]:
    values = Values({}, {"s": secret})
    rendered = values.render(print_around_boundaries("{{s}}"))
    lines: list[str] = []
    job = Job(rendered.command, host, timeout=30, env=rendered.env, masker=values.masker())
    result = executor.run(job, lambda _, line: lines.append(line), threading.Event())
    assert result.ok, result
    return lines


def assert_masked(lines: list[str], secret: str) -> None:
    text = "\n".join(lines)
    # Not the secret, nor any 4 characters of it (the text around it is A, B and C).
    for part in secret.split("\n"):
        for start in range(len(part) - 3):
            assert part[start : start + 4] not in text, part[start : start + 4]
    assert f"whole:{MASK}:end" in text
    assert any(line.endswith(LINE_CUT) for line in lines)


@pytest.mark.parametrize("secret", [SECRET, MULTILINE])
def test_a_local_command_never_prints_a_secret_across_any_boundary(
    tmp_path: Path, secret: str
) -> None:
    lines = run_printing(LocalExecutor(), Host("local", local=True), secret)
    assert_masked(lines, secret)


@pytest.mark.slow
@pytest.mark.parametrize("secret", [SECRET, MULTILINE])
def test_a_remote_command_never_prints_a_secret_across_any_boundary(
    tmp_path: Path, sshd: Any, secret: str
) -> None:
    address, port = sshd.hosts[0]
    host = Host(
        "h1", address=address, port=port, user=sshd.user, identity_file=str(sshd.identity_file)
    )
    pool = SshPool(known_hosts=str(sshd.known_hosts))
    try:
        lines = run_printing(SshExecutor(pool), host, secret)
    finally:
        pool.close()
    assert_masked(lines, secret)


@pytest.mark.slow
def test_a_multi_line_secret_is_masked_in_the_journal_and_the_console(tmp_path: Path) -> None:
    runbook = write_runbook(
        tmp_path,
        """
        [vars]
        key = { secret = true, env = "TEST_KEY" }

        [[steps]]
        id = "use-key"
        duration = "1s"
        rollback = "true"
        run = "printf 'key:%s:end\\\\n' {{key}}; printf '%s\\\\n' {{key}} >&2"
        """,
    )
    journal = tmp_path / "j.jsonl"
    done = golive(
        "run", runbook, "--rehearsal", "--console", "--yes", "--journal", journal,
        env={"TEST_KEY": MULTILINE},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    for text in (done.stdout, done.stderr, journal.read_text()):
        for part in MULTILINE.split("\n"):
            assert part not in text
    assert [e["line"] for e in of_type(journal, "output")] == [f"key:{MASK}:end", MASK]


@pytest.mark.slow
@pytest.mark.parametrize("secret", [SECRET, MULTILINE])
def test_the_journal_and_the_console_never_show_a_secret_across_any_boundary(
    tmp_path: Path, secret: str
) -> None:
    script = print_around_boundaries("{{s}}").replace("\\", "\\\\").replace('"', '\\"')
    runbook = write_runbook(
        tmp_path,
        '[vars]\ns = { secret = true, env = "TEST_SECRET" }\n\n[[steps]]\nid = "print"\n'
        f'duration = "1s"\nrollback = "true"\nrun = "{script.replace(chr(10), "; ")}"\n',
    )
    journal = tmp_path / "j.jsonl"
    done = golive(
        "run", runbook, "--rehearsal", "--console", "--yes", "--journal", journal,
        env={"TEST_SECRET": secret},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [e["line"] for e in of_type(journal, "output")]
    assert_masked(lines, secret)
    for text in (done.stdout, journal.read_text()):
        for part in secret.split("\n"):
            for start in range(len(part) - 3):
                assert part[start : start + 4] not in text
