"""Notifications: the formats and the signature alone, then real runs posting to a real
HTTP server on loopback (tests/webhook_server.py), one that answers 200, 429 with
Retry-After, or never; a golive killed mid-delivery and resumed."""

from __future__ import annotations

import base64
import json
import random
import signal
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from standardwebhooks import Webhook
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from golive.core import events as ev
from golive.core.clock import SystemClock
from golive.core.events import event
from golive.core.notify import (
    BACKOFF_CAP,
    Facts,
    backoff,
    body_bytes,
    payload,
    retry_after,
    retryable,
    sign,
)
from golive.core.runbook import NotifyEndpoint
from golive.session import notify
from golive.session.follow import Follower
from golive.session.notify import Notifier
from golive.session.session import RunOptions, Session, start_session
from golive.session.variables import resolve_values
from golive.tui.follow_app import FollowApp
from golive.tui.widgets.header_bar import HeaderBar
from tests.helpers import events, golive, of_type, spawn, wait_until, write_runbook
from tests.test_tui import load, wait_for
from tests.webhook_server import WebhookServer, webhooks

__all__ = ["webhooks"]  # a fixture used here by name

FACTS = Facts(
    kind="step_failed", runbook="ERP <cutover> & co", mode="live", step="migrate",
    what="step failed: exit status 3", forecast_end="2026-11-29T01:40:00+01:00",
    window_end="2026-11-29T02:00:00+01:00", rollback_deadline="2026-11-29T01:10:00+01:00",
    rollback_to="backup", head="0123456789abcdef0123456789abcdef", run="f" * 32,
)  # fmt: skip
SECRET = "whsec_" + base64.b64encode(b"a signing key of thirty-two b!!").decode()


def endpoint(kind: str, **more: object) -> NotifyEndpoint:
    return NotifyEndpoint(name="x", format=kind, url="{{u}}", on=("step_failed",), **more)  # type: ignore[arg-type]


# -- the formats, alone ---------------------------------------------------------------------
def test_slack_has_the_text_a_phone_shows_and_blocks() -> None:
    body = payload(endpoint("slack"), FACTS)
    assert (
        body["text"] == "[LIVE] ERP &lt;cutover&gt; &amp; co · migrate: step failed: exit status 3"
    )
    assert body["mrkdwn"] is False  # a * or _ in a runbook's name is not formatting
    assert body["blocks"][0]["type"] == "section" and body["blocks"][1]["type"] == "context"
    assert body["blocks"][0]["text"]["type"] == "plain_text"
    context = " ".join(e["text"] for e in body["blocks"][1]["elements"])
    assert "rollback by" in context and "backup" in context and "0123456789ab" in context


def test_teams_is_an_adaptive_card_in_a_message_envelope() -> None:
    body = payload(endpoint("teams"), FACTS)
    assert body["type"] == "message"
    (attachment,) = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    # Text runs only: Teams reads a TextBlock's text (and a fact's) as markdown.
    runs = [run for block in card["body"] for run in block["inlines"]]
    assert {block["type"] for block in card["body"]} == {"RichTextBlock"}
    assert {run["type"] for run in runs} == {"TextRun"}
    assert runs[0]["text"].startswith("[LIVE] ERP <cutover>")
    said = "".join(run["text"] for run in runs)
    assert "Step: migrate" in said and "Journal head: 0123456789ab" in said


def test_runbook_text_reaches_a_chat_as_text() -> None:
    hostile = Facts(
        **{**FACTS.__dict__, "runbook": "ERP [link](https://evil.example) *b* \x1b[31m",
           "what": "step failed: <!channel> <https://evil.example|click>"}
    )  # fmt: skip
    slack = payload(endpoint("slack"), hostile)
    shown = json.dumps(slack)
    assert "<!channel>" not in shown and "<https://evil" not in shown
    assert "\x1b" not in slack["text"] and "\\x1b[31m" in slack["text"]  # shown, not obeyed
    teams = payload(endpoint("teams"), hostile)["attachments"][0]["content"]
    runs = [run["text"] for block in teams["body"] for run in block["inlines"]]
    assert all("\x1b" not in text for text in runs)
    assert any("[link](https://evil.example)" in text for text in runs)  # a TextRun: text


