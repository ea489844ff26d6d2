"""Text from runbooks and hosts, made safe to show on a terminal.

A runbook's title or a host's output line may hold terminal control sequences: an
ESC that clears the screen or sets the window title, a one-character C1 CSI
(U+009B), a carriage return that overwrites what was printed before it, or a bidi
override that reorders a line. golive never lets them act. `visible()` shows each
such character as an escape, so `\\x1b[2J` reads literally as the six characters
`\\x1b[2J`:

- C0 controls (U+0000 to U+001F) become `\\xNN`, except TAB, and except LF when
  `newlines=True` (multi-line text: instructions, scripts, whole console writes);
  there, CR LF is a line ending too and becomes LF. Any other CR is shown.
- DEL, the C1 controls (U+0080 to U+009F), the bidi controls (U+061C, U+200E,
  U+200F, U+202A to U+202E, U+2066 to U+2069), the line and paragraph separators
  U+2028 and U+2029, and lone surrogates (undecodable bytes of a file name) become
  `\\uNNNN`. That is also how JSON writes them, so a JSON document shown through
  `visible()` stays valid JSON with the same value.

Everything else, backslashes included, is left as it is: ordinary text (accents,
CJK, "•", "✔") and commands (`grep -E '\\d+'`) read exactly as written. The price is
that the escaping cannot be undone: a runbook that spells `\\x1b` in plain letters
reads the same as one holding a real ESC; the journal keeps the original. So
`visible(visible(s)) == visible(s)`: escaping twice changes nothing.

It runs on every output line, so text with nothing to escape costs one regex search
and comes back as the same object.
"""

from __future__ import annotations

import re

_ALWAYS = (
    "\x7f-\x9f"  # DEL and the C1 controls (U+009B is a one-character CSI)
    "\u061c\u200e\u200f"  # bidi marks
    "\u2028-\u202e"  # line and paragraph separators, bidi embeddings and overrides
    "\u2066-\u2069"  # bidi isolates
    "\ud800-\udfff"  # lone surrogates: raw bytes under surrogateescape
)
CONTROL = re.compile(f"[\x00-\x08\x0a-\x1f{_ALWAYS}]")
"""One character that `visible()` escapes in single-line text."""
_CONTROL_MULTILINE = re.compile(f"[\x00-\x08\x0b-\x1f{_ALWAYS}]")
_ESCAPE_MULTILINE = re.compile(f"\r\n|[\x00-\x08\x0b-\x1f{_ALWAYS}]")


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x20 else f"\\u{code:04x}"


_ESCAPES = {chr(c): _escape(chr(c)) for c in (*range(0x20), *range(0x7F, 0xA0))}
_ESCAPES["\r\n"] = "\n"


def _replace(match: re.Match[str]) -> str:
    found = match.group()
    return _ESCAPES.get(found) or _escape(found)


def visible(text: str, *, newlines: bool = False) -> str:
    """`text` with every control character shown as an escape (see the module's doc)."""
    if newlines:
        if _CONTROL_MULTILINE.search(text) is None:
            return text
        return _ESCAPE_MULTILINE.sub(_replace, text)
    if CONTROL.search(text) is None:
        return text
    return CONTROL.sub(_replace, text)
