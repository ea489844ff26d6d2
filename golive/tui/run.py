"""Building the TUI from its collaborators, and running it to the end of the session."""

from __future__ import annotations

from collections.abc import Callable

from golive.console.runner import EXIT_ABORTED, EXIT_LEFT_OPEN, OUTCOME_EXIT
from golive.core.events import Event
from golive.core.keymap import Keymap
from golive.core.runbook import Host
from golive.io.executor import Executor, ExecutorSet
from golive.io.journal import read_events
from golive.io.ssh import SshPool
from golive.session.answers import AutoAnswers, Policy
from golive.session.conductor import Conductor
from golive.session.drill import Drill
from golive.session.execution import StepExecution
from golive.session.session import Session, watch_hosts
from golive.tui.app import GoliveApp
from golive.tui.driver import RunDriver


def build_app(
    session: Session,
    executors: ExecutorSet,
    policy: Policy,
    history: list[Event] | None = None,
    *,
    driver_factory: Callable[[GoliveApp], RunDriver] | None = None,
    drill: Drill | None = None,
    keymap: Keymap | None = None,
) -> GoliveApp:
    """The one factory the CLI and the tests use: the app gets everything it shows from here.

    `driver_factory` replaces the run's driver thread (screenshot tests pass an inert one).
    With `drill`, the loop runs the drill's hooks and asks the drill's own answers first;
    what the drill says goes to the events pane. `keymap` (golive.tui.keymap.user_keymap)
    moves bindings to the user's keys."""
    conductor = (
        drill.conductor
        if drill is not None
        else Conductor(session, StepExecution(session, executors, dry_run=policy.dry_run))
    )
    auto = AutoAnswers(session, policy)

    def driver(app: GoliveApp) -> RunDriver:
        if drill is not None:
            drill.say = app.post_said
        return RunDriver(
            session, conductor, auto, None, app.post_failure,
            on_view=app.post_view, on_plan_changed=app.post_plan_changed,
            hooks=drill, first=[drill.answers] if drill is not None else (),
        )  # fmt: skip

    app = GoliveApp(
        session.runbook,
        session.values.display,
        session.listeners.append,
        driver_factory or driver,
        policy.operator,
        list(session.runbook.hosts),
        history,
    )
    if keymap:
        app.set_keymap(keymap)
    return app


def run_drill_tui(
    session: Session, drill: Drill, pool: SshPool, policy: Policy, keymap: Keymap | None = None
) -> None:
    """The drill on the run screen; its result (if it got that far) is on `drill.result`."""
    _run_screen(
        build_app(session, NoExecutors(), policy, drill=drill, keymap=keymap), session, pool
    )


def _run_screen(app: GoliveApp, session: Session, pool: SshPool) -> None:
    """Run `app` with the hosts watched; its driver and the monitor stop however it ends."""
    monitor = watch_hosts(session, pool, app.post_snapshots)
    try:
        app.run()
    finally:
        if app.driver is not None:
            app.driver.stop()
        if monitor is not None:
            monitor.stop()


class NoExecutors:
    """The drill's conductor has its executors already: the app never asks for one."""

    def for_host(self, host: Host) -> Executor:
        raise AssertionError(f"the drill's screen asked for an executor for {host.name}")


def run_tui(
    session: Session,
    executors: ExecutorSet,
    pool: SshPool,
    policy: Policy,
    resumed: bool,
    keymap: Keymap | None = None,
) -> int:
    history = list(read_events(session.journal.path, verify=False)) if resumed else None
    app = build_app(session, executors, policy, history, keymap=keymap)
    try:
        _run_screen(app, session, pool)
    finally:
        session.close()
    outcome = session.state.outcome
    if outcome is None:
        print(
            f"golive: the run is still open; continue it with: golive resume {session.journal.path}"
        )
        return EXIT_LEFT_OPEN  # not 0: 0 means completed
    return OUTCOME_EXIT.get(outcome, EXIT_ABORTED)
