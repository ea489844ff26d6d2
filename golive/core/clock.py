"""Time, passed in: wall time for display and the journal, monotonic for durations."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    def wall(self) -> datetime: ...

    def mono(self) -> float: ...


class SystemClock:
    def wall(self) -> datetime:
        return datetime.now().astimezone()

    def mono(self) -> float:
        return time.monotonic()
