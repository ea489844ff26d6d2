"""Line numbers for TOML key paths.

tomllib gives values but no positions. Rather than a second TOML parser
(or a round-trip library whose internals we would lean on), this module
scans the already-valid document once and records the line on which each
key path is written: ``("steps", 3, "run")`` -> 41. Values always come from
tomllib; the scanner only points at lines, so a scanner mistake can at worst
make a message point at a nearby line, never change what is checked.
"""

from __future__ import annotations

import contextlib
import re
import tomllib

Path = tuple[str | int, ...]

# The scanner skips whole runs with these rather than one character at a time:
# a 2,000-step runbook has half a million characters.
_BLANK = re.compile(r"(?:[ \t\r]+|#[^\n]*)*")
_BLANK_LINES = re.compile(r"(?:[ \t\r\n]+|#[^\n]*)*")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]*")
_PLAIN_VALUE = re.compile(r"[^,\]}#\n]*")
_BASIC = re.compile(r'(?:[^"\\\n]|\\.)*')
_LITERAL = re.compile(r"[^'\n]*")
_MULTI_BASIC_END = re.compile(r'(?:[^"\\]|\\[\s\S]|"(?!""))*"""')


class KeyLines:
    """Maps key paths to 1-based line numbers in a TOML text."""

    def __init__(self, text: str) -> None:
        self._lines: dict[Path, int] = {}
        # Tables that a header such as [hosts.db] defines without naming them alone.
        self._implicit: dict[Path, int] = {}
        self._last_lines: dict[Path, int] = {}  # where a key's value ends
        self._text = text
        self._i = 0
        self._line = 1
        self._aot_index: dict[tuple[str, ...], int] = {}
        # A truncated or absurdly nested document: keep what was found.
        with contextlib.suppress(IndexError, RecursionError):
            self._scan()

    def line_of(self, path: Path) -> int:
        """The line of `path`, or of its nearest recorded ancestor."""
        probe = tuple(path)
        while probe:
            line = self._lines.get(probe) or self._implicit.get(probe)
            if line:
                return line
            probe = probe[:-1]
        return 1

    def line_within(self, path: Path, pattern: re.Pattern[str]) -> int:
        """The line inside the value of `path` where `pattern` first matches, such as
        one line of a multi-line run script; else the line of `path`."""
        first = self.line_of(path)
        last = self._last_lines.get(tuple(path), first)
        for offset, text in enumerate(self._text.split("\n")[first - 1 : last]):
            if pattern.search(text):
                return first + offset
        return first

    def line_at(self, path: Path, value: str, offset: int) -> int:
        """The line of character `offset` of the string value at `path`: a multi-line
        string that opens with a line break starts on the line after its key."""
        first = self.line_of(path)
        last = self._last_lines.get(tuple(path), first)
        opening = self._text.split("\n", first)[first - 1] if first >= 1 else ""
        start = first + 1 if re.search(r"(\"\"\"|''')\s*$", opening) else first
        return min(start + value.count("\n", 0, offset), max(last, start))

    # -- scanning -----------------------------------------------------------
    def _peek(self, offset: int = 0) -> str:
        j = self._i + offset
        return self._text[j] if j < len(self._text) else ""

    def _advance(self, count: int = 1) -> None:
        self._jump(min(self._i + count, len(self._text)))

    def _jump(self, end: int) -> None:
        """Move to `end`, counting the newlines passed."""
        self._line += self._text.count("\n", self._i, end)
        self._i = end

    def _skip_blank(self, newlines: bool) -> None:
        pattern = _BLANK_LINES if newlines else _BLANK
        match = pattern.match(self._text, self._i)
        if match:
            self._jump(match.end())

    def _record(self, path: Path) -> None:
        self._lines.setdefault(path, self._line)

    def _scan(self) -> None:
        table: Path = ()
        while self._i < len(self._text):
            self._skip_blank(newlines=True)
            if self._i >= len(self._text):
                return
            start = self._i
            if self._peek() == "[":
                table = self._header()
            else:
                self._key_value(table)
            if self._i == start:  # not TOML here; never stall on it
                self._advance()

    def _header(self) -> Path:
        is_array = self._peek(1) == "["
        self._advance(2 if is_array else 1)
        self._skip_blank(newlines=False)
        keys = self._key()
        self._skip_blank(newlines=False)
        self._advance(2 if is_array else 1)
        path: list[str | int] = []
        raw: tuple[str, ...] = ()
        for position, key in enumerate(keys):
            raw = (*raw, key)
            path.append(key)
            last = position == len(keys) - 1
            if is_array and last:
                index = self._aot_index.get(raw, -1) + 1
                self._aot_index[raw] = index
                # Nested tables under this element start afresh.
                for known in [k for k in self._aot_index if k[: len(raw)] == raw and k != raw]:
                    del self._aot_index[known]
                self._record(tuple(path))
                path.append(index)
            elif raw in self._aot_index:
                path.append(self._aot_index[raw])
            if not last:
                self._implicit.setdefault(tuple(path), self._line)
        self._record(tuple(path))
        return tuple(path)

    def _key(self) -> list[str]:
        keys: list[str] = []
        while True:
            self._skip_blank(newlines=False)
            c = self._peek()
            if c in "\"'":
                keys.append(self._quoted_key(c))
            else:
                start = self._i
                match = _BARE_KEY.match(self._text, start)
                self._i = match.end() if match else start
                keys.append(self._text[start : self._i])
            self._skip_blank(newlines=False)
            if self._peek() != ".":
                return keys
            self._advance()

    def _quoted(self, quote: str) -> str:
        """Skips a one-line string; returns its text as written, escapes undecoded."""
        self._advance()
        start = self._i
        match = (_BASIC if quote == '"' else _LITERAL).match(self._text, start)
        self._i = match.end() if match else start  # one line: no newlines passed
        raw = self._text[start : self._i]
        if self._peek() == quote:
            self._advance()
        return raw

    def _quoted_key(self, quote: str) -> str:
        raw = self._quoted(quote)
        if quote == "'" or "\\" not in raw:
            return raw
        try:  # "caf\u00e9" is the key café: let tomllib decode the escapes
            key: str = tomllib.loads(f'k = "{raw}"')["k"]
        except tomllib.TOMLDecodeError:
            return raw
        return key

    def _key_value(self, table: Path) -> None:
        keys = self._key()
        path = (*table, *keys)
        for depth in range(len(table) + 1, len(path) + 1):
            self._record(path[:depth])
        self._skip_blank(newlines=False)
        if self._peek() == "=":
            self._advance()
        self._skip_blank(newlines=False)
        self._value(path)
        self._last_lines.setdefault(path, self._line)

    def _value(self, path: Path) -> None:
        c = self._peek()
        if c in "\"'":
            if self._peek(1) == c and self._peek(2) == c:
                self._multiline_string(c)
            else:
                self._quoted(c)
        elif c == "[":
            self._array(path)
        elif c == "{":
            self._inline_table(path)
        else:
            match = _PLAIN_VALUE.match(self._text, self._i)
            if match:
                self._i = match.end()

    def _multiline_string(self, quote: str) -> None:
        self._advance(3)
        if quote == "'":
            close = self._text.find("'''", self._i)
            end = close + 3 if close >= 0 else len(self._text)
        else:
            match = _MULTI_BASIC_END.match(self._text, self._i)
            end = match.end() if match else len(self._text)
        self._jump(end)
        # A closing run may hold up to two extra quotes ("""a"""").
        while self._peek() == quote:
            self._i += 1

    def _array(self, path: Path) -> None:
        self._advance()
        index = 0
        while True:
            self._skip_blank(newlines=True)
            if self._peek() in ("]", ""):
                self._advance()
                return
            if self._peek() == ",":
                self._advance()
                index += 1
                continue
            start = self._i
            self._record((*path, index))
            self._value((*path, index))
            if self._i == start:
                self._advance()

    def _inline_table(self, path: Path) -> None:
        self._advance()
        while True:
            self._skip_blank(newlines=True)
            if self._peek() in ("}", ""):
                self._advance()
                return
            if self._peek() == ",":
                self._advance()
                continue
            start = self._i
            self._key_value(path)
            if self._i == start:
                self._advance()


