"""The sshd fixtures themselves, proven with the real OpenSSH client."""

from __future__ import annotations

import os
import re
import select
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from tests import sshd as sshd_module
from tests.sshd import MAX_LISTEN_ADDRESSES, SshdError, SshFarm, SshServer, require_sshd

pytestmark = pytest.mark.slow  # real servers, terminals or processes: not in the fast lane


@pytest.fixture(autouse=True)
def _ssh_client() -> None:
    if shutil.which("ssh") is None:
        pytest.fail("the OpenSSH client `ssh` is not installed (openssh-client)", pytrace=False)


def ssh(argv: Sequence[str], timeout: float = 20) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )


def ssh_all(argvs: Sequence[Sequence[str]], timeout: float = 30) -> list[tuple[int, str, str]]:
    """Run several ssh commands at once: (returncode, stdout, stderr) each."""
    processes = [
        subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for argv in argvs
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=timeout)
        results.append((process.returncode, out, err))
    return results


def ok(result: subprocess.CompletedProcess[str], server: SshServer) -> str:
    assert result.returncode == 0, (
        f"ssh failed ({result.returncode}): {result.stderr}\n--- sshd log ---\n"
        + server.log_text()[-3000:]
    )
    return result.stdout


class Session:
    """A live `ssh host cat`: what goes in comes back, while the connection lives."""

    def __init__(self, argv: Sequence[str]) -> None:
        self.process = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,
        )

    def send(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text.encode())

    def receive(self, timeout: float) -> str:
        """What arrives within `timeout` seconds (stops at the first chunk)."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        ready, _, _ = select.select([fd], [], [], timeout)
        return os.read(fd, 4096).decode() if ready else ""

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate(timeout=10)


@pytest.fixture
def session() -> Iterator[Callable[[Sequence[str]], Session]]:
    sessions: list[Session] = []

    def start(argv: Sequence[str]) -> Session:
        sessions.append(Session(argv))
        return sessions[-1]

    yield start
    for opened in sessions:
        opened.close()


def test_a_command_runs_on_the_host(sshd: SshServer) -> None:
    (address, port) = sshd.hosts[0]
    assert address == "127.0.0.2" and port > 1024
    lines = sshd.known_hosts.read_text().splitlines()
    assert lines == [f"[127.0.0.2]:{port} {sshd.host_public_key}"]
    assert re.fullmatch(r"ssh-ed25519 AAAA[0-9A-Za-z+/=]+", sshd.host_public_key)
    assert sshd.identity_file.is_file() and sshd.log.is_file()
    assert ok(ssh(sshd.ssh_argv(sshd.hosts[0], "echo ok")), sshd) == "ok\n"


def test_every_address_of_the_group_answers_as_itself(sshd_group: SshServer) -> None:
    hosts = sshd_group.hosts
    assert [address for address, _ in hosts] == [f"127.0.0.{n}" for n in range(10, 15)]
    results = ssh_all([sshd_group.ssh_argv(host, 'echo "$SSH_CONNECTION"') for host in hosts])
    for (address, port), (code, out, err) in zip(hosts, results, strict=True):
        assert code == 0, err
        assert out.split()[2:] == [address, str(port)]


def test_ssh_config_aliases_reach_their_hosts(sshd_group: SshServer) -> None:
    config = sshd_group.ssh_config(aliases=["web1", "web2", "db1", "db2", "cache"])
    text = config.read_text()
    assert "Host db1\n    HostName 127.0.0.12\n" in text
    assert f"    IdentityFile {sshd_group.identity_file}\n" in text
    result = ssh(["ssh", "-F", str(config), "-o", "BatchMode=yes", "db1", 'echo "$SSH_CONNECTION"'])
    assert ok(result, sshd_group).split()[2:] == ["127.0.0.12", str(sshd_group.hosts[2][1])]


def test_stop_freezes_new_and_live_connections_and_cont_revives_them(
    sshd: SshServer, session: Callable[[Sequence[str]], Session]
) -> None:
    live = session(sshd.ssh_argv(command="cat"))
    live.send("before\n")
    assert live.receive(timeout=10) == "before\n"

    frozen = sshd.stop()
    assert sshd.pid in frozen and len(frozen) >= 3  # listener, session sshd, cat
    assert all(sshd_module._state(pid) in ("T", None) for pid in frozen)
    live.send("during\n")
    assert live.receive(timeout=0.5) == ""  # the session is frozen too
    started = time.monotonic()
    hung = ssh(sshd.ssh_argv(command="echo ok", connect_timeout=1), timeout=15)
    assert hung.returncode == 255 and "timed out" in hung.stderr, hung.stderr
    assert time.monotonic() - started < 10

    sshd.cont()
    assert live.receive(timeout=10) == "during\n"
    assert ok(ssh(sshd.ssh_argv(command="echo ok")), sshd) == "ok\n"


def test_kill_drops_connections_and_restart_serves_the_same_host_key(
    sshd: SshServer, session: Callable[[Sequence[str]], Session]
) -> None:
    live = session(sshd.ssh_argv(command="cat"))
    live.send("hello\n")
    assert live.receive(timeout=10) == "hello\n"
    hosts, old_pid = list(sshd.hosts), sshd.pid
    tree = sshd.session_pids()

    sshd.kill()
    assert live.process.wait(timeout=10) == 255  # the connection died with the server
    assert not sshd.running
    assert all(sshd_module._state(pid) in ("Z", "X", None) for pid in tree)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(hosts[0], timeout=5).close()

    sshd.restart()
    assert sshd.hosts == hosts and sshd.pid != old_pid
    assert ok(ssh(sshd.ssh_argv(command="echo ok")), sshd) == "ok\n"  # same known_hosts


def test_a_rotated_host_key_fails_strict_host_key_checking(sshd: SshServer, tmp_path: Path) -> None:
    old_key, old_pid = sshd.host_public_key, sshd.pid
    new_key = sshd.rotate_host_key()
    assert new_key != old_key and sshd.pid != old_pid
    assert old_key in sshd.known_hosts.read_text()  # left stale on purpose

    refused = ssh(sshd.ssh_argv(command="echo ok"))
    assert refused.returncode == 255
    assert "Host key verification failed" in refused.stderr, refused.stderr

    fresh = sshd.write_known_hosts(tmp_path / "fresh_known_hosts")
    assert ok(ssh(sshd.ssh_argv(command="echo ok", known_hosts=fresh)), sshd) == "ok\n"


def test_a_farm_spreads_its_hosts_over_sshds_of_16(sshd_farm: Callable[[int], SshFarm]) -> None:
    farm = sshd_farm(17)
    assert [len(server.hosts) for server in farm.servers] == [16, 1]
    assert len({server.pid for server in farm.servers}) == 2
    assert len(set(farm.hosts)) == 17
    assert farm.hosts[0][0] == "127.0.0.100"
    assert len(farm.known_hosts.read_text().splitlines()) == 17
    results = ssh_all([farm.ssh_argv(host, "echo ok") for host in farm.hosts])
    assert [code for code, _, _ in results] == [0] * 17, [err for _, _, err in results]

    second = sshd_farm(2)
    assert second.hosts[0][0] == "127.0.0.117"


def test_one_sshd_listens_on_at_most_16_addresses(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="1 to 16"):
        SshServer(tmp_path, [f"127.0.0.{n}" for n in range(2, 3 + MAX_LISTEN_ADDRESSES)])


def test_the_fixtures_fail_rather_than_skip_without_sshd(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sshd_module, "SSHD_FALLBACKS", ())
    with pytest.raises(pytest.fail.Exception, match="openssh"):
        require_sshd()


def test_an_sshd_that_cannot_start_fails_with_its_log(tmp_path: Path) -> None:
    require_sshd()
    with pytest.raises(SshdError, match=r"(?s)exited with code.*Bad configuration option"):
        SshServer(tmp_path, extra_config=["NoSuchOption yes"])


def test_a_picked_port_taken_meanwhile_is_picked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_sshd()
    with socket.socket() as taken:
        taken.bind(("127.0.0.2", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        picks = iter([busy])
        real = sshd_module._free_port
        monkeypatch.setattr(sshd_module, "_free_port", lambda a: next(picks, None) or real(a))
        with SshServer(tmp_path) as server:
            assert server.hosts[0][1] != busy
            assert "Bind to port" in server.log_text()  # the first try failed
            assert ok(ssh(server.ssh_argv(command="echo ok")), server) == "ok\n"
