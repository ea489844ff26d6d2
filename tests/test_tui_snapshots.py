"""Snapshot tests of the run screen, with everything that could move held still.

Each scene records synthetic journal events through `Session.record` (nothing
runs), on a frozen clock, with an inert driver in place of the run's driver
thread and fixed host snapshots in place of the monitor. So the header clock,
the events pane and every duration are the same on every machine and every run.

Update the baselines (tests/__snapshots__/) with:
    pytest --snapshot-update tests/test_tui_snapshots.py
docs/make_screenshots.py renders the README screenshots from the LIVE scene.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from golive.core import events as ev
from golive.core.engine import Question
from golive.core.events import Decisions, event
from golive.core.hostwatch import HostSnapshot, HostState, Metrics
from golive.core.loader import load_runbook
from golive.core.runbook import Host
from golive.io.executor import Executor
from golive.session.answers import Policy
from golive.session.session import RunOptions, Session, start_session
from golive.session.variables import resolve_values
from golive.session.view import build_view
from golive.tui.app import GoliveApp
from golive.tui.driver import Intent, RunDriver
from golive.tui.messages import HostsUpdated, QuestionsChanged, ViewChanged
from golive.tui.run import build_app
from golive.tui.screens.dialogs import ConfirmScreen
from golive.tui.widgets.steps_table import StepsTable

pytestmark = pytest.mark.slow  # real servers, terminals or processes: not in the fast lane

RUNBOOK = """\
[runbook]
name = "Shop 2.0 go-live"
window = { start = "2026-11-28T22:00:00+00:00", duration = "2h" }

[vars]
release = "2.0.0"

[hosts.db1]
address = "10.0.0.11"
groups = ["db"]

[hosts.app1]
address = "10.0.0.21"
groups = ["app"]

[hosts.app2]
address = "10.0.0.22"
groups = ["app"]

[[steps]]
id = "freeze"
phase = "prepare"
kind = "manual"
title = "Announce the write freeze"
owner = "Key user"
instructions = "Tell the shop team: no new orders until the all-clear."
duration = "5m"

[[steps]]
id = "backup"
phase = "prepare"
title = "Back up the order database"
owner = "DBA"
on = "db1"
run = "pg_dump -Fc shop > /backup/shop-before-{{release}}.dump"
rollback_point = true
duration = "10m"

[[steps]]
id = "migrate"
phase = "migrate"
title = "Migrate orders to the 2.0 schema"
owner = "DBA"
on = "db1"
run = "psql -v ON_ERROR_STOP=1 -f /srv/shop/{{release}}/migrate.sql shop"
rollback = "pg_restore --clean -d shop /backup/shop-before-{{release}}.dump"
duration = "15m"

[[steps]]
id = "deploy"
phase = "cutover"
title = "Deploy shop 2.0"
owner = "App team"
on = "app"
run = "/srv/shop/bin/deploy {{release}}"
rollback = "/srv/shop/bin/deploy 1.9.4"
duration = "10m"

[[steps]]
id = "warm-cache"
phase = "cutover"
title = "Warm the product cache"
owner = "App team"
on = "app"
depends_on = ["deploy"]
run = "/srv/shop/bin/warm-cache"
rollback = "true"
duration = "5m"

[[steps]]
id = "smoke"
phase = "cutover"
kind = "check"
title = "Smoke test: version and one order"
owner = "App team"
on = "app1"
depends_on = ["deploy"]
run = "curl -fsS http://localhost:8080/version | grep {{release}}"
duration = "2m"

[[steps]]
id = "go-nogo"
phase = "cutover"
kind = "gate"
title = "Go / no-go"
owner = "Shop owner"
instructions = "Key users place one test order and check yesterday's orders are all there."
point_of_no_return = true
depends_on = ["smoke", "warm-cache"]
duration = "10m"

