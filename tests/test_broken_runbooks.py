"""Broken runbooks: `golive check` names the file, the line and the problem, and exits 2.

Every file in tests/broken is a small runbook with the kind of mistake an
implementation engineer makes at 11 pm. MANIFEST says, for each, the line the
error must point at and a piece of the message. The checks run the real
command in a subprocess, so a traceback anywhere is a failure too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
BROKEN = HERE / "broken"
RUNBOOKS = HERE.parent / "runbooks"

MANIFEST: dict[str, tuple[int, str]] = {
    "verify_run_with_status.toml": (15, "verify status applies to http checks"),
    "timeout_zero.toml": (9, "timeout must be more than 0"),
    "not_before_date_only.toml": (9, "'2026-11-28' has no time of day"),
    "contains_undefined_var.toml": (13, "{{relase}} is never defined"),
    "bad_kind.toml": (12, "did you mean 'manual'"),
    "bad_log_source.toml": (8, "neither an absolute path nor journal:UNIT"),
    "monitor_unknown_group.toml": (13, "no host is in group 'dbs' (did you mean 'db'?)"),
    "monitor_groups_disagree.toml": (14, "host db1 is in groups db and erp, which set mem_warn"),
    "monitor_host_bad_rate.toml": (11, "errors_warn"),
    "bad_on_failure.toml": (14, "on_failure 'retry' is not one of"),
    "binary_nul_line3.toml": (3, "binary data"),
    "binary_zip.toml": (1, "binary data"),
    "check_without_command.toml": (10, "has nothing to check"),
    "command_without_run.toml": (10, "command step backup has no run command"),
    "critical_path_too_long.toml": (3, "longer than the 1h00m window"),
    "dependency_cycle.toml": (14, "dependency cycle"),
    "duplicate_step_id.toml": (18, "duplicate step id 'backup'"),
    "duration_bad_unit.toml": (15, "'1x' is not a duration"),
    "duration_bare_number.toml": (14, "'10' is not a duration"),
    "duration_window_words.toml": (3, "is not a duration"),
    "duration_words.toml": (14, "'5 minutes' is not a duration"),
    "empty.toml": (1, "missing the [runbook] table"),
    "format_unknown.toml": (3, "format 2 is not known"),
    "gate_without_instructions.toml": (17, "gate go-nogo has no instructions"),
    "host_named_local.toml": (6, '"local" is reserved'),
    "host_without_address.toml": (6, "host db has no address"),
    "latin1.toml": (2, "not UTF-8 text (byte 0xfc)"),
    "local_host_with_address.toml": (8, "host jumpbox is local and has an address"),
    "manual_with_run.toml": (14, "manual step freeze has a run command"),
    "missing_runbook_table.toml": (1, "missing the [runbook] table"),
    "monitor_interval_too_short.toml": (11, "interval must be between 200ms and 1h"),
    "no_steps.toml": (1, "the runbook has no steps"),
    "not_before_bad_clock.toml": (21, "not_before '25:30' is not a clock time"),
    "not_before_bad_text.toml": (21, "'6am sharp' is not a date-time"),
    "not_before_outside_window.toml": (21, "outside the change window"),
    "not_before_without_window.toml": (19, "needs a change window"),
    "only_comments.toml": (1, "missing the [runbook] table"),
    "rate_bad.toml": (11, "is not a rate"),
    "retries_out_of_range.toml": (14, "retries must be between 0 and 100"),
    "rollback_after_point_of_no_return.toml": (
        28,
        "has a rollback but comes after the point of no return",
    ),
    "rollback_point_after_point_of_no_return.toml": (
        28,
        "rollback point snapshot comes after the point of no return",
    ),
    "secret_default.toml": (9, "must not have a default"),
    "secret_literal_value.toml": (8, "secret db_password must not be written in the runbook"),
    "self_dependency.toml": (21, "depends on itself"),
    "step_id_spaces.toml": (11, "has spaces or symbols"),
    "steps_single_brackets.toml": (10, "steps must be written as [[steps]] tables"),
    "syntax_duplicate_key.toml": (16, "each key and table may be written only once"),
    "syntax_duplicate_table.toml": (13, "cannot declare"),
    "syntax_inline_table_missing_comma.toml": (3, "TOML syntax"),
    "syntax_inline_table_newline.toml": (3, "TOML syntax"),
    "syntax_inline_table_trailing_comma.toml": (3, "TOML syntax"),
    "syntax_missing_bracket_array.toml": (8, "unclosed array"),
    "syntax_missing_bracket_header.toml": (6, "closing ]"),
    "syntax_missing_closing_quote.toml": (13, "TOML syntax"),
    "syntax_missing_equals.toml": (7, "TOML syntax"),
    "syntax_unclosed_literal_string.toml": (13, "TOML syntax"),
    "syntax_unquoted_string.toml": (2, "put text in double quotes"),
    "syntax_unterminated_multiline_string.toml": (14, "unterminated string"),
    "type_cpu_warn_percent.toml": (11, "cpu_warn must be a number, not a string"),
    "type_depends_on_string.toml": (21, "depends_on must be a list of strings"),
    "type_duration_number.toml": (14, "duration must be a string"),
    "type_flag_yes.toml": (21, "point_of_no_return must be true or false"),
    "type_port_bool.toml": (8, "port must be a whole number, not true/false"),
    "type_retries_string.toml": (14, "retries must be a whole number, not a string"),
    "type_run_list.toml": (13, "run must be a string, not a list"),
    "undefined_var_http.toml": (13, "{{erp_host}} is never defined"),
    "undefined_var_in_script.toml": (19, "{{wrkdir}} is never defined (did you mean 'workdir'?)"),
    "undefined_var_rollback.toml": (14, "{{old_release}} is never defined"),
    "undefined_var_run.toml": (16, "{{db_name}} is never defined"),
    "undefined_var_verify.toml": (17, "did you mean 'backup_dir'"),
    "unknown_depends_on.toml": (21, "did you mean 'backup'"),
    "unknown_depends_on_list.toml": (
        29,
        "depends on unknown step 'export-stocks' (did you mean 'export-stock'?)",
    ),
    "unknown_group.toml": (12, "unknown host or group 'app-servers'"),
    "unknown_host.toml": (12, "did you mean 'db'"),
    "unknown_key_host.toml": (7, "did you mean 'address'"),
    "unknown_key_monitor.toml": (12, "did you mean 'cpu_warn'"),
    "unknown_key_no_suggestion.toml": (14, "unknown key 'colour'"),
    "unknown_key_runbook.toml": (3, "did you mean 'description'"),
    "unknown_key_step.toml": (21, "did you mean 'depends_on'"),
    "unknown_key_top.toml": (10, "did you mean 'steps'"),
    "unknown_key_var.toml": (8, "did you mean 'secret'"),
    "unknown_key_verify.toml": (14, "did you mean 'status'"),
    "unknown_key_window.toml": (3, "did you mean 'duration'"),
    "utf16.toml": (1, "UTF-16"),
    "var_bad_name.toml": (7, "is not usable in"),
    "var_no_value.toml": (6, "variable release has no value, env or prompt"),
    "verify_bad_url.toml": (14, "is not an http(s) URL"),
    "verify_run_and_http.toml": (14, "exactly one of run or http"),
    "wait_without_duration.toml": (17, "wait step let-replication-settle has no duration"),
    "window_bad_datetime.toml": (3, "is not a date-time"),
    "window_bad_end.toml": (6, "is not a date-time"),
    "window_date_only.toml": (5, "start must be a date-time, not a date"),
    "window_end_and_duration.toml": (3, "either an end or a duration"),
    "window_end_before_start.toml": (6, "ends before it starts"),
    "window_no_start.toml": (3, "the window needs a start"),
    "window_no_timezone.toml": (3, "start has no timezone"),
    "window_unknown_timezone.toml": (7, "unknown timezone 'Europe/Frankfurt'"),
}


def golive_check(*paths: Path | str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "golive", "check", *map(str, paths)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=300,
    )


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr


def reported(
    result: subprocess.CompletedProcess[str], path: Path | str, line: int, text: str
) -> bool:
    """Whether one stderr line is `PATH:LINE: ...` and contains `text`."""
    prefix = f"{path}:{line}: "
    return any(row.startswith(prefix) and text in row for row in result.stderr.splitlines())


def test_manifest_covers_the_corpus() -> None:
    on_disk = {p.name for p in BROKEN.iterdir()}
    assert on_disk == set(MANIFEST)
    assert len(MANIFEST) >= 45


@pytest.mark.slow  # one process per file; the fast lane checks them all in one call below
@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_broken_runbook_is_refused(name: str) -> None:
    line, text = MANIFEST[name]
    path = BROKEN / name
    result = golive_check(path)
    assert_no_traceback(result)
    assert result.returncode == 2, result.stderr
    assert reported(result, path, line, text), (
        f"expected {path}:{line}: ...{text}... in stderr:\n{result.stderr}"
    )
    # Every diagnostic is one `FILE:LINE: message` line.
    for row in result.stderr.splitlines():
        assert row.startswith(f"{path}:"), row


def test_every_corpus_file_is_reported_in_one_call() -> None:
    paths = [BROKEN / name for name in sorted(MANIFEST)]
    result = golive_check(*paths)
    assert_no_traceback(result)
    assert result.returncode == 2
    missing = [
        f"{path.name}:{MANIFEST[path.name][0]}: {MANIFEST[path.name][1]}"
        for path in paths
        if not reported(result, path, *MANIFEST[path.name])
    ]
    assert not missing, "not reported:\n" + "\n".join(missing)
    assert ": ok" not in result.stdout


def test_a_huge_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    chunk = b"# a log file passed by mistake, not a runbook\n" * 1024
    with path.open("wb") as handle:
        while handle.tell() < 50 * 1024 * 1024:
            handle.write(chunk)
    result = golive_check(path)
    assert_no_traceback(result)
    assert result.returncode == 2
    assert reported(result, path, 1, "MB")


def test_a_directory_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cutover.toml"
    path.mkdir()
    result = golive_check(path)
    assert_no_traceback(result)
    assert result.returncode == 2
    assert reported(result, path, 1, "is a directory")


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "no-such-runbook.toml"
    result = golive_check(path)
    assert_no_traceback(result)
    assert result.returncode == 2
    assert reported(result, path, 1, "no such file")


def test_good_and_bad_files_in_one_call(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    broken = BROKEN / "unknown_key_step.toml"
    result = golive_check(RUNBOOKS / "demo.toml", missing, broken)
    assert_no_traceback(result)
    assert result.returncode == 2
    assert f"{RUNBOOKS / 'demo.toml'}: ok" in result.stdout
    assert reported(result, missing, 1, "no such file")
    assert reported(result, broken, *MANIFEST[broken.name])


SEVERAL_ERRORS = """\
[runbook]
name = "ERP 4.2 go-live"
window = { start = "2026-11-28T22:00:00+01:00", duration = "8h" }
owner = "Anna"

