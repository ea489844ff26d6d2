"""The seal at a journal's end, keyed or not: cuts, edits and forgeries of real journals.

The forger here does what anyone who can write the file can do: recompute every
`prev` and write a fresh unkeyed seal. Without the key, that is all they can do.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import signal
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from golive.commands.verify import verify_command
from tests.helpers import events, golive, of_type, spawn, wait_until, write_runbook

pytestmark = pytest.mark.slow  # real servers, terminals or processes: not in the fast lane

SEAL = b',"seal":'
STEPS = """
[[steps]]
id = "a"
run = "echo a"
[[steps]]
id = "b"
run = "echo b; echo more output"
[[steps]]
id = "c"
run = "echo c"
"""


# -- helpers ---------------------------------------------------------------------------
def line_hash(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()[:32]


def lines_of(journal: Path) -> list[bytes]:
    return journal.read_bytes().splitlines(keepends=True)


def forge(lines: list[bytes], edit: int | None = None, old: bytes = b"", new: bytes = b"") -> bytes:
    """Edit line `edit` (0-based), then rechain every line and reseal the last one,
    unkeyed: what anyone who can write the journal can do."""
    out: list[bytes] = []
    prev = ""
    for index, raw in enumerate(lines):
        line = raw.rstrip(b"\n")
        if index == edit:
            assert old in line
            line = line.replace(old, new)
        if SEAL in line:
            line = line[: line.rindex(SEAL)] + b"}"
        line, count = re.subn(rb',"prev":"[0-9a-f]*"\}$', f',"prev":"{prev}"}}'.encode(), line)
        assert count == 1
        if index == len(lines) - 1:
            body = line[:-1]
            seal = {"v": 1, "events": len(lines), "head": prev, "alg": "sha256"}
            seal["mac"] = hashlib.sha256(body).hexdigest()
            line = body + SEAL + json.dumps(seal, separators=(",", ":")).encode() + b"}"
        out.append(line + b"\n")
        prev = line_hash(line)
    return b"".join(out)


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """No journal key anywhere: for golive subprocesses (returned) and in-process calls."""
    env = {"XDG_CONFIG_HOME": str(tmp_path / "no-config"), "GOLIVE_JOURNAL_KEY": ""}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def key(tmp_path: Path, clean_env: dict[str, str]) -> tuple[Path, str]:
    """A key made by `golive keys init --key`, and its key id as printed."""
    path = tmp_path / "keys" / "journal.key"
    made = golive("keys", "init", "--key", path, env=clean_env)
    assert made.returncode == 0, made.stderr
    found = re.search(r"\(key id ([0-9a-f]{16})\)", made.stdout)
    assert found, made.stdout
    return path, found[1]


def run(folder: Path, name: str, env: dict[str, str]) -> tuple[Path, str]:
    """A real run of three steps to its end; its journal and its console output."""
    if not (folder / "rb.toml").exists():
        write_runbook(folder, STEPS)
    journal = folder / name
    done = golive(
        "run", folder / "rb.toml", "--rehearsal", "--yes", "--console", "--journal", journal,
        env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return journal, done.stdout


def verify(journal: Path, *args: str | Path, env: dict[str, str]) -> tuple[int, str]:
    result = golive("verify", journal, *args, env=env)
    assert "Traceback" not in result.stderr
    return result.returncode, result.stdout + result.stderr


# -- the seal as written -------------------------------------------------------------
def test_the_demo_journal_is_sealed(demo_journal: Path) -> None:
    result = golive("verify", demo_journal)
    assert result.returncode == 0, result.stdout + result.stderr
    assert ", sealed, " in result.stdout or "keyed seal verified" in result.stdout
    *_, before, last = lines_of(demo_journal)
    record = json.loads(last)
    assert record["type"] == "run_finished" and list(record)[-1] == "seal"
    seal = record["seal"]
    assert seal["events"] == len(lines_of(demo_journal)) and seal["head"] == record["prev"]
    assert record["prev"] == line_hash(before.rstrip(b"\n"))
    # The MAC covers the line's bytes before ,"seal": exactly as written.
    body = last[: last.rindex(SEAL)]
    if seal["alg"] == "sha256":
        assert seal["mac"] == hashlib.sha256(body).hexdigest()
    else:
        assert seal["alg"] == "hmac-sha256" and re.fullmatch("[0-9a-f]{16}", seal["key"])


def test_the_console_prints_the_final_head_and_verify_pins_it(
    tmp_path: Path, clean_env: dict[str, str]
) -> None:
    journal, stdout = run(tmp_path, "j.jsonl", clean_env)
    found = re.search(
        rf"journal: {re.escape(str(journal))} \(head ([0-9a-f]{{12}}), (\d+) events\)", stdout
    )
    assert found, stdout
    lines = lines_of(journal)
    full = line_hash(lines[-1].rstrip(b"\n"))  # the seal line's own hash: the final head
    assert found[1] == full[:12] and int(found[2]) == len(lines)
    for pinned in (found[1], full, full.upper()):
        status, text = verify(journal, "--expect-head", pinned, env=clean_env)
        assert status == 0, text
        assert f"the head matches the expected {full[:12]}" in text
    wrong = ("0" if full[0] != "0" else "1") + full[1:12]
    status, text = verify(journal, "--expect-head", wrong, env=clean_env)
    assert status == 1 and f"not the expected {wrong}" in text
    for bad in ("abc", "zz" * 8, full + "00"):
        status, text = verify(journal, "--expect-head", bad, env=clean_env)
        assert status == 2 and text.startswith("golive: --expect-head"), text


# -- cuts and edits ---------------------------------------------------------------------
def test_a_cut_at_any_line_boundary_is_unsealed_never_ok(
    demo_journal: Path,
    tmp_path: Path,
    clean_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    lines = lines_of(demo_journal)
    cut = tmp_path / "cut.jsonl"
    for keep in range(len(lines)):
        cut.write_bytes(b"".join(lines[:keep]))
        assert verify_command(str(cut)) == 5, keep
        out = capsys.readouterr().out
        if keep:
            assert f"{cut}:{keep}: the journal ends here without its seal" in out
            assert "cut, or still being written" in out
    cut.write_bytes(b"".join(lines))
    assert verify_command(str(cut)) == 0


def test_deleting_the_last_line_is_unsealed_not_ok(
    tmp_path: Path, clean_env: dict[str, str]
) -> None:
    journal, _ = run(tmp_path, "j.jsonl", clean_env)
    lines = lines_of(journal)
    journal.write_bytes(b"".join(lines[:-1]))
    status, text = verify(journal, env=clean_env)
    assert status == 5, text
    last = json.loads(lines[-2])
    assert (
        f"{journal}:{len(lines) - 1}: the journal ends here without its seal (last event: {last['type']}"
        in text
    )


@pytest.mark.parametrize(
    ("old", "new", "why"),
    [
        (b'"outcome":"completed"', b'"outcome":"aborted"', "does not match its line"),
        (b'"reason":""', b'"reason":"fine"', "does not match its line"),
        (b'"events":', b'"events":1', "counts"),
        (b'"alg":"sha256"', b'"alg":"md5"', "malformed"),
    ],
)
def test_editing_the_last_line_is_tampering(
    tmp_path: Path, clean_env: dict[str, str], old: bytes, new: bytes, why: str
) -> None:
    journal, _ = run(tmp_path, "j.jsonl", clean_env)
    lines = lines_of(journal)
    assert old in lines[-1]
    lines[-1] = lines[-1].replace(old, new, 1)
    journal.write_bytes(b"".join(lines))
    status, text = verify(journal, env=clean_env)
    assert status == 1, text
    assert f"{journal}:{len(lines)}:" in text and why in text


def test_a_run_finished_without_its_seal_is_unsealed(
    tmp_path: Path, clean_env: dict[str, str]
) -> None:
    journal, _ = run(tmp_path, "j.jsonl", clean_env)
    lines = lines_of(journal)
    lines[-1] = lines[-1][: lines[-1].rindex(SEAL)] + b"}\n"  # the seal taken off
    journal.write_bytes(b"".join(lines))
    status, text = verify(journal, env=clean_env)
    assert status == 5 and "carries no seal" in text, text


def test_a_line_after_the_seal_is_tampering(tmp_path: Path, clean_env: dict[str, str]) -> None:
    journal, _ = run(tmp_path, "j.jsonl", clean_env)
    lines = lines_of(journal)
    after = {"seq": len(lines), "t": "2026-11-28T23:00:00.000+00:00", "m": 99.0, "type": "note",
             "text": "all fine", "by": "mallory", "prev": line_hash(lines[-1].rstrip(b"\n"))}  # fmt: skip
    journal.write_bytes(b"".join(lines) + json.dumps(after, separators=(",", ":")).encode() + b"\n")
    status, text = verify(journal, env=clean_env)
    assert status == 1, text
    assert f"{journal}:{len(lines) + 1}: a line after the seal" in text
    # A torn line after the seal is no crash of golive either: nothing is written after it.
    journal.write_bytes(b"".join(lines) + b'{"seq":')
    status, text = verify(journal, env=clean_env)
    assert status == 1 and "a line after the seal" in text, text
    report = golive("report", journal, "--format", "json", env=clean_env)
    assert report.returncode == 0
    assert json.loads(report.stdout)["journal"]["chain_ok"] is False


# -- forgeries ---------------------------------------------------------------------------
def test_a_consistent_rewrite_passes_only_as_unkeyed(
    tmp_path: Path, clean_env: dict[str, str]
) -> None:
    journal, _ = run(tmp_path, "j.jsonl", clean_env)
    lines = lines_of(journal)
    original_head = line_hash(lines[-1].rstrip(b"\n"))
    target = next(i for i, line in enumerate(lines) if b'"line":"more output"' in line)
    journal.write_bytes(forge(lines, target, b"more output", b"less output"))
    status, text = verify(journal, env=clean_env)
    # The limit of an unkeyed seal, and verify says it in so many words.
    assert status == 0, text
    assert "unkeyed: anyone who can write this file could rewrite it" in text
    status, text = verify(journal, "--expect-head", original_head[:12], env=clean_env)
    assert status == 1 and f"not the expected {original_head[:12]}" in text


def test_the_same_forgery_of_a_keyed_journal_fails_with_the_key(
    tmp_path: Path, clean_env: dict[str, str], key: tuple[Path, str]
) -> None:
    key_file, key_id = key
    keyed = {**clean_env, "GOLIVE_JOURNAL_KEY": str(key_file)}
    journal, _ = run(tmp_path, "j.jsonl", keyed)
    assert of_type(journal, "run_started")[0]["key_id"] == key_id
    assert events(journal)[-1]["seal"]["key"] == key_id
    assert key_file.read_text().strip() not in journal.read_text()  # the key never is
    status, text = verify(journal, env=keyed)
    assert status == 0 and f"keyed seal verified (key {key_id})" in text, text
    status, text = verify(journal, "--key", key_file, env=clean_env)
    assert status == 0 and f"keyed seal verified (key {key_id})" in text, text

    lines = lines_of(journal)
    target = next(i for i, line in enumerate(lines) if b'"line":"more output"' in line)
    journal.write_bytes(forge(lines, target, b"more output", b"less output"))
    status, text = verify(journal, "--key", key_file, env=clean_env)
    assert (
        status == 1 and f"the seal is unkeyed, but this machine's journal key is {key_id}" in text
    )
    status, text = verify(journal, env=keyed)  # the key found, not given: caught the same
    assert status == 1 and f"journal key is {key_id}" in text, text
    # A forger who also takes the key id out of run_started: caught with the key...
    rewritten = forge(lines, target, b"more output", b"less output").splitlines(keepends=True)
    journal.write_bytes(forge(rewritten, 0, f',"key_id":"{key_id}"'.encode(), b""))
    status, text = verify(journal, "--key", key_file, env=clean_env)
    assert status == 1, text
    status, text = verify(journal, env=keyed)  # ...and with the key found through the env
    assert status == 1, text
    status, text = verify(journal, "--no-key", env=keyed)  # asked to: checked as unkeyed
    assert status == 0 and "unkeyed: anyone who can write this file" in text, text
    # ...and, where no key is at hand, passes only as what it is: unkeyed.
    status, text = verify(journal, env=clean_env)
    assert status == 0 and "unkeyed: anyone who can write this file" in text, text


def test_a_fresh_unkeyed_seal_on_a_keyed_journal_fails_with_the_key(
    tmp_path: Path, clean_env: dict[str, str], key: tuple[Path, str]
) -> None:
    key_file, key_id = key
    keyed = {**clean_env, "GOLIVE_JOURNAL_KEY": str(key_file)}
    journal, _ = run(tmp_path, "j.jsonl", keyed)
    lines = lines_of(journal)
    # Keep every line as written; replace only the end with a forged run_finished.
    last = lines[-1].rstrip(b"\n")
    unsealed = last[: last.rindex(SEAL)] + b"}"
    forged = unsealed.replace(b'"reason":""', b'"reason":"all checks green"')
    body = forged[:-1]
    prev = json.loads(forged)["prev"]
    seal = {"v": 1, "events": len(lines), "head": prev, "alg": "sha256",
            "mac": hashlib.sha256(body).hexdigest()}  # fmt: skip
    lines[-1] = body + SEAL + json.dumps(seal, separators=(",", ":")).encode() + b"}\n"
    journal.write_bytes(b"".join(lines))
    status, text = verify(journal, "--key", key_file, env=clean_env)
    assert status == 1 and "unkeyed, but this machine's journal key" in text, text
    status, text = verify(journal, env=keyed)
    assert status == 1 and "unkeyed, but this machine's journal key" in text, text
    # Guessing a keyed seal without the key does not help either.
    seal = {"v": 1, "events": len(lines), "head": prev, "alg": "hmac-sha256", "key": key_id,
            "mac": hmac.new(b"a guess", body, hashlib.sha256).hexdigest()}  # fmt: skip
    lines[-1] = body + SEAL + json.dumps(seal, separators=(",", ":")).encode() + b"}\n"
    journal.write_bytes(b"".join(lines))
    status, text = verify(journal, "--key", key_file, env=clean_env)
    assert status == 1 and "the keyed seal does not match its line" in text, text
    status, text = verify(journal, env=clean_env)  # no key here: said, not hidden
    assert status == 0 and f"the keyed seal (key {key_id}) could not be checked" in text, text
    assert "--key FILE or GOLIVE_JOURNAL_KEY=FILE" in text


def test_a_journal_sealed_with_another_key_is_refused_with_the_key_given(
    tmp_path: Path, clean_env: dict[str, str], key: tuple[Path, str]
) -> None:
    key_file, key_id = key
    other = tmp_path / "other.key"
    assert golive("keys", "init", "--key", other, env=clean_env).returncode == 0
    journal, _ = run(tmp_path, "j.jsonl", {**clean_env, "GOLIVE_JOURNAL_KEY": str(other)})
    status, text = verify(journal, "--key", key_file, env=clean_env)
    assert status == 1 and f"not with this machine's key {key_id}" in text, text
    # Found rather than given, the key set up here is the one that counts: a forger could
    # reseal with a key of their own.
    status, text = verify(journal, env={**clean_env, "GOLIVE_JOURNAL_KEY": str(key_file)})
    assert status == 1 and f"not with this machine's key {key_id}" in text, text
    status, text = verify(
        journal, "--key", other, env={**clean_env, "GOLIVE_JOURNAL_KEY": str(key_file)}
    )
    assert status == 0 and "keyed seal verified" in text, text
    status, text = verify(journal, "--no-key", env=clean_env)
    assert status == 0 and "could not be checked" in text, text


# -- keys ------------------------------------------------------------------------------------
def test_keys_init_makes_a_private_key_and_never_overwrites_it(
    tmp_path: Path, clean_env: dict[str, str]
) -> None:
    config = tmp_path / "config"
    env = {**clean_env, "XDG_CONFIG_HOME": str(config)}
    made = golive("keys", "init", env=env)
    assert made.returncode == 0, made.stderr
    path = config / "golive" / "journal.key"
    text = path.read_text()
    assert re.fullmatch(r"[0-9a-f]{64}\n", text)
    key_id = hashlib.sha256(bytes.fromhex(text.strip())).hexdigest()[:16]
    assert f"created journal key {path} (key id {key_id})" in made.stdout
    assert "keep a copy off this machine" in made.stdout
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    again = golive("keys", "init", env=env)
    assert again.returncode == 2 and "never overwrites" in again.stderr
    assert path.read_text() == text
    # Writers find it at the default path and seal with it.
    write_runbook(tmp_path, STEPS)
    journal, _ = run(tmp_path, "j.jsonl", env)
    assert of_type(journal, "run_started")[0]["key_id"] == key_id
    status, text = verify(journal, env=env)
    assert status == 0 and f"keyed seal verified (key {key_id})" in text


@pytest.mark.parametrize("problem", ["mode", "malformed", "missing", "directory", "fifo"])
def test_a_key_that_cannot_be_used_is_an_error_not_an_unkeyed_seal(
    tmp_path: Path, clean_env: dict[str, str], key: tuple[Path, str], problem: str
) -> None:
    key_file, _ = key
    if problem == "mode":
        key_file.chmod(0o644)
        expected = "chmod 600"
    elif problem == "malformed":
        key_file.write_text("not a key\n")
        expected = "not a golive journal key"
    elif problem == "missing":
        key_file.unlink()
        expected = "no such journal key"
    elif problem == "fifo":  # nobody writes to it: reading it must not hang the run
        key_file.unlink()
        os.mkfifo(key_file, 0o600)
        expected = "not a regular file"
    else:
        key_file.unlink()
        key_file.mkdir()
        expected = "not a regular file"
    write_runbook(tmp_path, STEPS)
    journal = tmp_path / "j.jsonl"
    env = {**clean_env, "GOLIVE_JOURNAL_KEY": str(key_file)}
    refused = golive("run", tmp_path / "rb.toml", "--rehearsal", "--yes", "--console",
                     "--journal", journal, env=env)  # fmt: skip
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert expected in refused.stderr and "Traceback" not in refused.stderr
    assert not journal.exists()  # refused before anything was written
    unkeyed, _ = run(tmp_path, "unkeyed.jsonl", clean_env)
    status, text = verify(unkeyed, "--key", key_file, env=clean_env)
    assert status == 2 and expected in text, text


# -- killed and resumed --------------------------------------------------------------------
@pytest.fixture
def groups() -> Iterator[list[Path]]:
    files: list[Path] = []
    yield files
    for pid_file in files:
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.killpg(int(pid_file.read_text()), signal.SIGKILL)


def test_a_killed_keyed_run_is_unsealed_until_resumed_with_its_key(
    tmp_path: Path, clean_env: dict[str, str], key: tuple[Path, str], groups: list[Path]
) -> None:
    key_file, key_id = key
    keyed = {**clean_env, "GOLIVE_JOURNAL_KEY": str(key_file)}
    tried, pg = tmp_path / "tried", tmp_path / "pg"
    groups.append(pg)
    write_runbook(tmp_path, f"""
