"""Notifications to the war room: which journal events become messages, and how each
service wants them. Pure: no sockets, no clocks (times and randomness are passed in).

A runbook's ``[[notify]]`` endpoints (golive.core.notify_config reads them) each name
the kinds of news they want:

- ``step_failed``: a step (or an undo) ended failed;
- ``gate_waiting``: a go/no-go gate waits for its decision;
- ``rollback_started``: a rollback began;
- ``window_at_risk``: the forecast end passed the window's end, or the last moment a
  rollback fits passed (said once each, when it first happens);
- ``run_finished``: the run ended (completed, rolled back, aborted).

Every message says the same facts (``Facts``): the runbook, live or rehearsal, the step,
what happened, the forecast end against the window, the rollback deadline and the
journal's head hash (so a receiver can witness the journal). The formats:

- ``slack``: an incoming webhook's ``text`` (all a phone's notification shows) and
  ``blocks``;
- ``teams``: a Workflows webhook's ``{"type": "message", "attachments": [...]}`` with an
  Adaptive Card;
- ``pagerduty``: Events API v2, ``trigger`` (and ``resolve`` for ``resolve_on`` kinds)
  with a ``dedup_key`` per run and event (a resolve names each incident it closes);
- ``json``: golive's own object, signed the Standard Webhooks way (``webhook-id``,
  ``webhook-timestamp``, ``webhook-signature: v1,<base64 HMAC-SHA256>``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Final

from golive.core import events as ev
from golive.core.events import Event
from golive.core.runbook import NotifyEndpoint as Endpoint
from golive.core.runbook import Runbook, StepKind
from golive.core.text import visible

__all__ = ["Endpoint", "Facts", "body_bytes", "cause", "payload", "sign"]

PAGERDUTY_URL: Final = "https://events.pagerduty.com/v2/enqueue"
WEBHOOK_SECRET_PREFIX: Final = "whsec_"
ALERT_HOST_PREFIX: Final = "notify:"  # an endpoint's circuit alert names it as its "host"

# Retries: exponential backoff with full jitter, honouring Retry-After, in a budget.
BACKOFF_BASE: Final = 1.0  # seconds
BACKOFF_CAP: Final = 60.0
RETRY_BUDGET: Final = 15 * 60.0  # seconds from the first attempt


@dataclass(frozen=True)
class Facts:
    """What every message says, taken when its cause was recorded."""

    kind: str
    runbook: str
    mode: str
    step: str | None
    what: str  # what happened, in words
    forecast_end: str | None  # ISO 8601
    window_end: str | None
    rollback_deadline: str | None
    rollback_to: str | None
    head: str  # the journal's head hash after the cause
    run: str  # the run's identity: its journal's first line hash
    dedup: str = ""  # PagerDuty: the incident's key (a resolve: the trigger's it closes)

    def line(self) -> str:
        """The one line a phone shows."""
        mode = "LIVE" if self.mode == "live" else self.mode.upper()
        step = f" · {self.step}" if self.step else ""
        return f"[{mode}] {self.runbook}{step}: {self.what}"

    def times(self) -> str:
        parts = [f"forecast end {_hhmm(self.forecast_end)}"]
        if self.window_end:
            parts.append(f"window ends {_hhmm(self.window_end)}")
        if self.rollback_deadline:
            parts.append(f"rollback by {_hhmm(self.rollback_deadline)} → {self.rollback_to}")
        else:
            parts.append("no rollback deadline")
        return " · ".join(parts)


def _hhmm(moment: str | None) -> str:
    if not moment:
        return "--:--"
    try:
        return datetime.fromisoformat(moment).strftime("%H:%M %Z").strip()
    except ValueError:
        return "--:--"


def cause(event: Event, runbook: Runbook) -> tuple[str, str | None, str] | None:
    """(kind, step, what happened) when `event` is news an endpoint may want, or None.
    window_at_risk is not an event's: the notifier watches the forecast for it."""
    kind = event.get("type")
    step = event.get("step")
    if kind == ev.STEP_FINISHED and event.get("status") == "failed":
        what = "undo failed" if event.get("action") == "rollback" else "step failed"
        reason = str(event.get("reason") or "")
        return "step_failed", step, f"{what}: {reason}" if reason else what
    if (
        kind == ev.STEP_STARTED
        and event.get("action") == "run"
        and isinstance(step, str)
        and runbook.has_step(step)
        and runbook.step(step).kind is StepKind.GATE
    ):
        if runbook.step(step).health is not None:
            return None  # it decides itself: news only if it asks a person (below)
        return "gate_waiting", step, "go/no-go gate waits for its decision"
    if kind == ev.HEALTH_ASKED and isinstance(step, str):
        return "gate_waiting", step, f"health gate needs a person: {event.get('reason', '')}"
    if kind == ev.ROLLBACK_STARTED:
        return "rollback_started", event.get("cause"), f"rollback to {event.get('to')} started"
    if kind == ev.RUN_FINISHED:
        outcome = str(event.get("outcome") or "ended").replace("_", " ")
        reason = str(event.get("reason") or "")
        return "run_finished", None, f"run {outcome}" + (f": {reason}" if reason else "")
    return None


def message_id(run: str, seq: int, endpoint: str) -> str:
    """A message's id: the same on every delivery attempt, and after a resume."""
    digest = hashlib.sha256(f"{run}:{seq}:{endpoint}".encode()).hexdigest()[:24]
    return f"msg_{digest}"


