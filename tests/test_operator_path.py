"""The operator's path: what a new user found wrong on the way through golive, each
proved fixed. Fast tests run a real session, journal and conductor in-process; the ones
marked slow run the real binary (a terminal, SIGKILL, sshd, tmux)."""

from __future__ import annotations

import io
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from golive.cli import _thread_fault
from golive.console.operator import ConsoleOperator
from golive.console.printer import ConsolePrinter
from golive.core import events as ev
from golive.core.engine import QuestionKind
from golive.core.events import Decisions, event
from golive.core.loader import load_runbook
from golive.core.runbook import Host, Runbook
from golive.core.templating import Values
from golive.io.executor import Executor
from golive.io.journal import JournalError
from golive.io.local import LocalExecutor
from golive.io.recorded import load_record
from golive.report.html import render_html
from golive.report.markdown import render_markdown
from golive.report.summary import Summary, summarize
from golive.session.answers import AutoAnswers, Policy
from golive.session.conductor import Conductor
from golive.session.execution import StepExecution
from golive.session.session import RunOptions, Session, start_session
from tests.helpers import HEADER, events, golive, of_type, spawn, wait_until, write_runbook
from tests.terminal import Terminal

ROOT = Path(__file__).resolve().parent.parent


class Clock:
    """Wall and monotonic time that move only when the test moves them."""

    def __init__(self, start: str = "2026-11-28T21:30:00+00:00") -> None:
        self.start = datetime.fromisoformat(start)
        self.t = 0.0

    def wall(self) -> datetime:
        return self.start + timedelta(seconds=self.t)

    def mono(self) -> float:
        return self.t


class Local:
    """Every host is this machine (the runbooks here have only local hosts)."""

    def for_host(self, host: Host) -> Executor:
        return LocalExecutor()


def runbook_of(folder: Path, body: str, header: str = HEADER) -> Runbook:
    loaded = load_runbook(str(write_runbook(folder, body, header=header)))
    assert not loaded.errors, loaded.errors
    assert loaded.runbook is not None
    return loaded.runbook


def session_of(
    folder: Path, runbook: Runbook, clock: Clock | None = None, mode: str = "rehearsal"
) -> Session:
    return start_session(
        runbook,
        str(folder / "j.jsonl"),
        Values({}, {}),
        clock or Clock(),
        RunOptions(mode=mode, operator="alice"),
        key=None,
    )


def summary_of(folder: Path) -> Summary:
    loaded = load_record(str(folder / "j.jsonl"))
    return summarize(loaded.record, loaded.runbook)


# -- a gate or manual step that golive stopped at is asked again -------------------------
GATED = """
[[steps]]
id = "freeze"
kind = "manual"
duration = "5m"

[[steps]]
id = "go-nogo"
kind = "gate"
instructions = "key users confirm"
point_of_no_return = true
duration = "20s"
"""


def resumed_at_the_gate(tmp_path: Path) -> tuple[Session, Conductor]:
    """A run whose gate was waiting for its answer when golive stopped, resumed."""
    runbook = runbook_of(tmp_path, GATED)
    session = session_of(tmp_path, runbook)
    conductor = Conductor(session, StepExecution(session, Local()))
    [confirm] = conductor.tick()
    conductor.answer(confirm, Decisions.CONFIRM, by="alice")
    [gate] = conductor.tick()
    assert gate.kind is QuestionKind.GATE
    session.record(event(ev.SESSION_RESUMED, pid=os.getpid()))  # the fold: it was interrupted
    return session, Conductor(session, StepExecution(session, Local()))


