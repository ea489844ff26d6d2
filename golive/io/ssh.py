"""SSH connections: one per host, shared by step execution and monitoring.

Settings come from the runbook first, then ~/.ssh/config (HostName, User,
Port, IdentityFile, ProxyJump), then OpenSSH's defaults. Host keys are
checked against ~/.ssh/known_hosts plus the runbook's known_hosts file; an
unknown key is refused with its fingerprint and the command that trusts it,
and a changed key is always refused.
"""

from __future__ import annotations

import base64
import errno
import getpass
import hashlib
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where it is used: a runbook without SSH hosts never loads it
    import paramiko

from golive.core.runbook import Host
from golive.io.ssh_transport import last_read, no_delay, transport_class

# paramiko logs transport failures with tracebacks; with no handler configured, Python
# prints them to stderr. golive reports every failure as a sentence of its own.
logging.getLogger("paramiko").addHandler(logging.NullHandler())

CONNECT_TIMEOUT = 10.0
CONCURRENT_CONNECTS = 8  # under sshd's MaxStartups (10:30:100), should hosts share a bastion
CONNECT_STAGGER = 0.02
CHANNELS_PER_CONNECTION = 9  # sshd's MaxSessions is 10; one spare for a person's retry
HEARTBEAT_EVERY = 10.0
HEARTBEAT_TIMEOUT = 10.0
FAILURE_MEMORY = 3.0  # a connect that just failed is not tried again for this long
# A connection the server sent something on this recently is not asked for a
# heartbeat: the monitor's sampler streams every interval, so fifty monitored
# hosts cost no keepalive round trips (nor the threads that wait for them).
HEARD_RECENTLY = 3.0


class SshError(Exception):
    """A connection problem, said as a plain sentence for the operator."""


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH's SHA256 fingerprint: SHA256:base64-without-padding."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def known_hosts_name(hostname: str, port: int) -> str:
    return hostname if port == 22 else f"[{hostname}]:{port}"


@dataclass(frozen=True)
class SshTarget:
    """Where and how to connect to one runbook host, all settings resolved."""

    name: str
    hostname: str
    port: int
    user: str
    identity_files: tuple[str, ...] = ()
    proxy_jump: str | None = None

    @property
    def label(self) -> str:
        return f"{self.user}@{self.hostname}:{self.port}"


def _ssh_config(path: str | None) -> paramiko.SSHConfig:
    import paramiko

    path = os.path.expanduser(path or "~/.ssh/config")
    if os.path.isfile(path):
        try:
            return paramiko.SSHConfig.from_path(path)
        except (OSError, paramiko.SSHException) as exc:
            raise SshError(f"cannot read {path}: {exc}") from None
    return paramiko.SSHConfig()


def resolve_target(host: Host, ssh_config_path: str | None = None) -> SshTarget:
    """The runbook's settings win; ~/.ssh/config fills in the rest (address may be an alias)."""
    assert host.address is not None
    found = _ssh_config(ssh_config_path).lookup(host.address)
    identities = [host.identity_file] if host.identity_file else list(found.get("identityfile", []))
    try:
        configured_port = int(found.get("port", 22))
    except ValueError:
        raise SshError(
            f"~/.ssh/config gives {host.address} the port {found.get('port')!r}, which is not a number"
        ) from None
    return SshTarget(
        name=host.name,
        hostname=found.get("hostname", host.address),
        port=host.port or configured_port,
        user=host.user or found.get("user") or getpass.getuser(),
        identity_files=tuple(os.path.expanduser(p) for p in identities),
        proxy_jump=found.get("proxyjump"),
    )


def _refuse_unknown() -> paramiko.MissingHostKeyPolicy:
    """A policy that refuses a host key no known_hosts file lists, saying how to trust it."""
    import paramiko

    class RefuseUnknown(paramiko.MissingHostKeyPolicy):
        def missing_host_key(
            self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey
        ) -> None:
            raise SshError(
                f"the host key of {hostname} is not known ({key.get_name()} {fingerprint(key)}); "
                "check the fingerprint with the host's owner, then run: golive hosts trust RUNBOOK"
            )

    return RefuseUnknown()


def load_known_hosts(client: paramiko.SSHClient, extra: str | None) -> None:
    import paramiko

    for path in ("~/.ssh/known_hosts", extra):
        if path and os.path.isfile(os.path.expanduser(path)):
            try:
                client.load_host_keys(os.path.expanduser(path))
            except (OSError, paramiko.SSHException) as exc:
                raise SshError(f"cannot read known_hosts file {path}: {exc}") from None


