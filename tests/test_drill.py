"""golive drill: run past a rollback point, roll back to it on purpose, prove the state.

The drills run through the real binary; the SSH drill runs against a real sshd on
loopback and reads the hosts' files afterwards (the sshd user is the local user).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import textwrap
from pathlib import Path
from typing import Any

import pytest

from golive.core.drill import DrillEngine, DrillError, plan_drill
from golive.core.engine import Engine
from golive.core.loader import load_runbook_text
from golive.core.runbook import Runbook
from golive.core.state import RunState
from tests.helpers import HEADER, events, golive, of_type, spawn, wait_until, write_runbook

pytestmark = pytest.mark.slow  # real servers, terminals or processes: not in the fast lane


def drill(runbook: Path, journal: Path, *extra: str, env: dict[str, str] | None = None) -> Any:
    return golive("drill", runbook, "--journal", journal, "--console", *extra, env=env)


def errors(stderr: str) -> list[str]:
    """stderr without the runbook's warnings (these test runbooks have no durations)."""
    return [line for line in stderr.splitlines() if ": warning: " not in line]


def finished(journal: Path) -> dict[str, Any]:
    [end] = of_type(journal, "run_finished")
    return end


# -- against real SSH hosts ------------------------------------------------------------


def group_runbook(tmp_path: Path, server: Any, base: Path) -> Path:
    """Five hosts in group "app"; each keeps its app in base/<its address>."""
    hosts = "".join(
        f"""
[hosts.h{i}]
address = "{address}"
port = {port}
user = "{server.user}"
identity_file = "{server.identity_file}"
groups = ["app"]
"""
        for i, (address, port) in enumerate(server.hosts, start=1)
    )
    here = f"d={base}/$(echo $SSH_CONNECTION | cut -d' ' -f3)"
    steps = f"""
[[steps]]
id = "install"
on = "app"
run = "{here}; mkdir -p $d && echo v1 > $d/app.version && echo 'pool=10' > $d/app.conf"
rollback = "{here}; rm -rf $d"
duration = "2s"

[[steps]]
id = "snapshot"
on = "app"
run = "{here}; cp $d/app.version $d/app.version.bak && cp $d/app.conf $d/app.conf.bak"
verify = "{here}; test \\"$(cat $d/app.version)\\" = v1 && grep -qx pool=10 $d/app.conf"
rollback_point = true
duration = "2s"

[[steps]]
id = "deploy"
on = "app"
run = "{here}; echo v2 > $d/app.version && echo 'pool=50' > $d/app.conf; echo now $(cat $d/app.version)"
rollback = "{here}; sleep 0.3; cp $d/app.version.bak $d/app.version && cp $d/app.conf.bak $d/app.conf; echo restored $(cat $d/app.version)"
rollback_duration = "5s"
duration = "3s"

[[steps]]
id = "switch-traffic"
on = "app"
run = "{here}; touch $d/traffic-switched"
rollback = "{here}; rm -f $d/traffic-switched"
duration = "1s"
"""
    path = tmp_path / "rb.toml"
    header = HEADER + f'known_hosts = "{server.known_hosts}"\n'
    path.write_text(textwrap.dedent(header) + hosts + steps, encoding="utf-8")
    return path


