"""The TUI driven by keys through Textual's Pilot: real runs, real journals.

Every test starts a real session (local commands in a temporary folder, or a
socket that never speaks SSH), builds the app with `build_app`, presses the
keys an operator would press, and checks both what the screen shows and what
the journal recorded.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Label, Log, Static

from golive.core.clock import SystemClock
from golive.core.engine import QuestionKind
from golive.core.loader import load_runbook
from golive.core.runbook import Runbook
from golive.core.state import Status
from golive.core.templating import Values
from golive.io import ssh
from golive.io.ssh import SshPool
from golive.io.ssh_exec import HostExecutors
from golive.session.answers import Policy
from golive.session.session import RunOptions, Session, start_session
from golive.tui.app import GoliveApp
from golive.tui.run import build_app
from golive.tui.screens.dialogs import ChoiceScreen, ConfirmScreen, TextScreen
from golive.tui.screens.help import HelpScreen
from golive.tui.screens.run import RunScreen
from golive.tui.widgets.cursor_list import CursorList
from golive.tui.widgets.header_bar import HeaderBar
from golive.tui.widgets.steps_table import StepsTable
from tests.helpers import events, footer_actions, of_type, write_runbook

pytestmark = pytest.mark.slow  # real servers, terminals or processes: not in the fast lane

DEMO = Path(__file__).resolve().parent.parent / "runbooks" / "demo.toml"
TIMEOUT = 60.0  # generous: a slow CI machine waits, it never fails on time


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No ~/.ssh of the person running the tests, no agent."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)


# -- running an app ------------------------------------------------------------
class Run:
    """A session, its pool and its app, as a test sees them."""

    def __init__(self, session: Session, pool: SshPool, app: GoliveApp, journal: Path) -> None:
        self.session, self.pool, self.app, self.journal = session, pool, app, journal

    def decisions(self) -> list[tuple[str | None, str, str, str]]:
        """Who decided what, about which step, and why: in journal order."""
        return [
            (e["step"], e["decision"], e["by"], e["reason"])
            for e in of_type(self.journal, "decision")
        ]

    def has(self, kind: str, **match: Any) -> bool:
        return bool(of_type(self.journal, kind, **match))

    def asked(self, kind: QuestionKind, step: str | None = None) -> bool:
        return any(
            q.kind is kind and (step is None or q.step == step)
            for q in self.app.run_screen.questions
        )

    def status(self, step: str) -> Status:
        return self.session.state.step(step).status


def load(path: Path) -> Runbook:
    result = load_runbook(str(path))
    assert result.runbook is not None, [d.render() for d in result.errors]
    return result.runbook


@asynccontextmanager
async def running(
    tmp_path: Path,
    runbook: Runbook,
    values: Values | None = None,
    size: tuple[int, int] = (180, 50),
) -> AsyncIterator[tuple[Run, Pilot[int]]]:
    journal = tmp_path / "run.jsonl"
    session = start_session(
        runbook,
        str(journal),
        values or Values({}, {}),
        SystemClock(),
        RunOptions(mode="rehearsal", operator="alice"),
    )
    pool = SshPool()
    app = build_app(session, HostExecutors(pool), Policy(operator="alice", interactive=True))
    try:
        async with app.run_test(size=size) as pilot:
            yield Run(session, pool, app, journal), pilot
    finally:
        # run_test does not run run_tui's cleanup: stop the driver thread ourselves.
        if app.driver is not None:
            app.driver.stop()
        if app.driver is not None:
            app.driver.cancel_running()
        session.close()
        pool.close()


async def wait_for(
    pilot: Pilot[int], predicate: Callable[[], bool], what: str, timeout: float = TIMEOUT
) -> None:
    """Let the app run until `predicate` holds; the timeout only guards against a hang."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.1)


