"""Journal event types and their fields.

An event is a plain JSON object. The journal adds `seq`, `t` (wall time,
ISO 8601 with offset), `m` (seconds since the run started, monotonic) and
`prev` (hash of the previous line). Everything else is listed here, so the
fold in state.py and the writers agree on one vocabulary. Each event's fields are
declared as a TypedDict in event_types.py (the comments here are a short index).
"""

from __future__ import annotations

from typing import Any

Event = dict[str, Any]

# run_started also: outside_window (true: a live run started outside its change window,
# on purpose: --outside-window, or the runbook's name typed at the terminal)
RUN_STARTED = (
    "run_started"  # runbook, runbook_sha256, runbook_source, name, mode, vars, secrets, window
)
SESSION_RESUMED = "session_resumed"  # pid, runbook_changed, runbook_diff, repaired_bytes
STEP_STARTED = "step_started"  # step, action ("run"|"rollback"), attempt, command, hosts
OUTPUT = "output"  # step, action, host, stream ("out"|"err"), line
OUTPUT_CAPPED = "output_capped"  # step, action, cap_lines, cap_bytes
HOST_FINISHED = "host_finished"  # step, action, host, exit, seconds, timed_out, error
VERIFY_FINISHED = "verify_finished"  # step, ok, detail
STEP_FINISHED = "step_finished"  # step, action, status ("succeeded"|"failed"|"interrupted"), reason
DECISION = "decision"  # step, decision, by, reason, automatic, (to)
NOTE = "note"  # text, by
ROLLBACK_STARTED = "rollback_started"  # to, cause, actions, planned
ROLLBACK_FINISHED = "rollback_finished"  # to, status ("completed"|"failed"|"abandoned")
RUN_FINISHED = "run_finished"  # outcome ("completed"|"rolled_back"|"aborted"), reason
MONITOR_STARTED = "monitor_started"  # a baseline journal: runbook, runbook_sha256, name, hosts, interval, thresholds, pid, machine
MONITOR_FINISHED = "monitor_finished"  # the sealed last event of a baseline journal: reason
HOST_STATE = "host_state"  # host, state (CONNECTING|LIVE|STALE|DOWN|RECONNECTING), reason
ALERT = "alert"  # host, metric (cpu|mem|errors|down), status ("raised"|"cleared"), value, threshold
SAMPLE = "sample"  # host, cpu, mem, load1, disk, errors_per_min, warnings_per_min, errors, warnings: at most once per interval
HEALTH_EVALUATED = (
    "health_evaluated"  # step, attempt, n, verdict, reason, hosts (per check), streak, then
)
HEALTH_ASKED = "health_asked"  # step, reason: the health gate is put to a person
NOTIFY_QUEUED = "notify_queued"  # notify (endpoint), id, news, step, cause_seq, facts: the outbox
NOTIFY_SENT = "notify_sent"  # notify, id, attempts, status
NOTIFY_FAILED = "notify_failed"  # notify, id, attempts, status, final, error, retry_in

# Events that are fsync'd before anyone sees them: what starts work (a step's start
# must be on disk before its command runs, or a power cut could let a resume run it a
# second time unasked), every decision, note and rollback, and the run's end. A step's
# result (host_finished, verify_finished, step_finished) and output lines are written
# at once and group-committed: fsync'd within a second, and by the next durable event,
# such as the next step's start. A crash of golive loses none of them; a power cut in
# that second leaves the step "interrupted" on resume, for the operator to confirm.
DURABLE = frozenset(
    {
        RUN_STARTED, SESSION_RESUMED, STEP_STARTED, DECISION, NOTE, ROLLBACK_STARTED,
        ROLLBACK_FINISHED, RUN_FINISHED, OUTPUT_CAPPED, MONITOR_STARTED, MONITOR_FINISHED,
        HOST_STATE, ALERT, HEALTH_EVALUATED, HEALTH_ASKED,
    }
)  # fmt: skip


class Decisions:
    """Values of a `decision` event's `decision` field."""

    CONFIRM = "confirm"  # manual step done
    GO = "go"
    NO_GO = "no-go"
    RETRY = "retry"
    SKIP = "skip"
    ROLLBACK = "rollback"
    CONTINUE = "continue"  # a failure is accepted and the run goes on
    ABORT = "abort"
    RERUN = "rerun"  # an interrupted step runs again
    MARK_DONE = "mark-done"  # an interrupted step is declared done
    RESUME_FROM_POINT = "resume-from-point"  # after a rollback, run again from the point
    END = "end"  # after a rollback, finish the run as rolled back
    PAUSE = "pause"
    UNPAUSE = "unpause"


def event(kind: str, **fields: Any) -> Event:
    return {"type": kind, **fields}
