"""golive/core is pure: no terminal UI, SSH, process metrics or HTTP libraries."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

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


def run_import_linter(config: str | None = None) -> subprocess.CompletedProcess[str]:
    # `lint-imports` beside this interpreter: the one `pip install -e .[test]` put there.
    command = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"]
    return subprocess.run(
        command + (["--config", config] if config else []),
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
    )


def test_the_layers_of_pyproject_hold() -> None:
    result = run_import_linter()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_the_import_linter_catches_a_wrong_way_import(tmp_path: Path) -> None:
    """The same linter with the layers upside down must fail, or the check proves nothing."""
    config = tmp_path / "upside-down.toml"
    config.write_text(
        '[tool.importlinter]\nroot_package = "golive"\n'
        '[[tool.importlinter.contracts]]\nname = "upside down"\ntype = "layers"\n'
        'layers = ["golive.core", "golive.session"]\n'
    )
    result = run_import_linter(str(config))
    assert result.returncode != 0
    assert "golive.session is not allowed to import golive.core" in result.stdout