async def dialog(pilot: Pilot[int], kind: type[Screen[Any]]) -> Screen[Any]:
    """Wait until a dialog of `kind` is the active screen (and its input has the focus)."""
    app = pilot.app

    def shown() -> bool:
        if not isinstance(app.screen, kind):
            return False
        return kind is not TextScreen or isinstance(app.focused, Input)

    await wait_for(pilot, shown, f"the {kind.__name__}")
    return app.screen


async def back_on_run_screen(pilot: Pilot[int]) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.screen is app.screen_stack[0], "the run screen")


async def answer(pilot: Pilot[int], screen: Screen[Any], *keys: str) -> None:
    """Press `keys` in `screen` and wait until it has closed, so that the next dialog
    looked for is a new one, never this one on its way out."""
    await pilot.press(*keys)
    app = pilot.app
    await wait_for(
        pilot,
        lambda: app.screen is not screen and screen not in app.screen_stack,
        f"the {type(screen).__name__} to close",
    )


def typed(text: str) -> tuple[str, ...]:
    """The keys that type `text` and submit it."""
    return (*text, "enter")


async def driver_caught_up(pilot: Pilot[int], app: GoliveApp) -> None:
    """Two trips through the driver's loop: whatever it would start by now has started."""
    assert app.driver is not None
    for _ in range(2):
        reached = threading.Event()
        app.driver.do(reached.set)
        await wait_for(pilot, reached.is_set, "the driver loop")


def text_of(widget: Any) -> str:
    return str(widget.render())


def header(app: GoliveApp) -> str:
    return text_of(app.query_one(HeaderBar))


def dialog_text(screen: Screen[Any]) -> str:
    return "\n".join(text_of(widget) for widget in screen.query(Static))


def icon(app: GoliveApp, step: str) -> str:
    return str(app.query_one(StepsTable).get_cell(step, ""))


def events_pane(app: GoliveApp) -> list[str]:
    return list(app.query_one("#events", Log).lines)


