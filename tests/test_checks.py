"""Checker rules that are easiest to state as small runbooks and their diagnostics."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from golive.core.diagnostics import Severity
from golive.core.loader import LoadResult, load_runbook
from tests.helpers import write_runbook

NO_WINDOW = '[runbook]\nname = "t"\n'


def check(tmp_path: Path, body: str, header: str | None = None) -> LoadResult:
    path = (
        write_runbook(tmp_path, body)
        if header is None
        else write_runbook(tmp_path, body, header=header)
    )
    return load_runbook(str(path))


def messages(result: LoadResult, severity: Severity) -> list[str]:
    return [d.message for d in result.diagnostics if d.severity is severity]


def test_a_window_across_a_clock_change_lasts_its_real_duration(tmp_path: Path) -> None:
    header = '[runbook]\nname = "t"\nwindow = { start = "2026-10-24T22:00:00", timezone = "Europe/Berlin", duration = "12h" }\n'
    result = check(tmp_path, '[[steps]]\nid = "a"\nrun = "true"\nduration = "1m"\n', header)
    assert result.runbook is not None and result.runbook.window is not None
    window = result.runbook.window
    assert window.seconds == 12 * 3600
    # Clocks go back at 03:00 on 25 October: twelve real hours end at 09:00 local time.
    assert window.end.replace(tzinfo=None) == datetime(2026, 10, 25, 9, 0)


def test_state_changes_before_the_first_rollback_point_are_warned(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        '[[steps]]\nid = "stop"\nrun = "systemctl stop app"\nduration = "1m"\n'
        '[[steps]]\nid = "backup"\nrun = "dump"\nrollback_point = true\nduration = "1m"\n'
        '[[steps]]\nid = "deploy"\nrun = "deploy"\nduration = "1m"\n'
        '[[steps]]\nid = "smoke"\nkind = "check"\nrun = "curl"\nduration = "1m"\n',
    )
    warnings = messages(result, Severity.WARNING)
    assert (
        "step stop changes state before the first rollback point (backup) and has no rollback"
        in warnings
    )
    assert "step deploy changes state after rollback point backup and has no rollback" in warnings
    assert not any("smoke" in w or "backup changes" in w for w in warnings)
    assert not messages(result, Severity.ERROR)


def test_no_rollback_warnings_without_rollback_points(tmp_path: Path) -> None:
    result = check(tmp_path, '[[steps]]\nid = "a"\nrun = "x"\nduration = "1m"\n')
    assert not [w for w in messages(result, Severity.WARNING) if "rollback" in w]


def test_an_http_verify_may_start_with_a_variable(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        '[vars]\nbase = "https://shop.internal"\nrelease = "2.0"\n'
        '[[steps]]\nid = "h"\nkind = "check"\nduration = "1m"\n'
        'verify = { http = "{{base}}/version", contains = "{{release}}" }\n',
    )
    assert not messages(result, Severity.ERROR)


def test_a_bad_duration_is_an_error_not_also_a_missing_one(tmp_path: Path) -> None:
    result = check(
        tmp_path, '[[steps]]\nid = "a"\nrun = "x"\nduration = "5 minutes"\n', header=NO_WINDOW
    )
    assert any("is not a duration" in m for m in messages(result, Severity.ERROR))
    assert not any("no planned duration" in m for m in messages(result, Severity.WARNING))
