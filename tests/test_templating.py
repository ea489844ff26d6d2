"""Variable substitution: the command receives every value verbatim, whatever the quoting."""

from __future__ import annotations

import os
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from golive.core.templating import MASK, Masker, Values, quote_contexts

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
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\n\r"),
        max_size=30,
    )
)
def test_plain_values_arrive_verbatim_in_every_quoting_context(template: str, value: str) -> None:
    rendered = Values({"v": value}, {}).render(template)
    output = run(rendered.command, dict(rendered.env))
    if "prefix" in template:
        assert output == f"prefix {value} suffix\n"
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


def test_contexts_follow_quotes_and_command_substitution() -> None:
    contexts = [
        c for _, c in quote_contexts("a {{x}} '{{x}}' \"{{x}} $(b {{x}}) \\\"{{x}}\" \\'{{x}}")
    ]
    assert contexts == ["bare", "single", "double", "bare", "double", "bare"]


def test_masker_masks_longest_secret_first() -> None:
    masker = Masker(["abcd", "abcdefgh"])
    assert masker.mask("x abcdefgh y abcd") == f"x {MASK} y {MASK}"