[hosts.db]
address = "10.0.0.11"

[[steps]]
id = "backup"
on = "db"
run = "pg_dump {{db_name}} > /backup/erp.sql"
duration = "twenty minutes"

[[steps]]
id = "deploy"
on = "app"
run = "/opt/erp/bin/deploy 4.2"
duration = "30m"
retries = "2"

[[steps]]
id = "go-nogo"
kind = "gate"
instructions = "Key users confirm orders post"
point_of_no_return = "yes"
duration = "15m"
"""


def test_several_errors_are_all_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "several.toml"
    path.write_text(SEVERAL_ERRORS, encoding="utf-8")
    result = golive_check(path)
    assert_no_traceback(result)
    assert result.returncode == 2
    errors = [
        row
        for row in result.stderr.splitlines()
        if row.startswith(f"{path}:") and ": warning: " not in row
    ]
    expected = [
        (4, "unknown key 'owner' in [runbook]"),
        (12, "{{db_name}} is never defined"),
        (13, "'twenty minutes' is not a duration"),
        (17, "unknown host or group 'app'"),
        (20, "retries must be a whole number"),
        (26, "point_of_no_return must be true or false"),
    ]
    for line, text in expected:
        assert reported(result, path, line, text), result.stderr
    assert len(errors) == len(expected), result.stderr


def test_the_shipped_runbooks_pass() -> None:
    runbooks = sorted(RUNBOOKS.glob("*.toml"))
    assert runbooks
    result = golive_check(*runbooks)
    assert_no_traceback(result)
    assert result.returncode == 0, result.stderr
    for path in runbooks:
        assert f"{path}: ok" in result.stdout