[[steps]]
id = "unfreeze"
phase = "hypercare"
kind = "manual"
title = "Lift the write freeze"
owner = "Key user"
instructions = "Tell the shop team orders are open again."
duration = "5m"
"""

MONO0 = 7200.0  # an arbitrary monotonic reading at the start of the run
SIZES = {
    "80x24": (80, 24),
    "100x30": (100, 30),
    "120x40": (120, 40),
    "160x48": (160, 48),
    "200x50": (200, 50),
}


class FrozenClock:
    """Wall and monotonic time that move only when the scene says so."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.offset = 0.0

    def wall(self) -> datetime:
        return self.start + timedelta(seconds=self.offset)

    def mono(self) -> float:
        return MONO0 + self.offset


class InertDriver(RunDriver):
    """Stands in for the run's driver thread: nothing moves unless the scene records it.

    It posts its questions once, when the app starts it; intents are kept, never run.
    """

    def __init__(self, app: GoliveApp, questions: tuple[Question, ...] = ()) -> None:
        self.app = app
        self.questions = questions
        self.intents: list[Intent] = []

    def start(self) -> None:
        self.app.post_questions(self.questions)

    def stop(self) -> None:
        pass

    def do(self, intent: Intent) -> None:
        self.intents.append(intent)

    def wake(self) -> None:
        pass

    def pause(self, by: str, paused: bool) -> None:
        pass


class NoExecutors:
    """No command runs in these tests: asking for an executor is a bug in the test."""

    def for_host(self, host: Host) -> Executor:
        raise AssertionError(f"a screenshot scene tried to run a command on {host.name}")


def snapshot(
    host: str,
    state: HostState,
    cpu: tuple[float, ...],
    mem: tuple[float, ...],
    load1: float,
    disk: float,
    errors: int = 0,
    warnings: int = 0,
    age: float = 1.0,
    alerts: tuple[str, ...] = (),
    reason: str = "",
    last_errors: tuple[str, ...] = (),
) -> HostSnapshot:
    at = 5000.0
    return HostSnapshot(
        host=host,
        state=state,
        reason=reason,
        at=at,
        sampled_at=at - age,
        metrics=Metrics(cpu=cpu[-1], mem=mem[-1], load1=load1, disk=disk),
        errors_per_min=errors,
        warnings_per_min=warnings,
        levels_this_minute={"info": 40, "warning": warnings, "error": errors},
        cpu_history=cpu,
        mem_history=mem,
        error_history=(0,) * 24 + (0, 1, 3, 6, 9, errors),
        last_errors=last_errors,
        alerts=alerts,
    )


# Three hosts: db1 over its error-rate threshold, app1 well, app2 silent for 47 s (STALE).
HOSTS = (
    snapshot(
        "db1",
        HostState.LIVE,
        cpu=(22, 25, 31, 48, 63, 71, 74, 68),
        mem=(61, 61, 62, 64, 66, 67, 67, 68),
        load1=3.41,
        disk=71,
        errors=12,
        warnings=3,
        alerts=("errors",),
        last_errors=("ERROR: duplicate key value violates unique constraint orders_pkey",),
    ),
    snapshot(
        "app1",
        HostState.LIVE,
        cpu=(12, 14, 11, 35, 41, 38, 22, 18),
        mem=(44, 44, 45, 52, 55, 55, 54, 54),
        load1=0.82,
        disk=38,
        warnings=1,
    ),
    snapshot(
        "app2",
        HostState.STALE,
        cpu=(10, 13, 12, 30, 37),
        mem=(43, 43, 44, 50, 53),
        load1=0.77,
        disk=39,
        age=47.0,
        reason="no sample for 47s",
    ),
)


