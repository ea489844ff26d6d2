"""Notifications, hung off the session: queued in the journal, delivered off the run.

The journal is the outbox. When an event that an endpoint wants is recorded (a failed
step, a gate, a rollback, the run's end; golive.core.notify.cause), a ``notify_queued``
event follows it in the same fsync group (Session.companions): the message's id, its
endpoint and its facts. Only then does a worker thread, one per endpoint, deliver it
(golive.io.webhook), so a slow or dead endpoint never holds a step or a journal append.
Each delivery ends in ``notify_sent`` or ``notify_failed`` (status code and attempts,
never the URL). A message queued and never sent (golive killed) is delivered by
``golive resume`` with the same id; at the end of a run golive waits at most END_WAIT
seconds, journals what is still undelivered, and ends the run.

Retries (network errors, 408, 429, 5xx) back off exponentially with full jitter, wait
at least what Retry-After says, and stop at the budget (core.notify.RETRY_BUDGET).
After BREAKER_AFTER failed attempts in a row an endpoint's circuit opens: an alert is
journaled (host ``notify:NAME``, metric ``down``) and the endpoint is tried again only
every BREAKER_COOLDOWN seconds until it answers. A worker's queue holds QUEUE_LIMIT
messages; when it is full, the least important one waiting is coalesced away (and
journaled as such). Slack gets at most one message a second.
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any, Final

from golive.core import events as ev
from golive.core.events import Event, event
from golive.core.notify import (
    ALERT_HOST_PREFIX,
    PAGERDUTY_URL,
    RETRY_BUDGET,
    Endpoint,
    Facts,
    backoff,
    body_bytes,
    cause,
    dedup_key,
    endpoint_alert,
    message_id,
    payload,
    retry_after,
    retryable,
    sign,
)
from golive.core.templating import Values
from golive.core.timeline import Timing
from golive.io.webhook import Answer, WebhookClient
from golive.session.session import Session

NOTIFY_QUEUED, NOTIFY_SENT, NOTIFY_FAILED = ev.NOTIFY_QUEUED, ev.NOTIFY_SENT, ev.NOTIFY_FAILED
_CAUSES: Final = frozenset({ev.STEP_FINISHED, ev.STEP_STARTED, ev.ROLLBACK_STARTED})
END_WAIT: Final = 2.5  # seconds the run's end waits for deliveries (it exits within 3 s)
QUEUE_LIMIT: Final = 100
BREAKER_AFTER: Final = 5
BREAKER_COOLDOWN: Final = 30.0
SLACK_GAP: Final = 1.0  # seconds between two Slack messages
FORECAST_LATE: Final = "the forecast end is past the window's end"
ROLLBACK_LATE: Final = "the last moment a rollback fits has passed"
WINDOW_CHECK: Final = 1.0  # seconds between two looks at the forecast (window_at_risk)
# The least important first: what a full queue coalesces away before the rest.
IMPORTANCE: Final = ("gate_waiting", "run_finished", "window_at_risk", "step_failed",
                     "rollback_started")  # fmt: skip


@dataclass
class Queued:
    """A message on its way: what notify_queued recorded."""

    id: str
    endpoint: str
    facts: Facts
    queued_at: float = field(default_factory=time.monotonic)
    attempts: int = 0


def _importance(kind: str) -> int:
    return IMPORTANCE.index(kind) if kind in IMPORTANCE else 0


def facts_of(queued: Event) -> Facts:
    """The facts a notify_queued event holds, with the head its own `prev` names: the
    journal's head right after the cause (the event just before it)."""
    fields: dict[str, Any] = {k: queued["facts"].get(k) for k in Facts.__dataclass_fields__}
    fields["head"] = queued.get("prev") or fields.get("head") or ""
    return Facts(**fields)