@pytest.mark.parametrize("interrupted", [None, "done", "rerun"])
def test_an_interrupted_gate_is_asked_again_never_marked_done(
    tmp_path: Path, interrupted: str | None
) -> None:
    session, conductor = resumed_at_the_gate(tmp_path)
    auto = AutoAnswers(session, Policy(interrupted=interrupted, operator="alice"))
    [question] = session.engine.questions(session.state)
    assert question.kind is QuestionKind.INTERRUPTED and question.step == "go-nogo"
    assert Decisions.MARK_DONE not in question.options
    answer = auto.answer(question)
    assert answer is not None
    assert (answer.decision, answer.by, answer.automatic) == (Decisions.RERUN, "golive", True)
    conductor.answer(question, answer.decision, reason=answer.reason, by=answer.by)
    # Asked again: a new attempt, put to the operator as a gate, who and why and all.
    [again] = conductor.tick()
    assert again.kind is QuestionKind.GATE and again.step == "go-nogo"
    assert session.state.step("go-nogo").attempts == 2
    assert auto.answer(again) is None  # a person must answer it: no --yes here
    session.close()
    assert not of_type(Path(session.journal.path), "decision", decision="mark-done")


def test_done_for_an_interrupted_gate_asks_it_again_and_yes_journals_an_automatic_go(
    tmp_path: Path,
) -> None:
    """Whoever answers "done" (a screen, a policy), the conductor never passes a gate by it."""
    session, conductor = resumed_at_the_gate(tmp_path)
    [question] = session.engine.questions(session.state)
    conductor.answer(question, Decisions.MARK_DONE, reason="it was done", by="alice")
    [again] = conductor.tick()
    assert again.kind is QuestionKind.GATE
    answer = AutoAnswers(session, Policy(yes=True, interrupted="done")).answer(again)
    assert answer is not None and answer.decision == Decisions.GO
    conductor.answer(again, answer.decision, reason=answer.reason, by=answer.by, automatic=True)
    conductor.tick()
    session.close()
    journal = Path(session.journal.path)
    decided = [(e["decision"], e["by"], e["automatic"]) for e in of_type(journal, "decision", step="go-nogo")]  # fmt: skip
    assert decided == [(Decisions.RERUN, "alice", False), (Decisions.GO, "--yes", True)]
    assert [e["outcome"] for e in of_type(journal, "run_finished")] == ["completed"]


def test_an_interrupted_manual_step_is_asked_again_and_rollback_is_still_honoured(
    tmp_path: Path,
) -> None:
    runbook = runbook_of(tmp_path, GATED)
    session = session_of(tmp_path, runbook)
    conductor = Conductor(session, StepExecution(session, Local()))
    conductor.tick()
    session.record(event(ev.SESSION_RESUMED, pid=os.getpid()))
    [question] = session.engine.questions(session.state)
    assert question.step == "freeze" and question.kind is QuestionKind.INTERRUPTED
    asked = AutoAnswers(session, Policy(yes=True, interrupted="done")).answer(question)
    assert asked is not None and asked.decision == Decisions.RERUN
    # --interrupted rollback passes nothing: it is honoured as it is for any step.
    back = AutoAnswers(session, Policy(yes=True, interrupted="rollback")).answer(question)
    assert back is not None and back.decision == Decisions.ROLLBACK
    session.close()


