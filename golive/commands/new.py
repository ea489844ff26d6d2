"""golive new NAME: a commented starter runbook that passes `golive check`.

Values are written with tomli-w, so quoting and escaping are always right;
the comments that teach the format go between the tables.
"""

from __future__ import annotations

import os
import re
import sys
from datetime import datetime, timedelta
from typing import Any

import tomli_w

from golive.core.loader import load_runbook


def starter(name: str, now: datetime) -> str:
    # The next Saturday at 22:00 local time: cutovers happen when traffic is low.
    days = (5 - now.weekday()) % 7 or 7
    start = (now + timedelta(days=days)).replace(hour=22, minute=0, second=0, microsecond=0)
    parts: list[tuple[str, dict[str, Any]]] = [
        (
            "# golive runbook. Reference: README.md, 'Runbook format'. Check it with: golive check FILE\n"
            "# The change window: when the cutover may happen. Give an end or a duration.",
            {"runbook": {"name": name, "description": "What goes live, for whom.", "format": 1,
                         "window": {"start": start.isoformat(timespec="seconds"), "duration": "6h"}}},
        ),
        (
            "# Variables, used in commands as {{name}}; values are shell-quoted.\n"
            "# A secret comes from the environment or a prompt and is never shown or journaled.",
            {"vars": {"release": "1.0.0", "db_password": {"secret": True, "env": "DB_PASSWORD"}}},
        ),
        (
            "# Target hosts. address may be an alias from ~/.ssh/config; local = true is this machine.\n"
            "# logs: files (/var/log/app.log) or systemd units (journal:UNIT) the monitor watches.",
            {"hosts": {"app1": {"address": "app1.example.internal", "user": "deploy", "groups": ["app"],
                                "logs": ["/var/log/app/app.log"]},
                       "db1": {"address": "db1.example.internal", "groups": ["db"], "logs": ["journal:postgresql"]}}},
        ),
        (
            "# Thresholds that raise alerts while the monitor samples every interval.",
            {"monitor": {"interval": "2s", "cpu_warn": 85, "mem_warn": 90, "errors_warn": "5/min"}},
        ),
        (
            "# Steps run in file order unless depends_on says otherwise.\n"
            "# kind: command (default), manual, check, gate or wait.",
            {"steps": [{"id": "freeze", "phase": "prepare", "kind": "manual", "owner": "Key user",
                        "title": "Announce the write freeze", "duration": "5m",
                        "instructions": "Tell business users to stop entering data until the all-clear."}]},
        ),
        (
            "# The backup is the first rollback point: a state a rollback can return to.",
            {"steps": [{"id": "backup", "phase": "prepare", "on": "db1", "owner": "DBA",
                        "title": "Back up the database",
                        "run": "pg_dump -Fc app -f /backup/app-{{release}}.dump",
                        "verify": "test -s /backup/app-{{release}}.dump",
                        "duration": "20m", "timeout": "45m", "rollback_point": True}]},
        ),
        (
            "# rollback undoes the step; a rollback runs these in reverse order.",
            {"steps": [{"id": "deploy", "phase": "cutover", "on": "app", "owner": "App team",
                        "title": "Deploy the release", "run": "/opt/app/bin/deploy {{release}}",
                        "rollback": "/opt/app/bin/deploy --previous", "duration": "10m", "rollback_duration": "5m"}]},
        ),
        (
            "# An HTTP verify: expected status, body text and latency.",
            {"steps": [{"id": "smoke", "phase": "cutover", "kind": "check", "on": "app", "owner": "App team",
                        "title": "Health check", "duration": "2m",
                        "verify": {"http": "https://app.example.internal/health", "status": 200,
                                   "contains": "ok", "max_latency": "2s"}}]},
        ),
        (
            "# The go/no-go gate is usually the point of no return: after it, no rollback.",
            {"steps": [{"id": "go-nogo", "phase": "cutover", "kind": "gate", "owner": "Business owner",
                        "title": "Go / no-go", "duration": "15m", "point_of_no_return": True,
                        "instructions": "Key users confirm one order, one invoice and one stock movement."}]},
        ),
        (
            "",
            {"steps": [{"id": "unfreeze", "phase": "hypercare", "kind": "manual", "owner": "Key user",
                        "title": "Lift the write freeze", "duration": "5m",
                        "instructions": "Tell business users they can work again."}]},
        ),
    ]  # fmt: skip
    chunks = []
    for comment, table in parts:
        chunks.append((comment + "\n" if comment else "") + tomli_w.dumps(table))
    return "\n".join(chunks)


def new_command(name: str, output: str | None) -> int:
    path = output or re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") + ".toml"
    if os.path.exists(path):
        print(f"golive: {path} exists; choose another name or -o FILE", file=sys.stderr)
        return 2
    text = starter(name, datetime.now().astimezone())
    try:
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        print(f"golive: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    result = load_runbook(path)
    for diagnostic in result.errors:  # a starter that fails check is our bug; say so plainly
        print(diagnostic.render(), file=sys.stderr)
    print(f"wrote {path}; next: golive check {path}")
    return 0 if not result.errors else 1