FLEET_HOSTS = HOSTS + tuple(
    snapshot(
        f"web{i:02d}",
        HostState.DOWN if i == 7 else HostState.LIVE,
        cpu=(20, 22, 25),
        mem=(40, 41, 41),
        load1=0.5,
        disk=30,
        age=63.0 if i == 7 else 1.0,
        reason="connection refused" if i == 7 else "",
    )
    for i in range(1, 48)
)
FLEET_RUNBOOK = RUNBOOK.replace(
    "[[steps]]",
    "".join(
        f'[hosts.web{i:02d}]\naddress = "10.0.1.{i}"\ngroups = ["web"]\n\n' for i in range(1, 48)
    )
    + "[[steps]]",
    1,
)


class Script:
    """Records what a run would have recorded, at chosen offsets on the frozen clock.

    Offsets only go forward, as in a real journal; steps that overlap are written
    with start, output and finish in the order they happened.
    """

    def __init__(self, session: Session, clock: FrozenClock) -> None:
        self.session = session
        self.clock = clock

    def at(self, m: float, kind: str, **fields: Any) -> None:
        assert m >= self.clock.offset, f"the script goes back in time: {kind} at {m}"
        self.clock.offset = m
        self.session.record(event(kind, **fields))

    def start(self, m: float, step: str, hosts: Sequence[str] = (), attempt: int = 1) -> None:
        """A command step starts on `hosts`; a manual step or gate (no hosts) is put to
        the operator and waits for an answer."""
        run = self.session.engine.step(step).run
        command = self.session.values.display(run) if run and hosts else None
        self.at(
            m,
            ev.STEP_STARTED,
            step=step,
            action="run",
            attempt=attempt,
            command=command,
            hosts=list(hosts),
        )

    def output(self, m: float, step: str, host: str, *lines: str) -> None:
        """Lines a step printed on `host`, one a second from `m`; "!" marks stderr."""
        for i, line in enumerate(lines):
            stream = "err" if line.startswith("!") else "out"
            self.at(
                m + i,
                ev.OUTPUT,
                step=step,
                action="run",
                host=host,
                stream=stream,
                line=line.removeprefix("!"),
            )

    def finish(
        self, m: float, step: str, hosts: Sequence[str], exit: int = 0, reason: str = ""
    ) -> None:
        started = self.session.state.step(step).started or 0.0
        for host in hosts:
            self.at(
                m,
                ev.HOST_FINISHED,
                step=step,
                action="run",
                host=host,
                exit=exit,
                seconds=round(m - started, 3),
                timed_out=False,
                error="",
            )
        status = "succeeded" if exit == 0 else "failed"
        self.at(m, ev.STEP_FINISHED, step=step, action="run", status=status, reason=reason)

    def command(self, m: float, step: str, host: str, seconds: float, *lines: str) -> None:
        """A command step on one host that succeeded after `seconds`."""
        self.start(m, step, [host])
        self.output(m + 1, step, host, *lines)
        self.finish(m + seconds, step, [host])

    def decide(self, m: float, step: str, decision: str, by: str, reason: str = "") -> None:
        question = {Decisions.CONFIRM: "confirm", Decisions.GO: "gate"}[decision]
        self.at(
            m,
            ev.DECISION,
            step=step,
            question=question,
            decision=decision,
            by=by,
            reason=reason,
            automatic=False,
        )


def live(script: Script) -> float:
    """LIVE: the freeze and the database work are done; deploy is running on both app hosts."""
    script.start(0, "freeze")
    script.decide(95, "freeze", Decisions.CONFIRM, "alice", "shop team confirmed on the bridge")
    script.command(
        96,
        "backup",
        "db1",
        545,
        "pg_dump: dumping contents of table public.orders",
        "dump: 4.2 GB",
    )
    script.command(
        641,
        "migrate",
        "db1",
        990,
        "BEGIN",
        "ALTER TABLE orders ADD COLUMN currency char(3)",
        "UPDATE 1184022",
        "COMMIT",
    )
    script.start(1631, "deploy", ["app1", "app2"])
    script.output(1640, "deploy", "app1", "pulling shop:2.0.0 ... done")
    script.output(1642, "deploy", "app2", "pulling shop:2.0.0 ... done")
    script.output(1650, "deploy", "app1", "stopping shop 1.9.4 (drain 30s)")
    script.output(1681, "deploy", "app1", "starting shop 2.0.0")
    script.output(1690, "deploy", "app2", "!warning: config key cache.size is deprecated")
    script.output(1691, "deploy", "app2", "stopping shop 1.9.4 (drain 30s)")
    return 1631 + 254  # now: deploy has been running for 4m 14s of its planned 10m


