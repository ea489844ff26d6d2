"""The `golive` command."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
from collections.abc import Sequence

from golive import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="golive", description="Run, watch and roll back a cutover runbook."
    )
    parser.add_argument("--version", action="version", version=f"golive {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = sub.add_parser("check", help="check runbooks and summarise them")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.add_argument("--strict", action="store_true", help="warnings fail the check too")

    def run_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--journal",
            metavar="PATH",
            help="journal file (default: journals/NAME-TIME.jsonl beside the runbook)",
        )
        p.add_argument(
            "--var",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="set a variable (repeatable)",
        )
        p.add_argument(
            "--yes",
            action="store_true",
            help="confirm manual steps and pass gates without asking (rehearsals)",
        )
        p.add_argument(
            "--operator", default="", help="who is at the keyboard (default: your login)"
        )
        p.add_argument(
            "--console",
            action="store_true",
            help="plain terminal output instead of the full-screen TUI",
        )

    run = sub.add_parser("run", help="run a runbook")
    run.add_argument("runbook", metavar="RUNBOOK")
    mode = run.add_mutually_exclusive_group()
    mode.add_argument(
        "--rehearsal", action="store_true", help="a recorded rehearsal: the window opens now"
    )
    mode.add_argument("--dry-run", action="store_true", help="print every command, execute nothing")
    run_options(run)
    run.add_argument(
        "--outside-window",
        action="store_true",
        help="run LIVE although the change window is not open (journaled; the report says so)",
    )
    run.add_argument(
        "--inject-failure",
        action="append",
        default=[],
        metavar="STEP",
        help="fail this step on purpose to practise the failure path (rehearsals and dry runs only; repeatable)",
    )

    resume = sub.add_parser("resume", help="continue a run from its journal")
    resume.add_argument("journal", metavar="JOURNAL")
    resume.add_argument(
        "--runbook", metavar="PATH", help="the runbook, if it moved since the run started"
    )
    resume.add_argument(
        "--accept-changed-runbook",
        action="store_true",
        help="resume although the runbook changed (the diff is journaled)",
    )
    resume.add_argument(
        "--interrupted",
        choices=("rerun", "done", "rollback"),
        help="answer for steps the crash interrupted",
    )
    resume.add_argument(
        "--var", action="append", default=[], metavar="NAME=VALUE", help="secrets and new variables"
    )
    resume.add_argument("--yes", action="store_true", help="as for run")
    resume.add_argument("--operator", default="")
    resume.add_argument("--console", action="store_true")

    verify = sub.add_parser("verify", help="check a journal's hash chain and its seal")
    verify.add_argument("journal", metavar="JOURNAL")
    verify.add_argument(
        "--key",
        metavar="FILE",
        help="the journal key to check a keyed seal with (default: GOLIVE_JOURNAL_KEY, "
        "else ~/.config/golive/journal.key); given, the journal must be sealed with it",
    )
    verify.add_argument(
        "--no-key",
        action="store_true",
        help="check a journal recorded without a key as unkeyed, although a key is set up here",
    )
    verify.add_argument(
        "--expect-head",
        metavar="HASH",
        help="the head hash recorded at the end of the run (at least 12 hex digits)",
    )

    keys = sub.add_parser("keys", help="the key that seals journals")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    keys_init = keys_sub.add_parser(
        "init", help="create a journal key (never overwrites one); prints its key id"
    )
    keys_init.add_argument(
        "--key",
        metavar="PATH",
        help="where (default: GOLIVE_JOURNAL_KEY, else $XDG_CONFIG_HOME/golive/journal.key)",
    )

    demo = sub.add_parser("demo", help="rehearse the bundled demo cutover on this machine")
    demo.add_argument(
        "--journal", metavar="PATH", help="journal file (default: journals/demo-TIME.jsonl here)"
    )
    demo.add_argument(
        "--yes", action="store_true", help="answer every question as the demo autopilot would"
    )
    demo.add_argument("--console", action="store_true")

    monitor = sub.add_parser("monitor", help="watch CPU, memory and log error levels of every host")
    monitor.add_argument("runbook", metavar="RUNBOOK")
    shape = monitor.add_mutually_exclusive_group()
    shape.add_argument(
        "--console", action="store_true", help="a compact table every interval (the default)"
    )
    shape.add_argument("--json", action="store_true", help="one JSON line per host per interval")
    monitor.add_argument(
        "--duration",
        metavar="TIME",
        help='stop after this long, e.g. "10m" (default: until Ctrl-C)',
    )
    monitor.add_argument(
        "--record", metavar="FILE", help="write a baseline journal of samples and alerts"
    )

    hosts = sub.add_parser("hosts", help="SSH host keys of a runbook's hosts")
    hosts_sub = hosts.add_subparsers(dest="hosts_command", required=True, metavar="ACTION")
    trust = hosts_sub.add_parser(
        "trust", help="show host key fingerprints and ask before trusting them"
    )
    trust.add_argument("runbook", metavar="RUNBOOK")

    logs = sub.add_parser("logs", help="count the messages per log level in log files")
    logs.add_argument(
        "files", nargs="+", metavar="FILE", help='a log file ("-" for standard input)'
    )
    logs.add_argument("--json", action="store_true", help="one JSON object per file")

    review = sub.add_parser("review", help="look back over a recorded run (read-only TUI)")
    review.add_argument("journal", metavar="JOURNAL")

    follow = sub.add_parser(
        "follow", help="watch a run another golive drives (read-only TUI, writes nothing)"
    )
    follow.add_argument("journal", metavar="JOURNAL", nargs="?")
    follow.add_argument(
        "--compact", action="store_true", help="a few lines for a corner of a screen share"
    )
    status = sub.add_parser("status", help="a run's phase, forecast and deadline, once")
    status.add_argument("journal", metavar="JOURNAL")
    status.add_argument(
        "--json", action="store_true", help="one JSON object (docs/status-schema.md)"
    )
    serve = sub.add_parser("serve", help="the follow screen in a browser (textual-serve)")
    serve.add_argument("journal", metavar="JOURNAL")
    serve.add_argument("--port", type=_port, default=8022, help="default: 8022")
    serve.add_argument(
        "--bind", metavar="ADDR", help="address to listen on (default: 127.0.0.1, loopback only)"
    )

    notify = sub.add_parser("notify", help="the war room's notifications: test, resend")
    notify_sub = notify.add_subparsers(dest="notify_command", metavar="ACTION", required=True)
    notify_test = notify_sub.add_parser(
        "test", help="send one test message to each [[notify]] endpoint of a runbook"
    )
    notify_test.add_argument("runbook", metavar="RUNBOOK")
    notify_resend = notify_sub.add_parser(
        "resend", help="deliver what a journal queued and never delivered (same ids)"
    )
    notify_resend.add_argument("journal", metavar="JOURNAL")
    for action in (notify_test, notify_resend):
        action.add_argument(
            "--var", action="append", default=[], metavar="NAME=VALUE",
            help="set a variable (repeatable)",
        )  # fmt: skip

    report = sub.add_parser("report", help="the post-implementation review report of a run")
    report.add_argument("journal", metavar="JOURNAL")
    report.add_argument(
        "--format", choices=("html", "md", "json"), default="html", help="default: html"
    )
    report.add_argument(
        "-o", "--output", metavar="FILE", help="where to write it (default: standard output)"
    )

    drill = sub.add_parser(
        "drill", help="rehearse a rollback: run past a rollback point, roll back, prove it"
    )
    drill.add_argument("runbook", metavar="RUNBOOK")
    drill.add_argument("--to", required=True, metavar="POINT", help="the rollback point to drill")
    run_options(drill)
    drill.add_argument(
        "--inject-failure",
        action="append",
        default=[],
        metavar="STEP",
        help="fail this step on purpose (repeatable)",
    )

    compare = sub.add_parser("compare", help="compare runs of one runbook, step by step")
    compare.add_argument("journals", nargs="+", metavar="JOURNAL")
    compare.add_argument("--json", action="store_true", help="one JSON document")

    calibrate = sub.add_parser(
        "calibrate", help="a runbook whose planned durations come from measured runs"
    )
    calibrate.add_argument("runbook", metavar="RUNBOOK")
    calibrate.add_argument("journals", nargs="+", metavar="JOURNAL")
    calibrate.add_argument(
        "-o",
        "--output",
        metavar="NEW.toml",
        help="where to write it (default: only print the diff)",
    )
    calibrate.add_argument(
        "--percentile",
        type=float,
        default=90.0,
        metavar="P",
        help="which percentile of the measured durations to plan with (default: 90)",
    )

    new = sub.add_parser("new", help="write a commented starter runbook")
    new.add_argument("name", metavar="NAME")
    new.add_argument(
        "-o", "--output", metavar="FILE", help="where to write it (default: NAME.toml)"
    )
    return parser


def _thread_fault(args: threading.ExceptHookArgs) -> None:
    """The last resort: a fault in any thread is one sentence, never a traceback. (Step
    and host threads catch their own faults and journal them; this is for the rest.)
    If even that sentence cannot be written (stderr is gone, the exception's text
    fails), nothing is: the hook itself must never raise, or Python prints a traceback."""
    if args.exc_type is SystemExit:
        return
    try:
        name = args.thread.name if args.thread is not None else "a thread"
        print(
            f"golive: internal error in {name}: {args.exc_type.__name__}: {args.exc_value}",
            file=sys.stderr,
            flush=True,
        )
    except BaseException:  # the last resort has no one left to tell
        pass


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (1-65535)")
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    from golive.console.guard import guard_console

    guard_console()  # control characters in anything golive prints are shown, never obeyed
    threading.excepthook = _thread_fault
    args = build_parser().parse_args(argv)
    from golive.console.guard import ConsoleWriteError
    from golive.core.errors import GoliveError

    try:
        status = _dispatch(args)
        sys.stdout.flush()  # a failure to write the last of it is still reported here
        return status
    except KeyboardInterrupt:
        print("golive: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 1
    except GoliveError as exc:  # the one place a command's problem becomes a sentence
        print(f"golive: {exc}", file=sys.stderr)
        return exc.status
    except ConsoleWriteError as exc:
        _silence_stdout()
        # If stderr is gone too, the exit status alone has to say it.
        with contextlib.suppress(OSError):
            print(f"golive: {exc}; the output above is incomplete", file=sys.stderr)
        return 4


def _silence_stdout() -> None:
    """After stdout failed, interpreter exit must not try (and fail) to flush it again."""
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives until exit


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "check":
        from golive.commands.check import check_command

        return check_command(args.files, args.strict)
    if args.command == "verify":
        from golive.commands.verify import verify_command

        return verify_command(args.journal, args.key, args.expect_head, args.no_key)
    if args.command == "keys":
        from golive.commands.keys import keys_init_command

        return keys_init_command(args.key)
    if args.command == "monitor":
        from golive.commands.monitor import monitor_command

        return monitor_command(args)
    if args.command == "hosts":
        from golive.commands.hosts import trust_command

        return trust_command(args.runbook)
    if args.command == "logs":
        from golive.commands.logs import logs_command

        return logs_command(args.files, args.json)
    if args.command == "new":
        from golive.commands.new import new_command

        return new_command(args.name, args.output)
    if args.command == "review":
        from golive.commands.review import review_command

        return review_command(args)
    if args.command in ("follow", "status", "serve"):
        from golive.commands import follow as following

        command = {"follow": following.follow_command, "status": following.status_command}
        return command.get(args.command, following.serve_command)(args)
    if args.command == "notify":
        from golive.commands.notify import notify_command

        return notify_command(args)
    if args.command == "report":
        from golive.commands.report import report_command

        return report_command(args)
    if args.command == "drill":
        from golive.commands.drill import drill_command

        return drill_command(args)
    if args.command == "compare":
        from golive.commands.compare import compare_command

        return compare_command(args)
    if args.command == "calibrate":
        from golive.commands.calibrate import calibrate_command

        return calibrate_command(args)
    from golive.commands.run import demo_command, resume_command, run_command

    if args.command == "run":
        return run_command(args)
    if args.command == "resume":
        return resume_command(args)
    return demo_command(args)