def test_pagerduty_triggers_with_a_dedup_key_and_resolves_with_the_same() -> None:
    pd = endpoint("pagerduty", resolve_on=("run_finished",))
    trigger = payload(pd, FACTS, routing_key="R" * 32)
    assert trigger["routing_key"] == "R" * 32 and trigger["event_action"] == "trigger"
    assert trigger["payload"]["severity"] in ("critical", "error", "warning", "info")
    assert trigger["payload"]["summary"] and trigger["payload"]["source"]
    assert trigger["dedup_key"] == "golive-" + "f" * 16 + "-step_failed-migrate"
    finished = Facts(**{**FACTS.__dict__, "kind": "run_finished", "dedup": trigger["dedup_key"]})
    resolve = payload(pd, finished, routing_key="R" * 32)
    assert resolve["event_action"] == "resolve" and "payload" not in resolve
    assert resolve["dedup_key"] == trigger["dedup_key"]


@pytest.mark.parametrize("kind", ["slack", "teams", "pagerduty", "json"])
def test_each_format_s_payload_is_as_recorded(kind: str, snapshot: SnapshotAssertion) -> None:
    """The whole body, byte for byte, as reviewed against each service's documented fields
    (Slack: text and blocks; Teams: an Adaptive Card 1.4 in a message envelope; PagerDuty
    Events v2: routing_key, event_action, dedup_key, payload.summary/source/severity)."""
    key = "R" * 32 if kind == "pagerduty" else ""
    body = json.loads(body_bytes(payload(endpoint(kind), FACTS, routing_key=key)))
    assert body == snapshot(extension_class=JSONSnapshotExtension)


def test_the_signature_is_the_standard_webhooks_one() -> None:
    body = body_bytes(payload(endpoint("json"), FACTS))
    stamp = int(time.time())
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(stamp),
               "webhook-signature": sign(SECRET, "msg_1", stamp, body)}  # fmt: skip
    assert Webhook(SECRET).verify(body, headers) == json.loads(body)
    headers["webhook-signature"] = sign(SECRET, "msg_2", stamp, body)
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(SECRET).verify(body, headers)


def test_retries_back_off_with_full_jitter_and_honour_retry_after() -> None:
    rng = random.Random(7)
    waits = [backoff(n, rng) for n in range(1, 12)]
    assert all(0 <= w <= min(BACKOFF_CAP, 2 ** (n - 1)) for n, w in enumerate(waits, 1))
    assert len(set(waits)) == len(waits)  # jittered
    now = datetime(2026, 11, 28, 22, 0, tzinfo=UTC)
    assert retry_after("2", now) == 2.0
    assert retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30.0
    assert retry_after("soon", now) is None and retry_after(None, now) is None
    # HTTP's other date forms: asctime, and -0000 (both UTC; Python reads them as naive).
    assert retry_after("Sat Nov 28 22:00:30 2026", now) == 30.0
    assert retry_after("Sat, 28 Nov 2026 22:01:00 -0000", now) == 60.0
    assert [retryable(s) for s in (None, 408, 429, 500, 503, 400, 404, 200)] == [
        True, True, True, True, True, False, False, False,
    ]  # fmt: skip


