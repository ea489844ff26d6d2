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


class Values:
    """Resolved variable values, knowing which ones are secret."""

    def __init__(self, plain: Mapping[str, str], secrets: Mapping[str, str]) -> None:
        self.plain = dict(plain)
        self.secrets = dict(secrets)

    def render(self, command: str) -> Rendered:
        env: dict[str, str] = {}

        def for_shell(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in self.secrets:
                env[secret_env_name(name)] = self.secrets[name]
                return f'"${secret_env_name(name)}"'
            return shlex.quote(self.plain[name])

        def for_display(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in self.secrets:
                return MASK
            return shlex.quote(self.plain[name])

        return Rendered(
            command=PLACEHOLDER.sub(for_shell, command),
            display=PLACEHOLDER.sub(for_display, command),
            env=env,
        )

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