@pytest.mark.slow
def test_a_run_killed_at_its_gate_resumes_with_the_gate_asked_again(tmp_path: Path) -> None:
    """The issue's own steps: kill golive while the go/no-go gate waits at a terminal, then
    resume. `--interrupted done` does not pass it; with --yes the go is journaled as
    automatic and the report names the gate's decision."""
    rb = write_runbook(
        tmp_path,
        """
[[steps]]
id = "backup"
run = "true"
rollback_point = true
duration = "1s"

[[steps]]
id = "go-nogo"
kind = "gate"
instructions = "decide"
point_of_no_return = true
duration = "20s"

[[steps]]
id = "after"
kind = "check"
run = "true"
duration = "1s"
""",
    )
    journal = tmp_path / "j.jsonl"
    term = Terminal("run", rb, "--rehearsal", "--console", "--journal", journal)
    term.expect("[g]o or [n]o-go?")
    os.kill(term.process.pid, signal.SIGKILL)
    assert term.wait() == -signal.SIGKILL
    killed = journal.read_bytes()

    refused = golive("resume", journal, "--interrupted", "done")  # no terminal, no --yes
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "go or no-go?: an answer is needed" in refused.stdout
    assert not of_type(journal, "decision", decision="go")
    assert not of_type(journal, "decision", decision="mark-done")
    assert [e["outcome"] for e in of_type(journal, "run_finished")] == ["aborted"]

    journal.write_bytes(killed)
    passed = golive("resume", journal, "--interrupted", "done", "--yes")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    gate = [(e["decision"], e["by"], e["automatic"]) for e in of_type(journal, "decision", step="go-nogo")]  # fmt: skip
    assert gate == [("rerun", "golive", True), ("go", "--yes", True)]
    assert [e["attempt"] for e in of_type(journal, "step_started", step="go-nogo")] == [1, 2]
    report = json.loads(golive("report", journal, "--format", "json").stdout)
    assert [(g["step"], g["decision"], g["automatic"]) for g in report["gates"]] == [
        ("go-nogo", "go", True)
    ]

    # At a terminal, the gate is asked again: go or no-go, who decides, and why.
    journal.write_bytes(killed)
    term = Terminal("resume", journal, "--console")
    term.expect("asked again")
    term.expect("[g]o or [n]o-go?")
    term.send("g")
    term.expect("who decides?")
    term.send("Bob")
    term.expect("why?")
    term.send("all orders there")
    assert term.wait() == 0, term.text
    [go] = of_type(journal, "decision", decision="go")
    assert (go["by"], go["reason"], go["automatic"]) == ("Bob", "all orders there", False)


# -- no thread prints a traceback ---------------------------------------------------------
class Unwritable(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError(5, "Input/output error")


def test_the_last_resort_thread_hook_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    """If even its one sentence cannot be written, the hook says nothing: a hook that
    raises makes Python print "Exception in threading.excepthook" and a traceback."""

    class Unprintable(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no text")

    monkeypatch.setattr(sys, "stderr", Unwritable())
    thread = threading.Thread(name="deploy@app2")
    for error in (RuntimeError("boom"), Unprintable()):
        _thread_fault(threading.ExceptHookArgs([type(error), error, None, thread]))  # type: ignore[call-arg]


@pytest.mark.slow
def test_a_group_step_s_host_threads_hand_a_closed_journal_to_the_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C closes the journal while a group step runs: the hosts' threads cannot record
    their end. None of them dies with an exception; the step's own thread gets the
    journal's error (and the conductor stops the run with it)."""
    died: list[str] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: died.append(args.thread.name))
    runbook = runbook_of(
        tmp_path,
        """
[hosts.a]
local = true
groups = ["app"]

[hosts.b]
local = true
groups = ["app"]

[hosts.c]
local = true
groups = ["app"]

[[steps]]
id = "deploy"
on = "app"
run = "echo started; sleep 1"
duration = "1s"
""",
    )
    session = session_of(tmp_path, runbook, clock=None)
    execution = StepExecution(session, Local())
    raised: list[BaseException] = []

    def step() -> None:
        try:
            execution.run_step(runbook.step("deploy"), threading.Event())
        except BaseException as exc:
            raised.append(exc)

    thread = threading.Thread(target=step)
    thread.start()
    journal = tmp_path / "j.jsonl"
    wait_until(lambda: len(of_type(journal, "output", step="deploy")) == 3, what="3 hosts started")
    session.close()  # what Ctrl-C does while the commands run
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert died == []
    assert len(raised) == 1 and isinstance(raised[0], JournalError), raised


@pytest.mark.slow
def test_ctrl_c_during_a_group_step_on_ssh_hosts_prints_no_traceback(
    tmp_path: Path, sshd_group: Any
) -> None:
    from tests.test_ssh import isolated_env, ssh_runbook

    rb = ssh_runbook(
        tmp_path,
        sshd_group,
        """
[[steps]]
id = "deploy"
on = "app"
run = "echo started; sleep 30"
duration = "30s"
""",
    )
    for attempt in range(3):  # it showed in 3 tries of 4
        journal = tmp_path / f"j{attempt}.jsonl"
        process = spawn(
            "run", rb, "--rehearsal", "--yes", "--console", "--journal", journal,
            env=isolated_env(tmp_path),
        )  # fmt: skip
        try:
            wait_until(
                lambda j=journal: j.exists() and len(of_type(j, "output", step="deploy")) == 5,  # type: ignore[misc]
                what="the command started on all five hosts",
            )
        finally:
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=60)
        assert process.returncode == 130, stderr
        for noise in ("Traceback", "Exception in thread", "internal error"):
            assert noise not in stderr, stderr
        assert of_type(journal, "step_started", step="deploy")


