"""Building the TUI from its collaborators, and running it to the end of the session."""

from __future__ import annotations

from collections.abc import Callable

from golive.console.runner import EXIT_ABORTED, OUTCOME_EXIT
from golive.core.events import Event
from golive.io.executor import ExecutorSet
from golive.io.journal import read_events
from golive.io.ssh import SshPool
from golive.session.answers import AutoAnswers, Policy
from golive.session.conductor import Conductor
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
) -> GoliveApp:
    """The one factory the CLI and the tests use: the app gets everything it shows from here.

    `driver_factory` replaces the run's driver thread (screenshot tests pass an inert one)."""
    conductor = Conductor(session, StepExecution(session, executors, dry_run=policy.dry_run))
    auto = AutoAnswers(session, policy)

    def driver(app: GoliveApp) -> RunDriver:
        return RunDriver(session, conductor, auto, app.post_questions, app.post_failure)

    return GoliveApp(
        session,
        conductor,
        driver_factory or driver,
        policy.operator,
        list(session.runbook.hosts),
        history,
    )


def run_tui(
    session: Session, executors: ExecutorSet, pool: SshPool, policy: Policy, resumed: bool
) -> int:
    history = list(read_events(session.journal.path, verify=False)) if resumed else None
    app = build_app(session, executors, policy, history)
    monitor = watch_hosts(session, pool, app.post_snapshots)
    try:
        app.run()
    finally:
        if app.driver is not None:
            app.driver.stop()
        if monitor is not None:
            monitor.stop()
        session.close()
    outcome = session.state.outcome
    if outcome is None:
        print(
            f"golive: the run is still open; continue it with: golive resume {session.journal.path}"
        )
        return 0
    return OUTCOME_EXIT.get(outcome, EXIT_ABORTED)
