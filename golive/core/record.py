"""A recorded run, rebuilt from its journal: what the review, the reports, compare and
calibrate read. It is a fold over the same events as the live run (state.py), plus what
only hindsight needs: every attempt, every rollback action's duration, metric series per
host, and how the forecast and the rollback deadline moved."""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from golive.core import events as ev
from golive.core.engine import Engine
from golive.core.events import Decisions, Event
from golive.core.graph import longest_path
from golive.core.notify import endpoint_alert
from golive.core.runbook import Runbook, StepKind
from golive.core.state import RunState, Status
from golive.core.timeline import compute

UNTIMED = ("interrupted", Decisions.MARK_DONE)  # attempts whose span is not their duration
# A step is late when it took more than this over its plan: a wait step sleeps a few
# milliseconds longer than asked, and times are shown to the second.
LATE_TOLERANCE = 1.0


@dataclass
class Attempt:
    """One execution of a step, or of its rollback action."""

    action: str  # "run" or "rollback"
    number: int
    start_m: float
    end_m: float | None = None
    status: str = "running"  # succeeded, failed, interrupted, confirmed, ...
    reason: str = ""
    injected: bool = False
    hosts: dict[str, float] = field(default_factory=dict)  # host -> seconds
    failed_hosts: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float | None:
        return None if self.end_m is None else self.end_m - self.start_m


@dataclass
class StepRecord:
    id: str
    title: str
    phase: str
    owner: str
    kind: str
    on: str
    planned: float
    rollback_planned: float
    rollback_point: bool
    point_of_no_return: bool
    has_rollback: bool
    status: str = Status.PENDING.value
    attempts: list[Attempt] = field(default_factory=list)
    output_lines: int = 0
    output_capped: bool = False
    first_output_seq: int | None = None
    verify_ok: bool | None = None
    reason: str = ""

    @property
    def runs(self) -> list[Attempt]:
        return [a for a in self.attempts if a.action == "run"]

    @property
    def undos(self) -> list[Attempt]:
        return [a for a in self.attempts if a.action == "rollback"]

    @property
    def started_m(self) -> float | None:
        runs = self.runs
        return runs[0].start_m if runs else None

    @property
    def ended_m(self) -> float | None:
        ends = [a.end_m for a in self.runs if a.end_m is not None]
        return max(ends) if ends else None

    @property
    def actual(self) -> float | None:
        """Seconds the last finished attempt took (what the plan is compared with). An
        interrupted attempt, or one marked done after a resume, has no measured time: its
        span would include the time golive was down."""
        done = [a for a in self.runs if a.end_m is not None and a.status not in UNTIMED]
        return done[-1].seconds if done else None

    @property
    def variance(self) -> float | None:
        actual = self.actual
        return None if actual is None or not self.planned else actual - self.planned

    @property
    def rollback_actual(self) -> float | None:
        done = [a for a in self.undos if a.end_m is not None]
        return done[-1].seconds if done else None


@dataclass
class RollbackRecord:
    to: str
    cause: str
    planned: float
    start_m: float
    actions: list[str]
    end_m: float | None = None
    status: str = "running"
    action_seconds: dict[str, float] = field(default_factory=dict)
    action_status: dict[str, str] = field(default_factory=dict)
    nothing_to_undo: set[str] = field(default_factory=set)  # actions without a command

    @property
    def seconds(self) -> float | None:
        return None if self.end_m is None else self.end_m - self.start_m


@dataclass
class Moment:
    """Something that happened at an instant: a decision, a note, an alert, a host state."""

    m: float
    kind: str  # decision, note, alert, host_state, session
    text: str
    step: str | None = None  # the step it is about, or the step running at the time
    host: str | None = None
    by: str = ""
    fields: dict[str, object] = field(default_factory=dict)


