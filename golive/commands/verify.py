"""golive verify JOURNAL [--key FILE] [--expect-head HASH]

Exit status: 0 an intact, sealed journal (the message says how it is protected);
1 tampering (a broken chain, a seal that does not hold, lines after the seal, another
head than expected, or --key given and the journal not sealed with it); 2 bad input;
5 an intact chain that ends without its seal (cut, or still being written).
"""

from __future__ import annotations

import re
import sys

from golive.io.journal import (
    FINAL_EVENTS,
    KEY_ENV,
    JournalError,
    JournalKey,
    JournalKeyError,
    Verification,
    find_key,
    load_key,
    lock_holder,
    verify_journal,
)

EXIT_OK = 0
EXIT_TAMPERED = 1
EXIT_BAD_INPUT = 2
EXIT_UNSEALED = 5

HEAD_SHOWN = 12  # the console prints the head's first 12 hex digits
_HEAD = re.compile(r"[0-9a-f]{12,32}")


def verify_command(
    path: str, key_file: str | None = None, expect_head: str | None = None, no_key: bool = False
) -> int:
    expected = expect_head.strip().lower() if expect_head is not None else None
    if expected is not None and not _HEAD.fullmatch(expected):
        return _bad(
            f"--expect-head {expect_head}: give the journal's head hash, "
            f"{HEAD_SHOWN} to 32 hex digits (the console prints it at the end of a run)"
        )
    # A key that is set up here (--key, GOLIVE_JOURNAL_KEY or the default file) is the
    # key the journal must be sealed with: a forger without it can only write an
    # unkeyed seal or one with a key of their own. --no-key checks a journal recorded
    # elsewhere without a key, and says what that proves.
    given: JournalKey | None = None
    if not no_key:
        try:
            given = load_key(key_file) if key_file is not None else find_key()
        except JournalKeyError as exc:
            return _bad(str(exc))
    try:
        report = verify_journal(path)
    except JournalError as exc:
        return _bad(str(exc))
    if not report.journal_like:
        return _bad(f"{path}: not a golive journal (its first line is not a journal event)")
    if report.broken_line is not None:
        print(f"{path}:{report.broken_line}: {report.problem}", file=sys.stderr)
        print(f"{path}: {report.events} events verified before the break", file=sys.stderr)
        return EXIT_TAMPERED
    head = report.tail.prev if report.tail is not None else ""
    if expected is not None and not head.startswith(expected):
        return _tampered(
            f"{path}: the head is {head[:HEAD_SHOWN] or '(none)'}, not the expected {expected}: "
            "this is not the journal whose head was recorded (changed, cut or added to since)"
        )
    if report.torn_line is not None:
        print(
            f"{path}:{report.torn_line}: torn last line (golive stopped while writing it); "
            "tolerated, resume cuts it off"
        )
    if report.seal is None:
        return _unsealed(report, head)
    return _sealed(report, head, given, expected is not None)


def _sealed(report: Verification, head: str, given: JournalKey | None, pinned: bool) -> int:
    path, seal = report.path, report.seal
    assert seal is not None
    shown = head[:HEAD_SHOWN]
    intact = f"{path}: ok, {report.events} events, chain intact, sealed, head {shown}"
    pin = (
        f"the head matches the expected {shown}"
        if pinned
        else f"compare the head hash {shown} with the one recorded at the end of the run"
    )
    if seal.key_id is None:
        if given is not None:
            return _tampered(
                f"{path}: the seal is unkeyed, but this machine's journal key is {given.id} "
                f"({given.path}): a journal sealed with it was rewritten by someone without it; "
                "if this journal was recorded without a key, check it with --no-key"
            )
        if report.started_key_id is not None:
            return _tampered(
                f"{path}: the run started with journal key {report.started_key_id} but its seal "
                "is unkeyed: the journal was rewritten by someone without the key"
            )
        print(intact)
        print(f"unkeyed: anyone who can write this file could rewrite it; {pin}")
        return EXIT_OK
    key = given
    if key is None or key.id != seal.key_id:
        if given is not None:
            return _tampered(
                f"{path}: sealed with key {seal.key_id}, not with this machine's key {given.id} "
                f"({given.path}): rewritten and resealed by someone without it, or recorded with "
                "another key (give that one with --key FILE)"
            )
        why = "there is no journal key here, or --no-key was given"
        print(intact)
        print(
            f"the keyed seal (key {seal.key_id}) could not be checked: {why}; give the key with "
            f"--key FILE or {KEY_ENV}=FILE. Until then it is as good as unkeyed: anyone who can "
            f"write this file could rewrite it; {pin}"
        )
        return EXIT_OK
    if not seal.matches(key):
        return _tampered(
            f"{path}:{seal.line}: the keyed seal does not match its line: the last line was "
            "edited, or the journal rewritten by someone without the key"
        )
    print(
        f"{path}: ok, {report.events} events, chain intact, keyed seal verified (key {key.id}), head {shown}"
    )
    return EXIT_OK


def _unsealed(report: Verification, head: str) -> int:
    path = report.path
    if report.events == 0:
        print(
            f"{path}: unsealed: no complete event (cut, or golive stopped before writing the first)"
        )
        return EXIT_UNSEALED
    holder = lock_holder(path)
    how = (
        f"being written now by golive pid {holder}"
        if holder is not None
        else "cut, or still being written"
    )
    last = report.last_type + (f" {report.last_step}" if report.last_step else "")
    if report.last_type in FINAL_EVENTS:
        # golive seals the event that ends a journal: without one, an older golive wrote it,
        # or the seal was taken off.
        how = "it ends the journal but carries no seal (written by an older golive, or its seal removed)"
    print(
        f"{path}:{report.events}: the journal ends here without its seal (last event: {last}): {how}"
    )
    print(
        f"{path}: unsealed, {report.events} events, chain intact, head {head[:HEAD_SHOWN]}; "
        "a run that was killed or stopped with Ctrl-C stays unsealed until golive resume ends it"
    )
    return EXIT_UNSEALED


def _tampered(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_TAMPERED


def _bad(message: str) -> int:
    print(f"golive: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT
