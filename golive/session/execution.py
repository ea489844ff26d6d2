"""Running one step, or one rollback action, and recording what happened."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from golive.core import events as ev
from golive.core.events import event
from golive.core.runbook import Host, Step, StepKind
from golive.core.templating import Rendered, UnsafeCommand
from golive.io.executor import ExecutorSet, Job, JobResult, reports_start
from golive.io.http import run_http_check
from golive.io.journal import JournalError
from golive.session.session import Session

OUTPUT_CAP_LINES = 10_000
OUTPUT_CAP_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Outcome:
    """How a command went on a step's hosts: the first failure in a sentence, and whether
    the outcome is unknown (a connection died while it ran: it may have finished)."""

    failure: str | None = None
    unknown: bool = False


_local_starts = threading.Lock()


class _StartGate:
    """Local steps start one at a time, from their step_started to their process's start.

    With a thousand parallel streams starting at once, the threads that have journaled
    their start would otherwise wait for the GIL behind the ones still starting, and a
    0.5 s command was journaled as taking seconds. Holding the gate, a step journals its
    start and spawns its process back to back (about a millisecond). Only steps whose
    executors say when their command started take it (local ones: SSH starts wait on
    the network, and must not wait on each other)."""

    def __init__(self, wanted: bool) -> None:
        self._guard = threading.Lock()
        self._held = wanted and _local_starts.acquire()

    def release(self) -> None:
        """Let the next step start (idempotent: the first host started, or the step ended)."""
        with self._guard:
            if self._held:
                self._held = False
                _local_starts.release()


@dataclass
class _OutputBudget:
    """The journal keeps at most so much output per step attempt; the cap is recorded."""

    lines: int = 0
    size: int = 0
    dropped: int = 0
    capped: bool = False


class StepExecution:
    def __init__(
        self,
        session: Session,
        executors: ExecutorSet,
        dry_run: bool = False,
        sleep: Callable[[float, threading.Event], None] | None = None,
    ) -> None:
        self.session = session
        self.executors = executors
        self.dry_run = dry_run
        self._sleep = sleep or (lambda seconds, cancel: cancel.wait(seconds) and None)
        # The conductor's health gates judge a step with a health table after its command
        # and verify (None: the step passes, or has no table); set by the conductor.
        self.health_verify: Callable[[Step, threading.Event], str | None] | None = None

    def run_step(self, step: Step, cancel: threading.Event) -> None:
        self._execute(step, "run", step.run, cancel)

    def run_rollback(self, step: Step, cancel: threading.Event) -> None:
        self._execute(step, "rollback", step.rollback, cancel)

    def _execute(
        self, step: Step, action: str, command: str | None, cancel: threading.Event
    ) -> None:
        session = self.session
        rendered: Rendered | None = None
        refused = ""
        if command:
            try:
                rendered = session.values.render(command)
            except UnsafeCommand as exc:  # golive check refuses these; never run one
                refused = f"not run: {exc}"
        hosts = session.runbook.targets(step.on)
        attempt = session.state.step(step.id).attempts + (1 if action == "run" else 0)
        gate = _StartGate(
            rendered is not None
            and not self.dry_run
            and step.kind is not StepKind.WAIT
            and bool(hosts)
            and all(reports_start(self.executors.for_host(h)) for h in hosts)
        )
        try:
            self._started(step, action, command, rendered, refused, hosts, attempt, gate, cancel)
        finally:
            gate.release()

    def _started(
        self,
        step: Step,
        action: str,
        command: str | None,
        rendered: Rendered | None,
        refused: str,
        hosts: list[Host],
        attempt: int,
        gate: _StartGate,
        cancel: threading.Event,
    ) -> None:
        session = self.session
        session.record(
            event(
                ev.STEP_STARTED,
                step=step.id,
                action=action,
                attempt=attempt,
                command=session.values.display(command) if command else None,
                hosts=[h.name for h in hosts] if command else [],
                dry_run=self.dry_run,
            )
        )
        # An injected failure fails the step's first attempt without running it, so the
        # rehearsal practises the failure path; a retry then runs the step for real.
        if action == "run" and attempt == 1 and step.id in session.state.injected:
            session.record(
                event(
                    ev.STEP_FINISHED,
                    step=step.id,
                    action=action,
                    status="failed",
                    reason="failure injected by --inject-failure",
                    injected=True,
                )
            )
            return
        if refused:
            self._finish(step, action, Outcome(refused))
            return
        if self.dry_run:
            verify = step.verify.command if step.verify and step.verify.command else None
            reason = "dry run: nothing executed"
            if verify and action == "run":
                reason += f"; verify would run: {session.values.display(verify)}"
            session.record(
                event(
                    ev.STEP_FINISHED, step=step.id, action=action, status="succeeded", reason=reason
                )
            )
            return
        if step.kind is StepKind.WAIT and action == "run":
            self._sleep(step.planned, cancel)
            cancelled = "cancelled by the operator" if cancel.is_set() else None
            self._finish(step, action, Outcome(cancelled))
            return
        outcome = Outcome()
        if rendered is not None:
            outcome = self._on_hosts(step, action, rendered, hosts, cancel, gate)
        if outcome.failure is None and action == "run" and step.verify is not None:
            verified, _ = self._verify(step, hosts, cancel)
            if verified.failure is not None:
                outcome = Outcome(f"verify failed: {verified.failure}", verified.unknown)
        if outcome.failure is None and action == "run" and self.health_verify is not None:
            # A health table on a step: its verify, judged from live metrics once it ran.
            outcome = Outcome(self.health_verify(step, cancel))
        self._finish(step, action, outcome)

    def verify_again(self, step: Step, cancel: threading.Event) -> tuple[bool, str]:
        """Run `step`'s verify once more on its hosts (a drill proving that a rollback
        returned the state); journaled as verify_finished with drill = true."""
        outcome, detail = self._verify(step, self.session.runbook.targets(step.on), cancel, True)
        return outcome.failure is None, detail

    def _finish(self, step: Step, action: str, outcome: Outcome) -> None:
        # An unknown outcome is not a failure with an exit status: like a step a crash
        # interrupted, the operator decides whether to run it again, mark it done or roll back.
        status = "succeeded"
        if outcome.failure is not None:
            status = "interrupted" if outcome.unknown else "failed"
        self.session.record(
            event(
                ev.STEP_FINISHED,
                step=step.id,
                action=action,
                status=status,
                reason=outcome.failure or "",
            )
        )

    def _on_hosts(
        self,
        step: Step,
        action: str,
        rendered: Rendered,
        hosts: list[Host],
        cancel: threading.Event,
        gate: _StartGate,
    ) -> Outcome:
        """Run on every host in parallel; how it went, in a sentence for the first failure."""
        budget = _OutputBudget()
        lock = threading.Lock()
        results: dict[str, JobResult] = {}
        masker = self.session.values.masker()
        faults: list[JournalError] = []  # what a host's thread could not record

        def run_on(host: Host) -> None:
            """One host's run. Nothing escapes it: a thread never dies with a traceback.
            A fault is the host's error (journaled when the journal still takes it); a
            journal that cannot be written is handed to the step's thread."""
            try:
                _run_on(host)
            except JournalError as exc:  # a full disk, or closed after Ctrl-C: said once
                faults.append(exc)
            except Exception as exc:  # a golive fault: the host failed, and says why
                result = JobResult(
                    None, 0.0, error=f"golive could not run it: {type(exc).__name__}: {exc}"
                )
                results[host.name] = result
                try:
                    _finished(host, result)
                except Exception as again:  # nothing more can be said
                    if isinstance(again, JournalError):
                        faults.append(again)

        def _run_on(host: Host) -> None:
            def sink(stream: str, line: str) -> None:
                self._output(step, action, host.name, stream, line, budget, lock)

            job = Job(
                command=rendered.command,
                host=host,
                timeout=step.timeout,
                env=rendered.env,
                masker=masker,
                started=gate.release,
            )
            try:
                result = self.executors.for_host(host).run(job, sink, cancel)
            except JournalError:
                raise
            except Exception as exc:  # an executor bug must not lose the step's record
                result = JobResult(None, 0.0, error=f"{type(exc).__name__}: {exc}")
            results[host.name] = result
            _finished(host, result)

        def _finished(host: Host, result: JobResult) -> None:
            self.session.record(
                event(
                    ev.HOST_FINISHED,
                    step=step.id,
                    action=action,
                    host=host.name,
                    exit=result.exit,
                    seconds=round(result.seconds, 3),
                    timed_out=result.timed_out,
                    error=result.error,
                    **({"unknown": True} if result.unknown else {}),
                )
            )

        # Daemon threads, like the step's own: golive can exit (Ctrl-C) while a host's
        # command still runs; it is named, never waited for.
        threads = [
            threading.Thread(target=run_on, args=(h,), name=f"{step.id}@{h.name}", daemon=True)
            for h in hosts[1:]
        ]
        for thread in threads:
            thread.start()
        if hosts:
            run_on(hosts[0])
        for thread in threads:
            thread.join()
        if faults:
            raise faults[0]  # the step's thread stops the run with the journal's sentence
        if budget.dropped:
            self.session.record(
                event(
                    ev.OUTPUT_CAPPED,
                    step=step.id,
                    action=action,
                    dropped=budget.dropped,
                    cap_lines=OUTPUT_CAP_LINES,
                    cap_bytes=OUTPUT_CAP_BYTES,
                )
            )
        if not hosts:
            return Outcome(f"{step.on} has no hosts")
        failed = [(name, r) for name, r in results.items() if not r.ok]
        unknown = [(name, r) for name, r in failed if r.unknown]
        known = [(name, r) for name, r in failed if not r.unknown]
        allowed = step.max_failed_hosts if action == "run" else 0
        if not failed or (not unknown and len(known) <= allowed):
            return Outcome()
        # A definite failure beyond what the step allows decides; else the unknown does.
        decisive = known if len(known) > allowed else unknown
        name, result = decisive[0]
        where = f" on {name}" if (len(hosts) > 1 or name != "local") and not result.unknown else ""
        more = f" (and {len(failed) - 1} more hosts)" if len(failed) > 1 else ""
        return Outcome(
            (result.error or f"exit status {result.exit}") + where + more,
            unknown=decisive is unknown,
        )

    def _output(
        self,
        step: Step,
        action: str,
        host: str,
        stream: str,
        line: str,
        budget: _OutputBudget,
        lock: threading.Lock,
    ) -> None:
        with lock:
            if budget.lines >= OUTPUT_CAP_LINES or budget.size >= OUTPUT_CAP_BYTES:
                budget.dropped += 1
                return
            budget.lines += 1
            budget.size += len(line)
        self.session.record(
            event(ev.OUTPUT, step=step.id, action=action, host=host, stream=stream, line=line)
        )

    def _verify(
        self, step: Step, hosts: list[Host], cancel: threading.Event, drill: bool = False
    ) -> tuple[Outcome, str]:
        """The verify's outcome (its failure is the whole detail), and the detail to show."""
        verify = step.verify
        assert verify is not None
        started = time.monotonic()
        values = self.session.values
        outcome = Outcome()
        if verify.http is not None:
            check = verify.http
            shown_contains = None
            if check.contains is not None:
                shown_contains = values.substitute(check.contains, reveal=False)
                check = replace(check, contains=values.substitute(check.contains, reveal=True))
            ok, detail = run_http_check(
                check,
                values.substitute(check.url, reveal=True),
                values.substitute(verify.http.url, reveal=False),
                shown_contains,
            )
            outcome = Outcome(None if ok else detail)
        else:
            assert verify.command is not None
            shown = values.display(verify.command)
            try:
                outcome = self._on_hosts(
                    step, "verify", values.render(verify.command), hosts, cancel, _StartGate(False)
                )
            except UnsafeCommand as exc:
                outcome = Outcome(f"not run: {exc}")
            ok, detail = outcome.failure is None, f"{shown}: {outcome.failure or 'passed'}"
            outcome = Outcome(None if ok else detail, outcome.unknown)
        # The caller may print it (a drill's report): masked here, not only in the journal.
        detail = values.masker().mask(detail)
        self.session.record(
            event(
                ev.VERIFY_FINISHED,
                step=step.id,
                ok=ok,
                detail=detail,
                seconds=round(time.monotonic() - started, 3),
                **({"drill": True} if drill else {}),
            )
        )
        return Outcome(None if ok else detail, outcome.unknown), detail
