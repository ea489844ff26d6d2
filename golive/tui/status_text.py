"""The run in a few lines of words: the compact follower's pane and `golive status`.

The same words as the run screen's header (forecast, rollback deadline), from the same
facts as `golive status --json` (golive.session.status)."""

from __future__ import annotations

from golive.session.status import RunStatus
from golive.tui.header import MODES, forecast_words, rollback_words, spell
from golive.tui.shown import visible

MAX_UNHAPPY = 5  # hosts named on the hosts line; the rest are counted


def status_lines(status: RunStatus) -> list[str]:
    """Phase and running steps, forecast against the window, rollback deadline, what
    waits for the operator, and the hosts that are not well: one fact a line."""
    ended = status.outcome is not None
    badge = MODES.get(status.mode, status.mode.upper())
    if status.outcome:
        badge += f" ■ {status.outcome.upper().replace('_', ' ')}"
    if status.paused:
        badge += " ⏸ PAUSED"
    lines = [f"{badge} · {visible(status.name)} · {visible(status.writer_text)}"]
    running = ", ".join(
        f"{visible(r.step)} ({spell(r.seconds)}"
        + (f" of {spell(r.planned)})" if r.planned else ")")
        for r in status.running
    )
    where = f"phase {visible(status.phase)}" if status.phase else ""
    doing = f"running {running}" if running else ("" if ended else "nothing running")
    lines.append(
        " · ".join(p for p in (where, doing) if p)
        or f"steps done {status.steps_done}/{status.steps}"
    )
    forecast, _ = forecast_words(status.timing, ended)
    window = status.timing.window_text
    lines.append(forecast + (f" · {window}" if window and not ended else ""))
    lines.append(rollback_words(status.timing, status.no_rollback, ended)[0])
    for q in status.waiting:
        lines.append(f"waiting for the operator: {visible(q.text)}")
    if status.problem:
        lines.append(f"journal: skipped {visible(status.problem)}")
    if status.runbook_note:
        lines.append(f"runbook: {status.runbook_note}")
    if not status.hosts:
        return lines
    if not status.unhappy:
        lines.append(f"hosts: all {status.hosts} LIVE, no alert")
        return lines
    named = [
        f"{visible(h.host)} {h.state}"
        + (f" ({visible(h.reason)})" if h.reason and h.state != "LIVE" else "")
        + (f" alert {visible(', '.join(h.alerts))}" if h.alerts else "")
        for h in status.unhappy[:MAX_UNHAPPY]
    ]
    more = len(status.unhappy) - MAX_UNHAPPY
    lines.append(
        f"hosts: {len(status.unhappy)} of {status.hosts} not well: "
        + "; ".join(named)
        + (f"; +{more} more" if more > 0 else "")
    )
    return lines
