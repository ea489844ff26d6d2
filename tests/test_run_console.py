"""`golive run --console` end to end, through the real binary."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import events, golive, of_type, write_runbook

pytestmark = pytest.mark.slow  # real servers, terminals or processes: not in the fast lane


def journal_in(tmp_path: Path) -> Path:
    return tmp_path / "run.jsonl"


def test_rollback_runs_the_undo_commands_in_reverse_order(tmp_path: Path) -> None:
    order = tmp_path / "order.txt"
    steps = "".join(
        f"""
[[steps]]
id = "{name}"
run = "echo do-{name} >> {order}{" && exit 7" if name == "d" else ""}"
rollback = "echo undo-{name} >> {order}"
{"rollback_point = true" if name == "a" else ""}
{'on_failure = "rollback"' if name == "d" else ""}
"""
        for name in "abcd"
    )
    rb = write_runbook(tmp_path, steps)
    result = golive("run", rb, "--rehearsal", "--yes", "--journal", journal_in(tmp_path))
    assert result.returncode == 3, result.stdout + result.stderr
    # d failed part-way, so it is undone first; then c, then b; a is the point itself.
    assert order.read_text().split() == [
        "do-a",
        "do-b",
        "do-c",
        "do-d",
        "undo-d",
        "undo-c",
        "undo-b",
    ]
    [started] = of_type(journal_in(tmp_path), "rollback_started")
    assert started["to"] == "a" and started["actions"] == ["d", "c", "b"]
    undo = [e["step"] for e in of_type(journal_in(tmp_path), "step_finished", action="rollback")]
    assert undo == ["d", "c", "b"]
    assert of_type(journal_in(tmp_path), "run_finished")[0]["outcome"] == "rolled_back"


def test_dry_run_executes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "made"
    rb = write_runbook(
        tmp_path,
        f"""
[vars]
dir = "{target}"
token = {{ secret = true, env = "T_TOKEN" }}
[[steps]]
id = "make"
run = "mkdir {{{{dir}}}} && touch {{{{dir}}}}/file"
rollback = "rm -rf {{{{dir}}}}"
verify = "test -e {{{{dir}}}}/file"
[[steps]]
id = "use-secret"
run = "curl -H 'Authorization: {{{{token}}}}' http://example.invalid"
[[steps]]
id = "ok"
kind = "manual"
[[steps]]
id = "gate"
kind = "gate"
instructions = "say go"
""",
    )
    before = sorted(p.name for p in tmp_path.iterdir())
    result = golive(
        "run", rb, "--dry-run", "--journal", journal_in(tmp_path), env={"T_TOKEN": "tok-123456"}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*before, "run.jsonl"])
    assert f"mkdir {target} && touch {target}/file" in result.stdout
    assert f"rollback would be: rm -rf {target}" in result.stdout
    assert "tok-123456" not in result.stdout and "••••••" in result.stdout
    assert of_type(journal_in(tmp_path), "run_started")[0]["mode"] == "dry-run"
    assert not of_type(journal_in(tmp_path), "output")


def test_secrets_reach_the_command_but_no_byte_of_the_journal(tmp_path: Path) -> None:
    secret = "Pa55-w0rd-Zq9"
    out = tmp_path / "received"
    rb = write_runbook(
        tmp_path,
        f"""
