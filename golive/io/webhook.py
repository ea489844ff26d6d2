"""One webhook POST (httpx), with every timeout explicit and a deadline per attempt.

The answer says the status code and Retry-After, or what went wrong in a few words of
its own: never the URL (a Slack or Teams URL is a credential), never the exception's
text (httpx quotes the URL in it)."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from typing import Any, Final

CONNECT: Final = 5.0
READ: Final = 10.0
WRITE: Final = 10.0
POOL: Final = 5.0
DEADLINE: Final = 20.0  # seconds for one whole attempt, however the server dribbles
MAX_BODY: Final = 64 * 1024  # bytes of an answer read, at most


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no HTTP answer
    retry_after: str | None = None
    error: str = ""  # what went wrong, in words that carry no URL
    permanent: bool = False  # trying again cannot help (a URL that is not usable)


class WebhookClient:
    """One endpoint's connection pool, kept across attempts: a new httpx.Client builds
    its TLS context (its CA bundle parsed) every time, tens of milliseconds of CPU that
    the run's own thread would wait for."""

    def __init__(self) -> None:
        self._client: Any = None

    def open(self) -> Any:
        """The client, made on first use (a worker makes it before its first message)."""
        import httpx  # here: a run without notifications never pays its import

        if self._client is None:
            timeout = httpx.Timeout(connect=CONNECT, read=READ, write=WRITE, pool=POOL)
            self._client = httpx.Client(timeout=timeout, follow_redirects=False)
        return self._client

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        import httpx

        client = self.open()
        # The deadline for the whole attempt: httpx's timeouts are per read, and a server
        # that sends its headers a byte at a time never trips them. At the deadline the
        # client is closed under the request, which then fails; the next attempt makes a
        # new client.
        late = threading.Event()

        def cut() -> None:
            late.set()
            with contextlib.suppress(Exception):
                client.close()

        watchdog = threading.Timer(DEADLINE, cut)
        watchdog.daemon = True
        watchdog.start()
        try:
            return self._post(client, url, body, headers)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError):
            return Answer(None, error="the URL is not usable", permanent=True)
        except Exception as exc:  # whatever the transport raised: its name, never its text
            if late.is_set():
                return Answer(None, error=f"no whole answer within {DEADLINE:g}s")
            if isinstance(exc, httpx.TimeoutException):
                return Answer(None, error=f"timed out ({_phase(exc)})")
            return Answer(None, error=f"no answer ({type(exc).__name__})")
        finally:
            watchdog.cancel()
            if late.is_set():
                self._client = None

    @staticmethod
    def _post(client: Any, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        with client.stream("POST", url, content=body, headers=headers) as response:
            read = 0
            for chunk in response.iter_raw():
                read += len(chunk)
                if read > MAX_BODY:
                    break
            status = response.status_code
            error = "" if 200 <= status < 300 else f"HTTP {status}"
            return Answer(status, response.headers.get("retry-after"), error)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """One POST on a client of its own (golive notify test and resend)."""
    client = WebhookClient()
    try:
        return client.post(url, body, headers)
    finally:
        client.close()


def _phase(exc: Exception) -> str:
    name = type(exc).__name__
    return {"ConnectTimeout": "connect", "ReadTimeout": "read", "WriteTimeout": "write",
            "PoolTimeout": "pool"}.get(name, name)  # fmt: skip