def unclosed_line(text: str) -> int | None:
    """The line on which a string, array or inline table that never closes begins.

    For the TOML syntax errors that tomllib reports where it gave up (often the
    end of the document) rather than where the mistake is. Quote- and
    comment-aware; table headers open and close on their own line.
    """
    i, line, end = 0, 1, len(text)
    brackets: list[int] = []
    while i < end:
        c = text[i]
        if c == "\n":
            line += 1
        elif c == "#":
            while i < end and text[i] != "\n":
                i += 1
            continue
        elif text.startswith(('"""', "'''"), i):
            quote, start = text[i : i + 3], line
            i += 3
            while not text.startswith(quote, i):
                if i >= end:
                    return start
                if quote == '"""' and text[i] == "\\":
                    i += 1
                if i < end and text[i] == "\n":
                    line += 1
                i += 1
            i += 3
            while i < end and text[i] == quote[0]:  # """a"""" closes with extra quotes
                i += 1
            continue
        elif c in "\"'":
            i += 1
            while i < end and text[i] not in (c, "\n"):
                i += 2 if c == '"' and text[i] == "\\" and text[i + 1 : i + 2] != "\n" else 1
            if i >= end or text[i] == "\n":
                return line
        elif c in "[{":
            brackets.append(line)
        elif c in "]}" and brackets:
            brackets.pop()
        i += 1
    return brackets[0] if brackets else None
