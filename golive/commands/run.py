"""golive run, golive resume and golive demo."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime
from importlib import resources

from golive.commands import screen_streams
from golive.console.operator import Policy
from golive.console.printer import ConsolePrinter
from golive.console.runner import EXIT_BAD_INPUT, EXIT_JOURNAL, OUTCOME_EXIT, drive
from golive.core.clock import SystemClock
from golive.core.diagnostics import Severity
from golive.core.durations import format_duration
from golive.core.keymap import Keymap
from golive.core.loader import load_runbook
from golive.core.runbook import Runbook
from golive.core.text import visible
from golive.io.baseline import check_baselines
from golive.io.journal import (
    JournalError,
    JournalInUse,
    JournalKeyError,
    LockedJournal,
    find_key,
    read_events,
)
from golive.io.ssh import SshPool
from golive.io.ssh_exec import HostExecutors
from golive.session.drill import drill_of_journal
from golive.session.notify import start_notifier
from golive.session.session import (
    RunOptions,
    Session,
    operator_name,
    read_journal,
    resume_key,
    resume_session,
    start_session,
    watch_hosts,
)
from golive.session.variables import VariableError, parse_assignments, resolve_values

OUTCOME_WORDS = {
    "completed": "completed",
    "rolled_back": "ended rolled back",
    "aborted": "was aborted",
}


def _load(path: str) -> Runbook | None:
    result = load_runbook(path)
    for diagnostic in sorted(result.diagnostics, key=lambda d: d.line):
        print(diagnostic.render(), file=sys.stderr)
    return result.runbook


def default_journal(directory: str, name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "run"
    folder = os.path.join(directory, "journals")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return os.path.join(folder, f"{slug}-{stamp}.jsonl")


def _interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def run_command(args: argparse.Namespace) -> int:
    runbook = _load(args.runbook)
    if runbook is None:
        return EXIT_BAD_INPUT
    mode = "rehearsal" if args.rehearsal else "dry-run" if args.dry_run else "live"
    if mode != "dry-run":  # a dry run evaluates no health gate: its baseline may come later
        problems = check_baselines(runbook)
        for diagnostic in problems:
            print(diagnostic.render(), file=sys.stderr)
        if any(d.severity is Severity.ERROR for d in problems):
            return EXIT_BAD_INPUT
    return _start(runbook, args, mode, journal_dir=os.path.dirname(os.path.abspath(args.runbook)))


def _start(
    runbook: Runbook,
    args: argparse.Namespace,
    mode: str,
    journal_dir: str,
    policy: Policy | None = None,
    finished: Callable[[Session], None] | None = None,
) -> int:
    clock = SystemClock()
    keymap = screen_keymap(args)  # a bad keymap file fails before anything is asked or run
    problem = injection_problem(runbook, mode, getattr(args, "inject_failure", []))
    if problem:
        print(f"golive: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    outside = mode == "live" and outside_window(runbook, clock.wall())
    if outside and not _outside_window_confirmed(runbook, args, clock.wall()):
        return EXIT_BAD_INPUT
    try:
        values = resolve_values(runbook, parse_assignments(args.var), interactive=_interactive())
    except VariableError as exc:
        print(f"golive: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        key = find_key()
    except JournalKeyError as exc:
        print(f"golive: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    journal = args.journal or default_journal(journal_dir, runbook.name)
    tui = keymap is not None
    try:
        print(f"journal: {journal}")
        session = start_session(
            runbook,
            journal,
            values,
            clock,
            RunOptions(
                mode=mode,
                operator=args.operator,
                inject_failure=tuple(getattr(args, "inject_failure", [])),
                outside_window=outside,
            ),
            watch=None if tui else (lambda s: ConsolePrinter(s, sys.stdout)),
            key=key,
        )
    except JournalInUse as exc:
        print(f"golive: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except JournalError as exc:
        print(f"golive: {exc}", file=sys.stderr)
        return EXIT_JOURNAL
    policy = policy or Policy(
        yes=args.yes,
        dry_run=mode == "dry-run",
        interactive=_interactive(),
        operator=args.operator or operator_name(),
    )
    status = _drive_with_hosts(session, policy, keymap)
    if finished is not None:
        finished(session)
    return status


def outside_window(runbook: Runbook, now: datetime) -> bool:
    window = runbook.window
    return window is not None and not window.start <= now < window.end


def window_words(runbook: Runbook, now: datetime) -> str:
    """Where `now` stands against the change window, for a sentence: "opens in 81h05m
    (2026-11-28T22:00:00+01:00)", "closed 2h10m ago (2026-11-29T06:00:00+01:00)"."""
    window = runbook.window
    assert window is not None
    if now < window.start:
        gap = (window.start - now).total_seconds()
        return f"opens in {format_duration(gap)} ({window.start.isoformat()})"
    if now >= window.end:
        gap = (now - window.end).total_seconds()
        return f"closed {format_duration(gap)} ago ({window.end.isoformat()})"
    return f"is open until {window.end.isoformat()}"


