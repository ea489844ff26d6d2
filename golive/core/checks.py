"""Checks that need the whole runbook: graph, hosts, variables, window and rollback."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from typing import Any

from golive.core.durations import format_duration
from golive.core.graph import descendants, find_cycle, longest_path, topological
from golive.core.reader import DocumentReader, did_you_mean
from golive.core.runbook import LOCAL, HealthCheck, Runbook, Step, StepKind
from golive.core.shell import analyse
from golive.core.templating import referenced_names


def dependency_map(runbook: Runbook) -> dict[str, tuple[str, ...]]:
    return {step.id: step.depends_on for step in runbook.steps}


def critical_path(runbook: Runbook) -> tuple[float, list[str]]:
    """Planned length of the longest dependency chain, with clock-time waits."""
    steps = {step.id: step for step in runbook.steps}

    def earliest(step_id: str) -> float:
        moment = steps[step_id].not_before
        offset = runbook.window_offset(moment) if moment else None
        return max(offset or 0.0, 0.0)

    return longest_path(list(steps), dependency_map(runbook), lambda s: steps[s].planned, earliest)


def after_point_of_no_return(runbook: Runbook) -> set[str]:
    deps = dependency_map(runbook)
    late: set[str] = set()
    for step in runbook.steps:
        if step.point_of_no_return:
            late |= descendants(step.id, deps)
    return late


def check_runbook(runbook: Runbook, reader: DocumentReader) -> None:
    # By identity: two steps can be equal (same fields, same line in an inline list).
    index_of = {id(step): index for index, step in enumerate(runbook.steps)}

    def at(step: Step, key: str | None = None) -> tuple[str | int, ...]:
        index = index_of[id(step)]
        return ("steps", index, key) if key else ("steps", index)

    if not runbook.steps:
        reader.error((), "the runbook has no steps", "add at least one [[steps]] table")
        return
    ids = Counter(step.id for step in runbook.steps)
    for step in runbook.steps:
        if ids[step.id] > 1 and step is not next(s for s in runbook.steps if s.id == step.id):
            first = next(s for s in runbook.steps if s.id == step.id)
            reader.error(
                at(step, "id"), f"duplicate step id {step.id!r}", f"first used on line {first.line}"
            )

    _check_targets(runbook, reader, at)
    _check_kinds(runbook, reader, at)
    _check_variables(runbook, reader, at)
    if not _check_graph(runbook, reader, at):
        return
    _check_rollback(runbook, reader, at)
    _check_window(runbook, reader, at)
    # Imported here: health_config imports the model this module's callers build.
    from golive.core.health_config import check_health

    check_health(runbook, reader)


def _check_targets(runbook: Runbook, reader: DocumentReader, at: Any) -> None:
    groups = runbook.groups
    for name in groups:
        if name in runbook.hosts:
            reader.error(
                ("hosts", name), f"{name!r} is both a host and a group", "rename one of them"
            )
    for step in runbook.steps:
        if step.on == LOCAL or step.on in runbook.hosts or step.on in groups:
            continue
        if step.kind.needs_operator or step.kind is StepKind.WAIT:
            continue
        hint = did_you_mean(step.on, [*runbook.hosts, *groups, LOCAL]) or (
            "define it under [hosts.NAME] or in a host's groups"
        )
        reader.error(
            at(step, "on"), f"step {step.id} runs on unknown host or group {step.on!r}", hint
        )


def _check_kinds(runbook: Runbook, reader: DocumentReader, at: Any) -> None:
    for step in runbook.steps:
        if step.kind.needs_operator and step.run:
            reader.error(
                at(step, "run"),
                f"{step.kind.value} step {step.id} has a run command",
                'an operator confirms it; move the command to its own step, or use kind = "command"',
            )
        if step.kind is StepKind.GATE and not step.instructions:
            reader.error(
                at(step),
                f"gate {step.id} has no instructions",
                'say what must be true, e.g. instructions = "Key users confirm orders post"',
            )
        if step.kind is StepKind.COMMAND and not step.run:
            reader.error(
                at(step),
                f"command step {step.id} has no run command",
                'add run = "..." or set kind = "manual"',
            )
        if step.kind is StepKind.CHECK and not (step.run or step.verify):
            reader.error(
                at(step),
                f"check step {step.id} has nothing to check",
                "add run = ... or verify = ...",
            )
        if step.kind is StepKind.WAIT and step.duration is None and step.not_before is None:
            reader.error(
                at(step),
                f"wait step {step.id} has no duration or not_before",
                'add duration = "10m"',
            )
        if step.timeout is not None and step.duration and step.timeout < step.duration:
            reader.warn(
                at(step, "timeout"),
                f"step {step.id} times out before its planned duration",
                "raise timeout or lower duration",
            )


def _check_variables(runbook: Runbook, reader: DocumentReader, at: Any) -> None:
    for step in runbook.steps:
        # Only commands are filled in; a placeholder in a title would show as typed.
        for name in dict.fromkeys(referenced_names(step.title)):
            reader.warn(
                at(step, "title"),
                f"{{{{{name}}}}} in the title of step {step.id} is shown as written: "
                "titles are not filled in",
                "write the value itself, or leave it to run, where variables are filled in",
            )
        texts: dict[tuple[str | int, ...], str | None] = {
            at(step, "run"): step.run,
            at(step, "rollback"): step.rollback,
        }
        if step.verify:
            # verify = "cmd", or a table whose run or http (and contains) holds the text.
            key = "run" if step.verify.command else "http"
            texts[(*at(step, "verify"), key)] = step.verify.command or (
                step.verify.http.url if step.verify.http else None
            )
            if step.verify.http and step.verify.http.contains:
                texts[(*at(step, "verify"), "contains")] = step.verify.http.contains
        shell = {at(step, "run"), at(step, "rollback"), (*at(step, "verify"), "run")}
        for where, text in texts.items():
            if text and where in shell:
                for refusal in analyse(text).refusals:
                    line = reader.lines.line_at(where, text, refusal.offset)
                    reader.error(where, refusal.message, refusal.hint, line)
            for name in dict.fromkeys(referenced_names(text or "")):
                if name not in runbook.variables:
                    hint = (
                        did_you_mean(name, runbook.variables)
                        or f'define it under [vars]: {name} = "..."'
                    )
                    # The line of the placeholder itself, inside a multi-line script.
                    placeholder = re.compile(r"\{\{\s*" + re.escape(name) + r"\s*\}\}")
                    line = reader.lines.line_within(where, placeholder)
                    reader.error(where, f"{{{{{name}}}}} is never defined", hint, line)


def _check_graph(runbook: Runbook, reader: DocumentReader, at: Any) -> bool:
    known = {step.id for step in runbook.steps}
    sound = True
    for step in runbook.steps:
        for position, parent in enumerate(step.depends_on):
            # The list item's own line, when depends_on spans several lines.
            item = (*at(step, "depends_on"), position)
            if parent == step.id:
                reader.error(
                    item,
                    f"step {step.id} depends on itself",
                    "remove it from depends_on",
                )
                sound = False
            elif parent not in known:
                hint = did_you_mean(parent, known) or "check the step ids"
                reader.error(
                    item,
                    f"step {step.id} depends on unknown step {parent!r}",
                    hint,
                )
                sound = False
    if not sound:
        return False
    cycle = find_cycle(dependency_map(runbook))
    if cycle:
        where = runbook.step(cycle[0])
        reader.error(
            at(where, "depends_on"),
            "dependency cycle: " + " -> ".join(cycle),
            "one of these depends_on must go",
        )
        return False
    return True


def _check_rollback(runbook: Runbook, reader: DocumentReader, at: Any) -> None:
    late = after_point_of_no_return(runbook)
    for step in runbook.steps:
        if step.id in late and step.rollback:
            reader.error(
                at(step, "rollback"),
                f"step {step.id} has a rollback but comes after the point of no return",
                "no rollback happens past that point; drop it or move the point",
            )
        if step.id in late and step.rollback_point:
            reader.error(
                at(step, "rollback_point"),
                f"rollback point {step.id} comes after the point of no return",
                "a rollback can no longer reach it",
            )
    deps = dependency_map(runbook)
    order = topological([s.id for s in runbook.steps], deps)
    points = [s for s in order if runbook.step(s).rollback_point]
    if not points:
        return
    covered: dict[str, str] = {}  # step -> the rollback point a rollback would return to
    for point in points:
        for step_id in descendants(point, deps):
            covered.setdefault(step_id, point)
    for step_id in order:
        step = runbook.step(step_id)
        if (
            step.kind is not StepKind.COMMAND
            or step.rollback
            or step_id in late
            or step.rollback_point
        ):
            continue
        if step_id in covered:
            reader.warn(
                at(step),
                f"step {step.id} changes state after rollback point {covered[step_id]} and has no rollback",
                'a rollback would leave its change in place; add rollback = ... or mark it kind = "check"',
            )
        else:
            reader.warn(
                at(step),
                f"step {step.id} changes state before the first rollback point ({points[0]}) and has no rollback",
                'golive cannot undo a failure here; move a rollback point (a verified backup) before it, or mark it kind = "check"',
            )


def _check_window(runbook: Runbook, reader: DocumentReader, at: Any) -> None:
    window = runbook.window
    if window is None:
        reader.warn(
            ("runbook",),
            "the runbook has no change window",
            'add window = { start = "...", duration = "8h" } for forecasts and rollback deadlines',
        )
        return
    for step in runbook.steps:
        if step.not_before and not window.start <= step.not_before < window.end:
            reader.error(
                at(step, "not_before"),
                f"not_before {step.not_before.isoformat()} is outside the change window",
                f"the window is {window.start.isoformat()} to {window.end.isoformat()}",
            )
    length, path = critical_path(runbook)
    if length > window.seconds:
        reader.error(
            ("runbook", "window"),
            f"the critical path takes {format_duration(length)}, longer than the {format_duration(window.seconds)} window",
            "critical path: " + " -> ".join(path),
        )


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def summary(runbook: Runbook) -> list[str]:
    length, path = critical_path(runbook)
    lines = [
        f"{runbook.name}: {plural(len(runbook.steps), 'step')}, {plural(len(runbook.phases), 'phase')}, {plural(len(runbook.hosts), 'host')}"
    ]
    for phase in runbook.phases:
        steps = [s for s in runbook.steps if s.phase == phase]
        planned = sum(s.planned for s in steps)
        lines.append(
            f"  phase {phase}: {plural(len(steps), 'step')}, {format_duration(planned)} planned work"
        )
    if runbook.window:
        margin = runbook.window.seconds - length
        lines.append(
            f"  window: {runbook.window.start.isoformat()} + {format_duration(runbook.window.seconds)}; "
            f"critical path {format_duration(length)} (margin {format_duration(margin)})"
        )
        lines.append(
            f"    latest planned end: {(runbook.window.start + timedelta(seconds=length)).isoformat()}"
        )
    else:
        lines.append(f"  critical path {format_duration(length)} (no change window)")
    lines.append("  critical path: " + " -> ".join(path))
    points = [s.id for s in runbook.steps if s.rollback_point]
    undo = [s.id for s in runbook.steps if s.rollback]
    ponr = [s.id for s in runbook.steps if s.point_of_no_return]
    lines.append(
        f"  rollback points: {', '.join(points) or 'none'}; steps with rollback: {len(undo)}"
    )
    lines.append(f"  point of no return: {', '.join(ponr) or 'none'}")
    for step in runbook.steps:
        health = step.health
        if health is None:
            continue
        base = runbook.baselines.get(health.baseline)
        source = (base.file or f"before {base.before_step}") if base else "?"
        checks = ", ".join(_check_words(c) for c in health.checks)
        lines.append(
            f"  health gate {step.id}: {plural(len(runbook.targets(step.on)), 'host')} of {step.on} "
            f"against {health.baseline} ({source}); {checks}; every "
            f"{format_duration(health.every)} over {format_duration(health.window)}, "
            f"go after {health.pass_after}, {health.on_fail} after {health.fail_after}"
        )
    return lines


def _check_words(check: HealthCheck) -> str:
    if check.is_rate:
        floor = f", floor {check.floor_per_minute:g}/min" if check.floor_per_minute else ""
        return f"{check.metric} <= {check.max_ratio:g}x{floor}"
    limits = [f"+{check.max_increase:g}" if check.max_increase is not None else "",
              f"max {check.cap:g}" if check.cap is not None else ""]  # fmt: skip
    return f"{check.metric} {check.stat} " + " ".join(x for x in limits if x)