@dataclass
class HostSeries:
    """A host's samples on the run's time axis (seconds since start)."""

    host: str
    m: array[float] = field(default_factory=lambda: array("d"))
    cpu: array[float] = field(default_factory=lambda: array("d"))
    mem: array[float] = field(default_factory=lambda: array("d"))
    errors: array[float] = field(default_factory=lambda: array("d"))  # per minute
    warnings: array[float] = field(default_factory=lambda: array("d"))
    states: list[tuple[float, str]] = field(default_factory=list)
    crossed: dict[str, int] = field(default_factory=dict)  # metric -> alerts raised
    peak_cpu: float = 0.0
    peak_mem: float = 0.0
    peak_errors: float = 0.0

    def add_columns(
        self,
        m: array[float],
        cpu: array[float],
        mem: array[float],
        errs: array[float],
        warns: array[float],
    ) -> None:
        """A whole run of samples at once (NaN where the host reported no value)."""
        self.m.extend(m)
        self.cpu.extend(cpu)
        self.mem.extend(mem)
        self.errors.extend(errs)
        self.warnings.extend(warns)
        self.peak_cpu = max(self.peak_cpu, _peak(cpu))
        self.peak_mem = max(self.peak_mem, _peak(mem))
        self.peak_errors = max(self.peak_errors, _peak(errs))

    def add(
        self, m: float, cpu: float | None, mem: float | None, errs: float, warns: float
    ) -> None:
        nan = float("nan")
        self.m.append(m)
        self.cpu.append(nan if cpu is None else cpu)
        self.mem.append(nan if mem is None else mem)
        self.errors.append(errs)
        self.warnings.append(warns)
        if cpu is not None and cpu > self.peak_cpu:
            self.peak_cpu = cpu
        if mem is not None and mem > self.peak_mem:
            self.peak_mem = mem
        if errs > self.peak_errors:
            self.peak_errors = errs


def _peak(values: array[float]) -> float:
    return max((v for v in values if v == v), default=0.0)  # v == v skips NaN


@dataclass
class ForecastPoint:
    """The forecast end and the rollback deadline as they stood at one moment of the run."""

    m: float
    forecast_end: datetime
    rollback_deadline: datetime | None
    rollback_point: str | None


@dataclass
class PhaseRecord:
    name: str
    planned: float  # its critical path as planned
    actual: float | None  # from its first start to its last end
    start_m: float | None
    end_m: float | None

    @property
    def drift(self) -> float | None:
        return None if self.actual is None else self.actual - self.planned


@dataclass
class Integrity:
    checked: bool = False  # the chain was verified (a review may draw before it is)
    ok: bool = True
    broken_line: int | None = None
    problem: str = ""
    torn_line: int | None = None
    events: int = 0
    head: str = ""


@dataclass
class RunRecord:
    journal: str
    name: str = ""
    mode: str = ""
    runbook_path: str = ""
    runbook_sha256: str = ""
    outcome: str | None = None
    outcome_reason: str = ""
    started: datetime | None = None
    ended_m: float = 0.0
    window_start: datetime | None = None
    window_end: datetime | None = None
    sessions: int = 0
    injected: list[str] = field(default_factory=list)
    outside_window: bool = False  # a live run started outside its change window, on purpose
    steps: list[StepRecord] = field(default_factory=list)
    phases: list[PhaseRecord] = field(default_factory=list)
    rollbacks: list[RollbackRecord] = field(default_factory=list)
    moments: list[Moment] = field(default_factory=list)
    hosts: dict[str, HostSeries] = field(default_factory=dict)
    forecasts: list[ForecastPoint] = field(default_factory=list)
    integrity: Integrity = field(default_factory=Integrity)
    drill: dict[str, object] | None = None
    # Health gates' health_evaluated and health_asked events, in order (each evaluation's
    # hosts cut to its worst HEALTH_HOSTS_KEPT: the report shows the worst first).
    health: list[Event] = field(default_factory=list)

    def step(self, step_id: str) -> StepRecord:
        return next(s for s in self.steps if s.id == step_id)

    def wall(self, m: float) -> datetime | None:
        return None if self.started is None else self.started + timedelta(seconds=m)

    @property
    def window_seconds(self) -> float | None:
        if self.window_start is None or self.window_end is None:
            return None
        return (self.window_end - self.window_start).total_seconds()

    @property
    def window_used(self) -> float | None:
        """Seconds of the window the run used, from the window's start to the run's end."""
        if self.window_start is None or self.started is None:
            return None
        end = self.started + timedelta(seconds=self.ended_m)
        return max(0.0, (end - self.window_start).total_seconds())

    @property
    def late_steps(self) -> list[StepRecord]:
        """Steps that took more than LATE_TOLERANCE longer than planned, the latest first."""
        late = [s for s in self.steps if (s.variance or 0) > LATE_TOLERANCE]
        return sorted(late, key=lambda s: -(s.variance or 0))

    @property
    def gates(self) -> list[Moment]:
        kinds = {s.id: s.kind for s in self.steps}
        return [
            m
            for m in self.moments
            if m.kind == "decision"
            and m.step is not None
            and kinds.get(m.step) == StepKind.GATE.value
            and m.fields.get("decision") in (Decisions.GO, Decisions.NO_GO)
        ]

    def moments_of(self, kind: str) -> list[Moment]:
        return [m for m in self.moments if m.kind == kind]

    def running_at(self, m: float) -> str | None:
        """The step that was running at offset m (the latest started), if any."""
        best: tuple[float, str] | None = None
        for s in self.steps:
            for a in s.attempts:
                during = a.start_m <= m and (a.end_m is None or m <= a.end_m)
                if during and (best is None or a.start_m > best[0]):
                    best = (a.start_m, s.id)
        return best[1] if best else None


