"""golive drill RUNBOOK --to POINT: rehearse a rollback and prove it.

Exit status: 0 the drill passed, 1 it failed (an undo failed, a verify failed after the
rollback, or the drill stopped early), 2 bad input, 4 the journal could not be written,
130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys

from golive.commands.run import default_journal, injection_problem, screen_keymap
from golive.console.drill_report import report_lines
from golive.console.operator import ConsoleOperator, Policy
from golive.console.printer import ConsolePrinter
from golive.console.runner import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_JOURNAL,
    interrupted_lines,
)
from golive.core.clock import SystemClock
from golive.core.drill import PASS, DrillEngine, DrillPlan, plan_drill
from golive.core.errors import GoliveError
from golive.core.keymap import Keymap
from golive.core.loader import load_runbook
from golive.core.runbook import Runbook
from golive.io.journal import JournalError, find_key
from golive.io.ssh import SshPool
from golive.io.ssh_exec import HostExecutors
from golive.session.drill import Drill
from golive.session.session import RunOptions, Session, operator_name, start_session, watch_hosts
from golive.session.variables import parse_assignments, resolve_values

EXIT_PASSED = 0
EXIT_FAILED = 1


def drill_command(args: argparse.Namespace) -> int:
    loaded = load_runbook(args.runbook)
    for diagnostic in sorted(loaded.diagnostics, key=lambda d: d.line):
        print(diagnostic.render(), file=sys.stderr)
    runbook = loaded.runbook
    if runbook is None:
        return EXIT_BAD_INPUT
    plan = plan_drill(runbook, args.to)
    problem = _injection_problem(runbook, plan, list(args.inject_failure))
    if problem:
        raise GoliveError(problem)
    interactive = sys.stdin is not None and sys.stdin.isatty()
    keymap = screen_keymap(args)  # the same rule as golive run; a bad file fails here
    tui = keymap is not None
    values = resolve_values(runbook, parse_assignments(args.var), interactive=interactive)
    key = find_key()
    journal = args.journal or default_journal(
        os.path.dirname(os.path.abspath(args.runbook)), f"{runbook.name} drill {plan.to}"
    )
    try:
        print(f"journal: {journal}")
        print(
            f"drill: runs {', '.join(plan.steps)}; then rolls back to {plan.to} "
            "and runs the verify commands up to it again"
        )
        session = start_session(
            runbook,
            journal,
            values,
            SystemClock(),
            RunOptions(
                mode="rehearsal",
                operator=args.operator,
                inject_failure=tuple(args.inject_failure),
                drill=plan.journal_fields,
            ),
            watch=None if tui else (lambda s: ConsolePrinter(s, sys.stdout)),
            engine=DrillEngine(runbook, plan),
            key=key,
        )
    except JournalError as exc:
        if isinstance(exc, GoliveError):
            raise  # in use: bad input, said by cli.main

        print(f"golive: {exc}", file=sys.stderr)
        return EXIT_JOURNAL
    policy = Policy(
        yes=args.yes, interactive=interactive, operator=args.operator or operator_name()
    )
    return _drive(session, plan, policy, keymap)


def _drive_on_screen(
    session: Session, plan: DrillPlan, policy: Policy, pool: SshPool, keymap: Keymap
) -> int:
    from golive.tui.run import run_drill_tui

    drill = Drill(session, plan, HostExecutors(pool), policy, None, lambda _: None)
    try:
        run_drill_tui(session, drill, pool, policy, keymap)
    finally:
        session.close()
        pool.close()
    if drill.result is None:
        print(
            f"golive: the drill did not finish (a drill cannot be resumed); "
            f"journal: {session.journal.path}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    for line in report_lines(plan, drill.result, session.journal.path):
        print(line)
    return EXIT_PASSED if drill.result.verdict == PASS else EXIT_FAILED


def _injection_problem(runbook: Runbook, plan: DrillPlan, steps: list[str]) -> str:
    problem = injection_problem(runbook, "rehearsal", steps)
    if problem:
        return problem
    outside = [s for s in steps if s not in plan.steps]
    if outside:
        return (
            f"--inject-failure {outside[0]}: the drill does not run it "
            f"(the drill runs: {', '.join(plan.steps)})"
        )
    return ""


def _drive(session: Session, plan: DrillPlan, policy: Policy, keymap: Keymap | None = None) -> int:
    """The drill on local and SSH executors, its hosts monitored meanwhile: on the run
    screen at a terminal (given the user's keymap, maybe empty), else in the console."""
    pool = SshPool(known_hosts=session.runbook.known_hosts_path)
    if keymap is not None:
        return _drive_on_screen(session, plan, policy, pool, keymap)
    monitor = watch_hosts(session, pool, None)
    printer = next((p for p in session.listeners if isinstance(p, ConsolePrinter)), None)
    say = printer.say if printer is not None else print
    person = ConsoleOperator(session, policy, sys.stdin, sys.stdout)
    drill = Drill(session, plan, HostExecutors(pool), policy, person, say)
    try:
        result = drill.run()
    except JournalError as exc:
        print(f"golive: {exc}", file=sys.stderr)
        return EXIT_JOURNAL
    except KeyboardInterrupt:
        for line in interrupted_lines(
            drill.conductor.running_steps(),
            "interrupted: the drill did not finish (a drill cannot be resumed)",
            f"  journal: {session.journal.path}",
        ):
            drill.say(line)
        return EXIT_INTERRUPTED
    finally:
        if monitor is not None:
            monitor.stop()
        session.close()
        pool.close()
    for line in report_lines(plan, result, session.journal.path):
        print(line)
    return EXIT_PASSED if result.verdict == PASS else EXIT_FAILED
