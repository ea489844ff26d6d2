"""golive.core.text.visible: control characters from runbooks and hosts shown, never obeyed;
the console guard that applies it to everything golive prints; and its rich Text form."""

from __future__ import annotations

import io
import json
import os
import sys
import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from rich.text import Span, Text

from golive.console.guard import VisibleStream, guard_console, guarded, write_control
from golive.core.text import visible
from golive.tui.shown import visible_text

BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def dangerous(char: str, newlines: bool = False) -> bool:
    """What must never reach a terminal from a runbook or a host, character by character."""
    code = ord(char)
    if char == "\t" or (newlines and char == "\n"):
        return False
    return (
        code < 0x20
        or 0x7F <= code <= 0x9F
        or char in BIDI
        or char in "\u2028\u2029"
        or 0xD800 <= code <= 0xDFFF
    )


HOSTILE = st.text(
    st.one_of(
        st.characters(codec=None),
        st.sampled_from(["\x1b", "\x9b", "\r", "\n", "\t", "\x07", "\x7f", "\u202e", "\u2028"]),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    )
)
ORDINARY = st.text(st.characters(codec=None).filter(lambda c: not dangerous(c, newlines=True)))


# -- the rules -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2J", r"\x1b[2J"),
        ("\x1b]2;PWNED\x07", r"\x1b]2;PWNED\x07"),
        ("\x9b2J", r"\u009b2J"),  # the one-character CSI
        ("a\rb", r"a\x0db"),  # a CR in the middle of a line would overwrite it
        ("ok\u202egnp.exe", r"ok\u202egnp.exe"),
        ("one\u2028two", r"one\u2028two"),
        ("del\x7f", r"del\u007f"),
        ("nul\x00", r"nul\x00"),
        ("raw byte \udc9b", r"raw byte \udc9b"),  # surrogateescape of byte 0x9b
        ("a\nb", r"a\x0ab"),
        ("tab\tstays", "tab\tstays"),
    ],
)
def test_each_control_character_is_shown_as_its_escape(raw: str, shown: str) -> None:
    assert visible(raw) == shown


def test_newlines_keep_lf_and_treat_crlf_as_a_line_ending_but_show_a_lone_cr() -> None:
    assert visible("one\ntwo\r\nthree\rfour\x1b[2J", newlines=True) == (
        "one\ntwo\nthree\\x0dfour\\x1b[2J"
    )
    assert visible("one\ntwo") == "one\\x0atwo"


@pytest.mark.parametrize(
    "text",
    [
        "Demo: shop 2.0 go-live",
        "Ünïcödé • 日本語のテキスト ✔ ✘ ↶ ▶ ─ █",
        r"grep -E '\d+' C:\new\table | sed 's/\x1b//'",  # backslashes are left alone
        "tabs\tand\tspaces  ",
        "",
    ],
)
def test_ordinary_text_comes_back_as_the_same_object(text: str) -> None:
    assert visible(text) is text
    assert visible(text, newlines=True) is text


@given(HOSTILE)
@example("\x1b]2;PWNED\x07\x1b[2J\x9b2J\u202e\r\n\u2028")
def test_the_result_never_holds_a_control_character(text: str) -> None:
    for newlines in (False, True):
        shown = visible(text, newlines=newlines)
        assert not [c for c in shown if dangerous(c, newlines)], repr(shown)


@given(ORDINARY)
def test_text_without_control_characters_is_unchanged(text: str) -> None:
    assert visible(text, newlines=True) == text
    assert visible(text.replace("\n", " ")) == text.replace("\n", " ")


@given(HOSTILE)
def test_escaping_twice_changes_nothing(text: str) -> None:
    for newlines in (False, True):
        once = visible(text, newlines=newlines)
        assert visible(once, newlines=newlines) == once


def test_every_escape_names_its_character_and_no_two_are_alike() -> None:
    """The escapes are Python's and JSON's spelling of the character, so it can be looked up;
    since backslashes are not doubled, a literal "\\x1b" in a runbook reads the same
    (the journal keeps the original; the module's doc says so)."""
    chars = [c for c in map(chr, range(0x10000)) if dangerous(c)]
    escapes = [visible(c) for c in chars]
    assert len(set(escapes)) == len(chars)
    for char, escape in zip(chars, escapes, strict=True):
        assert escape.encode("ascii").decode("unicode_escape") == char
        assert escape.startswith("\\x" if ord(char) < 0x20 else "\\u")


