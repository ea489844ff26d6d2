"""A real OpenSSH sshd on loopback for tests, with fault controls.

How to use it (the fixtures in tests/conftest.py wrap all of this):

    def test_something(sshd: SshServer) -> None:      # one host on 127.0.0.2
        address, port = sshd.hosts[0]
        sshd.user, sshd.identity_file, sshd.known_hosts  # log in as the current user
        subprocess.run(sshd.ssh_argv(sshd.hosts[0], "echo ok"), ...)   # the OpenSSH client

    sshd_group   -> one sshd listening on 127.0.0.10 .. 127.0.0.14 (five hosts)
    sshd_farm(n) -> an SshFarm of n hosts on ceil(n / 16) sshd processes, one user key
                    and one known_hosts file for all of them

    Directly: `with SshServer(tmp_path, ["127.0.0.2", ("127.0.0.3", 0)]) as server: ...`

Fault controls: `stop()` freezes the listener and every live session (SIGSTOP; new
connections hang at the banner), `cont()` thaws them, `kill()` SIGKILLs the listener
and every session (established connections drop), `restart()` starts again with the
same keys, addresses and ports, `rotate_host_key()` restarts with a new host key so
that `known_hosts` is stale ("host key changed"). `write_known_hosts(path)` writes a
current one, `ssh_config(...)` writes a client config with Host aliases.

The session processes are found through /proc: they are descendants of the listener
(listener -> per-connection sshd -> user's shell -> command), so the tree is frozen
top-down until no new descendant appears, and only then signalled. Linux only.
"""

from __future__ import annotations

import atexit
import contextlib
import getpass
import ipaddress
import math
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import time
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from types import TracebackType

import pytest

Host = tuple[str, int]

MAX_LISTEN_ADDRESSES = 16  # sshd's MAX_LISTEN_SOCKS
SSHD_FALLBACKS = ("/usr/sbin/sshd", "/usr/local/sbin/sshd")
PRIVSEP_DIR = Path("/run/sshd")
START_TIMEOUT = 10.0
_STOPPED_STATES = frozenset("TtZX")
_GONE_STATES = frozenset("ZX")


class SshdMissing(RuntimeError):
    """OpenSSH's sshd (or ssh-keygen) is not installed."""


class SshdError(RuntimeError):
    """sshd did not start (the message carries its log) or could not be controlled."""


# -- finding the tools ------------------------------------------------------


def find_sshd() -> str:
    """The absolute path of sshd (it re-executes itself, so it must be absolute)."""
    found = shutil.which("sshd")
    if found is None:
        found = next((p for p in SSHD_FALLBACKS if os.access(p, os.X_OK)), None)
    if found is None:
        raise SshdMissing(
            "OpenSSH sshd is not installed, and the SSH tests need a real one: "
            "apt-get install openssh-server (.ci/run does this)"
        )
    return os.path.abspath(found)


def find_ssh_keygen() -> str:
    found = shutil.which("ssh-keygen")
    if found is None:
        raise SshdMissing("ssh-keygen is not installed: apt-get install openssh-client")
    return found


def require_sshd() -> str:
    """For fixtures: fail (never skip) the test when sshd is missing."""
    try:
        find_ssh_keygen()
        return find_sshd()
    except SshdMissing as error:
        message = str(error)
    pytest.fail(message, pytrace=False)  # outside `except`: no chained traceback


@cache
def sshd_version(sshd: str) -> tuple[int, int]:
    result = subprocess.run(
        [sshd, "-V"], capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL
    )
    match = re.search(r"OpenSSH_(\d+)\.(\d+)", result.stdout + result.stderr)
    return (int(match[1]), int(match[2])) if match else (0, 0)


