"""The run screen reads only frozen views: while a real driver thread hammers the journal,
nothing on the UI thread touches the session, its state or the conductor."""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from golive.core.clock import SystemClock
from golive.core.engine import QuestionKind
from golive.core.loader import load_runbook
from golive.core.state import RunState
from golive.core.templating import Values
from golive.io.ssh import SshPool
from golive.io.ssh_exec import HostExecutors
from golive.session.answers import Policy
from golive.session.conductor import Conductor
from golive.session.session import RunOptions, Session, start_session
from golive.session.view import RollbackPreview, RunView, StepRow
from golive.tui.run import build_app
from golive.tui.screens.dialogs import TextScreen

pytestmark = pytest.mark.slow  # real processes under Pilot

STEPS = 40


def runbook_text() -> str:
    text = '[runbook]\nname = "hammer"\n[hosts.l]\nlocal = true\n'
    text += '[[steps]]\nid = "point"\non = "l"\nrun = "true"\nrollback = "true"\nrollback_point = true\n'
    for i in range(STEPS):
        text += f'[[steps]]\nid = "s{i:02}"\non = "l"\nrun = "seq 1 50"\nrollback = "true"\n'
    text += '[[steps]]\nid = "sign-off"\nkind = "manual"\ninstructions = "Sign off."\n'
    return text


class UiThreadReads:
    """Counts reads of a session, its state or its conductor made on the UI thread."""

    def __init__(self, ui: threading.Thread) -> None:
        self.ui = ui
        self.on = False
        self.seen: list[str] = []

    def spy(self, target: Any) -> None:
        """Swap `target`'s class for a subclass that notes UI-thread attribute reads."""
        watch = self
        base = type(target)

        def getattribute(obj: Any, name: str) -> Any:
            if watch.on and threading.current_thread() is watch.ui:
                watch.seen.append(f"{base.__name__}.{name}")
            return base.__getattribute__(obj, name)

        target.__class__ = type(
            f"Spied{base.__name__}", (base,), {"__getattribute__": getattribute}
        )


async def test_the_app_reads_only_frozen_views_while_a_driver_hammers(tmp_path: Path) -> None:
    path = tmp_path / "hammer.toml"
    path.write_text(runbook_text())
    runbook = load_runbook(str(path)).runbook
    assert runbook is not None
    session = start_session(
        runbook, str(tmp_path / "j.jsonl"), Values({}, {}), SystemClock(),
        RunOptions(mode="rehearsal", operator="alice"),
    )  # fmt: skip
    pool = SshPool()
    app = build_app(session, HostExecutors(pool), Policy(operator="alice", interactive=True))
    reads = UiThreadReads(threading.current_thread())  # Pilot runs the app on this thread
    conductors: list[Conductor] = []
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            assert app.driver is not None
            conductors.append(app.driver._conductor)
            for target in (session, session.state, app.driver._conductor):
                reads.spy(target)
            reads.on = True
            views: list[RunView] = []
            deadline = time.monotonic() + 60
            while app.view is None or not any(
                q.kind is QuestionKind.CONFIRM for q in app.view.questions
            ):
                assert time.monotonic() < deadline, "the run never reached the manual step"
                if app.view is not None and (not views or views[-1] is not app.view):
                    views.append(app.view)
                await pilot.pause(0.02)
            # The operator answers from the view; the driver records it.
            await pilot.press("enter")
            while not isinstance(app.screen, TextScreen):
                await pilot.pause(0.02)
            await pilot.press(*"done", "enter")
            while app.view is None or app.view.outcome is None:
                assert time.monotonic() < deadline, "the run never ended"
                await pilot.pause(0.05)
            reads.on = False
            final = app.view
    finally:
        reads.on = False
        if app.driver is not None:
            app.driver.stop()
            app.driver.cancel_running()
        session.close()
        pool.close()

    assert final.outcome == "completed"
    assert all(row.status.value == "succeeded" for row in final.rows)
    assert len(views) >= 3, "the screen drew several views while the run moved"
    # Nothing on the UI thread read the session, the state or the conductor.
    # The one thing the UI thread does to the session is ring its doorbell (a Condition)
    # when it submits an intent, so the loop wakes: a signal, no state read or changed.
    doorbell = {"Session.wake", "Session.changed", "Session._changes"}
    assert [r for r in reads.seen if r not in doorbell] == []
    assert "Session.wake" in reads.seen  # the intent (the confirm) went through the loop
    # The app holds none of them.
    held = [type(v).__name__ for v in vars(app).values()]
    assert not {"Session", "RunState", "Conductor"} & {n.removeprefix("Spied") for n in held}
    assert not any(isinstance(v, Session | RunState | Conductor) for v in vars(app).values())


