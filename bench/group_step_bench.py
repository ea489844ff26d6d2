"""How long one group step takes on 50 real SSH hosts, next to parallel-ssh.

Starts a farm of real OpenSSH sshd processes on loopback (tests/sshd.py: 16
addresses per sshd) and times running `true` on every host as ONE group step:

  (a) golive in-process: golive.io.ssh_exec.HostExecutors over an SshPool, one
      thread per host exactly as golive.session.execution runs a step on a group (the
      first host in the calling thread). Cold = a fresh SshPool, connecting
      included; warm = the same again over the pool's open connections.
  (b) golive as a whole: a real `golive run --rehearsal --yes` subprocess of a
      one-step runbook (`on = "app"`, run = "true"): the process's wall time,
      and the step's own time from its journal (step_started -> step_finished).
      Like any `golive run`, it also starts the live monitor on every host.
  (c) parallel-ssh (pssh.clients.ParallelSSHClient, libssh2): cold = a new client,
      warm = a second run_command on the same client. It is installed with pip by
      this script if missing; it is not a golive dependency.

It only prints figures; nothing is asserted about time.

    python bench/group_step_bench.py          # 50 hosts
    python bench/group_step_bench.py --quick  # 10 hosts
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.ssh_farm import QUIET_BASHRC, farm_config  # noqa: E402
from bench.ssh_farm import write_runbook as write_farm_runbook  # noqa: E402
from golive.core.runbook import Host, Runbook  # noqa: E402
from golive.io.executor import Job, JobResult  # noqa: E402
from golive.io.ssh import CONCURRENT_CONNECTS, CONNECT_STAGGER, SshPool  # noqa: E402
from golive.io.ssh_exec import HostExecutors  # noqa: E402
from tests.sshd import SshFarm, loopback_addresses  # noqa: E402

FIRST_ADDRESS = 9 * 256 + 1  # 127.0.9.1 upward: clear of the test fixtures' 127.0.0.x
COMMAND = "true"


# -- the farm and its runbook ---------------------------------------------------------


def write_runbook(path: Path, farm: SshFarm) -> Runbook:
    tail = ["[[steps]]", 'id = "everywhere"', 'on = "app"', f'run = "{COMMAND}"']
    return write_farm_runbook(path, farm, "group-step-bench", tail)


def golive_group_step(executors: HostExecutors, hosts: list[Host]) -> float:
    """One step on a group, run as golive.session.execution.StepExecution._on_hosts runs it."""
    cancel = threading.Event()
    results: dict[str, JobResult] = {}

    def run_on(host: Host) -> None:
        job = Job(command=COMMAND, host=host, timeout=None, env={})
        try:
            results[host.name] = executors.for_host(host).run(job, lambda s, line: None, cancel)
        except Exception as exc:
            results[host.name] = JobResult(None, 0.0, error=f"{type(exc).__name__}: {exc}")

    started = time.perf_counter()
    threads = [threading.Thread(target=run_on, args=(h,), name=f"step@{h.name}") for h in hosts[1:]]
    for thread in threads:
        thread.start()
    run_on(hosts[0])
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    failed = {name: r.error or f"exit {r.exit}" for name, r in results.items() if not r.ok}
    if failed or len(results) != len(hosts):
        raise SystemExit(f"golive: {len(failed)} hosts failed: {dict(list(failed.items())[:3])}")
    return wall


# -- (b) golive run ---------------------------------------------------------------------


def golive_executable() -> list[str]:
    """The installed console script, not a version-manager shim (pyenv's adds ~100 ms)."""
    beside = os.path.join(os.path.dirname(sys.executable), "golive")
    if os.access(beside, os.X_OK):
        return [beside]
    found = shutil.which("golive")
    return [found] if found else [sys.executable, "-m", "golive"]


def golive_run(runbook_path: Path, journal: Path) -> tuple[float, float]:
    """Wall time of `golive run`, and the step's time (from its journal)."""
    cmd = [*golive_executable(), "run", "--rehearsal", "--yes", "--journal", str(journal)]
    started = time.perf_counter()
    done = subprocess.run(
        [*cmd, str(runbook_path)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=120,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"golive run failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    marks: dict[str, float] = {}
    with open(journal, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record.get("step") == "everywhere" and record["type"] in (
                "step_started",
                "step_finished",
            ):
                marks[record["type"]] = record["m"]
                if record["type"] == "step_finished" and record["status"] != "succeeded":
                    raise SystemExit(f"golive run: the step failed: {record.get('reason')}")
    return wall, marks["step_finished"] - marks["step_started"]


def startup_time() -> float:
    started = time.perf_counter()
    subprocess.run([*golive_executable(), "--version"], capture_output=True, check=True)
    return time.perf_counter() - started


# -- (c) parallel-ssh ---------------------------------------------------------------------


def ensure_parallel_ssh() -> str:
    """Import pssh, installing parallel-ssh with pip first if it is missing."""
    try:
        importlib.import_module("pssh.clients")
        return "already installed"
    except ImportError:
        pass
    print("parallel-ssh is not installed: pip install parallel-ssh (for this bench only) ...")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "parallel-ssh"],
        check=True,
        timeout=600,
    )
    importlib.invalidate_caches()
    importlib.import_module("pssh.clients")
    return "installed by this bench"


def pssh_version() -> str:
    from importlib.metadata import version

    return f"parallel-ssh {version('parallel-ssh')}, ssh2-python {version('ssh2-python')}"


def pssh_client(farm: SshFarm) -> Any:
    from pssh.clients import ParallelSSHClient
    from pssh.config import HostConfig

    identity = str(farm.identity_file)
    return ParallelSSHClient(
        [address for address, _ in farm.hosts],
        user=farm.user,
        pkey=identity,
        host_config=[
            HostConfig(port=port, user=farm.user, private_key=identity) for _, port in farm.hosts
        ],
        allow_agent=False,
        identity_auth=False,
        num_retries=1,
        timeout=30,
    )


def pssh_group_step(client: Any) -> float:
    started = time.perf_counter()
    output = client.run_command(COMMAND, stop_on_errors=True)
    client.join(output)
    wall = time.perf_counter() - started
    bad = [(o.host, o.exit_code, o.exception) for o in output if o.exit_code != 0 or o.exception]
    if bad:
        raise SystemExit(f"parallel-ssh: {len(bad)} hosts failed: {bad[:3]}")
    return wall


def pssh_close(client: Any) -> None:
    for host_client in getattr(client, "_host_clients", {}).values():
        if host_client is not None:
            host_client.disconnect()


# -- the report -------------------------------------------------------------------------


def timed_runs(fn: Callable[[], float], runs: int) -> list[float]:
    return [fn() for _ in range(runs)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def describe(times: list[float]) -> str:
    return f"median {ms(statistics.median(times))}, min {ms(min(times))}  ({len(times)} runs)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument(
        "--with-bashrc",
        action="store_true",
        help="let bash source ~/.bashrc for every SSH command, as this box's sshd would",
    )
    args = parser.parse_args()
    n_hosts, cold_runs, warm_runs, cli_runs = (10, 2, 3, 1) if args.quick else (50, 3, 10, 2)

    pssh_status = ensure_parallel_ssh()
    tmp = Path(tempfile.mkdtemp(prefix="golive-group-step-bench-"))
    farm: SshFarm | None = None
    pools: list[SshPool] = []
    clients: list[Any] = []
    try:
        started = time.perf_counter()
        farm = SshFarm(
            tmp / "farm",
            loopback_addresses(FIRST_ADDRESS, n_hosts),
            extra_config=farm_config(args.with_bashrc),
        )
        print(
            f"farm: {n_hosts} hosts on {len(farm.servers)} sshd processes "
            f"({farm.hosts[0][0]} .. {farm.hosts[-1][0]}), started in "
            f"{time.perf_counter() - started:.1f} s"
        )
        print(
            "farm: ~/.bashrc sourced by every SSH command (--with-bashrc)"
            if args.with_bashrc
            else f"farm: sshd '{QUIET_BASHRC}', so bash skips ~/.bashrc for SSH commands "
            "(--with-bashrc to keep it)"
        )
        runbook_path = tmp / "group-step-bench.toml"
        runbook = write_runbook(runbook_path, farm)
        hosts = runbook.targets("app")
        print(f"step: `{COMMAND}` on group app ({len(hosts)} hosts) as one step")
        print(f"parallel-ssh: {pssh_version()} ({pssh_status})")
        print(
            "parallel-ssh host keys: NOT checked - its libssh2 client does no known_hosts "
            "verification by default, and this bench leaves that default; golive checks every "
            "host key against the farm's known_hosts"
        )

        def golive_cold() -> float:
            pool = SshPool(known_hosts=runbook.known_hosts_path)
            pools.append(pool)
            return golive_group_step(HostExecutors(pool), hosts)

        def pssh_cold() -> float:
            client = pssh_client(farm)
            clients.append(client)
            return pssh_group_step(client)

        # Cold: alternate the two clients, keeping only the last pool/client open.
        golive_cold_times: list[float] = []
        pssh_cold_times: list[float] = []
        for run in range(cold_runs):
            golive_cold_times.append(golive_cold())
            pssh_cold_times.append(pssh_cold())
            if run < cold_runs - 1:
                pools.pop().close()
                pssh_close(clients.pop())
                time.sleep(0.5)  # let the farm reap the closed sessions

        # Warm: the same pool and client again, alternating.
        executors = HostExecutors(pools[-1])
        golive_warm_times: list[float] = []
        pssh_warm_times: list[float] = []
        for _ in range(warm_runs):
            golive_warm_times.append(golive_group_step(executors, hosts))
            pssh_warm_times.append(pssh_group_step(clients[-1]))
        pools.pop().close()
        pssh_close(clients.pop())

        print(f"\n(a) golive in-process (HostExecutors, a thread per host), {n_hosts} hosts:")
        print(f"  cold (fresh SshPool, connect included)  {describe(golive_cold_times)}")
        print(f"  warm (same pool, open connections)      {describe(golive_warm_times)}")
        print(
            f"  (SshPool opens at most {CONCURRENT_CONNECTS} connections at once, "
            f"{CONNECT_STAGGER * 1000:.0f} ms apart: a floor of "
            f"{(n_hosts - 1) * CONNECT_STAGGER:.2f} s to connect {n_hosts} hosts)"
        )

        time.sleep(0.5)
        base = startup_time()
        cli = [golive_run(runbook_path, tmp / f"run{i}.jsonl") for i in range(cli_runs)]
        print(f"\n(b) `golive run --rehearsal --yes` of the one-step runbook, {n_hosts} hosts:")
        print(f"  whole process                           {describe([w for w, _ in cli])}")
        print(f"  the step (journal, connect included)    {describe([s for _, s in cli])}")
        print(f"  `golive --version` (startup alone)      {ms(base)}")

        print(f"\n(c) parallel-ssh ParallelSSHClient, {n_hosts} hosts:")
        print(f"  cold (new client, connect included)     {describe(pssh_cold_times)}")
        print(f"  warm (second run_command, same client)  {describe(pssh_warm_times)}")

        print("\nratio golive / parallel-ssh (medians; > 1 means golive is slower):")
        for label, g, p in (
            ("cold", golive_cold_times, pssh_cold_times),
            ("warm", golive_warm_times, pssh_warm_times),
        ):
            print(
                f"  {label}  {statistics.median(g) / statistics.median(p):5.2f}x  "
                f"(golive {ms(statistics.median(g)).strip()}, "
                f"parallel-ssh {ms(statistics.median(p)).strip()})"
            )
        cli_step = statistics.median([s for _, s in cli])
        print(
            f"  cold, `golive run` step vs parallel-ssh cold  "
            f"{cli_step / statistics.median(pssh_cold_times):5.2f}x"
        )
    finally:
        for pool in pools:
            pool.close()
        for client in clients:
            pssh_close(client)
        if farm is not None:
            farm.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
