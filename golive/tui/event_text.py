"""The one-line wording of journal events, shared by the run screen and the review.

Everything here is shown to the engineer on duty: state words are words ("rolled
back", never "rolled_back"), figures carry their unit ("errors 12/min", "CPU 92%"), and
a figure the event does not have is left out, never shown as "None"."""

from __future__ import annotations

from collections.abc import Mapping

from golive.core import events as ev
from golive.core.events import Event
from golive.core.health_text import evaluation_line
from golive.core.state import Status
from golive.core.text import visible

METRIC_NAMES = {"cpu": "CPU", "mem": "memory", "errors": "errors"}
# The log levels golive.core.loglevels knows, the most severe first, as a count is said.
LEVEL_NAMES = {
    "critical": "critical",
    "error": "errors",
    "warning": "warnings",
    "notice": "notices",
    "info": "info",
    "debug": "debug",
    "unknown": "unclassified",
}


def describe(e: Event) -> str:
    """One line for a journal event, as the run screen's events pane and the review list it;
    "" for events neither lists (output, samples, verify results). Reasons, notes and host
    errors come from people and hosts: their control characters are shown as escapes."""
    return visible(_describe(e), newlines=True)


def status_word(status: Status | str | None) -> str:
    """A step's status or a run's outcome as a word: "rolled back", not "rolled_back"."""
    if status is None:
        return ""
    value = status.value if isinstance(status, Status) else str(status)
    return value.replace("_", " ")


def amount(metric: str, value: object) -> str:
    """A monitor figure with its unit: "92%", "12/min"; "" when there is none."""
    if value is None or isinstance(value, bool):
        return ""
    if not isinstance(value, int | float):
        return str(value)
    if metric in ("cpu", "mem"):
        return f"{value:.0f}%"
    if metric == "errors":
        return f"{value:g}/min"
    return f"{value:g}"


def alert_words(
    metric: str, raised: bool, value: object, threshold: object = None, up_to: bool = False
) -> str:
    """What an alert says of its host: "errors 12/min (threshold 5/min)", "CPU back to
    40%", "DOWN", "back up"; `up_to`: the value is the highest of several."""
    if metric == "down":
        return "DOWN" if raised else "back up"
    name, figure = METRIC_NAMES.get(metric, metric), amount(metric, value)
    if not raised:
        return f"{name} back to {figure}" if figure else f"{name} back to normal"
    if not figure:
        return f"{name} over its threshold"
    limit = amount(metric, threshold)
    return f"{name} {'up to ' if up_to else ''}{figure}" + (
        f" (threshold {limit})" if limit else ""
    )


def alert_head(host: str, metric: str, raised: bool, value: object, up_to: bool = False) -> str:
    """An alert without its threshold: "⚠ app2 errors 12/min", "✓ app2 CPU back to 40%",
    "⚠ app2 DOWN", "✓ app2 back up"."""
    return f"{'⚠' if raised else '✓'} {host} {alert_words(metric, raised, value, None, up_to)}"


def alert_text(e: Event) -> str:
    """An alert event: "⚠ app2 errors 12/min (threshold 5/min)", "⚠ app2 DOWN", and a
    flapping one: "⚠ app2 CPU flapping: raised 4× in 10 min, quiet until it settles"."""
    raised = e.get("status") == "raised"
    metric = str(e.get("metric", ""))
    host = e.get("host", "")
    if e.get("flapping"):
        name = METRIC_NAMES.get(metric, metric)
        return (
            f"⚠ {host} {name} flapping: raised {e.get('raises', '?')}× in 10 min, "
            "quiet until it settles"
        )
    if e.get("settled"):
        name = METRIC_NAMES.get(metric, metric)
        return f"{'⚠' if raised else '✓'} {host} {name} settled: {'still over' if raised else 'back to normal'}"
    words = alert_words(metric, raised, e.get("value"), e.get("threshold"))
    return f"{'⚠' if raised else '✓'} {host} {words}"


def levels_text(levels: Mapping[str, int]) -> str:
    """Log messages per level in the current minute: "errors 1/min, warnings 3/min";
    the most severe first, levels without a message left out."""
    order = [*LEVEL_NAMES, *sorted(set(levels) - set(LEVEL_NAMES))]
    said = [f"{LEVEL_NAMES.get(lv, lv)} {levels[lv]}/min" for lv in order if levels.get(lv)]
    return ", ".join(said) if said else "no log messages"


def _describe(e: Event) -> str:
    kind, step = e.get("type"), e.get("step")
    undo = "undo " if e.get("action") == "rollback" else ""
    reason = f": {e['reason']}" if e.get("reason") else ""
    if kind == ev.STEP_STARTED:
        attempt = e.get("attempt") or 1
        return (
            f"↶ undo {step}"
            if undo
            else f"▶ {step}" + (f" (attempt {attempt})" if attempt > 1 else "")
        )
    if kind == ev.STEP_FINISHED:
        status = e.get("status")
        icon = Status.SUCCEEDED.icon if status == "succeeded" else Status.FAILED.icon
        if status == Status.INTERRUPTED.value:
            icon = Status.INTERRUPTED.icon
        return f"{icon} {undo}{step} {status_word(status)}{reason}"
    if kind == ev.DECISION:
        who = "automatic" if e.get("automatic") else e.get("by", "")
        about = f"{step}: " if step else ""
        target = f" to {e['to']}" if e.get("to") else ""
        why = f" — {e['reason']}" if e.get("reason") else ""
        return f"⚑ {about}{e.get('decision')}{target} ({who}){why}"
    if kind == ev.NOTE:
        return f"✎ {e.get('by', '')}: {e.get('text', '')}"
    if kind == ev.ALERT:
        return alert_text(e)
    if kind == ev.HOST_STATE:
        return f"● {e.get('host')} {e.get('state')}" + (
            f": {e['reason']}" if e.get("reason") else ""
        )
    to = f" to {e['to']}" if e.get("to") else ""
    if kind == ev.ROLLBACK_STARTED:
        return f"↶ ROLLBACK{to}: {', '.join(e.get('actions') or [])}"
    if kind == ev.ROLLBACK_FINISHED:
        return f"↶ rollback{to} {status_word(e.get('status'))}"
    if kind == ev.RUN_FINISHED:
        return f"■ run {status_word(e.get('outcome'))}{reason}"
    if kind == ev.HEALTH_EVALUATED:
        return evaluation_line(e)
    if kind == ev.HEALTH_ASKED:
        return f"? {step}: the health gate asks a person{reason}"
    if kind == ev.SESSION_RESUMED:
        return "⟳ resumed"
    if kind == ev.RUN_STARTED:
        return f"● {e.get('mode')} run of {e.get('name')}"
    return ""
