"""Envelopes: a container runtime's or a compose tool's wrapping around each line.

A container's log reaches golive wrapped: the CRI format of containerd and CRI-O
(``2026-11-22T02:00:00.123456789Z stdout F <line>``), Docker's json-file
(``{"log":"<line>\\n","stream":"stdout",...}``), ``kubectl logs --prefix``
(``[pod/shop-api-7c9d/api] <line>``) and ``docker compose logs``
(``web-1  | <line>``). The wrapping says nothing of the level; the line inside does, in
whatever shape its program writes. So a source whose lines are mostly wrapped in one
envelope is read inside it: each line's own text by the known shapes, its continuations
(a stack frame, an exception line) as continuations, and a CRI record that continues a
partial one (``P``) as part of it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from golive.core.loglevels import CONTINUATION, LineKind, line_token, token_kind

_ANSI: Final = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@dataclass(frozen=True)
class Envelope:
    name: str
    pattern: re.Pattern[str]  # group "inner": the wrapped line (or its JSON string)

    def inner(self, line: str) -> str | None:
        """The wrapped line; None when `line` is not in this envelope."""
        match = self.pattern.match(line)
        if match is None:
            return None
        inner = match.group("inner")
        if self.name == "docker json-file":
            try:
                record = json.loads(line)
            except ValueError:
                return None
            text = record.get("log") if isinstance(record, dict) else None
            if not isinstance(text, str):
                return None
            inner = text
        return inner.rstrip("\r\n")

    def partial(self, line: str) -> bool:
        """Whether this record is cut and continued by the next (CRI's P)."""
        match = self.pattern.match(line)
        return bool(match and match.groupdict().get("tag") == "P")


ENVELOPES: Final = (
    Envelope(
        "CRI (containerd, CRI-O)",
        re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(?:Z|[+-][0-9:]+) (?:stdout|stderr) "
                   r"(?P<tag>[PF]) (?P<inner>.*)", re.DOTALL),
    ),
    Envelope("docker json-file", re.compile(r'\{"log":"(?P<inner>)')),
    Envelope("kubectl logs --prefix", re.compile(r"\[pod/[^\]\s]+\] (?P<inner>.*)", re.DOTALL)),
    Envelope(
        "docker compose logs",
        re.compile(r"(?:\x1b\[[0-9;?]*[A-Za-z])*[\w.-]+ *\| (?P<inner>.*)", re.DOTALL),
    ),
)  # fmt: skip


def _mostly(pattern: re.Pattern[str], lines: Sequence[str]) -> bool:
    """Whether `pattern` starts at least four fifths of `lines` (at least 8 of them)."""
    found = sum(pattern.match(line) is not None for line in lines)
    return len(lines) >= 8 and found * 5 >= len(lines) * 4


def envelope_of(lines: Sequence[str]) -> Envelope | None:
    """The envelope that wraps at least four fifths of `lines` (at least 8), if any."""
    return next((e for e in ENVELOPES if _mostly(e.pattern, lines)), None)


# RFC 3164's header as syslog daemons and journalctl's short output write it: a time,
# the host, then the program's tag and pid before ": " (the message: the program's own).
# Not an Envelope opened in Python: a learned shape's one pattern skips it
# (golive.core.logshape.shape_pattern), so both paths stay as fast as other shapes.
SYSLOG_PREFIX: Final = (
    r"[A-Z][a-z][a-z][ ][ 0-9][0-9][ ][0-9][0-9]:[0-9][0-9]:[0-9][0-9][ ][^ \n]++[ ]"
    r"[^ :\[\n]++(?:\[[0-9]++\]|):[ ]"
)
_SYSLOG_LINE: Final = re.compile(SYSLOG_PREFIX)


def is_syslog(lines: Sequence[str]) -> bool:
    """Whether at least four fifths of `lines` (at least 8) carry a syslog prefix."""
    return _mostly(_SYSLOG_LINE, lines)


class Unwrapper:
    """Reads one source's lines inside its envelope, remembering a partial record."""

    def __init__(self, envelope: Envelope) -> None:
        self.envelope = envelope
        self._after_partial = False

    def read(self, line: str) -> tuple[bool, LineKind]:
        """Whether the line is wrapped, and if so its kind (the caller reads a line
        that is not wrapped as it is)."""
        inner = self.envelope.inner(line)
        if inner is None:
            return False, None
        continues, self._after_partial = self._after_partial, self.envelope.partial(line)
        if continues:
            return True, CONTINUATION
        # The program's own text, its ANSI colours dropped (compose colours its names).
        return True, token_kind(line_token(_ANSI.sub("", inner) + "\n"))
