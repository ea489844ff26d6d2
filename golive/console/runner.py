"""The console loop: tick the conductor, answer questions, wait for events."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from golive.console.guard import guarded
from golive.console.operator import ConsoleOperator, NoAnswer, Policy
from golive.console.printer import ConsolePrinter, clock
from golive.core.engine import Question
from golive.core.runbook import Step
from golive.io.executor import ExecutorSet
from golive.io.journal import JournalError
from golive.session.conductor import Conductor
from golive.session.execution import StepExecution
from golive.session.run_loop import RunHooks, RunLoop
from golive.session.session import Session

EXIT_COMPLETED = 0
EXIT_ABORTED = 1
EXIT_BAD_INPUT = 2
EXIT_ROLLED_BACK = 3
EXIT_JOURNAL = 4
EXIT_LEFT_OPEN = 6  # the run screen was left with the run still open: golive resume continues
EXIT_INTERRUPTED = 130
OUTCOME_EXIT = {
    "completed": EXIT_COMPLETED,
    "aborted": EXIT_ABORTED,
    "rolled_back": EXIT_ROLLED_BACK,
}


def drive(
    session: Session,
    executors: ExecutorSet,
    policy: Policy,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    printer: ConsolePrinter | None = None,
    before_close: Callable[[], None] | None = None,
) -> int:
    """Run `session` to its end in the terminal; returns the exit status.

    `stdin` and `out` default to sys.stdin and sys.stdout as they are at the call (the
    console guard's, under `golive`); `out` is put behind the guard if it is not."""
    stdin = stdin if stdin is not None else sys.stdin
    out = guarded(out if out is not None else sys.stdout)
    printer = printer or next((p for p in session.listeners if isinstance(p, ConsolePrinter)), None)
    if printer is None:
        printer = ConsolePrinter(session, out)
        session.listeners.append(printer)
    conductor = Conductor(session, StepExecution(session, executors, dry_run=policy.dry_run))
    operator = ConsoleOperator(session, policy, stdin, out)
    loop = RunLoop(session, conductor, [operator], ConsoleHooks(printer), operator=policy.operator)
    try:
        loop.run()
    except JournalError as exc:
        print(f"golive: {exc}", file=sys.stderr)
        running = conductor.running_steps()
        if running:
            print(
                "golive: still running: " + ", ".join(f"{s.id} on {s.on}" for s in running),
                file=sys.stderr,
            )
        return EXIT_JOURNAL
    except KeyboardInterrupt:
        for line in interrupted_lines(
            conductor.running_steps(),
            "interrupted",
            f"  resume with: golive resume {session.journal.path}",
        ):
            printer.say(line)
        return EXIT_INTERRUPTED
    finally:
        if before_close is not None:
            before_close()
        session.close()
    return OUTCOME_EXIT.get(session.state.outcome or "", EXIT_ABORTED)


class ConsoleHooks(RunHooks):
    """What the console says while the loop drives the run."""

    def __init__(self, printer: ConsolePrinter) -> None:
        self.printer = printer
        self._waiting_note = ""

    def waiting(self, loop: RunLoop, seconds: float) -> None:
        session = loop.session
        note = f"  waiting {clock(session.wall(session.now_m() + seconds))} for not_before"
        if note != self._waiting_note:  # said once per time waited for
            self.printer.say(note)
            self._waiting_note = note

    def no_answer(self, loop: RunLoop, question: Question, problem: NoAnswer) -> None:
        self.printer.say(f"✘ {problem}")


def interrupted_lines(running: list[Step], headline: str, then: str) -> list[str]:
    """What Ctrl-C leaves behind, said plainly: golive never kills remote work silently."""
    lines = [f"\n✘ {headline}"]
    if running:
        lines.append(
            "  still running, not killed: " + ", ".join(f"{s.id} on {s.on}" for s in running)
        )
    return [*lines, then]
