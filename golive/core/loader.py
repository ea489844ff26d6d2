"""Reading a runbook file into the model, with every problem reported at once."""

from __future__ import annotations

import hashlib
import os
import re
import sys
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from golive.core import health_config
from golive.core.diagnostics import Diagnostic, Severity
from golive.core.notify import ALERT_HOST_PREFIX
from golive.core.notify_config import notify_endpoints
from golive.core.reader import DocumentReader, did_you_mean, type_name
from golive.core.runbook import (
    LOCAL,
    Host,
    HttpCheck,
    Monitor,
    OnFailure,
    Runbook,
    Step,
    StepKind,
    ThresholdsSet,
    Variable,
    Verify,
    Window,
)
from golive.core.toml_lines import KeyLines, unclosed_line

FORMAT_VERSION = 1
MAX_BYTES = 5 * 1024 * 1024
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")

TOP_KEYS = ("runbook", "vars", "hosts", "monitor", "steps", "notify", "baselines")
RUNBOOK_KEYS = ("name", "description", "format", "window", "known_hosts")
WINDOW_KEYS = ("start", "end", "duration", "timezone")
VAR_KEYS = ("value", "env", "prompt", "secret", "default")
HOST_KEYS = ("address", "port", "user", "identity_file", "groups", "logs", "local")
MONITOR_KEYS = ("interval", "cpu_warn", "mem_warn", "errors_warn", "groups", "hosts")
THRESHOLD_KEYS = ("cpu_warn", "mem_warn", "errors_warn")
STEP_KEYS = (
    "id", "title", "phase", "owner", "kind", "on", "run", "duration", "timeout",
    "not_before", "depends_on", "verify", "rollback", "rollback_duration",
    "rollback_point", "point_of_no_return", "retries", "on_failure", "instructions",
    "max_failed_hosts", "health",
)  # fmt: skip
VERIFY_KEYS = ("run", "http", "status", "contains", "max_latency", "timeout")


@dataclass
class LoadResult:
    path: str
    runbook: Runbook | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]


def read_source(path: str) -> tuple[str | None, list[Diagnostic]]:
    """The file's text, or a diagnostic saying why it cannot be a runbook."""

    def fail(message: str, hint: str, line: int = 1) -> tuple[None, list[Diagnostic]]:
        return None, [Diagnostic(path, line, message, hint)]

    if os.path.isdir(path):
        return fail("is a directory, not a runbook file", "name a .toml file inside it")
    try:
        size = os.path.getsize(path)
        if size > MAX_BYTES:
            return fail(
                f"file is {size / 1048576:.0f} MB; a runbook is at most {MAX_BYTES // 1048576} MB",
                "is this the right file?",
            )
        with open(path, "rb") as handle:
            # Capped: a FIFO, /dev/zero or a growing log reports a size that lies.
            raw = handle.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            return fail(
                f"file is over {MAX_BYTES // 1048576} MB; a runbook is at most {MAX_BYTES // 1048576} MB",
                "is this the right file?",
            )
    except FileNotFoundError:
        return fail("no such file", "check the path")
    except OSError as exc:
        return fail(f"cannot read: {exc.strerror or exc}", "check the path and its permissions")
    if raw.startswith(_UTF16_32_BOMS):
        return fail("UTF-16 or UTF-32 text, not UTF-8", "save the file as UTF-8")
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        return fail(
            "binary data (a NUL byte), not a TOML text file", "is this the right file?", line
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return fail(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x})",
            "save the file as UTF-8",
            line,
        )
    return text.removeprefix("\ufeff"), []


_UTF16_32_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$|\s*\(at end of document\)$")


RUNBOOK_REFERENCE = "see the runbook format reference in README.md"


