"""The one-line wording of journal events, shared by the run screen and the review."""

from __future__ import annotations

from golive.core import events as ev
from golive.core.events import Event
from golive.core.state import Status
from golive.core.text import visible


def describe(e: Event) -> str:
    """One line for a journal event, as the run screen's events pane and the review list it;
    "" for events neither lists (output, samples, verify results). Reasons, notes and host
    errors come from people and hosts: their control characters are shown as escapes."""
    return visible(_describe(e), newlines=True)


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
        icon = Status.SUCCEEDED.icon if e.get("status") == "succeeded" else Status.FAILED.icon
        return f"{icon} {undo}{step} {e.get('status')}{reason}"
    if kind == ev.DECISION:
        who = "automatic" if e.get("automatic") else e.get("by", "")
        about = f"{step}: " if step else ""
        target = f" to {e['to']}" if e.get("to") else ""
        why = f" — {e['reason']}" if e.get("reason") else ""
        return f"⚑ {about}{e.get('decision')}{target} ({who}){why}"
    if kind == ev.NOTE:
        return f"✎ {e.get('by', '')}: {e.get('text', '')}"
    if kind == ev.ALERT:
        mark = "⚠" if e.get("status") == "raised" else "✓"
        value = (
            f" {e['value']} (threshold {e['threshold']})" if e.get("threshold") is not None else ""
        )
        return f"{mark} {e.get('host')} {e.get('metric')} {e.get('status')}{value}"
    if kind == ev.HOST_STATE:
        return f"● {e.get('host')} {e.get('state')}" + (
            f": {e['reason']}" if e.get("reason") else ""
        )
    if kind == ev.ROLLBACK_STARTED:
        return f"↶ ROLLBACK to {e.get('to')}: {', '.join(e.get('actions') or [])}"
    if kind == ev.ROLLBACK_FINISHED:
        return f"↶ rollback to {e.get('to')} {e.get('status')}"
    if kind == ev.RUN_FINISHED:
        return f"■ run {e.get('outcome')}{reason}"
    if kind == ev.SESSION_RESUMED:
        return "⟳ resumed"
    if kind == ev.RUN_STARTED:
        return f"● {e.get('mode')} run of {e.get('name')}"
    return ""
