"""The runbook model: what a loaded, checked runbook holds."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from functools import cached_property

LOCAL = "local"


class StepKind(Enum):
    COMMAND = "command"
    MANUAL = "manual"
    CHECK = "check"
    GATE = "gate"
    WAIT = "wait"

    @property
    def needs_operator(self) -> bool:
        return self in (StepKind.MANUAL, StepKind.GATE)


class OnFailure(Enum):
    ASK = "ask"
    ROLLBACK = "rollback"
    CONTINUE = "continue"


@dataclass(frozen=True)
class Window:
    start: datetime  # timezone-aware
    end: datetime

    @property
    def seconds(self) -> float:
        # In absolute time: aware datetimes sharing a zone subtract as wall clocks,
        # and a night with a clock change is an hour longer or shorter than that.
        return (self.end.astimezone(UTC) - self.start.astimezone(UTC)).total_seconds()


@dataclass(frozen=True)
class Variable:
    name: str
    value: str | None = None
    env: str | None = None
    prompt: bool = False
    secret: bool = False


@dataclass(frozen=True)
class Host:
    name: str
    address: str | None = None
    port: int | None = None
    user: str | None = None
    identity_file: str | None = None
    groups: tuple[str, ...] = ()
    logs: tuple[str, ...] = ()
    local: bool = False


@dataclass(frozen=True)
class HostThresholds:
    """Alert thresholds: CPU %, memory %, error-level messages per minute."""

    cpu_warn: float = 85.0
    mem_warn: float = 90.0
    errors_warn_per_min: float = 5.0


@dataclass(frozen=True)
class ThresholdsSet:
    """Some thresholds, for a group or a host; None: not set there."""

    cpu_warn: float | None = None
    mem_warn: float | None = None
    errors_warn_per_min: float | None = None


@dataclass(frozen=True)
class Monitor:
    interval: float = 2.0
    cpu_warn: float = 85.0
    mem_warn: float = 90.0
    errors_warn_per_min: float = 5.0
    # [monitor.groups.NAME] and [monitor.hosts.NAME]: a host's own win, then its
    # group's (golive check refuses a host whose groups disagree), then these.
    groups: Mapping[str, ThresholdsSet] = field(default_factory=dict)
    hosts: Mapping[str, ThresholdsSet] = field(default_factory=dict)

    def thresholds_for(self, host: Host) -> HostThresholds:
        found = HostThresholds(self.cpu_warn, self.mem_warn, self.errors_warn_per_min)
        sets = [self.groups[g] for g in host.groups if g in self.groups]
        if host.name in self.hosts:
            sets.append(self.hosts[host.name])
        for one in sets:
            found = HostThresholds(
                one.cpu_warn if one.cpu_warn is not None else found.cpu_warn,
                one.mem_warn if one.mem_warn is not None else found.mem_warn,
                one.errors_warn_per_min
                if one.errors_warn_per_min is not None
                else found.errors_warn_per_min,
            )
        return found


@dataclass(frozen=True)
class HttpCheck:
    url: str
    status: int = 200
    contains: str | None = None
    max_latency: float | None = None
    timeout: float = 10.0


@dataclass(frozen=True)
class Verify:
    command: str | None = None
    http: HttpCheck | None = None


RATE_METRICS = ("errors", "warnings")  # messages per minute, from the logs
LEVEL_METRICS = ("cpu", "mem", "load", "disk")  # percent (load: the 1-minute average)
HEALTH_ON_FAIL = ("ask", "rollback", "continue")
HEALTH_ON_INCONCLUSIVE = ("ask", "rollback", "wait")


@dataclass(frozen=True)
class HealthCheck:
    """One ``[[steps.health.checks]]``: a rate (errors, warnings) against its baseline's
    rate, or a level (cpu, mem, load, disk) against its baseline's median or p90."""

    metric: str
    line: int = 0
    max_ratio: float | None = None  # rates: at most this many times the baseline's rate
    floor_per_minute: float = 0.0  # rates: never fail at or below this many a minute
    stat: str = "median"  # levels: "median" or "p90"
    max_increase: float | None = None  # levels: at most this many points over the baseline
    cap: float | None = None  # levels: never over this (the runbook's `max`)

    @property
    def is_rate(self) -> bool:
        return self.metric in RATE_METRICS


@dataclass(frozen=True)
class Health:
    """A gate's ``[steps.health]``: the gate decides itself from live metrics against a
    baseline, evaluating every `every` seconds over the last `window` seconds."""

    baseline: str
    checks: tuple[HealthCheck, ...]
    window: float = 300.0
    every: float = 30.0
    min_samples: int = 20
    max_bad_hosts: int = 0
    pass_after: int = 3
    fail_after: int = 2
    on_fail: str = "ask"
    on_inconclusive: str = "ask"
    observe_only: bool = False
    line: int = 0


