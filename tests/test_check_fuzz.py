"""Fuzzing the loader: no input makes `load_runbook` raise, and lines stay in the file.

(a) arbitrary text and bytes, alone and mixed with runbook-like fragments;
(b) structured documents built from the loader's real key names, serialized
    with tomli_w, so that the checks behind the TOML parser get exercised too.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from datetime import UTC, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from golive.core import loader
from golive.core.loader import LoadResult, load_runbook
from golive.core.toml_lines import KeyLines

FUZZ = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def runbook_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "fuzz.toml"


def line_count(raw: bytes) -> int:
    return raw.count(b"\n") + 1


def assert_sound(result: LoadResult, raw: bytes) -> None:
    assert isinstance(result, LoadResult)
    if result.runbook is None:
        assert result.errors, "a refused runbook must say why"
    for diagnostic in result.diagnostics:
        assert diagnostic.message.strip()
        assert 1 <= diagnostic.line <= line_count(raw), diagnostic.render()
        assert "\n" not in diagnostic.render(), diagnostic.render()


def load_bytes(path: Path, raw: bytes) -> LoadResult:
    path.write_bytes(raw)
    return load_runbook(str(path))


# -- (a) arbitrary text and bytes ---------------------------------------------

FRAGMENTS = [
    "[runbook]\n",
    'name = "x"\n',
    'window = { start = "2026-11-28T22:00:00+01:00", duration = "8h" }\n',
    "[runbook.window]\n",
    'start = 2026-11-28T22:00:00\ntimezone = "Europe/Berlin"\nend = "2026-11-29T06:00:00"\n',
    "[vars]\n",
    'x = "1"\n',
    "[vars.pw]\nsecret = true\n",
    '[hosts.db]\naddress = "10.0.0.1"\n',
    'groups = ["app"]\nlogs = ["journal:pg", "rel.log"]\n',
    "[monitor]\n",
    'interval = "1s"\n',
    "[[steps]]\n",
    'id = "a"\n',
    'id = "b"\n',
    'run = "echo {{x}} {{y}}"\n',
    'run = """\nline\n"""\n',
    "run = '''\nline\n'''\n",
    'kind = "gate"\n',
    'kind = "wait"\n',
    'depends_on = ["a", "b"]\n',
    "point_of_no_return = true\n",
    "rollback_point = true\n",
    'rollback = "undo"\n',
    'not_before = "23:30"\n',
    'duration = "20m"\n',
    'verify = { http = "https://x/{{x}}", status = 200 }\n',
    "[steps.verify]\n",
    "# comment\n",
    "\n",
    '"quoted key" = 1\n',
    "a.b.c = [1, [2, 3], { d = 4 }]\n",
    "[",
    '"',
    "'''",
    '"""',
    "{",
    "= ",
    "\r\n",
]

runbook_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=25
).map("".join)


@FUZZ
@given(text=st.one_of(st.text(), runbook_text))
def test_arbitrary_text_never_raises(runbook_file: Path, text: str) -> None:
    raw = text.encode("utf-8", "surrogatepass")
    assert_sound(load_bytes(runbook_file, raw), raw)


