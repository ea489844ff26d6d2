"""The operator at a real (pseudo-)terminal answering golive's questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import of_type, write_runbook
from tests.terminal import ANSI, Terminal

pytestmark = pytest.mark.slow  # real servers, terminals or processes: not in the fast lane


def test_operator_confirms_passes_a_gate_rolls_back_and_continues(tmp_path: Path) -> None:
    marker, order = tmp_path / "tried", tmp_path / "order"
    rb = write_runbook(
        tmp_path,
        f"""
[[steps]]
id = "freeze"
kind = "manual"
instructions = "Tell the users."
[[steps]]
id = "backup"
run = "echo backup >> {order}"
rollback_point = true
[[steps]]
id = "deploy"
run = "echo deploy >> {order}"
rollback = "echo undo-deploy >> {order}"
[[steps]]
id = "migrate"
run = "if [ ! -e {marker} ]; then touch {marker}; echo 'bad rows' >&2; exit 2; fi; echo migrate >> {order}"
rollback = "echo undo-migrate >> {order}"
[[steps]]
id = "go"
kind = "gate"
instructions = "Key users check orders."
point_of_no_return = true
""",
    )
    journal = tmp_path / "j.jsonl"
    term = Terminal(
        "run", rb, "--console", "--rehearsal", "--journal", journal, "--operator", "alice"
    )
    term.expect("Tell the users.")
    term.expect("Enter when done")
    term.send("users told at 22:03")
    term.expect("✘ migrate FAILED")
    term.expect("[b] roll back to backup")
    term.send("x")  # not an option: asked again
    term.expect("please answer with one of")
    term.send("b")
    preview = term.expect("roll back now? [y/n]")
    assert preview.index("migrate") < preview.index("undo-deploy")
    term.send("y")
    term.expect("note (optional):")
    term.send("dirty currency codes")
    term.expect("[c]ontinue from the rollback point")
    term.send("c")
    term.expect("[g]o or [n]o-go?")
    term.send("g")
    term.expect("who decides? [alice]")
    term.send("Bob (business owner)")
    term.expect("why?")
    term.send("")
    term.expect("a reason is required")
    term.send("orders and invoices look right")
    assert term.wait() == 0, term.text
    assert order.read_text().split() == [
        "backup",
        "deploy",
        "undo-migrate",
        "undo-deploy",
        "deploy",
        "migrate",
    ]
    decisions = [
        (d["step"], d["decision"], d["by"], d["reason"]) for d in of_type(journal, "decision")
    ]
    assert decisions == [
        ("freeze", "confirm", "alice", "users told at 22:03"),
        ("migrate", "rollback", "alice", "dirty currency codes"),
        (None, "resume-from-point", "alice", ""),
        ("go", "go", "Bob (business owner)", "orders and invoices look right"),
    ]
    assert of_type(journal, "decision", step="migrate")[0]["to"] == "backup"


def test_skip_needs_a_reason(tmp_path: Path) -> None:
    rb = write_runbook(
        tmp_path,
        '[[steps]]\nid = "optional"\nrun = "exit 1"\n[[steps]]\nid = "after"\nrun = "true"\n',
    )
    journal = tmp_path / "j.jsonl"
    term = Terminal("run", rb, "--console", "--rehearsal", "--journal", journal)
    term.expect("[a]bort?")
    term.send("s")
    term.expect("why skip?")
    term.send("")
    term.expect("a reason is required")
    term.send("report server is optional tonight")
    assert term.wait() == 0, term.text
    [skip] = of_type(journal, "decision")
    assert skip["decision"] == "skip" and skip["reason"] == "report server is optional tonight"
    assert of_type(journal, "step_finished", step="after", status="succeeded")


def test_an_alert_never_lands_on_the_prompt_line(tmp_path: Path) -> None:
    """The monitor raises an alert (memory over 1%, held 3 intervals) while the operator
    is at a prompt: the alert is written above the prompt, and the prompt is drawn again
    below it; Enter still answers."""
    rb = write_runbook(
        tmp_path,
        """
[hosts.here]
local = true
[monitor]
interval = "0.2s"
mem_warn = 1
[[steps]]
id = "freeze"
kind = "manual"
instructions = "Tell the users."
""",
    )
    term = Terminal("run", rb, "--console", "--rehearsal", "--journal", tmp_path / "j.jsonl")
    term.expect("Enter when done")
    shown = term.expect("mem")  # the alert, while the prompt waits
    term.expect("Enter when done")  # drawn again below it
    # As the terminal shows them: a line clear and a move to column 1 start it over.
    raw = term.raw.replace("\x1b[2K\x1b[G", "\x00")
    rendered = [ANSI.sub("", line.rsplit("\x00", 1)[-1]) for line in raw.split("\n")]
    assert not [line for line in rendered if "skip:" in line and "⚠" in line], shown
    alert = next(line for line in rendered if "⚠" in line and "mem" in line)
    assert alert.lstrip().startswith("⚠"), rendered
    term.send("")
    term.expect("✔ freeze")
    assert term.wait() == 0
