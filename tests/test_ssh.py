"""Steps over SSH against a real OpenSSH sshd on loopback (tests/sshd.py)."""

from __future__ import annotations

import os
import subprocess
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import HEADER, events, golive, of_type, wait_until
from tests.terminal import Terminal

pytestmark = pytest.mark.slow  # real servers, terminals or processes: not in the fast lane


def ssh_runbook(
    tmp_path: Path,
    server: Any,
    steps: str,
    known_hosts: str | None = "fixture",
    identity: str | None = None,
) -> Path:
    """A runbook whose hosts h1..hN are the server's addresses, all in group "app"."""
    known = server.known_hosts if known_hosts == "fixture" else known_hosts
    header = HEADER if known is None else HEADER + f'known_hosts = "{known}"\n'
    hosts = "".join(
        f"""
[hosts.h{i}]
address = "{address}"
port = {port}
user = "{server.user}"
identity_file = "{identity or server.identity_file}"
groups = ["app"]
"""
        for i, (address, port) in enumerate(server.hosts, start=1)
    )
    path = tmp_path / "rb.toml"
    path.write_text(textwrap.dedent(header) + hosts + textwrap.dedent(steps), encoding="utf-8")
    return path


def isolated_env(tmp_path: Path) -> dict[str, str]:
    """No real ~/.ssh (known_hosts, config, keys) and no ssh-agent: only what the test gives."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {"HOME": str(home), "SSH_AUTH_SOCK": ""}


def run(
    tmp_path: Path, runbook: Path, *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return golive(
        "run",
        runbook,
        "--rehearsal",
        "--journal",
        tmp_path / "j.jsonl",
        *extra,
        env={**isolated_env(tmp_path), **(env or {})},
    )


def test_a_step_on_one_host_streams_output_in_order_and_returns_its_exit_code(
    tmp_path: Path, sshd: Any
) -> None:
    rb = ssh_runbook(
        tmp_path,
        sshd,
        """
[[steps]]
id = "count"
on = "h1"
run = "for i in 1 2 3; do echo out-$i; echo err-$i >&2; sleep 0.2; done; exit 3"
on_failure = "continue"
""",
    )
    result = run(tmp_path, rb)
    assert result.returncode == 0, result.stdout + result.stderr
    journal = tmp_path / "j.jsonl"
    lines = [(e["stream"], e["line"]) for e in of_type(journal, "output", step="count")]
    assert [line for stream, line in lines if stream == "out"] == ["out-1", "out-2", "out-3"]
    assert [line for stream, line in lines if stream == "err"] == ["err-1", "err-2", "err-3"]
    assert all(e["host"] == "h1" for e in of_type(journal, "output"))
    [host] = of_type(journal, "host_finished", step="count")
    assert host["exit"] == 3 and host["host"] == "h1" and host["seconds"] >= 0.6
    assert "h1 | out-1" in " ".join(result.stdout.split())


def test_a_group_step_runs_on_every_host_in_parallel_with_per_host_status(
    tmp_path: Path, sshd_group: Any
) -> None:
    bad = sshd_group.hosts[2][0]
    rb = ssh_runbook(
        tmp_path,
        sshd_group,
        f"""
[[steps]]
id = "deploy"
on = "app"
run = "echo on $(echo $SSH_CONNECTION | cut -d' ' -f3); sleep 1; test \\"$(echo $SSH_CONNECTION | cut -d' ' -f3)\\" != {bad}"
on_failure = "continue"

[[steps]]
id = "tolerant"
on = "app"
run = "test \\"$(echo $SSH_CONNECTION | cut -d' ' -f3)\\" != {bad}"
max_failed_hosts = 1
""",
    )
    started = time.monotonic()
    result = run(tmp_path, rb)
    assert result.returncode == 0, result.stdout + result.stderr
    assert time.monotonic() - started < 5 * 1.0 + 3  # the five 1 s commands overlapped
    journal = tmp_path / "j.jsonl"
    finished = {e["host"]: e["exit"] for e in of_type(journal, "host_finished", step="deploy")}
    assert finished == {"h1": 0, "h2": 0, "h3": 1, "h4": 0, "h5": 0}
    [deploy] = of_type(journal, "step_finished", step="deploy")
    assert deploy["status"] == "failed" and deploy["reason"] == "exit status 1 on h3"
    assert {e["line"] for e in of_type(journal, "output", step="deploy")} == {
        f"on {a}" for a, _ in sshd_group.hosts
    }
    [tolerant] = of_type(journal, "step_finished", step="tolerant")
    assert tolerant["status"] == "succeeded"


def test_one_connection_per_host_is_shared_by_every_step(tmp_path: Path, sshd: Any) -> None:
    steps = "".join(f'\n[[steps]]\nid = "s{i}"\non = "h1"\nrun = "true"\n' for i in range(4))
    result = run(tmp_path, ssh_runbook(tmp_path, sshd, steps))
    assert result.returncode == 0, result.stdout + result.stderr
    assert Path(sshd.log).read_text().count("Accepted publickey") == 1


def test_a_timeout_kills_the_remote_process(tmp_path: Path, sshd: Any) -> None:
    pid_file = tmp_path / "remote.pid"
    rb = ssh_runbook(
        tmp_path,
        sshd,
        f"""