def explain(exc: BaseException, target: SshTarget) -> str:
    """A plain sentence for a failed connection: never a traceback."""
    import paramiko

    where = f"{target.hostname}:{target.port}"
    if isinstance(exc, SshError):
        return str(exc)
    if isinstance(exc, paramiko.BadHostKeyException):
        return (
            f"HOST KEY CHANGED for {where}: it offered {exc.key.get_name()} {fingerprint(exc.key)}, "
            f"but known_hosts has {fingerprint(exc.expected_key)}. Refusing to connect: this may be "
            "a man-in-the-middle. If the host was really rebuilt, remove the old key "
            f"(ssh-keygen -R '{known_hosts_name(target.hostname, target.port)}') and trust it again."
        )
    if isinstance(exc, paramiko.AuthenticationException):
        keys = ", ".join(target.identity_files) or "ssh-agent and default keys"
        return f"authentication failed for {target.label} (tried {keys}); is the key in its authorized_keys?"
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve {target.hostname} (DNS failure: {exc.strerror})"
    if isinstance(exc, paramiko.ssh_exception.NoValidConnectionsError):
        inner = next(iter(exc.errors.values()), None)
        if isinstance(inner, ConnectionRefusedError):
            return f"{where} refused the connection (is sshd running and listening there?)"
        return f"cannot connect to {where}: {inner}"
    if isinstance(exc, ConnectionRefusedError):
        return f"{where} refused the connection (is sshd running and listening there?)"
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return f"no answer from {where} within {CONNECT_TIMEOUT + 5:g}s (host down, unreachable or filtered)"
    if isinstance(exc, OSError) and exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return f"{where} is unreachable ({exc.strerror})"
    if isinstance(exc, paramiko.SSHException) and "banner" in str(exc):
        return f"{where} accepted the connection but never spoke SSH within {CONNECT_TIMEOUT:g}s"
    if isinstance(exc, EOFError | paramiko.SSHException):
        return f"SSH with {where} failed: {exc or type(exc).__name__}"
    return f"cannot connect to {where}: {exc}"


class SshConnection:
    """One authenticated connection; channels are opened from it up to sshd's limit."""

    def __init__(
        self, target: SshTarget, client: paramiko.SSHClient, jump: paramiko.SSHClient | None
    ) -> None:
        self.target = target
        self.client = client
        self._jump = jump
        self._slots = threading.BoundedSemaphore(CHANNELS_PER_CONNECTION)
        self.dead_reason = ""

    @property
    def transport(self) -> paramiko.Transport:
        transport = self.client.get_transport()
        if transport is None:
            raise SshError(f"the connection to {self.target.label} is closed")
        return transport

    @property
    def alive(self) -> bool:
        transport = self.client.get_transport()
        return not self.dead_reason and transport is not None and transport.is_active()

    @contextmanager
    def channel(self, timeout: float = CONNECT_TIMEOUT) -> Iterator[paramiko.Channel]:
        """A session channel, waiting for a free slot so sshd's MaxSessions is never hit."""
        import paramiko

        if not self._slots.acquire(timeout=timeout):
            raise SshError(
                f"{self.target.name}: all {CHANNELS_PER_CONNECTION} sessions of the connection are busy"
            )
        try:
            try:
                chan = self.transport.open_session(timeout=timeout)
            except (paramiko.SSHException, EOFError, OSError) as exc:
                raise SshError(f"{self.target.name}: cannot open a session: {exc}") from None
            try:
                yield chan
            finally:
                chan.close()
        finally:
            self._slots.release()

    def heard_within(self, seconds: float) -> bool:
        """Whether the server sent anything on this connection in the last `seconds`."""
        last = last_read(self.client.get_transport())
        return last is not None and time.monotonic() - last < seconds

    def heartbeat(self, timeout: float = HEARTBEAT_TIMEOUT) -> bool:
        """A keepalive@openssh.com round trip. paramiko's own keepalive never waits for
        an answer, so a frozen server looks alive to it; this one must answer in time."""
        if not self.alive:
            return False
        answered = threading.Event()

        def ask() -> None:
            try:
                self.transport.global_request("keepalive@openssh.com", wait=True)
                answered.set()  # any reply, even "denied", proves the server is there
            except Exception:
                pass

        threading.Thread(target=ask, name=f"heartbeat-{self.target.name}", daemon=True).start()
        if answered.wait(timeout):
            return True
        self.close(f"no heartbeat answer within {timeout:g}s")
        return False

    def close(self, reason: str = "closed") -> None:
        self.dead_reason = self.dead_reason or reason
        self.client.close()
        if self._jump is not None:
            self._jump.close()