class RecordBuilder:
    """Feed it a journal's events in order; `finish()` gives the RunRecord."""

    def __init__(self, journal: str, runbook: Runbook | None) -> None:
        self.record = RunRecord(journal=journal)
        self.runbook = runbook
        self.engine = Engine(runbook) if runbook is not None else None
        self.state = RunState()
        self._steps: dict[str, StepRecord] = {}
        self._open: dict[tuple[str, str], Attempt] = {}
        self._running: dict[str, float] = {}  # step -> start of its open run attempt
        if runbook is not None:
            for step in runbook.steps:
                self._add_step(step.id, runbook)

    def _add_step(self, step_id: str, runbook: Runbook | None) -> StepRecord:
        step = runbook.step(step_id) if runbook is not None and runbook.has_step(step_id) else None
        record = StepRecord(
            id=step_id,
            title=step.label if step else step_id,
            phase=step.phase if step else "main",
            owner=step.owner if step else "",
            kind=step.kind.value if step else "command",
            on=step.on if step else "",
            planned=step.planned if step else 0.0,
            rollback_planned=(step.rollback_duration or step.planned) if step else 0.0,
            rollback_point=step.rollback_point if step else False,
            point_of_no_return=step.point_of_no_return if step else False,
            has_rollback=bool(step and step.rollback),
        )
        self._steps[step_id] = record
        self.record.steps.append(record)
        return record

    def _current_step(self) -> str | None:
        """The step running now (the latest started), as events arrive in order."""
        open_runs = [(a.start_m, step) for (step, _), a in self._open.items()]
        return max(open_runs)[1] if open_runs else None

    def _step(self, step_id: str) -> StepRecord:
        found = self._steps.get(step_id)
        return found if found is not None else self._add_step(step_id, None)

    def series(self, host: str) -> HostSeries:
        found = self.record.hosts.get(host)
        if found is None:
            found = self.record.hosts[host] = HostSeries(host)
        return found

    def add_samples(self, samples: Iterable[Event]) -> None:
        """Samples carry no state: they can be folded in any time, apart from the rest."""
        hosts = self.record.hosts
        for e in samples:
            host = e["host"]
            series = hosts.get(host)
            if series is None:
                series = hosts[host] = HostSeries(host)
            series.add(
                float(e["m"]),
                e.get("cpu"),
                e.get("mem"),
                float(e.get("errors_per_min") or 0),
                float(e.get("warnings_per_min") or 0),
            )

    def add(self, e: Event) -> None:
        kind = e["type"]
        if kind == ev.SAMPLE:
            self.add_samples((e,))
            return
        self.state.apply(e)
        m = float(e.get("m", 0.0))
        r = self.record
        r.ended_m = max(r.ended_m, m)
        handler = _BUILD.get(kind)
        if handler is not None:
            handler(self, e, m)
        if kind in _MOVES_FORECAST and self.engine is not None and self.state.started_wall:
            timing = compute(self.engine, self.state, m)
            r.forecasts.append(
                ForecastPoint(
                    m, timing.forecast_end, timing.rollback_deadline, timing.rollback_point
                )
            )

    # -- handlers ------------------------------------------------------------
    def _run_started(self, e: Event, m: float) -> None:
        r, s = self.record, self.state
        r.name, r.mode = s.name, s.mode
        r.runbook_path, r.runbook_sha256 = s.runbook_path, s.runbook_sha256
        r.started = s.started_wall
        r.window_start, r.window_end = s.window_start, s.window_end
        r.injected = sorted(s.injected)
        r.outside_window = bool(e.get("outside_window"))
        r.sessions = 1
        for step_id in e.get("steps", []):
            self._step(step_id)
        if e.get("drill"):
            r.drill = dict(e["drill"])

    def _session_resumed(self, e: Event, m: float) -> None:
        self.record.sessions += 1
        for attempt in self._open.values():
            attempt.status, attempt.end_m = "interrupted", m
        self._open.clear()
        self.record.moments.append(
            Moment(m, "session", "golive resumed the run (the previous session stopped)")
        )

    def _step_started(self, e: Event, m: float) -> None:
        action = e.get("action", "run")
        step = self._step(e["step"])
        number = e.get("attempt") or len([a for a in step.attempts if a.action == action]) + 1
        attempt = Attempt(action, int(number), m)
        step.attempts.append(attempt)
        self._open[(e["step"], action)] = attempt

    def _output(self, e: Event, m: float) -> None:
        step = self._step(e["step"])
        step.output_lines += 1
        if step.first_output_seq is None:
            step.first_output_seq = e.get("seq")

    def _output_capped(self, e: Event, m: float) -> None:
        self._step(e["step"]).output_capped = True

    def _host_finished(self, e: Event, m: float) -> None:
        attempt = self._open.get((e["step"], e.get("action", "run")))
        if attempt is not None:
            attempt.hosts[e["host"]] = float(e.get("seconds", 0.0))
            if e.get("exit") != 0:
                attempt.failed_hosts.append(e["host"])

    def _verify_finished(self, e: Event, m: float) -> None:
        self._step(e["step"]).verify_ok = bool(e.get("ok"))

    def _step_finished(self, e: Event, m: float) -> None:
        action = e.get("action", "run")
        attempt = self._open.pop((e["step"], action), None)
        step = self._step(e["step"])
        if attempt is not None:
            attempt.end_m, attempt.status = m, e["status"]
            attempt.reason = e.get("reason", "")
            attempt.injected = bool(e.get("injected"))
        if action == "rollback" and self.record.rollbacks:
            rollback = self.record.rollbacks[-1]
            if attempt is not None:
                rollback.action_seconds[e["step"]] = m - attempt.start_m
            rollback.action_status[e["step"]] = e["status"]
        self._sync(step)

    def _decision(self, e: Event, m: float) -> None:
        step_id = e.get("step")
        decision = e["decision"]
        by = e.get("by", "")
        reason = e.get("reason", "")
        text = (
            f"{decision}" + (f" {step_id}" if step_id else "") + (f": {reason}" if reason else "")
        )
        fields = {"decision": decision, "automatic": bool(e.get("automatic"))}
        if e.get("to"):
            fields["to"] = e["to"]
        self.record.moments.append(Moment(m, "decision", text, step_id, None, by, fields))
        if step_id and decision in (Decisions.CONFIRM, Decisions.GO, Decisions.MARK_DONE):
            attempt = self._open.pop((step_id, e.get("action", "run")), None)
            if attempt is not None:
                attempt.end_m, attempt.status = m, decision
            elif decision == Decisions.MARK_DONE:
                # After a resume: the interrupted attempt is declared done; when it really
                # ended is unknown, so its end stays where the session stopped.
                runs = self._step(step_id).runs
                if runs and runs[-1].status == "interrupted":
                    runs[-1].status = decision
        if step_id:
            self._sync(self._step(step_id))

    def _note(self, e: Event, m: float) -> None:
        running = self._current_step()
        self.record.moments.append(
            Moment(m, "note", e.get("text", ""), running, None, e.get("by", ""))
        )

    def _alert(self, e: Event, m: float) -> None:
        host, metric, status = e.get("host", ""), e.get("metric", ""), e.get("status", "")
        value, threshold = e.get("value"), e.get("threshold")
        text = f"{host} {metric} {status}" + (
            f" ({value} against {threshold})" if value is not None and threshold is not None else ""
        )
        self.record.moments.append(
            Moment(m, "alert", text, self._current_step(), host, "",
                   {"metric": metric, "status": status, "value": value, "threshold": threshold})
        )  # fmt: skip
        # An endpoint's circuit (host "notify:NAME") is in the moments, not among the hosts.
        endpoint = endpoint_alert(e) is not None
        if status == "raised" and not e.get("settled") and not endpoint:  # a settle repeats
            series = self.record.hosts.get(host) or self.record.hosts.setdefault(
                host, HostSeries(host)
            )
            series.crossed[metric] = series.crossed.get(metric, 0) + 1

    def _host_state(self, e: Event, m: float) -> None:
        host = e.get("host", "")
        series = self.record.hosts.get(host) or self.record.hosts.setdefault(host, HostSeries(host))
        series.states.append((m, e.get("state", "")))
        self.record.moments.append(
            Moment(m, "host_state", f"{host} {e.get('state', '')}" + (f": {e['reason']}" if e.get("reason") else ""),
                   self._current_step(), host)
        )  # fmt: skip

    def _rollback_started(self, e: Event, m: float) -> None:
        rollback = RollbackRecord(
            e["to"], e.get("cause", ""), float(e.get("planned", 0.0)), m, list(e["actions"])
        )
        commands = e.get("commands")
        if isinstance(commands, list) and len(commands) == len(rollback.actions):
            rollback.nothing_to_undo = {
                a for a, command in zip(rollback.actions, commands, strict=True) if not command
            }
        elif self.runbook is not None:  # no commands recorded: the runbook says
            rollback.nothing_to_undo = {
                a for a in rollback.actions if not self._step(a).has_rollback
            }
        self.record.rollbacks.append(rollback)

    def _rollback_finished(self, e: Event, m: float) -> None:
        if self.record.rollbacks:
            rollback = self.record.rollbacks[-1]
            rollback.end_m, rollback.status = m, e["status"]

    def _run_finished(self, e: Event, m: float) -> None:
        self.record.outcome, self.record.outcome_reason = e["outcome"], e.get("reason", "")
        if e.get("drill"):
            self.record.drill = {**(self.record.drill or {}), **e["drill"]}

    def _sync(self, step: StepRecord) -> None:
        s = self.state.steps.get(step.id)
        if s is not None:
            step.status, step.reason = s.status.value, s.reason

    # -- the end -------------------------------------------------------------------
    def finish(self) -> RunRecord:
        r = self.record
        for step in r.steps:
            self._sync(step)
        for (step_id, _), attempt in self._open.items():
            if self.state.outcome is not None or step_id not in self.state.steps:
                continue
            attempt.status = (
                "running" if self.state.steps[step_id].status is Status.RUNNING else attempt.status
            )
        r.phases = self._phases()
        r.moments.sort(key=lambda moment: moment.m)
        return r

    def _phases(self) -> list[PhaseRecord]:
        phases: list[PhaseRecord] = []
        names = (
            self.runbook.phases
            if self.runbook is not None
            else sorted({s.phase for s in self.record.steps})
        )
        for name in names:
            members = [s for s in self.record.steps if s.phase == name]
            planned = 0.0
            if self.runbook is not None:
                # The phase's critical path: parallel streams overlap in the plan too.
                ids = [s.id for s in members]
                inside = set(ids)
                deps = {i: [d for d in self.runbook.step(i).depends_on if d in inside] for i in ids}
                planned, _ = longest_path(ids, deps, lambda i: self.runbook.step(i).planned)  # type: ignore[union-attr]
            starts = [s.started_m for s in members if s.started_m is not None]
            ends = [s.ended_m for s in members if s.ended_m is not None]
            start = min(starts) if starts else None
            end = max(ends) if ends else None
            actual = None if start is None or end is None else end - start
            phases.append(PhaseRecord(name, planned, actual, start, end))
        return phases


