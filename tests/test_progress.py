"""The engine's incremental progress index answers exactly what a full scan answers.

Random dependency graphs and random runs (starts, successes, failures, unknown
outcomes, retries, skips, accepted failures, confirmations, resumes, rollbacks and
runs again from the point) are folded into a RunState; after every event the
engine's answers (ready steps, questions, finished, reached points, the forecast,
the full rollback's planned time, phase spans) are compared with a brute-force
computation over every step, written here the way the engine used to work.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from golive.core.engine import Engine
from golive.core.events import Decisions
from golive.core.graph import descendants, longest_path
from golive.core.loader import load_runbook_text
from golive.core.runbook import Runbook, StepKind
from golive.core.state import RunState, Status
from golive.core.timeline import compute

START = datetime.fromisoformat("2026-11-28T22:00:00+00:00")
DONE = (Status.SUCCEEDED, Status.SKIPPED)


@st.composite
def runbooks(draw: st.DrawFn) -> Runbook:
    count = draw(st.integers(min_value=1, max_value=9))
    lines = [
        '[runbook]\nname = "p"\nwindow = { start = "2026-11-28T22:00:00+00:00", duration = "48h" }\n'
    ]
    for i in range(count):
        parents = draw(st.lists(st.integers(min_value=0, max_value=max(i - 1, 0)), max_size=3))
        parents = sorted({p for p in parents if p < i})
        kind = draw(st.sampled_from(["command", "command", "command", "manual"]))
        lines.append(f'[[steps]]\nid = "s{i}"\nkind = "{kind}"\nphase = "p{i % 3}"\n')
        lines.append(f'duration = "{draw(st.integers(min_value=0, max_value=90))}s"\n')
        if kind == "command":
            lines.append('run = "true"\n')
            if draw(st.booleans()):
                lines.append(f'rollback = "true"\nrollback_duration = "{i + 1}s"\n')
        if i > 0 or draw(st.booleans()):
            lines.append(f"depends_on = {[f's{p}' for p in parents]!r}\n".replace("'", '"'))
        if draw(st.integers(min_value=0, max_value=3)) == 0:
            lines.append("rollback_point = true\n")
    result = load_runbook_text("p.toml", "".join(lines))
    assert result.runbook is not None, [d.render() for d in result.errors]
    return result.runbook


# -- the reference: every answer by a full scan ---------------------------------------


def satisfied(state: RunState, i: str) -> bool:
    s = state.step(i)
    return s.status in DONE or (s.status is Status.FAILED and s.accepted_failure)


def ref_ready(engine: Engine, state: RunState) -> list[str]:
    if state.outcome or state.aborting or state.active_rollback or state.pending_rollback:
        return []
    return [
        i
        for i in engine.order
        if state.step(i).status is Status.PENDING
        and all(satisfied(state, d) for d in engine.deps[i])
    ]


def ref_attention(engine: Engine, state: RunState) -> list[str]:
    found = []
    for i in engine.order:
        s = state.step(i)
        asks = (
            s.status is Status.INTERRUPTED
            or (s.status is Status.FAILED and not s.decided)
            or s.rollback_status in (Status.FAILED, Status.INTERRUPTED)
            or (
                s.status is Status.RUNNING
                and engine.step(i).kind in (StepKind.MANUAL, StepKind.GATE)
            )
        )
        if asks:
            found.append(i)
    return found


def ref_remaining(engine: Engine, state: RunState, now_m: float) -> float:
    remaining = {}
    for step in engine.runbook.steps:
        s = state.step(step.id)
        if satisfied(state, step.id):
            remaining[step.id] = 0.0
        elif s.status is Status.RUNNING and s.started is not None:
            remaining[step.id] = max(step.planned - (now_m - s.started), 0.0)
        else:
            remaining[step.id] = step.planned
    left, _ = longest_path(engine.order, engine.deps, lambda i: remaining[i])
    return left


def ref_points(engine: Engine, state: RunState) -> list[str]:
    reached = [i for i in state.completion_order if engine.step(i).rollback_point]
    live = [i for i in reached if state.step(i).status is Status.SUCCEEDED]
    return list(dict.fromkeys(reversed(live)))


def ref_undo(engine: Engine, state: RunState, point: str) -> float:
    after = descendants(point, engine.deps)
    total = 0.0
    for i in after:
        s = state.step(i)
        if s.status in (Status.SUCCEEDED, Status.FAILED, Status.INTERRUPTED, Status.RUNNING):
            step = engine.step(i)
            total += step.planned_rollback if step.rollback else 0.0
    return total


def ref_phase(
    engine: Engine, state: RunState, phase: str, now_m: float, ended: dict[str, float]
) -> float | None:
    """From the phase's first start to its last end so far (a retry does not take back
    when the failed attempt ended), or to now while a step of it runs."""
    members = [s.id for s in engine.runbook.steps if s.phase == phase]
    starts = [
        state.step(i).first_started for i in members if state.step(i).first_started is not None
    ]
    if not starts:
        return None
    ends = [e for i in members if (e := state.step(i).last_ended) is not None]
    assert ends == [ended[i] for i in members if i in ended]  # the fold keeps the latest end
    running = any(state.step(i).status is Status.RUNNING for i in members)
    end = now_m if running or not ends else max(ends)
    return max(end - min(starts), 0.0)


def check(engine: Engine, state: RunState, now_m: float, ended: dict[str, float]) -> None:
    assert [s.id for s in engine.ready(state)] == ref_ready(engine, state)
    assert [q.step for q in engine.questions(state) if q.step] == ref_attention(engine, state)
    assert engine.finished(state) == all(satisfied(state, i) for i in engine.order)
    points = ref_points(engine, state)
    assert engine.reached_points(state) == points
    timing = compute(engine, state, now_m)
    assert (timing.forecast_end - timing.now).total_seconds() == ref_remaining(engine, state, now_m)
    if points:
        assert timing.rollback_point == points[-1]
        assert timing.rollback_planned == ref_undo(engine, state, points[-1])
        assert engine.rollback_plan(state, points[-1]).planned == timing.rollback_planned
    for phase, t in timing.phases.items():
        assert t.actual == ref_phase(engine, state, phase, now_m, ended)


@settings(max_examples=250, deadline=None)
@given(runbook=runbooks(), data=st.data())
def test_the_index_agrees_with_a_full_scan_after_every_event(
    runbook: Runbook, data: st.DataObject
) -> None:
    engine = Engine(runbook)
    state = RunState()
    m = 0.0
    ended: dict[str, float] = {}  # the latest end of each step so far

    def apply(kind: str, **fields: Any) -> None:
        nonlocal m
        m += data.draw(st.integers(min_value=0, max_value=30), label="dt")
        state.apply(
            {"type": kind, "m": m, "t": (START + timedelta(seconds=m)).isoformat(), **fields}
        )
        for i, s in state.steps.items():
            if s.finished is not None:
                ended[i] = max(ended.get(i, s.finished), s.finished)
        check(engine, state, m, ended)

    apply("run_started", mode="rehearsal", name="p", steps=[s.id for s in runbook.steps],
          window={"start": START.isoformat(), "end": (START + timedelta(hours=48)).isoformat()})  # fmt: skip
    rebuild_at = data.draw(st.integers(min_value=0, max_value=40), label="rebuild at")
    for index in range(data.draw(st.integers(min_value=1, max_value=40), label="events")):
        if state.outcome:
            break
        if index == rebuild_at:
            # As after a resume: an index built on a state that is part way through.
            engine = Engine(runbook)
        running = [i for i in engine.order if state.step(i).status is Status.RUNNING]
        moves: list[tuple[str, str]] = [("start", s.id) for s in engine.ready(state)]
        moves += [("finish", i) for i in running]
        moves += [("decide", q.step) for q in engine.questions(state) if q.step]
        rollback = state.active_rollback
        if rollback is not None:
            left = engine.remaining_rollback(state)
            moves += [("undo", left[0])] if left else [("rolled-back", rollback.to)]
        elif state.pending_rollback is not None:
            moves.append(("begin-rollback", state.pending_rollback["to"]))
        if state.awaiting_after_rollback is not None:
            moves.append(("again", ""))
        moves.append(("resume", ""))
        if engine.reached_points(state) and rollback is None and state.pending_rollback is None:
            moves.append(("request-rollback", engine.reached_points(state)[0]))
        move, step_id = data.draw(st.sampled_from(moves), label="move")
        if move == "start":
            apply(
                "step_started", step=step_id, action="run", attempt=state.step(step_id).attempts + 1
            )
        elif move == "finish":
            if engine.step(step_id).kind is StepKind.MANUAL:
                apply("decision", step=step_id, decision=Decisions.CONFIRM, by="op")
            else:
                status = data.draw(st.sampled_from(["succeeded", "failed", "interrupted"]))
                apply("step_finished", step=step_id, action="run", status=status, reason="r")
        elif move == "decide":
            s = state.step(step_id)
            if s.rollback_status in (Status.FAILED, Status.INTERRUPTED):
                decision = data.draw(st.sampled_from([Decisions.RETRY, Decisions.SKIP]))
                apply("decision", step=step_id, action="rollback", decision=decision, by="op")
            elif s.status is Status.INTERRUPTED:
                decision = data.draw(st.sampled_from([Decisions.RERUN, Decisions.MARK_DONE]))
                apply("decision", step=step_id, decision=decision, by="op")
            elif s.status is Status.RUNNING:
                apply("decision", step=step_id, decision=Decisions.CONFIRM, by="op")
            else:
                decision = data.draw(
                    st.sampled_from([Decisions.RETRY, Decisions.SKIP, Decisions.CONTINUE])
                )
                apply("decision", step=step_id, decision=decision, by="op")
        elif move == "request-rollback":
            apply("decision", step=None, decision=Decisions.ROLLBACK, to=step_id, by="op")
        elif move == "begin-rollback":
            plan = engine.rollback_plan(state, step_id)
            apply("rollback_started", to=step_id, cause="", actions=[a.step for a in plan.actions],
                  planned=plan.planned)  # fmt: skip
        elif move == "undo":
            apply("step_started", step=step_id, action="rollback", attempt=1)
            status = data.draw(st.sampled_from(["succeeded", "succeeded", "failed"]))
            apply("step_finished", step=step_id, action="rollback", status=status, reason="")
        elif move == "rolled-back":
            apply("rollback_finished", to=step_id, status="completed")
        elif move == "again":
            apply("decision", step=None, decision=Decisions.RESUME_FROM_POINT, by="op")
        elif move == "resume":
            apply("session_resumed", pid=1)


def test_a_skipped_step_below_a_rolled_back_one_counts_nothing_in_the_forecast() -> None:
    """P -> a -> b -> c: b fails and is skipped, the run rolls back to P (a is undone, b
    stays skipped), then runs again from P. The forecast from there counts a and c, not b."""
    text = (
        '[runbook]\nname = "p"\nwindow = { start = "2026-11-28T22:00:00+00:00", duration = "4h" }\n'
        '[[steps]]\nid = "P"\nrun = "true"\nduration = "1s"\nrollback_point = true\n'
        '[[steps]]\nid = "a"\nrun = "true"\nrollback = "true"\nduration = "10s"\n'
        '[[steps]]\nid = "b"\nrun = "true"\nduration = "100s"\n'
        '[[steps]]\nid = "c"\nrun = "true"\nduration = "1000s"\n'
    )
    loaded = load_runbook_text("p.toml", text)
    assert loaded.runbook is not None
    engine, state = Engine(loaded.runbook), RunState()
    events: list[dict[str, Any]] = [
        {"type": "run_started", "mode": "rehearsal", "name": "p", "steps": ["P", "a", "b", "c"],
         "window": {"start": START.isoformat(), "end": (START + timedelta(hours=4)).isoformat()}},
        {"type": "step_started", "step": "P", "action": "run", "attempt": 1},
        {"type": "step_finished", "step": "P", "action": "run", "status": "succeeded"},
        {"type": "step_started", "step": "a", "action": "run", "attempt": 1},
        {"type": "step_finished", "step": "a", "action": "run", "status": "succeeded"},
        {"type": "step_started", "step": "b", "action": "run", "attempt": 1},
        {"type": "step_finished", "step": "b", "action": "run", "status": "failed"},
        {"type": "decision", "step": "b", "decision": Decisions.SKIP, "by": "op", "reason": "x"},
        {"type": "decision", "step": None, "decision": Decisions.ROLLBACK, "to": "P", "by": "op"},
        {"type": "rollback_started", "to": "P", "actions": ["a"], "planned": 10.0},
        {"type": "step_started", "step": "a", "action": "rollback", "attempt": 1},
        {"type": "step_finished", "step": "a", "action": "rollback", "status": "succeeded"},
        {"type": "rollback_finished", "to": "P", "status": "completed"},
        {"type": "decision", "step": None, "decision": Decisions.RESUME_FROM_POINT, "by": "op"},
    ]  # fmt: skip
    for m, e in enumerate(events):
        state.apply({**e, "m": float(m), "t": (START + timedelta(seconds=m)).isoformat()})
        timing = compute(engine, state, float(m))
        assert (timing.forecast_end - timing.now).total_seconds() == ref_remaining(engine, state, m)
    assert state.step("b").status is Status.SKIPPED and state.step("a").status is Status.PENDING
    assert (timing.forecast_end - timing.now).total_seconds() == 10 + 1000