[[steps]]
id = "a"
run = "true"
[[steps]]
id = "b"
run = "if [ -e {tried} ]; then echo again; else touch {tried}; echo $$ > {pg}; sleep 60; fi"
""")  # fmt: skip
    journal = tmp_path / "j.jsonl"
    process = spawn("run", tmp_path / "rb.toml", "--rehearsal", "--yes", "--console",
                    "--journal", journal, env=keyed)  # fmt: skip
    try:
        wait_until(lambda: pg.exists() and bool(pg.read_text().strip()), what="b to start")
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=10)
    status, text = verify(journal, "--key", key_file, env=clean_env)
    assert status == 5 and "step_started b" in text and "cut, or still being written" in text
    before = journal.read_bytes()
    refused = golive("resume", journal, "--yes", "--interrupted", "rerun", env=clean_env)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert f"started with journal key {key_id}" in refused.stderr
    assert journal.read_bytes() == before
    resumed = golive("resume", journal, "--yes", "--interrupted", "rerun", "--console", env=keyed)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert of_type(journal, "session_resumed")[0]["key_id"] == key_id
    status, text = verify(journal, "--key", key_file, env=clean_env)
    assert status == 0 and f"keyed seal verified (key {key_id})" in text, text
    finished = golive("resume", journal, "--yes", env=keyed)
    assert finished.returncode == 0 and "already ended" in finished.stdout
    assert len(of_type(journal, "run_finished")) == 1


# -- reports -----------------------------------------------------------------------------
def test_reports_say_how_the_journal_is_protected(
    tmp_path: Path, clean_env: dict[str, str], key: tuple[Path, str]
) -> None:
    key_file, key_id = key
    keyed_env = {**clean_env, "GOLIVE_JOURNAL_KEY": str(key_file)}
    keyed, _ = run(tmp_path, "keyed.jsonl", keyed_env)
    unkeyed, _ = run(tmp_path, "unkeyed.jsonl", clean_env)
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(b"".join(lines_of(unkeyed)[:-1]))

    def journal_of(path: Path, env: dict[str, str]) -> dict[str, object]:
        result = golive("report", path, "--format", "json", env=env)
        assert result.returncode == 0, result.stderr
        data: dict[str, object] = json.loads(result.stdout)["journal"]
        return data

    def fields(data: dict[str, object]) -> tuple[object, ...]:
        return data["sealed"], data["protection"], data["key_id"], data["seal_checked"]

    head = line_hash(lines_of(keyed)[-1].rstrip(b"\n"))
    assert journal_of(keyed, keyed_env)["head"] == head  # the final head: the sealed line's
    assert fields(journal_of(keyed, keyed_env)) == (True, "keyed", key_id, True)
    assert fields(journal_of(keyed, clean_env)) == (True, "keyed", key_id, False)
    assert fields(journal_of(unkeyed, clean_env)) == (True, "unkeyed", None, True)
    assert fields(journal_of(cut, clean_env)) == (False, "unsealed", None, False)
    md = golive("report", keyed, "--format", "md", env=keyed_env).stdout
    assert f"head `{head}` (keyed seal verified (key {key_id}))" in md
    html = golive("report", keyed, "--format", "html", env=keyed_env).stdout
    assert f"head {head[:12]}, keyed seal verified (key {key_id})" in html
    # Without the key here, the report says what it could not check.
    md = golive("report", keyed, "--format", "md", env=clean_env).stdout
    assert f"keyed seal (key {key_id}), not checked here" in md
    md = golive("report", unkeyed, "--format", "md", env=clean_env).stdout
    assert "unkeyed: anyone who can write this file could rewrite it" in md
    md = golive("report", cut, "--format", "md", env=clean_env).stdout
    assert "unsealed: cut short, or still being written" in md
    # An edited last line: the report still comes, and says the journal fails at that line.
    lines = lines_of(keyed)
    lines[-1] = lines[-1].replace(b'"outcome":"completed"', b'"outcome":"rolled_back"')
    keyed.write_bytes(b"".join(lines))
    data = journal_of(keyed, keyed_env)
    assert (data["chain_ok"], data["broken_line"]) == (False, len(lines))
    assert "keyed seal does not match" in str(data["problem"])
