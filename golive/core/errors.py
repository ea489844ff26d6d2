"""The one kind of error golive reports as a sentence and an exit status.

A command raises a GoliveError (or one of its kinds: a variable that cannot be
resolved, a journal that is in use, a journal key that cannot be used, a drill that
cannot be planned) and golive.cli.main prints it once, as `golive: MESSAGE (HINT)`,
and exits with its status. Commands no longer each print and pick a code.
"""

from __future__ import annotations


class GoliveError(Exception):
    status = 2  # bad input, unless a kind says otherwise (see the README's exit statuses)

    def __init__(self, message: str, hint: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message
