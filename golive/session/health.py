"""Health gates in a run: a feed of the journaled samples, and the gates that judge them.

The feed is a session listener: it keeps each host's recent `sample` events and its
latest `host_state`, as journaled (the same events a review folds), and freezes a
`before_step` baseline when that step starts. The gates run on the run loop's thread,
from the conductor's tick: a running health gate is evaluated every `every` seconds,
each evaluation is journaled (`health_evaluated`, with every figure it used), and when
its streak decides, the gate answers itself (go, or no-go, which rolls back) or is put
to a person (`health_asked`). A person may answer it at any time: the override and the
machine's verdict are both in the journal.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC
from typing import TYPE_CHECKING

from golive.core import events as ev
from golive.core.engine import Question, QuestionKind
from golive.core.events import Decisions, Event, event
from golive.core.health import HEALTH_BY, Next, evaluate, evaluation_fields, next_step
from golive.core.health_data import BaselineFigures, HostView, Point, baseline_from_points, point
from golive.core.healthstats import Streak, Verdict
from golive.core.runbook import Baseline, Runbook, Step, StepKind
from golive.core.state import Status
from golive.io.baseline import read_baseline
from golive.io.journal import JournalError, read_events
from golive.session.session import Session

if TYPE_CHECKING:
    from golive.session.conductor import Conductor


class HealthFeed:
    """Each host's samples of the last `keep` seconds and its state, from the journal's
    events as they are recorded (on whichever thread records them)."""

    def __init__(self, runbook: Runbook, keep: float) -> None:
        self.interval = runbook.monitor.interval
        self.keep = keep
        self._lock = threading.Lock()
        self._points: dict[str, deque[Point]] = {}
        self._last_m: dict[str, float] = {}
        self._states: dict[str, tuple[str, str]] = {}
        self._before: dict[str, list[Baseline]] = {}
        for baseline in runbook.baselines.values():
            if baseline.before_step and baseline.length:
                self._before.setdefault(baseline.before_step, []).append(baseline)
        self._frozen: dict[str, BaselineFigures] = {}

    def __call__(self, recorded: Event) -> None:
        kind = recorded.get("type")
        if kind == ev.SAMPLE:
            self._sample(recorded)
        elif kind == ev.HOST_STATE:
            with self._lock:
                self._states[recorded["host"]] = (recorded["state"], recorded.get("reason") or "")
        elif (
            kind == ev.STEP_STARTED
            and recorded.get("action", "run") == "run"
            and recorded.get("step") in self._before
        ):
            self._freeze(recorded["step"], float(recorded.get("m", 0.0)))

    def _sample(self, sample: Event) -> None:
        host = sample["host"]
        with self._lock:
            made = point(sample, self._last_m.get(host), self.interval)
            self._last_m[host] = made.m
            series = self._points.setdefault(host, deque())
            series.append(made)
            while series and series[0].m < made.m - self.keep:
                series.popleft()

    def _freeze(self, step: str, at: float) -> None:
        """The `before_step` baselines of `step`: its first start's preceding `length`."""
        with self._lock:
            for baseline in self._before.get(step, []):
                if baseline.name in self._frozen:
                    continue  # a rerun after a rollback keeps the baseline from before the change
                assert baseline.length is not None
                start = at - baseline.length
                taken = {
                    host: [p for p in series if start <= p.m < at]
                    for host, series in self._points.items()
                }
                self._frozen[baseline.name] = baseline_from_points(
                    baseline.name, f"the {baseline.length:g}s before step {step}", taken
                )

    def frozen(self, name: str) -> BaselineFigures | None:
        with self._lock:
            return self._frozen.get(name)

    def views(self, hosts: Sequence[str]) -> dict[str, HostView]:
        with self._lock:
            return {
                host: HostView(
                    host,
                    *self._states.get(host, ("", "")),
                    tuple(self._points.get(host, ())),
                    self._last_m.get(host),
                )
                for host in hosts
            }


