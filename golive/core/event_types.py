"""One TypedDict per journal event type: the declaration every writer and reader shares.

These are the fields each event carries besides the journal's own (`seq`, `t`, `m`,
`prev`, and `seal` on the last one). `Required[...]` fields are always there; the rest
may be missing. golive.core.event_schema derives its runtime check from these very
declarations, and the tests check every event that real runs write against it, so a
field that is documented but never sent, or sent but never declared, fails a test.
"""

from __future__ import annotations

from typing import Any, Literal, Required, TypedDict

from golive.core import events as ev


class Envelope(TypedDict, total=False):
    seq: Required[int]
    t: Required[str]  # wall time, ISO 8601 with offset
    m: Required[float]  # seconds since the run started (monotonic)
    type: Required[str]
    prev: str  # the first 32 hex digits of the SHA-256 of the previous line


class RunStarted(TypedDict, total=False):
    runbook: Required[str]
    runbook_sha256: str
    runbook_source: str
    name: str
    mode: Required[str]  # "live" | "rehearsal" | "dry-run"
    vars: dict[str, str]
    secrets: list[str]  # names only, never values
    window: dict[str, Any] | None
    window_shift: float
    steps: list[str]
    operator: str
    machine: str
    pid: int
    golive: str
    inject_failure: list[str]
    drill: dict[str, Any]
    key_id: str
    outside_window: bool


class SessionResumed(TypedDict, total=False):
    pid: int
    machine: str
    runbook_changed: bool
    runbook_diff: str
    runbook_sha256: str
    repaired_bytes: int
    key_id: str


class StepStarted(TypedDict, total=False):
    step: Required[str]
    action: str  # "run" | "rollback"
    attempt: int
    command: str | None  # as shown: secrets masked
    hosts: list[str]
    dry_run: bool


class Output(TypedDict, total=False):
    step: Required[str]
    action: str
    host: str
    stream: str  # "out" | "err"
    line: str


class OutputCapped(TypedDict, total=False):
    step: Required[str]
    action: str
    dropped: int
    cap_lines: int
    cap_bytes: int


class HostFinished(TypedDict, total=False):
    step: Required[str]
    action: str
    host: Required[str]
    exit: int | None
    seconds: float
    timed_out: bool
    error: str | None
    unknown: bool  # the connection was lost: the outcome is not known


class VerifyFinished(TypedDict, total=False):
    step: Required[str]
    ok: bool
    detail: str
    seconds: float
    drill: bool


class StepFinished(TypedDict, total=False):
    step: Required[str]
    action: str
    status: Required[str]  # "succeeded" | "failed" | "interrupted"
    reason: str | None


class Decision(TypedDict, total=False):
    step: str | None
    question: str
    decision: Required[str]  # a golive.core.events.Decisions value
    by: str
    reason: str
    automatic: bool
    to: str | None


class Note(TypedDict, total=False):
    text: str
    by: str


class RollbackStarted(TypedDict, total=False):
    to: str | None
    cause: str | None
    actions: list[str]
    commands: list[Any]
    planned: float


class RollbackFinished(TypedDict, total=False):
    to: str | None
    status: Required[str]  # "completed" | "failed" | "abandoned"


class RunFinished(TypedDict, total=False):
    outcome: Required[str]  # "completed" | "rolled_back" | "aborted"
    reason: str | None
    drill: dict[str, Any]


class MonitorStarted(TypedDict, total=False):
    runbook: str
    runbook_sha256: str
    name: str
    hosts: list[str]
    interval: float
    baseline: bool
    thresholds: dict[str, Any]
    machine: str
    pid: int
    key_id: str


class MonitorFinished(TypedDict, total=False):
    reason: str | None


class HostStateEvent(TypedDict, total=False):
    host: Required[str]
    state: Required[str]  # CONNECTING | LIVE | STALE | DOWN | RECONNECTING
    reason: str | None


