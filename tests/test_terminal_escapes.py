"""Terminal control sequences from a runbook or a host never reach the operator's terminal.

One hostile runbook: its name, a step's title, owner, phase and instructions, and a host's
name hold an OSC that sets the terminal's title (ESC ] 2 ; PWNED BEL) and a CSI that
clears the screen (ESC [ 2 J); a step prints them on stdout and stderr with a one-character
C1 CSI (U+009B) and a bidi override (U+202E), writes them to its host's log, and fails in
a verify whose reason carries them. golive runs it for real, and everything it writes is
read back: the bytes of the console, `golive check`, `golive logs`, the reports, a tmux
pane running the run screen and the review, and the widgets of both screens (Pilot).
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
from textual.widgets import Log, Static

from golive.core.engine import QuestionKind
from golive.core.hostwatch import HostSnapshot, HostState
from golive.tui.screens.dialogs import ChoiceScreen, ConfirmScreen, HostScreen, TextScreen
from golive.tui.widgets.hosts_table import HostsTable
from golive.tui.widgets.steps_table import StepsTable
from tests.helpers import of_type
from tests.test_review_tui import header as review_header
from tests.test_review_tui import listed as review_events
from tests.test_review_tui import listed_events, output_of, reviewing, select_step
from tests.test_tui import answer, dialog, dialog_text, header, load, running, text_of, wait_for
from tests.test_tui_tmux import SETTLE, Tmux, row
from tests.test_tui_tmux import tmux as tmux  # the fixture

pytestmark = pytest.mark.slow  # real servers, terminals or processes: not in the fast lane

OSC_TITLE, CLEAR = "\x1b]2;PWNED\x07", "\x1b[2J"
# What golive shows instead: the sequences spelled out.
SHOWN_TITLE, SHOWN_CLEAR, SHOWN_CSI, SHOWN_BIDI = (
    r"\x1b]2;PWNED\x07",
    r"\x1b[2J",
    r"\u009b2J",
    r"\u202eevil",
)
HOST, SHOWN_HOST = f"web{CLEAR}", r"web\x1b[2J"
NAME = f"Cutover {OSC_TITLE} {CLEAR} night"
SHOWN_NAME = rf"Cutover {SHOWN_TITLE} {SHOWN_CLEAR} night"
PRINTED = f"{OSC_TITLE} {CLEAR} \x9b2J \u202eevil"  # what the noisy step prints
SHOWN_PRINTED = f"{SHOWN_TITLE} {SHOWN_CLEAR} {SHOWN_CSI} {SHOWN_BIDI}"
SHOWN_REASON = f"verify failed: false # {SHOWN_PRINTED}: exit status 1 on {SHOWN_HOST}"

# TOML: \u001b is ESC inside the runbook's strings; \\033 reaches printf as \033.
RUNBOOK = r'''
[runbook]
name = "Cutover \u001b]2;PWNED\u0007 \u001b[2J night"
window = { start = "2026-11-28T22:00:00+00:00", duration = "2h" }

[hosts."web\u001b[2J"]
local = true
logs = ["LOG"]

[monitor]
interval = "500ms"

[[steps]]
id = "announce"
kind = "manual"
title = "Announce \u001b]2;PWNED\u0007 the freeze"
owner = "Ops \u001b[2J lead"
phase = "prep\u001b[2J"
instructions = """
Tell them \u001b]2;PWNED\u0007
then \u001b[2J wait\u202eevil"""
duration = "1s"

[[steps]]
id = "noisy"
title = "Noisy [b]not bold[/b] [/] \u001b[2J step"
owner = "App \u001b]2;PWNED\u0007 team"
on = "web\u001b[2J"
depends_on = ["announce"]
run = """: [/] [b]
printf 'out \\033]2;PWNED\\007 \\033[2J \\302\\2332J \\342\\200\\256evil\\n'
printf 'err \\033]2;PWNED\\007 \\033[2J \\302\\2332J \\342\\200\\256evil\\n' >&2
printf '2026-11-28 22:00:01 ERROR boom \\033]2;PWNED\\007 \\033[2J\\n' >> LOG
sleep 1
"""
verify = "false # \u001b]2;PWNED\u0007 \u001b[2J \u009b2J \u202eevil"
duration = "1s"
'''


def hostile_runbook(folder: Path) -> Path:
    log = folder / "app.log"
    log.touch()
    path = folder / "hostile.toml"
    path.write_text(RUNBOOK.replace("LOG", str(log)), encoding="utf-8")
    return path


def raw_controls(text: str) -> list[str]:
    """Characters that act on a terminal (LF and TAB are text)."""
    bidi = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"
    return [
        c
        for c in text
        if (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F or c in bidi
    ]


def assert_shown_not_obeyed(data: bytes | str, *shown: str) -> str:
    """No ESC byte and no raw C0, C1 or bidi character; every one of `shown` is there."""
    if isinstance(data, bytes):
        assert b"\x1b" not in data
        data = data.decode("utf-8")  # strict: not even a raw 0x9b byte
    assert "\x1b" not in data
    assert not raw_controls(data), sorted(set(raw_controls(data)))
    for text in shown:
        assert text in data, f"{text!r} is not shown in:\n{data}"
    return data


def console_run(folder: Path, *extra: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "golive", "run", hostile_runbook(folder), "--console",
         "--rehearsal", "--yes", *extra],
        capture_output=True,
        timeout=120,
    )  # fmt: skip


@pytest.fixture(scope="module")
def hostile_journal(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes, bytes]:
    """`golive run --console` of the hostile runbook: its journal, stdout and stderr."""
    folder = tmp_path_factory.mktemp("hostile")
    journal = folder / "run.jsonl"
    done = console_run(folder, "--journal", str(journal))
    assert done.returncode == 1, done.stdout + done.stderr  # noisy failed; --yes aborts
    return journal, done.stdout, done.stderr


# -- (a) the console ---------------------------------------------------------------------
def test_the_console_shows_the_sequences_and_the_journal_keeps_them(
    hostile_journal: tuple[Path, bytes, bytes],
) -> None:
    journal, stdout, stderr = hostile_journal
    out = assert_shown_not_obeyed(
        stdout,
        f"golive · {SHOWN_NAME} · REHEARSAL",
        rf"? [prep\x1b[2J] announce: Announce {SHOWN_TITLE} the freeze · Ops \x1b[2J lead",
        f"  Tell them {SHOWN_TITLE}\n  then {SHOWN_CLEAR} wait{SHOWN_BIDI}\n",
        rf"▶ [main] noisy: Noisy [b]not bold[/b] [/] \x1b[2J step on {SHOWN_HOST}",
        f"· App {SHOWN_TITLE} team",
        f"  {SHOWN_HOST} | out {SHOWN_PRINTED}\n",
        f"  {SHOWN_HOST} ! err {SHOWN_PRINTED}\n",
        "✘ noisy FAILED after",
        f": {SHOWN_REASON}\n",
        r"phase prep\x1b[2J: planned 1s",
    )
    assert "  $ : [/] [b]  … (+4 lines)" in out  # ordinary text is as it was
    assert_shown_not_obeyed(stderr)
    # The journal keeps what the host printed, byte for byte (JSON escapes it there).
    lines = {(e["stream"], e["line"]) for e in of_type(journal, "output", step="noisy")}
    assert lines == {("out", f"out {PRINTED}"), ("err", f"err {PRINTED}")}
    assert of_type(journal, "run_started")[0]["name"] == NAME
    assert b"\x1b" not in journal.read_bytes()  # JSON's own \u001b


def test_errors_on_stderr_show_the_sequences_too(tmp_path: Path) -> None:
    done = console_run(tmp_path, "--var", f"x{CLEAR}{OSC_TITLE}=1")
    assert done.returncode == 2
    assert_shown_not_obeyed(done.stderr, rf"golive: --var x{SHOWN_CLEAR}{SHOWN_TITLE}: ")
    assert_shown_not_obeyed(done.stdout)


# -- (b) check, logs and the reports -------------------------------------------------------
def test_check_shows_the_runbook_name_and_the_problems_visibly(tmp_path: Path) -> None:
    rb = hostile_runbook(tmp_path)
    done = subprocess.run([sys.executable, "-m", "golive", "check", rb], capture_output=True)
    assert done.returncode == 0, done.stderr
    assert_shown_not_obeyed(
        done.stdout, f"{rb}: ok\n", f"  {SHOWN_NAME}: 2 steps, 2 phases, 1 host\n",
        r"    phase prep\x1b[2J: 1 step, 1s planned work",
    )  # fmt: skip
    broken = tmp_path / "broken.toml"
    broken.write_text(
        rb.read_text().replace('on = "web\\u001b[2J"', 'on = "db\\u001b]2;PWNED\\u0007"'),
        encoding="utf-8",
    )
    done = subprocess.run([sys.executable, "-m", "golive", "check", broken], capture_output=True)
    assert done.returncode == 2
    assert_shown_not_obeyed(
        done.stderr, "step noisy runs on unknown host or group 'db\\x1b]2;PWNED"
    )


def test_logs_shows_file_names_visibly_and_json_keeps_them(tmp_path: Path) -> None:
    name = tmp_path / f"app{OSC_TITLE}.log"
    name.write_text(
        f"2026-11-28 22:00:01 ERROR boom {OSC_TITLE}{CLEAR}\n"
        f"2026-11-28 22:00:02 INFO fine \x9b2J \u202eevil\r\n",
        encoding="utf-8",
    )
    missing = tmp_path / f"gone{CLEAR}.log"
    done = golive_bytes("logs", name, missing)
    assert done.returncode == 2
    table = assert_shown_not_obeyed(done.stdout, rf"app{SHOWN_TITLE}.log")
    assert table.splitlines()[1].split()[1:4] == ["2", "2", "0"]  # lines, messages, critical
    assert_shown_not_obeyed(done.stderr, rf"gone{SHOWN_CLEAR}.log: no such file")
    as_json = golive_bytes("logs", "--json", name)
    assert_shown_not_obeyed(as_json.stdout)
    assert json.loads(as_json.stdout)["file"] == str(name)


def golive_bytes(*args: str | Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "golive", *map(str, args)], capture_output=True, timeout=120
    )


def test_the_reports_show_the_sequences_and_json_keeps_them(
    hostile_journal: tuple[Path, bytes, bytes], tmp_path: Path
) -> None:
    journal = hostile_journal[0]
    markdown = golive_bytes("report", journal, "--format", "md")
    assert markdown.returncode == 0, markdown.stderr
    # Markdown escapes the backslash and the brackets of the escapes: it renders as shown.
    text = assert_shown_not_obeyed(
        markdown.stdout,
        r"# Post-implementation review: Cutover \\x1b\]2;PWNED\\x07 \\x1b\[2J night",
        r"| Ops \\x1b\[2J lead |",
        r"verify failed: false \# \\x1b\]2;PWNED\\x07 \\x1b\[2J \\u009b2J \\u202eevil",
    )
    assert r"Noisy \[b\]not bold\[/b\] \[/\]" in text
    page = tmp_path / "report.html"
    made = golive_bytes("report", journal, "-o", page)
    assert made.returncode == 0, made.stderr
    html = assert_shown_not_obeyed(page.read_bytes(), SHOWN_TITLE, SHOWN_CLEAR, SHOWN_CSI)
    assert f"<title>Post-implementation review: {SHOWN_NAME}</title>" in html
    assert "Noisy [b]not bold[/b] [/] \\x1b[2J step" in html  # the Gantt's tooltip too
    # The JSON report has the original text; on stdout too (the escapes are JSON's).
    document = tmp_path / "report.json"
    assert golive_bytes("report", journal, "--format", "json", "-o", document).returncode == 0
    saved = json.loads(document.read_text(encoding="utf-8"))
    assert saved["run"]["name"] == NAME
    printed = golive_bytes("report", journal, "--format", "json")
    assert_shown_not_obeyed(printed.stdout)
    assert json.loads(printed.stdout) == saved


# -- (c) a real terminal: the run screen and the review in tmux ------------------------------
def pane_title(tmux: Tmux) -> str:
    return tmux("display-message", "-p", "-t", "golive", "#{pane_title}").strip()


@pytest.mark.slow
def test_a_tmux_pane_keeps_its_title_and_shows_the_sequences(tmux: Tmux, tmp_path: Path) -> None:
    rb = hostile_runbook(tmp_path)
    journal = tmp_path / "run.jsonl"
    golive_cmd = f"{shlex.quote(sys.executable)} -m golive"
    tmux.start(
        tmp_path,
        {"LANG": "C.UTF-8"},
        f"{golive_cmd} run {rb} --rehearsal --journal {journal}; echo run exited $?; "
        f"{golive_cmd} review {journal}; echo review exited $?; "
        r"printf '\033]2;PROBE\007'; echo probe sent; sleep 60",
        (200, 50),  # wide: the header has room for the runbook's name (the first to go)
    )
    title = pane_title(tmux)
    assert title and title != "PWNED"

    # The run screen: the manual step's instructions, then the noisy step's output.
    screen = tmux.wait(row("▶", "announce"))
    assert SHOWN_NAME in screen
    tmux.wait(f"Tell them {SHOWN_TITLE}")
    time.sleep(SETTLE)
    tmux.keys("Enter")
    tmux.wait("Confirm announce")
    tmux.keys("Enter")
    shown = [
        f"? noisy failed (verify failed: false # {SHOWN_TITLE} {SHOWN_CLEAR}",  # the header
        f"{SHOWN_HOST} | out {SHOWN_TITLE} {SHOWN_CLEAR} {SHOWN_CSI}",  # the output pane
        f"{SHOWN_HOST} ! err {SHOWN_TITLE} {SHOWN_CLEAR} {SHOWN_CSI}",
        f"reason: verify failed: false # {SHOWN_TITLE}",  # the detail pane
        "✘ noisy failed: verify failed: false",  # the events pane (cut at its width)
        "Noisy [b]not bold[/b] [/] \\x1b[2J step",  # markup shown as written
        "$ : [/] [b]",
    ]
    tmux.wait(lambda screen: all(part in screen for part in shown))
    assert pane_title(tmux) == title

    # The host's detail: its error lines, from the log the monitor follows.
    deadline = time.monotonic() + 60
    while True:
        tmux.keys("o")
        screen = tmux.wait("last error lines:")
        if f"ERROR boom {SHOWN_TITLE} {SHOWN_CLEAR}" in screen:
            break
        assert time.monotonic() < deadline, screen
        tmux.keys("Escape")
        time.sleep(0.5)
    assert f"{SHOWN_HOST}: LIVE" in screen
    assert pane_title(tmux) == title
    tmux.keys("Escape")  # alone: an ESC and a key right after it read as alt+key
    tmux.wait(lambda s: "last error lines:" not in s)

    # Leave the run open; the review opens its journal in the same pane.
    tmux.keys("q")
    tmux.wait("Leave golive?")
    tmux.keys("y")
    screen = tmux.wait(lambda s: SHOWN_NAME in s and "events:" in s)  # the review's header
    assert rf"● rehearsal run of Cutover {SHOWN_TITLE}" in screen  # its event list
    tmux.wait(rf"{SHOWN_HOST[:9]} cpu")  # the metrics: the samples are read, the screen settled
    assert pane_title(tmux) == title
    for _ in range(2):
        tmux.keys("Down")  # from the first step (announce) past the phase row to noisy
    time.sleep(SETTLE)
    tmux.keys("o")
    screen = tmux.wait(f"noisy — Noisy [b]not bold[/b] [/] {SHOWN_CLEAR} step: 2 output lines")
    assert f"{SHOWN_HOST} | out {SHOWN_TITLE} {SHOWN_CLEAR} {SHOWN_CSI} {SHOWN_BIDI}" in screen
    assert f"{SHOWN_HOST} ! err {SHOWN_TITLE} {SHOWN_CLEAR} {SHOWN_CSI} {SHOWN_BIDI}" in screen
    assert f"── failed: verify failed: false # {SHOWN_TITLE}" in screen
    assert pane_title(tmux) == title
    tmux.keys("Escape")
    tmux.wait(lambda s: "2 output lines" not in s)
    tmux.keys("q")
    tmux.wait("review exited 0")

    # The probe can fail: the same pane obeys a title sequence that is not golive's.
    tmux.wait("probe sent")
    assert pane_title(tmux) == "PROBE"


# -- (d) the widgets, through Pilot ----------------------------------------------------------
async def test_the_run_screen_shows_the_sequences_in_every_pane(tmp_path: Path) -> None:
    async with running(tmp_path, load(hostile_runbook(tmp_path))) as (run, pilot):
        app = run.app
        await wait_for(pilot, lambda: run.asked(QuestionKind.CONFIRM, "announce"), "announce")
        detail = text_of(app.query_one("#detail", Static))
        assert f"Tell them {SHOWN_TITLE}\nthen {SHOWN_CLEAR} wait{SHOWN_BIDI}" in detail
        assert r"owner Ops \x1b[2J lead" in detail
        await pilot.press("enter")
        await answer(pilot, await dialog(pilot, TextScreen), "enter")
        await wait_for(pilot, lambda: run.asked(QuestionKind.FAILED, "noisy"), "noisy fails")
        output = app.query_one("#output", Log)
        await wait_for(pilot, lambda: len(output.lines) >= 2, "the output pane")
        await pilot.pause(0.2)

        shown = {
            "header": header(app),
            "detail": text_of(app.query_one("#detail", Static)),
            "output": "\n".join(output.lines),
            "events": "\n".join(app.query_one("#events", Log).lines),
            "owner": str(app.query_one(StepsTable).get_cell("noisy", "owner")),
            "phase": str(app.query_one(StepsTable).get_cell("phase:prep\x1b[2J", "step")),
            "host": str(app.query_one(HostsTable).get_cell(HOST, "host")),
        }
        for where, text in shown.items():
            assert not raw_controls(text), (where, text)
        assert SHOWN_NAME in shown["header"]
        assert f"? noisy failed ({SHOWN_REASON}) — t retry" in shown["header"]
        assert f"reason: {SHOWN_REASON}" in shown["detail"]
        # Markup in a title or a command is text: neither bold nor a broken pane.
        assert r"noisy Noisy [b]not bold[/b] [/] \x1b[2J step" in shown["detail"]
        assert "$ : [/] [b]" in shown["detail"]
        assert f"{SHOWN_HOST} | out {SHOWN_PRINTED}" in shown["output"]
        assert f"{SHOWN_HOST} ! err {SHOWN_PRINTED}" in shown["output"]
        assert f"✘ noisy failed: {SHOWN_REASON}" in shown["events"]
        assert shown["owner"].startswith(r"App \x1b]2;")
        assert shown["phase"] == r"── prep\x1b[2J ──"
        assert shown["host"] == SHOWN_HOST

        # Dialogs built from a runbook's text and a host's errors.
        step = run.session.runbook.step("announce")
        for screen in (
            ConfirmScreen(f"Roll back {CLEAR}?", step.instructions),
            ChoiceScreen(step.label, step.instructions, [("r", f"to {CLEAR}", "r")]),
            HostScreen(hostile_snapshot()),
        ):
            app.push_screen(screen)
            await pilot.pause(0.2)
            text = dialog_text(screen)
            assert not raw_controls(text), text
            assert SHOWN_TITLE in text or SHOWN_CLEAR in text, text
            await answer(pilot, screen, "escape")
        assert f"ERROR boom {SHOWN_TITLE}" in text and f"{SHOWN_HOST}: DOWN" in text


def hostile_snapshot() -> HostSnapshot:
    return HostSnapshot(
        host=HOST, state=HostState.DOWN, reason=f"ssh: {OSC_TITLE}", at=1.0, sampled_at=None,
        metrics=None, errors_per_min=1, warnings_per_min=0, levels_this_minute={"error": 1},
        cpu_history=(), mem_history=(), error_history=(1,),
        last_errors=(f"2026-11-28 22:00:01 ERROR boom {OSC_TITLE}{CLEAR}",), alerts=(),
    )  # fmt: skip


async def test_the_review_shows_the_sequences_in_its_lists_and_the_output_dialog(
    hostile_journal: tuple[Path, bytes, bytes],
) -> None:
    async with reviewing(hostile_journal[0]) as (app, pilot):
        top = review_header(app)
        assert SHOWN_NAME in top and not raw_controls(top)
        drawn = "\n".join(review_events(app))  # the rows as drawn, cut to the pane's width
        assert f"● rehearsal run of {SHOWN_NAME}"[:40] in drawn and not raw_controls(drawn)
        described = "\n".join(listed_events(app))
        assert f"● rehearsal run of {SHOWN_NAME}" in described
        assert f"✘ noisy failed: {SHOWN_REASON}" in described
        assert not raw_controls(described)
        await select_step(pilot, app, "noisy")
        lines = await output_of(pilot, app)
        text = "\n".join(lines)
        assert not raw_controls(text)
        assert f"{SHOWN_HOST} | out {SHOWN_PRINTED}" in text
        assert f"{SHOWN_HOST} ! err {SHOWN_PRINTED}" in text
        assert f"── failed: {SHOWN_REASON}" in text