# -- the run screen needs every stream it uses ---------------------------------------------
def stop(term: Terminal) -> None:
    """A screen drawn where nobody sees it never ends by itself: end it."""
    if term.process.poll() is None:
        term.process.kill()
        term.process.wait(timeout=10)


def ended(term: Terminal, timeout: float = 30.0) -> int | None:
    """The exit status once golive ends by itself within `timeout`, else None (then ended
    here): Terminal.wait reads on for as long as the program lives."""
    deadline = time.monotonic() + timeout
    while term.process.poll() is None and time.monotonic() < deadline:
        term._pump(0.1)
    status = term.process.poll()
    stop(term)
    return status


@pytest.mark.slow
def test_a_redirected_stderr_keeps_the_console(tmp_path: Path) -> None:
    """The screen is drawn on stderr: with `2>file`, golive asks on the console instead."""
    rb = write_runbook(tmp_path, '[[steps]]\nid = "check-in"\nkind = "manual"\nduration = "1m"\n')
    journal = tmp_path / "j.jsonl"
    with (tmp_path / "stderr").open("w") as stderr:
        term = Terminal("run", rb, "--rehearsal", "--journal", journal, stderr=stderr)
        try:
            term.expect("Enter when done")
            term.send("")
            assert term.wait() == 0, term.text
        finally:
            stop(term)
    assert [e["outcome"] for e in of_type(journal, "run_finished")] == ["completed"]
    assert "✔ run completed" in term.text


@pytest.mark.slow
def test_review_with_a_redirected_stderr_says_so(tmp_path: Path, demo_journal: Path) -> None:
    with (tmp_path / "stderr").open("w") as stderr:
        term = Terminal("review", demo_journal, stderr=stderr)
        assert ended(term) == 2
    said = (tmp_path / "stderr").read_text()
    assert "needs a terminal on stdin, stdout and stderr" in said
    assert f"golive report {demo_journal}" in said


# -- a LIVE run outside its change window ---------------------------------------------------
def test_the_window_is_said_as_it_stands(tmp_path: Path) -> None:
    """`window left 81h05m` before the window has opened: "window opens in" instead."""
    runbook = runbook_of(tmp_path, '[[steps]]\nid = "a"\nrun = "x"\nduration = "1s"\n')
    clock = Clock("2026-11-25T18:55:00+00:00")  # 75h05m before it opens at 22:00 on the 28th
    session = session_of(tmp_path, runbook, clock, mode="live")
    assert session.timing().window_text == "window opens in 75h05m"
    clock.t = 75 * 3600 + 5 * 60 + 30 * 60  # half an hour into the two hours
    assert session.timing().window_text == "window left 1h30m"
    clock.t += 3 * 3600
    assert session.timing().window_text == "window closed 1h30m ago"
    session.close()


@pytest.mark.slow
def test_a_live_run_outside_its_window_is_refused_without_outside_window(
    tmp_path: Path,
) -> None:
    future = HEADER.replace("2026-11-28T22:00:00+00:00", "2099-11-28T22:00:00+00:00")
    rb = write_runbook(
        tmp_path, '[[steps]]\nid = "a"\nrun = "true"\nduration = "1s"\n', header=future
    )
    journal = tmp_path / "j.jsonl"
    refused = golive("run", rb, "--console", "--yes", "--journal", journal)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert (
        "golive: this is a LIVE run and the change window opens in" in refused.stderr
        and "needs --outside-window" in refused.stderr
    ), refused.stderr
    assert not journal.exists()

    ran = golive("run", rb, "--console", "--yes", "--outside-window", "--journal", journal)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    [started] = of_type(journal, "run_started")
    assert started["mode"] == "live" and started["outside_window"] is True
    assert "window opens in" in ran.stdout and "window left" not in ran.stdout
    report = json.loads(golive("report", journal, "--format", "json").stdout)
    assert report["run"]["outside_window"] is True
    md = golive("report", journal, "--format", "md").stdout
    assert "started outside its change window" in md
    html = golive("report", journal, "--format", "html").stdout
    assert "started outside its change window" in html