def test_a_drill_on_five_ssh_hosts_returns_every_host_to_the_rollback_point(
    tmp_path: Path, sshd_group: Any
) -> None:
    base = tmp_path / "hosts"
    runbook = group_runbook(tmp_path, sshd_group, base)
    journal = tmp_path / "drill.jsonl"
    home = tmp_path / "home"
    home.mkdir()
    result = drill(
        runbook, journal, "--to", "snapshot", "--yes", env={"HOME": str(home), "SSH_AUTH_SOCK": ""}
    )
    assert result.returncode == 0, result.stdout + result.stderr

    addresses = [address for address, _ in sshd_group.hosts]
    assert sorted(p.name for p in base.iterdir()) == sorted(addresses)
    for address in addresses:
        folder = base / address
        # The state at the point: deploy's v2 and pool=50 are undone on every host.
        assert (folder / "app.version").read_text() == "v1\n"
        assert (folder / "app.conf").read_text() == "pool=10\n"
        # The drill stopped at the first step with a rollback after the point.
        assert not (folder / "traffic-switched").exists()

    # The change really happened before the rollback undid it, on all five hosts.
    deployed = [e["line"] for e in of_type(journal, "output", step="deploy", action="run")]
    assert deployed == ["now v2"] * 5
    restored = [e["line"] for e in of_type(journal, "output", step="deploy", action="rollback")]
    assert restored == ["restored v1"] * 5
    assert not of_type(journal, "step_started", step="switch-traffic")

    [started] = of_type(journal, "run_started")
    assert started["mode"] == "rehearsal"
    assert started["drill"] == {"to": "snapshot", "through": "deploy"}
    [decision] = of_type(journal, "decision", decision="rollback")
    assert (decision["step"], decision["to"], decision["by"]) == ("deploy", "snapshot", "drill")
    [rollback] = of_type(journal, "rollback_started")
    assert rollback["actions"] == ["deploy"] and rollback["planned"] == 5.0

    end = finished(journal)
    assert end["outcome"] == "rolled_back"
    report = end["drill"]
    assert report["verdict"] == "pass" and report["problems"] == []
    [action] = report["actions"]
    assert (action["step"], action["status"], action["planned"]) == ("deploy", "pass", 5.0)
    # Every host's undo sleeps 0.3 s: the measured time cannot be less.
    undo_hosts = of_type(journal, "host_finished", step="deploy", action="rollback")
    assert len(undo_hosts) == 5 and all(h["exit"] == 0 for h in undo_hosts)
    assert action["seconds"] >= 0.3
    assert report["rollback_seconds"] >= action["seconds"]
    assert report["planned_seconds"] == 5.0
    assert [(v["step"], v["ok"]) for v in report["verify"]] == [
        ("install", None),
        ("snapshot", True),
    ]
    assert report["verify"][0]["detail"] == "not verifiable: it has no verify"
    # The verify ran again after the rollback, on every host of the group.
    reverified = of_type(journal, "verify_finished", step="snapshot", drill=True)
    assert len(reverified) == 1 and reverified[0]["ok"] is True
    assert reverified[0]["m"] > of_type(journal, "rollback_finished")[0]["m"]
    assert len(of_type(journal, "host_finished", step="snapshot", action="verify")) == 10

    assert "verdict: PASS" in result.stdout
    assert "✔ deploy" in result.stdout and "planned 5.0s" in result.stdout
    assert golive("verify", journal).returncode == 0
    # report reads the drill back from the journal.
    summary = json.loads(golive("report", journal, "--format", "json").stdout)
    assert summary["run"]["drill"]["verdict"] == "pass"
    assert summary["run"]["drill"]["to"] == "snapshot"


# -- on this machine: failures, verify, injections, bad input ----------------------------


def local_runbook(tmp_path: Path, *, undo: str | None = None, verify: str | None = None) -> Path:
    """backup is the point; deploy (the first step after it with a rollback) writes v2."""
    app = tmp_path / "app.version"
    undo = undo if undo is not None else f"cp {app}.bak {app}"
    verify = verify if verify is not None else f'test "$(cat {app})" = v1'
    return write_runbook(
        tmp_path,
        f"""
[[steps]]
id = "install"
run = "echo v1 > {app}"
rollback = "rm -f {app}"

[[steps]]
id = "backup"
run = "cp {app} {app}.bak"
verify = '{verify}'
rollback_point = true

[[steps]]
id = "stop-app"
run = "echo stopped"

[[steps]]
id = "deploy"
run = "echo v2 > {app}"
rollback = "{undo}"
rollback_duration = "4s"

[[steps]]
id = "open"
run = "touch {tmp_path}/opened"
rollback = "rm -f {tmp_path}/opened"
""",
    )