def test_check_says_where_a_notify_table_is_wrong(tmp_path: Path) -> None:
    write_runbook(
        tmp_path,
        """
        [vars]
        hook = { secret = true, env = "HOOK" }
        plain = "text"

        [[notify]]
        name = "war-room"
        format = "slack"
        url = "https://hooks.slack.example/T000/B000/XXXX"
        on = ["step_failed"]

        [[notify]]
        name = "on-call"
        format = "teams"
        url = "{{plain}}"
        on = ["coffee_break"]

        [[steps]]
        id = "a"
        run = "true"
        """,
    )
    result = golive("check", tmp_path / "rb.toml")
    assert result.returncode == 2, result.stdout + result.stderr
    said = result.stdout + result.stderr
    assert "rb.toml:13: url must be one secret variable" in said
    assert "rb.toml:19: url must be one secret variable" in said
    assert "rb.toml:20: 'coffee_break' is not something golive notifies" in said
    assert "hooks.slack.example" not in said.split("rb.toml:13:")[1].split("\n")[0]


# -- real runs, a real server --------------------------------------------------------------
NOTIFY = """
[vars]
slack_url = {{ secret = true, env = "T_SLACK" }}
teams_url = {{ secret = true, env = "T_TEAMS" }}
pd_key = {{ secret = true, env = "T_PD" }}
hook_url = {{ secret = true, env = "T_HOOK" }}
hook_secret = {{ secret = true, env = "T_SIG" }}
pd_url = {{ secret = true, env = "T_PD_URL" }}

[[notify]]
name = "war-room"
format = "slack"
url = "{{{{slack_url}}}}"
rehearsal = true
on = ["step_failed", "gate_waiting", "rollback_started", "run_finished"]

[[notify]]
name = "managers"
format = "teams"
url = "{{{{teams_url}}}}"
rehearsal = true
on = ["run_finished"]

[[notify]]
name = "bot"
format = "json"
url = "{{{{hook_url}}}}"
signing_secret = "{{{{hook_secret}}}}"
rehearsal = true
on = ["step_failed", "gate_waiting", "run_finished"]

[[notify]]
name = "on-call"
format = "pagerduty"
url = "{{{{pd_url}}}}"
routing_key = "{{{{pd_key}}}}"
rehearsal = true
on = ["step_failed"]
resolve_on = ["run_finished"]
{extra}
[hosts.box]
local = true

[[steps]]
id = "backup"
run = "echo backed up"
rollback = "echo restored"
rollback_point = true
duration = "5s"

[[steps]]
id = "go"
kind = "gate"
instructions = "go?"
duration = "1m"

[[steps]]
id = "migrate"
run = "{migrate}"
rollback = "echo undone"
duration = "10s"
"""


def environment(server: WebhookServer) -> dict[str, str]:
    return {"T_SLACK": server.url("/slack"), "T_TEAMS": server.url("/teams"),
            "T_PD": "pd-routing-key-0123456789abcdef", "T_HOOK": server.url("/hook"),
            "T_SIG": SECRET, "T_PD_URL": server.url("/pd")}  # fmt: skip


def notify_runbook(folder: Path, migrate: str = "echo migrated", extra: str = "") -> Path:
    return write_runbook(folder, NOTIFY.format(migrate=migrate, extra=extra))


