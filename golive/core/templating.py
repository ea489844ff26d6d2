"""`{{name}}` substitution: values travel in the environment, never in the script.

A plain value is handed to the command in the environment variable
GOLIVE_VAR_<name>, a secret in GOLIVE_SECRET_<name>, and each placeholder
becomes a reference to that variable, written for the context it stands in
(golive.core.shell decides the context with a real shell grammar). So a value
can never become shell syntax, whatever it holds: the shell expands a
reference once, into one word, and never parses the result again. Places
where that cannot be proved (a comment, `eval`, backquotes, ...) are refused
by `golive check`, and by render() should a script get this far.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from golive.core.shell import DOUBLE, HEREDOC, PLACEHOLDER, SINGLE, Analysis, analyse

MASK = "••••••"


def referenced_names(command: str) -> list[str]:
    return [match.group(1) for match in PLACEHOLDER.finditer(command)]


def secret_env_name(name: str) -> str:
    # The name as written: `pw` and `PW` are two variables, so two environment names.
    return f"GOLIVE_SECRET_{name}"


def plain_env_name(name: str) -> str:
    return f"GOLIVE_VAR_{name}"


class UnsafeCommand(ValueError):
    """A placeholder stands where golive cannot prove its value stays data."""


@dataclass(frozen=True)
class Rendered:
    """A command ready to execute, and how it may be shown.

    No value is spliced into `command`: it reads them from the environment
    variables in `env`, so they stay out of the script's syntax, process
    listings and shell history. `display` is the only form fit for a screen.
    """

    command: str
    display: str
    env: Mapping[str, str]


def _reference(variable: str, context: str) -> str:
    if context == SINGLE:
        return f"'\"${{{variable}}}\"'"
    if context in (DOUBLE, HEREDOC):
        return f"${{{variable}}}"
    return f'"${{{variable}}}"'


def _shown(value: str, context: str) -> str:
    """The value as the command receives it, quoted the way a person would write it there."""
    if context == SINGLE:
        return value.replace("'", "'\\''")
    if context == DOUBLE:
        return re.sub(r'([\\"$`])', r"\\\1", value)
    if context == HEREDOC:
        return value
    return shlex.quote(value)


class Values:
    """Resolved variable values, knowing which ones are secret."""

    def __init__(self, plain: Mapping[str, str], secrets: Mapping[str, str]) -> None:
        self.plain = dict(plain)
        self.secrets = dict(secrets)
        # Every command sees every plain value (scripts may read $GOLIVE_VAR_x themselves);
        # a secret only reaches the commands that name it.
        self._plain_env = {plain_env_name(n): v for n, v in self.plain.items()}

    def render(self, command: str) -> Rendered:
        analysis = analyse(command)
        if analysis.refusals:
            refusal = analysis.refusals[0]
            raise UnsafeCommand(f"{refusal.message} ({refusal.hint})")
        env = dict(self._plain_env)
        pieces: list[str] = []
        position = 0
        for placement in analysis.placements:
            pieces.append(command[position : placement.start])
            if placement.name in self.secrets:
                variable = secret_env_name(placement.name)
                env[variable] = self.secrets[placement.name]
            else:
                variable = plain_env_name(placement.name)
            pieces.append(_reference(variable, placement.context))
            position = placement.end
        pieces.append(command[position:])
        return Rendered(command="".join(pieces), display=self._display(command, analysis), env=env)

    def display(self, command: str) -> str:
        """The command with its values shown (secrets masked); never raises, so a screen
        can always show what a step would run, even a refused one."""
        return self._display(command, analyse(command))

    def _display(self, command: str, analysis: Analysis) -> str:
        pieces: list[str] = []
        position = 0
        for placement in analysis.placements:
            pieces.append(command[position : placement.start])
            if placement.name in self.secrets:
                pieces.append(MASK)
            elif placement.name in self.plain:
                pieces.append(_shown(self.plain[placement.name], placement.context))
            else:
                pieces.append(command[placement.start : placement.end])
            position = placement.end
        pieces.append(command[position:])
        return "".join(pieces)

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

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(self._secrets)

    def mask(self, text: str) -> str:
        """Every secret's text replaced by MASK; secrets that overlap or hold one another
        are masked as one stretch, so no part of either shows."""
        spans = sorted(self.occurrences(text))
        if not spans:
            return text
        pieces: list[str] = []
        position = 0
        start, end = spans[0]
        for next_start, next_end in spans[1:]:
            if next_start < end:  # overlapping: one stretch (touching ones stay two)
                end = max(end, next_end)
                continue
            pieces += [text[position:start], MASK]
            position, start, end = end, next_start, next_end
        pieces += [text[position:start], MASK, text[end:]]
        return "".join(pieces)

    def occurrences(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of every occurrence of every secret in `text`."""
        spans: list[tuple[int, int]] = []
        for secret in self._secrets:
            at = text.find(secret)
            while at != -1:
                spans.append((at, at + len(secret)))
                at = text.find(secret, at + 1)
        return spans

    def stream(self) -> StreamMasker:
        return StreamMasker(self)


class StreamMasker:
    """Masks a stream of text that arrives in pieces cut anywhere: reads of 64 KiB, a
    line cut, a secret with line breaks in it.

    Each piece is joined to what was held back before it; the longest tail that could
    still be the start of a secret is held back again (unmasked, so a shorter secret
    that begins a longer one waits too), and the rest is masked and given out, so no
    secret is ever split between two outputs. What it holds back is less than the
    longest secret (or the secrets it would cut through); `flush` gives it up, masked.
    """

    def __init__(self, masker: Masker) -> None:
        self._masker = masker
        self._held = ""

    def feed(self, text: str) -> str:
        if not self._masker:
            return text
        buffer = self._held + text
        # Hold back the unmasked tail that could still begin a secret (a shorter secret
        # inside it included: it may be the start of a longer one), and never cut
        # through a secret that the buffer holds whole.
        keep = len(buffer) - self._partial_tail(buffer)
        moved = True
        while moved:
            moved = False
            for start, end in self._masker.occurrences(buffer):
                if start < keep < end:
                    keep, moved = start, True
        self._held = buffer[keep:]
        return self._masker.mask(buffer[:keep])

    def flush(self) -> str:
        held, self._held = self._held, ""
        return self._masker.mask(held)

    def _partial_tail(self, text: str) -> int:
        """Length of the longest tail of `text` that is a proper prefix of a secret."""
        longest = 0
        size = len(text)
        for secret in self._masker.secrets:
            # Candidates start where the secret's first character occurs in the last
            # len(secret) - 1 characters; the earliest one that fits is the longest tail.
            at = text.find(secret[0], max(size - len(secret) + 1, 0))
            while at != -1 and size - at > longest:
                if secret.startswith(text[at:]):
                    longest = size - at
                    break
                at = text.find(secret[0], at + 1)
        return longest