def toml_error(
    path: str, text: str, exc: tomllib.TOMLDecodeError, reference: str = RUNBOOK_REFERENCE
) -> Diagnostic:
    """A TOML syntax error on the line where the mistake is; `reference` is the hint
    when there is none more precise (the keymap file has its own)."""
    message = str(exc)
    match = _TOML_POSITION.search(message)
    lines = text.split("\n")  # tomllib counts lines by \n only, not by splitlines()
    # Without a position the parser ran off the end: point at the last written line.
    line = len(text.rstrip().split("\n")) if text.strip() else 1
    if match:
        message = message[: match.start()]
        if match.group(1):
            line = int(match.group(1))
    if not match or not match.group(1) or message.startswith("Unclosed"):
        # An unclosed string, list or inline table is reported where the parser
        # gave up; the mistake is where it opened.
        opened = unclosed_line(text)
        if opened is not None and opened <= line:
            line = opened
    source_line = lines[line - 1] if 0 < line <= len(lines) else ""
    hint = reference
    stripped = source_line.strip()
    if "=" in stripped and not stripped.startswith(("[", "#")):
        value = stripped.split("=", 1)[1].strip()
        if value and value[0] not in "\"'[{-+0123456789tfin":
            hint = f'put text in double quotes: "{value}"'
        elif value.count('"') % 2 == 1:
            hint = "a string is missing its closing double quote"
        elif value.startswith("'") and value.count("'") % 2 == 1:
            hint = "a string is missing its closing single quote"
        elif value.startswith("{") and value.count("{") > value.count("}"):
            hint = "an inline table { ... } must be written on one line, or use a [table]"
        elif re.search(r",\s*}", value):
            hint = "an inline table takes no comma after its last item"
        elif value.startswith("[") and message.startswith("Unclosed array"):
            hint = "a list needs its closing ]"
        elif value.startswith("{") and message.startswith("Unclosed inline table"):
            hint = "separate the items of an inline table with commas and close it with }"
    elif message.startswith("Expected '=' after a key"):
        hint = "write key = value"
    elif stripped.startswith("[") and not stripped.rstrip().endswith("]"):
        hint = "a table header needs its closing ]"
    if message.startswith("Cannot declare") or "overwrite" in message:
        hint = "each key and table may be written only once"
    message = message or "not valid TOML"
    return Diagnostic(path, line, f"TOML syntax: {message[0].lower() + message[1:]}", hint)


def _unreadable(path: str, text: str, exc: Exception) -> Diagnostic:
    """tomllib's failures that are no TOMLDecodeError: numbers too long, nesting too deep."""
    limit = sys.get_int_max_str_digits() or 4300
    digits = re.search(rf"[0-9_]{{{limit + 1},}}", text)
    if isinstance(exc, ValueError) and digits:
        line = text.count("\n", 0, digits.start()) + 1
        return Diagnostic(path, line, "a number has too many digits to read", "is this a typo?")
    if isinstance(exc, RecursionError):
        return Diagnostic(path, _deep_line(text), "TOML nested too deeply", "flatten it")
    return Diagnostic(path, 1, f"cannot read the TOML: {exc}", "is this the right file?")


def _deep_line(text: str, limit: int = 100) -> int:
    """The line where brackets first nest `limit` deep (strings aside, roughly)."""
    depth, line, quote = 0, 1, ""
    for char in text:
        if char == "\n":
            line += 1
        elif quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
            if depth >= limit:
                return line
        elif char in "]}":
            depth -= 1
    return 1


def load_runbook(path: str) -> LoadResult:
    text, problems = read_source(path)
    if text is None:
        return LoadResult(path, None, problems)
    return load_runbook_text(path, text)