@pytest.mark.slow
def test_a_run_tells_each_endpoint_in_its_format_and_journals_each_delivery(
    tmp_path: Path, webhooks: WebhookServer
) -> None:
    notify_runbook(tmp_path, migrate="exit 3")
    journal = tmp_path / "run.jsonl"
    env = environment(webhooks)
    result = golive("run", tmp_path / "rb.toml", "--rehearsal", "--yes", "--console",
                    "--journal", journal, env=env)  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr  # --yes aborts on the failure
    slack = [r.json()["text"] for r in webhooks.at("/slack")]
    assert any("go: go/no-go gate waits" in t for t in slack), slack
    assert any("migrate: step failed: exit status 3" in t for t in slack), slack
    # Slack takes one message a second: the run's end, a second after the failure, is
    # either sent or journaled as undelivered when the run ended (resend delivers it).
    slack_end = [e for e in of_type(journal, "notify_queued", notify="war-room")
                 if e["news"] == "run_finished"]  # fmt: skip
    assert any("run aborted" in t for t in slack) or of_type(
        journal, "notify_failed", id=slack_end[0]["id"], final=False
    ), slack
    assert [r.json()["type"] for r in webhooks.at("/teams")] == ["message"]
    pd = [r.json() for r in webhooks.at("/pd")]
    assert [p["event_action"] for p in pd] == ["trigger", "resolve"]
    assert pd[1]["dedup_key"] == pd[0]["dedup_key"]  # the run's end resolves the incident
    assert pd[0]["payload"]["class"] == "step_failed" and "migrate" in pd[0]["dedup_key"]
    assert {p["routing_key"] for p in pd} == {env["T_PD"]}
    hooks = webhooks.at("/hook")
    assert [r.json()["type"] for r in hooks] == [
        "golive.gate_waiting", "golive.step_failed", "golive.run_finished",
    ]  # fmt: skip
    for request in hooks:  # the receiver checks every signature, as Standard Webhooks says
        assert Webhook(SECRET).verify(request.body, request.headers)
    queued = of_type(journal, "notify_queued")
    sent = {e["id"]: e for e in of_type(journal, "notify_sent")}
    left = {e["id"] for e in of_type(journal, "notify_failed", final=False)}
    assert len(webhooks.received) == len(sent) and set(sent) | left == {q["id"] for q in queued}
    assert all(e["status"] == 200 for e in sent.values())
    assert {r.headers["webhook-id"] for r in hooks} <= set(sent)
    # Each message names the journal's head as it was queued (its notify_queued's prev),
    # the cause included: the cause is recorded first, its message right after it.
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    failed = next(r for r in hooks if r.json()["type"] == "golive.step_failed")
    at = next(i for i, e in enumerate(lines) if e.get("id") == failed.headers["webhook-id"])
    assert failed.json()["data"]["head"] == lines[at]["prev"]
    cause = next(e for e in lines if e["seq"] == lines[at]["cause_seq"])
    assert cause["type"] == "step_finished" and cause["status"] == "failed"
    assert all(e["type"] == "notify_queued" for e in lines[cause["seq"] + 1 : at + 1])
    # No secret in any byte golive wrote or said.
    report = golive("report", journal, "--format", "json").stdout
    everything = journal.read_bytes() + (result.stdout + result.stderr + report).encode()
    for secret in env.values():
        assert secret.encode() not in everything, secret


@pytest.mark.slow
def test_a_429_is_tried_again_after_retry_after(tmp_path: Path, webhooks: WebhookServer) -> None:
    webhooks.answer("/slack", ("retry", 2), 200)
    notify_runbook(tmp_path, migrate="sleep 4")  # the retry comes while the run still runs
    journal = tmp_path / "run.jsonl"
    result = golive("run", tmp_path / "rb.toml", "--rehearsal", "--yes", "--console",
                    "--journal", journal, env=environment(webhooks))  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    first, second = webhooks.at("/slack")[:2]
    assert first.body == second.body
    assert second.at - first.at >= 2.0  # never sooner than the server asked
    failed = of_type(journal, "notify_failed", notify="war-room")
    assert failed[0]["status"] == 429 and failed[0]["final"] is False
    assert failed[0]["retry_in"] >= 2.0
    sent = of_type(journal, "notify_sent", id=failed[0]["id"])
    assert sent and sent[0]["attempts"] == 2