def test_a_view_is_frozen_all_the_way_down() -> None:
    for kind in (RunView, StepRow, RollbackPreview):
        assert kind.__dataclass_params__.frozen  # type: ignore[attr-defined]
    row = StepRow("a", "l", *[None] * 9)  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.status = None  # type: ignore[misc]
    # Collections in a view are tuples, never lists or dicts the driver could change.
    for kind in (RunView, StepRow, RollbackPreview):
        for f in dataclasses.fields(kind):
            assert "list" not in str(f.type) and "dict" not in str(f.type), (kind, f.name)


def test_the_spy_sees_a_ui_thread_read(tmp_path: Path) -> None:
    """The detector must catch a read, or the test above proves nothing."""
    state = RunState()
    reads = UiThreadReads(threading.current_thread())
    reads.spy(state)
    reads.on = True
    _ = state.outcome
    reads.on = False
    assert reads.seen == ["RunState.outcome"]


def test_a_rollback_runs_only_the_plan_the_operator_confirmed(tmp_path: Path) -> None:
    """The intent carries the plan shown in the dialog; the loop compares it with the plan
    when it takes the intent. Another plan: nothing starts, and the screen is told."""
    path = tmp_path / "rb.toml"
    path.write_text(
        '[runbook]\nname = "plan"\n[hosts.l]\nlocal = true\n'
        '[[steps]]\nid = "p"\non = "l"\nrun = "true"\nrollback_point = true\n'
        '[[steps]]\nid = "a"\non = "l"\nrun = "echo a; exit 3"\nrollback = "echo undo-a"\n'
    )
    runbook = load_runbook(str(path)).runbook
    assert runbook is not None
    journal = tmp_path / "j.jsonl"
    session = start_session(
        runbook, str(journal), Values({}, {}), SystemClock(),
        RunOptions(mode="rehearsal", operator="alice"),
    )  # fmt: skip
    from golive.session.answers import AutoAnswers
    from golive.session.execution import StepExecution
    from golive.session.view import rollback_preview
    from golive.tui.driver import RunDriver

    pool = SshPool()
    conductor = Conductor(session, StepExecution(session, HostExecutors(pool)))
    changed: list[tuple[RollbackPreview, RollbackPreview]] = []
    views: list[RunView] = []
    driver = RunDriver(
        session, conductor, AutoAnswers(session, Policy(operator="alice")), None,
        lambda error: None, on_view=views.append,
        on_plan_changed=lambda seen, now: changed.append((seen, now)),
    )  # fmt: skip
    try:
        driver.start()
        deadline = time.monotonic() + 30
        while not views or not any(q.kind is QuestionKind.FAILED for q in views[-1].questions):
            assert time.monotonic() < deadline, "a never failed"
            time.sleep(0.02)
        (failed,) = views[-1].questions
        shown = views[-1].preview("p")
        assert shown is not None and [a.step for a in shown.actions if a.shown] == ["a"]
        # A dialog that showed another plan (here: one the run has moved past).
        stale = dataclasses.replace(shown, actions=(), planned=0.0)
        driver.answer(failed, "rollback", "saw an old plan", "alice", to="p", seen=stale)
        while not changed:
            assert time.monotonic() < deadline, "the stale plan was not refused"
            time.sleep(0.02)
        assert changed == [(stale, rollback_preview(session, "p"))]
        assert not [e for e in _events(journal) if e["type"] in ("rollback_started", "decision")]
        # The plan as it is: it runs.
        driver.answer(failed, "rollback", "saw the plan", "alice", to="p", seen=shown)
        while not [e for e in _events(journal) if e["type"] == "rollback_finished"]:
            assert time.monotonic() < deadline, "the rollback never finished"
            time.sleep(0.05)
    finally:
        driver.stop()
        driver.cancel_running()
        session.close()
        pool.close()
    (started,) = [e for e in _events(journal) if e["type"] == "rollback_started"]
    assert started["actions"] == [a.step for a in shown.actions] and started["to"] == "p"


def _events(journal: Path) -> list[dict[str, Any]]:
    import json

    return [json.loads(line) for line in journal.read_text().splitlines() if line.strip()]
