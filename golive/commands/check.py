"""golive check FILE..."""

from __future__ import annotations

import sys

from golive.core.checks import summary
from golive.core.loader import load_runbook


def check_command(files: list[str], strict: bool) -> int:
    failed = False
    for path in files:
        result = load_runbook(path)
        for diagnostic in sorted(result.diagnostics, key=lambda d: (d.line, d.severity.value)):
            print(diagnostic.render(), file=sys.stderr)
        if result.errors or (strict and result.warnings):
            failed = True
            continue
        assert result.runbook is not None
        print(f"{path}: ok")
        for line in summary(result.runbook):
            print(f"  {line}")
    return 2 if failed else 0