# -- 1. the whole demo ------------------------------------------------------------
async def test_whole_demo_run_by_keys(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    workdir.mkdir()
    values = Values({"workdir": str(workdir), "release": "2.0.0"}, {})
    async with running(tmp_path, load(DEMO), values) as (run, pilot):
        app = run.app

        # freeze: a manual step, confirmed with a note.
        await wait_for(pilot, lambda: run.asked(QuestionKind.CONFIRM, "freeze"), "freeze")
        assert "? Announce the write freeze: confirm when done" in header(app)
        await pilot.press("enter")
        confirm = await dialog(pilot, TextScreen)
        assert "Confirm freeze" in dialog_text(confirm)
        await answer(pilot, confirm, *typed("shop team told at 22:03"))
        await back_on_run_screen(pilot)

        # migrate fails on its first attempt.
        await wait_for(pilot, lambda: run.asked(QuestionKind.FAILED, "migrate"), "migrate fails")
        assert "? migrate failed" in header(app)
        assert icon(app, "migrate") == Status.FAILED.icon == "✘"
        assert icon(app, "backup") == "✔"

        # b: the one rollback point, its preview, then the reason.
        await pilot.press("b")
        preview = await dialog(pilot, ConfirmScreen)
        body = dialog_text(preview)
        assert "Roll back to backup?" in body
        assert "Rolling back to backup runs, in this order:" in body
        assert "migrate" in body and "rm -rf" in body
        await answer(pilot, preview, "y")
        why = await dialog(pilot, TextScreen)
        assert "Roll back" in dialog_text(why)
        await answer(pilot, why, *typed("3 orders with unknown currency"))
        await back_on_run_screen(pilot)

        # After the rollback: enter, then r runs again from the point.
        await wait_for(pilot, lambda: run.asked(QuestionKind.AFTER_ROLLBACK), "after rollback")
        assert "enter run again from the point" in header(app)
        assert any("↶ ROLLBACK to backup: migrate" in line for line in events_pane(app))
        await pilot.press("enter")
        choice = await dialog(pilot, ChoiceScreen)
        assert "[r] run again from the rollback point" in dialog_text(choice)
        await answer(pilot, choice, "r")
        await back_on_run_screen(pilot)

        # A note while the run goes on.
        await pilot.press("n")
        note = await dialog(pilot, TextScreen)
        await answer(pilot, note, *typed("rejected orders fixed by hand"))
        await back_on_run_screen(pilot)
        await wait_for(pilot, lambda: run.has("note"), "the note in the journal")

        # The gate: GO, who, why, and the point of no return.
        await wait_for(pilot, lambda: run.asked(QuestionKind.GATE, "go-nogo"), "the gate")
        assert "g go/no-go" in header(app)
        await pilot.press("g")
        gate = await dialog(pilot, ChoiceScreen)
        assert "[g] GO" in dialog_text(gate)
        await answer(pilot, gate, "g")
        who = await dialog(pilot, TextScreen)
        assert "Who decides?" in dialog_text(who)
        assert who.query_one(Input).value == "Shop owner"  # the step's owner, prefilled
        # ctrl+u clears it: another person decides.
        await answer(pilot, who, "ctrl+u", *typed("Bob, shop owner"))
        why = await dialog(pilot, TextScreen)
        assert "Why?" in dialog_text(why)
        await answer(pilot, why, *typed("test order placed, all orders there"))
        pnr = await dialog(pilot, ConfirmScreen)
        assert "go-nogo is the point of no return" in dialog_text(pnr)
        await answer(pilot, pnr, "y")
        await back_on_run_screen(pilot)

        # unfreeze: confirmed without a note; the run ends.
        await wait_for(pilot, lambda: run.asked(QuestionKind.CONFIRM, "unfreeze"), "unfreeze")
        await pilot.press("enter")
        await answer(pilot, await dialog(pilot, TextScreen), "enter")
        await back_on_run_screen(pilot)
        await wait_for(pilot, lambda: run.session.state.outcome is not None, "the end of the run")
        await wait_for(
            pilot, lambda: "■ COMPLETED" in header(app), "the header to show the outcome"
        )

        # The screen.
        top = header(app)
        assert "◆ REHEARSAL" in top and "Demo: shop 2.0 go-live" in top
        assert "The run ended: completed. Press q to leave." in top
        # Ended: no rollback any more, and the forecast is when it ended, with the margin.
        assert "no rollback: run ended" in top and re.search(r"ended \d\d:\d\d · \S+ spare", top)
        for step in run.session.runbook.steps:
            assert icon(app, step.id) == "✔", step.id
        pane = events_pane(app)
        assert any("↶ rollback to backup completed" in line for line in pane)
        assert any("✎ alice: rejected orders fixed by hand" in line for line in pane)
        assert any("go-nogo: go (Bob, shop owner)" in line for line in pane)
        assert pane[-1].endswith("■ run completed")

    # The journal.
    assert run.decisions() == [
        ("freeze", "confirm", "alice", "shop team told at 22:03"),
        ("migrate", "rollback", "alice", "3 orders with unknown currency"),
        (None, "resume-from-point", "alice", ""),
        ("go-nogo", "go", "Bob, shop owner", "test order placed, all orders there"),
        ("unfreeze", "confirm", "alice", ""),
    ]
    journal = events(run.journal)
    decisions = [e for e in journal if e["type"] == "decision"]
    assert not any(d["automatic"] for d in decisions)
    assert decisions[1]["to"] == "backup"
    [started] = of_type(run.journal, "rollback_started")
    [finished] = of_type(run.journal, "rollback_finished")
    assert started["to"] == "backup" and started["actions"] == ["migrate"]
    assert finished["to"] == "backup" and finished["status"] == "completed"
    assert decisions[1]["seq"] < started["seq"] < finished["seq"] < decisions[2]["seq"]
    [note] = of_type(run.journal, "note")
    assert note["text"] == "rejected orders fixed by hand" and note["by"] == "alice"
    migrate = of_type(run.journal, "step_finished", step="migrate", action="run")
    assert [e["status"] for e in migrate] == ["failed", "succeeded"]
    assert journal[-1]["type"] == "run_finished" and journal[-1]["outcome"] == "completed"
    assert (workdir / "app" / "VERSION").read_text().strip() == "2.0.0"


# -- 2. retry, then skip -------------------------------------------------------------
async def test_failed_step_is_retried_with_t_then_skipped_with_s(tmp_path: Path) -> None:
    runbook = write_runbook(
        tmp_path,
        """
[[steps]]
id = "flaky"
run = "echo 'cannot reach the payment gateway' >&2; exit 4"
[[steps]]
id = "after"
run = "echo after"
""",
    )
    async with running(tmp_path, load(runbook)) as (run, pilot):
        app = run.app
        await wait_for(pilot, lambda: run.asked(QuestionKind.FAILED, "flaky"), "flaky fails")
        assert "? flaky failed" in header(app) and "t retry" in header(app)
        assert icon(app, "flaky") == "✘"

        await pilot.press("t")
        await wait_for(
            pilot,
            lambda: len(of_type(run.journal, "step_finished", step="flaky", status="failed")) == 2,
            "the retry to fail again",
        )
        await wait_for(pilot, lambda: run.asked(QuestionKind.FAILED, "flaky"), "flaky asks again")
        assert any("▶ flaky (attempt 2)" in line for line in events_pane(app))

        await pilot.press("s")
        reason = await dialog(pilot, TextScreen)
        assert "Why skip it? (required)" in dialog_text(reason)
        await pilot.press("enter")  # no reason: the dialog stays, and says why
        await wait_for(
            pilot,
            lambda: "a reason is required" in text_of(reason.query_one("#text-hint", Label)),
            "the dialog to ask for a reason",
        )
        assert app.screen is reason
        assert not any(d[1] == "skip" for d in run.decisions())
        await answer(pilot, reason, *typed("gateway checked by hand"))
        sure = await dialog(pilot, ConfirmScreen)
        assert "Reason: gateway checked by hand" in dialog_text(sure)
        assert "flaky will be skipped" in dialog_text(sure)
        await answer(pilot, sure, "y")
        await back_on_run_screen(pilot)

        await wait_for(pilot, lambda: run.session.state.outcome is not None, "the end of the run")
        await wait_for(pilot, lambda: "■ COMPLETED" in header(app), "the header's outcome")
        assert icon(app, "flaky") == Status.SKIPPED.icon
        assert icon(app, "after") == "✔"
        assert any("⚑ flaky: skip (alice) — gateway checked by hand" in x for x in events_pane(app))

    assert run.decisions() == [
        ("flaky", "retry", "alice", ""),
        ("flaky", "skip", "alice", "gateway checked by hand"),
    ]
    started = of_type(run.journal, "step_started", step="flaky")
    assert [e["attempt"] for e in started] == [1, 2]
    assert of_type(run.journal, "step_finished", step="after")[0]["status"] == "succeeded"
    assert events(run.journal)[-1]["outcome"] == "completed"


# -- 3. pause ------------------------------------------------------------------------
# A manual step that waits for the operator: the run stays open at a question.
HOLD = """
[[steps]]
id = "hold"
kind = "manual"
instructions = "Wait for the go from the business."
"""


async def test_pause_holds_the_run_enter_starts_one_step_p_resumes(tmp_path: Path) -> None:
    runbook = write_runbook(
        tmp_path,
        HOLD
        + """
[[steps]]
id = "second"
run = "echo two"
[[steps]]
id = "third"
run = "echo three"
""",
    )
    async with running(tmp_path, load(runbook)) as (run, pilot):
        app = run.app
        await wait_for(pilot, lambda: run.asked(QuestionKind.CONFIRM, "hold"), "the manual step")

        await pilot.press("p")
        await wait_for(pilot, lambda: run.has("decision", decision="pause"), "the pause")
        await wait_for(pilot, lambda: "⏸ PAUSED" in header(app), "the header's pause mark")

        # Confirming the manual step does not start the next one while paused.
        await pilot.press("enter")
        await answer(pilot, await dialog(pilot, TextScreen), "enter")
        await back_on_run_screen(pilot)
        await wait_for(pilot, lambda: run.status("hold") is Status.SUCCEEDED, "hold done")
        await driver_caught_up(pilot, app)
        assert not run.has("step_started", step="second")
        assert run.status("second") is Status.PENDING
        await wait_for(pilot, lambda: "Paused: no step starts by itself" in header(app), "hint")

        # enter starts the next ready step by hand, and only that one.
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: run.status("second") is Status.SUCCEEDED, "second to run by hand"
        )
        await driver_caught_up(pilot, app)
        assert not run.has("step_started", step="third")
        assert run.session.state.paused
        await wait_for(pilot, lambda: icon(app, "second") == "✔", "second's icon")
        assert icon(app, "third") == Status.PENDING.icon

        # p again: the run goes on by itself.
        await pilot.press("p")
        await wait_for(pilot, lambda: run.session.state.outcome is not None, "the end of the run")
        await wait_for(pilot, lambda: "■ COMPLETED" in header(app), "the header's outcome")
        assert "⏸ PAUSED" not in header(app)
        assert icon(app, "third") == "✔"

    assert run.decisions() == [
        (None, "pause", "alice", ""),
        ("hold", "confirm", "alice", ""),
        (None, "unpause", "alice", ""),
    ]
    journal = events(run.journal)
    seq = {
        (e["type"], e.get("step"), e.get("decision")): e["seq"]
        for e in journal
        if e["type"] in ("decision", "step_started")
    }
    assert seq[("step_started", "second", None)] < seq[("decision", None, "unpause")]
    assert seq[("decision", None, "unpause")] < seq[("step_started", "third", None)]
    assert journal[-1]["type"] == "run_finished" and journal[-1]["outcome"] == "completed"