[vars]
db_password = {{ secret = true, env = "DB_PASSWORD" }}
[[steps]]
id = "login"
run = "printf %s {{{{db_password}}}} > {out}; echo connecting with {{{{db_password}}}}; echo {{{{db_password}}}} >&2"
""",
    )
    result = golive(
        "run", rb, "--rehearsal", "--journal", journal_in(tmp_path), env={"DB_PASSWORD": secret}
    )
    assert result.returncode == 0, result.stderr
    assert out.read_text() == secret
    raw = journal_in(tmp_path).read_bytes()
    assert secret.encode() not in raw
    assert secret not in result.stdout + result.stderr
    assert "connecting with ••••••" in result.stdout
    # The command text itself never carries it: it reads an environment variable.
    assert of_type(journal_in(tmp_path), "step_started")[0]["command"].count("••••••") == 3


def test_variables_are_shell_quoted(tmp_path: Path) -> None:
    out = tmp_path / "arg"
    rb = write_runbook(
        tmp_path,
        f'[vars]\nname = "x"\n[[steps]]\nid = "a"\nrun = "printf \'%s|\' {{{{name}}}} > {out}"\n',
    )
    nasty = "two words; touch pwned $(touch pwned2) 'q'"
    result = golive(
        "run", rb, "--rehearsal", "--var", f"name={nasty}", "--journal", journal_in(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    assert out.read_text() == nasty + "|"
    assert not (tmp_path / "pwned").exists() and not Path("pwned2").exists()


def test_a_decision_without_a_terminal_aborts_instead_of_hanging(tmp_path: Path) -> None:
    rb = write_runbook(
        tmp_path,
        '[[steps]]\nid = "freeze"\nkind = "manual"\n[[steps]]\nid = "after"\nrun = "true"\n',
    )
    result = golive("run", rb, "--rehearsal", "--journal", journal_in(tmp_path), timeout=30)
    assert result.returncode == 1
    assert "stdin is not a terminal" in result.stdout
    [decision] = of_type(journal_in(tmp_path), "decision")
    assert decision["decision"] == "abort" and decision["automatic"] is True
    assert of_type(journal_in(tmp_path), "run_finished")[0]["outcome"] == "aborted"
    assert not of_type(journal_in(tmp_path), "step_started", step="after")


def test_yes_confirms_and_passes_gates_but_aborts_on_an_asking_failure(tmp_path: Path) -> None:
    rb = write_runbook(
        tmp_path,
        '[[steps]]\nid = "m"\nkind = "manual"\n[[steps]]\nid = "g"\nkind = "gate"\ninstructions = "x"\n'
        '[[steps]]\nid = "bad"\nrun = "echo boom >&2; exit 4"\n[[steps]]\nid = "never"\nrun = "true"\n',
    )
    result = golive("run", rb, "--rehearsal", "--yes", "--journal", journal_in(tmp_path))
    assert result.returncode == 1
    decisions = [
        (d["step"], d["decision"], d["automatic"])
        for d in of_type(journal_in(tmp_path), "decision")
    ]
    assert decisions == [("m", "confirm", True), ("g", "go", True), ("bad", "abort", True)]
    assert (
        "exit status 4" in of_type(journal_in(tmp_path), "step_finished", step="bad")[0]["reason"]
    )
    assert not of_type(journal_in(tmp_path), "step_started", step="never")


def test_retries_are_automatic_and_journaled_as_the_runbook_s(tmp_path: Path) -> None:
    flag = tmp_path / "flag"
    rb = write_runbook(
        tmp_path,
        f'[[steps]]\nid = "flaky"\nrun = "test -e {flag} || {{ touch {flag}; exit 1; }}"\nretries = 1\n',
    )
    result = golive("run", rb, "--rehearsal", "--journal", journal_in(tmp_path))
    assert result.returncode == 0, result.stdout
    attempts = [e["attempt"] for e in of_type(journal_in(tmp_path), "step_started", step="flaky")]
    assert attempts == [1, 2]
    [retry] = of_type(journal_in(tmp_path), "decision")
    assert retry["decision"] == "retry" and retry["by"] == "runbook"


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    rb = write_runbook(
        tmp_path,
        f'[[steps]]\nid = "hang"\nrun = "sleep 60 & echo $! > {pid_file}; sleep 60"\ntimeout = "1s"\non_failure = "continue"\n',
    )
    result = golive("run", rb, "--rehearsal", "--journal", journal_in(tmp_path), timeout=60)
    assert result.returncode == 0, result.stdout
    [finished] = of_type(journal_in(tmp_path), "step_finished", step="hang")
    assert finished["status"] == "failed" and "timed out" in finished["reason"]
    background = int(pid_file.read_text())
    assert (
        not Path(f"/proc/{background}").exists()
        or "zombie" in Path(f"/proc/{background}/status").read_text()
    )


class _Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"status: ok" if self.path == "/health" else b"nope"
        self.send_response(200 if self.path == "/health" else 503)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_http_and_command_verify(tmp_path: Path, health_server: str) -> None:
    rb = write_runbook(
        tmp_path,
        f"""
