"""How long `golive check` takes on a large runbook, next to plain tomllib.

Generates a realistic 2,000-step runbook (20 hosts in 4 groups, 8 phases,
parallel streams, rollbacks, a rollback point and a point of no return),
asserts that golive's checks find no errors in it, then times:

  (a) golive.core.loader.load_runbook + golive.core.checks.summary, in-process
  (b) tomllib.load of the same file, in-process
  (c) `golive check FILE` vs `python -c "tomllib.load(...)"`, each as a whole process

It only prints figures; nothing is asserted about time.

    python bench/check_bench.py          # full run
    python bench/check_bench.py --quick  # small smoke run
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from golive.core.checks import summary
from golive.core.loader import load_runbook

# -- the runbook ------------------------------------------------------------------

GROUPS = {"db": 4, "app": 8, "web": 6, "batch": 2}  # 20 hosts
# Phase name -> share of the steps, and how many parallel streams it runs.
PHASES = [
    ("prepare", 0.10, 2),
    ("freeze", 0.04, 2),
    ("backup", 0.06, 3),
    ("migrate", 0.30, 4),
    ("deploy", 0.20, 4),
    ("verify", 0.15, 3),
    ("switchover", 0.08, 2),
    ("hypercare", 0.07, 2),
]
ROLLBACK_POINT_PHASE = "backup"  # its closing step is the (early) rollback point
NO_RETURN_PHASE = "switchover"  # its closing step is the point of no return
WINDOW_START = datetime(2026, 11, 27, 18, 0, tzinfo=timezone(timedelta(hours=1)))
TIMEZONE = "Europe/Berlin"  # +01:00 in November
KINDS = [("command", 0.66), ("check", 0.18), ("manual", 0.08), ("wait", 0.05), ("gate", 0.03)]
OWNERS = ["DBA", "App team", "Web team", "Batch team", "Network", "Key users", "Cutover lead"]

COMMANDS = [
    (
        "systemctl stop erp-worker@{n}",
        "systemctl start erp-worker@{n}",
    ),
    (
        "PGPASSWORD={{{{db_password}}}} psql -U {{{{db_user}}}} -d {{{{erp_db}}}} -v ON_ERROR_STOP=1 -f /srv/migrations/{{{{release}}}}/{n:04d}_schema.sql",
        "PGPASSWORD={{{{db_password}}}} psql -U {{{{db_user}}}} -d {{{{erp_db}}}} -f /srv/migrations/{{{{release}}}}/{n:04d}_undo.sql",
    ),
    (
        "rsync -a --delete /srv/releases/{{{{release}}}}/module-{n}/ /opt/erp/modules/m{n}/",
        "rsync -a --delete /srv/releases/previous/module-{n}/ /opt/erp/modules/m{n}/",
    ),
    (
        "erpctl config set feature.flag_{n} on --env prod",
        "erpctl config set feature.flag_{n} off --env prod",
    ),
    (
        "erpctl import --batch {n} --source {{{{backup_dir}}}}/export-{n}.csv --verbose",
        "erpctl import --revert-batch {n}",
    ),
    (
        "nginx -t && ln -sfn /etc/nginx/sites-{{{{release}}}}/site-{n}.conf /etc/nginx/sites-enabled/site-{n}.conf && systemctl reload nginx",
        "ln -sfn /etc/nginx/sites-previous/site-{n}.conf /etc/nginx/sites-enabled/site-{n}.conf && systemctl reload nginx",
    ),
]
MULTILINE = '''"""
set -euo pipefail
cd /opt/erp
echo "step {n}: applying {{{{release}}}} package {n}"
erpctl package apply --name pkg-{n} --release {{{{release}}}} --yes
erpctl package status --name pkg-{n} | tee -a /var/log/erp/cutover.log
"""'''
CHECKS = [
    "erpctl health --component c{n} --strict",
    "test $(erpctl queue depth --name q{n}) -eq 0",
    "PGPASSWORD={{{{db_password}}}} psql -U {{{{db_user}}}} -d {{{{erp_db}}}} -tAc 'select count(*) from audit_{n}' | grep -qv '^0$'",
]


@dataclass
class Spec:
    """What the generator knows about one step while writing it."""

    id: str
    finish: float = 0.0
    lines: list[str] = field(default_factory=list)


def q(text: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML escapes)."""
    return json.dumps(text, ensure_ascii=False)