class Notifier:
    """The session's notifications: the companion that queues, and a worker per endpoint."""

    def __init__(
        self,
        session: Session,
        values: Values,
        rng: random.Random | None = None,
    ) -> None:
        self.session = session
        self.endpoints = {e.name: e for e in session.runbook.notify}
        self._values = values
        self._rng = rng or random.Random()
        self._last: dict[tuple[str, str, str | None], float] = {}  # (endpoint, kind, step) -> m
        self._at_risk: set[str] = set()
        self._open: dict[str, list[str]] = {}  # PagerDuty endpoint -> incidents not resolved
        self._stop = threading.Event()
        self._workers = {name: _Worker(self, e) for name, e in self.endpoints.items()}
        self._ticker = threading.Thread(target=self._tick, name="notify-window", daemon=True)

    @property
    def run_id(self) -> str:
        """The run's identity, the same after a resume: its runbook and its start."""
        state = self.session.state
        seed = f"{state.runbook_sha256}:{state.started_wall}"
        return hashlib.sha256(seed.encode()).hexdigest()[:32]

    # -- queueing (on the thread that records the cause) -----------------------------------
    def follows(self, new_event: Event) -> bool:
        """Session.companions asks first: may notify_queued events follow this one?"""
        kind = new_event["type"]
        if kind in (NOTIFY_QUEUED, ev.RUN_FINISHED) or kind not in _CAUSES:
            return False  # the run's end is queued before it (finish): it seals the journal
        return cause(new_event, self.session.runbook) is not None

    def before_final(self, final: Event) -> None:
        try:
            self.finish(final)
        except Exception:  # the run's end is recorded whatever the notifications do
            self.close()

    def companions(self, recorded: Event) -> list[Event]:
        """The notify_queued events that go with `recorded` (Session.companions)."""
        if recorded["type"] == NOTIFY_QUEUED:
            return []
        found = cause(recorded, self.session.runbook)
        if found is None:
            return []
        kind, step, what = found
        # Called under the session's lock (Session._record): its timing, without taking it.
        timing = self.session.timing()
        return self._queued(kind, step, what, recorded.get("seq"), float(recorded.get("m", 0)),
                            timing)  # fmt: skip

    def _queued(
        self, kind: str, step: str | None, what: str, seq: int | None, m: float,
        timing: Timing | None = None,
    ) -> list[Event]:  # fmt: skip
        """The notify_queued events for news `kind`. `timing`: the run's, when the caller
        holds the session's lock (a companion); else it is computed under it."""
        mode = self.session.state.mode
        facts: Facts | None = None
        out: list[Event] = []
        for endpoint in self.endpoints.values():
            if not endpoint.wants(kind, mode):
                continue
            key = (endpoint.name, kind, step)
            last = self._last.get(key)
            if last is not None and m - last < endpoint.repeat_after and kind != "run_finished":
                continue  # the same news for the same step, coalesced within repeat_after
            self._last[key] = m
            facts = facts or self._facts(kind, step, what, timing or self.session.timing_now())
            for told in self._incidents(endpoint, kind, facts):
                number = seq if seq is not None else self.session.journal.seq + len(out) + 1
                ident = message_id(self.run_id, number, endpoint.name + told.dedup)
                out.append(
                    event(
                        NOTIFY_QUEUED,
                        notify=endpoint.name,
                        id=ident,
                        news=kind,
                        step=step,
                        cause_seq=seq,
                        facts=asdict(told),
                    )
                )
        return out

    def _incidents(self, endpoint: Endpoint, kind: str, facts: Facts) -> list[Facts]:
        """The messages `facts` makes for `endpoint`: itself; for PagerDuty, a trigger
        keyed by its event, or a resolve for each incident still open."""
        if endpoint.format != "pagerduty":
            return [facts]
        open_keys = self._open.setdefault(endpoint.name, [])
        if kind in endpoint.resolve_on and kind not in endpoint.on:
            closed, open_keys[:] = list(open_keys), []
            return [replace(facts, dedup=key) for key in closed]
        key = dedup_key(facts)
        if key not in open_keys:
            open_keys.append(key)
        return [replace(facts, dedup=key)]

    def _reopen(self, history: list[Event]) -> None:
        """What a resumed run's notifications were: the PagerDuty incidents it opened
        and has not resolved, the news it told (repeat_after, window_at_risk once) and
        the circuits left open (the next delivery that goes through closes them)."""
        for told in history:
            down = endpoint_alert(told)
            worker = self._workers.get(down[0]) if down is not None else None
            if down is not None and worker is not None:
                worker.reopen(down[1])
            if told["type"] != NOTIFY_QUEUED:
                continue
            news, step = str(told.get("news")), told.get("step")
            self._last[(str(told.get("notify")), news, step)] = float(told.get("m", 0.0))
            what = str(told.get("facts", {}).get("what", ""))
            if news == "window_at_risk":
                self._at_risk.add("forecast" if what == FORECAST_LATE else "rollback")
            endpoint = self.endpoints.get(str(told.get("notify")))
            dedup = told.get("facts", {}).get("dedup")
            if endpoint is None or endpoint.format != "pagerduty" or not dedup:
                continue
            keys = self._open.setdefault(endpoint.name, [])
            if news in endpoint.resolve_on and news not in endpoint.on:
                if dedup in keys:
                    keys.remove(dedup)
            elif dedup not in keys:
                keys.append(dedup)

    def _facts(self, kind: str, step: str | None, what: str, timing: Timing) -> Facts:
        state = self.session.state

        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat(timespec="seconds") if moment is not None else None

        return Facts(
            kind=kind, runbook=self.session.runbook.name, mode=state.mode, step=step, what=what,
            forecast_end=iso(timing.forecast_end), window_end=iso(timing.window_end),
            rollback_deadline=iso(timing.rollback_deadline), rollback_to=timing.rollback_point,
            head="", run=self.run_id,
        )  # fmt: skip

    # -- delivering -------------------------------------------------------------------------
    def listen(self, recorded: Event) -> None:
        """A session listener: a queued message goes to its endpoint's worker once durable."""
        if recorded["type"] == NOTIFY_QUEUED:
            worker = self._workers.get(recorded.get("notify", ""))
            if worker is not None:
                worker.put(Queued(recorded["id"], recorded["notify"], facts_of(recorded)))

    def start(self, history: list[Event] | None = None) -> None:
        """Start the workers; a resumed run's undelivered messages go first, same ids.
        httpx is imported here, on the caller's thread before the first step: imported by
        a worker, it would hold the interpreter while the run records its first events."""
        import httpx  # noqa: F401

        self._reopen(history or [])
        for queued in undelivered(history or []):
            self.listen(queued)
        for worker in self._workers.values():
            worker.start()
        if any("window_at_risk" in e.on for e in self.endpoints.values()):
            self._ticker.start()

    def _tick(self) -> None:
        while not self._stop.wait(WINDOW_CHECK):
            with contextlib.suppress(Exception):  # the journal's own failure is the run's
                self.check_window()

    def check_window(self) -> None:
        """window_at_risk, once for each: the forecast passed the window's end, the
        rollback deadline passed."""
        if self.session.state.outcome is not None:
            return
        timing = self.session.timing_now()
        risks = []
        if (timing.forecast_margin or 0.0) < 0 and "forecast" not in self._at_risk:
            risks.append(("forecast", FORECAST_LATE))
        if (timing.rollback_margin or 0.0) < 0 and "rollback" not in self._at_risk:
            risks.append(("rollback", ROLLBACK_LATE))
        for name, what in risks:
            self._at_risk.add(name)
            for queued in self._queued("window_at_risk", None, what, None, timing.now_m):
                self.session.record(queued)

    def finish(self, final: Event) -> None:
        """Before the run's last event (it seals the journal): queue its news, wait at
        most END_WAIT for every delivery, and journal what is still undelivered."""
        found = cause(final, self.session.runbook)
        if found is not None:
            kind, step, what = found
            for queued in self._queued(kind, step, what, None, self.session.now_m()):
                self.session.record(queued)
        deadline = time.monotonic() + END_WAIT
        for worker in self._workers.values():
            worker.drain(deadline)
        self.close()
        for worker in self._workers.values():
            for left in worker.left():
                self.session.record(
                    event(NOTIFY_FAILED, notify=left.endpoint, id=left.id,
                          attempts=left.attempts, status=None, final=False,
                          error="undelivered when the run ended: golive notify resend JOURNAL")
                )  # fmt: skip

    def close(self) -> None:
        self._stop.set()
        for worker in self._workers.values():
            worker.stop()

    # -- what the workers journal -------------------------------------------------------------
    def journal(self, kind: str, **fields: Any) -> None:
        with contextlib.suppress(Exception):  # sealed, or the disk: the run says it
            if self.session.state.outcome is None:
                self.session.record_while_running(event(kind, **fields))

    def request(self, endpoint: Endpoint, queued: Queued) -> tuple[str, bytes, dict[str, str]]:
        return build_request(endpoint, queued.facts, queued.id, self._values)