_MOVES_FORECAST = frozenset(
    {ev.RUN_STARTED, ev.SESSION_RESUMED, ev.STEP_STARTED, ev.STEP_FINISHED, ev.DECISION,
     ev.ROLLBACK_STARTED, ev.ROLLBACK_FINISHED}
)  # fmt: skip

HEALTH_HOSTS_KEPT = 20


def _health(self: RecordBuilder, e: Event, m: float) -> None:
    kept = dict(e)
    if isinstance(kept.get("hosts"), list):
        kept["hosts"] = kept["hosts"][:HEALTH_HOSTS_KEPT]
    self.record.health.append(kept)


_BUILD = {
    ev.RUN_STARTED: RecordBuilder._run_started,
    ev.SESSION_RESUMED: RecordBuilder._session_resumed,
    ev.STEP_STARTED: RecordBuilder._step_started,
    ev.OUTPUT: RecordBuilder._output,
    ev.OUTPUT_CAPPED: RecordBuilder._output_capped,
    ev.HOST_FINISHED: RecordBuilder._host_finished,
    ev.VERIFY_FINISHED: RecordBuilder._verify_finished,
    ev.STEP_FINISHED: RecordBuilder._step_finished,
    ev.DECISION: RecordBuilder._decision,
    ev.NOTE: RecordBuilder._note,
    ev.ALERT: RecordBuilder._alert,
    ev.HOST_STATE: RecordBuilder._host_state,
    ev.ROLLBACK_STARTED: RecordBuilder._rollback_started,
    ev.ROLLBACK_FINISHED: RecordBuilder._rollback_finished,
    ev.RUN_FINISHED: RecordBuilder._run_finished,
    ev.HEALTH_EVALUATED: _health,
    ev.HEALTH_ASKED: _health,
}


def build_record(journal: str, runbook: Runbook | None, events: Iterable[Event]) -> RunRecord:
    builder = RecordBuilder(journal, runbook)
    for e in events:
        builder.add(e)
    return builder.finish()


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile with linear interpolation between closest ranks (as numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    k = (len(ordered) - 1) * p / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)