@pytest.mark.slow
@pytest.mark.parametrize(("typed", "status"), [("test run", 0), ("yes", 2)])
def test_at_a_terminal_the_runbook_s_name_confirms_a_run_outside_its_window(
    tmp_path: Path, typed: str, status: int
) -> None:
    rb = write_runbook(tmp_path, '[[steps]]\nid = "a"\nrun = "true"\nduration = "1s"\n')
    journal = tmp_path / "j.jsonl"  # HEADER's window (2026-11-28) has closed
    term = Terminal("run", rb, "--console", "--journal", journal)
    term.expect("type the runbook's name (test run)")
    term.send(typed)
    assert term.wait() == status, term.text
    if status:
        assert "not confirmed; nothing was run" in term.text and not journal.exists()
    else:
        assert of_type(journal, "run_started")[0]["outside_window"] is True


# -- reports: the window's zone, late, nothing to undo, phases that never ran ---------------
BERLIN = """
[runbook]
name = "berlin"
window = { start = "2026-11-28T22:00:00", timezone = "Europe/Berlin", duration = "2h" }
"""


def recorded_run(tmp_path: Path, body: str, clock: Clock, header: str = HEADER) -> Session:
    """A rehearsal of `body` whose times the test sets with `clock` (in UTC)."""
    return session_of(tmp_path, runbook_of(tmp_path, body, header), clock)


def run_step(session: Session, clock: Clock, step: str, seconds: float, ok: bool = True) -> None:
    session.record(event(ev.STEP_STARTED, step=step, action="run", attempt=1, command="x"))
    clock.t += seconds
    status = "succeeded" if ok else "failed"
    session.record(event(ev.STEP_FINISHED, step=step, action="run", status=status, reason=""))


def test_report_times_are_in_the_window_s_zone(tmp_path: Path) -> None:
    clock = Clock("2026-11-28T21:00:00+00:00")  # 22:00 in Berlin
    session = session_of(
        tmp_path, runbook_of(tmp_path, '[[steps]]\nid = "a"\nrun = "x"\n', BERLIN), clock
    )
    run_step(session, clock, "a", 5)
    session.close()
    summary = summary_of(tmp_path)
    assert summary["run"]["started"]["t"] == "2026-11-28T22:00:00.000+01:00"
    assert summary["steps"][0]["ended"]["t"] == "2026-11-28T22:00:05.000+01:00"
    assert summary["window"]["start"]["t"].endswith("+01:00")
    md = render_markdown(summary)
    assert "| Started | 2026-11-28 22:00:00+01:00 |" in md


def test_a_step_a_few_milliseconds_over_its_plan_is_not_late(tmp_path: Path) -> None:
    clock = Clock()
    session = session_of(
        tmp_path,
        runbook_of(
            tmp_path,
            """
[[steps]]
id = "settle"
kind = "wait"
duration = "2s"

[[steps]]
id = "load"
run = "x"
duration = "2s"
""",
        ),
        clock,
    )
    run_step(session, clock, "settle", 2.002)
    run_step(session, clock, "load", 3.5)  # late: more than 1 s over
    session.close()
    summary = summary_of(tmp_path)
    assert [s["step"] for s in summary["late_steps"]] == ["load"]
    assert "| Late steps | 1 |" in render_markdown(summary)