def generate_key(path: Path, comment: str) -> str:
    """A fresh passphrase-less ed25519 key at `path`; returns "ssh-ed25519 AAAA..."."""
    for old in (path, path.with_name(path.name + ".pub")):
        old.unlink(missing_ok=True)
    subprocess.run(
        [find_ssh_keygen(), "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        check=True,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=30,
    )
    return public_key(path)


def public_key(private_key: Path) -> str:
    """The .pub beside a private key as "type base64", without its comment."""
    return " ".join(private_key.with_name(private_key.name + ".pub").read_text().split()[:2])


def loopback_addresses(first: int, count: int) -> list[str]:
    """`count` addresses from 127.0.0.<first> upward, skipping ones ending in .0 or .255."""
    result: list[str] = []
    number = int(ipaddress.IPv4Address("127.0.0.0")) + first
    while len(result) < count:
        address = ipaddress.IPv4Address(number)
        if address not in ipaddress.IPv4Network("127.0.0.0/8"):
            raise ValueError("ran out of loopback addresses")
        if number % 256 not in (0, 255):
            result.append(str(address))
        number += 1
    return result


def known_hosts_line(host: Host, key: str) -> str:
    address, port = host
    name = address if port == 22 else f"[{address}]:{port}"
    return f"{name} {key}"


def write_ssh_config(
    path: Path,
    entries: Iterable[tuple[str, Host]],
    *,
    user: str,
    identity_file: Path,
    known_hosts: Path | None,
) -> Path:
    """An OpenSSH client config with one `Host alias` block per (alias, host)."""
    blocks = []
    for alias, (address, port) in entries:
        lines = [
            f"Host {alias}",
            f"    HostName {address}",
            f"    Port {port}",
            f"    User {user}",
            f"    IdentityFile {_quote(identity_file)}",
            "    IdentitiesOnly yes",
        ]
        if known_hosts is not None:
            lines += [
                f"    UserKnownHostsFile {_quote(known_hosts)}",
                "    StrictHostKeyChecking yes",
            ]
        blocks.append("\n".join(lines) + "\n")
    path.write_text("\n".join(blocks))
    return path


def ssh_argv(
    host: Host,
    command: str,
    *,
    user: str,
    identity_file: Path,
    known_hosts: Path,
    connect_timeout: float = 5,
    options: Sequence[str] = (),
) -> list[str]:
    """An `ssh` command line that uses nothing but the given key and known_hosts."""
    address, port = host
    argv = ["ssh", "-F", "/dev/null", "-p", str(port), "-l", user, "-i", str(identity_file)]
    for option in (
        "BatchMode=yes",
        "IdentitiesOnly=yes",
        "IdentityAgent=none",
        f"UserKnownHostsFile={known_hosts}",
        "GlobalKnownHostsFile=/dev/null",
        "StrictHostKeyChecking=yes",
        "UpdateHostKeys=no",
        "ControlMaster=no",
        "ControlPath=none",
        f"ConnectTimeout={max(1, math.ceil(connect_timeout))}",
        "LogLevel=ERROR",
        *options,
    ):
        argv += ["-o", option]
    return [*argv, address, command]


def _quote(path: Path | str) -> str:
    text = str(path)
    return f'"{text}"' if any(c.isspace() for c in text) else text


# -- /proc -------------------------------------------------------------------


def _process_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state letter) for every process in /proc."""
    table: dict[int, tuple[int, str]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                data = stat.read()
        except OSError:
            continue  # exited meanwhile
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses
        fields = data[data.rindex(b")") + 2 :].split()
        table[int(entry.name)] = (int(fields[1]), fields[0].decode())
    return table


def descendants(pid: int, table: dict[int, tuple[int, str]] | None = None) -> set[int]:
    """Children, grandchildren, ... of `pid` (not `pid` itself)."""
    children: dict[int, list[int]] = {}
    for child, (parent, _) in (table if table is not None else _process_table()).items():
        children.setdefault(parent, []).append(child)
    found: set[int] = set()
    pending = [pid]
    while pending:
        for child in children.get(pending.pop(), ()):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def _state(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            data = stat.read()
    except OSError:
        return None
    return data[data.rindex(b")") + 2 :].split()[0].decode()


def _signal(pids: Iterable[int], signum: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


def _wait_states(pids: Iterable[int], states: frozenset[str], what: str) -> None:
    deadline = time.monotonic() + 5
    waiting = set(pids)
    while waiting:
        waiting = {pid for pid in waiting if (s := _state(pid)) is not None and s not in states}
        if not waiting:
            return
        if time.monotonic() > deadline:
            raise SshdError(f"processes {sorted(waiting)} did not {what} within 5 s")
        time.sleep(0.005)


def _listening() -> dict[Host, set[int]]:
    """(address, port) -> socket inodes of the IPv4 TCP sockets in LISTEN state."""
    result: dict[Host, set[int]] = {}
    with open("/proc/net/tcp") as table:
        next(table)
        for line in table:
            fields = line.split()
            if fields[3] != "0A":  # TCP_LISTEN
                continue
            hex_address, hex_port = fields[1].split(":")
            address = socket.inet_ntoa(struct.pack("=I", int(hex_address, 16)))
            result.setdefault((address, int(hex_port, 16)), set()).add(int(fields[9]))
    return result


def _socket_inodes(pid: int) -> set[int]:
    inodes: set[int] = set()
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(int(target[8:-1]))
    return inodes


def _free_port(address: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((address, 0))
        port: int = probe.getsockname()[1]
        return port


# -- the server --------------------------------------------------------------

_LIVE: set[SshServer] = set()


@atexit.register
def _close_leftovers() -> None:
    for server in list(_LIVE):
        with contextlib.suppress(Exception):
            server.close()


class _BindFailed(SshdError):
    pass


class SshServer:
    """One sshd process listening on up to 16 (address, port) pairs on loopback.

    `hosts` entries may be an address (a free port is picked) or (address, port),
    where port 0 also means "pick one". Ports never change after the first start.
    `user_key` reuses an existing private key (its .pub must sit beside it) instead
    of generating one, so that several servers accept the same identity.
    """

    def __init__(
        self,
        directory: Path,
        hosts: Sequence[str | Host] = ("127.0.0.2",),
        *,
        user: str | None = None,
        user_key: Path | None = None,
        max_startups: str = "100:30:200",
        max_sessions: int = 10,
        log_level: str = "INFO",
        extra_config: Sequence[str] = (),
        start: bool = True,
    ) -> None:
        wanted = [(h, 0) if isinstance(h, str) else (h[0], int(h[1])) for h in hosts]
        if not 1 <= len(wanted) <= MAX_LISTEN_ADDRESSES:
            raise ValueError(
                f"one sshd listens on 1 to {MAX_LISTEN_ADDRESSES} addresses, not {len(wanted)}"
            )
        self.sshd = find_sshd()
        self.directory = directory.resolve()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.user = user or getpass.getuser()
        self.max_startups = max_startups
        self.max_sessions = max_sessions
        self.log_level = log_level
        self.extra_config = list(extra_config)
        self._wanted = wanted
        self.hosts: list[Host] = list(wanted)  # ports filled in by the first start
        self._ports_fixed = False

        self.config = self.directory / "sshd_config"
        self.log = self.directory / "sshd.log"
        self.pid_file = self.directory / "sshd.pid"
        self.host_key_file = self.directory / "ssh_host_ed25519_key"
        self.authorized_keys = self.directory / "authorized_keys"
        self.known_hosts = self.directory / "known_hosts"
        self.host_public_key = generate_key(self.host_key_file, "golive-test-host")
        if user_key is None:
            self.identity_file = self.directory / "id_ed25519"
            self.user_public_key = generate_key(self.identity_file, "golive-test-user")
        else:
            self.identity_file = user_key.resolve()
            self.user_public_key = public_key(self.identity_file)
        self.authorized_keys.write_text(self.user_public_key + "\n")

        self._process: subprocess.Popen[bytes] | None = None
        self._frozen: set[int] = set()
        self._closed = False
        if start:
            self.start()

    # -- lifecycle --

    @property
    def pid(self) -> int:
        """The listener's pid (of the last start)."""
        if self._process is None:
            raise SshdError("sshd was never started")
        return self._process.pid

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def stopped(self) -> bool:
        return bool(self._frozen)

    def start(self) -> None:
        """Start sshd and wait until it listens on every host; SshdError with its log if not."""
        if self._closed:
            raise SshdError("this SshServer is closed")
        if self.running:
            raise SshdError("sshd is already running")
        _LIVE.add(self)
        deadline = time.monotonic() + START_TIMEOUT
        attempt = 0
        while True:
            attempt += 1
            if not self._ports_fixed:
                self.hosts = [(a, p or _free_port(a)) for a, p in self._wanted]
            try:
                self._launch(deadline)
            except _BindFailed:
                self._reap()
                # A port we picked was taken meanwhile (pick again), or one we must
                # reuse is still held (wait a little): retry until the deadline.
                repick = not self._ports_fixed and any(p == 0 for _, p in self._wanted)
                if time.monotonic() > deadline or attempt >= 50:
                    raise
                time.sleep(0.01 if repick else 0.2)
                continue
            except BaseException:
                self._reap()
                raise
            break
        if not self._ports_fixed:
            self._ports_fixed = True
            self.write_known_hosts()  # only now are the ports known; later starts keep it

    def restart(self) -> None:
        """Kill sshd and every session if running, then start with the same keys and ports."""
        if self._process is not None:
            self.kill()
        self.start()

    def close(self) -> None:
        """Kill sshd and every session; idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._process is not None:
                self.kill()
        finally:
            _LIVE.discard(self)

    def __enter__(self) -> SshServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "stopped" if self.stopped else "running" if self.running else "down"
        return f"<SshServer {state} {self.hosts} in {self.directory}>"

    # -- fault controls --

    def session_pids(self) -> set[int]:
        """Processes under the listener: per-connection sshd, shells, commands."""
        return descendants(self.pid)

    def stop(self) -> set[int]:
        """SIGSTOP the listener and all its descendants; returns the frozen pids.

        New connections then complete TCP (kernel backlog) but get no SSH banner;
        established sessions stop answering.
        """
        if not self.running:
            raise SshdError("sshd is not running")
        self._freeze()
        return set(self._frozen)

    def cont(self) -> None:
        """SIGCONT everything stop() froze (and anything under the listener)."""
        pids = set(self._frozen)
        if self.running:
            pids |= {self.pid} | descendants(self.pid)
        _signal(pids, signal.SIGCONT)
        self._frozen.clear()

    def kill(self) -> None:
        """SIGKILL the listener and all its descendants; established connections drop."""
        if self._process is None:
            return
        if self.running:
            self._freeze()  # nothing can fork or exit (and be lost to reparenting) now
            tree = descendants(self.pid)
            _signal(tree, signal.SIGKILL)
            _signal([self.pid], signal.SIGKILL)
            self._process.wait(timeout=10)
            _wait_states(tree, _GONE_STATES, "die")  # their sockets are closed now
        else:
            self._process.wait(timeout=10)
        self._frozen.clear()

    def rotate_host_key(self) -> str:
        """A new host key (restarting sshd if it runs); `known_hosts` is left stale.

        Returns the new public key, also in `host_public_key`.
        """
        was_running = self.running
        if self._process is not None:
            self.kill()
        self.host_public_key = generate_key(self.host_key_file, "golive-test-host")
        if was_running:
            self.start()
        return self.host_public_key

    # -- client-side files --

    def known_hosts_lines(self) -> list[str]:
        return [known_hosts_line(host, self.host_public_key) for host in self.hosts]

    def write_known_hosts(self, path: Path | None = None) -> Path:
        """Write a known_hosts for the current host key (default: over `known_hosts`)."""
        target = self.known_hosts if path is None else path
        target.write_text("\n".join(self.known_hosts_lines()) + "\n")
        return target

    def ssh_config(
        self,
        path: Path | None = None,
        aliases: Sequence[str] | None = None,
        *,
        known_hosts: bool = True,
    ) -> Path:
        """A client config with `Host alias` blocks (default aliases host1, host2, ...)."""
        names = list(aliases) if aliases is not None else default_aliases(len(self.hosts))
        if len(names) != len(self.hosts):
            raise ValueError(f"{len(names)} aliases for {len(self.hosts)} hosts")
        return write_ssh_config(
            path or self.directory / "ssh_config",
            zip(names, self.hosts, strict=True),
            user=self.user,
            identity_file=self.identity_file,
            known_hosts=self.known_hosts if known_hosts else None,
        )

    def ssh_argv(
        self,
        host: Host | None = None,
        command: str = "true",
        *,
        known_hosts: Path | None = None,
        connect_timeout: float = 5,
        options: Sequence[str] = (),
    ) -> list[str]:
        """An OpenSSH `ssh` command line for `command` on `host` (default: the first)."""
        return ssh_argv(
            host or self.hosts[0],
            command,
            user=self.user,
            identity_file=self.identity_file,
            known_hosts=known_hosts or self.known_hosts,
            connect_timeout=connect_timeout,
            options=options,
        )

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    # -- internals --

    def _write_config(self) -> None:
        lines = [f"ListenAddress {address}:{port}" for address, port in self.hosts]
        lines += [
            f"HostKey {_quote(self.host_key_file)}",
            f"AuthorizedKeysFile {_quote(self.authorized_keys)}",
            f"PidFile {_quote(self.pid_file)}",
            "UsePAM no",
            "StrictModes no",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes",
            "PermitRootLogin prohibit-password",
            f"MaxSessions {self.max_sessions}",
            f"MaxStartups {self.max_startups}",
            "ClientAliveInterval 0",
            "UseDNS no",
            f"LogLevel {self.log_level}",
            "PrintMotd no",
            "PrintLastLog no",
            # Debian's bash reads ~/.bashrc for a command sent over SSH when it is
            # the top-level shell, which it judges by SHLVL. The test user's
            # dotfiles are not what these tests test, and on the CI machine root's
            # .bashrc runs `pyenv init`, whose rehash waits 60 s on a lock that a
            # killed rehash leaves behind: every session, every test.
            "SetEnv SHLVL=1",
        ]
        if sshd_version(self.sshd) >= (9, 8):
            # Probes, killed sessions and failed logins would get loopback refused.
            lines.append("PerSourcePenalties no")
        lines += self.extra_config
        self.config.write_text("\n".join(lines) + "\n")

    def _launch(self, deadline: float) -> None:
        self._write_config()
        with contextlib.suppress(PermissionError):  # not root: sshd may not need it
            if not PRIVSEP_DIR.is_dir():
                PRIVSEP_DIR.mkdir(mode=0o755, parents=True, exist_ok=True)
                PRIVSEP_DIR.chmod(0o755)
        offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(
                [self.sshd, "-D", "-e", "-f", str(self.config)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process = self._process
        while True:
            text = self._log_since(offset)
            if "Bind to port" in text and "failed" in text:
                raise _BindFailed(self._failure("could not bind", offset))
            code = process.poll()
            if code is not None:
                raise SshdError(self._failure(f"exited with code {code}", offset))
            listening = _listening()
            mine = _socket_inodes(process.pid)
            if all(listening.get(host, set()) & mine for host in self.hosts):
                break
            if time.monotonic() > deadline:
                raise SshdError(self._failure("is not listening after 10 s", offset))
            time.sleep(0.02)
        for host in self.hosts:
            self._probe(host, offset)

    def _probe(self, host: Host, offset: int) -> None:
        """Connect and read the SSH banner."""
        try:
            with socket.create_connection(host, timeout=START_TIMEOUT) as connection:
                banner = connection.recv(256)
        except OSError as error:
            raise SshdError(self._failure(f"does not answer on {host}: {error}", offset)) from None
        if not banner.startswith(b"SSH-"):
            raise SshdError(self._failure(f"sent {banner!r} on {host}", offset))

    def _log_since(self, offset: int) -> str:
        try:
            with self.log.open("rb") as log:
                log.seek(offset)
                return log.read().decode(errors="replace")
        except OSError:
            return ""

    def _failure(self, what: str, offset: int) -> str:
        log = self._log_since(offset).strip() or "(empty)"
        return (
            f"sshd ({self.sshd} -D -e -f {self.config}) {what}.\n"
            f"hosts: {self.hosts}\n--- {self.log} ---\n{log[-4000:]}"
        )

    def _reap(self) -> None:
        """After a failed launch: make sure that sshd and anything it forked is gone."""
        if self._process is not None and self._process.poll() is None:
            self.kill()
        elif self._process is not None:
            self._process.wait()
        self._process = None

    def _freeze(self) -> None:
        """SIGSTOP the listener, then its descendants top-down until no new one appears."""
        root = self.pid
        os.kill(root, signal.SIGSTOP)
        self._frozen.add(root)
        _wait_states([root], _STOPPED_STATES, "stop")
        while True:
            fresh = descendants(root) - self._frozen
            if not fresh:
                return
            # A process not yet stopped may fork once more: the next pass finds that child.
            _signal(fresh, signal.SIGSTOP)
            self._frozen |= fresh
            _wait_states(fresh, _STOPPED_STATES, "stop")


def default_aliases(count: int) -> list[str]:
    return [f"host{number}" for number in range(1, count + 1)]


class SshFarm:
    """n hosts on ceil(n / 16) sshd processes that share one user key and known_hosts."""

    def __init__(
        self,
        directory: Path,
        addresses: Sequence[str],
        *,
        max_startups: str = "100:30:200",
        max_sessions: int = 10,
        extra_config: Sequence[str] = (),
    ) -> None:
        self.directory = directory.resolve()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.servers: list[SshServer] = []
        try:
            for index in range(0, len(addresses), MAX_LISTEN_ADDRESSES):
                self.servers.append(
                    SshServer(
                        self.directory / f"sshd{len(self.servers)}",
                        addresses[index : index + MAX_LISTEN_ADDRESSES],
                        user_key=self.servers[0].identity_file if self.servers else None,
                        max_startups=max_startups,
                        max_sessions=max_sessions,
                        extra_config=extra_config,
                    )
                )
        except BaseException:
            self.close()
            raise
        first = self.servers[0]
        self.user = first.user
        self.identity_file = first.identity_file
        self.known_hosts = self.write_known_hosts(self.directory / "known_hosts")

    @property
    def hosts(self) -> list[Host]:
        return [host for server in self.servers for host in server.hosts]

    def server_for(self, host: Host) -> SshServer:
        return next(server for server in self.servers if host in server.hosts)

    def write_known_hosts(self, path: Path | None = None) -> Path:
        target = self.known_hosts if path is None else path
        lines = [line for server in self.servers for line in server.known_hosts_lines()]
        target.write_text("\n".join(lines) + "\n")
        return target

    def ssh_config(self, path: Path | None = None, aliases: Sequence[str] | None = None) -> Path:
        hosts = self.hosts
        names = list(aliases) if aliases is not None else default_aliases(len(hosts))
        if len(names) != len(hosts):
            raise ValueError(f"{len(names)} aliases for {len(hosts)} hosts")
        return write_ssh_config(
            path or self.directory / "ssh_config",
            zip(names, hosts, strict=True),
            user=self.user,
            identity_file=self.identity_file,
            known_hosts=self.known_hosts,
        )

    def ssh_argv(
        self,
        host: Host,
        command: str = "true",
        *,
        connect_timeout: float = 5,
        options: Sequence[str] = (),
    ) -> list[str]:
        return ssh_argv(
            host,
            command,
            user=self.user,
            identity_file=self.identity_file,
            known_hosts=self.known_hosts,
            connect_timeout=connect_timeout,
            options=options,
        )

    def close(self) -> None:
        errors: list[BaseException] = []
        for server in self.servers:
            try:
                server.close()
            except Exception as error:
                errors.append(error)
        if errors:
            raise errors[0]

    def __enter__(self) -> SshFarm:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[Host]:
        return iter(self.hosts)
