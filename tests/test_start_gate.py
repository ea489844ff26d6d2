"""The start gate: local steps journal their start and spawn their process back to back,
one at a time, and never hold each other up once their command runs."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from golive.core.runbook import Host
from golive.core.templating import Values
from golive.io.executor import Executor, Job, JobResult, LineSink
from golive.io.local import LocalExecutor
from golive.session import execution
from golive.session.execution import StepExecution
from golive.session.session import RunOptions, start_session
from tests.helpers import of_type
from tests.test_operator_path import Clock, runbook_of


class Local:
    def for_host(self, host: Host) -> Executor:
        return LocalExecutor()


class Unannounced:
    """A local executor that never says when its command started (as a test double or
    a future executor might): a step on it must not take the gate at all."""

    def run(self, job: Job, sink: LineSink, cancel: threading.Event) -> JobResult:
        return LocalExecutor().run(Job(job.command, job.host, job.timeout, job.env), sink, cancel)


class UnannouncedSet:
    def for_host(self, host: Host) -> Executor:
        return Unannounced()


def rendezvous(folder: Path, me: str, other: str) -> str:
    """A command that succeeds only if the other step runs at the same time."""
    mine, theirs = folder / me, folder / other
    return (
        f"touch '{mine}'; i=0; "
        f"while [ ! -e '{theirs}' ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; "
        f"[ -e '{theirs}' ]"
    )


@pytest.mark.parametrize("executors", [Local(), UnannouncedSet()], ids=["local", "unannounced"])
def test_parallel_local_steps_run_at_the_same_time(tmp_path: Path, executors: object) -> None:
    runbook = runbook_of(
        tmp_path,
        f"""
[hosts.l]
local = true

[[steps]]
id = "a"
on = "l"
run = "{rendezvous(tmp_path, "a.here", "b.here")}"

[[steps]]
id = "b"
on = "l"
depends_on = []
run = "{rendezvous(tmp_path, "b.here", "a.here")}"
""",
    )
    session = start_session(
        runbook, str(tmp_path / "j.jsonl"), Values({}, {}), Clock(), RunOptions(mode="rehearsal")
    )
    run = StepExecution(session, executors)  # type: ignore[arg-type]
    threads = [
        threading.Thread(target=run.run_step, args=(runbook.step(i), threading.Event()))
        for i in ("a", "b")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    session.close()
    finished = {e["step"]: e["status"] for e in of_type(tmp_path / "j.jsonl", "step_finished")}
    assert finished == {"a": "succeeded", "b": "succeeded"}
    assert not execution._local_starts.locked()


@pytest.mark.parametrize(
    "run, inject",
    [("true", False), ("exit 3", False), ("true", True), ("echo {{x}}", False)],
    ids=["succeeded", "failed", "injected", "no-such-value"],
)
def test_every_way_a_step_ends_leaves_the_gate_open(tmp_path: Path, run: str, inject: bool) -> None:
    body = f'[hosts.l]\nlocal = true\n\n[[steps]]\nid = "s"\non = "l"\nrun = "{run}"\n'
    if "{{x}}" in run:
        body = '[vars]\nx = "ok"\n\n' + body
    runbook = runbook_of(tmp_path, body)
    session = start_session(
        runbook,
        str(tmp_path / "j.jsonl"),
        Values({"x": "ok"}, {}),
        Clock(),
        RunOptions(mode="rehearsal", inject_failure=("s",) if inject else ()),
    )
    StepExecution(session, Local()).run_step(runbook.step("s"), threading.Event())
    session.close()
    assert of_type(tmp_path / "j.jsonl", "step_finished", step="s")
    assert not execution._local_starts.locked()