@FUZZ
@given(raw=st.one_of(st.binary(), runbook_text.map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_arbitrary_bytes_never_raise(runbook_file: Path, raw: bytes) -> None:
    assert_sound(load_bytes(runbook_file, raw), raw)


RB = '[runbook]\nname = "x"\n'
HARD_INPUTS = {
    "int-too-long-to-read": "a = " + "9" * 5000,
    "format-4400-digits": "[runbook]\nformat = " + "9" * 4400,
    "nested-lists": "a = " + "[" * 5000 + "]" * 5000,
    "nested-tables": "a = " + "{b = " * 3000 + "1" + "}" * 3000,
    "nested-lists-400": "a = " + "[" * 400 + "]" * 400,
    "cpu-warn-400-digits": "[monitor]\ncpu_warn = 1" + "0" * 400,
    "retries-4000-digits": RB + '[[steps]]\nid = "a"\nrun = "x"\nretries = ' + "9" * 4000,
    "window-400-digit-duration": RB.replace(
        '"x"\n', '"x"\nwindow = { start = "2026-11-28T22:00:00+01:00", duration = "'
    )
    + "9" * 400
    + 'd" }\n[[steps]]\nid = "a"\nrun = "x"\n',
    "window-past-9999": '[runbook]\nname = "x"\nwindow = { start = "9999-12-31T22:00:00+00:00", duration = "8h" }\n'
    '[[steps]]\nid = "a"\nrun = "x"\nduration = "1h"\n',
    "not-before-past-9999": '[runbook]\nname = "x"\nwindow = { start = "9999-12-31T22:00:00+00:00", end = "9999-12-31T23:00:00+00:00" }\n'
    '[[steps]]\nid = "a"\nkind = "wait"\nnot_before = "21:00"\n',
    "year-1-offsets": '[runbook]\nname = "x"\nwindow = { start = "0001-01-01T00:00:00+05:00", duration = "1h" }\n'
    '[[steps]]\nid = "a"\nrun = "x"\nnot_before = "0001-01-01T00:30:00-05:00"\n',
    "timezone-directory": '[runbook]\nname = "x"\nwindow = { start = "2026-11-28T22:00:00", duration = "8h", timezone = "Europe" }\n'
    '[[steps]]\nid = "a"\nrun = "x"\n',
    "timezone-nul": '[runbook]\nname = "x"\nwindow = { start = "2026-11-28T22:00:00", duration = "8h", timezone = "\\u0000" }\n',
    "timezone-deep-path": '[runbook]\nname = "x"\nwindow = { start = "2026-11-28T22:00:00", duration = "8h", timezone = "'
    + "a/" * 3000
    + 'b" }\n',
    "timezone-not-text": '[runbook]\nname = "x"\nwindow = { start = "2026-11-28T22:00:00", duration = "8h", timezone = 8 }\n',
    "step-duration-400-digits": RB
    + '[[steps]]\nid = "a"\nrun = "x"\nduration = "'
    + "9" * 400
    + 's"\n',
    "rate-400-digits": '[monitor]\nerrors_warn = "' + "9" * 400 + '/min"\n',
    "newline-in-ids": RB
    + '[[steps]]\nid = "a\\nb"\nrun = "x"\non = "c\\nd"\ndepends_on = ["e\\nf"]\n',
    "escaped-key": '"\\u00e9t\\u00e9" = 1\n' + RB,
    "equal-steps-inline": RB
    + 'steps = [{ id = "a", kind = "gate" }, { id = "a", kind = "gate" }]\n',
    "steps-not-tables": RB + 'steps = [1, "two", [3]]\n',
    "lone-cr": RB + 'description = "a"\r\n[[steps]]\r\nid = "a"\rrun = "x"\n',
    "unicode-line-separator-in-comment": RB + "# a\u2028b\nname = 2\n",
}


@pytest.mark.parametrize("text", list(HARD_INPUTS.values()), ids=list(HARD_INPUTS))
def test_known_hard_inputs(runbook_file: Path, text: str) -> None:
    raw = text.encode()
    assert_sound(load_bytes(runbook_file, raw), raw)


@pytest.mark.parametrize(
    ("name", "line", "message"),
    [
        ("int-too-long-to-read", 1, "a number has too many digits"),
        ("format-4400-digits", 2, "a number has too many digits"),
        ("nested-lists", 1, "nested too deeply"),
        ("cpu-warn-400-digits", 2, "cpu_warn must be between 1 and 100, not 100000000000..."),
        ("window-400-digit-duration", 3, "is longer than 3660 days"),
        ("window-past-9999", 3, "the window would end after the year 9999"),
        ("not-before-past-9999", 7, "not_before '21:00' is outside the change window"),
        ("timezone-deep-path", 3, "unknown timezone"),
        ("newline-in-ids", 4, "step id 'a\\nb' has spaces or symbols"),
    ],
)
def test_hard_inputs_are_explained(runbook_file: Path, name: str, line: int, message: str) -> None:
    result = load_bytes(runbook_file, HARD_INPUTS[name].encode())
    assert any(d.line == line and message in d.message for d in result.errors), result.errors


def test_a_long_chain_of_dependencies(runbook_file: Path) -> None:
    steps = [
        f'[[steps]]\nid = "s{i}"\nrun = "x"\nduration = "1s"\ndepends_on = ["s{i + 1}"]\n'
        for i in range(3000)
    ]
    steps.append('[[steps]]\nid = "s3000"\nrun = "x"\nduration = "1s"\ndepends_on = ["s0"]\n')
    raw = ('[runbook]\nname = "x"\n' + "".join(steps)).encode()
    result = load_bytes(runbook_file, raw)
    assert_sound(result, raw)
    assert any("dependency cycle" in d.message for d in result.errors)


# -- (b) structured documents -------------------------------------------------

ALL_KEYS = sorted(
    {
        *loader.TOP_KEYS,
        *loader.RUNBOOK_KEYS,
        *loader.WINDOW_KEYS,
        *loader.VAR_KEYS,
        *loader.HOST_KEYS,
        *loader.MONITOR_KEYS,
        *loader.STEP_KEYS,
        *loader.VERIFY_KEYS,
    }
)

DOMAIN_STRINGS = [
    "",
    "a",
    "b",
    "c",
    "db",
    "app",
    "local",
    "{{x}}",
    "{{ y }}",
    "echo {{x}} > {{pw}}",
    "https://erp/{{x}}",
    "http://erp/health",
    "erp/health",
    "20m",
    "1h30m",
    "500ms",
    "8h",
    "0s",
    "10",
    "5 minutes",
    "1x",
    "99999999999999999999d",
    "5/min",
    "1/s",
    "23:30",
    "06:00",
    "25:00",
    "2026-11-28T22:00:00+01:00",
    "2026-11-29T06:00:00+01:00",
    "2026-11-28T22:00:00",
    "2026-11-28",
    "9999-12-31T23:59:59+00:00",
    "Europe/Berlin",
    "Europe/Frankfurt",
    "command",
    "manual",
    "gate",
    "wait",
    "check",
    "ask",
    "rollback",
    "continue",
    "journal:postgresql",
    "/var/log/erp.log",
    "erp.log",
]

scalars = st.one_of(
    st.sampled_from(DOMAIN_STRINGS),
    st.text(max_size=10),
    st.integers(),
    st.integers(min_value=-5, max_value=200),
    st.booleans(),
    st.floats(),
    st.datetimes(
        timezones=st.one_of(st.none(), st.just(UTC), st.just(timezone(timedelta(hours=8))))
    ),
    st.dates(),
    st.times(),
)


def keys(known: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(known),
        st.sampled_from(ALL_KEYS),
        st.text(min_size=1, max_size=8),
    )


values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(keys(tuple(ALL_KEYS)), inner, max_size=4)
    ),
    max_leaves=8,
)
NAMES = ["a", "b", "c", "db", "app", "x", "y", "pw", "local"]
names = st.one_of(st.sampled_from(NAMES), st.text(max_size=6))
# Mostly values a runbook could hold, so that the whole-runbook checks get reached.
plausible = st.one_of(
    st.sampled_from(DOMAIN_STRINGS),
    st.sampled_from(DOMAIN_STRINGS),
    st.booleans(),
    st.integers(min_value=-5, max_value=200),
    st.lists(st.sampled_from(NAMES), max_size=3),
    values,
)