def _outside_window_confirmed(runbook: Runbook, args: argparse.Namespace, now: datetime) -> bool:
    """A LIVE run outside its change window runs only on purpose: --outside-window, or, at
    a terminal, the runbook's name typed in full. Else it is refused (exit status 2)."""
    where = window_words(runbook, now)
    if getattr(args, "outside_window", False):
        print(
            f"golive: warning: a LIVE run outside its change window, which {where}: "
            "--outside-window; the journal and the report say so",
            file=sys.stderr,
        )
        return True
    if _interactive():
        name = visible(runbook.name)
        print(
            f"golive: this is a LIVE run and the change window {where}.\n"
            f"  To run it live now anyway, type the runbook's name ({name}); "
            "anything else stops (--rehearsal rehearses it)",
            file=sys.stderr,
        )
        print("  runbook name: ", end="", flush=True)
        typed = sys.stdin.readline().strip()
        if typed == runbook.name.strip():
            return True
        print("golive: not confirmed; nothing was run", file=sys.stderr)
        return False
    print(
        f"golive: this is a LIVE run and the change window {where}; a live run outside "
        "its window needs --outside-window (or the runbook's name typed at a terminal); "
        "use --rehearsal to rehearse it",
        file=sys.stderr,
    )
    return False


def injection_problem(runbook: Runbook, mode: str, steps: list[str]) -> str:
    """Why --inject-failure cannot be honoured, or "" when it can."""
    if steps and mode == "live":
        return "--inject-failure is for rehearsals and dry runs; add --rehearsal"
    for step_id in steps:
        if not runbook.has_step(step_id):
            known = ", ".join(s.id for s in runbook.steps)
            return f"--inject-failure {step_id}: no such step (the steps are: {known})"
        if runbook.step(step_id).kind.needs_operator:
            return (
                f"--inject-failure {step_id}: a {runbook.step(step_id).kind.value} step is "
                "answered by the operator and cannot fail by itself; pick a command step"
            )
    return ""


def _wants_tui(args: argparse.Namespace) -> bool:
    """The TUI needs a terminal on every stream it uses; --console, a pipe, a redirected
    stderr or CI keep the console."""
    return not getattr(args, "console", False) and screen_streams()


def screen_keymap(args: argparse.Namespace) -> Keymap | None:
    """The user's keymap when the run screen will open (None on the console), read
    and checked first: a bad file is a GoliveError before anything runs."""
    if not _wants_tui(args):
        return None
    from golive.tui.keymap import user_keymap

    return user_keymap()


