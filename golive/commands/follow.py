"""golive follow / status / serve: the run another golive drives, for everyone watching.

All three read the journal the driver writes and nothing else (session.follow): no
lock, no write. `follow` is the run screen without its keys (or, with --compact, a few
lines for a corner of a screen share), `status` the same few facts once, as text or
JSON, and `serve` the follow screen in a browser through textual-serve, one follower
process per browser."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import socket
import sys
from datetime import datetime

from golive.commands import screen_streams
from golive.core.errors import GoliveError
from golive.core.text import visible
from golive.io.journal import JournalError
from golive.session.follow import Follower
from golive.session.status import run_status

LOOPBACK = "127.0.0.1"
DEFAULT_PORT = 8022
_LOOPBACKS = ("127.0.0.1", "localhost", "::1")


class NotARunJournal(GoliveError):
    status = 2


def _opened(path: str) -> tuple[Follower, list[dict[str, object]]]:
    """The follower with the journal read so far, or a sentence and exit status 2."""
    if os.path.isdir(path):
        raise NotARunJournal(f"{path}: is a directory, not a journal")
    try:
        follower = Follower(path)
        history = follower.poll()
    except JournalError as exc:
        raise NotARunJournal(str(exc)) from None
    if follower.runbook is None:
        follower.close()
        problem = f" ({follower.tail.problem})" if follower.tail.problem else ""
        raise NotARunJournal(
            f"{path}: not a golive run journal, or not started yet (no run_started event){problem}"
        )
    return follower, history


def _web_driver() -> bool:
    """Started by `golive serve`: textual-serve's web driver draws, not a terminal."""
    return "web_driver" in os.environ.get("TEXTUAL_DRIVER", "")


SERVED_JOURNAL = "GOLIVE_SERVED_JOURNAL"  # how `golive serve` names the journal to follow


def follow_command(args: argparse.Namespace) -> int:
    # golive serve hands the path over in the environment, not on textual-serve's command
    # line (which it prints through Rich's markup, and runs through a shell).
    path: str | None = args.journal or os.environ.get(SERVED_JOURNAL)
    if not path:
        print("golive: follow needs a JOURNAL", file=sys.stderr)
        return 2
    follower, history = _opened(path)
    if not _web_driver() and not screen_streams():
        follower.close()
        print(
            "golive: follow is a full-screen view and needs a terminal on stdin, stdout and "
            f"stderr; without one, use: golive status {visible(path)}",
            file=sys.stderr,
        )
        return 2
    from golive.tui.follow_app import FollowApp
    from golive.tui.keymap import user_keymap

    app = FollowApp(follower, history, compact=args.compact)
    keymap = user_keymap()
    if keymap:
        app.set_keymap(keymap)
    try:
        app.run()
    finally:
        follower.close()
    return app.return_code or 0


def status_command(args: argparse.Namespace) -> int:
    follower, _ = _opened(args.journal)
    try:
        followed = follower.followed(datetime.now().astimezone())
    except JournalError as exc:
        raise NotARunJournal(str(exc)) from None
    finally:
        follower.close()
    assert followed is not None and follower.runbook is not None  # _opened read run_started
    status = run_status(follower.runbook, followed)
    if args.json:
        print(json.dumps(status.to_json(), ensure_ascii=False))
        return 0
    from golive.tui.status_text import status_lines

    for line in status_lines(status):
        print(line)
    return 0


def serve_command(args: argparse.Namespace) -> int:
    path: str = os.path.abspath(args.journal)
    follower, _ = _opened(path)  # a journal that cannot be followed is said here, once
    follower.close()
    bind: str = args.bind or LOOPBACK
    if bind not in _LOOPBACKS:
        print(
            f"golive: WARNING: serving on {visible(bind)}: textual-serve has no "
            "authentication, so anyone who can reach this address sees the run; "
            "prefer the default (127.0.0.1) and `ssh -L` to share it",
            file=sys.stderr,
        )
    problem = _cannot_listen(bind, args.port)
    if problem:
        print(f"golive: cannot listen on {visible(bind)} port {args.port}: {problem}",
              file=sys.stderr)  # fmt: skip
        return 2
    from textual_serve.server import Server

    # Each browser gets its own follower process (textual-serve starts the command per
    # connection); the path goes in the environment, so the command is golive's own words.
    os.environ[SERVED_JOURNAL] = path
    command = shlex.join([sys.executable, "-m", "golive", "follow"])
    name = os.path.basename(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    title = f"golive follow {visible(name)}"
    print(f"golive: serving {visible(path)} read-only on http://{visible(bind)}:{args.port}/")
    sys.stdout.flush()
    Server(command, host=bind, port=args.port, title=title).serve()
    return 0


def _cannot_listen(bind: str, port: int) -> str:
    """Why `bind`:`port` cannot be listened on ("" when it can): a port in use, an
    address not on this machine, a name that does not resolve."""
    try:
        infos = socket.getaddrinfo(bind, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        return f"the address does not resolve ({exc})"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            return exc.strerror or str(exc)
    return ""