class HealthGates:
    """The runbook's health gates, evaluated from the conductor's tick."""

    def __init__(self, session: Session) -> None:
        self.session = session
        runbook = session.runbook
        # Gates decide themselves on the loop's thread; other steps with a health table
        # are judged as their verify, on their own thread (verify).
        self.gates = [s for s in runbook.steps if s.health is not None and s.kind is StepKind.GATE]
        judged = [s for s in runbook.steps if s.health is not None]
        self.active = bool(judged) and session.state.mode != "dry-run"
        self._due: dict[tuple[str, int], float] = {}
        self._streaks: dict[tuple[str, int], Streak] = {}
        self._files: dict[str, BaselineFigures] = {}
        self._files_lock = threading.Lock()
        self.feed: HealthFeed | None = None
        if self.active:
            keep = max(
                [s.health.window for s in judged if s.health is not None]
                + [b.length or 0.0 for b in runbook.baselines.values()]
            )
            self.feed = HealthFeed(runbook, keep + 4 * runbook.monitor.interval)
            if session.state.sessions > 1:
                self._prime(self.feed)
            session.listeners.append(self.feed)
            files = {s.health.baseline for s in judged if s.health is not None}
            threading.Thread(
                target=self._read_files, args=(files,), name="baselines", daemon=True
            ).start()

    def _read_files(self, names: set[str]) -> None:
        """Read the file baselines off the run loop's thread (a long baseline takes a
        while): a gate that starts before its baseline is read evaluates inconclusive."""
        for name in sorted(names):
            spec = self.session.runbook.baselines.get(name)
            if spec is None or spec.file is None:
                continue
            try:
                figures = read_baseline(self.session.runbook, spec)
            except Exception as exc:  # never a traceback from this thread: the gate says it
                figures = BaselineFigures(name, spec.file, problem=f"{type(exc).__name__}: {exc}")
            with self._files_lock:
                self._files[name] = figures

    def _prime(self, feed: HealthFeed) -> None:
        """A resumed run: the samples and step starts of the sessions before, so that a
        baseline taken before a step, and the window, survive a crash of golive."""
        try:
            for recorded in read_events(self.session.journal.path, verify=False):
                if recorded.get("type") in (ev.SAMPLE, ev.HOST_STATE, ev.STEP_STARTED):
                    feed(recorded)
        except JournalError:
            pass  # unreadable now: the gates start from live data, and say so if short

    def next_due(self) -> float | None:
        """Seconds until the next evaluation of a running gate (None: none is running)."""
        if not self.active:
            return None
        state, now = self.session.state, self.session.now_m()
        waits = [
            self._due.get((g.id, state.step(g.id).attempts), now) - now
            for g in self.gates
            if state.step(g.id).status is Status.RUNNING
        ]
        return max(0.0, min(waits)) if waits else None

    def turn(self, conductor: Conductor) -> None:
        if not self.active:
            return
        state = self.session.state
        for gate in self.gates:
            s = state.step(gate.id)
            if s.status is not Status.RUNNING or state.outcome:
                continue
            key = (gate.id, s.attempts)
            now = self.session.now_m()
            due = self._due.get(key, now)
            if now < due:
                continue
            assert gate.health is not None
            # On the plan's beat (start, start + every, ...), not drifting by each turn's
            # lateness; a turn later than a whole beat starts the beat again from now.
            beat = due + gate.health.every
            self._due[key] = beat if beat > now else now + gate.health.every
            try:
                self._evaluate(conductor, gate, key, now)
            except JournalError:
                raise
            except Exception as exc:  # a fault in golive: the gate goes to a person, said
                if not s.health_asked:
                    why = f"golive could not evaluate it ({type(exc).__name__}: {exc})"
                    self.session.record(event(ev.HEALTH_ASKED, step=gate.id, reason=why))

    def _evaluate(self, conductor: Conductor, gate: Step, key: tuple[str, int], now: float) -> None:
        health = gate.health
        assert health is not None and self.feed is not None
        state = self.session.state
        hosts = [h.name for h in self.session.runbook.targets(gate.on)]
        baseline = self._baseline(health.baseline)
        started = state.step(gate.id).started
        evaluation = evaluate(
            health, hosts, self.feed.views(hosts), baseline, now, self.feed.interval, started
        )
        streak = self._streaks.get(key) or Streak(health.pass_after, health.fail_after)
        streak = streak.after(evaluation.verdict)
        warmed = started is None or now - started >= health.window
        if not warmed:  # too little data while the window fills: not yet a reason to ask
            streak = replace(streak, unclear=0)
        self._streaks[key] = streak
        asked = state.step(gate.id).health_asked
        # While the run is paused a person is looking: the gate evaluates, acts after.
        move = None if asked or state.paused else next_step(health, streak, warmed)
        number = state.step(gate.id).evaluations + 1
        fields = evaluation_fields(
            gate.id, key[1], number, evaluation, health, baseline, streak, move
        )
        self.session.record(event(ev.HEALTH_EVALUATED, **fields))
        if move is None:
            late = "" if asked or state.paused else self._late(gate, now)
            if late:
                self.session.record(event(ev.HEALTH_ASKED, step=gate.id, reason=late))
            return
        if move.action == "ask":
            self.session.record(event(ev.HEALTH_ASKED, step=gate.id, reason=move.reason))
            return
        question = Question(QuestionKind.GATE, gate.id, (Decisions.GO, Decisions.NO_GO), "")
        decision = Decisions.GO if move.action == "go" else Decisions.NO_GO
        conductor.answer(question, decision, reason=move.reason, by=HEALTH_BY, automatic=True)

    def verify(self, step: Step, cancel: threading.Event) -> str | None:
        """Judge `step` (not a gate) from the moment its command and verify are done:
        None when it passes; otherwise why it fails. Inconclusive is never a pass: after
        `fail_after` inconclusive evaluations once the window has filled, or at the
        step's `timeout`, the step fails (its retries and on_failure take over)."""
        health = step.health
        if health is None or not self.active or self.feed is None:
            return None
        attempt = self.session.state.step(step.id).attempts
        since = self.session.now_m()
        streak = Streak(health.pass_after, health.fail_after)
        number = 0
        while not cancel.is_set():
            now = self.session.now_m()
            hosts = [h.name for h in self.session.runbook.targets(step.on)]
            baseline = self._baseline(health.baseline)
            evaluation = evaluate(
                health, hosts, self.feed.views(hosts), baseline, now, self.feed.interval, since
            )
            streak = streak.after(evaluation.verdict)
            if now - since < health.window:
                streak = replace(streak, unclear=0)
            failure, passed = "", streak.decided is Verdict.PASS
            if streak.decided is Verdict.FAIL:
                failure = f"health: {streak.fails} failing evaluations in a row"
            elif streak.unclear >= health.fail_after:
                failure = f"health: {streak.unclear} inconclusive evaluations in a row: no data is never a pass"
            elif step.timeout is not None and now - since >= step.timeout and not passed:
                failure = f"health: no verdict within the step's timeout of {step.timeout:g}s"
            then = Next("fail", failure) if failure else Next("succeed", "") if passed else None
            number += 1
            fields = evaluation_fields(
                step.id, attempt, number, evaluation, health, baseline, streak, then
            )
            fields["observe_only"] = health.observe_only
            self.session.record(event(ev.HEALTH_EVALUATED, **fields))
            if failure and not health.observe_only:
                return f"{failure}: {evaluation.reason}"
            if then is not None:
                return None
            cancel.wait(health.every)
        return "cancelled by the operator"

    def _late(self, gate: Step, now: float) -> str:
        """Why the gate, still undecided, must now be put to a person ("" not yet)."""
        started = self.session.state.step(gate.id).started
        if gate.timeout is not None and started is not None and now - started >= gate.timeout:
            return f"no verdict within its timeout of {gate.timeout:g}s"
        deadline = self.session.timing().rollback_deadline
        if deadline is not None and self.session.wall().astimezone(UTC) >= deadline.astimezone(UTC):
            return "the rollback deadline has come with no verdict"
        return ""

    def _baseline(self, name: str) -> BaselineFigures | None:
        spec = self.session.runbook.baselines.get(name)
        if spec is None:
            return None
        if spec.before_step:
            assert self.feed is not None
            return self.feed.frozen(name) or BaselineFigures(
                name,
                f"the {spec.length or 0:g}s before step {spec.before_step}",
                problem=f"step {spec.before_step} has not started yet",
            )
        with self._files_lock:
            figures = self._files.get(name)
        if figures is None:
            return BaselineFigures(name, spec.file or "", problem="still being read")
        return figures
