"""paramiko's transport, tuned for hundreds of long-lived connections.

The monitor keeps one connection per host open all night. Three changes keep
that cheap, each measured by bench/monitor_bench.py (README, Performance):
the reader thread wakes once a second when nothing arrives instead of ten
times; AES-GCM comes first; and each connection knows when the server last
sent anything, so the pool asks for heartbeats only on quiet connections.
"""

from __future__ import annotations

import contextlib
import functools
import socket
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import paramiko

# How often a connection's reader thread wakes when nothing arrives. paramiko's
# 0.1 s made 50 idle connections cost 3 % of a core on their own. The wake only
# paces paramiko's keepalive and rekey checks and lets a closed transport's
# thread end (close() itself closes the socket and returns without waiting).
IDLE_WAKE = 1.0
AEAD_CIPHERS = ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com")


def last_read(transport: paramiko.Transport | None) -> float | None:
    """time.monotonic() of the last message the server sent on `transport`, if known."""
    last = getattr(getattr(transport, "packetizer", None), "last_read", None)
    return last if isinstance(last, float) and last > 0 else None


@functools.cache
def transport_class() -> type[paramiko.Transport]:
    """paramiko's Transport, made cheaper to keep open by the hundred."""
    import paramiko
    from paramiko.packet import Packetizer as BasePacketizer

    class Packetizer(BasePacketizer):
        last_read = 0.0  # time.monotonic() of the last message from the server

        def read_message(self) -> tuple[int, paramiko.Message]:
            message = super().read_message()
            self.last_read = time.monotonic()
            return message

    class Transport(paramiko.Transport):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("packetizer_class", Packetizer)
            super().__init__(*args, **kwargs)

        # AES-GCM first: an AEAD cipher carries its own tag, so paramiko does not
        # compute an HMAC per packet and compare it byte by byte in a Python loop.
        # Only paramiko's own list is reordered (it has GCM from 3.5 on); the others
        # keep their order, for servers without GCM.
        _active_check_timeout = IDLE_WAKE
        _preferred_ciphers = tuple(
            sorted(
                paramiko.Transport._preferred_ciphers,  # type: ignore[attr-defined]  # not in the stubs
                key=lambda cipher: cipher not in AEAD_CIPHERS,
            )
        )

    return Transport


def no_delay(client: paramiko.SSHClient) -> None:
    """SSH sends many small messages; Nagle's algorithm with delayed ACKs holds each
    back for about 40 ms, which every command and channel open would pay."""
    transport = client.get_transport()
    sock = getattr(transport, "sock", None)
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