NOTHING_TO_UNDO = """
[[steps]]
id = "backup"
run = "x"
duration = "1s"
rollback_point = true

[[steps]]
id = "go-nogo"
kind = "gate"
instructions = "decide"
duration = "20s"

[[steps]]
id = "deploy"
run = "x"
rollback = "y"
duration = "2s"

[[steps]]
id = "hypercare"
phase = "after"
run = "x"
duration = "1s"
"""


def test_nothing_to_undo_plans_no_time_in_the_plan_the_prompt_and_the_report(
    tmp_path: Path,
) -> None:
    clock = Clock()
    session = recorded_run(tmp_path, NOTHING_TO_UNDO, clock)
    run_step(session, clock, "backup", 1)
    session.record(event(ev.STEP_STARTED, step="go-nogo", action="run", attempt=1, command=None))
    clock.t += 3
    session.record(event(ev.DECISION, step="go-nogo", question="gate", decision="go", by="bob"))
    run_step(session, clock, "deploy", 1, ok=False)
    plan = session.engine.rollback_plan(session.state, "backup")
    assert [(a.step, a.planned) for a in plan.actions] == [("deploy", 2.0), ("go-nogo", 0.0)]
    assert sum(a.planned for a in plan.actions) == plan.planned == 2.0

    out = io.StringIO()
    operator = ConsoleOperator(
        session, Policy(interactive=True, operator="alice"), io.StringIO("b\ny\nbroken\n"), out
    )
    [failed] = session.engine.questions(session.state)
    answer = operator.answer(failed)
    assert answer.decision == Decisions.ROLLBACK and answer.to == "backup"
    shown = out.getvalue()
    assert f"    {'go-nogo':<16} (nothing to undo)\n" in shown and "[20s]" not in shown
    assert "planned 2s" in shown

    conductor = Conductor(session, StepExecution(session, Local()))
    conductor.answer(failed, answer.decision, reason=answer.reason, by="alice", to=answer.to)
    session.record(
        event(ev.ROLLBACK_STARTED, to="backup", cause="deploy", actions=["deploy", "go-nogo"],
              commands=["y", None], planned=plan.planned)
    )  # fmt: skip
    for step in ("deploy", "go-nogo"):
        session.record(event(ev.STEP_STARTED, step=step, action="rollback", attempt=1))
        clock.t += 1
        session.record(
            event(ev.STEP_FINISHED, step=step, action="rollback", status="succeeded", reason="")
        )
    session.record(event(ev.ROLLBACK_FINISHED, to="backup", status="completed"))
    session.record(event(ev.RUN_FINISHED, outcome="rolled_back", reason="test"))
    session.close()

    summary = summary_of(tmp_path)
    [rollback] = summary["rollbacks"]
    rows = {a["step"]: a for a in rollback["actions"]}
    assert rows["go-nogo"]["nothing_to_undo"] is True and rows["go-nogo"]["planned"] is None
    assert rows["deploy"]["nothing_to_undo"] is False and rows["deploy"]["planned"] == 2.0
    assert rollback["planned"] == sum(a["planned"] or 0 for a in rollback["actions"])
    md = render_markdown(summary)
    assert "| `go-nogo` | – | – | nothing to undo |" in md
    assert "| `deploy` | 2s | 1s | succeeded |" in md
    html = render_html(summary, load_record(str(tmp_path / "j.jsonl")).record)
    assert "nothing to undo" in html


def test_a_phase_that_never_ran_says_not_run_and_one_that_ran_its_span(tmp_path: Path) -> None:
    """In the console's summary and in every report: never "actual 0s (+0s)"."""
    clock = Clock()
    session = recorded_run(tmp_path, NOTHING_TO_UNDO, clock)
    out = io.StringIO()
    session.listeners.append(ConsolePrinter(session, out))
    run_step(session, clock, "backup", 1)
    session.record(event(ev.RUN_FINISHED, outcome="aborted", reason="test"))
    session.close()
    shown = out.getvalue()
    assert "phase after: planned 1s, not run" in shown
    assert "phase main: planned 23s, actual 1s (-22s)" in shown
    summary = summary_of(tmp_path)
    phases = {p["name"]: p for p in summary["phases"]}
    assert phases["after"]["start"] is None and phases["after"]["actual"] is None
    assert phases["main"]["actual"] == 1.0
    md = render_markdown(summary)
    assert "| after | 1 | 1s | not run | – |" in md
    assert "| main | 3 | 23s | 1s | -22s |" in md
    html = render_html(summary, load_record(str(tmp_path / "j.jsonl")).record)
    assert '<td class="n">not run</td>' in html