# -- 4. help -------------------------------------------------------------------------
async def test_help_lists_every_binding_of_the_run_screen(tmp_path: Path) -> None:
    runbook = write_runbook(tmp_path, '[[steps]]\nid = "wait"\nkind = "manual"\n')
    bindings = [*RunScreen.BINDINGS, *GoliveApp.BINDINGS, *CursorList.BINDINGS]
    ids = [b.id for b in bindings if not isinstance(b, tuple)]
    assert len(ids) == len(bindings) and all(ids)
    async with running(tmp_path, load(runbook)) as (run, pilot):
        await wait_for(pilot, lambda: run.asked(QuestionKind.CONFIRM, "wait"), "the manual step")
        await pilot.press("question_mark")
        help_screen = await dialog(pilot, HelpScreen)
        rows = [text_of(label) for label in help_screen.query(Label)]
        for binding_id in ids:
            assert any(row.split()[-1:] == [binding_id] for row in rows), binding_id
        assert any("Confirm/run" in row and "run.confirm" in row for row in rows)
        await answer(pilot, help_screen, "escape")
        await back_on_run_screen(pilot)
    # Reading the help decides nothing.
    assert run.decisions() == []
    assert not run.has("note")


# -- 5. quit asks first --------------------------------------------------------------
async def test_quit_while_a_step_runs_names_it_and_n_keeps_running(tmp_path: Path) -> None:
    release = tmp_path / "release"
    runbook = write_runbook(
        tmp_path,
        f"""
[[steps]]
id = "long-import"
run = "while [ ! -e {release} ]; do sleep 0.05; done; echo imported"
""",
    )
    async with running(tmp_path, load(runbook)) as (run, pilot):
        app = run.app
        await wait_for(
            pilot, lambda: run.status("long-import") is Status.RUNNING, "the step to run"
        )
        # The screen knows what its latest view says (built just after the event).
        await wait_for(
            pilot, lambda: app.view is not None and "long-import" in app.view.running, "the view"
        )
        await pilot.press("q")
        leave = await dialog(pilot, ConfirmScreen)
        body = dialog_text(leave)
        assert "Leave golive?" in body
        assert "Still running, and NOT killed:" in body
        assert "long-import on " in body

        await answer(pilot, leave, "n")
        await back_on_run_screen(pilot)
        assert app.is_running and app.return_code is None
        assert run.status("long-import") is Status.RUNNING
        await wait_for(pilot, lambda: "Running: long-import" in header(app), "the header")

        release.touch()  # the step ends, the run ends, the app is still there
        await wait_for(pilot, lambda: run.session.state.outcome is not None, "the end of the run")
        await wait_for(pilot, lambda: "■ COMPLETED" in header(app), "the header's outcome")
        assert icon(app, "long-import") == "✔"

        # With the run over, q leaves without asking.
        await pilot.press("q")
        await wait_for(pilot, lambda: app.return_code == 0, "the app to exit")

    assert run.decisions() == []  # asking about quitting records nothing
    [finished] = of_type(run.journal, "step_finished", step="long-import")
    assert finished["status"] == "succeeded"
    assert events(run.journal)[-1]["outcome"] == "completed"