def resume_command(args: argparse.Namespace) -> int:
    """Lock the journal, then read it, then append to it through the same descriptor:
    a second resume, or the run itself still alive, is refused (exit status 2)."""
    try:
        locked = LockedJournal(args.journal)
    except JournalError as exc:
        print(f"golive: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return _resume_locked(args, locked)
    finally:
        locked.close()  # a no-op once the session's writer owns the descriptor


def _resume_locked(args: argparse.Namespace, locked: LockedJournal) -> int:
    clock = SystemClock()
    keymap = screen_keymap(args)
    try:
        recorded, tail = read_journal(args.journal, locked)
    except JournalError as exc:
        print(f"golive: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if recorded.state.outcome:
        print(
            f"{args.journal}: this run already ended: {recorded.state.outcome}; nothing to resume"
        )
        return OUTCOME_EXIT.get(recorded.state.outcome, 1)
    drill = drill_of_journal(args.journal)
    if drill is not None:
        # Resumed as a run, a drill would go on past its steps into the rest of the runbook.
        print(
            f"golive: {args.journal}: a drill (golive drill --to {drill.get('to')}) cannot be "
            "resumed; put back by hand what it changed, then run the drill again",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    runbook = _load(args.runbook or recorded.runbook_path)
    if runbook is None:
        return EXIT_BAD_INPUT
    try:
        key = resume_key(args.journal, recorded)
        values = resolve_values(
            runbook,
            parse_assignments(args.var),
            recorded.state.variables,
            interactive=_interactive(),
        )
        print(f"journal: {args.journal}")
        tui = keymap is not None
        session = resume_session(
            args.journal,
            runbook,
            values,
            clock,
            args.accept_changed_runbook,
            watch=None if tui else (lambda s: ConsolePrinter(s, sys.stdout)),
            locked=locked,
            recorded=(recorded, tail),
            key=key,
        )
    except (VariableError, JournalError, JournalKeyError) as exc:
        print(f"golive: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    policy = Policy(
        yes=args.yes,
        dry_run=session.state.mode == "dry-run",
        interactive=_interactive(),
        interrupted=args.interrupted,
        operator=args.operator or operator_name(),
    )
    return _drive_with_hosts(session, policy, keymap, resumed=True)


def demo_runbook_path() -> str:
    return str(resources.files("golive") / "data" / "demo.toml")


def demo_command(args: argparse.Namespace) -> int:
    runbook = _load(demo_runbook_path())
    if runbook is None:
        return EXIT_BAD_INPUT
    workdir = tempfile.mkdtemp(prefix="golive-demo-")
    args.var = [f"workdir={workdir}"]
    args.operator = ""
    interactive = _interactive() and not args.yes
    if not interactive:
        print("golive demo: no terminal (or --yes): the demo autopilot answers every question")
    print(f"demo folder: {workdir}")
    policy = Policy(
        yes=not interactive,
        interactive=interactive,
        rerun_after_rollback=not interactive,
        operator=operator_name(),
    )
    return _start(
        runbook, args, "rehearsal", journal_dir=os.getcwd(), policy=policy, finished=_demo_next
    )


def _demo_next(session: Session) -> None:
    """The demo never ends silently (the run screen leaves nothing behind when it closes):
    how it ended, and the commands that come next."""
    journal = shlex.quote(session.journal.path)
    outcome = session.state.outcome
    if outcome is None:
        return  # left open or stopped: both runners already name `golive resume J`
    print(f"\ndemo: the run {OUTCOME_WORDS.get(outcome, outcome)}; its journal is {journal}")
    print(f"  golive report {journal} -o demo-report.html   the post-implementation review")
    print(f"  golive review {journal}   look back over the run on the screen")


def _drive_with_hosts(
    session: Session, policy: Policy, keymap: Keymap | None = None, resumed: bool = False
) -> int:
    """Drive the run with local and SSH executors, monitoring every host meanwhile,
    on the TUI (given the user's keymap, maybe empty) or in the console (None). The
    connections close last."""
    pool = SshPool(known_hosts=session.runbook.known_hosts_path)
    history = list(read_events(session.journal.path, verify=False)) if resumed else None
    notifier = start_notifier(session, history)
    try:
        if keymap is not None:
            from golive.tui.run import run_tui

            return run_tui(session, HostExecutors(pool), pool, policy, resumed, keymap)
        monitor = watch_hosts(session, pool, None)
        return drive(
            session, HostExecutors(pool), policy, before_close=monitor.stop if monitor else None
        )
    finally:
        if notifier is not None:
            notifier.close()
        pool.close()
