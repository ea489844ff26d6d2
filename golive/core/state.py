"""The run's state, rebuilt by folding journal events. Nothing else holds state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from golive.core import events as ev
from golive.core.events import Decisions, Event

HEALTH_KEPT = 120  # evaluations a gate keeps in the state (the journal has them all)


class Status(Enum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    ROLLED_BACK = "rolled_back"
    INTERRUPTED = "interrupted"

    @property
    def icon(self) -> str:
        return _ICONS[self]


_ICONS = {
    Status.PENDING: "·",
    Status.RUNNING: "▶",
    Status.SUCCEEDED: "✔",
    Status.FAILED: "✘",
    Status.SKIPPED: "↷",
    Status.ROLLED_BACK: "↶",
    Status.INTERRUPTED: "↯",
}


@dataclass
class HostResult:
    exit: int | None
    seconds: float
    timed_out: bool = False
    error: str = ""


@dataclass
class StepState:
    status: Status = Status.PENDING
    attempts: int = 0
    started: float | None = None  # run offset of the current attempt
    first_started: float | None = None  # run offset of its first attempt (a phase's span)
    last_ended: float | None = None  # the latest end of any of its attempts (a retry keeps it)
    finished: float | None = None
    actual: float | None = None  # seconds the last finished attempt took
    reason: str = ""
    decided: bool = False  # a failure has an operator (or automatic) answer
    hosts: dict[str, HostResult] = field(default_factory=dict)
    output_lines: int = 0
    capped: bool = False
    verify_ok: bool | None = None
    rollback_status: Status | None = None
    rollback_actual: float | None = None
    accepted_failure: bool = False  # failed, and the operator chose to continue
    # A health gate's evaluations in its current attempt (the latest HEALTH_KEPT), how
    # many there were, and why it was put to a person ("" while it decides itself).
    health: list[Event] = field(default_factory=list)
    evaluations: int = 0
    health_asked: str = ""


@dataclass
class RollbackState:
    to: str
    cause: str
    actions: list[str]
    planned: float
    started: float
    done: list[str] = field(default_factory=list)
    finished: float | None = None
    status: str = "running"


@dataclass
class RunState:
    """Everything the engine, the screens and the reports know about a run."""

    mode: str = "live"
    name: str = ""
    runbook_path: str = ""
    runbook_sha256: str = ""
    runbook_source: str = ""
    started_wall: datetime | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    variables: dict[str, str] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)
    steps: dict[str, StepState] = field(default_factory=dict)
    completion_order: list[str] = field(default_factory=list)
    rollbacks: list[RollbackState] = field(default_factory=list)
    decisions: list[Event] = field(default_factory=list)
    notes: list[Event] = field(default_factory=list)
    paused: bool = False
    outcome: str | None = None
    outcome_reason: str = ""
    last_m: float = 0.0
    last_wall: datetime | None = None
    last_seq: int = -1
    sessions: int = 0
    injected: set[str] = field(default_factory=set)
    pending_rollback: Event | None = None  # decided, not yet started
    aborting: bool = False  # abort decided: no new steps, finish when idle
    window_shift: float = 0.0  # rehearsals: seconds the window moved to start now
    # Steps in the order their status (or a question about them) changed, one entry per
    # change: the engine follows this list to update its indexes for only those steps.
    touched: list[str] = field(default_factory=list)
    # How many entries of `touched` belong to events folded in completely. A handler notes
    # its step before it changes it, and the engine reads from other threads while a step
    # thread folds an event in: it reads only this far, so no change is read half done.
    applied: int = 0

    def step(self, step_id: str) -> StepState:
        state = self.steps.get(step_id)  # a lookup per output line: no throwaway StepState
        if state is None:
            state = self.steps[step_id] = StepState()
        return state

    @property
    def active_rollback(self) -> RollbackState | None:
        if self.rollbacks and self.rollbacks[-1].finished is None:
            return self.rollbacks[-1]
        return None

    @property
    def awaiting_after_rollback(self) -> RollbackState | None:
        """A finished rollback whose follow-up (run again or end) is not decided yet."""
        if self.rollbacks and self.rollbacks[-1].status == "completed" and self.outcome is None:
            last = self.rollbacks[-1]
            if not any(
                d.get("decision") in (Decisions.RESUME_FROM_POINT, Decisions.END)
                and d.get("m", 0) >= (last.finished or 0)
                for d in self.decisions
            ):
                return last
        return None

    # -- the fold -----------------------------------------------------------
    def apply(self, event: Event) -> None:
        self.last_seq = event.get("seq", self.last_seq)
        self.last_m = max(self.last_m, float(event.get("m", self.last_m)))
        if "t" in event:
            self.last_wall = datetime.fromisoformat(event["t"])
        handler = _HANDLERS.get(event["type"])
        if handler is not None:
            handler(self, event)
        self.applied = len(self.touched)

    def _run_started(self, e: Event) -> None:
        self.mode = e["mode"]
        self.name = e.get("name", "")
        self.runbook_path = e.get("runbook", "")
        self.runbook_sha256 = e.get("runbook_sha256", "")
        self.runbook_source = e.get("runbook_source", "")
        self.started_wall = datetime.fromisoformat(e["t"]) if "t" in e else None
        window = e.get("window")
        if window:
            self.window_start = datetime.fromisoformat(window["start"])
            self.window_end = datetime.fromisoformat(window["end"])
        self.variables = dict(e.get("vars", {}))
        self.secrets = list(e.get("secrets", []))
        self.injected = set(e.get("inject_failure", []))
        self.window_shift = float(e.get("window_shift", 0.0))
        for step_id in e.get("steps", []):
            self.steps.setdefault(step_id, StepState())
        self.touched.extend(self.steps)
        self.sessions = 1

    def _session_resumed(self, e: Event) -> None:
        self.sessions += 1
        # Whatever was running when the last session died did not finish.
        for step_id, state in self.steps.items():
            if state.status is Status.RUNNING:
                state.status = Status.INTERRUPTED
                self.touched.append(step_id)
            if state.rollback_status is Status.RUNNING:
                state.rollback_status = Status.INTERRUPTED
                self.touched.append(step_id)

    def _step_started(self, e: Event) -> None:
        state = self.step(e["step"])
        self.touched.append(e["step"])
        if e.get("action") == "rollback":
            state.rollback_status = Status.RUNNING
            state.started = e["m"]
            return
        state.status = Status.RUNNING
        state.attempts = e.get("attempt", state.attempts + 1)
        state.started = e["m"]
        if state.first_started is None:
            state.first_started = e["m"]
        state.finished = None
        state.decided = False
        state.accepted_failure = False
        state.reason = ""
        state.hosts = {}
        state.verify_ok = None
        state.health = []
        state.evaluations = 0
        state.health_asked = ""

    def _output(self, e: Event) -> None:
        self.step(e["step"]).output_lines += 1

    def _output_capped(self, e: Event) -> None:
        self.step(e["step"]).capped = True

    def _host_finished(self, e: Event) -> None:
        if e.get("action", "run") != "run":
            return
        self.step(e["step"]).hosts[e["host"]] = HostResult(
            e.get("exit"),
            float(e.get("seconds", 0.0)),
            bool(e.get("timed_out")),
            e.get("error", ""),
        )

    def _verify_finished(self, e: Event) -> None:
        self.step(e["step"]).verify_ok = bool(e.get("ok"))

    def _step_finished(self, e: Event) -> None:
        state = self.step(e["step"])
        self.touched.append(e["step"])
        elapsed = e["m"] - state.started if state.started is not None else 0.0
        # "interrupted": a connection died while the command ran, so nobody knows whether
        # it finished; the step is treated like one a crash interrupted.
        unknown = e["status"] == "interrupted"
        if e.get("action") == "rollback":
            ok = e["status"] == "succeeded"
            state.rollback_status = (
                Status.ROLLED_BACK if ok else Status.INTERRUPTED if unknown else Status.FAILED
            )
            state.rollback_actual = elapsed
            if ok:
                state.status = Status.ROLLED_BACK
                rollback = self.active_rollback
                if rollback is not None:
                    rollback.done.append(e["step"])
            return
        state.status = (
            Status.SUCCEEDED
            if e["status"] == "succeeded"
            else Status.INTERRUPTED
            if unknown
            else Status.FAILED
        )
        state.finished = e["m"]
        state.last_ended = e["m"]
        state.actual = elapsed
        state.reason = e.get("reason", "")
        if state.status is Status.SUCCEEDED:
            self.completion_order.append(e["step"])

    def _decision(self, e: Event) -> None:
        self.decisions.append(e)
        decision = e["decision"]
        step_id = e.get("step")
        state = self.steps.get(step_id) if step_id else None
        if state is not None:
            self.touched.append(step_id)  # type: ignore[arg-type]
        if state is not None and e.get("action") == "rollback":
            if decision == Decisions.RETRY:
                state.rollback_status = None
            elif decision == Decisions.SKIP:
                state.rollback_status = Status.SKIPPED
            elif decision == Decisions.MARK_DONE:
                # The operator checked: the undo finished before golive stopped.
                state.rollback_status = Status.ROLLED_BACK
                state.status = Status.ROLLED_BACK
                if self.active_rollback is not None:
                    self.active_rollback.done.append(step_id)  # type: ignore[arg-type]
            return
        if decision == Decisions.ABORT:
            self.aborting = True
        if decision == Decisions.PAUSE:
            self.paused = True
        elif decision == Decisions.UNPAUSE:
            self.paused = False
        elif state is None:
            if decision == Decisions.RESUME_FROM_POINT:
                for again, step_state in self.steps.items():
                    if step_state.status is Status.ROLLED_BACK:
                        step_state.status = Status.PENDING
                        step_state.rollback_status = None
                        self.touched.append(again)
            return
        elif decision in (Decisions.CONFIRM, Decisions.GO, Decisions.MARK_DONE):
            state.status = Status.SUCCEEDED
            state.finished = state.last_ended = e["m"]
            state.actual = e["m"] - (state.started if state.started is not None else e["m"])
            state.decided = True
            self.completion_order.append(step_id)  # type: ignore[arg-type]
        elif decision == Decisions.SKIP:
            state.status = Status.SKIPPED
            state.decided = True
            state.reason = e.get("reason", "")
        elif decision in (Decisions.RETRY, Decisions.RERUN):
            state.status = Status.PENDING
            state.decided = True
        elif decision in (Decisions.CONTINUE, Decisions.ROLLBACK, Decisions.NO_GO, Decisions.ABORT):
            state.decided = True
            state.accepted_failure = decision == Decisions.CONTINUE
            if e.get("to"):
                self.pending_rollback = e
            if decision == Decisions.NO_GO:
                state.status = Status.FAILED
                state.reason = "no-go: " + e.get("reason", "")

    def _note(self, e: Event) -> None:
        self.notes.append(e)

    def _health_evaluated(self, e: Event) -> None:
        state = self.step(e["step"])
        state.health.append(e)
        state.evaluations += 1
        if len(state.health) > HEALTH_KEPT:
            del state.health[0]

    def _health_asked(self, e: Event) -> None:
        self.touched.append(e["step"])
        self.step(e["step"]).health_asked = e.get("reason", "") or "asked"

    def _rollback_started(self, e: Event) -> None:
        self.pending_rollback = None
        self.rollbacks.append(
            RollbackState(
                to=e["to"], cause=e.get("cause", ""), actions=list(e["actions"]),
                planned=float(e.get("planned", 0.0)), started=e["m"],
            )
        )  # fmt: skip

    def _rollback_finished(self, e: Event) -> None:
        if self.rollbacks:
            self.rollbacks[-1].finished = e["m"]
            self.rollbacks[-1].status = e["status"]

    def _run_finished(self, e: Event) -> None:
        self.outcome = e["outcome"]
        self.outcome_reason = e.get("reason", "")


_HANDLERS: dict[str, Any] = {
    ev.RUN_STARTED: RunState._run_started,
    ev.SESSION_RESUMED: RunState._session_resumed,
    ev.STEP_STARTED: RunState._step_started,
    ev.OUTPUT: RunState._output,
    ev.OUTPUT_CAPPED: RunState._output_capped,
    ev.HOST_FINISHED: RunState._host_finished,
    ev.VERIFY_FINISHED: RunState._verify_finished,
    ev.STEP_FINISHED: RunState._step_finished,
    ev.DECISION: RunState._decision,
    ev.NOTE: RunState._note,
    ev.HEALTH_EVALUATED: RunState._health_evaluated,
    ev.HEALTH_ASKED: RunState._health_asked,
    ev.ROLLBACK_STARTED: RunState._rollback_started,
    ev.ROLLBACK_FINISHED: RunState._rollback_finished,
    ev.RUN_FINISHED: RunState._run_finished,
}
