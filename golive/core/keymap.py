"""The user's keymap file: which keys the run screen and the review answer to.

`~/.config/golive/config.toml` (or `$XDG_CONFIG_HOME/golive/config.toml`, or the file
that `GOLIVE_CONFIG` names) holds one table, `[keys]`, of binding id = key string,
as Textual writes keys (`"run.rollback" = "ctrl+b"`, several keys comma-separated).

This module reads and checks the file and nothing else: it knows no Textual. The
screens' binding ids, their default keys and the keys Textual keeps for itself come
from the tui layer (golive.tui.keymap), which reads them off the Apps' BINDINGS. A bad
file is refused whole, as one `FILE:LINE: what is wrong (hint)` GoliveError.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from golive.core.errors import GoliveError
from golive.core.loader import toml_error
from golive.core.reader import did_you_mean, one_line, type_name
from golive.core.toml_lines import KeyLines

CONFIG_ENV = "GOLIVE_CONFIG"  # names the file outright (tests, a second keymap)
TABLES = ("keys",)
# The modifiers Textual reports, in the order it writes them (ctrl+shift+up).
MODIFIERS = ("alt", "ctrl", "hyper", "meta", "shift", "super")
MAX_BYTES = 1024 * 1024
REFERENCE = 'see "Keys can be remapped" in README.md'
EXAMPLE = '"run.rollback" = "ctrl+b"'

Keymap = dict[str, str]


@dataclass(frozen=True)
class Screen:
    """One screen's bindings, as its App declares them.

    `keys`: binding id -> its default keys (each one key, such as "question_mark").
    `reserved`: keys Textual binds itself on that screen, with no id to move them by
    (key -> what it does there): a binding moved onto one of them would never fire."""

    name: str
    keys: Mapping[str, tuple[str, ...]]
    reserved: Mapping[str, str] = field(default_factory=dict)


def config_path(environ: Mapping[str, str]) -> tuple[str, bool]:
    """The keymap file, and whether it was named outright (by GOLIVE_CONFIG): a named
    file must exist, the default one may well not."""
    named = environ.get(CONFIG_ENV, "")
    if named:
        return named, True
    base = environ.get("XDG_CONFIG_HOME", "")
    if not os.path.isabs(base):  # unset, empty or relative: the XDG default
        home = environ.get("HOME") or os.path.expanduser("~")
        base = os.path.join(home, ".config")
    return os.path.join(base, "golive", "config.toml"), False


def load_keymap(
    screens: Sequence[Screen],
    environ: Mapping[str, str] | None = None,
    normalize: Callable[[str], str] = lambda key: key,
) -> Keymap:
    """The checked keymap from the user's file; {} when there is no file."""
    path, named = config_path(os.environ if environ is None else environ)
    text = read_text(path, named)
    return {} if text is None else parse_keymap(path, text, screens, normalize)


def read_text(path: str, named: bool) -> str | None:
    """The file's text; None when the default file does not exist."""

    def refuse(what: str, hint: str, line: int | None = None) -> GoliveError:
        where = f"{path}:{line}" if line is not None else path
        return GoliveError(f"{where}: {what}", hint)

    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)  # capped: a FIFO or /dev/zero lies about its size
    except FileNotFoundError:
        if not named:
            return None
        raise refuse("no such file", f"{CONFIG_ENV} names it; fix the path or unset it") from None
    except IsADirectoryError:
        raise refuse("is a directory, not a keymap file", "name a config.toml file") from None
    except OSError as exc:
        raise refuse(
            f"cannot read the keymap file: {exc.strerror or exc}", "check its permissions"
        ) from None
    if len(raw) > MAX_BYTES:
        raise refuse(f"over {MAX_BYTES // 1024} KB; a keymap file is a few lines", REFERENCE)
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise refuse("binary data (a NUL byte), not a TOML text file", REFERENCE, line)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise refuse(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x})", "save the file as UTF-8", line
        ) from None
    return text.removeprefix("\ufeff")


