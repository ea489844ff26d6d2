"""What the engine knows of a run's progress, kept up to date step by step.

Asking "which steps may start?", "what must the operator answer?" or "when will
it end?" by scanning every step makes a run quadratic: a 2,000-step runbook asks
thousands of times. RunState records, in `touched`, every step whose status
changed; a Progress follows that list and updates, for those steps only:

- how many of each step's dependencies are not yet satisfied, and so the
  ready steps (pending, every dependency satisfied) and the frontier (not
  satisfied, every dependency satisfied: ready, running, failed, interrupted);
- the steps that may carry a question (failed and not decided, interrupted, a
  failed or interrupted undo, a manual step or gate waiting);
- the rollback points in the order they were reached, and for each point the
  planned time of undoing what has run below it;
- each phase's first start, last end and running steps (its wall-clock span);
- the forecast: the longest chain of remaining work, as the frontier's own
  remaining time plus the planned chain below it (computed once, and again only
  after a rollback sets steps back).

It is derived from the same events as the state and can always be rebuilt from
it, so it is not a second source of truth: build a new one for another state.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from golive.core.runbook import Runbook, StepKind
from golive.core.state import RunState, Status

DONE = (Status.SUCCEEDED, Status.SKIPPED)
TOUCHED = (
    Status.SUCCEEDED,
    Status.FAILED,
    Status.INTERRUPTED,
    Status.RUNNING,
)  # undone by a rollback
OPERATOR_KINDS = (StepKind.MANUAL, StepKind.GATE)


def is_satisfied(state: RunState, step_id: str) -> bool:
    s = state.step(step_id)
    return s.status in DONE or (s.status is Status.FAILED and s.accepted_failure)


@dataclass
class PhaseSpan:
    first_start: float | None = None
    last_end: float | None = None
    running: set[str] = field(default_factory=set)


class Progress:
    def __init__(
        self,
        runbook: Runbook,
        order: Sequence[str],
        deps: Mapping[str, Sequence[str]],
        children: Mapping[str, Sequence[str]],
        points_above: Mapping[str, Sequence[str]],
        state: RunState,
    ) -> None:
        self.state = state
        # Step threads record events (and their listeners ask for the forecast) while the
        # run loop asks what to start: every read and update holds this lock.
        self.lock = threading.RLock()
        self._steps = {s.id: s for s in runbook.steps}
        self._order = list(order)
        self._position = {step_id: i for i, step_id in enumerate(self._order)}
        self._timed = {i for i in self._order if self._steps[i].not_before is not None}
        self._deps = deps
        self._children = children
        self._points_above = points_above
        self._read = 0  # how far into state.touched this index is
        self._completed_read = 0
        self.satisfied: set[str] = set()
        self._unsatisfied_deps = {i: 0 for i in self._order}
        self.ready: set[str] = set()
        self.frontier: set[str] = set()
        self.running: set[str] = set()
        self.attention: set[str] = set()
        self.points_in_order: list[str] = []  # rollback points, each time one succeeded
        self.undo_planned: dict[str, float] = {p: 0.0 for p in set().union(*points_above.values())}
        self._undo_member: dict[str, bool] = {}
        self.phases: dict[str, PhaseSpan] = {}
        self.points_of_no_return_passed = 0
        self._tail: dict[str, float] = {}
        self._tails_stale = True
        self._heap: list[tuple[float, int, str]] = []  # waiting frontier steps, by chain
        # Running frontier steps: what is left of one is max(planned - elapsed, 0) + below,
        # that is max(K - now, below) with K = planned + below + started; so the longest is
        # the larger of the largest K (minus now) and the largest below.
        self._run_k: list[tuple[float, int, str, float]] = []
        self._run_below: list[tuple[float, int, str, float]] = []
        self._known: dict[str, str] = {}  # status each step had when last indexed
        self._passed: set[str] = set()
        for step_id in self._order:
            for parent in deps.get(step_id, ()):
                if parent in self._position:
                    self._unsatisfied_deps[step_id] += 1
        self.ready = {i for i in self._order if self._unsatisfied_deps[i] == 0}
        self.frontier = set(self.ready)
        self.sync()

    # -- following the state ------------------------------------------------------
    def sync(self) -> None:
        with self.lock:
            self._sync()

    def _sync(self) -> None:
        # Only what is folded in completely (see RunState.applied), read once: a step
        # thread may fold in the next event while this loop runs, and what that event
        # touches is read at the next sync, never skipped.
        end = self.state.applied
        if self._read < end:
            for step_id in dict.fromkeys(self.state.touched[self._read : end]):
                if step_id in self._position:
                    self._update(step_id)
            self._read = end
        completed = self.state.completion_order
        while self._completed_read < len(completed):
            step_id = completed[self._completed_read]
            self._completed_read += 1
            step = self._steps.get(step_id)
            if step is not None and step.rollback_point:
                self.points_in_order.append(step_id)

    def _update(self, step_id: str) -> None:
        state = self.state.step(step_id)
        step = self._steps[step_id]
        was = step_id in self.satisfied
        now = state.status in DONE or (state.status is Status.FAILED and state.accepted_failure)
        if now != was:
            self._satisfaction_changed(step_id, now)
        pending = state.status is Status.PENDING and self._unsatisfied_deps[step_id] == 0
        (self.ready.add if pending else self.ready.discard)(step_id)
        in_frontier = not now and self._unsatisfied_deps[step_id] == 0
        self._set_frontier(step_id, in_frontier)
        running = state.status is Status.RUNNING
        (self.running.add if running else self.running.discard)(step_id)
        if in_frontier and not self._tails_stale:
            self._push(step_id)  # waiting or running: its chain counts from now on
        asks = (
            state.status is Status.INTERRUPTED
            or (state.status is Status.FAILED and not state.decided)
            or state.rollback_status in (Status.FAILED, Status.INTERRUPTED)
            or (running and step.kind in OPERATOR_KINDS)
        )
        (self.attention.add if asks else self.attention.discard)(step_id)
        member = state.status in TOUCHED and step.rollback is not None
        if member != self._undo_member.get(step_id, False):
            self._undo_member[step_id] = member
            for point in self._points_above.get(step_id, ()):
                self.undo_planned[point] += (
                    step.planned_rollback if member else -step.planned_rollback
                )
        passed = step.point_of_no_return and state.status is Status.SUCCEEDED
        if passed != (step_id in self._passed):
            (self._passed.add if passed else self._passed.discard)(step_id)
            self.points_of_no_return_passed = len(self._passed)
        span = self.phases.setdefault(step.phase, PhaseSpan())
        if state.first_started is not None and (
            span.first_start is None or state.first_started < span.first_start
        ):
            span.first_start = state.first_started
        ended = state.last_ended
        if ended is not None and (span.last_end is None or ended > span.last_end):
            span.last_end = ended
        (span.running.add if running else span.running.discard)(step_id)

    def _satisfaction_changed(self, step_id: str, satisfied: bool) -> None:
        if satisfied:
            self.satisfied.add(step_id)
            # A frontier step that is done leaves the chain below it as it was; anything
            # else (a rollback setting steps back, a step done out of order) re-plans.
            if step_id not in self.frontier:
                self._tails_stale = True
        else:
            self.satisfied.discard(step_id)
            self._tails_stale = True
        for child in self._children.get(step_id, ()):
            if child not in self._position:
                continue
            self._unsatisfied_deps[child] += -1 if satisfied else 1
            free = self._unsatisfied_deps[child] == 0
            child_state = self.state.step(child)
            if free and child_state.status is Status.PENDING:
                self.ready.add(child)
            else:
                self.ready.discard(child)
            self._set_frontier(child, free and child not in self.satisfied)

    def _set_frontier(self, step_id: str, member: bool) -> None:
        if member and step_id not in self.frontier:
            self.frontier.add(step_id)
            if not self._tails_stale:
                self._push(step_id)
        elif not member:
            self.frontier.discard(step_id)

    # -- questions and plans ------------------------------------------------------
    def in_order(self, steps: set[str]) -> list[str]:
        """`steps` (one of this index's sets) in plan order, read under the lock."""
        with self.lock:
            self._sync()
            return sorted(steps, key=self._position.__getitem__)

    def ready_in_order(self, exclude: Collection[str] = (), timed: bool = False) -> list[str]:
        """The ready steps in plan order, but those in `exclude`; with `timed`, only those
        with a not_before time. The set arithmetic comes first, so that only what is
        left is sorted."""
        with self.lock:
            self._sync()
            found = self.ready & self._timed if timed else self.ready
            if exclude:
                found = found.difference(exclude)
            return sorted(found, key=self._position.__getitem__)

    def has_ready(self) -> bool:
        with self.lock:
            self._sync()
            return bool(self.ready)

    def counts(self) -> tuple[int, int]:
        """(satisfied steps, points of no return passed), up to date."""
        with self.lock:
            self._sync()
            return len(self.satisfied), self.points_of_no_return_passed

    def reached(self) -> list[str]:
        with self.lock:
            self._sync()
            return list(self.points_in_order)

    def undo_for(self, point: str) -> float:
        with self.lock:
            self._sync()
            return self.undo_planned.get(point, 0.0)

    def spans(self) -> dict[str, tuple[float | None, float | None, bool]]:
        """Each phase's (first start, last end, running now), up to date."""
        with self.lock:
            self._sync()
            return {p: (s.first_start, s.last_end, bool(s.running)) for p, s in self.phases.items()}

    # -- the forecast -------------------------------------------------------------
    def _replan(self) -> None:
        """The planned chain below every step, satisfied steps counting nothing."""
        tail: dict[str, float] = {}
        for step_id in reversed(self._order):
            below = max(
                (tail[c] for c in self._children.get(step_id, ()) if c in tail), default=0.0
            )
            own = 0.0 if step_id in self.satisfied else self._steps[step_id].planned
            tail[step_id] = own + below
        self._tail = tail
        self._tails_stale = False
        self._heap, self._run_k, self._run_below = [], [], []
        for step_id in self.frontier:
            self._push(step_id)

    def _below(self, step_id: str) -> float:
        return max(
            (self._tail[c] for c in self._children.get(step_id, ()) if c in self._tail), default=0.0
        )

    def _push(self, step_id: str) -> None:
        below = self._below(step_id)
        planned = self._steps[step_id].planned
        position = self._position[step_id]
        if step_id in self.running:
            started = self.state.step(step_id).started or 0.0
            heapq.heappush(self._run_k, (-(planned + below + started), position, step_id, started))
            heapq.heappush(self._run_below, (-below, position, step_id, started))
        else:
            heapq.heappush(self._heap, (-(planned + below), position, step_id))

    def _running_top(self, heap: list[tuple[float, int, str, float]]) -> float | None:
        while heap:
            value, _, step_id, started = heap[0]
            if (
                step_id in self.running
                and step_id in self.frontier
                and self.state.step(step_id).started == started
            ):
                return -value
            heapq.heappop(heap)  # it stopped, or started again (a newer entry counts)
        return None

    def remaining(self, now_m: float) -> float:
        """Seconds of work left on the longest chain: the forecast's length."""
        with self.lock:
            self._sync()
            return self._remaining(now_m)

    def _remaining(self, now_m: float) -> float:
        if self._tails_stale:
            self._replan()
        best = 0.0
        k = self._running_top(self._run_k)
        if k is not None:
            best = max(best, k - now_m, self._running_top(self._run_below) or 0.0)
        heap = self._heap
        while heap:
            value, _, step_id = heap[0]
            if step_id in self.frontier and step_id not in self.running:
                best = max(best, -value)
                break
            heapq.heappop(heap)  # left the frontier, or started: its running entry counts
        return best
