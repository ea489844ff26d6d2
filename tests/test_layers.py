"""golive/core is pure: no terminal UI, SSH, process metrics or HTTP libraries."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import golive.core

FORBIDDEN = ("textual", "paramiko", "psutil", "httpx")


def test_core_imports_no_io_or_ui_library() -> None:
    modules = [f"golive.core.{m.name}" for m in pkgutil.iter_modules(golive.core.__path__)]
    assert len(modules) >= 10
    script = (
        "import sys\n"
        f"for name in {modules!r}: __import__(name)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"golive.core pulled in: {result.stdout}"


def test_the_check_catches_a_forbidden_import(tmp_path: object) -> None:
    """The same probe on a module that does import one of them must fail, or it proves nothing."""
    script = "import sys, http.client, textual\nprint(','.join(m for m in sys.modules if m.split('.')[0] in ('textual',)))"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert "textual" in result.stdout
