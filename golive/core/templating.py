"""`{{name}}` substitution: shell-quoted values and masked secrets."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
MASK = "••••••"


def referenced_names(command: str) -> list[str]:
    return [match.group(1) for match in PLACEHOLDER.finditer(command)]


def secret_env_name(name: str) -> str:
    return f"GOLIVE_SECRET_{name.upper()}"


@dataclass(frozen=True)
class Rendered:
    """A command ready to execute, and how it may be shown.

    Secrets are never spliced into `command`: it reads them from environment
    variables listed in `env`, so they stay out of process listings, shell
    history and the journal. `display` is the only form fit for a screen.
    """

    command: str
    display: str
    env: Mapping[str, str]


def quote_contexts(command: str) -> list[tuple[re.Match[str], str]]:
    """Each placeholder with the shell quoting around it: "bare", "single" or "double".

    A small scanner of POSIX sh quoting: quotes, backslashes and $(...)
    nesting (inside which quoting starts afresh). It lets a value be quoted
    for exactly where it stands, so "{{x}}", '{{x}}' and {{x}} all give the
    command the value verbatim.
    """
    found: list[tuple[re.Match[str], str]] = []
    stack = ["bare"]
    i = 0
    while i < len(command):
        top = stack[-1]
        match = PLACEHOLDER.match(command, i)
        if match:
            found.append((match, top))
            i = match.end()
            continue
        c = command[i]
        if top == "single":
            if c == "'":
                stack.pop()
        elif c == "\\":
            i += 1
        elif top == "double" and c == '"':
            stack.pop()
        elif c == "$" and command.startswith("$(", i):
            stack.append("bare")
            i += 1
        elif top == "bare" and c == ")" and len(stack) > 1:
            stack.pop()
        elif top == "bare" and c == "'":
            stack.append("single")
        elif top == "bare" and c == '"':
            stack.append("double")
        i += 1
    return found


def _quoted(value: str, context: str) -> str:
    if context == "single":
        return value.replace("'", "'\\''")
    if context == "double":
        return re.sub(r'([\\"$`])', r"\\\1", value)
    return shlex.quote(value)


def _secret_reference(name: str, context: str) -> str:
    variable = secret_env_name(name)
    if context == "single":
        return f"'\"${{{variable}}}\"'"
    if context == "double":
        return f"${{{variable}}}"
    return f'"${{{variable}}}"'


class Values:
    """Resolved variable values, knowing which ones are secret."""

    def __init__(self, plain: Mapping[str, str], secrets: Mapping[str, str]) -> None:
        self.plain = dict(plain)
        self.secrets = dict(secrets)

    def render(self, command: str) -> Rendered:
        env: dict[str, str] = {}
        pieces: list[str] = []
        shown: list[str] = []
        position = 0
        for match, context in quote_contexts(command):
            pieces.append(command[position : match.start()])
            shown.append(command[position : match.start()])
            name = match.group(1)
            if name in self.secrets:
                env[secret_env_name(name)] = self.secrets[name]
                pieces.append(_secret_reference(name, context))
                shown.append(MASK)
            else:
                text = _quoted(self.plain[name], context)
                pieces.append(text)
                shown.append(text)
            position = match.end()
        pieces.append(command[position:])
        shown.append(command[position:])
        return Rendered(command="".join(pieces), display="".join(shown), env=env)

    def substitute(self, text: str, reveal: bool) -> str:
        """Plain substitution for non-shell text (URLs, body checks); secrets
        only when `reveal`, so the display form never carries them."""

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in self.secrets:
                return self.secrets[name] if reveal else MASK
            return self.plain[name]

        return PLACEHOLDER.sub(value, text)

    def masker(self) -> Masker:
        return Masker(self.secrets.values())


class Masker:
    """Replaces every secret value in a text; the last guard before a byte is written."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret that contains another is masked whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._secrets)

    def mask(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text
