"""Reading a runbook's ``[[notify]]`` tables (golive.core.loader calls it).

A URL, a PagerDuty routing key and a signing secret must each be one secret variable,
written ``"{{name}}"``: a Teams Workflows URL carries its signature, a Slack webhook URL
is its own credential. So none of them is ever written in a runbook, a journal or a
report; they are masked like every secret."""

from __future__ import annotations

import re
from typing import Any

from golive.core.reader import DocumentReader
from golive.core.runbook import NOTIFY_FORMATS, NOTIFY_KINDS, NotifyEndpoint, Variable

NOTIFY_KEYS = (
    "name", "format", "url", "on", "resolve_on", "rehearsal", "repeat_after", "routing_key",
    "signing_secret",
)  # fmt: skip
_ONE_VARIABLE = re.compile(r"^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def notify_endpoints(
    reader: DocumentReader, raw: Any, variables: dict[str, Variable]
) -> tuple[NotifyEndpoint, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        reader.error(("notify",), "notify must be a list of tables", "write [[notify]] tables")
        return ()
    endpoints: list[NotifyEndpoint] = []
    seen: set[str] = set()
    for index, spec in enumerate(raw):
        where: tuple[str | int, ...] = ("notify", index)
        if not isinstance(spec, dict):
            reader.error(where, "each [[notify]] must be a table")
            continue
        reader.known_keys(where, spec, NOTIFY_KEYS)
        name = reader.text(spec, where, "name")
        if not _NAME.match(name) and (name or "name" not in spec):
            reader.error(
                (*where, "name"),
                f"notify name {name!r} is not usable" if name else "a [[notify]] needs a name",
                'e.g. name = "war-room" (letters, digits, - _ .)',
            )
        elif name in seen:
            reader.error((*where, "name"), f"two [[notify]] tables are named {name}")
        seen.add(name)
        kind = reader.text(spec, where, "format")
        if kind not in NOTIFY_FORMATS and (kind or "format" not in spec):
            reader.error(
                (*where, "format"),
                f"format {kind!r} is not known" if kind else "a [[notify]] needs a format",
                "one of: " + ", ".join(NOTIFY_FORMATS),
            )
        url = _secret(reader, spec, where, "url", variables, needed=kind != "pagerduty")
        key = _secret(reader, spec, where, "routing_key", variables, needed=kind == "pagerduty")
        signing = _secret(reader, spec, where, "signing_secret", variables, needed=kind == "json")
        on = _kinds(reader, spec, where, "on")
        resolve_on = _kinds(reader, spec, where, "resolve_on")
        if resolve_on and kind != "pagerduty":
            reader.error(
                (*where, "resolve_on"), 'resolve_on is for format = "pagerduty"', "drop it"
            )
        both = sorted(set(on) & set(resolve_on))
        if both:
            reader.error(
                (*where, "resolve_on"),
                f"{', '.join(both)} both triggers and resolves",
                "keep each news in on or in resolve_on",
            )
        if not on:
            reader.error(where, f"notify {name} is sent on nothing", 'add on = ["step_failed"]')
        if key and kind != "pagerduty":
            reader.error(
                (*where, "routing_key"), 'routing_key is for format = "pagerduty"', "drop it"
            )
        if signing and kind != "json":
            reader.error(
                (*where, "signing_secret"), 'signing_secret is for format = "json"', "drop it"
            )
        repeat = reader.duration(spec, where, "repeat_after")
        endpoints.append(
            NotifyEndpoint(
                name=name,
                format=kind,
                url=url,
                on=on,
                resolve_on=resolve_on,
                rehearsal=reader.flag(spec, where, "rehearsal"),
                repeat_after=600.0 if repeat is None else repeat,
                routing_key=key,
                signing_secret=signing,
            )
        )
    return tuple(endpoints)


def _secret(
    reader: DocumentReader,
    spec: dict[str, Any],
    where: tuple[str | int, ...],
    key: str,
    variables: dict[str, Variable],
    *,
    needed: bool,
) -> str:
    text = reader.text(spec, where, key)
    if not text:
        if needed and key not in spec:  # present but not text: said by reader.text
            reader.error(
                where,
                f"this [[notify]] needs {key}",
                f'{key} = "{{{{name}}}}" of a secret variable',
            )
        return ""
    found = _ONE_VARIABLE.match(text)
    variable = variables.get(found.group(1)) if found else None
    if variable is None or not variable.secret:
        reader.error(
            (*where, key),
            f"{key} must be one secret variable, not written here",
            f'{key} = "{{{{{key}}}}}" with [vars] {key} = {{ secret = true, env = "..." }}',
        )
        return ""
    return text


def _kinds(
    reader: DocumentReader, spec: dict[str, Any], where: tuple[str | int, ...], key: str
) -> tuple[str, ...]:
    kinds = reader.text_list(spec, where, key)
    for index, kind in enumerate(kinds):
        if kind not in NOTIFY_KINDS:
            reader.error(
                (*where, key, index),
                f"{kind!r} is not something golive notifies",
                "one of: " + ", ".join(NOTIFY_KINDS),
            )
    return tuple(k for k in kinds if k in NOTIFY_KINDS)
