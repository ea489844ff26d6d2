"""One module per CLI command."""

from __future__ import annotations

import sys


def screen_streams() -> bool:
    """The run screen (and the review) read keys from stdin and draw on stderr (Textual
    draws there), and golive prints its own lines on stdout: all three must be a
    terminal. `2>/dev/null` or `2>log` would otherwise run a screen nobody sees."""
    streams = (sys.stdin, sys.stdout, sys.stderr, sys.__stdin__, sys.__stderr__)
    try:
        return all(s is not None and s.isatty() for s in streams)
    except (OSError, ValueError):  # a closed stream
        return False