# -- golive check -----------------------------------------------------------------------------
def test_check_warns_about_a_placeholder_in_a_title(tmp_path: Path) -> None:
    path = write_runbook(
        tmp_path,
        """
[vars]
release = "2.0"

[[steps]]
id = "deploy"
title = "Deploy {{release}}"
run = "echo {{release}}"
duration = "1s"
""",
    )
    loaded = load_runbook(str(path))
    assert not loaded.errors
    [warning] = [d for d in loaded.diagnostics if "title" in d.message]
    line = path.read_text().splitlines().index('title = "Deploy {{release}}"') + 1
    assert warning.render() == (
        f"{path}:{line}: warning: {{{{release}}}} in the title of step deploy is shown as written: "
        "titles are not filled in (write the value itself, or leave it to run, where "
        "variables are filled in)"
    )


def test_check_names_a_step_by_its_id(tmp_path: Path) -> None:
    path = write_runbook(
        tmp_path,
        """
[[steps]]
id = "a"
run = "true"

[[steps]]
id = "deploy"
run = "true"
tmeout = "3s"
verify = { run = "true", satus = 200 }

[[steps]]
run = "true"
tmeout = "3s"
""",
    )
    messages = [d.message for d in load_runbook(str(path)).errors]
    assert "unknown key 'tmeout' in step deploy" in messages
    assert "unknown key 'satus' in step deploy.verify" in messages
    assert "unknown key 'tmeout' in step #3" in messages  # no id to name it by


# -- the demo ends with what comes next ----------------------------------------------------
@pytest.mark.slow
def test_the_console_demo_ends_with_the_next_commands(tmp_path: Path) -> None:
    journal = tmp_path / "demo.jsonl"
    done = golive(
        "demo", "--yes", "--console", "--journal", journal,
        env={"GOLIVE_DEMO_DIR": str(tmp_path / "w")},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    tail = done.stdout.rstrip().splitlines()[-3:]
    assert tail[0] == f"demo: the run completed; its journal is {journal}"
    assert tail[1].split()[:3] == ["golive", "report", str(journal)]
    assert tail[2].split()[:3] == ["golive", "review", str(journal)]


@pytest.mark.slow
def test_the_demo_on_the_run_screen_ends_with_the_next_commands(tmp_path: Path) -> None:
    from tests.test_tui_tmux import Tmux

    if subprocess.run(["which", "tmux"], capture_output=True).returncode:
        pytest.skip("tmux is not installed")
    tmux = Tmux(f"golive-test-path-{os.getpid()}")
    journal = tmp_path / "demo.jsonl"
    try:
        tmux.start(
            tmp_path,
            {"LANG": "C.UTF-8", "TMPDIR": str(tmp_path)},
            f"{shlex.quote(sys.executable)} -m golive demo --yes --journal {journal}; "
            "echo golive exited $?; sleep 60",
        )
        tmux.wait(lambda s: "■ COMPLETED" in s, timeout=90)
        time.sleep(0.5)
        tmux.keys("q")
        screen = tmux.wait(lambda s: "golive exited" in s or "Leave golive?" in s)
        if "Leave golive?" in screen:
            tmux.keys("y")
        screen = " ".join(tmux.wait("golive exited").split())
    finally:
        tmux.kill()
    assert "golive exited 0" in screen, screen
    assert f"demo: the run completed; its journal is {journal}" in screen, screen
    assert f"golive report {journal} -o demo-report.html" in screen, screen
    assert f"golive review {journal}" in screen, screen
    assert [e["outcome"] for e in events(journal) if e["type"] == "run_finished"] == ["completed"]
