"""What the review's drawings share: the time axis, the row label's width, the styles, and
how a line is built from cells or from text."""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from golive.core.durations import format_duration
from golive.core.engine import Engine
from golive.core.runbook import Runbook
from golive.tui.shown import visible_text

LABEL = 14  # columns of row labels: the timeline and the charts share it, so their axes line up
NICE_STEPS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400)
STYLE = {
    name: Style.parse(spec)
    for name, spec in {
        "plan": "dim",
        "ok": "green",
        "failed": "bold red",
        "interrupted": "bold yellow",
        "running": "bold",
        "undo": "bold magenta",
        "late": "red",
        "early": "green",
        "fits": "dim green",
        "too-late": "bold red",
        "alert": "bold red",
        "cleared": "green",
        "decision": "bold yellow",
        "note": "bold cyan",
        "host": "dim",
        "forecast": "bold yellow",
        "deadline": "bold magenta",
        "window": "bold cyan",
        "boundary": "on grey23",
        "label": "bold",
        "cursor": "reverse",
    }.items()
}
FINISHED_OK = ("succeeded", "confirm", "go", "mark-done")


@dataclass(frozen=True)
class TimeAxis:
    """Run offsets (seconds since the run started) from `start` to `end` over `width` columns."""

    start: float
    end: float
    width: int

    @property
    def step(self) -> float:
        return (self.end - self.start) / max(1, self.width)

    def col(self, m: float) -> int:
        return math.floor((m - self.start) / self.step) if self.step > 0 else 0

    def at(self, col: float) -> float:
        return self.start + col * self.step

    def cols(self, a: float, b: float) -> range:
        """The columns from offset a to b, at least one, clipped to the axis."""
        first, last = self.col(a), max(self.col(a) + 1, math.ceil((b - self.start) / self.step))
        return range(max(0, first), min(self.width, last))

    def ticks(self) -> list[tuple[int, str]]:
        spacing = next((s for s in NICE_STEPS if s / self.step >= 10), NICE_STEPS[-1])
        first = math.ceil(self.start / spacing) * spacing
        count = int((self.end - first) / spacing) + 1
        marks = [first + i * spacing for i in range(max(0, count))]
        return [
            (self.col(t), offset_label(t, spacing)) for t in marks if 0 <= self.col(t) < self.width
        ]


def offset_label(seconds: float, spacing: float = 1.0) -> str:
    if spacing < 1:
        return f"{seconds:.1f}s"
    return format_duration(seconds)


def planned_starts(runbook: Runbook) -> dict[str, float]:
    """Each step's earliest start in the plan (seconds after the run starts), its
    dependencies taking their planned time: the baseline the actual bars are set against."""
    engine = Engine(runbook)
    starts: dict[str, float] = {}
    for step_id in engine.order:
        deps = engine.deps.get(step_id, ())
        starts[step_id] = max((starts[d] + runbook.step(d).planned for d in deps), default=0.0)
    return starts


def cells_strip(cells: list[tuple[str, Style | None]], base: Style) -> Strip:
    """One line from (character, style) cells, runs of one style joined into one segment."""
    segments: list[Segment] = []
    run: list[str] = []
    current: Style | None = None
    for char, style in cells:
        if style is not current and run:
            segments.append(Segment("".join(run), base + current if current else base))
            run = []
        current = style
        run.append(char)
    if run:
        segments.append(Segment("".join(run), base + current if current else base))
    return Strip(segments, len(cells))


def text_strip(text: Text, width: int, base: Style, console: object) -> Strip:
    """One line of `text`; its control characters (a step id, a host name or an event
    from the journal) shown as visible escapes."""
    text = visible_text(text).copy()
    text.truncate(width, overflow="ellipsis", pad=True)
    segments = Segment.apply_style(text.render(console), base)  # type: ignore[arg-type]
    return Strip(segments, width)


def put(cells: list[tuple[str, Style | None]], col: int, text: str, style: Style | None) -> None:
    for i, char in enumerate(text):
        if 0 <= col + i < len(cells):
            cells[col + i] = (char, style)
