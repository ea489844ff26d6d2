"""Problems found in a runbook, each with a file, a line and a hint."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Diagnostic:
    path: str
    line: int
    message: str
    hint: str = ""
    severity: Severity = Severity.ERROR

    def render(self) -> str:
        label = "" if self.severity is Severity.ERROR else "warning: "
        hint = f" ({self.hint})" if self.hint else ""
        return f"{self.path}:{self.line}: {label}{self.message}{hint}"


class RunbookError(Exception):
    """A runbook that cannot be used; carries every problem found."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("\n".join(d.render() for d in diagnostics))