@dataclass(frozen=True, order=True)
class _Problem:
    line: int
    what: str
    hint: str


def parse_keymap(
    path: str,
    text: str,
    screens: Sequence[Screen],
    normalize: Callable[[str], str] = lambda key: key,
) -> Keymap:
    """Binding id -> its keys (comma-separated, as Textual's App.set_keymap takes them).

    `normalize` turns one key into the name Textual matches it by ("?" ->
    "question_mark"), for telling whether two bindings take the same key. Raises a
    GoliveError for the file's first problem, by line."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        diagnostic = toml_error(path, text, exc, reference=REFERENCE)
        raise GoliveError(
            f"{path}:{diagnostic.line}: {diagnostic.message}", diagnostic.hint
        ) from None
    except (ValueError, RecursionError) as exc:  # numbers too long, nesting too deep
        raise GoliveError(f"{path}:1: cannot read the TOML: {exc}", REFERENCE) from None
    lines = KeyLines(text)
    ids = sorted({binding for screen in screens for binding in screen.keys})
    problems: list[_Problem] = []
    keymap: Keymap = {}
    written: dict[str, int] = {}  # binding id -> the line it is given on

    for name, value in document.items():
        if name not in TABLES:
            problems.append(_top_level(name, value, lines.line_of((name,)), ids))
    table = document.get("keys", {})
    if not isinstance(table, dict):
        problems.append(
            _Problem(
                lines.line_of(("keys",)),
                f"keys must be a table of binding id = key, not {type_name(table)}",
                f"write [keys] on a line of its own, then {EXAMPLE}",
            )
        )
        table = {}
    for parts, value in _leaves(table):
        line = lines.line_of(("keys", *parts))
        binding = ".".join(parts)
        if len(parts) > 1 and binding in ids:
            problems.append(
                _Problem(
                    line,
                    f"the binding id {binding!r} must be written in double quotes",
                    f'unquoted, TOML reads its dots as tables: write "{binding}" = ...',
                )
            )
            continue
        if binding not in ids:
            problems.append(
                _Problem(
                    line,
                    f"unknown binding id {binding!r} in [keys]",
                    did_you_mean(binding, ids)
                    or "press ? on the run screen or in golive review: it lists every binding id",
                )
            )
            continue
        keys, problem = _keys(binding, value)
        if problem:
            problems.append(_Problem(line, *problem))
            continue
        keymap[binding] = ",".join(keys)
        written[binding] = line
    if not problems:
        problems.extend(_clashes(keymap, written, screens, normalize))
    if problems:
        first = min(problems)
        raise GoliveError(f"{path}:{first.line}: {one_line(first.what)}", one_line(first.hint))
    return keymap


def _top_level(name: str, value: object, line: int, ids: Sequence[str]) -> _Problem:
    shown = one_line(name)
    what = (
        f"unknown table [{shown}]"
        if isinstance(value, dict)
        else f"unknown key {name!r} at the top level"
    )
    if name in ids:
        hint = f"binding ids go under [keys]: write [keys] on a line above {shown}"
    elif isinstance(value, dict) and any(".".join((name, *p)) in ids for p, _ in _leaves(value)):
        hint = f"binding ids go under [keys], in double quotes: {EXAMPLE}"
    else:
        hint = did_you_mean(name, TABLES) or f"the file has one table, [keys]: {EXAMPLE}"
    return _Problem(line, what, hint)


def _leaves(
    table: Mapping[str, Any], parts: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every value under [keys], with the key path that leads to it (an unquoted
    run.rollback is the table run holding rollback)."""
    for name, value in table.items():
        if isinstance(value, dict) and value:
            yield from _leaves(value, (*parts, name))
        else:
            yield (*parts, name), value


