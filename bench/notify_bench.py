"""What notifications cost the run, with one endpoint that never answers and one that
answers 429 with Retry-After: 2, on a real HTTP server on loopback.

  (a) journal appends: 1,000 events recorded through golive's Session (every tenth a
      failed step, which queues a message to each endpoint in the same fsync group),
      with the two bad endpoints and with no [[notify]] at all, in the same run; the
      p50 and p99 time of Session.record, and the p99 added (goal <= 5 ms)
  (b) a whole `golive run --console --yes` of a three-step runbook whose run_finished
      goes to the endpoint that never answers: from its run_finished to the process's
      exit (goal <= 3 s), beside the same run with no endpoint
  (c) the gap between a 429 and the next attempt (goal >= 2 s, what Retry-After says)
  (d) Slack: a burst of 500 failed steps to an endpoint that answers at once: posts per
      second (goal <= 1)

    python bench/notify_bench.py          # as above
    python bench/notify_bench.py --quick  # 300 events, a burst of 100
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from golive.core import events as ev  # noqa: E402
from golive.core.clock import SystemClock  # noqa: E402
from golive.core.events import event  # noqa: E402
from golive.core.loader import load_runbook  # noqa: E402
from golive.session.notify import start_notifier  # noqa: E402
from golive.session.session import RunOptions, Session, start_session  # noqa: E402
from golive.session.variables import resolve_values  # noqa: E402
from tests.webhook_server import WebhookServer  # noqa: E402

HEADER = """
[runbook]
name = "notify bench"
window = {{ start = "2026-11-28T22:00:00+00:00", duration = "8h" }}

[vars]
hang_url = {{ secret = true, env = "B_HANG" }}
busy_url = {{ secret = true, env = "B_BUSY" }}
slack_url = {{ secret = true, env = "B_SLACK" }}
key = {{ secret = true, env = "B_KEY" }}
{notify}
"""
BAD = """
[[notify]]
name = "never-answers"
format = "json"
url = "{{hang_url}}"
signing_secret = "{{key}}"
rehearsal = true
on = ["step_failed", "run_finished"]

