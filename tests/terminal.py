"""Drive the real golive binary through a pseudo-terminal, as an operator would."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    def __init__(
        self,
        *args: str | Path,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        stderr: IO[str] | None = None,
    ) -> None:
        """`stderr`: where the child's stderr goes instead of the terminal (a file)."""
        master, slave = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "golive", *map(str, args)],
            stdin=slave,
            stdout=slave,
            stderr=stderr if stderr is not None else slave,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
        os.close(slave)
        self.master = master
        self.text = ""  # what it printed, terminal controls removed
        self.raw = ""  # ... and with them
        self._seen = 0
        self._closed = False

    def _pump(self, timeout: float) -> bool:
        """Read what is there; False once the child has closed the terminal."""
        if self._closed:
            return False
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the child closed the terminal
            chunk = b""
        if not chunk:
            self._closed = True
            return False
        decoded = chunk.decode("utf-8", errors="replace").replace("\r\n", "\n")
        self.raw += decoded
        self.text += ANSI.sub("", decoded)
        return True

    def expect(self, needle: str, timeout: float = 30.0) -> str:
        """Wait for `needle` after what earlier expects consumed; returns the text up to it."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.text.find(needle, self._seen)
            if found >= 0:
                before = self.text[self._seen : found]
                self._seen = found + len(needle)
                return before
            if time.monotonic() > deadline or self._closed:
                raise AssertionError(f"never saw {needle!r}; screen so far:\n{self.text[-3000:]}")
            self._pump(0.1)

    def send(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def wait(self, timeout: float = 60.0) -> int:
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            self._pump(0.1)
        while self._pump(0.05):
            pass
        code = self.process.wait(timeout=1)
        os.close(self.master)
        return code