def test_a_drill_whose_rollback_action_fails_fails_and_still_undoes_the_rest(
    tmp_path: Path,
) -> None:
    runbook = local_runbook(tmp_path, undo="echo cannot restore >&2; exit 7")
    journal = tmp_path / "j.jsonl"
    result = drill(runbook, journal, "--to", "backup", "--yes")
    assert result.returncode == 1, result.stdout + result.stderr
    report = finished(journal)["drill"]
    assert report["verdict"] == "fail"
    assert [(a["step"], a["status"]) for a in report["actions"]] == [
        ("deploy", "fail"),
        ("stop-app", "no undo"),
    ]
    assert report["actions"][0]["reason"] == "exit status 7"
    assert report["actions"][0]["seconds"] is not None
    [skip] = of_type(journal, "decision", decision="skip")
    assert (skip["step"], skip["action"], skip["by"]) == ("deploy", "rollback", "drill")
    # The rollback went on past the failed undo, so stop-app's (empty) undo ran too.
    assert [e["step"] for e in of_type(journal, "step_finished", action="rollback")] == [
        "deploy",
        "stop-app",
    ]
    # Nothing restored v1, and the verify after the rollback says so.
    assert (tmp_path / "app.version").read_text() == "v2\n"
    assert [(v["step"], v["ok"]) for v in report["verify"]] == [
        ("install", None),
        ("backup", False),
    ]
    assert any(p.startswith("undo deploy failed: exit status 7") for p in report["problems"])
    assert "✘ deploy" in result.stdout and "verdict: FAIL" in result.stdout
    assert not (tmp_path / "opened").exists()


def test_a_drill_whose_verify_fails_after_the_rollback_fails(tmp_path: Path) -> None:
    # The undo "succeeds" but restores nothing: only the verify can tell.
    runbook = local_runbook(tmp_path, undo="true")
    journal = tmp_path / "j.jsonl"
    result = drill(runbook, journal, "--to", "backup", "--yes")
    assert result.returncode == 1, result.stdout + result.stderr
    report = finished(journal)["drill"]
    assert report["verdict"] == "fail"
    assert [(a["step"], a["status"]) for a in report["actions"]] == [
        ("deploy", "pass"),
        ("stop-app", "no undo"),
    ]
    [check] = of_type(journal, "verify_finished", drill=True)
    assert check["step"] == "backup" and check["ok"] is False
    assert report["verify"][1] == {"step": "backup", "ok": False, "detail": check["detail"]}
    assert report["problems"] == [f"verify backup failed after the rollback: {check['detail']}"]
    assert (tmp_path / "app.version").read_text() == "v2\n"


def test_a_drill_that_passes_on_this_machine_restores_the_file(tmp_path: Path) -> None:
    runbook = local_runbook(tmp_path)
    journal = tmp_path / "j.jsonl"
    result = drill(runbook, journal, "--to", "backup", "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "app.version").read_text() == "v1\n"
    assert finished(journal)["drill"]["verdict"] == "pass"
    ran = [e["step"] for e in of_type(journal, "step_finished", action="run")]
    assert ran == ["install", "backup", "stop-app", "deploy"]


def test_an_injected_failure_before_the_point_is_journaled_and_retried(tmp_path: Path) -> None:
    runbook = local_runbook(tmp_path)
    journal = tmp_path / "j.jsonl"
    result = drill(runbook, journal, "--to", "backup", "--yes", "--inject-failure", "install")
    assert result.returncode == 0, result.stdout + result.stderr
    assert of_type(journal, "run_started")[0]["inject_failure"] == ["install"]
    runs = of_type(journal, "step_finished", step="install", action="run")
    assert [(r["status"], r.get("injected", False)) for r in runs] == [
        ("failed", True),
        ("succeeded", False),
    ]
    [retry] = of_type(journal, "decision", step="install", decision="retry")
    assert retry["automatic"] is True and retry["by"] == "--yes"
    assert finished(journal)["drill"]["verdict"] == "pass"
    assert (tmp_path / "app.version").read_text() == "v1\n"


def test_an_injected_failure_after_the_point_starts_the_drills_rollback(tmp_path: Path) -> None:
    runbook = local_runbook(tmp_path)
    journal = tmp_path / "j.jsonl"
    result = drill(runbook, journal, "--to", "backup", "--yes", "--inject-failure", "deploy")
    assert result.returncode == 0, result.stdout + result.stderr
    [run] = of_type(journal, "step_finished", step="deploy", action="run")
    assert run["status"] == "failed" and run["injected"] is True
    [decision] = of_type(journal, "decision", decision="rollback")
    assert (decision["step"], decision["question"], decision["to"]) == (
        "deploy",
        "failed",
        "backup",
    )
    [rollback] = of_type(journal, "rollback_started")
    assert rollback["cause"] == "deploy" and rollback["actions"] == ["deploy", "stop-app"]
    report = finished(journal)["drill"]
    assert report["verdict"] == "pass"
    assert [a["status"] for a in report["actions"]] == ["pass", "no undo"]


def test_without_yes_and_without_a_terminal_a_manual_step_stops_the_drill(
    tmp_path: Path,
) -> None:
    runbook = write_runbook(
        tmp_path,
        f"""
[[steps]]
id = "backup"
run = "true"
rollback_point = true

[[steps]]
id = "announce"
kind = "manual"

[[steps]]
id = "deploy"
run = "touch {tmp_path}/deployed"
rollback = "rm {tmp_path}/deployed"
""",
    )
    journal = tmp_path / "j.jsonl"
    result = drill(runbook, journal, "--to", "backup")
    assert result.returncode == 1, result.stdout + result.stderr
    end = finished(journal)
    assert end["outcome"] == "aborted"
    assert end["drill"]["verdict"] == "fail" and end["drill"]["actions"] == []
    [problem] = end["drill"]["problems"]
    assert problem.startswith("the drill stopped before it was done: ")
    assert "stdin is not a terminal" in problem
    assert not (tmp_path / "deployed").exists()
    assert not of_type(journal, "rollback_started")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--to", "install"],
            "golive: --to install: not a rollback point; the rollback points are: backup",
        ),
        (["--to", "nope"], "golive: --to nope: no such step; the rollback points are: backup"),
        (
            ["--to", "backup", "--inject-failure", "open"],
            "golive: --inject-failure open: the drill does not run it "
            "(the drill runs: install, backup, stop-app, deploy)",
        ),
        (
            ["--to", "backup", "--inject-failure", "ghost"],
            "golive: --inject-failure ghost: no such step (the steps are: "
            "install, backup, stop-app, deploy, open)",
        ),
    ],
)
def test_bad_drills_exit_2_with_one_line(tmp_path: Path, extra: list[str], message: str) -> None:
    runbook = local_runbook(tmp_path)
    journal = tmp_path / "j.jsonl"
    result = golive("drill", runbook, "--journal", journal, "--yes", *extra)
    assert result.returncode == 2
    assert errors(result.stderr) == [message]
    assert not journal.exists() and not (tmp_path / "app.version").exists()