class Alert(TypedDict, total=False):
    host: Required[str]
    metric: Required[str]  # cpu | mem | errors | down
    status: Required[Literal["raised", "cleared"]]
    value: float | str | None
    threshold: float | str | None
    rule: str  # the rule in words: "cpu >= 85 for 6s; clears below 80.75 for 6s"
    values: dict[str, float]  # min, mean, max, samples: the values that decided it
    flapping: bool  # raised, and flapping from now: quiet until it settles
    raises: int  # with flapping: the raises within the flap window
    settled: bool  # the end of flapping: status says how it settled


class Sample(TypedDict, total=False):
    host: Required[str]
    cpu: float | None
    mem: float | None
    load1: float | None
    disk: float | None
    errors_per_min: float | None
    warnings_per_min: float | None
    errors: int  # error-level messages since the host's previous sample (health gates)
    warnings: int  # warning messages since then


class HealthEvaluated(TypedDict, total=False):
    step: Required[str]
    attempt: int
    n: Required[int]  # the gate attempt's evaluation number, from 1
    verdict: Required[str]  # "pass" | "fail" | "inconclusive"
    reason: str
    window: float  # seconds of live data judged
    baseline: dict[str, Any]  # name, source, problem
    counts: dict[str, int]  # hosts by verdict
    streak: dict[str, int]  # passes, fails, unclear: consecutive evaluations
    then: (
        str | None
    )  # a gate's move now: "go" | "no-go" | "ask"; a step's: "succeed" | "fail"; None: evaluates on
    observe_only: bool
    hosts: list[dict[str, Any]]  # worst first: host, verdict, state, checks (values, limits)


class HealthAsked(TypedDict, total=False):
    step: Required[str]
    reason: Required[str]  # why the health gate is put to a person


class NotifyQueued(TypedDict, total=False):
    notify: Required[str]  # the endpoint's name
    id: Required[str]  # the message's id: the same on every attempt, and after a resume
    news: Required[
        str
    ]  # step_failed | gate_waiting | rollback_started | window_at_risk | run_finished
    step: str | None
    cause_seq: int | None  # the event it tells of (none for window_at_risk)
    facts: Required[dict[str, Any]]  # golive.core.notify.Facts: what the message says


class NotifySent(TypedDict, total=False):
    notify: Required[str]
    id: Required[str]
    attempts: Required[int]
    status: int


class NotifyFailed(TypedDict, total=False):
    notify: Required[str]
    id: Required[str]
    attempts: Required[int]
    status: int | None  # the HTTP status, None when there was no answer
    final: Required[bool]  # no more attempts (given up, or not to be retried)
    error: str  # what went wrong, never the URL
    retry_in: float | None  # seconds to the next attempt


DECLARED: dict[str, type] = {
    ev.RUN_STARTED: RunStarted,
    ev.SESSION_RESUMED: SessionResumed,
    ev.STEP_STARTED: StepStarted,
    ev.OUTPUT: Output,
    ev.OUTPUT_CAPPED: OutputCapped,
    ev.HOST_FINISHED: HostFinished,
    ev.VERIFY_FINISHED: VerifyFinished,
    ev.STEP_FINISHED: StepFinished,
    ev.DECISION: Decision,
    ev.NOTE: Note,
    ev.ROLLBACK_STARTED: RollbackStarted,
    ev.ROLLBACK_FINISHED: RollbackFinished,
    ev.RUN_FINISHED: RunFinished,
    ev.MONITOR_STARTED: MonitorStarted,
    ev.MONITOR_FINISHED: MonitorFinished,
    ev.HOST_STATE: HostStateEvent,
    ev.ALERT: Alert,
    ev.SAMPLE: Sample,
    ev.HEALTH_EVALUATED: HealthEvaluated,
    ev.HEALTH_ASKED: HealthAsked,
    ev.NOTIFY_QUEUED: NotifyQueued,
    ev.NOTIFY_SENT: NotifySent,
    ev.NOTIFY_FAILED: NotifyFailed,
}