[[steps]]
id = "healthy"
kind = "check"
verify = {{ http = "{health_server}/health", status = 200, contains = "ok", max_latency = "5s" }}
[[steps]]
id = "broken"
kind = "check"
verify = {{ http = "{health_server}/down", status = 200 }}
on_failure = "continue"
[[steps]]
id = "cmd"
run = "true"
verify = "test -e {tmp_path}/missing"
on_failure = "continue"
""",
    )
    result = golive("run", rb, "--rehearsal", "--journal", journal_in(tmp_path))
    assert result.returncode == 0, result.stdout
    verdicts = {e["step"]: e["ok"] for e in of_type(journal_in(tmp_path), "verify_finished")}
    assert verdicts == {"healthy": True, "broken": False, "cmd": False}
    reasons = {e["step"]: e["reason"] for e in of_type(journal_in(tmp_path), "step_finished")}
    assert ": 503 in " in reasons["broken"] and reasons["broken"].endswith("expected 200")
    assert reasons["cmd"].startswith("verify failed")


def test_independent_streams_run_at_the_same_time(tmp_path: Path) -> None:
    rb = write_runbook(
        tmp_path,
        '[[steps]]\nid = "a"\nrun = "sleep 1"\n[[steps]]\nid = "b"\nrun = "sleep 1"\ndepends_on = []\n'
        '[[steps]]\nid = "c"\nrun = "true"\ndepends_on = ["a", "b"]\n',
    )
    assert golive("run", rb, "--rehearsal", "--journal", journal_in(tmp_path)).returncode == 0
    kinds = [
        (e["type"], e.get("step"))
        for e in events(journal_in(tmp_path))
        if e["type"] in ("step_started", "step_finished")
    ]
    assert kinds[:2] == [("step_started", "a"), ("step_started", "b")] or kinds[:2] == [
        ("step_started", "b"),
        ("step_started", "a"),
    ]
    assert kinds[-2:] == [("step_started", "c"), ("step_finished", "c")]


def test_output_is_capped_per_step_and_the_cap_recorded(tmp_path: Path) -> None:
    rb = write_runbook(tmp_path, '[[steps]]\nid = "chatty"\nrun = "seq 1 12000"\n')
    assert golive("run", rb, "--rehearsal", "--journal", journal_in(tmp_path)).returncode == 0
    lines = of_type(journal_in(tmp_path), "output", step="chatty")
    assert len(lines) == 10_000 and lines[0]["line"] == "1" and lines[-1]["line"] == "10000"
    [capped] = of_type(journal_in(tmp_path), "output_capped")
    assert capped["dropped"] == 2000 and capped["cap_lines"] == 10_000


def test_resume_with_a_changed_runbook_needs_consent_and_records_the_diff(tmp_path: Path) -> None:
    rb = write_runbook(tmp_path, '[[steps]]\nid = "m"\nkind = "manual"\n')
    golive("run", rb, "--rehearsal", "--journal", journal_in(tmp_path))
    # That run aborted for want of a terminal; make a resumable journal by cutting its end.
    journal = journal_in(tmp_path)
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(
        b"".join(
            line for line in lines if b'"decision"' not in line and b'"run_finished"' not in line
        )
    )
    rb.write_text(rb.read_text().replace('id = "m"', 'id = "m"\ntitle = "Freeze"'))
    refused = golive("resume", journal, "--yes")
    assert refused.returncode == 2 and "--accept-changed-runbook" in refused.stderr
    assert '+title = "Freeze"' in refused.stderr
    accepted = golive(
        "resume", journal, "--yes", "--accept-changed-runbook", "--interrupted", "done"
    )
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    [resumed] = of_type(journal, "session_resumed")
    assert resumed["runbook_changed"] is True and '+title = "Freeze"' in resumed["runbook_diff"]


def test_demo_runs_to_the_end_with_a_failure_and_a_rollback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "golive", "demo"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [journal] = (tmp_path / "journals").iterdir()
    assert of_type(journal, "step_finished", step="migrate", status="failed")
    assert of_type(journal, "rollback_started", to="backup")
    assert of_type(journal, "step_finished", step="migrate", action="run", status="succeeded")
    assert of_type(journal, "run_finished")[0]["outcome"] == "completed"
    assert os.stat(journal).st_mode & 0o077 == 0


def test_a_secret_inside_a_step_id_does_not_rename_the_step(tmp_path: Path) -> None:
    rb = write_runbook(
        tmp_path,
        '[vars]\npw = { secret = true, env = "PW" }\n'
        '[[steps]]\nid = "check-ready"\nrun = "echo ready {{pw}}"\n[[steps]]\nid = "after"\nrun = "true"\n',
    )
    result = golive(
        "run", rb, "--rehearsal", "--journal", journal_in(tmp_path), env={"PW": "ready"}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert [e["step"] for e in of_type(journal_in(tmp_path), "step_finished")] == [
        "check-ready",
        "after",
    ]
    assert [e["line"] for e in of_type(journal_in(tmp_path), "output")] == ["•••••• ••••••"]
    assert "Traceback" not in result.stderr


def test_a_secret_too_short_to_mask_is_refused(tmp_path: Path) -> None:
    rb = write_runbook(
        tmp_path,
        '[vars]\npw = { secret = true, env = "PW" }\n[[steps]]\nid = "a"\nrun = "echo {{pw}}"\n',
    )
    result = golive("run", rb, "--rehearsal", "--journal", journal_in(tmp_path), env={"PW": "y"})
    assert result.returncode == 2
    assert "secret pw is 1 characters long" in result.stderr
    assert not journal_in(tmp_path).exists()