def fmt_seconds(seconds: int) -> str:
    minutes, secs = divmod(seconds, 60)
    if minutes and secs:
        return f"{minutes}m{secs}s"
    return f"{minutes}m" if minutes else f"{secs}s"


def generate_runbook(n_steps: int, seed: int = 42) -> str:
    """A runbook TOML with `n_steps` steps that golive's checks accept without errors."""
    rng = random.Random(seed)
    hosts = [f"{group}-{i:02d}" for group, count in GROUPS.items() for i in range(1, count + 1)]
    targets = [*GROUPS, *hosts, "local"]

    def pick_kind() -> str:
        return rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]

    counts = [max(3, round(n_steps * share)) for _, share, _ in PHASES]
    counts[3] += n_steps - sum(counts)  # the migrate phase absorbs the rounding

    specs: dict[str, Spec] = {}
    blocks: list[str] = []
    past_rollback_point = False
    past_no_return = False
    not_before_done = False
    number = 0
    last = ""

    def add(step_id: str, phase: str, kind: str, deps: list[str] | None, **extra: object) -> Spec:
        """One [[steps]] table. deps=None: implicit (follows the step above)."""
        nonlocal number, not_before_done, last
        number += 1
        n = number
        spec = Spec(step_id)
        lines = [
            "[[steps]]",
            f"id = {q(step_id)}",
            f"title = {q(f'{phase.capitalize()}: {kind} {n}')}",
            f"phase = {q(phase)}",
            f"owner = {q(rng.choice(OWNERS))}",
        ]
        if kind != "command":
            lines.append(f"kind = {q(kind)}")
        if deps is not None:
            lines.append(f"depends_on = [{', '.join(q(d) for d in deps)}]")
            parents = deps
        else:
            parents = [last] if last else []
        start = max((specs[p].finish for p in parents), default=0.0)
        if kind == "command":
            lines.append(f"on = {q(rng.choice(targets))}")
            if rng.random() < 0.2:
                lines.append(f"run = {MULTILINE.format(n=n)}")
                undo = f"erpctl package revert --name pkg-{n} --yes"
            else:
                run, undo = rng.choice(COMMANDS)
                lines.append(f"run = {q(run.format(n=n))}")
                undo = undo.format(n=n)
            # Before the first rollback point every change needs its undo (else a
            # warning); after the point of no return a rollback is an error.
            if not past_no_return and (not past_rollback_point or rng.random() < 0.7):
                lines.append(f"rollback = {q(undo)}")
                if rng.random() < 0.3:
                    lines.append(f'rollback_duration = "{fmt_seconds(rng.randint(10, 240))}"')
            seconds = rng.randint(10, 150)
            if rng.random() < 0.5:
                lines.append(f'timeout = "{fmt_seconds(seconds * 3)}"')
            if rng.random() < 0.2:
                lines.append(f"retries = {rng.randint(1, 3)}")
            if rng.random() < 0.1:
                lines.append('on_failure = "continue"')
        elif kind == "check":
            lines.append(f"on = {q(rng.choice(targets))}")
            roll = rng.random()
            if roll < 0.4:
                lines.append(f"run = {q(rng.choice(CHECKS).format(n=n))}")
            elif roll < 0.7:
                lines.append(f"verify = {q(rng.choice(CHECKS).format(n=n))}")
            else:
                host = rng.choice(hosts)
                lines.append(
                    f'verify = {{ http = "https://{host}.erp.internal/health/c{n}", status = 200, '
                    f'contains = "ok", max_latency = "2s", timeout = "15s" }}'
                )
            seconds = rng.randint(10, 60)
        elif kind in ("manual", "gate"):
            lines.append(
                f"instructions = {q(f'Confirm with the key users that item {n} of the {phase} checklist is done.')}"
            )
            seconds = rng.randint(60, 420)
        else:  # wait
            seconds = rng.randint(60, 300)
            if past_rollback_point and not not_before_done and phase == "verify":
                # One clock-time wait: the interfaces may only restart after 08:00.
                moment = WINDOW_START + timedelta(seconds=start + 1800)
                lines.append(f'not_before = "{moment.isoformat()}"')
                start = start + 1800
                not_before_done = True
        lines.append(f'duration = "{fmt_seconds(seconds)}"')
        for key, value in extra.items():
            lines.append(f"{key} = {'true' if value is True else q(str(value))}")
        spec.finish = start + seconds
        spec.lines = lines
        specs[step_id] = spec
        last = step_id
        blocks.append("\n".join(lines))
        return spec

    for (phase, _, streams), count in zip(PHASES, counts, strict=True):
        opener = add(f"{phase}-start", phase, "gate", None)
        body = count - 2
        ends: list[str] = []
        for stream in range(streams):
            size = body // streams + (1 if stream < body % streams else 0)
            for index in range(size):
                step_id = f"{phase}-s{stream + 1}-{index + 1:03d}"
                deps: list[str] | None = None
                if index == 0:
                    deps = [opener.id]
                elif stream and index % 25 == 0:
                    # A hand-over: also wait for the same point in the previous stream.
                    deps = [last, f"{phase}-s{stream}-{index + 1:03d}"]
                add(step_id, phase, pick_kind(), deps)
            ends.append(last)
        extra: dict[str, object] = {}
        if phase == ROLLBACK_POINT_PHASE:
            extra["rollback_point"] = True
        if phase == NO_RETURN_PHASE:
            extra["point_of_no_return"] = True
        add(f"{phase}-done", phase, "check", ends, **extra)
        past_rollback_point |= phase == ROLLBACK_POINT_PHASE
        past_no_return |= phase == NO_RETURN_PHASE

    critical = max(spec.finish for spec in specs.values())
    window_hours = math.ceil(critical * 1.25 / 3600)
    head = [
        "# Generated by bench/check_bench.py: a large, realistic ERP cutover.",
        "[runbook]",
        f'name = "ERP 4.2 go-live ({n_steps} steps, benchmark)"',
        'description = "Freeze, back up, migrate, deploy, verify, switch over, hypercare."',
        "format = 1",
        "",
        "[runbook.window]",
        f'start = "{WINDOW_START.replace(tzinfo=None).isoformat()}"',
        f'duration = "{window_hours}h"',
        f'timezone = "{TIMEZONE}"',
        "",
        "[vars]",
        'release = "4.2.0"',
        'erp_db = "erp_prod"',
        'db_user = "erp_admin"',
        'backup_dir = { env = "ERP_BACKUP_DIR", default = "/srv/backup/erp-4.2" }',
        'db_password = { env = "ERP_DB_PASSWORD", secret = true }',
        "",
        "[monitor]",
        'interval = "2s"',
        "cpu_warn = 85",
        "mem_warn = 90",
        'errors_warn = "10/min"',
        "",
    ]
    subnet = {"db": 1, "app": 2, "web": 3, "batch": 4}
    logs = {
        "db": '["/var/log/postgresql/postgresql-15-main.log", "journal:postgresql"]',
        "app": '["/var/log/erp/app.log", "journal:erp-worker"]',
        "web": '["/var/log/nginx/error.log"]',
        "batch": '["/var/log/erp/batch.log"]',
    }
    for host in hosts:
        group = host.split("-")[0]
        head += [
            f"[hosts.{host}]",
            f'address = "10.20.{subnet[group]}.{10 + int(host.split("-")[1])}"',
            'user = "golive"',
            "port = 22",
            'identity_file = "~/.ssh/golive_ed25519"',
            f'groups = ["{group}"]',
            f"logs = {logs[group]}",
            "",
        ]
    return "\n".join(head) + "\n" + "\n\n".join(blocks) + "\n"


