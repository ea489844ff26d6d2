"""The console's one choke point: every character golive writes to stdout and stderr
shows control characters visibly (golive.core.text.visible), whoever wrote it.

`golive.cli.main` installs it first thing, so a runbook title, a host's output line,
a failure reason or a file name can neither clear the operator's screen, set the
terminal's title nor fake or overwrite lines on it. The few sequences golive sends
on purpose (the monitor redrawing its table in place) go through `write_control`,
the one raw path, which takes nothing but plain CSI sequences.

Textual does not write through sys.stdout or sys.stderr (its driver writes to the
real terminal, sys.__stderr__), so the TUI commands are not affected; what the TUI
shows is made visible where it is drawn (golive/tui).
"""

from __future__ import annotations

import io
import re
import sys
from typing import TextIO, cast

from golive.core.text import visible


class ConsoleWriteError(OSError):
    """golive's own output could not be written (a full disk, a file over its size
    limit, a dead terminal). `golive.cli.main` turns it into one sentence and exit 4:
    output that was cut is never mistaken for output that was complete."""

    def __init__(self, stream: str, cause: OSError) -> None:
        super().__init__(cause.errno, cause.strerror)
        self.stream = stream
        self.cause = cause

    def __str__(self) -> str:
        return f"cannot write to {self.stream}: {self.cause.strerror or self.cause}"


_CSI = re.compile(r"(?:\x1b\[[0-9;?]*[A-Za-z])+")


class VisibleStream(io.TextIOBase):
    """A text stream that writes to `raw` what `visible(text, newlines=True)` makes of it.

    Stateless, so a control sequence split over two writes is caught as well as a
    whole one, and writes from several threads interleave as they would on `raw`."""

    def __init__(self, raw: TextIO) -> None:
        super().__init__()
        self.raw = raw

    def write(self, text: str) -> int:
        try:
            self.raw.write(visible(text, newlines=True))
        except BrokenPipeError:
            raise  # the reader went away (`golive review ... | head`): not a fault
        except OSError as exc:
            raise ConsoleWriteError(self.name, exc) from exc
        return len(text)

    def write_control(self, sequence: str) -> None:
        """Send terminal control sequences as they are (after what was written before)."""
        if not _CSI.fullmatch(sequence):
            raise ValueError(f"not a plain CSI sequence: {sequence!r}")
        self.raw.write(sequence)

    def flush(self) -> None:
        if self.raw.closed:
            return
        try:
            self.raw.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise ConsoleWriteError(self.name, exc) from exc

    def close(self) -> None:
        # Closing the guard (at interpreter exit) must never close the terminal's stream.
        try:
            self.flush()
        finally:
            super().close()

    def isatty(self) -> bool:
        return self.raw.isatty()

    def fileno(self) -> int:
        # input() compares this with the C stdout to decide whether to use readline.
        return self.raw.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        # input() encodes its prompt with it, print() does not need it, others ask.
        return self.raw.encoding

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return self.raw.errors

    @property
    def line_buffering(self) -> bool:
        return bool(getattr(self.raw, "line_buffering", False))

    @property
    def name(self) -> str:
        return str(getattr(self.raw, "name", "<visible>"))


def guarded(stream: TextIO) -> TextIO:
    """`stream` behind the guard (itself when it is one already)."""
    if isinstance(stream, VisibleStream):
        return cast(TextIO, stream)
    return cast(TextIO, VisibleStream(stream))


def guard_console() -> None:
    """Put sys.stdout and sys.stderr behind the guard, once (a second call changes nothing)."""
    if sys.stdout is not None:
        sys.stdout = guarded(sys.stdout)
    if sys.stderr is not None:
        sys.stderr = guarded(sys.stderr)


def write_control(stream: TextIO, sequence: str) -> None:
    """Golive's own terminal control (`\\x1b[H\\x1b[2J` to redraw in place): raw, whether
    or not `stream` is behind the guard. Only plain CSI sequences are accepted, so text
    from a runbook or a host can never be sent this way by mistake."""
    if isinstance(stream, VisibleStream):
        stream.write_control(sequence)
        return
    if not _CSI.fullmatch(sequence):
        raise ValueError(f"not a plain CSI sequence: {sequence!r}")
    stream.write(sequence)