# -- 6. the UI thread never waits for I/O ---------------------------------------------
@pytest.fixture
def silent_server() -> Iterator[socket.socket]:
    """A TCP port that accepts connections (the kernel's backlog) and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    try:
        yield server
    finally:
        server.close()


async def test_keys_work_while_an_ssh_connect_hangs(
    tmp_path: Path, silent_server: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    # golive gives up on a host that never speaks SSH after 10 s. Waiting longer here
    # keeps a loaded machine's slow key handling from racing that timer; the test ends
    # the connect itself, by closing the listener. Nothing else about the connect changes.
    real_open = ssh.open_connection

    def patient_open(
        target: ssh.SshTarget, known_hosts: str | None, timeout: float = 600.0
    ) -> ssh.SshConnection:
        return real_open(target, known_hosts, timeout)

    monkeypatch.setattr(ssh, "open_connection", patient_open)
    port = silent_server.getsockname()[1]
    runbook = write_runbook(
        tmp_path,
        f"""
[hosts.db]
address = "127.0.0.1"
port = {port}
user = "golive"

[[steps]]
id = "remote"
on = "db"
run = "echo hello"
""",
    )
    async with running(tmp_path, load(runbook)) as (run, pilot):
        app = run.app

        def connecting() -> bool:
            return run.status("remote") is Status.RUNNING and not run.has(
                "host_finished", step="remote"
            )

        await wait_for(pilot, connecting, "the step to start its connect")

        await pilot.press("n")
        notes = await dialog(pilot, TextScreen)
        await pilot.press(*typed("db team says the host is slow"))
        await wait_for(pilot, lambda: run.has("note"), "the note in the journal")
        await wait_for(pilot, lambda: notes not in app.screen_stack, "the notes dialog to close")
        await back_on_run_screen(pilot)
        # All of that happened while golive still waited for the host to speak SSH.
        assert connecting()
        assert run.status("remote") is Status.RUNNING
        await wait_for(
            pilot,
            lambda: any("✎ alice: db team says the host is slow" in x for x in events_pane(app)),
            "the note in the events pane",
        )
        assert icon(app, "remote") == Status.RUNNING.icon

        # Closing the listener resets the pending connection: the step fails, with a reason.
        silent_server.close()
        await wait_for(pilot, lambda: run.asked(QuestionKind.FAILED, "remote"), "the failure")

    [note] = of_type(run.journal, "note")
    assert note["text"] == "db team says the host is slow" and note["by"] == "alice"
    [host] = of_type(run.journal, "host_finished", step="remote")
    assert host["exit"] is None and host["error"]
    assert note["seq"] < host["seq"]
    [finished] = of_type(run.journal, "step_finished", step="remote")
    assert finished["status"] == "failed"


# -- every way out asks -----------------------------------------------------------
@pytest.mark.parametrize("key", ["q", "ctrl+q"])
async def test_every_way_out_of_an_open_run_asks_first(tmp_path: Path, key: str) -> None:
    runbook = write_runbook(
        tmp_path, '[[steps]]\nid = "sign"\nkind = "manual"\ninstructions = "Sign."\n'
    )
    async with running(tmp_path, load(runbook)) as (run, pilot):
        app = run.app
        await wait_for(pilot, lambda: run.asked(QuestionKind.CONFIRM, "sign"), "the manual step")
        await pilot.press(key)
        leave = await dialog(pilot, ConfirmScreen)
        said = dialog_text(leave)
        assert "Leave golive?" in said
        # A manual step that waits runs nothing: it is asked again, not "still running".
        assert "sign waits for its answer" in said and "NOT killed" not in said
        await answer(pilot, leave, "n")
        await back_on_run_screen(pilot)
        assert app.is_running and app.return_code is None


# -- the step detail follows a failure, unless the operator chose a row -------------------
FAILING = """
[[steps]]
id = "first"
run = "true"

