"""The console's last line, shared by the operator's prompt and the printer's news.

The run prints events from other threads (the monitor's alerts, parallel steps) while
the operator may be at a prompt. Written as they come, an alert lands on the prompt's
line: `Enter when done; 's' to skip:   ⚠ shop: cpu 98.1 raised`. So while a prompt is
shown, a line of news is written above it: at a terminal the prompt's line is cleared,
the news written, and the prompt drawn again below (what the operator has typed stays
in the terminal's line buffer and is still sent with Enter); into a pipe or a file the
news starts a line of its own and the prompt is repeated after it.
"""

from __future__ import annotations

import threading
from typing import TextIO

from golive.console.guard import write_control

_CLEAR_LINE = "\x1b[2K"  # erase the whole line
_TO_COLUMN_ONE = "\x1b[G"  # and start it over


class SharedLine:
    def __init__(self, terminal: bool) -> None:
        self.terminal = terminal
        self.lock = threading.RLock()
        self._prompt: str | None = None

    def prompt(self, out: TextIO, text: str) -> None:
        """Show a prompt; the answer is read after it."""
        with self.lock:
            self._prompt = text
            out.write(text)
            out.flush()

    def answered(self) -> None:
        with self.lock:
            self._prompt = None

    def write(self, out: TextIO, text: str) -> None:
        """A line of news, above the prompt if one is shown."""
        with self.lock:
            if self._prompt is None:
                out.write(text + "\n")
            elif self.terminal:
                # golive's own control, past the guard that shows every other one as text
                write_control(out, _CLEAR_LINE)
                write_control(out, _TO_COLUMN_ONE)
                out.write(f"{text}\n{self._prompt}")
            else:
                out.write(f"\n{text}\n{self._prompt}")
            out.flush()


_LINES: dict[int, SharedLine] = {}
_LINES_LOCK = threading.Lock()


def shared_line(out: TextIO) -> SharedLine:
    """The one SharedLine of an output stream (the printer and the operator share it)."""
    with _LINES_LOCK:
        line = _LINES.get(id(out))
        if line is None:
            isatty = getattr(out, "isatty", None)
            line = _LINES[id(out)] = SharedLine(bool(isatty and isatty()))
        return line