def test_a_point_with_no_undoable_step_after_it_exits_2(tmp_path: Path) -> None:
    runbook = write_runbook(
        tmp_path,
        """
[[steps]]
id = "backup"
run = "true"
rollback_point = true

[[steps]]
id = "report"
run = "true"
""",
    )
    result = golive("drill", runbook, "--to", "backup", "--yes")
    assert result.returncode == 2
    assert errors(result.stderr) == [
        "golive: --to backup: no step after backup has a rollback, so a drill would have "
        "nothing to undo; give a step that depends on backup a rollback = ... command"
    ]


def test_a_missing_runbook_exits_2_without_a_traceback(tmp_path: Path) -> None:
    result = golive("drill", tmp_path / "missing.toml", "--to", "backup")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "missing.toml" in result.stderr


def test_a_killed_drill_cannot_be_resumed_as_a_run(tmp_path: Path) -> None:
    marker = tmp_path / "started"
    runbook = write_runbook(
        tmp_path,
        f"""
[[steps]]
id = "backup"
run = "true"
rollback_point = true

[[steps]]
id = "deploy"
run = "echo $$ > {marker}; sleep 30"
rollback = "true"

[[steps]]
id = "after"
run = "touch {tmp_path}/after"
""",
    )
    journal = tmp_path / "j.jsonl"
    process = spawn("drill", runbook, "--to", "backup", "--yes", "--journal", journal)
    try:
        wait_until(lambda: marker.exists() and bool(marker.read_text().strip()), what="deploy")
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=10)
    with contextlib.suppress(ProcessLookupError, ValueError):
        os.killpg(int(marker.read_text()), signal.SIGKILL)
    resumed = golive("resume", journal, "--yes", "--interrupted", "rerun", "--console")
    assert resumed.returncode == 2
    assert errors(resumed.stderr) == [
        f"golive: {journal}: a drill (golive drill --to backup) cannot be resumed; "
        "put back by hand what it changed, then run the drill again"
    ]
    assert not (tmp_path / "after").exists()
    assert [e["type"] for e in events(journal)][-1] != "session_resumed"


# -- the plan, pure --------------------------------------------------------------------


