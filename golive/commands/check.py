"""golive check FILE..."""

from __future__ import annotations

import sys

from golive.core.checks import summary
from golive.core.diagnostics import Severity
from golive.core.loader import load_runbook
from golive.core.text import visible
from golive.io.baseline import check_baselines


def check_command(files: list[str], strict: bool) -> int:
    failed = False
    for path in files:
        result = load_runbook(path)
        if result.runbook is not None:
            # A health gate's baseline files: read here, where I/O belongs, not by the loader.
            result.diagnostics += check_baselines(result.runbook)
            if any(d.severity is Severity.ERROR for d in result.diagnostics):
                result.runbook = None
        for diagnostic in sorted(result.diagnostics, key=lambda d: (d.line, d.severity.value)):
            print(visible(diagnostic.render()), file=sys.stderr)  # one line each
        if result.errors or (strict and result.warnings):
            failed = True
            continue
        assert result.runbook is not None
        print(f"{visible(path)}: ok")
        for line in summary(result.runbook):
            # The runbook's name, phases and hosts are shown, never obeyed, on one line each.
            print(f"  {visible(line)}")
    return 2 if failed else 0
