"""The fleet as a journal tells it: each host's state, newest figures and open alerts,
folded from its host_state, sample and alert events.

The live monitor knows more than it journals (every log line, every sample in
between); a follower, a status line and a wallboard know only the journal. So this
fold shows what the journal holds: the state and its reason, the last journaled
figures and their age, the error and warning rates the monitor journaled with
them, and the metrics whose alert is raised and not yet cleared."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from golive.core import events as ev
from golive.core.events import Event
from golive.core.hostwatch import HISTORY, HostSnapshot, HostState, Metrics
from golive.core.notify import endpoint_alert


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


@dataclass
class _Host:
    state: HostState = HostState.CONNECTING
    reason: str = ""
    sampled_at: float | None = None
    metrics: Metrics | None = None
    errors_per_min: int = 0
    warnings_per_min: int = 0
    cpu: deque[float] = field(default_factory=lambda: deque(maxlen=HISTORY))
    mem: deque[float] = field(default_factory=lambda: deque(maxlen=HISTORY))
    alerts: set[str] = field(default_factory=set)


class HostsFold:
    """Hosts folded from journal events, in journal order (times are run offsets `m`)."""

    def __init__(self, hosts: list[str] | tuple[str, ...] = ()) -> None:
        self._hosts: dict[str, _Host] = {name: _Host() for name in hosts}

    def add(self, hosts: list[str]) -> None:
        """Hosts of a runbook (changed at a resume): known, in its order, from now on."""
        for name in hosts:
            self._hosts.setdefault(name, _Host())

    @property
    def names(self) -> list[str]:
        return list(self._hosts)

    def apply(self, event: Event) -> bool:
        """Fold one event; True if it was about a host."""
        kind = event.get("type")
        if kind not in (ev.HOST_STATE, ev.SAMPLE, ev.ALERT):
            return False
        name = event.get("host")
        if not isinstance(name, str) or endpoint_alert(event) is not None:
            return False  # an endpoint's circuit alert is not a host's
        host = self._hosts.setdefault(name, _Host())
        if kind == ev.HOST_STATE:
            try:
                host.state = HostState(event.get("state"))
            except ValueError:
                return False
            host.reason = str(event.get("reason") or "")
        elif kind == ev.SAMPLE:
            cpu, mem = _number(event.get("cpu")), _number(event.get("mem"))
            host.metrics = Metrics(
                cpu, mem, _number(event.get("load1")), _number(event.get("disk"))
            )
            host.sampled_at = _number(event.get("m"))
            host.errors_per_min = int(_number(event.get("errors_per_min")) or 0)
            host.warnings_per_min = int(_number(event.get("warnings_per_min")) or 0)
            if cpu is not None:
                host.cpu.append(cpu)
            if mem is not None:
                host.mem.append(mem)
        else:
            metric = str(event.get("metric"))
            if event.get("status") == "raised":
                host.alerts.add(metric)
            else:
                host.alerts.discard(metric)
        return True

    def snapshots(self, now_m: float) -> tuple[HostSnapshot, ...]:
        return tuple(
            HostSnapshot(
                host=name,
                state=h.state,
                reason=h.reason,
                at=now_m,
                sampled_at=h.sampled_at,
                metrics=h.metrics,
                errors_per_min=h.errors_per_min,
                warnings_per_min=h.warnings_per_min,
                levels_this_minute={},
                cpu_history=tuple(h.cpu),
                mem_history=tuple(h.mem),
                error_history=(),
                last_errors=(),
                alerts=tuple(sorted(h.alerts)),
            )
            for name, h in self._hosts.items()
        )