def build_request(
    endpoint: Endpoint, facts: Facts, msg_id: str, values: Values
) -> tuple[str, bytes, dict[str, str]]:
    """URL, body and headers of a message: the secret values resolved here only."""
    resolve = values.substitute
    key = resolve(endpoint.routing_key, reveal=True) if endpoint.routing_key else ""
    body = body_bytes(payload(endpoint, facts, key))
    headers = {"content-type": "application/json", "user-agent": "golive"}
    if endpoint.format == "json":
        stamp = int(time.time())
        secret = resolve(endpoint.signing_secret, reveal=True)
        headers |= {"webhook-id": msg_id, "webhook-timestamp": str(stamp),
                    "webhook-signature": sign(secret, msg_id, stamp, body)}  # fmt: skip
    url = resolve(endpoint.url, reveal=True) if endpoint.url else ""
    if endpoint.format == "pagerduty" and not url:
        url = PAGERDUTY_URL
    return url, body, headers


def undelivered(history: list[Event]) -> list[Event]:
    """The notify_queued events with no notify_sent and no final notify_failed."""
    done = {
        e.get("id")
        for e in history
        if e["type"] == NOTIFY_SENT or (e["type"] == NOTIFY_FAILED and e.get("final"))
    }
    return [e for e in history if e["type"] == NOTIFY_QUEUED and e.get("id") not in done]


