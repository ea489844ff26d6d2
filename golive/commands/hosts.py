"""golive hosts trust RUNBOOK: show each host's key fingerprint and ask before trusting it.

Like OpenSSH's StrictHostKeyChecking=ask: nothing is written without a "yes"
typed at a terminal, and a key that differs from a known one is refused
loudly, never replaced.
"""

from __future__ import annotations

import os
import socket
import sys
from typing import TextIO

import paramiko

from golive.core.loader import load_runbook
from golive.io.ssh import (
    CONNECT_TIMEOUT,
    SshError,
    SshTarget,
    explain,
    fingerprint,
    known_hosts_name,
    resolve_target,
)


def fetch_host_key(target: SshTarget, timeout: float = CONNECT_TIMEOUT) -> paramiko.PKey:
    """The key a host offers, from a key exchange only (no authentication)."""
    try:
        sock = socket.create_connection((target.hostname, target.port), timeout=timeout)
        transport = paramiko.Transport(sock)
        try:
            transport.start_client(timeout=timeout)
            return transport.get_remote_server_key()
        finally:
            transport.close()
    except Exception as exc:
        raise SshError(explain(exc, target)) from None


def _known(paths: list[str]) -> paramiko.HostKeys:
    keys = paramiko.HostKeys()
    for path in paths:
        if os.path.isfile(path):
            try:
                keys.load(path)
            except (OSError, paramiko.SSHException, ValueError) as exc:
                raise SshError(f"cannot read known_hosts file {path}: {exc}") from None
    return keys


def trust_command(runbook_path: str, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    result = load_runbook(runbook_path)
    for diagnostic in result.errors:
        print(diagnostic.render(), file=sys.stderr)
    if result.runbook is None:
        return 2
    runbook = result.runbook
    destination = runbook.known_hosts_path or os.path.expanduser("~/.ssh/known_hosts")
    try:
        known = _known([os.path.expanduser("~/.ssh/known_hosts"), destination])
    except SshError as exc:
        print(f"golive: {exc}", file=sys.stderr)
        return 2
    interactive = stdin.isatty()
    problems = 0
    remote = [h for h in runbook.hosts.values() if not h.local]
    if not remote:
        print(f"{runbook_path}: no remote hosts", file=out)
        return 0
    for host in remote:
        try:
            target = resolve_target(host)
            key = fetch_host_key(target)
        except SshError as exc:
            print(f"✘ {host.name}: {exc}", file=out)
            problems += 1
            continue
        name = known_hosts_name(target.hostname, target.port)
        line = f"{host.name} ({name}): {key.get_name()} {fingerprint(key)}"
        listed = known.lookup(name)
        if listed is not None and key.get_name() in listed:
            if listed[key.get_name()] == key:
                print(f"✔ {line}: already trusted", file=out)
            else:
                print(
                    f"✘ {line}: HOST KEY CHANGED, known_hosts has {fingerprint(listed[key.get_name()])}. "
                    f"Not trusting it. If the host was rebuilt, remove the old key (ssh-keygen -R '{name}') "
                    "after checking with its owner, then run this again.",
                    file=out,
                )
                problems += 1
            continue
        print(f"? {line}", file=out)
        if not interactive:
            print(
                "  not trusted: no terminal to ask (run golive hosts trust at a terminal)", file=out
            )
            problems += 1
            continue
        print("  trust this key? type yes to add it: ", end="", file=out, flush=True)
        if stdin.readline().strip().lower() != "yes":
            print("  not trusted", file=out)
            problems += 1
            continue
        _append(destination, name, key)
        known.add(name, key.get_name(), key)
        print(f"  added to {destination}", file=out)
    return 1 if problems else 0


def _append(path: str, name: str, key: paramiko.PKey) -> None:
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="ascii") as handle:
        handle.write(f"{name} {key.get_name()} {key.get_base64()}\n")
        handle.flush()
        os.fsync(handle.fileno())