[[notify]]
name = "busy"
format = "json"
url = "{{busy_url}}"
signing_secret = "{{key}}"
rehearsal = true
on = ["step_failed", "run_finished"]
"""
SLACK = """
[[notify]]
name = "war-room"
format = "slack"
url = "{{slack_url}}"
rehearsal = true
on = ["step_failed"]
"""


def steps(count: int, run: str = "true") -> str:
    return "".join(f'\n[[steps]]\nid = "s{n}"\nrun = "{run}"\nduration = "1s"\n'
                   for n in range(count))  # fmt: skip


def environment(server: WebhookServer) -> dict[str, str]:
    return {"B_HANG": server.url("/hang"), "B_BUSY": server.url("/busy"),
            "B_SLACK": server.url("/slack"),
            "B_KEY": "whsec_" + base64.b64encode(b"bench signing key").decode()}  # fmt: skip


def session_for(folder: Path, name: str, text: str, env: dict[str, str]) -> Session:
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    loaded = load_runbook(str(path))
    assert loaded.runbook is not None, [d.render() for d in loaded.errors]
    values = resolve_values(loaded.runbook, {}, environ=env)
    return start_session(loaded.runbook, str(folder / f"{name}.jsonl"), values, SystemClock(),
                         RunOptions(mode="rehearsal", operator="bench"))  # fmt: skip


def appends(session: Session, count: int) -> list[float]:
    """Seconds per Session.record for `count` events: output lines, and every tenth a
    step that fails (which queues a message to each endpoint that wants it)."""
    times = []
    for n in range(count):
        step = f"s{n // 10}"
        if n % 10 == 0:
            kind = event(ev.STEP_STARTED, step=step, action="run", attempt=1, command="true",
                         hosts=["local"], dry_run=False)  # fmt: skip
        elif n % 10 == 9:
            kind = event(ev.STEP_FINISHED, step=step, action="run", status="failed",
                         reason="exit status 1", exit=1)  # fmt: skip
        else:
            kind = event(ev.OUTPUT, step=step, action="run", host="local", stream="out",
                         line=f"line {n}")  # fmt: skip
        started = time.perf_counter()
        session.record(kind, sync=kind["type"] != ev.OUTPUT)
        times.append(time.perf_counter() - started)
    return times


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_to_exit(folder: Path, name: str, text: str, env: dict[str, str]) -> float:
    """Seconds from a whole run's completion (its last step's end) to its process's exit."""
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    journal = folder / f"{name}.jsonl"
    subprocess.run([sys.executable, "-m", "golive", "run", str(path), "--rehearsal", "--yes",
                    "--console", "--journal", str(journal)], env={**os.environ, **env},
                   capture_output=True, check=False, timeout=120)  # fmt: skip
    ended = time.time()
    recorded = [json.loads(line) for line in journal.read_text().splitlines()]
    assert recorded[-1]["type"] == "run_finished", recorded[-1]
    done = [e for e in recorded if e["type"] == "step_finished"][-1]
    return ended - datetime.fromisoformat(done["t"]).timestamp()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    count, burst = (300, 100) if args.quick else (1000, 500)
    server = WebhookServer()
    server.answer("/hang", "hang")
    server.answer("/busy", ("retry", 2))
    env = environment(server)
    with tempfile.TemporaryDirectory(prefix="golive-notify-bench-", dir=REPO) as tmp:
        folder = Path(tmp)
        # (a)
        plain = session_for(folder, "plain", HEADER.format(notify="") + steps(count // 10), env)
        bad = session_for(folder, "bad", HEADER.format(notify=BAD) + steps(count // 10), env)
        notifier = start_notifier(bad)
        time.sleep(1.0)  # as in a run: the notifier starts with the session, before a step
        started_a = time.monotonic()
        alone, told = appends(plain, count), appends(bad, count)
        plain.close()
        added = p(told, 0.99) - p(alone, 0.99)
        print(f"(a) {count} appends: no [[notify]] p50 {p(alone, 0.5) * 1e3:.2f} ms, p99 "
              f"{p(alone, 0.99) * 1e3:.2f} ms; two bad endpoints p50 {p(told, 0.5) * 1e3:.2f} ms, "
              f"p99 {p(told, 0.99) * 1e3:.2f} ms; added at p99 {added * 1e3:.2f} ms "
              f"(goal 5 ms: {added * 1e3 / 5:.2f}x)")  # fmt: skip
        # (b)
        quiet = run_to_exit(folder, "quiet", HEADER.format(notify="") + steps(3), env)
        other = {**env, "B_HANG": server.url("/hang-b"), "B_BUSY": server.url("/busy-b")}
        server.answer("/hang-b", "hang")
        server.answer("/busy-b", ("retry", 2))
        hung = run_to_exit(folder, "hung", HEADER.format(notify=BAD) + steps(3), other)
        print(f"(b) the run's last step done to exit: no endpoint {quiet:.2f} s; its news to one "
              f"that never answers and one that answers 429 {hung:.2f} s (goal 3 s: "
              f"{hung / 3:.2f}x)")  # fmt: skip
        # (c): (a)'s notifier has tried its first message again and again meanwhile
        time.sleep(max(0.0, 7.0 - (time.monotonic() - started_a)))
        assert notifier is not None
        notifier.close()
        bad.close()
        busy = server.at("/busy")  # (a)'s: one message tried again and again
        gaps = [b.at - a.at for a, b in itertools.pairwise(busy)
                if a.headers["webhook-id"] == b.headers["webhook-id"]]  # fmt: skip
        print(f"(c) 429 with Retry-After: 2 -> next attempt: min {min(gaps):.2f} s, median "
              f"{statistics.median(gaps):.2f} s over {len(gaps)} retries (goal >= 2 s)")  # fmt: skip
        # (d)
        slack = session_for(folder, "slack", HEADER.format(notify=SLACK) + steps(burst), env)
        notifier = start_notifier(slack)
        assert notifier is not None
        t0 = time.monotonic()
        for n in range(burst):
            slack.record(event(ev.STEP_FINISHED, step=f"s{n}", action="run", status="failed",
                               reason="exit status 1", exit=1))  # fmt: skip
        recorded = time.monotonic() - t0
        time.sleep(8)
        posts = server.at("/slack")
        notifier.close()
        slack.close()
        span = posts[-1].at - posts[0].at if len(posts) > 1 else 0.0
        rate = (len(posts) - 1) / span if span else float("nan")
        closest = min(b.at - a.at for a, b in itertools.pairwise(posts))
        print(f"(d) a burst of {burst} failed steps recorded in {recorded:.2f} s; Slack got "
              f"{len(posts)} posts in the next {span:.1f} s: {rate:.2f} posts/s, closest two "
              f"{closest:.2f} s apart (goal <= 1/s)")  # fmt: skip
    server.close()


if __name__ == "__main__":
    main()