def dedup_key(facts: Facts) -> str:
    """PagerDuty's key for a trigger: one incident per run and event (the same event sent
    again after a resume keeps it, so PagerDuty drops the duplicate)."""
    if facts.dedup:
        return facts.dedup
    about = facts.step or "run"
    return f"golive-{facts.run[:16]}-{facts.kind}-{about}"[:255]


# -- payloads ----------------------------------------------------------------------------
def payload(endpoint: Endpoint, facts: Facts, routing_key: str = "") -> dict[str, Any]:
    """The JSON body for `endpoint`'s service."""
    if endpoint.format == "slack":
        return _slack(facts)
    if endpoint.format == "teams":
        return _teams(facts)
    if endpoint.format == "pagerduty":
        resolve = facts.kind in endpoint.resolve_on and facts.kind not in endpoint.on
        return _pagerduty(facts, routing_key, resolve)
    return {"type": f"golive.{facts.kind}", "data": _public(facts)}


def _public(facts: Facts) -> dict[str, Any]:
    """The facts a receiver is told (the PagerDuty key is golive's own bookkeeping)."""
    told = asdict(facts)
    told.pop("dedup")
    return told


def _shown(text: str) -> str:
    """Text from the runbook or the run, as a chat shows it: control characters visible."""
    return visible(text)


def _slack(facts: Facts) -> dict[str, Any]:
    # Nothing from the runbook may become a mention, a link or formatting: the message is
    # plain text ("mrkdwn": false, plain_text blocks), and Slack's three control
    # characters (& < >) are escaped as its documentation asks.
    def esc(text: str) -> str:
        return _shown(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    return {
        "text": esc(facts.line()),
        "mrkdwn": False,
        "blocks": [
            {"type": "section", "text": {"type": "plain_text", "text": esc(facts.line())}},
            {
                "type": "context",
                "elements": [
                    {"type": "plain_text", "text": esc(facts.times())},
                    {"type": "plain_text", "text": f"journal head {facts.head[:12]}"},
                ],
            },
        ],
    }


def _run(text: str, **style: Any) -> dict[str, Any]:
    """An Adaptive Card TextRun: its text is never read as markdown (a TextBlock's is)."""
    return {"type": "TextRun", "text": _shown(text), **style}


def _teams(facts: Facts) -> dict[str, Any]:
    def line(*runs: dict[str, Any], subtle: bool = False) -> dict[str, Any]:
        block: dict[str, Any] = {"type": "RichTextBlock", "inlines": list(runs)}
        if subtle:
            block["inlines"] = [{**r, "isSubtle": True} for r in runs]
        return block

    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            line(_run(facts.line(), weight="Bolder")),
            line(_run(facts.times()), subtle=True),
            line(_run("Runbook: ", weight="Bolder"), _run(facts.runbook)),
            line(_run("Mode: ", weight="Bolder"), _run(facts.mode)),
            line(_run("Step: ", weight="Bolder"), _run(facts.step or "-")),
            line(_run("Journal head: ", weight="Bolder"), _run(facts.head[:12])),
        ],
    }
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        ],
    }


_SEVERITY = {"step_failed": "error", "rollback_started": "critical", "window_at_risk": "warning",
             "gate_waiting": "info", "run_finished": "info"}  # fmt: skip


def _pagerduty(facts: Facts, routing_key: str, resolve: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "routing_key": routing_key,
        "event_action": "resolve" if resolve else "trigger",
        "dedup_key": dedup_key(facts),
    }
    if not resolve:
        body["payload"] = {
            "summary": _shown(facts.line())[:1024],
            "source": _shown(f"golive {facts.runbook}")[:255],
            "severity": _SEVERITY.get(facts.kind, "info"),
            "component": facts.step or "run",
            "group": facts.runbook,
            "class": facts.kind,
            "custom_details": _public(facts),
        }
    return body


def body_bytes(body: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The Standard Webhooks signature header value: ``v1,<base64 HMAC-SHA256>`` of
    ``id.timestamp.body``, keyed by the secret: base64, maybe after ``whsec_`` (decoded
    as the specification's reference library decodes it, so any receiver using it agrees)."""
    text = secret.removeprefix(WEBHOOK_SECRET_PREFIX)
    key = base64.b64decode(text + "==")
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


# -- retries ---------------------------------------------------------------------------------
def retryable(status: int | None) -> bool:
    """A network error (None), 408, 429 and 5xx are tried again; other answers are final."""
    return status is None or status in (408, 429) or status >= 500


def backoff(attempt: int, rng: random.Random) -> float:
    """Seconds before attempt `attempt + 1` (`attempt` from 1): full jitter."""
    return rng.uniform(0.0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)))


def retry_after(header: str | None, now: datetime) -> float | None:
    """Retry-After in seconds: a number of seconds, or an HTTP date."""
    if not header:
        return None
    text = header.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # the asctime form, and "-0000": both are UTC in HTTP
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def endpoint_alert(event: Event) -> tuple[str, bool] | None:
    """(endpoint, down) when `event` is an endpoint's circuit alert (raised: down)."""
    host = event.get("host")
    if event.get("type") != ev.ALERT or not isinstance(host, str) or event.get("metric") != "down":
        return None
    if not host.startswith(ALERT_HOST_PREFIX):
        return None
    return host.removeprefix(ALERT_HOST_PREFIX), event.get("status") == "raised"
