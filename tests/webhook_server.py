"""A real HTTP server on loopback for the notification tests: it records every request
and answers as it is told (200, 429 with Retry-After, 500, slowly, or never)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() when it arrived

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Plan:
    """What the server answers, per path: a list of answers used in turn (the last one
    repeats). An answer: an int status, ("retry", seconds) for 429 with Retry-After,
    ("slow", seconds) for 200 after a pause, or "hang" (read the request, never answer)."""

    answers: dict[str, list[Any]] = field(default_factory=dict)


class WebhookServer:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.plan = Plan()
        self._lock = threading.Lock()
        self._release = threading.Event()  # lets hanging requests go at the end
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                answer = server._record(Received(self.path, {k.lower(): v for k, v in
                                                              self.headers.items()},
                                                 body, time.monotonic()))  # fmt: skip
                if answer == "hang":
                    server._release.wait(120)
                    return
                status, headers = 200, {}
                if isinstance(answer, int):
                    status = answer
                elif isinstance(answer, tuple) and answer[0] == "retry":
                    status, headers = 429, {"Retry-After": str(answer[1])}
                elif isinstance(answer, tuple) and answer[0] == "slow":
                    time.sleep(answer[1])
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, path: str, *answers: Any) -> None:
        with self._lock:
            self.plan.answers[path] = list(answers)

    def _record(self, received: Received) -> Any:
        with self._lock:
            self.received.append(received)
            answers = self.plan.answers.get(received.path) or [200]
            return answers.pop(0) if len(answers) > 1 else answers[0]

    def at(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path]

    def close(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def webhooks() -> Iterator[WebhookServer]:
    server = WebhookServer()
    try:
        yield server
    finally:
        server.close()