def rehearsal(script: Script) -> float:
    """REHEARSAL: through the gate (GO, past the point of no return); unfreeze waits."""
    script.start(0, "freeze")
    script.decide(40, "freeze", Decisions.CONFIRM, "bob")
    script.command(41, "backup", "db1", 312, "dump: 1.1 GB (test data)")
    script.command(354, "migrate", "db1", 701, "UPDATE 301877", "COMMIT")
    script.start(1056, "deploy", ["app1", "app2"])
    script.output(1300, "deploy", "app1", "started shop 2.0.0")
    script.output(1302, "deploy", "app2", "started shop 2.0.0")
    script.finish(1444, "deploy", ["app1", "app2"])
    script.start(1445, "warm-cache", ["app1", "app2"])
    script.start(1445, "smoke", ["app1"])
    script.output(1453, "smoke", "app1", '{"version": "2.0.0"}')
    script.finish(1454, "smoke", ["app1"])
    script.output(1690, "warm-cache", "app1", "warmed 5120 products")
    script.finish(1705, "warm-cache", ["app1", "app2"])
    script.start(1706, "go-nogo")
    script.decide(2230, "go-nogo", Decisions.GO, "Shop owner", "test order 4711 placed and paid")
    script.start(2231, "unfreeze")
    script.at(2250, ev.NOTE, text="rehearsal ran 12 min over: migrate needs a bigger box", by="bob")
    return 2231 + 37


def failed(script: Script) -> float:
    """FAILED: the migration failed on db1 and waits for a decision."""
    script.start(0, "freeze")
    script.decide(70, "freeze", Decisions.CONFIRM, "alice")
    script.command(71, "backup", "db1", 560, "dump: 4.2 GB")
    script.start(632, "migrate", ["db1"])
    script.output(
        633,
        "migrate",
        "db1",
        "BEGIN",
        "ALTER TABLE orders ADD COLUMN currency char(3)",
        "!ERROR:  3 orders rejected: unknown currency code 'XEU'",
        "!ROLLBACK",
    )
    script.finish(1044, "migrate", ["db1"], exit=3, reason="exit status 3")
    return 1044 + 23


def start(script: Script) -> float:
    """START: the run has just begun; the freeze is put to the operator."""
    script.start(0, "freeze")
    return 3


def gate(script: Script) -> float:
    """GATE: everything before the go/no-go is done; the gate waits for its decision."""
    script.start(0, "freeze")
    script.decide(60, "freeze", Decisions.CONFIRM, "alice")
    script.command(61, "backup", "db1", 540, "dump: 4.2 GB")
    script.command(602, "migrate", "db1", 950, "UPDATE 1184022", "COMMIT")
    script.start(1553, "deploy", ["app1", "app2"])
    script.finish(1900, "deploy", ["app1", "app2"])
    script.command(1901, "warm-cache", "app1", 200, "warmed 5120 products")
    script.command(2102, "smoke", "app1", 20, '{"version": "2.0.0"}')
    script.start(2123, "go-nogo")
    return 2123 + 95


