"""Resolving runbook variables: --var, the journal, the environment, a prompt."""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Mapping

from golive.core.errors import GoliveError
from golive.core.runbook import Runbook
from golive.core.templating import Values, referenced_names

MIN_SECRET_LENGTH = 4


class VariableError(GoliveError):
    """A variable has no value; the message says how to give it one."""


def parse_assignments(pairs: list[str]) -> dict[str, str]:
    result: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise VariableError(f"--var {pair!r}: write it as NAME=VALUE")
        result[name.strip()] = value
    return result


def resolve_values(
    runbook: Runbook,
    overrides: Mapping[str, str],
    recorded: Mapping[str, str] | None = None,
    interactive: bool = False,
    environ: Mapping[str, str] | None = None,
) -> Values:
    """Values for every variable. A resumed run reuses the plain values it started
    with (`recorded`), so a resume never quietly changes what a command does."""
    environ = os.environ if environ is None else environ
    unknown = sorted(set(overrides) - set(runbook.variables))
    if unknown:
        raise VariableError(
            f"--var {unknown[0]}: the runbook has no such variable (it has: {', '.join(runbook.variables) or 'none'})"
        )
    plain: dict[str, str] = {}
    secrets: dict[str, str] = {}
    for name, variable in runbook.variables.items():
        value: str | None = overrides.get(name)
        if value is None and recorded is not None and not variable.secret:
            value = recorded.get(name)
        if value is None and variable.env:
            value = environ.get(variable.env)
        if value is None:
            value = variable.value
        if value is None and variable.prompt:
            if not interactive:
                raise VariableError(
                    f"variable {name} asks for a prompt, but stdin is not a terminal; pass --var {name}=... or set its env"
                )
            value = getpass.getpass(f"{name}: ") if variable.secret else input(f"{name}: ")
        if value is None:
            source = f"export {variable.env}=..." if variable.env else f"--var {name}=..."
            raise VariableError(f"variable {name} has no value: {source}")
        if variable.secret and len(value) < MIN_SECRET_LENGTH:
            raise VariableError(
                f"secret {name} is {len(value)} characters long; golive masks secrets by their text, "
                f"so it needs at least {MIN_SECRET_LENGTH} (a shorter one would mask ordinary output)"
            )
        if "\0" in value:
            raise VariableError(f"variable {name} holds a NUL byte, which no command can receive")
        if not _is_text(value):
            # os.environ and argv keep undecodable bytes as lone surrogates: such a value
            # could neither be journaled nor be recognised (and masked) in output.
            raise VariableError(
                f"variable {name} is not UTF-8 text (it holds bytes of another encoding); "
                "give it as UTF-8"
            )
        (secrets if variable.secret else plain)[name] = value
    _check_urls(runbook, {**plain, **secrets})
    return Values(plain, secrets)


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_NOT_IN_URL = re.compile(r"[\x00-\x20\x7f-\x9f]")


def _check_urls(runbook: Runbook, values: Mapping[str, str]) -> None:
    """Values go into verify.http URLs as they are: a line break or control character
    there could forge the request, so it is refused before the run starts."""
    for step in runbook.steps:
        http = step.verify.http if step.verify else None
        if http is None:
            continue
        for name in referenced_names(http.url):
            if _NOT_IN_URL.search(values.get(name, "")):
                raise VariableError(
                    f"variable {name} is used in the verify URL of step {step.id}, and a URL "
                    "cannot hold spaces, line breaks or control characters; percent-encode them"
                )
