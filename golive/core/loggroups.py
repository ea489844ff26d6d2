"""Oracle's alert log: messages in groups, each after a line that holds only its time.

The text alert log (``alert_SID.log``) writes a line with nothing but a timestamp
(``2026-11-22T02:00:04.551202+00:00`` from 12c on, ``Sun Nov 22 02:00:04 2026`` before),
then the messages written at that moment, one line each, with no level of their own
except a few (``WARNING: ...``, ``Warning: ...``, ``ERROR: ...``). Two of its messages run
over several lines, and nothing but their place says so:

- a message with a level goes on to the end of its group: the lines after it explain it
  (``Warning: VKTM detected a forward time drift.``, then ``Time drifts can result in
  ...``, ``Please check trace file for more details:`` and the trace file's path);
- ``Errors in file /u01/.../SHOP_ora_12345.trc:`` is followed by the error stack it
  reports, its ``ORA-nnnnn:`` lines (``Incident details in: ...`` after them is a message
  of its own).

A source is read so when its sample has at least three such timestamp lines, a tenth of
its lines or more (``is_alert_log``). The reading needs the line before, so such a source
is read line by line (alert logs are small).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final, Literal

from golive.core.loglevels import CONTINUATION, LineKind

_STAMP: Final = re.compile(
    r"""(?: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?
            (?:Z|[+-][0-9]{2}:?[0-9]{2})
          | (?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[ ](?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)
            [ ][ 0-9][0-9][ ][0-9]{2}:[0-9]{2}:[0-9]{2}[ ][0-9]{4} )
        [ \t\r]*\n?\Z""",
    re.VERBOSE | re.ASCII,
)
_ERRORS_IN_FILE: Final = re.compile(r"Errors in file [^\n]*:[ \t\r]*\n?\Z")
_STACK_LINE: Final = re.compile(r"ORA-[0-9]+:")
MIN_STAMPS: Final = 3


def is_stamp_line(line: str) -> bool:
    """Whether `line` holds only an alert log's timestamp."""
    return _STAMP.match(line) is not None


def is_alert_log(lines: Sequence[str]) -> bool:
    """Whether a source's first lines are an Oracle alert log's (see the module)."""
    stamps = sum(1 for line in lines if is_stamp_line(line))
    return stamps >= MIN_STAMPS and stamps * 10 >= len(lines)


class AlertLogGroups:
    """Reads an alert log's lines in order: each line's kind, given its reading line by
    line (`kind`), put right where the line continues a message above it."""

    def __init__(self) -> None:
        # What the message above is waiting for: the rest of its group after a level,
        # its ORA- lines after "Errors in file", or nothing.
        self._open: Literal["group", "stack"] | None = None

    def read(self, line: str, kind: LineKind) -> LineKind:
        if kind is CONTINUATION:  # an indented line, a blank one: whatever is open stays
            return kind
        if is_stamp_line(line):
            self._open = None
            return kind
        if self._open == "group" or (self._open == "stack" and _STACK_LINE.match(line)):
            return CONTINUATION
        self._open = None
        if kind is not None:
            self._open = "group"
        elif _ERRORS_IN_FILE.match(line):
            self._open = "stack"
        return kind
