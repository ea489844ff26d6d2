"""One line for a fleet too big for its table: how many hosts, and the unhappy ones,
worst first, each with the figure that makes it unhappy.

    50 hosts · 3 unhappy: app2 DOWN, db1 mem 96%, app7 STALE 40s
"""

from __future__ import annotations

from golive.core.hostwatch import HostSnapshot, HostState
from golive.tui.shown import visible

# Worst first: a host that cannot be seen, then one whose figures are old, then each
# alert (errors before resources: an error rate is what users feel first).
_ALERT_ORDER = ("errors", "mem", "cpu", "disk")


def trouble(s: HostSnapshot) -> tuple[int, str] | None:
    """(how bad, what to say) for an unhappy host; None for a happy one."""
    name = visible(s.host)
    age = f" {s.age:.0f}s" if s.age is not None else ""
    if s.state is HostState.DOWN:
        return 0, f"{name} DOWN{age}"
    if s.state is HostState.STALE:
        return 1, f"{name} STALE{age}"
    m = s.metrics
    for rank, metric in enumerate(_ALERT_ORDER, start=2):
        if metric not in s.alerts:
            continue
        if metric == "errors":
            return rank, f"{name} errors {s.errors_per_min}/min"
        value = getattr(m, metric, None) if m is not None else None
        figure = f" {value:.0f}%" if isinstance(value, float | int) else ""
        return rank, f"{name} {metric}{figure}"
    others = [a for a in s.alerts if a not in _ALERT_ORDER and a != "down"]
    if others:
        return len(_ALERT_ORDER) + 2, f"{name} {visible(others[0])}"
    if s.state is HostState.RECONNECTING:
        return len(_ALERT_ORDER) + 3, f"{name} reconnecting"
    return None


def fleet_line(snapshots: tuple[HostSnapshot, ...], most: int = 6) -> str:
    """`50 hosts · 3 unhappy: app2 DOWN, db1 mem 96%, app7 STALE 40s` (the first
    `most` of them, then `+N more`), or `50 hosts · all well` (`1 host · all well`)."""
    found = sorted(
        (t for t in map(trouble, snapshots) if t is not None), key=lambda t: t[0]
    )  # sorted is stable: hosts of the same trouble keep the table's order
    head = "1 host" if len(snapshots) == 1 else f"{len(snapshots)} hosts"
    if not found:
        return f"{head} · all well"
    said = ", ".join(text for _, text in found[:most])
    more = f", +{len(found) - most} more" if len(found) > most else ""
    return f"{head} · {len(found)} unhappy: {said}{more}"