@dataclass(frozen=True)
class Baseline:
    """A ``[baselines.NAME]``: a recorded `golive monitor --record` journal (`file`,
    relative to the runbook), or this run's own last `length` seconds before a step."""

    name: str
    line: int = 0
    file: str | None = None
    before_step: str | None = None
    length: float | None = None


@dataclass(frozen=True)
class Step:
    id: str
    line: int
    title: str = ""
    phase: str = "main"
    owner: str = ""
    kind: StepKind = StepKind.COMMAND
    on: str = LOCAL
    run: str | None = None
    duration: float | None = None
    timeout: float | None = None
    not_before: datetime | None = None
    depends_on: tuple[str, ...] = ()
    verify: Verify | None = None
    rollback: str | None = None
    rollback_duration: float | None = None
    rollback_point: bool = False
    point_of_no_return: bool = False
    retries: int = 0
    max_failed_hosts: int = 0  # a group step still succeeds with this many hosts failed
    on_failure: OnFailure = OnFailure.ASK
    instructions: str = ""
    health: Health | None = None

    @property
    def label(self) -> str:
        return self.title or self.id

    @property
    def planned(self) -> float:
        return self.duration or 0.0

    @property
    def planned_rollback(self) -> float:
        """Planned time of this step's rollback; a step takes as long to undo as to do
        unless the runbook (or a calibration from rehearsals) says otherwise."""
        if self.rollback_duration is not None:
            return self.rollback_duration
        return self.planned


NOTIFY_KINDS = ("step_failed", "gate_waiting", "rollback_started", "window_at_risk", "run_finished")
NOTIFY_FORMATS = ("slack", "teams", "pagerduty", "json")


@dataclass(frozen=True)
class NotifyEndpoint:
    """One ``[[notify]]`` table. `url`, `routing_key` and `signing_secret` are templates
    (``{{slack_url}}``): their values are secret variables, resolved at run time."""

    name: str
    format: str
    url: str
    on: tuple[str, ...]
    resolve_on: tuple[str, ...] = ()
    rehearsal: bool = False
    repeat_after: float = 600.0
    routing_key: str = ""
    signing_secret: str = ""

    def wants(self, kind: str, mode: str) -> bool:
        if mode == "dry-run" or (mode != "live" and not self.rehearsal):
            return False
        return kind in self.on or kind in self.resolve_on


@dataclass(frozen=True)
class Runbook:
    path: str
    name: str
    source: str
    sha256: str
    window: Window | None
    description: str = ""
    variables: dict[str, Variable] = field(default_factory=dict)
    hosts: dict[str, Host] = field(default_factory=dict)
    monitor: Monitor = field(default_factory=Monitor)
    steps: tuple[Step, ...] = ()
    known_hosts: str | None = None
    notify: tuple[NotifyEndpoint, ...] = ()
    baselines: dict[str, Baseline] = field(default_factory=dict)

    @cached_property
    def _by_id(self) -> dict[str, Step]:
        return {step.id: step for step in self.steps}

    @property
    def known_hosts_path(self) -> str | None:
        """The runbook's known_hosts file; a relative path is relative to the runbook."""
        if not self.known_hosts:
            return None
        path = os.path.expanduser(self.known_hosts)
        return (
            path
            if os.path.isabs(path)
            else os.path.join(os.path.dirname(os.path.abspath(self.path)), path)
        )

    def relative_path(self, path: str) -> str:
        """A path the runbook names, relative to the runbook's own folder."""
        path = os.path.expanduser(path)
        if os.path.isabs(path):
            return path
        return os.path.join(os.path.dirname(os.path.abspath(self.path)), path)

    def step(self, step_id: str) -> Step:
        return self._by_id[step_id]

    def has_step(self, step_id: str) -> bool:
        return step_id in self._by_id

    @property
    def phases(self) -> list[str]:
        seen: dict[str, None] = {}
        for step in self.steps:
            seen.setdefault(step.phase, None)
        return list(seen)

    @property
    def groups(self) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = {}
        for host in self.hosts.values():
            for group in host.groups:
                groups.setdefault(group, []).append(host.name)
        return groups

    def targets(self, on: str) -> list[Host]:
        """The hosts a step `on` a host, group or "local" runs on."""
        if on == LOCAL:
            return [Host(name=LOCAL, local=True)]
        if on in self.hosts:
            return [self.hosts[on]]
        return [self.hosts[name] for name in self.groups.get(on, [])]

    def window_offset(self, moment: datetime) -> float | None:
        if self.window is None:
            return None
        return (moment.astimezone(UTC) - self.window.start.astimezone(UTC)).total_seconds()

    def window_end_after(self, seconds: float) -> datetime | None:
        if self.window is None:
            return None
        return (self.window.start.astimezone(UTC) + timedelta(seconds=seconds)).astimezone(
            self.window.start.tzinfo
        )