def rolled_back(script: Script) -> float:
    """ROLLED BACK: migrate failed, was rolled back to the backup; run again or end?"""
    failed(script)
    script.at(1070, ev.DECISION, step="migrate", question="failed", decision=Decisions.ROLLBACK,
              by="alice", reason="3 orders rejected", automatic=False, to="backup")  # fmt: skip
    script.at(1071, ev.ROLLBACK_STARTED, to="backup", cause="migrate", actions=["migrate"],
              planned=900.0)  # fmt: skip
    script.at(1071, ev.STEP_STARTED, step="migrate", action="rollback", attempt=1,
              command="pg_restore --clean -d shop /backup/shop-before-2.0.0.dump", hosts=["db1"])  # fmt: skip
    script.at(1380, ev.HOST_FINISHED, step="migrate", action="rollback", host="db1", exit=0,
              seconds=309.0, timed_out=False, error="")  # fmt: skip
    script.at(1380, ev.STEP_FINISHED, step="migrate", action="rollback", status="succeeded",
              reason="")  # fmt: skip
    script.at(1380, ev.ROLLBACK_FINISHED, to="backup", status="completed")
    return 1380 + 12


def completed(script: Script) -> float:
    """COMPLETED: every step done, the gate passed, the run ended."""
    rehearsal(script)
    script.decide(2300, "unfreeze", Decisions.CONFIRM, "bob")
    script.at(2300, ev.RUN_FINISHED, outcome="completed", reason="")
    return 2300 + 5


@dataclass(frozen=True)
class Scenario:
    mode: str
    start: datetime  # the frozen wall clock when the run starts
    record: Callable[[Script], float]  # records the events; returns "now"
    selected: str  # the step row the cursor rests on (its detail and output show)
    fleet: bool = False  # 50 hosts (47 more, one of them DOWN) instead of 3


SCENARIOS = {
    # Live runs inside the runbook's window (UTC, like the window itself).
    "live": Scenario("live", datetime(2026, 11, 28, 22, 0, 5, tzinfo=UTC), live, "deploy"),
    # A rehearsal on another day, in another zone: its window opens when it starts.
    "rehearsal": Scenario(
        "rehearsal",
        datetime(2026, 11, 12, 18, 30, 0, tzinfo=timezone(timedelta(hours=1))),
        rehearsal,
        "unfreeze",
    ),
    "failed": Scenario("live", datetime(2026, 11, 28, 22, 0, 5, tzinfo=UTC), failed, "migrate"),
    "start": Scenario("live", datetime(2026, 11, 28, 22, 0, 5, tzinfo=UTC), start, "freeze"),
    "gate": Scenario("live", datetime(2026, 11, 28, 22, 0, 5, tzinfo=UTC), gate, "go-nogo"),
    "rolled-back": Scenario(
        "live", datetime(2026, 11, 28, 22, 0, 5, tzinfo=UTC), rolled_back, "migrate"
    ),
    "completed": Scenario(
        "rehearsal",
        datetime(2026, 11, 12, 18, 30, 0, tzinfo=timezone(timedelta(hours=1))),
        completed,
        "unfreeze",
    ),
    # 50 hosts, 3 of them unhappy (db1 errors, app2 STALE, web07 DOWN): a fleet line.
    "fleet-failed": Scenario(
        "live", datetime(2026, 11, 28, 22, 0, 5, tzinfo=UTC), failed, "migrate", fleet=True
    ),
}


@dataclass
class Scene:
    app: GoliveApp
    session: Session
    clock: FrozenClock
    scenario: Scenario

    def record(self) -> float:
        """Record the scenario's events and freeze the clock at its "now"."""
        now = self.scenario.record(Script(self.session, self.clock))
        self.clock.offset = now  # from here on, the 1 s refresh redraws the same screen
        return now

    async def run_before(self, pilot: Pilot[Any]) -> None:
        """For snap_compare: the events, the questions and the hosts, then the cursor."""
        await pilot.pause()
        self.record()
        questions = tuple(self.session.engine.questions(self.session.state))
        running = tuple(self.session.engine.running(self.session.state))
        self.app.post_message(QuestionsChanged(questions))
        # What the driver thread would post: one frozen view of the recorded run.
        self.app.post_message(ViewChanged(build_view(self.session, questions, running)))
        self.app.post_message(HostsUpdated(FLEET_HOSTS if self.scenario.fleet else HOSTS))
        await pilot.pause()
        table = self.app.query_one(StepsTable)
        table.move_cursor(row=table.get_row_index(self.scenario.selected), animate=False)
        await pilot.pause()


