"""Prints journal events as they are recorded, like ansible-playbook's output."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TextIO

from golive.console.guard import guarded
from golive.console.line import shared_line
from golive.core.durations import format_duration
from golive.core.events import Event
from golive.core.health_text import evaluation_line, worst_lines
from golive.core.text import visible
from golive.session.session import Session

_OUTCOME = {
    "completed": "✔ run completed",
    "rolled_back": "↶ run ended ROLLED BACK",
    "aborted": "✘ run ABORTED",
}


def short_command(command: str) -> str:
    """The first line of a script, and how many more there are (control characters shown)."""
    lines = [line for line in visible(command, newlines=True).strip().split("\n") if line.strip()]
    if len(lines) <= 1:
        return lines[0] if lines else ""
    return f"{lines[0]}  … (+{len(lines) - 1} lines)"


def clock(moment: datetime | None) -> str:
    return moment.strftime("%H:%M:%S") if moment else "--:--:--"


class ConsolePrinter:
    def __init__(self, session: Session, out: TextIO) -> None:
        self.session = session
        # Behind the guard whoever made the printer: what it prints comes from runbooks and hosts.
        self.out = guarded(out)
        self._line = shared_line(out)  # the operator's prompt may be on it
        width = max((len(h) for h in [*session.runbook.hosts, "local"]), default=5)
        self._host_width = min(width, 16)
        self._lock = threading.Lock()
        self._was_unhappy: dict[str, bool] = {}  # LIVE is news only after STALE or DOWN

    def __call__(self, e: Event) -> None:
        handler = getattr(self, "_" + e["type"], None)
        if handler is not None:
            handler(e)
            self.out.flush()

    def say(self, text: str) -> None:
        # Steps in parallel streams print from their own threads: one write per line,
        # above the operator's prompt when one is shown.
        with self._lock:
            self._line.write(self.out, text)

    def _run_started(self, e: Event) -> None:
        mode = e["mode"].upper()
        self.say(f"golive · {visible(e['name'])} · {mode}")
        window = e.get("window")
        if window:
            start, end = (
                datetime.fromisoformat(window["start"]),
                datetime.fromisoformat(window["end"]),
            )
            moved = " (rehearsal: the window opens now)" if e.get("window_shift") else ""
            self.say(f"  window {start:%Y-%m-%d %H:%M} → {end:%H:%M %Z}{moved}")

    def _session_resumed(self, e: Event) -> None:
        self.say(f"golive · resumed {self.session.state.name} · {self.session.state.mode.upper()}")
        if e.get("repaired_bytes"):
            self.say(
                f"  the journal ended in a torn line ({e['repaired_bytes']} bytes, a crash mid-write); it was cut off"
            )
        if e.get("runbook_changed"):
            self.say(
                "  the runbook changed since the run started; the diff is recorded in the journal"
            )

    def _step_started(self, e: Event) -> None:
        step = self.session.engine.step(e["step"])
        if e.get("action") == "rollback":
            if e.get("command"):
                self.say(f"↶ undo {step.id}: {short_command(e['command'])}")
            return
        if e.get("action") != "run":
            return
        attempt = f" (attempt {e['attempt']})" if e.get("attempt", 1) > 1 else ""
        # One-line fields stay on one line: a line break in a title cannot fake a line.
        owner = f" · {visible(step.owner)}" if step.owner else ""
        planned = f" · planned {format_duration(step.planned)}" if step.duration else ""
        phase, label = visible(step.phase), visible(step.label)
        if step.kind.needs_operator:
            self.say(f"\n? [{phase}] {step.id}: {label}{owner}{planned}{attempt}")
            for line in visible(step.instructions, newlines=True).strip().split("\n"):
                self.say(f"  {line.strip()}")
            return
        target = f" on {visible(step.on)}" if e.get("hosts") else ""
        self.say(f"\n▶ [{phase}] {step.id}: {label}{target}{owner}{planned}{attempt}")
        if e.get("command"):
            self.say(f"  $ {short_command(e['command'])}")
        if e.get("dry_run"):
            step_rollback = step.rollback and self.session.values.display(step.rollback)
            if step_rollback:
                self.say(f"  rollback would be: {step_rollback}")

    def _output(self, e: Event) -> None:
        mark = "!" if e.get("stream") == "err" else "|"
        self.say(f"  {visible(e['host']):<{self._host_width}} {mark} {visible(e['line'])}")

    def _output_capped(self, e: Event) -> None:
        self.say(
            f"  … {e['dropped']} more lines not recorded (journal cap {e['cap_lines']} lines per step)"
        )

    def _host_finished(self, e: Event) -> None:
        if len(self.session.runbook.targets(self.session.engine.step(e["step"]).on)) < 2:
            return
        status = e.get("error") or f"exit {e['exit']}"
        host = visible(e["host"])
        self.say(f"  {host:<{self._host_width}} = {status} in {format_duration(e['seconds'])}")

    def _verify_finished(self, e: Event) -> None:
        self.say(f"  verify {'passed' if e['ok'] else 'FAILED'}: {e['detail']}")

    def _step_finished(self, e: Event) -> None:
        step = self.session.engine.step(e["step"])
        state = self.session.state.step(step.id)
        if e.get("action") == "rollback":
            took = format_duration(state.rollback_actual or 0)
            if e["status"] == "succeeded" and not step.rollback:
                self.say(f"↶ {step.id}: nothing to undo")
            elif e["status"] == "succeeded":
                self.say(
                    f"↶ {step.id} undone in {took} (planned {format_duration(step.planned_rollback)})"
                )
            else:
                self.say(f"✘ undo {step.id} FAILED: {e.get('reason')}")
            return
        if e.get("action") != "run":
            return
        if e["status"] == "succeeded":
            self._done(step.id, "✔", "done")
        else:
            self.say(
                f"✘ {step.id} FAILED after {format_duration(state.actual or 0)}: {e.get('reason')}"
            )

    def _done(self, step_id: str, icon: str, word: str) -> None:
        step = self.session.engine.step(step_id)
        actual = self.session.state.step(step_id).actual or 0.0
        variance = ""
        if step.duration:
            delta = actual - step.planned
            variance = f" (planned {format_duration(step.planned)}, {'+' if delta >= 0 else ''}{format_duration(delta)})"
        self.say(f"{icon} {step_id} {word} in {format_duration(actual)}{variance}")
        self.say("  " + self.status_line())

    def _decision(self, e: Event) -> None:
        decision, step_id = e["decision"], e.get("step")
        if decision in ("confirm", "go", "mark-done") and step_id:
            if e.get("automatic"):
                self.say(f"  {decision}: automatic ({e.get('reason') or e.get('by')})")
            else:
                note = f" — {e['reason']}" if e.get("reason") else ""
                self.say(f"  {decision} by {e.get('by') or '?'}{note}")
            self._done(step_id, "✔", "confirmed" if decision != "go" else "passed")
            return
        auto = " (automatic)" if e.get("automatic") else ""
        target = f" to {e['to']}" if e.get("to") else ""
        about = f" {step_id}:" if step_id else ""
        reason = f" — {e['reason']}" if e.get("reason") else ""
        self.say(f"  decision{about} {decision}{target}{auto}{reason}")

    def _alert(self, e: Event) -> None:
        if e["metric"] == "down":
            return  # the host_state line says it
        value = f" {e['value']}" if e.get("value") is not None else ""
        mark = "⚠" if e["status"] == "raised" else "✓"
        if e.get("flapping"):
            said = f"{e['metric']} flapping (raised {e.get('raises')}× in 10 min; quiet until it settles)"
        elif e.get("settled"):
            said = f"{e['metric']} settled, {e['status']}"
        else:
            said = f"{e['metric']}{value} {e['status']} (threshold {e.get('threshold')})"
        self.say(f"  {mark} {visible(e['host'])}: {said}")

    def _host_state(self, e: Event) -> None:
        reason = f": {visible(e['reason'])}" if e.get("reason") else ""
        if e["state"] in ("DOWN", "STALE", "LIVE") and (
            e["state"] != "LIVE" or self._was_unhappy.pop(e["host"], False)
        ):
            self.say(f"  ● host {visible(e['host'])} {e['state']}{reason}")
        if e["state"] in ("DOWN", "STALE"):
            self._was_unhappy[e["host"]] = True

    def _health_evaluated(self, e: Event) -> None:
        self.say(f"  {visible(evaluation_line(e))}")
        if e.get("verdict") != "pass":
            for host, metric, words in worst_lines(e.get("hosts") or [], 3):
                if not words.startswith("PASS"):
                    self.say(f"      {visible(host)} {metric} {visible(words)}")

    def _health_asked(self, e: Event) -> None:
        self.say(f"  ? {e['step']}: the health gate asks a person: {visible(e.get('reason', ''))}")

    def _note(self, e: Event) -> None:
        self.say(f"  ✎ note by {e.get('by', '?')}: {e['text']}")

    def _rollback_started(self, e: Event) -> None:
        steps = ", ".join(e["actions"]) or "nothing"
        self.say(
            f"\n↶ ROLLING BACK to {e['to']}: {steps} (planned {format_duration(e.get('planned', 0))})"
        )

    def _rollback_finished(self, e: Event) -> None:
        self.say(f"↶ rollback to {e['to']} {e['status']}")

    def _run_finished(self, e: Event) -> None:
        reason = f": {e['reason']}" if e.get("reason") else ""
        self.say(f"\n{_OUTCOME.get(e['outcome'], e['outcome'])}{reason}")
        timing = self.session.timing()
        for phase, t in timing.phases.items():
            if t.actual is None or t.variance is None:
                self.say(f"  phase {phase}: planned {format_duration(t.planned)}, not run")
                continue
            sign = "+" if t.variance >= 0 else ""
            self.say(
                f"  phase {phase}: planned {format_duration(t.planned)}, actual {format_duration(t.actual)} ({sign}{format_duration(t.variance)})"
            )
        self.say(
            f"  journal: {self.session.journal.path} (head {self.session.journal.head[:12]}, {self.session.journal.seq + 1} events)"
        )

    def status_line(self) -> str:
        t = self.session.timing()
        parts = [f"now {clock(t.now)}"]
        if t.window_text is not None:
            parts.append(t.window_text)
        margin = t.forecast_margin
        parts.append(
            f"forecast end {clock(t.forecast_end)}"
            + (f" (margin {format_duration(margin)})" if margin is not None else "")
        )
        if t.rollback_deadline is not None:
            parts.append(
                f"rollback deadline {clock(t.rollback_deadline)} (to {t.rollback_point}, {format_duration(t.rollback_planned or 0)})"
            )
        else:
            parts.append(f"rollback: {t.no_rollback_reason}")
        return " · ".join(parts)