[[steps]]
id = "second"
run = "sleep 1; exit 3"
"""


@pytest.mark.parametrize("operator_moves", [False, True], ids=["follows", "operator-wins"])
async def test_the_detail_follows_a_failure_unless_the_operator_chose_a_row(
    tmp_path: Path, operator_moves: bool
) -> None:
    async with running(tmp_path, load(write_runbook(tmp_path, FAILING))) as (run, pilot):
        app = run.app
        await wait_for(pilot, lambda: run.status("second") is Status.RUNNING, "second running")
        if operator_moves:
            await wait_for(
                pilot, lambda: app.run_screen.selected_step() == "second", "the cursor on it"
            )
            await pilot.press("up")  # the operator looks at the first step
            await wait_for(
                pilot, lambda: app.run_screen.selected_step() == "first", "the cursor moved"
            )
        await wait_for(pilot, lambda: run.asked(QuestionKind.FAILED, "second"), "the failure")
        await pilot.pause(0.3)
        detail = str(app.query_one("#detail", Static).render())
        if operator_moves:
            assert app.run_screen.selected_step() == "first" and "first" in detail
        else:
            assert app.run_screen.selected_step() == "second"
            assert "second" in detail and "failed" in detail and "exit status 3" in detail


async def test_a_narrow_footer_keeps_help_and_quit_and_every_key_still_works(
    tmp_path: Path,
) -> None:
    """At 80 columns the keys that answer no question give way in the footer (they are in
    the help and the palette), so that Help and Quit stay in sight; they still work."""
    runbook = write_runbook(tmp_path, HOLD)
    async with running(tmp_path, load(runbook), size=(80, 24)) as (run, pilot):
        app = run.app
        await wait_for(pilot, lambda: run.asked(QuestionKind.CONFIRM, "hold"), "the manual step")
        await wait_for(pilot, lambda: "help" in footer_actions(app.screen), "the footer")
        shown = footer_actions(app.screen)
        assert {"gate", "retry", "skip", "rollback", "note", "help", "quit_run"} <= shown
        assert not {"pause", "interrupted", "host"} & shown
        await pilot.press("p")  # left out of the footer, still a key
        await wait_for(pilot, lambda: run.has("decision", decision="pause"), "the pause")

        await pilot.resize_terminal(180, 50)
        await wait_for(pilot, lambda: "host" in footer_actions(app.screen), "the wide footer")
        assert {"pause", "interrupted", "host", "help", "quit_run"} <= footer_actions(app.screen)
