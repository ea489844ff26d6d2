"""Running one step, or one rollback action, and recording what happened."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from golive.core import events as ev
from golive.core.events import event
from golive.core.runbook import Host, Step, StepKind
from golive.io.executor import ExecutorSet, Job, JobResult
from golive.io.http import run_http_check
from golive.session import Session

OUTPUT_CAP_LINES = 10_000
OUTPUT_CAP_BYTES = 2 * 1024 * 1024


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

    def run_step(self, step: Step, cancel: threading.Event) -> None:
        self._execute(step, "run", step.run, cancel)

    def run_rollback(self, step: Step, cancel: threading.Event) -> None:
        self._execute(step, "rollback", step.rollback, cancel)

    def _execute(
        self, step: Step, action: str, command: str | None, cancel: threading.Event
    ) -> None:
        session = self.session
        rendered = session.values.render(command) if command else None
        hosts = session.runbook.targets(step.on)
        attempt = session.state.step(step.id).attempts + (1 if action == "run" else 0)
        session.record(
            event(
                ev.STEP_STARTED,
                step=step.id,
                action=action,
                attempt=attempt,
                command=rendered.display if rendered else None,
                hosts=[h.name for h in hosts] if rendered else [],
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
        if self.dry_run:
            verify = step.verify.command if step.verify and step.verify.command else None
            reason = "dry run: nothing executed"
            if verify and action == "run":
                reason += f"; verify would run: {session.values.render(verify).display}"
            session.record(
                event(
                    ev.STEP_FINISHED, step=step.id, action=action, status="succeeded", reason=reason
                )
            )
            return
        if step.kind is StepKind.WAIT and action == "run":
            self._sleep(step.planned, cancel)
            self._finish(step, action, None if not cancel.is_set() else "cancelled by the operator")
            return
        failure: str | None = None
        if rendered is not None:
            failure = self._on_hosts(step, action, rendered.command, rendered.env, hosts, cancel)
        if failure is None and action == "run" and step.verify is not None:
            ok, detail = self._verify(step, hosts, cancel)
            failure = None if ok else f"verify failed: {detail}"
        self._finish(step, action, failure)

    def verify_again(self, step: Step, cancel: threading.Event) -> tuple[bool, str]:
        """Run `step`'s verify once more on its hosts (a drill proving that a rollback
        returned the state); journaled as verify_finished with drill = true."""
        return self._verify(step, self.session.runbook.targets(step.on), cancel, drill=True)

    def _finish(self, step: Step, action: str, failure: str | None) -> None:
        self.session.record(
            event(
                ev.STEP_FINISHED,
                step=step.id,
                action=action,
                status="failed" if failure else "succeeded",
                reason=failure or "",
            )
        )

    def _on_hosts(
        self,
        step: Step,
        action: str,
        command: str,
        env: Mapping[str, str],
        hosts: list[Host],
        cancel: threading.Event,
    ) -> str | None:
        """Run on every host in parallel; a plain sentence for the first failure, or None."""
        budget = _OutputBudget()
        lock = threading.Lock()
        results: dict[str, JobResult] = {}

        def run_on(host: Host) -> None:
            def sink(stream: str, line: str) -> None:
                self._output(step, action, host.name, stream, line, budget, lock)

            job = Job(command=command, host=host, timeout=step.timeout, env=env)
            try:
                result = self.executors.for_host(host).run(job, sink, cancel)
            except Exception as exc:  # an executor bug must not lose the step's record
                result = JobResult(None, 0.0, error=f"{type(exc).__name__}: {exc}")
            results[host.name] = result
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
                )
            )

        threads = [
            threading.Thread(target=run_on, args=(h,), name=f"{step.id}@{h.name}")
            for h in hosts[1:]
        ]
        for thread in threads:
            thread.start()
        if hosts:
            run_on(hosts[0])
        for thread in threads:
            thread.join()
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
        failed = [(name, r) for name, r in results.items() if not r.ok]
        if not hosts:
            return f"{step.on} has no hosts"
        if not failed or (action == "run" and len(failed) <= step.max_failed_hosts):
            return None
        name, result = failed[0]
        where = f" on {name}" if len(hosts) > 1 or name != "local" else ""
        more = f" (and {len(failed) - 1} more hosts)" if len(failed) > 1 else ""
        return (result.error or f"exit status {result.exit}") + where + more

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
    ) -> tuple[bool, str]:
        verify = step.verify
        assert verify is not None
        started = time.monotonic()
        if verify.http is not None:
            values = self.session.values
            check = verify.http
            if check.contains is not None:
                check = replace(check, contains=values.substitute(check.contains, reveal=True))
            ok, detail = run_http_check(check, values.substitute(check.url, reveal=True))
        else:
            assert verify.command is not None
            rendered = self.session.values.render(verify.command)
            failure = self._on_hosts(step, "verify", rendered.command, rendered.env, hosts, cancel)
            ok, detail = failure is None, f"{rendered.display}: {failure or 'passed'}"
        # The caller may print it (a drill's report): masked here, not only in the journal.
        detail = self.session.values.masker().mask(detail)
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
        return ok, detail
