"""golive: run, watch, roll back and review a cutover runbook."""

__version__ = "0.1.0"