class _Worker:
    """One endpoint's deliveries, in order, on its own thread."""

    def __init__(self, notifier: Notifier, endpoint: Endpoint) -> None:
        self.notifier, self.endpoint = notifier, endpoint
        self._queue: deque[Queued] = deque()
        self._lock = threading.Condition()
        self._stop = False
        self._busy = False
        self._failures = 0  # attempts failed in a row
        self._open_until = 0.0
        self._last_sent = 0.0
        self._client = WebhookClient()
        self._thread = threading.Thread(
            target=self._run, name=f"notify-{endpoint.name}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def put(self, queued: Queued) -> None:
        coalesced: Queued | None = None
        with self._lock:
            waiting = list(self._queue)[1:] if self._busy else list(self._queue)
            if len(self._queue) >= QUEUE_LIMIT and waiting:
                # The least important waiting message goes, the oldest of its kind first
                # (one being delivered stays).
                coalesced = min(waiting, key=lambda q: _importance(q.facts.kind))
                self._queue.remove(coalesced)
            self._queue.append(queued)
            self._lock.notify_all()
        if coalesced is not None:
            self.notifier.journal(NOTIFY_FAILED, notify=coalesced.endpoint, id=coalesced.id,
                                  attempts=coalesced.attempts, status=None, final=True,
                                  error="coalesced: the queue was full")  # fmt: skip

    def stop(self) -> None:
        with self._lock:
            self._stop = True
            self._lock.notify_all()

    def drain(self, deadline: float) -> None:
        with self._lock:
            while (self._queue or self._busy) and time.monotonic() < deadline:
                self._lock.wait(max(0.0, min(0.05, deadline - time.monotonic())))

    def left(self) -> list[Queued]:
        with self._lock:
            return list(self._queue)

    def _wait(self, seconds: float) -> bool:
        """Sleep `seconds` unless stopped; False once stopped."""
        with self._lock:
            end = time.monotonic() + seconds
            while not self._stop and time.monotonic() < end:
                self._lock.wait(end - time.monotonic())
            return not self._stop

    def _run(self) -> None:
        self._client.open()  # its TLS context now, not while the run records a failure
        try:
            while True:
                with self._lock:
                    while not self._queue and not self._stop:
                        self._lock.wait()
                    if self._stop:
                        return
                    queued = self._queue[0]
                    self._busy = True
                done = True
                try:
                    done = self._deliver(queued)
                except Exception as exc:  # a bug: journaled, never a thread's traceback
                    self.notifier.journal(NOTIFY_FAILED, notify=queued.endpoint, id=queued.id,
                                          attempts=queued.attempts, status=None, final=True,
                                          error=f"golive fault: {type(exc).__name__}")  # fmt: skip
                finally:
                    with self._lock:
                        # Stopped mid-way, it stays: the run's end journals it undelivered.
                        if done and self._queue and self._queue[0] is queued:
                            self._queue.popleft()
                        self._busy = False
                        self._lock.notify_all()
        finally:
            self._client.close()

    def _deliver(self, queued: Queued) -> bool:
        """Deliver or give up on `queued` (True), or stop on the way (False)."""
        endpoint, notifier = self.endpoint, self.notifier
        started = time.monotonic()
        while True:
            if self._open_until and not self._wait(max(0.0, self._open_until - time.monotonic())):
                return False
            if endpoint.format == "slack":
                gap = SLACK_GAP - (time.monotonic() - self._last_sent)
                if gap > 0 and not self._wait(gap):
                    return False
            queued.attempts += 1
            try:
                url, body, headers = notifier.request(endpoint, queued)
            except ValueError:  # binascii.Error: the secret is not base64
                notifier.journal(NOTIFY_FAILED, notify=queued.endpoint, id=queued.id,
                                 attempts=queued.attempts, status=None, final=True,
                                 error="the signing secret is not base64 (whsec_...)")  # fmt: skip
                return True
            answer: Answer = self._client.post(url, body, headers)
            self._last_sent = time.monotonic()
            if answer.status is not None and 200 <= answer.status < 300:
                notifier.journal(NOTIFY_SENT, notify=queued.endpoint, id=queued.id,
                                 attempts=queued.attempts, status=answer.status)  # fmt: skip
                self._closed_again()
                return True
            final = answer.permanent or not retryable(answer.status)
            wait = backoff(queued.attempts, notifier._rng)
            after = retry_after(answer.retry_after, datetime.now().astimezone())
            if after is not None:
                wait = max(wait, after)
            if time.monotonic() + wait - started > RETRY_BUDGET:
                final = True
            notifier.journal(NOTIFY_FAILED, notify=queued.endpoint, id=queued.id,
                             attempts=queued.attempts, status=answer.status, final=final,
                             error=answer.error, retry_in=None if final else round(wait, 2))  # fmt: skip
            self._failed_once()
            if final:
                return True
            if not self._wait(wait):
                return False

    def reopen(self, down: bool) -> None:
        """A resumed run's circuit, as its journal left it: open (tried at once; the next
        delivery that goes through journals it cleared) or closed."""
        self._failures = BREAKER_AFTER if down else 0

    def _failed_once(self) -> None:
        self._failures += 1
        if self._failures == BREAKER_AFTER:
            self.notifier.journal(ev.ALERT, host=ALERT_HOST_PREFIX + self.endpoint.name, metric="down",
                                  status="raised", value=self._failures, threshold=BREAKER_AFTER,
                                  rule=f"{BREAKER_AFTER} failed deliveries in a row")  # fmt: skip
        if self._failures >= BREAKER_AFTER:
            self._open_until = time.monotonic() + BREAKER_COOLDOWN

    def _closed_again(self) -> None:
        if self._failures >= BREAKER_AFTER:
            self.notifier.journal(ev.ALERT, host=ALERT_HOST_PREFIX + self.endpoint.name, metric="down",
                                  status="cleared", value=0, threshold=BREAKER_AFTER,
                                  rule=f"{BREAKER_AFTER} failed deliveries in a row")  # fmt: skip
        self._failures = 0
        self._open_until = 0.0


def start_notifier(session: Session, history: list[Event] | None = None) -> Notifier | None:
    """The run's notifier, hung off `session` (None when the runbook has no [[notify]]).
    `history`: a resumed run's events, whose undelivered messages go first."""
    if not session.runbook.notify:
        return None
    notifier = Notifier(session, session.values)
    session.companions.append(notifier)
    session.listeners.append(notifier.listen)
    notifier.start(history)
    return notifier