@pytest.mark.slow
def test_an_endpoint_that_never_answers_holds_back_no_step(
    tmp_path: Path, webhooks: WebhookServer
) -> None:
    webhooks.answer("/slack", "hang")
    notify_runbook(tmp_path)
    journal = tmp_path / "run.jsonl"
    result = golive("run", tmp_path / "rb.toml", "--rehearsal", "--yes", "--console",
                    "--journal", journal, env=environment(webhooks))  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    recorded = events(journal)
    kinds = [e["type"] for e in recorded]
    # The gate's message was taken by the server and never answered; the run went on:
    # the steps after the gate started and finished while it hung.
    assert webhooks.at("/slack"), "the server never saw the message"
    gate_queued = next(i for i, e in enumerate(recorded) if e["type"] == "notify_queued"
                       and e["notify"] == "war-room" and e["news"] == "gate_waiting")  # fmt: skip
    after = kinds[gate_queued:]
    assert "step_finished" in after and after[-1] == "run_finished"
    assert not of_type(journal, "notify_sent", notify="war-room")
    left = of_type(journal, "notify_failed", notify="war-room")
    assert left and "undelivered when the run ended" in left[-1]["error"]
    assert of_type(journal, "notify_sent", notify="bot")  # the other endpoints were told
    # Later, with the endpoint back: what the journal says is undelivered goes out again.
    hung = webhooks.at("/slack")[0].body
    webhooks.answer("/slack", 200)
    resent = golive("notify", "resend", journal, env=environment(webhooks))
    assert resent.returncode == 0, resent.stdout + resent.stderr
    assert "war-room (slack): sent, HTTP 200" in resent.stdout
    assert hung in [r.body for r in webhooks.at("/slack")[1:]]  # the same message again


def test_notify_test_sends_one_message_to_each_endpoint(
    tmp_path: Path, webhooks: WebhookServer
) -> None:
    notify_runbook(tmp_path)
    webhooks.answer("/teams", 500)
    result = golive("notify", "test", tmp_path / "rb.toml", env=environment(webhooks))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "war-room (slack): sent, HTTP 200" in result.stdout
    assert "managers (teams): FAILED, HTTP 500" in result.stdout
    assert "bot (json): sent" in result.stdout and "on-call (pagerduty): sent" in result.stdout
    for path in ("/slack", "/teams", "/hook", "/pd"):
        assert len(webhooks.at(path)) == 1, path
    assert Webhook(SECRET).verify(webhooks.at("/hook")[0].body, webhooks.at("/hook")[0].headers)
    for secret in environment(webhooks).values():
        assert secret not in result.stdout + result.stderr


@pytest.mark.slow
def test_killed_during_a_delivery_resume_delivers_with_the_same_id(
    tmp_path: Path, webhooks: WebhookServer
) -> None:
    webhooks.answer("/hook", "hang")
    notify_runbook(tmp_path, migrate="sleep 60")
    journal = tmp_path / "run.jsonl"
    env = environment(webhooks)
    driver = spawn("run", tmp_path / "rb.toml", "--rehearsal", "--yes", "--journal", journal,
                   env=env)  # fmt: skip
    try:
        wait_until(lambda: bool(webhooks.at("/hook")), what="a delivery in flight")
        wait_until(lambda: journal.exists() and bool(of_type(journal, "step_started",
                                                             step="migrate")),
                   what="the long step")  # fmt: skip
    finally:
        driver.send_signal(signal.SIGKILL)
        driver.communicate(timeout=10)
    in_flight = webhooks.at("/hook")[0].headers["webhook-id"]
    webhooks.answer("/hook", 200)
    resumed = golive("resume", journal, "--interrupted", "done", "--yes", env=env)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    ids = [r.headers["webhook-id"] for r in webhooks.at("/hook")]
    assert ids[0] == in_flight and ids.count(in_flight) == 2  # again, with the same id
    assert len(ids) == len(set(ids)) + 1  # that one only: nothing else twice
    assert of_type(journal, "notify_sent", id=in_flight)
    for request in webhooks.at("/hook"):
        assert Webhook(SECRET).verify(request.body, request.headers)


# -- the workers, in this process, against the real server ----------------------------------
class NoJitter(random.Random):
    """Backoff with no wait at all: the retries follow each other at once."""

    def uniform(self, a: float, b: float) -> float:
        return 0.0


