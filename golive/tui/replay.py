"""What the review lists and replays: the journal's events with their kind, step and
hosts, and the run's state after any number of them."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass

from golive.core import events as ev
from golive.core.events import Event
from golive.core.record import Moment
from golive.core.state import RunState
from golive.io.recorded import Loaded

KINDS = ("all", "steps", "decisions", "notes", "alerts", "hosts", "rollbacks")
_CATEGORY = {
    ev.STEP_STARTED: "steps", ev.STEP_FINISHED: "steps", ev.DECISION: "decisions",
    ev.NOTE: "notes", ev.ALERT: "alerts", ev.HOST_STATE: "hosts",
    ev.ROLLBACK_STARTED: "rollbacks", ev.ROLLBACK_FINISHED: "rollbacks",
    ev.RUN_STARTED: "run", ev.RUN_FINISHED: "run", ev.SESSION_RESUMED: "run",
}  # fmt: skip
_MOMENT_KIND = {ev.DECISION: "decision", ev.NOTE: "note", ev.ALERT: "alert",
                ev.HOST_STATE: "host_state", ev.SESSION_RESUMED: "session"}  # fmt: skip


@dataclass(frozen=True)
class EventRow:
    """A journal event the review lists (not output lines, not samples)."""

    index: int  # in Loaded.events
    kind: str  # one of KINDS (or "run")
    step: str | None  # the step it is about; for an alert or a note, the step running then
    hosts: tuple[str, ...]


def event_rows(loaded: Loaded) -> list[EventRow]:
    """Every listed event with its kind, step and hosts; tight: a night has ~30,000."""
    moments: dict[str, Iterator[Moment]] = {}
    for kind, moment_kind in _MOMENT_KIND.items():
        # One moment per event of its kind, in journal order (the record sorts them by
        # time, stably, and time never goes back in a journal).
        moments[kind] = iter([m for m in loaded.record.moments if m.kind == moment_kind])
    step_hosts: dict[str, tuple[str, ...]] = {}
    rows: list[EventRow] = []
    category_of, append = _CATEGORY.get, rows.append
    for index, e in enumerate(loaded.events):
        kind = e.get("type", "")
        category = category_of(kind)
        if category is None:
            continue
        step = e.get("step")
        if kind in moments:
            moment = next(moments[kind], None)
            step = step or (moment.step if moment is not None else None)
        elif kind == ev.STEP_STARTED and step:
            step_hosts[step] = tuple(e.get("hosts") or ())
        if e.get("action") == "rollback":
            category = "rollbacks"
        host = e.get("host")
        append(EventRow(index, category, step, (host,) if host else step_hosts.get(step or "", ())))
    return rows


class Replay:
    """The run's state after the first `pos` events, folded from the nearest checkpoint.

    `final` is the state after every event (the record builder folded it already), so
    the first frame, at the end of the run, costs no fold at all."""

    EVERY = 2048

    def __init__(self, events: list[Event], final: RunState | None = None) -> None:
        self.events = events
        self._checkpoints: dict[int, RunState] = {0: RunState()}
        self._state, self._pos = (final, len(events)) if final is not None else (RunState(), 0)

    def state_at(self, pos: int) -> RunState:
        if pos < self._pos:
            base = max(k for k in self._checkpoints if k <= pos)
            self._state, self._pos = copy.deepcopy(self._checkpoints[base]), base
        while self._pos < pos:
            self._state.apply(self.events[self._pos])
            self._pos += 1
            if self._pos % self.EVERY == 0 and self._pos not in self._checkpoints:
                self._checkpoints[self._pos] = copy.deepcopy(self._state)
        return self._state
