"""golive notify test RUNBOOK / golive notify resend JOURNAL.

`test` sends one test message to each of a runbook's endpoints, before the night, and
prints what each answered. `resend` delivers what a journal says was queued and never
delivered (the run ended with an endpoint down), with the same message ids, so that a
receiver that saw one already can drop the duplicate. Both make one attempt per message
and print its result; neither writes the journal (a finished run's journal is sealed)."""

from __future__ import annotations

import argparse
import sys
import time

from golive.core.loader import load_runbook, load_runbook_text
from golive.core.notify import Facts, message_id
from golive.core.runbook import NotifyEndpoint, Runbook
from golive.core.templating import Values
from golive.core.text import visible
from golive.io.journal import JournalError, read_events
from golive.io.webhook import Answer, post
from golive.session.notify import build_request, facts_of, undelivered
from golive.session.variables import VariableError, parse_assignments, resolve_values

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def notify_command(args: argparse.Namespace) -> int:
    if args.notify_command == "test":
        return _test(args)
    return _resend(args)


def _values(runbook: Runbook, assignments: list[str]) -> Values | None:
    try:
        return resolve_values(runbook, parse_assignments(assignments), interactive=False)
    except VariableError as exc:
        print(f"golive: {exc}", file=sys.stderr)
        return None


def _send(endpoint: NotifyEndpoint, facts: Facts, msg_id: str, values: Values) -> bool:
    started = time.monotonic()
    try:
        url, body, headers = build_request(endpoint, facts, msg_id, values)
        answer = post(url, body, headers)
    except ValueError:
        answer = Answer(None, error="the signing secret is not base64 (whsec_...)")
    took = (time.monotonic() - started) * 1000
    ok = answer.status is not None and 200 <= answer.status < 300
    said = f"HTTP {answer.status}" if ok else answer.error or f"HTTP {answer.status}"
    print(f"  {visible(endpoint.name)} ({endpoint.format}): {'sent' if ok else 'FAILED'}, "
          f"{said} in {took:.0f} ms")  # fmt: skip
    return ok


def _test(args: argparse.Namespace) -> int:
    loaded = load_runbook(args.runbook)
    if loaded.runbook is None or loaded.errors:
        for problem in loaded.errors:
            print(problem.render(), file=sys.stderr)
        return EXIT_BAD_INPUT
    runbook = loaded.runbook
    if not runbook.notify:
        print(f"golive: {visible(args.runbook)} has no [[notify]] endpoint", file=sys.stderr)
        return EXIT_BAD_INPUT
    values = _values(runbook, args.var)
    if values is None:
        return EXIT_BAD_INPUT
    print(f"golive notify test: one test message to each endpoint of {visible(runbook.name)}")
    run = f"test-{int(time.time())}"
    results = []
    for endpoint in runbook.notify:
        facts = Facts(
            kind="test", runbook=runbook.name, mode="test", step=None,
            what="a test message from golive notify test", forecast_end=None,
            window_end=None, rollback_deadline=None, rollback_to=None, head="", run=run,
        )  # fmt: skip
        results.append(_send(endpoint, facts, message_id(run, 0, endpoint.name), values))
    return EXIT_OK if all(results) else EXIT_FAILED


def _resend(args: argparse.Namespace) -> int:
    try:
        history = list(read_events(args.journal, verify=False))
    except JournalError as exc:
        print(f"golive: {visible(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"golive: {visible(args.journal)}: cannot read the journal: {exc.strerror}",
              file=sys.stderr)  # fmt: skip
        return EXIT_BAD_INPUT
    first = next((e for e in history if e.get("type") == "run_started"), None)
    source = first.get("runbook_source") if first else None
    loaded = (
        load_runbook_text(str(first.get("runbook", "")), source)
        if first is not None and isinstance(source, str) and source
        else None
    )
    runbook = loaded.runbook if loaded is not None else None
    if first is None or runbook is None:
        print(f"golive: {visible(args.journal)}: not a golive run journal with its runbook",
              file=sys.stderr)  # fmt: skip
        return EXIT_BAD_INPUT
    values = _values(runbook, args.var)
    if values is None:
        return EXIT_BAD_INPUT
    left = undelivered(history)
    if not left:
        print("golive notify resend: every queued message was delivered")
        return EXIT_OK
    endpoints = {e.name: e for e in runbook.notify}
    print(f"golive notify resend: {len(left)} undelivered message(s), same ids as queued")
    results = []
    for queued in left:
        endpoint = endpoints.get(str(queued.get("notify")))
        if endpoint is None:
            print(f"  {visible(str(queued.get('notify')))}: no such endpoint in the runbook")
            results.append(False)
            continue
        results.append(_send(endpoint, facts_of(queued), str(queued["id"]), values))
    return EXIT_OK if all(results) else EXIT_FAILED