# -- timing -------------------------------------------------------------------------


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def golive_executable() -> list[str]:
    """The installed console script, not a version-manager shim (pyenv's adds ~100 ms)."""
    beside = os.path.join(os.path.dirname(sys.executable), "golive")
    if os.access(beside, os.X_OK):
        return [beside]
    found = shutil.which("golive")
    return [found] if found else [sys.executable, "-m", "golive"]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    args = parser.parse_args()
    n_steps, runs, proc_runs = (200, 3, 2) if args.quick else (2000, 7, 5)

    tmp = tempfile.mkdtemp(prefix="golive-check-bench-")
    try:
        path = os.path.join(tmp, "erp-cutover.toml")
        text = generate_runbook(n_steps)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)

        result = load_runbook(path)
        assert not result.errors, "\n".join(d.render() for d in result.errors[:10])
        assert result.runbook is not None and len(result.runbook.steps) == n_steps
        runbook = result.runbook
        print(f"runbook: {path}")
        print(
            f"runbook size: {n_steps} steps, {len(runbook.phases)} phases, "
            f"{len(runbook.hosts)} hosts, {text.count(chr(10))} lines, {len(text.encode()) / 1024:.0f} KiB"
        )
        print(f"check result: 0 errors, {len(result.warnings)} warnings")
        for line in summary(runbook)[1:]:
            line = line.strip()
            if line.startswith("critical path:"):
                hops = line.split(" -> ")
                line = f"critical path: {len(hops)} steps, {hops[0].split(': ')[1]} ... {hops[-1]}"
            if not line.startswith("phase "):
                print(f"  {line}")

        def check() -> None:
            loaded = load_runbook(path)
            assert loaded.runbook is not None
            summary(loaded.runbook)

        def parse() -> None:
            with open(path, "rb") as handle:
                tomllib.load(handle)

        check_times = timed(check, runs)
        toml_times = timed(parse, runs)
        print(f"\nin-process, {runs} runs each:")
        print(f"load_runbook+summary  min    {ms(min(check_times))}")
        print(f"load_runbook+summary  median {ms(statistics.median(check_times))}")
        print(f"tomllib.load          min    {ms(min(toml_times))}")
        print(f"tomllib.load          median {ms(statistics.median(toml_times))}")
        print(
            f"ratio check/tomllib (in-process): min {min(check_times) / min(toml_times):.1f}x, "
            f"median {statistics.median(check_times) / statistics.median(toml_times):.1f}x"
        )

        golive = golive_executable()

        def run(cmd: list[str]) -> None:
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            assert done.returncode == 0, done.stderr[-2000:]

        check_cmd = [*golive, "check", path]
        toml_cmd = [
            sys.executable,
            "-c",
            "import sys,tomllib;tomllib.load(open(sys.argv[1],'rb'))",
            path,
        ]
        bare_cmd = [sys.executable, "-c", "pass"]
        run(check_cmd)  # warm the page cache and .pyc files
        proc_check = statistics.median(timed(lambda: run(check_cmd), proc_runs))
        proc_toml = statistics.median(timed(lambda: run(toml_cmd), proc_runs))
        proc_bare = statistics.median(timed(lambda: run(bare_cmd), proc_runs))
        print(f"\nwhole process, median of {proc_runs}:")
        print(f"golive check FILE          {ms(proc_check)}  ({' '.join(golive)})")
        print(f"python -c tomllib.load(F)  {ms(proc_toml)}")
        print(f"python -c pass (startup)   {ms(proc_bare)}")
        print(f"ratio check/tomllib (whole process): {proc_check / proc_toml:.1f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