def table(
    known: tuple[str, ...], special: dict[str, st.SearchStrategy[Any]] | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    """Some of the real keys with plausible values, now and then a stray key."""
    optional = {key: plausible for key in known} | {
        key: st.one_of(strategy, plausible) for key, strategy in (special or {}).items()
    }
    return st.tuples(
        st.fixed_dictionaries({}, optional=optional),
        st.dictionaries(keys(known), values, max_size=2),
    ).map(lambda parts: {**parts[1], **parts[0]})


moments = st.sampled_from(["2026-11-28T22:00:00+01:00", "2026-11-29T02:00:00+01:00"])
spans = st.sampled_from(["30m", "1h", "8h"])
window = table(loader.WINDOW_KEYS, {"start": moments, "duration": spans})
verify = table(loader.VERIFY_KEYS)
step = table(
    loader.STEP_KEYS,
    {
        "verify": verify,
        "id": st.sampled_from(["a", "b", "c", "d"]),
        "depends_on": st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=2),
        "run": st.sampled_from(["true", "echo {{x}}", "{{ y }}"]),
        "duration": spans,
        "not_before": st.one_of(moments, st.sampled_from(["23:30", "06:00"])),
    },
)
documents = st.tuples(
    st.fixed_dictionaries(
        {},
        optional={
            "runbook": st.one_of(table(loader.RUNBOOK_KEYS, {"window": window}), values),
            "vars": st.one_of(
                st.dictionaries(names, st.one_of(plausible, table(loader.VAR_KEYS))), values
            ),
            "hosts": st.one_of(st.dictionaries(names, table(loader.HOST_KEYS)), values),
            "monitor": st.one_of(table(loader.MONITOR_KEYS), values),
            "steps": st.one_of(st.lists(step, min_size=1, max_size=6), values),
        },
    ),
    st.dictionaries(keys(loader.TOP_KEYS), values, max_size=2),
).map(lambda parts: {**parts[1], **parts[0]})