def load_runbook_text(path: str, text: str) -> LoadResult:
    """Load a runbook from its text, `path` naming it in diagnostics (a journal keeps
    the text of the runbook it ran, so a review needs no file)."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return LoadResult(path, None, [toml_error(path, text, exc)])
    except (ValueError, RecursionError) as exc:
        return LoadResult(path, None, [_unreadable(path, text, exc)])
    reader = DocumentReader(path, KeyLines(text))
    runbook = _build(reader, document, path, text)
    # Imported here: checks build on the model this module produces.
    from golive.core.checks import check_runbook

    if runbook is not None:
        check_runbook(runbook, reader)
    return LoadResult(path, None if reader.has_errors else runbook, reader.diagnostics)


def _build(reader: DocumentReader, doc: dict[str, Any], path: str, text: str) -> Runbook | None:
    reader.known_keys((), doc, TOP_KEYS)
    if "runbook" not in doc:
        reader.error((), "missing the [runbook] table", 'start with [runbook] and name = "..."')
    head = reader.table(doc, (), "runbook")
    reader.known_keys(("runbook",), head, RUNBOOK_KEYS)
    name = reader.text(head, ("runbook",), "name")
    if "runbook" in doc and not name:
        reader.error(("runbook",), "the runbook needs a name", 'add name = "ERP 4.2 go-live"')
    version = reader.whole(head, ("runbook",), "format", FORMAT_VERSION, 0, 10**6)
    if version != FORMAT_VERSION:
        reader.error(
            ("runbook", "format"),
            f"format {version} is not known to this golive",
            f"this golive reads format {FORMAT_VERSION}",
        )
    window = _window(reader, head)
    variables = _variables(reader, reader.table(doc, (), "vars"))
    hosts = _hosts(reader, reader.table(doc, (), "hosts"))
    monitor = _monitor(reader, reader.table(doc, (), "monitor"), hosts)
    steps = _steps(reader, doc.get("steps", []), window)
    notify = notify_endpoints(reader, doc.get("notify"), variables)
    baselines = health_config.baselines(reader, reader.table(doc, (), "baselines"))
    return Runbook(
        path=path,
        name=name,
        source=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        window=window,
        description=reader.text(head, ("runbook",), "description"),
        variables=variables,
        hosts=hosts,
        monitor=monitor,
        steps=tuple(steps),
        known_hosts=reader.optional_text(head, ("runbook",), "known_hosts"),
        notify=notify,
        baselines=baselines,
    )


def _moment(
    reader: DocumentReader, where: tuple[str, ...], value: Any, zone: ZoneInfo | None
) -> datetime | None:
    if isinstance(value, str):
        text = value
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            reader.error(
                where, f"{text!r} is not a date-time", 'write it like "2026-11-28T22:00:00+08:00"'
            )
            return None
        if not re.search(r"\d[T ]\d", text):  # "2026-11-28" parses, as midnight
            reader.error(
                where, f"{text!r} has no time of day", 'write it like "2026-11-28T22:00:00+08:00"'
            )
            return None
    if not isinstance(value, datetime):
        reader.error(where, f"{where[-1]} must be a date-time, not {type_name(value)}")
        return None
    if value.tzinfo is None:
        if zone is None:
            reader.error(
                where,
                f"{where[-1]} has no timezone",
                'add an offset (+08:00) or timezone = "Asia/Shanghai"',
            )
            return None
        value = value.replace(tzinfo=zone)
    moment: datetime = value
    return moment


def _window(reader: DocumentReader, head: dict[str, Any]) -> Window | None:
    if "window" not in head:
        return None
    where = ("runbook", "window")
    table = reader.table(head, ("runbook",), "window")
    reader.known_keys(where, table, WINDOW_KEYS)
    zone: ZoneInfo | None = None
    if name := reader.text(table, where, "timezone"):
        try:
            zone = ZoneInfo(name)
        # A lookup by an arbitrary name: bad names fail in several ways.
        except (ZoneInfoNotFoundError, ValueError, OSError, RecursionError):
            reader.error(
                (*where, "timezone"),
                f"unknown timezone {name!r}",
                'use an IANA name like "Europe/Berlin"',
            )
            return None  # its times cannot be placed; say nothing more about them
    if "start" not in table:
        reader.error(where, "the window needs a start", 'add start = "2026-11-28T22:00:00+08:00"')
        return None
    start = _moment(reader, (*where, "start"), table["start"], zone)
    if start is None:
        return None
    if ("end" in table) == ("duration" in table):
        reader.error(where, "give the window either an end or a duration", 'e.g. duration = "8h"')
        return None
    if "end" in table:
        end = _moment(reader, (*where, "end"), table["end"], start.tzinfo)  # type: ignore[arg-type]
    else:
        seconds = reader.duration(table, where, "duration")
        try:
            end = (
                (start.astimezone(UTC) + timedelta(seconds=seconds)).astimezone(start.tzinfo)
                if seconds is not None
                else None
            )
        except OverflowError:
            reader.error((*where, "duration"), "the window would end after the year 9999")
            return None
    if end is None:
        return None
    if end <= start:
        reader.error(
            (*where, "end"), "the window ends before it starts", "check the end date and time"
        )
        return None
    return Window(start, end)


def _variables(reader: DocumentReader, table: dict[str, Any]) -> dict[str, Variable]:
    variables: dict[str, Variable] = {}
    for name, spec in table.items():
        where = ("vars", name)
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
            reader.error(
                where,
                f"variable name {name!r} is not usable in {{{{...}}}}",
                "use letters, digits and _",
            )
            continue
        if isinstance(spec, (str, int, float)) and not isinstance(spec, bool):
            variables[name] = Variable(name, value=str(spec))
            continue
        if not isinstance(spec, dict):
            reader.error(where, f"variable {name} must be text or a table, not {type_name(spec)}")
            continue
        reader.known_keys(where, spec, VAR_KEYS)
        secret = reader.flag(spec, where, "secret")
        env = reader.optional_text(spec, where, "env")
        prompt = reader.flag(spec, where, "prompt")
        value = reader.optional_text(spec, where, "value") or reader.optional_text(
            spec, where, "default"
        )
        if secret and "value" in spec:
            reader.error(
                (*where, "value"),
                f"secret {name} must not be written in the runbook",
                'use env = "VAR" or prompt = true',
            )
        elif secret and "default" in spec:
            reader.error(
                (*where, "default"),
                f"secret {name} must not have a default in the runbook",
                'use env = "VAR" or prompt = true',
            )
        if "value" in spec and "default" in spec:
            reader.error(where, f"variable {name} has both value and default", "keep one")
        if not (env or prompt or value is not None):
            reader.error(
                where,
                f"variable {name} has no value, env or prompt",
                'e.g. env = "ERP_DB_PASSWORD"',
            )
        variables[name] = Variable(name, value=value, env=env, prompt=prompt, secret=secret)
    return variables


def _hosts(reader: DocumentReader, table: dict[str, Any]) -> dict[str, Host]:
    hosts: dict[str, Host] = {}
    for name, spec in table.items():
        where = ("hosts", name)
        if not isinstance(spec, dict):
            reader.error(where, f"host {name} must be a table", f"write [hosts.{name}]")
            continue
        if name == LOCAL:
            reader.error(
                where,
                '"local" is reserved for this machine',
                "name the host differently, with local = true",
            )
            continue
        if name.startswith(ALERT_HOST_PREFIX):
            reader.error(
                where,
                f"host names starting {ALERT_HOST_PREFIX!r} are golive's (a notify endpoint's alerts)",
                "name the host differently",
            )
            continue
        reader.known_keys(where, spec, HOST_KEYS)
        local = reader.flag(spec, where, "local")
        address = reader.optional_text(spec, where, "address")
        if local and address:
            reader.error(
                (*where, "address"), f"host {name} is local and has an address", "drop one of them"
            )
        if not local and not address:
            reader.error(
                where,
                f"host {name} has no address",
                'add address = "10.0.0.11" (or an ~/.ssh/config alias) or local = true',
            )
        port = reader.whole(spec, where, "port", 0, 0, 65535) or None
        logs = reader.text_list(spec, where, "logs")
        for index, source in enumerate(logs):
            if not (source.startswith("/") or (source.startswith("journal:") and len(source) > 8)):
                reader.error(
                    (*where, "logs", index),
                    f"log source {source!r} is neither an absolute path nor journal:UNIT",
                    'e.g. "/var/log/app.log" or "journal:postgresql"',
                )
        hosts[name] = Host(
            name=name,
            address=address,
            port=port,
            user=reader.optional_text(spec, where, "user"),
            identity_file=reader.optional_text(spec, where, "identity_file"),
            groups=reader.text_list(spec, where, "groups"),
            logs=logs,
            local=local,
        )
    return hosts


def _monitor(reader: DocumentReader, table: dict[str, Any], hosts: dict[str, Host]) -> Monitor:
    where = ("monitor",)
    reader.known_keys(where, table, MONITOR_KEYS)
    defaults = Monitor()
    interval = reader.duration(table, where, "interval")
    if interval is not None and not 0.2 <= interval <= 3600:
        reader.error((*where, "interval"), "interval must be between 200ms and 1h")
        interval = None
    errors = reader.rate(table, where, "errors_warn")
    groups = {g for host in hosts.values() for g in host.groups}
    by_group = _threshold_sets(reader, table, "groups", groups, "no host is in group")
    by_host = _threshold_sets(reader, table, "hosts", set(hosts), "no host is named")
    _one_value_per_host(reader, hosts, by_group, by_host)
    return Monitor(
        interval=interval or defaults.interval,
        cpu_warn=reader.number(table, where, "cpu_warn", defaults.cpu_warn, 1, 100),
        mem_warn=reader.number(table, where, "mem_warn", defaults.mem_warn, 1, 100),
        errors_warn_per_min=errors if errors is not None else defaults.errors_warn_per_min,
        groups=by_group,
        hosts=by_host,
    )


def _threshold_sets(
    reader: DocumentReader, table: dict[str, Any], key: str, names: set[str], unknown: str
) -> dict[str, ThresholdsSet]:
    """[monitor.groups.NAME] or [monitor.hosts.NAME]: thresholds for a group or a host."""
    found: dict[str, ThresholdsSet] = {}
    for name, spec in reader.table(table, ("monitor",), key).items():
        where = ("monitor", key, name)
        if not isinstance(spec, dict):
            reader.error(where, f"{name} must be a table", f"write [monitor.{key}.{name}]")
            continue
        if name not in names:
            hint = did_you_mean(name, names) or (
                "known: " + ", ".join(sorted(names)) if names else "the runbook has none"
            )
            reader.error(where, f"{unknown} {name!r}", hint)
            continue
        reader.known_keys(where, spec, THRESHOLD_KEYS)
        found[name] = ThresholdsSet(
            reader.number(spec, where, "cpu_warn", 0, 1, 100) if "cpu_warn" in spec else None,
            reader.number(spec, where, "mem_warn", 0, 1, 100) if "mem_warn" in spec else None,
            reader.rate(spec, where, "errors_warn"),
        )
    return found


def _one_value_per_host(
    reader: DocumentReader,
    hosts: dict[str, Host],
    by_group: dict[str, ThresholdsSet],
    by_host: dict[str, ThresholdsSet],
) -> None:
    """A host in two groups that set the same threshold differently is refused: which
    one counts would be a guess. Its own [monitor.hosts.NAME] settles it."""
    for host in hosts.values():
        own = by_host.get(host.name, ThresholdsSet())
        for attribute, key in zip(
            ("cpu_warn", "mem_warn", "errors_warn_per_min"), THRESHOLD_KEYS, strict=True
        ):
            if getattr(own, attribute) is not None:
                continue
            values = {
                group: getattr(by_group[group], attribute)
                for group in host.groups
                if group in by_group and getattr(by_group[group], attribute) is not None
            }
            if len(set(values.values())) > 1:
                first, second = sorted(values)[:2]
                reader.error(
                    ("monitor", "groups", second, key),
                    f"host {host.name} is in groups {first} and {second}, "
                    f"which set {key} differently",
                    f"set it for the host: [monitor.hosts.{host.name}] {key} = ...",
                )


def _steps(reader: DocumentReader, raw: Any, window: Window | None) -> list[Step]:
    if not isinstance(raw, list):
        reader.error(
            ("steps",),
            "steps must be written as [[steps]] tables",
            "write [[steps]] before each step",
        )
        return []
    steps: list[Step] = []
    previous: str | None = None
    for index, spec in enumerate(raw):
        where: tuple[str | int, ...] = ("steps", index)
        if not isinstance(spec, dict):
            reader.error(where, f"step #{index + 1} must be a table", "write [[steps]]")
            continue
        step_id = reader.text(spec, where, "id")
        if not step_id:
            reader.error(where, f"step #{index + 1} has no id", 'add id = "backup"')
            step_id = f"#{index + 1}"
        elif not _ID.match(step_id):
            reader.error(
                (*where, "id"),
                f"step id {step_id!r} has spaces or symbols",
                "use letters, digits, -, _ and .",
            )
        else:
            reader.step_ids[index] = step_id  # messages name the step by its id
        reader.known_keys(where, spec, STEP_KEYS)
        kind = _choice(reader, spec, where, "kind", StepKind, StepKind.COMMAND)
        on_failure = _choice(reader, spec, where, "on_failure", OnFailure, OnFailure.ASK)
        if "depends_on" in spec:
            depends_on = reader.text_list(spec, where, "depends_on")
        else:
            # No depends_on: the step follows the one above it. Parallel streams are
            # opted into explicitly, so a forgotten key never runs steps at once.
            # (A repeated id is reported as a duplicate, not as depending on itself.)
            depends_on = (previous,) if previous and previous != step_id else ()
        if "duration" not in spec and kind is not StepKind.WAIT:
            reader.warn(
                where,
                f"step {step_id} has no planned duration",
                "the forecast counts it as 0; rehearse and add duration = ...",
            )
        steps.append(
            Step(
                id=step_id,
                line=reader.lines.line_of(where),
                title=reader.text(spec, where, "title"),
                phase=reader.text(spec, where, "phase", "main") or "main",
                owner=reader.text(spec, where, "owner"),
                kind=kind,
                on=reader.text(spec, where, "on", LOCAL) or LOCAL,
                run=reader.optional_text(spec, where, "run"),
                duration=reader.duration(spec, where, "duration"),
                timeout=_positive(reader, spec, where, "timeout"),
                not_before=_not_before(reader, spec, where, window),
                depends_on=depends_on,
                verify=_verify(reader, spec, where),
                rollback=reader.optional_text(spec, where, "rollback"),
                rollback_duration=reader.duration(spec, where, "rollback_duration"),
                rollback_point=reader.flag(spec, where, "rollback_point"),
                point_of_no_return=reader.flag(spec, where, "point_of_no_return"),
                retries=reader.whole(spec, where, "retries", 0, 0, 100),
                max_failed_hosts=reader.whole(spec, where, "max_failed_hosts", 0, 0, 100_000),
                on_failure=on_failure,
                instructions=reader.text(spec, where, "instructions"),
                health=health_config.health(reader, spec, where),
            )
        )
        previous = step_id
    return steps


def _positive(
    reader: DocumentReader, spec: dict[str, Any], where: tuple[str | int, ...], key: str
) -> float | None:
    seconds = reader.duration(spec, where, key)
    if seconds is not None and seconds <= 0:
        reader.error((*where, key), f"{key} must be more than 0", "leave it out for no limit")
        return None
    return seconds


def _choice(
    reader: DocumentReader,
    spec: dict[str, Any],
    where: tuple[str | int, ...],
    key: str,
    enum: Any,
    default: Any,
) -> Any:
    value = reader.text(spec, where, key, default.value)
    try:
        return enum(value)
    except ValueError:
        choices = [member.value for member in enum]
        reader.error(
            (*where, key),
            f"{key} {value!r} is not one of {', '.join(choices)}",
            did_you_mean(value, choices),
        )
        return default


def _not_before(
    reader: DocumentReader,
    spec: dict[str, Any],
    where: tuple[str | int, ...],
    window: Window | None,
) -> datetime | None:
    if "not_before" not in spec:
        return None
    value = spec["not_before"]
    key_where = (*where, "not_before")
    clock: time | None = value if isinstance(value, time) else None
    if isinstance(value, str) and (match := _CLOCK.match(value.strip())):
        hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
        if hour > 23 or minute > 59 or second > 59:
            reader.error(
                key_where, f"not_before {value!r} is not a clock time", 'write it like "23:30"'
            )
            return None
        clock = time(hour, minute, second)
    if clock is not None:
        if window is None:
            reader.error(
                key_where,
                "a clock-time not_before needs a change window",
                "add window = {...} to [runbook]",
            )
            return None
        # The first such clock time at or after the window opens, in the window's timezone.
        candidate = datetime.combine(window.start.date(), clock, tzinfo=window.start.tzinfo)
        if candidate < window.start:
            try:
                candidate += timedelta(days=1)
            except OverflowError:  # a window opening on 9999-12-31
                reader.error(key_where, f"not_before {value!r} is outside the change window")
                return None
        return candidate
    zone = window.start.tzinfo if window else None
    return _moment(reader, key_where, value, zone)  # type: ignore[arg-type]


def _verify(
    reader: DocumentReader, spec: dict[str, Any], where: tuple[str | int, ...]
) -> Verify | None:
    if "verify" not in spec:
        return None
    value = spec["verify"]
    key_where = (*where, "verify")
    if isinstance(value, str):
        return Verify(command=value)
    if not isinstance(value, dict):
        reader.error(key_where, f"verify must be a command or a table, not {type_name(value)}")
        return None
    reader.known_keys(key_where, value, VERIFY_KEYS)
    command = reader.optional_text(value, key_where, "run")
    url = reader.optional_text(value, key_where, "http")
    if bool(command) == bool(url):
        reader.error(
            key_where,
            "verify needs exactly one of run or http",
            'e.g. verify = { http = "https://erp/health", status = 200 }',
        )
        return None
    if command:
        for key in ("status", "contains", "max_latency", "timeout"):
            if key in value:
                reader.error(
                    (*key_where, key),
                    f"verify {key} applies to http checks, not to run",
                    "drop it, or check the command's output in the command itself",
                )
        return Verify(command=command)
    assert url is not None
    if not url.startswith(("http://", "https://", "{{")):
        reader.error(
            (*key_where, "http"),
            f"{url!r} is not an http(s) URL",
            'e.g. "https://erp.internal/health"',
        )
    return Verify(
        http=HttpCheck(
            url=url,
            status=reader.whole(value, key_where, "status", 200, 100, 599),
            contains=reader.optional_text(value, key_where, "contains"),
            max_latency=reader.duration(value, key_where, "max_latency"),
            timeout=_positive(reader, value, key_where, "timeout") or 10.0,
        )
    )
