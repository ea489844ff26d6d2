"""golive review JOURNAL: look back over a recorded run in a read-only TUI."""

from __future__ import annotations

import argparse
import sys

from golive.commands import screen_streams
from golive.core.text import visible
from golive.io.journal import JournalError
from golive.io.recorded import Loaded, load_record


def review_command(args: argparse.Namespace) -> int:
    path: str = args.journal
    try:
        loaded = load_journal(path)
    except JournalError as exc:
        print(f"golive: {visible(str(exc))}", file=sys.stderr)
        return 2
    from golive.tui.keymap import user_keymap

    # Checked even without a terminal: the review is nothing but its screen.
    keymap = user_keymap()  # a bad keymap file: a GoliveError, said by cli.main
    if not screen_streams():
        print(
            "golive: review is a full-screen view and needs a terminal on stdin, stdout "
            f"and stderr (it draws on stderr); without one, use: golive report {visible(path)}",
            file=sys.stderr,
        )
        return 2
    from golive.tui.review_app import ReviewApp

    app = ReviewApp(loaded)
    app.set_keymap(keymap)
    app.run()
    return 0


def load_journal(path: str) -> Loaded:
    """The journal's events (not its samples: the review reads those in a worker)."""
    try:
        return load_record(path, samples=False)
    except JournalError:
        raise
    except OSError as exc:
        raise JournalError(f"{path}: cannot read the journal: {exc.strerror or exc}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # A hand-edited line that is JSON but not a golive event the fold understands.
        raise JournalError(
            f"{path}: not a golive run journal golive can replay ({type(exc).__name__}: {exc})"
        ) from None
