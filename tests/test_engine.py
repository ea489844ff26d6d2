"""The engine and timeline maths, on synthetic event streams (pure logic)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from golive.core.engine import Engine, QuestionKind
from golive.core.events import Decisions
from golive.core.loader import load_runbook
from golive.core.runbook import Runbook
from golive.core.state import RunState, Status
from golive.core.timeline import compute, step_timing
from tests.helpers import write_runbook

START = datetime.fromisoformat("2026-11-28T22:00:00+00:00")

BODY = """
[[steps]]
id = "freeze"
kind = "manual"
duration = "5m"

[[steps]]
id = "backup"
run = "backup"
duration = "20m"
rollback_point = true

[[steps]]
id = "migrate"
run = "migrate"
rollback = "unmigrate"
rollback_duration = "15m"
duration = "30m"

[[steps]]
id = "deploy"
run = "deploy"
rollback = "undeploy"
duration = "10m"

[[steps]]
id = "cache"
run = "cache"
rollback = "uncache"
depends_on = ["migrate"]
duration = "40m"

[[steps]]
id = "go"
kind = "gate"
instructions = "confirm"
point_of_no_return = true
depends_on = ["deploy", "cache"]
duration = "5m"
"""


@pytest.fixture
def runbook(tmp_path: Path) -> Runbook:
    result = load_runbook(str(write_runbook(tmp_path, BODY)))
    assert not result.errors, result.errors
    assert result.runbook is not None
    return result.runbook


class Run:
    """Feeds synthetic events with offsets into a RunState."""

    def __init__(self) -> None:
        self.state = RunState()
        self.m = 0.0
        self.apply(
            "run_started",
            mode="rehearsal",
            name="t",
            window={"start": START.isoformat(), "end": (START + timedelta(hours=2)).isoformat()},
            t=START.isoformat(),
        )

    def apply(self, kind: str, at: float | None = None, **fields: Any) -> None:
        if at is not None:
            self.m = at
        self.state.apply({"type": kind, "m": self.m, **fields})

    def run(
        self, step: str, start: float, end: float, ok: bool = True, action: str = "run"
    ) -> None:
        self.apply("step_started", at=start, step=step, action=action, attempt=1)
        self.apply(
            "step_finished",
            at=end,
            step=step,
            action=action,
            status="succeeded" if ok else "failed",
            reason="" if ok else "exit 1",
        )

    def confirm(
        self, step: str, start: float, end: float, decision: str = Decisions.CONFIRM
    ) -> None:
        self.apply("step_started", at=start, step=step, action="run", attempt=1)
        self.apply("decision", at=end, step=step, decision=decision, by="op")


def ids(steps: list[Any]) -> list[str]:
    return [s.id for s in steps]


def test_steps_follow_file_order_unless_depends_on_says_otherwise(runbook: Runbook) -> None:
    engine, run = Engine(runbook), Run()
    assert ids(engine.ready(run.state)) == ["freeze"]
    run.confirm("freeze", 0, 60)
    assert ids(engine.ready(run.state)) == ["backup"]
    run.run("backup", 60, 600)
    run.run("migrate", 600, 1200)
    # deploy follows migrate by file order, cache by depends_on: two parallel streams.
    assert ids(engine.ready(run.state)) == ["deploy", "cache"]


def test_manual_step_is_a_question_once_started(runbook: Runbook) -> None:
    engine, run = Engine(runbook), Run()
    assert engine.questions(run.state) == []
    run.apply("step_started", at=0, step="freeze", action="run", attempt=1)
    [question] = engine.questions(run.state)
    assert question.kind is QuestionKind.CONFIRM and question.step == "freeze"


def test_a_failure_holds_new_starts_until_answered(runbook: Runbook) -> None:
    engine, run = Engine(runbook), Run()
    run.confirm("freeze", 0, 1)
    run.run("backup", 1, 2)
    run.run("migrate", 2, 3, ok=False)
    [question] = engine.questions(run.state)
    assert question.kind is QuestionKind.FAILED
    assert engine.startable(run.state, START) == []
    run.apply("decision", step="migrate", decision=Decisions.RETRY)
    assert run.state.step("migrate").status is Status.PENDING
    assert ids(engine.startable(run.state, START)) == ["migrate"]


def test_skip_and_continue_let_dependents_start(runbook: Runbook) -> None:
    engine, run = Engine(runbook), Run()
    run.confirm("freeze", 0, 1)
    run.run("backup", 1, 2)
    run.run("migrate", 2, 3, ok=False)
    run.apply("decision", step="migrate", decision=Decisions.CONTINUE)
    assert ids(engine.ready(run.state)) == ["deploy", "cache"]


def test_retries_are_answered_by_the_runbook(tmp_path: Path) -> None:
    result = load_runbook(
        str(
            write_runbook(
                tmp_path, '[[steps]]\nid = "a"\nrun = "x"\nretries = 2\non_failure = "continue"\n'
            )
        )
    )
    assert result.runbook is not None
    engine, run = Engine(result.runbook), Run()
    for attempt in (1, 2, 3):
        run.apply("step_started", step="a", action="run", attempt=attempt)
        run.apply("step_finished", step="a", action="run", status="failed")
        [question] = engine.questions(run.state)
        answer = engine.automatic_answer(run.state, question)
        expected = Decisions.RETRY if attempt <= 2 else Decisions.CONTINUE
        assert answer is not None and answer[0] == expected
        run.apply("decision", step="a", decision=answer[0])


def test_rollback_plan_undoes_what_ran_after_the_point_latest_first(runbook: Runbook) -> None:
    engine, run = Engine(runbook), Run()
    run.confirm("freeze", 0, 1)
    run.run("backup", 1, 2)
    run.run("migrate", 2, 3)
    run.apply("step_started", at=3, step="cache", action="run", attempt=1)
    run.apply("step_started", at=3, step="deploy", action="run", attempt=1)
    run.apply("step_finished", at=5, step="deploy", action="run", status="succeeded")
    run.apply("step_finished", at=10, step="cache", action="run", status="succeeded")
    run.apply("step_started", at=11, step="go", action="run", attempt=1)
    plan = engine.rollback_plan(run.state, "backup")
    # The gate is running (partial), so it is first; then the rest, latest finished first.
    assert [a.step for a in plan.actions] == ["go", "cache", "deploy", "migrate"]
    assert [a.command for a in plan.actions] == [None, "uncache", "undeploy", "unmigrate"]
    assert plan.planned == 40 * 60 + 10 * 60 + 15 * 60


def test_failed_step_is_undone_first(runbook: Runbook) -> None:
    engine, run = Engine(runbook), Run()
    run.confirm("freeze", 0, 1)
    run.run("backup", 1, 2)
    run.run("migrate", 2, 3)
    run.run("deploy", 3, 4, ok=False)
    assert [a.step for a in engine.rollback_plan(run.state, "backup").actions] == [
        "deploy",
        "migrate",
    ]


def test_rollback_fold_marks_steps_and_resume_from_point(runbook: Runbook) -> None:
    engine, run = Engine(runbook), Run()
    run.confirm("freeze", 0, 1)
    run.run("backup", 1, 2)
    run.run("migrate", 2, 3, ok=False)
    run.apply("decision", step="migrate", decision=Decisions.ROLLBACK, to="backup")
    assert run.state.pending_rollback is not None
    assert engine.ready(run.state) == []
    run.apply("rollback_started", at=4, to="backup", actions=["migrate"], planned=900)
    run.run("migrate", 4, 5, action="rollback")
    assert run.state.step("migrate").status is Status.ROLLED_BACK
    assert engine.remaining_rollback(run.state) == []
    run.apply("rollback_finished", at=5, to="backup", status="completed")
    [question] = engine.questions(run.state)
    assert question.kind is QuestionKind.AFTER_ROLLBACK
    run.apply("decision", at=6, decision=Decisions.RESUME_FROM_POINT)
    assert run.state.step("migrate").status is Status.PENDING
    assert ids(engine.ready(run.state)) == ["migrate"]


def test_no_rollback_past_the_point_of_no_return(runbook: Runbook) -> None:
    engine, run = Engine(runbook), Run()
    run.confirm("freeze", 0, 1)
    run.run("backup", 1, 2)
    assert engine.reached_points(run.state) == ["backup"]
    for step, (a, b) in {"migrate": (2, 3), "deploy": (3, 4), "cache": (3, 5)}.items():
        run.run(step, a, b)
    run.confirm("go", 5, 6, decision=Decisions.GO)
    assert engine.past_point_of_no_return(run.state)
    assert engine.reached_points(run.state) == []
    assert engine.finished(run.state)


def test_forecast_follows_the_critical_path_and_lateness(runbook: Runbook) -> None:
    engine, run = Engine(runbook), Run()
    timing = compute(engine, run.state, 0)
    # freeze 5 + backup 20 + migrate 30 + cache 40 + go 5 = 100 minutes (deploy's stream is shorter).
    assert timing.forecast_end == START + timedelta(minutes=100)
    assert timing.time_left == 2 * 3600
    run.confirm("freeze", 0, 25 * 60)  # 20 minutes late
    timing = compute(engine, run.state, 25 * 60)
    assert timing.forecast_end == START + timedelta(minutes=120)
    assert timing.forecast_margin == 0
    assert step_timing(runbook.step("freeze"), run.state, timing.now_m).variance == 20 * 60


def test_running_step_counts_what_is_left_of_it(runbook: Runbook) -> None:
    engine, run = Engine(runbook), Run()
    run.confirm("freeze", 0, 300)
    run.apply("step_started", at=300, step="backup", action="run", attempt=1)
    timing = compute(engine, run.state, 300 + 600)  # 10 of 20 minutes in
    backup = step_timing(runbook.step("backup"), run.state, timing.now_m)
    assert backup.running and backup.actual == 600
    assert timing.forecast_end == START + timedelta(minutes=100)
    timing = compute(engine, run.state, 300 + 1800)  # overran by 10 minutes: nothing left, but late
    assert timing.forecast_end == START + timedelta(minutes=110)


def test_rollback_deadline_is_window_end_minus_planned_rollback(runbook: Runbook) -> None:
    engine, run = Engine(runbook), Run()
    assert compute(engine, run.state, 0).rollback_deadline is None
    assert compute(engine, run.state, 0).no_rollback_reason == "no rollback point reached yet"
    run.confirm("freeze", 0, 1)
    run.run("backup", 1, 2)
    timing = compute(engine, run.state, 2)
    assert timing.rollback_point == "backup"
    assert timing.rollback_deadline == START + timedelta(hours=2)
    run.run("migrate", 2, 3)
    run.run("deploy", 3, 4)
    timing = compute(engine, run.state, 4)
    # unmigrate 15m (its rollback_duration) + undeploy 10m (defaults to its duration)
    assert timing.rollback_planned == 25 * 60
    assert timing.rollback_deadline == START + timedelta(hours=2) - timedelta(minutes=25)
    assert timing.rollback_margin == pytest.approx(
        (timing.rollback_deadline - timing.now).total_seconds()
    )