# Lone surrogates aside: two of them in a row are one pair to JSON, whoever escapes them.
TEXT = st.text(
    st.characters(codec=None, exclude_categories=["Cs"]) | st.sampled_from("\x1b\x9b\r\n")
)


@pytest.mark.slow
@given(st.recursive(st.none() | TEXT, lambda inner: st.lists(inner) | st.dictionaries(TEXT, inner)))
def test_json_shown_through_it_stays_valid_json_with_the_same_value(value: object) -> None:
    """`golive report --format json` (ensure_ascii=False) goes to stdout through the guard."""
    document = json.dumps(value, ensure_ascii=False, indent=2)
    assert json.loads(visible(document, newlines=True)) == value


def test_the_escaped_characters_are_the_ones_unicode_calls_controls_or_formats() -> None:
    """A cross-check of the list against Unicode's own categories: every Cc but TAB, and
    the bidi and line-breaking Cf/Zl/Zp characters that can reorder or fake a line."""
    for code in range(0x10000):
        char = chr(code)
        category = unicodedata.category(char)
        if category == "Cc" and char != "\t":
            assert visible(char) != char, hex(code)
        if unicodedata.bidirectional(char) in (
            "LRE",
            "RLE",
            "LRO",
            "RLO",
            "PDF",
            "LRI",
            "RLI",
            "FSI",
            "PDI",
        ):
            assert visible(char) != char, hex(code)
        if category in ("Zl", "Zp"):
            assert visible(char) != char, hex(code)


# -- rich Text, for the screens ----------------------------------------------------------
def test_visible_text_keeps_the_styles_on_the_characters_they_covered() -> None:
    text = Text("ab\x1bcd", style="bold")
    text.stylize("red", 1, 4)
    shown = visible_text(text)
    assert shown.plain == "ab\\x1bcd"
    assert shown.style == "bold"
    covered = {
        i for span in shown.spans if span.style == "red" for i in range(span.start, span.end)
    }
    assert covered == set(range(1, 7))  # "b", the whole "\x1b" and "c"
    assert all(isinstance(span, Span) for span in shown.spans)
    plain = Text("nothing to show", style="bold")
    assert visible_text(plain) is plain


# -- the console guard -------------------------------------------------------------------
def test_the_guard_shows_what_it_is_given_and_sends_only_csi_raw(tmp_path: object) -> None:
    raw = io.StringIO()
    guard = VisibleStream(raw)
    assert guard.write("title \x1b]2;PWNED\x07\n") == len("title \x1b]2;PWNED\x07\n")
    guard.write("split \x1b")  # a sequence cut over two writes is caught too
    guard.write("[2J done\r\n")
    print("via print \x9b2J", file=guard)
    write_control(guard, "\x1b[H\x1b[2J")
    assert raw.getvalue() == (
        "title \\x1b]2;PWNED\\x07\nsplit \\x1b[2J done\nvia print \\u009b2J\n\x1b[H\x1b[2J"
    )
    for not_csi in ("\x1b]2;PWNED\x07", "text", "\x1b[2J and text", ""):
        with pytest.raises(ValueError, match="not a plain CSI sequence"):
            write_control(guard, not_csi)
    assert guarded(guard) is guard  # a printer handed the guard does not wrap it again


def test_the_guard_answers_for_the_terminal_it_wraps() -> None:
    read, write = os.pipe()
    with os.fdopen(write, "w", encoding="utf-8") as stream:
        guard = VisibleStream(stream)
        assert guard.fileno() == stream.fileno()
        assert guard.isatty() is False
        assert guard.encoding == "utf-8"
        guard.write("x\x1b\n")
        guard.flush()
        assert os.read(read, 100) == b"x\\x1b\n"
    os.close(read)


def test_guard_console_wraps_stdout_and_stderr_once(monkeypatch: pytest.MonkeyPatch) -> None:
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    guard_console()
    first = sys.stdout
    guard_console()
    assert sys.stdout is first and isinstance(sys.stdout, VisibleStream)
    assert isinstance(sys.stderr, VisibleStream)
    print("a\x1b[2J")
    print("b\x1b[2J", file=sys.stderr)
    assert out.getvalue() == "a\\x1b[2J\n" and err.getvalue() == "b\\x1b[2J\n"