def failing_steps(folder: Path, count: int) -> Path:
    steps = "".join(f'\n[[steps]]\nid = "s{n}"\nrun = "true"\nduration = "1s"\n'
                    for n in range(count))  # fmt: skip
    return write_runbook(folder, NOTIFY.split("[hosts.box]")[0].format(extra="") + steps)


def notifying_session(folder: Path, server: WebhookServer, count: int) -> tuple[Session, Notifier]:
    runbook = load(failing_steps(folder, count))
    values = resolve_values(runbook, {}, environ=environment(server))
    session = start_session(runbook, str(folder / "run.jsonl"), values, SystemClock(),
                            RunOptions(mode="rehearsal", operator="alice"))  # fmt: skip
    notifier = Notifier(session, values, rng=NoJitter())
    session.companions.append(notifier)
    session.listeners.append(notifier.listen)
    notifier.start()
    return session, notifier


def fail(session: Session, step: str) -> None:
    session.record(event(ev.STEP_STARTED, step=step, action="run", attempt=1, command="true",
                         hosts=["local"], dry_run=False))  # fmt: skip
    session.record(event(ev.STEP_FINISHED, step=step, action="run", status="failed",
                         reason="exit status 1", exit=1))  # fmt: skip


@pytest.mark.slow
async def test_an_endpoint_down_opens_its_circuit_shown_in_the_header_then_closes(
    tmp_path: Path, webhooks: WebhookServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notify, "BREAKER_COOLDOWN", 0.5)
    webhooks.answer("/slack", 500)
    session, notifier = notifying_session(tmp_path, webhooks, 1)
    journal = Path(session.journal.path)
    try:
        fail(session, "s0")
        wait_until(lambda: bool(of_type(journal, "alert", host="notify:war-room",
                                        status="raised")), what="the circuit to open")  # fmt: skip
        assert len(webhooks.at("/slack")) == notify.BREAKER_AFTER
        # The run's screen says so, on its second header line (a follower shows it here).
        snapshot = tmp_path / "snapshot.jsonl"
        snapshot.write_bytes(journal.read_bytes())
        follower = Follower(str(snapshot))
        app = FollowApp(follower, follower.poll())
        async with app.run_test(size=(100, 30)) as pilot:
            header = app.query_one(HeaderBar)
            await wait_for(pilot, lambda: "war-room DOWN" in str(header.render()), "DOWN")
        follower.close()
        webhooks.answer("/slack", 200)
        wait_until(lambda: bool(of_type(journal, "alert", host="notify:war-room",
                                        status="cleared")), what="the circuit to close")  # fmt: skip
        sent = of_type(journal, "notify_sent", notify="war-room")
        assert sent and sent[0]["attempts"] == notify.BREAKER_AFTER + 1
    finally:
        notifier.close()
        session.close()


@pytest.mark.slow
def test_a_full_queue_coalesces_the_oldest_waiting_message(
    tmp_path: Path, webhooks: WebhookServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notify, "QUEUE_LIMIT", 3)
    webhooks.answer("/hook", "hang")
    session, notifier = notifying_session(tmp_path, webhooks, 6)
    journal = Path(session.journal.path)
    try:
        fail(session, "s0")
        wait_until(lambda: bool(webhooks.at("/hook")), what="the first delivery in flight")
        for n in range(1, 6):
            fail(session, f"s{n}")
        coalesced = [e for e in of_type(journal, "notify_failed", notify="bot")
                     if e["error"].startswith("coalesced")]  # fmt: skip
        queued = {e["id"]: e["step"] for e in of_type(journal, "notify_queued", notify="bot")}
        # s0 is being delivered; s1..s5 waited in a queue of 3: s1, s2 and s3 went.
        assert [queued[e["id"]] for e in coalesced] == ["s1", "s2", "s3"]
        assert [q.facts.step for q in notifier._workers["bot"].left()] == ["s0", "s4", "s5"]
    finally:
        notifier.close()
        session.close()


