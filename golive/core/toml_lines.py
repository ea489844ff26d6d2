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

Path = tuple[str | int, ...]

_BARE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class KeyLines:
    """Maps key paths to 1-based line numbers in a TOML text."""

    def __init__(self, text: str) -> None:
        self._lines: dict[Path, int] = {}
        self._text = text
        self._i = 0
        self._line = 1
        self._aot_index: dict[tuple[str, ...], int] = {}
        with contextlib.suppress(IndexError):  # a truncated document: keep what was found
            self._scan()

    def line_of(self, path: Path) -> int:
        """The line of `path`, or of its nearest recorded ancestor."""
        probe = tuple(path)
        while probe:
            if probe in self._lines:
                return self._lines[probe]
            probe = probe[:-1]
        return 1

    # -- scanning -----------------------------------------------------------
    def _peek(self, offset: int = 0) -> str:
        j = self._i + offset
        return self._text[j] if j < len(self._text) else ""

    def _advance(self, count: int = 1) -> None:
        for _ in range(count):
            if self._i < len(self._text) and self._text[self._i] == "\n":
                self._line += 1
            self._i += 1

    def _skip_blank(self, newlines: bool) -> None:
        while self._i < len(self._text):
            c = self._text[self._i]
            if c in " \t\r" or (newlines and c == "\n"):
                self._advance()
            elif c == "#":
                while self._i < len(self._text) and self._text[self._i] != "\n":
                    self._i += 1
            else:
                return

    def _record(self, path: Path) -> None:
        self._lines.setdefault(path, self._line)

    def _scan(self) -> None:
        table: Path = ()
        while self._i < len(self._text):
            self._skip_blank(newlines=True)
            if self._i >= len(self._text):
                return
            if self._peek() == "[":
                table = self._header()
            else:
                self._key_value(table)

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
        self._record(tuple(path))
        return tuple(path)

    def _key(self) -> list[str]:
        keys: list[str] = []
        while True:
            self._skip_blank(newlines=False)
            c = self._peek()
            if c in "\"'":
                keys.append(self._quoted(c))
            else:
                start = self._i
                while self._peek() in _BARE and self._peek():
                    self._i += 1
                keys.append(self._text[start : self._i])
            self._skip_blank(newlines=False)
            if self._peek() != ".":
                return keys
            self._advance()

    def _quoted(self, quote: str) -> str:
        self._advance()
        out: list[str] = []
        while self._peek() and self._peek() != quote:
            if quote == '"' and self._peek() == "\\":
                out.append(self._peek(1))
                self._advance(2)
                continue
            out.append(self._peek())
            self._advance()
        self._advance()
        return "".join(out)

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
            while self._peek() and self._peek() not in ",]}#\n":
                self._i += 1

    def _multiline_string(self, quote: str) -> None:
        self._advance(3)
        while self._peek():
            if quote == '"' and self._peek() == "\\":
                self._advance(2)
                continue
            if self._peek() == quote and self._peek(1) == quote and self._peek(2) == quote:
                # A closing run may hold up to two extra quotes ("""a"""").
                self._advance(3)
                while self._peek() == quote:
                    self._advance()
                return
            self._advance()

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
            self._record((*path, index))
            self._value((*path, index))

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
            self._key_value(path)