[[steps]]
id = "hang"
on = "h1"
run = "sleep 300 & echo $! > {pid_file}; sleep 300"
timeout = "2s"
on_failure = "continue"
""",
    )
    result = run(tmp_path, rb)
    assert result.returncode == 0, result.stdout + result.stderr
    [finished] = of_type(tmp_path / "j.jsonl", "step_finished", step="hang")
    assert "timed out after 2s" in finished["reason"]
    pid = int(pid_file.read_text())
    wait_until(
        lambda: not Path(f"/proc/{pid}").exists(), timeout=10, what="the remote sleep to be killed"
    )


def test_secrets_reach_the_remote_command_through_stdin_not_the_command_line(
    tmp_path: Path, sshd: Any
) -> None:
    out = tmp_path / "got"
    rb = ssh_runbook(
        tmp_path,
        sshd,
        f'[vars]\npw = {{ secret = true, env = "PW" }}\n[[steps]]\nid = "s"\non = "h1"\nrun = "printf %s {{{{pw}}}} > {out}; ps -eo args | grep -c Zq-9-secre[t] || true"\n',
    )
    result = run(tmp_path, rb, env={"PW": "Zq-9-secret"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert out.read_text() == "Zq-9-secret"
    assert b"Zq-9-secret" not in (tmp_path / "j.jsonl").read_bytes()
    # No process on the host shows the secret in its command line.
    assert [e["line"] for e in of_type(tmp_path / "j.jsonl", "output")] == ["0"]


def test_an_unknown_host_key_is_refused_with_its_fingerprint(tmp_path: Path, sshd: Any) -> None:
    rb = ssh_runbook(
        tmp_path, sshd, '[[steps]]\nid = "s"\non = "h1"\nrun = "true"\n', known_hosts=None
    )
    result = run(tmp_path, rb)
    assert result.returncode == 1
    [finished] = of_type(tmp_path / "j.jsonl", "step_finished", step="s")
    assert "is not known (ssh-ed25519 SHA256:" in finished["reason"]
    assert "golive hosts trust RUNBOOK" in finished["reason"]
    assert "Traceback" not in result.stdout + result.stderr


def test_a_changed_host_key_is_refused_loudly(tmp_path: Path, sshd: Any) -> None:
    old_known = tmp_path / "old_known_hosts"
    old_known.write_text(Path(sshd.known_hosts).read_text())
    sshd.rotate_host_key()
    rb = ssh_runbook(
        tmp_path, sshd, '[[steps]]\nid = "s"\non = "h1"\nrun = "true"\n', known_hosts=str(old_known)
    )
    result = run(tmp_path, rb)
    assert result.returncode == 1
    [finished] = of_type(tmp_path / "j.jsonl", "step_finished", step="s")
    assert finished["reason"].startswith("HOST KEY CHANGED")


def test_authentication_failure_is_a_plain_sentence(tmp_path: Path, sshd: Any) -> None:
    stranger = tmp_path / "stranger"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(stranger)], check=True)
    rb = ssh_runbook(
        tmp_path, sshd, '[[steps]]\nid = "s"\non = "h1"\nrun = "true"\n', identity=str(stranger)
    )
    result = run(tmp_path, rb)
    [finished] = of_type(tmp_path / "j.jsonl", "step_finished", step="s")
    assert finished["reason"].startswith("authentication failed for ")
    assert "Traceback" not in result.stdout + result.stderr


def test_hosts_trust_asks_then_writes_and_then_knows(tmp_path: Path, sshd: Any) -> None:
    known = tmp_path / "trusted_hosts"
    rb = ssh_runbook(
        tmp_path,
        sshd,
        '[[steps]]\nid = "s"\non = "h1"\nrun = "echo trusted"\n',
        known_hosts=str(known),
    )
    env = isolated_env(tmp_path)
    term = Terminal("hosts", "trust", rb, env=env)
    prompt = term.expect("type yes to add it:")
    assert "ssh-ed25519 SHA256:" in prompt
    term.send("yes")
    assert term.wait() == 0, term.text
    assert known.read_text().split()[1] == "ssh-ed25519"
    assert os.stat(known).st_mode & 0o077 == 0
    again = golive("hosts", "trust", rb, env=env)
    assert again.returncode == 0 and "already trusted" in again.stdout
    result = run(tmp_path, rb)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hosts_trust_without_a_terminal_writes_nothing(tmp_path: Path, sshd: Any) -> None:
    known = tmp_path / "trusted_hosts"
    rb = ssh_runbook(
        tmp_path, sshd, '[[steps]]\nid = "s"\non = "h1"\nrun = "true"\n', known_hosts=str(known)
    )
    result = golive("hosts", "trust", rb, env=isolated_env(tmp_path))
    assert result.returncode == 1 and "no terminal to ask" in result.stdout
    assert not known.exists()


def test_a_run_monitors_its_hosts_into_the_same_journal(tmp_path: Path, sshd: Any) -> None:
    rb = ssh_runbook(
        tmp_path,
        sshd,
        '[monitor]\ninterval = "0.5s"\ncpu_warn = 1\n[[steps]]\nid = "busy"\non = "h1"\nrun = "timeout 3 sh -c \'while :; do :; done\' || true"\n',
    )
    result = run(tmp_path, rb)
    assert result.returncode == 0, result.stdout + result.stderr
    journal = tmp_path / "j.jsonl"
    assert [e["state"] for e in of_type(journal, "host_state", host="h1")][:1] == ["LIVE"]
    assert len(of_type(journal, "sample", host="h1")) >= 3
    assert of_type(journal, "alert", host="h1", metric="cpu", status="raised")
    assert "⚠ h1: cpu" in result.stdout
    # The monitor stops before the run's last event: nothing follows run_finished.
    assert [e["type"] for e in events(journal)][-1] == "run_finished"


def alias_runbook(tmp_path: Path, server: Any, hosts: dict[str, str]) -> Path:
    """Hosts given only by ~/.ssh/config aliases: no port, user or key in the runbook."""
    tables = "".join(f'\n[hosts.{name}]\naddress = "{alias}"\n' for name, alias in hosts.items())
    path = tmp_path / "rb.toml"
    path.write_text(HEADER + f'known_hosts = "{server.known_hosts}"\n' + tables, encoding="utf-8")
    return path


def test_ssh_config_aliases_supply_hostname_port_user_and_key(
    tmp_path: Path, sshd_group: Any
) -> None:
    env = isolated_env(tmp_path)
    ssh_dir = Path(env["HOME"]) / ".ssh"
    ssh_dir.mkdir()
    sshd_group.ssh_config(ssh_dir / "config", aliases=[f"erp-app{i}" for i in range(1, 6)])
    rb = alias_runbook(tmp_path, sshd_group, {"app1": "erp-app1", "app3": "erp-app3"})
    rb.write_text(
        rb.read_text() + '\n[[steps]]\nid = "where"\non = "app3"\nrun = "echo $SSH_CONNECTION"\n'
    )
    result = run(tmp_path, rb)
    assert result.returncode == 0, result.stdout + result.stderr
    [line] = [e["line"] for e in of_type(tmp_path / "j.jsonl", "output")]
    address, port = sshd_group.hosts[2]
    assert line.split()[2:] == [address, str(port)]


def test_proxy_jump_reaches_a_host_through_another(tmp_path: Path, sshd_group: Any) -> None:
    env = isolated_env(tmp_path)
    ssh_dir = Path(env["HOME"]) / ".ssh"
    ssh_dir.mkdir()
    config = sshd_group.ssh_config(ssh_dir / "config", aliases=[f"n{i}" for i in range(1, 6)])
    config.write_text(
        config.read_text()
        + f"\nHost behind\n    HostName {sshd_group.hosts[4][0]}\n    Port {sshd_group.hosts[4][1]}\n    User {sshd_group.user}\n    IdentityFile {sshd_group.identity_file}\n    ProxyJump n1\n"
    )
    rb = alias_runbook(tmp_path, sshd_group, {"target": "behind"})
    rb.write_text(
        rb.read_text() + '\n[[steps]]\nid = "via"\non = "target"\nrun = "echo $SSH_CONNECTION"\n'
    )
    result = run(tmp_path, rb)
    assert result.returncode == 0, result.stdout + result.stderr
    [line] = [e["line"] for e in of_type(tmp_path / "j.jsonl", "output")]
    # The target saw the connection come from the jump host's forwarding, to its own address.
    assert line.split()[2] == sshd_group.hosts[4][0]
    log = Path(sshd_group.log).read_text()
    assert "direct-tcpip" in log or log.count("Accepted publickey") >= 2


def failing_host_runbook(tmp_path: Path, address: str, port: int) -> Path:
    path = tmp_path / "rb.toml"
    path.write_text(
        HEADER
        + f'[hosts.far]\naddress = "{address}"\nport = {port}\n[[steps]]\nid = "s"\non = "far"\nrun = "true"\n',
        encoding="utf-8",
    )
    return path


def test_dns_failure_and_refused_connections_are_plain_sentences(tmp_path: Path) -> None:
    import socket

    for address, port, expected in [
        ("no-such-host.invalid", 22, "cannot resolve no-such-host.invalid (DNS failure"),
        (
            "127.0.0.1",
            _free_port(socket),
            "refused the connection (is sshd running and listening there?)",
        ),
    ]:
        journal = tmp_path / f"j-{port}.jsonl"
        result = golive(
            "run",
            failing_host_runbook(tmp_path, address, port),
            "--rehearsal",
            "--journal",
            journal,
            env=isolated_env(tmp_path),
        )
        [finished] = of_type(journal, "step_finished", step="s")
        assert expected in finished["reason"], finished["reason"]
        assert "Traceback" not in result.stdout + result.stderr


def test_a_host_that_never_answers_times_out_without_hanging_the_run(tmp_path: Path) -> None:
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)  # accepts TCP, never says a word of SSH
    try:
        journal = tmp_path / "j.jsonl"
        started = time.monotonic()
        result = golive(
            "run",
            failing_host_runbook(tmp_path, "127.0.0.1", silent.getsockname()[1]),
            "--rehearsal",
            "--journal",
            journal,
            env=isolated_env(tmp_path),
            timeout=60,
        )
        assert time.monotonic() - started < 40
    finally:
        silent.close()
    [finished] = of_type(journal, "step_finished", step="s")
    assert finished["status"] == "failed"
    assert "accepted the connection but never spoke SSH within 10s" in finished["reason"]
    assert "Traceback" not in result.stdout + result.stderr


def _free_port(socket: Any) -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = int(probe.getsockname()[1])
    probe.close()
    return port


def test_a_broken_ssh_config_value_is_a_sentence_not_a_traceback(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    (Path(env["HOME"]) / ".ssh").mkdir()
    (Path(env["HOME"]) / ".ssh" / "config").write_text("Host odd\n    Port abc\n")
    journal = tmp_path / "j.jsonl"
    result = golive(
        "run",
        failing_host_runbook(tmp_path, "odd", 22),
        "--rehearsal",
        "--journal",
        journal,
        env=env,
    )
    [finished] = of_type(journal, "step_finished", step="s")
    assert "gives odd the port 'abc', which is not a number" in finished["reason"]
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("server_ciphers", "negotiated"),
    [(None, "aes128-gcm@openssh.com"), ("aes256-ctr,aes128-ctr", "aes128-ctr")],
    ids=["server-offers-gcm", "server-without-gcm"],
)
def test_connections_prefer_an_aead_cipher_and_wake_once_a_second(
    tmp_path: Path, server_ciphers: str | None, negotiated: str
) -> None:
    """What keeps fifty open connections cheap (README, Live monitoring), on a real
    sshd: AES-GCM when the server has it, paramiko's order when it has not, and a
    reader thread that waits IDLE_WAKE seconds, not 0.1, between idle wake-ups."""
    from golive.core.runbook import Host
    from golive.io.ssh import SshPool
    from golive.io.ssh_transport import IDLE_WAKE
    from tests.sshd import SshServer, require_sshd

    require_sshd()
    extra = [] if server_ciphers is None else [f"Ciphers {server_ciphers}"]
    server = SshServer(tmp_path / "sshd", ["127.0.0.2"], extra_config=extra)
    pool = SshPool(known_hosts=str(server.known_hosts))
    try:
        address, port = server.hosts[0]
        host = Host(
            "h1", address=address, port=port, user=server.user,
            identity_file=str(server.identity_file),
        )  # fmt: skip
        transport = pool.connection(host).transport
        assert (transport.local_cipher, transport.remote_cipher) == (negotiated, negotiated)
        assert transport.sock.gettimeout() == IDLE_WAKE
    finally:
        pool.close()
        server.close()