def _keys(binding: str, value: object) -> tuple[list[str], tuple[str, str] | None]:
    """The keys of one entry, each checked; or what is wrong with them, and a hint."""
    said = f'"{one_line(binding)}"'
    if isinstance(value, list):
        return [], (
            f"{said} must be a string of keys, not a list",
            'several keys go in one string, comma-separated: "ctrl+b,f5"',
        )
    if not isinstance(value, str):
        return [], (
            f"{said} must be a string of keys, not {type_name(value)}",
            f'write {said} = "ctrl+b"',
        )
    if not value.strip():
        return [], (
            f"{said} has no key",
            "the space bar is written space" if value else 'name a key, such as "ctrl+b"',
        )
    keys = [key.strip() for key in value.split(",")]
    for key in keys:
        problem = _key_problem(said, value, key)
        if problem:
            return [], problem
    return keys, None


def _key_problem(said: str, value: str, key: str) -> tuple[str, str] | None:
    shown = one_line(value)
    if not key:
        return (
            f'{said} = "{shown}": an empty key between commas',
            "the comma key is written comma; otherwise drop the extra comma",
        )
    if len(key) > 1 and any(c.isspace() for c in key):
        return (
            f'{said} = "{shown}": "{one_line(key)}" is not one key',
            "join a modifier to its key with +, and separate keys with commas: ctrl+b,f5",
        )
    if len(key) == 1:
        return None  # any one character, + and , too: Textual names it
    *modifiers, last = key.split("+")
    if not last:
        return (
            f'{said} = "{shown}": no key after {one_line(key)}',
            "the + key is written plus, as in ctrl+plus; the comma key is comma",
        )
    for modifier in modifiers:
        if not modifier:
            return (
                f'{said} = "{shown}": nothing before a + in {one_line(key)}',
                f"write a modifier ({', '.join(MODIFIERS)}) before each +",
            )
        if modifier not in MODIFIERS:
            return (
                f'{said} = "{shown}": unknown modifier "{one_line(modifier)}"',
                did_you_mean(modifier.lower(), MODIFIERS)
                or f"the modifiers are {', '.join(MODIFIERS)}",
            )
    if len(set(modifiers)) < len(modifiers):
        return (
            f'{said} = "{shown}": a modifier is written twice in {one_line(key)}',
            f"write {'+'.join([*sorted(set(modifiers)), last])}",
        )
    if modifiers != sorted(modifiers):
        return (
            f'{said} = "{shown}": the modifiers of {one_line(key)} are out of order',
            f"write {'+'.join([*sorted(modifiers), last])}: Textual names modifiers in the "
            f"order {', '.join(MODIFIERS)}",
        )
    return None


def _clashes(
    keymap: Keymap,
    written: Mapping[str, int],
    screens: Sequence[Screen],
    normalize: Callable[[str], str],
) -> Iterator[_Problem]:
    """A key moved onto another binding's key, on a screen where both apply: one of the
    two would silently stop working."""
    for screen in screens:
        taken: dict[str, str] = {}  # key -> the binding id that has it
        moved = sorted((b for b in keymap if b in screen.keys), key=written.__getitem__)
        kept = [b for b in screen.keys if b not in keymap]
        for binding in kept:
            for key in screen.keys[binding]:
                taken.setdefault(normalize(key), binding)
        for binding in moved:
            line = written[binding]
            for key in keymap[binding].split(","):
                name = normalize(key)
                if name in screen.reserved:
                    yield _Problem(
                        line,
                        f'"{binding}" = "{one_line(keymap[binding])}": {one_line(key)} is '
                        f"Textual's own key on {screen.name} ({screen.reserved[name]})",
                        f"pick another key for {binding}",
                    )
                    break
                other = taken.get(name)
                if other is not None and other != binding:
                    moved_too = other in keymap
                    yield _Problem(
                        line,
                        f'"{binding}" = "{one_line(keymap[binding])}": {one_line(key)} is '
                        f"{'given to' if moved_too else 'already'} {other} on {screen.name}",
                        f"pick another key for {binding}"
                        if moved_too
                        else f"give {other} another key too, or pick another for {binding}",
                    )
                    break
                taken[name] = binding