def open_connection(
    target: SshTarget, known_hosts: str | None, timeout: float = CONNECT_TIMEOUT
) -> SshConnection:
    """Connect and authenticate, or raise SshError with a plain sentence."""
    import paramiko

    jump_client: paramiko.SSHClient | None = None
    try:
        sock = None
        if target.proxy_jump:
            jump_target = _jump_target(target.proxy_jump)
            jump = open_connection(jump_target, known_hosts, timeout)
            jump_client = jump.client
            sock = jump.transport.open_channel(
                "direct-tcpip", (target.hostname, target.port), ("127.0.0.1", 0), timeout=timeout
            )
        client = paramiko.SSHClient()
        load_known_hosts(client, known_hosts)
        client.set_missing_host_key_policy(_refuse_unknown())
        client.connect(
            target.hostname,
            port=target.port,
            username=target.user,
            key_filename=list(target.identity_files) or None,  # type: ignore[arg-type]  # a list is accepted
            allow_agent=True,
            look_for_keys=not target.identity_files,
            # The key exchange may take a little longer than the banner wait, so that a
            # silent server fails with its own reason, not with a race of two timers.
            timeout=timeout + 5,
            banner_timeout=timeout,
            auth_timeout=timeout,
            sock=sock,
            # The stubs lack Transport's gss_kex and gss_deleg_creds, which it takes.
            transport_factory=transport_class(),  # type: ignore[arg-type]
        )
    except Exception as exc:  # every failure becomes one plain sentence
        if jump_client is not None:
            jump_client.close()
        # When the transport thread died first (a banner timeout), login then fails with
        # "No existing session"; the thread's own exception is the real cause.
        cause = (
            getattr(client.get_transport(), "saved_exception", None)
            if "client" in locals()
            else None
        )
        raise SshError(explain(cause or exc, target)) from None
    no_delay(client)
    return SshConnection(target, client, jump_client)


def _jump_target(spec: str) -> SshTarget:
    """ProxyJump [user@]host[:port] (one hop), itself resolved through ~/.ssh/config."""
    first = spec.split(",")[0]
    user, _, rest = first.rpartition("@")
    hostname, _, port = rest.partition(":")
    host = Host(
        name=f"jump:{hostname}",
        address=hostname,
        port=int(port) if port else None,
        user=user or None,
    )
    return resolve_target(host)


class SshPool:
    """Connections by host name, opened on first use, a few at a time, and watched.

    A heartbeat thread asks each connection for a keepalive reply every
    HEARTBEAT_EVERY seconds and closes one that does not answer, so the next
    use reconnects instead of hanging on a dead TCP session.
    """

    def __init__(
        self,
        known_hosts: str | None = None,
        ssh_config: str | None = None,
        heartbeat_every: float = HEARTBEAT_EVERY,
        heartbeat_timeout: float = HEARTBEAT_TIMEOUT,
    ) -> None:
        self.known_hosts = known_hosts
        self.ssh_config = ssh_config
        self._connections: dict[str, SshConnection] = {}
        self._failures: dict[str, tuple[float, str]] = {}
        self._host_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._connect_slots = threading.BoundedSemaphore(CONCURRENT_CONNECTS)
        self._last_connect = 0.0
        self._stop = threading.Event()
        self._heartbeat_every = heartbeat_every
        self._heartbeat_timeout = heartbeat_timeout
        self._watcher = threading.Thread(target=self._watch, name="ssh-heartbeat", daemon=True)
        self._watcher.start()

    def connection(self, host: Host) -> SshConnection:
        with self._lock:
            lock = self._host_locks.setdefault(host.name, threading.Lock())
        with lock:  # one connect per host at a time: the executor and monitor share it
            existing = self._connections.get(host.name)
            if existing is not None and existing.alive:
                return existing
            failed = self._failures.get(host.name)
            if failed is not None and time.monotonic() - failed[0] < FAILURE_MEMORY:
                # Whoever waited on the lock for that attempt gets its answer, not a second wait.
                raise SshError(failed[1])
            target = resolve_target(host, self.ssh_config)
            with self._connect_slots:
                self._stagger()
                try:
                    connection = open_connection(target, self.known_hosts)
                except SshError as exc:
                    self._failures[host.name] = (time.monotonic(), str(exc))
                    raise
            self._failures.pop(host.name, None)
            self._connections[host.name] = connection
            return connection

    def _stagger(self) -> None:
        with self._lock:
            wait = self._last_connect + CONNECT_STAGGER - time.monotonic()
            self._last_connect = max(time.monotonic(), self._last_connect + CONNECT_STAGGER)
        if wait > 0:
            time.sleep(wait)

    def _watch(self) -> None:
        while not self._stop.wait(self._heartbeat_every):
            with self._lock:
                live = [
                    c
                    for c in self._connections.values()
                    if c.alive and not c.heard_within(HEARD_RECENTLY)
                ]
            for connection in live:
                threading.Thread(
                    target=connection.heartbeat, args=(self._heartbeat_timeout,), daemon=True
                ).start()

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            connections = list(self._connections.values())
            self._connections.clear()
        for connection in connections:
            connection.close()