def steps_as_array_of_tables(doc: dict[str, Any]) -> str:
    """tomli_w writes steps inline; a runbook writes [[steps]], so do that too."""
    steps = doc["steps"]
    parts = [tomli_w.dumps({k: v for k, v in doc.items() if k != "steps"})]
    for spec in steps:
        body = tomli_w.dumps({"steps": {"_": spec}})
        body = re.sub(r"(?m)^\[steps\._\]$", "[[steps]]", body)
        body = re.sub(r"(?m)^\[steps\._\.", "[steps.", body)
        if not body.startswith("[[steps]]"):
            body = "[[steps]]\n" + body
        parts.append(body)
    return "\n".join(parts)


def serialize(doc: dict[str, Any], multiline: bool, aot: bool) -> str | None:
    try:
        steps = doc.get("steps")
        if aot and isinstance(steps, list) and steps and all(isinstance(s, dict) for s in steps):
            text = steps_as_array_of_tables(doc)
        else:
            text = tomli_w.dumps(doc, multiline_strings=multiline)
        if tomllib.loads(text) != doc:
            return None  # our rewrite (or a float nan) changed the document
    except (TypeError, ValueError):
        return None  # what tomli_w cannot write (offset times, ...)
    return text


def key_paths(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield (*path, key)
            yield from key_paths(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from key_paths(inner, (*path, index))


BARE = re.compile(r"[A-Za-z0-9_-]+")


@pytest.mark.slow
@FUZZ
@given(doc=documents, multiline=st.booleans(), aot=st.booleans())
def test_structured_documents_never_raise(
    runbook_file: Path, doc: dict[str, Any], multiline: bool, aot: bool
) -> None:
    text = serialize(doc, multiline, aot)
    assume(text is not None)
    assert text is not None
    raw = text.encode()
    assert_sound(load_bytes(runbook_file, raw), raw)
    # Each key is found on a line that names it.
    lines = text.split("\n")
    positions = KeyLines(text)
    for path in key_paths(doc):
        key = path[-1]
        if isinstance(key, str) and BARE.fullmatch(key):
            line = positions.line_of(path)
            assert re.search(rf"(^|[\s.{{\[,]){re.escape(key)}\s*[=.\]]", lines[line - 1]), (
                path,
                line,
                text,
            )
