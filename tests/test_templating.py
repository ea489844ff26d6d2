"""Variable substitution: the command receives every value verbatim, whatever the quoting.

(The injection matrix, with hostile payloads and real sshd, is tests/test_injection.py.)"""

from __future__ import annotations

import os
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from golive.core.shell import DOUBLE, HEREDOC, SINGLE, WORD, analyse
from golive.core.templating import MASK, Masker, UnsafeCommand, Values, plain_env_name

TEMPLATES = [
    "printf '%s\\n' {{v}}",
    "printf '%s\\n' \"{{v}}\"",
    "printf '%s\\n' '{{v}}'",
    "printf '%s\\n' \"$(printf '%s' {{v}})\"",
    "printf '%s\\n' \"prefix {{v}} suffix\"",
]


def run(rendered_command: str, env: dict[str, str]) -> str:
    return subprocess.run(
        ["/bin/sh", "-c", rendered_command],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=True,
    ).stdout


@pytest.mark.parametrize("template", TEMPLATES)
@settings(max_examples=40, deadline=None)
@given(
    value=st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"),
        max_size=30,
    )
)
def test_plain_values_arrive_verbatim_in_every_quoting_context(template: str, value: str) -> None:
    rendered = Values({"v": value}, {}).render(template)
    # The script does not depend on the value at all: it only refers to it.
    assert rendered.command == Values({"v": "other"}, {}).render(template).command
    output = run(rendered.command, dict(rendered.env))
    if "prefix" in template:
        assert output == f"prefix {value} suffix\n"
    elif "$(" in template:
        assert output == value.rstrip("\n") + "\n"  # $( ) drops trailing line breaks
    else:
        assert output == value + "\n", (template, rendered.command)


@pytest.mark.parametrize("template", TEMPLATES)
def test_secrets_arrive_through_the_environment_and_are_never_in_the_text(template: str) -> None:
    secret = "p@ss 'w\"rd $HOME `x`"
    rendered = Values({}, {"v": secret}).render(template)
    assert secret not in rendered.command and secret not in rendered.display
    assert MASK in rendered.display
    output = run(rendered.command, dict(rendered.env))
    assert secret in output


def test_contexts_come_from_the_shell_grammar() -> None:
    script = (
        "# don't let this apostrophe open a quote\n"
        'a {{x}} \'{{x}}\' "{{x}} $(b {{x}}) \\"{{x}}" --o={{x}}\n'
        "cat <<EOF\n'{{x}}'\nEOF\n"
    )
    analysis = analyse(script)
    assert not analysis.refusals
    assert [p.context for p in analysis.placements] == [
        WORD, SINGLE, DOUBLE, WORD, DOUBLE, WORD, HEREDOC,
    ]  # fmt: skip


def test_a_value_is_never_part_of_the_script_text() -> None:
    value = "5.0.3; touch /tmp/x"
    rendered = Values({"release": value}, {}).render("echo {{release}} '{{release}}'")
    assert value not in rendered.command
    assert rendered.env[plain_env_name("release")] == value
    assert rendered.display == "echo '5.0.3; touch /tmp/x' '5.0.3; touch /tmp/x'"


def test_every_command_sees_every_plain_value_and_only_its_own_secrets() -> None:
    values = Values({"a": "1", "b": "2"}, {"pw": "hunter22", "other": "zzzz9"})
    rendered = values.render("echo {{a}} {{pw}}")
    assert rendered.env == {
        "GOLIVE_VAR_a": "1",
        "GOLIVE_VAR_b": "2",
        "GOLIVE_SECRET_pw": "hunter22",
    }


def test_the_display_of_a_refused_script_never_raises_and_masks_secrets() -> None:
    values = Values({"x": "1"}, {"pw": "hunter22"})
    with pytest.raises(UnsafeCommand):
        values.render("eval {{x}} {{pw}}")
    assert values.display("eval {{x}} {{pw}}") == f"eval 1 {MASK}"
    assert values.display("# {{x}} {{pw}}") == "# {{x}} {{pw}}"  # no context: kept as written


def test_masker_masks_longest_secret_first() -> None:
    masker = Masker(["abcd", "abcdefgh"])
    assert masker.mask("x abcdefgh y abcd") == f"x {MASK} y {MASK}"


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet="ab\nc", max_size=60),
    cuts=st.lists(st.integers(min_value=0, max_value=60), max_size=8),
    secret=st.sampled_from(["abca", "ab\nc", "aaaa", "cab\nab"]),
)
def test_a_streaming_masker_masks_a_secret_wherever_the_stream_is_cut(
    text: str, cuts: list[int], secret: str
) -> None:
    masker = Masker([secret])
    stream = masker.stream()
    pieces, start = [], 0
    for cut in sorted(set(cuts)):
        pieces.append(text[start:cut])
        start = max(start, cut)
    pieces.append(text[start:])
    out = "".join(stream.feed(piece) for piece in pieces) + stream.flush()
    assert out == masker.mask(text)
    assert secret not in out


def test_secrets_that_hold_or_overlap_each_other_are_masked_whole() -> None:
    masker = Masker(["Kx9-fj2Q", "Kx9-fj2Q-77hzQp3LmW", "abcd1234", "1234wxyz"])
    assert masker.mask("t: Kx9-fj2Q-77hzQp3LmW s: Kx9-fj2Q") == f"t: {MASK} s: {MASK}"
    assert masker.mask("x abcd1234wxyz y") == f"x {MASK} y"


def test_a_longer_secret_that_begins_with_a_shorter_one_waits_for_its_end() -> None:
    masker = Masker(["Kx9-fj2Q", "Kx9-fj2Q-77hzQp3LmW"])
    stream = masker.stream()
    out = stream.feed("token: Kx9-fj2Q") + stream.feed("-77hzQp3LmW\n") + stream.flush()
    assert out == f"token: {MASK}\n"
    stream = masker.stream()
    out = stream.feed("token: Kx9-fj2Q") + stream.feed(" and more\n") + stream.flush()
    assert out == f"token: {MASK} and more\n"