@pytest.mark.slow
def test_a_rollback_that_no_longer_fits_is_said_once(
    tmp_path: Path, webhooks: WebhookServer
) -> None:
    notify_runbook(tmp_path, migrate="sleep 3")
    text = (tmp_path / "rb.toml").read_text()
    text = text.replace('on = ["step_failed", "gate_waiting", "rollback_started", "run_finished"]',
                        'on = ["window_at_risk"]')  # fmt: skip
    # Undoing the migration takes longer than the window has left once it runs.
    text = text.replace(
        'rollback = "echo undone"', 'rollback = "echo undone"\nrollback_duration = "3h"'
    )
    (tmp_path / "rb.toml").write_text(text)
    journal = tmp_path / "run.jsonl"
    result = golive("run", tmp_path / "rb.toml", "--rehearsal", "--yes", "--console",
                    "--journal", journal, env=environment(webhooks))  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    risks = of_type(journal, "notify_queued", notify="war-room")
    assert risks and {e["news"] for e in risks} == {"window_at_risk"}
    said = [r.json()["text"] for r in webhooks.at("/slack")]
    assert [t for t in said if "the last moment a rollback fits has passed" in t], said
    assert len([t for t in said if "rollback fits" in t]) == 1  # once, not every second


@pytest.mark.slow
def test_each_message_is_journaled_right_after_its_cause_among_parallel_steps(
    tmp_path: Path, webhooks: WebhookServer
) -> None:
    steps = "".join(
        f'\n[[steps]]\nid = "p{n}"\nrun = "for i in 1 2 3; do echo line $i; done; exit 1"\n'
        'on_failure = "continue"\ndepends_on = []\nduration = "1s"\n'
        for n in range(20)
    )
    write_runbook(tmp_path, NOTIFY.split("[hosts.box]")[0].format(extra="") + steps)
    journal = tmp_path / "run.jsonl"
    golive("run", tmp_path / "rb.toml", "--rehearsal", "--yes", "--console", "--journal",
           journal, env=environment(webhooks))  # fmt: skip
    recorded = events(journal)
    queued = [(i, e) for i, e in enumerate(recorded) if e["type"] == "notify_queued"]
    failed = [e for e in recorded if e["type"] == "step_finished" and e["status"] == "failed"]
    assert len(failed) == 20 and len([e for _, e in queued if e["news"] == "step_failed"]) == 60
    for at, e in queued:
        if e["cause_seq"] is not None:  # nothing but its siblings between it and its cause
            assert {x["type"] for x in recorded[e["cause_seq"] + 1 : at]} <= {"notify_queued"}
    assert golive("verify", journal).returncode == 0


def test_a_url_that_cannot_be_used_is_said_without_a_traceback_or_the_secret(
    tmp_path: Path, webhooks: WebhookServer
) -> None:
    notify_runbook(tmp_path)
    env = environment(webhooks)
    env["T_SLACK"] = "https://hooks.slack.example:T0SECRETB0SECRET/services/x"
    env["T_TEAMS"] = webhooks.url("/teams") + "\nX-Injected: 1"
    result = golive("notify", "test", tmp_path / "rb.toml", env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "war-room (slack): FAILED, the URL is not usable" in result.stdout
    assert "managers (teams): FAILED, the URL is not usable" in result.stdout
    assert "bot (json): sent" in result.stdout  # the endpoints after it are tried too
    assert "T0SECRETB0SECRET" not in result.stdout + result.stderr


def test_a_host_cannot_take_an_endpoint_s_alert_name(tmp_path: Path) -> None:
    write_runbook(
        tmp_path, '[hosts."notify:db"]\nlocal = true\n[[steps]]\nid = "a"\nrun = "true"\n'
    )
    result = golive("check", tmp_path / "rb.toml")
    assert result.returncode == 2
    assert "host names starting 'notify:' are golive's" in result.stdout + result.stderr