def make_scene(name: str, folder: Path) -> Scene:
    """The app for scenario `name`; its run_before records the events once the app runs."""
    scenario = SCENARIOS[name]
    runbook_path = folder / "shop.toml"
    runbook_path.write_text(FLEET_RUNBOOK if scenario.fleet else RUNBOOK, encoding="utf-8")
    runbook = load_runbook(str(runbook_path)).runbook
    assert runbook is not None
    values = resolve_values(runbook, {}, environ={})
    clock = FrozenClock(scenario.start)
    session = start_session(
        runbook,
        str(folder / f"{name}.jsonl"),
        values,
        clock,
        RunOptions(mode=scenario.mode, operator="alice"),
    )
    app = build_app(
        session,
        NoExecutors(),
        Policy(operator="alice"),
        driver_factory=InertDriver,
    )
    return Scene(app, session, clock, scenario)


@pytest.fixture
def scene(tmp_path: Path) -> Iterator[Callable[[str], Scene]]:
    made: list[Scene] = []

    def make(name: str) -> Scene:
        made.append(make_scene(name, tmp_path))
        return made[-1]

    yield make
    for s in made:
        s.session.close()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", SCENARIOS)
def test_run_screen(
    name: str, size: str, scene: Callable[[str], Scene], snap_compare: Callable[..., bool]
) -> None:
    s = scene(name)
    assert snap_compare(s.app, terminal_size=SIZES[size], run_before=s.run_before)
    assert isinstance(s.app.driver, InertDriver) and not s.app.driver.intents


@pytest.mark.parametrize("size", SIZES)
def test_rollback_preview(
    size: str, scene: Callable[[str], Scene], snap_compare: Callable[..., bool]
) -> None:
    """b after migrate failed: the undo actions in order, under the run's header."""
    s = scene("failed")

    async def preview(pilot: Pilot[Any]) -> None:
        await s.run_before(pilot)
        await pilot.press("b")
        for _ in range(50):
            if isinstance(s.app.screen, ConfirmScreen):
                break
            await pilot.pause(0.05)
        assert isinstance(s.app.screen, ConfirmScreen)
        await pilot.pause()

    assert snap_compare(s.app, terminal_size=SIZES[size], run_before=preview)
    assert isinstance(s.app.driver, InertDriver) and not s.app.driver.intents  # nothing ran


def test_scenes_hold_what_they_show(tmp_path: Path) -> None:
    """The states behind the pictures: a running step, a manual step waiting, a failure."""
    expected = {
        "live": [], "rehearsal": ["confirm"], "failed": ["failed"], "start": ["confirm"],
        "gate": ["gate"], "rolled-back": ["after_rollback"], "completed": [],
        "fleet-failed": ["failed"],
    }  # fmt: skip
    running = {
        "live": ["deploy"], "rehearsal": ["unfreeze"], "failed": [], "start": ["freeze"],
        "gate": ["go-nogo"], "rolled-back": [], "completed": [], "fleet-failed": [],
    }  # fmt: skip
    ended = {"completed": "completed"}
    for name, scenario in SCENARIOS.items():
        s = make_scene(name, tmp_path)
        try:
            s.record()
            state = s.session.state
            assert state.mode == scenario.mode and state.outcome == ended.get(name)
            assert state.window_end is not None and s.session.timing().now < state.window_end
            assert [q.kind.value for q in s.session.engine.questions(state)] == expected[name]
            assert list(s.session.engine.running(state)) == running[name]
            assert s.session.timing().now == scenario.start + timedelta(seconds=s.clock.offset)
        finally:
            s.session.close()