def runbook_of(body: str) -> Runbook:
    loaded = load_runbook_text("rb.toml", textwrap.dedent(HEADER) + textwrap.dedent(body))
    assert loaded.runbook is not None, [d.render() for d in loaded.diagnostics]
    return loaded.runbook


PARALLEL = """
[[steps]]
id = "freeze"
kind = "manual"

[[steps]]
id = "backup"
run = "true"
rollback_point = true
depends_on = ["freeze"]

[[steps]]
id = "docs"
run = "true"
depends_on = ["freeze"]

[[steps]]
id = "schema"
run = "true"
depends_on = ["backup"]

[[steps]]
id = "data"
run = "true"
rollback = "true"
depends_on = ["schema", "docs"]

[[steps]]
id = "app"
run = "true"
rollback = "true"
depends_on = ["backup"]

[[steps]]
id = "go"
kind = "gate"
instructions = "go?"
point_of_no_return = true
depends_on = ["data", "app"]
"""


def test_the_plan_runs_only_what_the_first_undoable_step_after_the_point_needs() -> None:
    plan = plan_drill(runbook_of(PARALLEL), "backup")
    assert plan.through == "data"  # before app in plan order
    assert plan.steps == ("freeze", "backup", "docs", "schema", "data")
    assert plan.state_steps == ("freeze", "backup")
    assert plan.journal_fields == {"to": "backup", "through": "data"}


def test_the_drill_engine_offers_only_the_drills_steps_and_never_finishes() -> None:
    runbook = runbook_of(PARALLEL)
    engine = DrillEngine(runbook, plan_drill(runbook, "backup"))
    state = RunState()
    for step_id in ("freeze", "backup", "docs", "schema", "data"):
        state.apply({"type": "step_started", "step": step_id, "action": "run", "m": 0.0})
        state.apply({"type": "step_finished", "step": step_id, "action": "run",
                     "status": "succeeded", "m": 1.0})  # fmt: skip
    assert engine.steps_done(state)
    assert engine.ready(state) == []  # app and the gate are not the drill's
    assert engine.finished(state) is False
    assert engine.after_point("data") and not engine.after_point("docs")


def test_a_step_past_the_point_of_no_return_is_never_drilled() -> None:
    runbook = runbook_of(
        """
[[steps]]
id = "backup"
run = "true"
rollback_point = true

[[steps]]
id = "go"
run = "true"
rollback = "true"
point_of_no_return = true
"""
    )
    with pytest.raises(DrillError, match="no step after backup has a rollback"):
        plan_drill(runbook, "backup")


def test_no_rollback_point_at_all_is_said_plainly() -> None:
    runbook = runbook_of('[[steps]]\nid = "a"\nrun = "true"\n')
    with pytest.raises(DrillError) as caught:
        plan_drill(runbook, "a")
    assert str(caught.value) == (
        "--to a: not a rollback point; this runbook has no rollback point (rollback_point = true)"
    )


def test_a_failure_past_a_later_point_still_rolls_back_to_the_drilled_point() -> None:
    runbook = runbook_of(
        """
[[steps]]
id = "backup"
run = "true"
rollback_point = true

[[steps]]
id = "snapshot"
run = "true"
rollback_point = true

[[steps]]
id = "deploy"
run = "true"
rollback = "true"
on_failure = "rollback"
"""
    )
    plan = plan_drill(runbook, "backup")
    assert (plan.through, plan.steps) == ("deploy", ("backup", "snapshot", "deploy"))
    state = RunState()
    for step_id, status in (
        ("backup", "succeeded"),
        ("snapshot", "succeeded"),
        ("deploy", "failed"),
    ):
        state.apply({"type": "step_started", "step": step_id, "action": "run", "m": 0.0})
        state.apply({"type": "step_finished", "step": step_id, "action": "run",
                     "status": status, "m": 1.0})  # fmt: skip
    # A run goes back to the latest point deploy depends on; the drill to the one drilled.
    assert Engine(runbook).rollback_target(state, "deploy") == "snapshot"
    assert DrillEngine(runbook, plan).rollback_target(state, "deploy") == "backup"
    # Before the drilled point is reached, a rollback goes where a run's would.
    early = RunState()
    assert DrillEngine(runbook, plan).rollback_target(early, "backup") is None
