"""The run screen's first line: where we are, whether we are late, until when a rollback
still fits. Pure text: what to say, and what gives way when the terminal is narrow.

Every part has a rank. A narrow terminal drops parts from the highest rank down, so the
runbook's name goes first and the forecast and the rollback deadline never go. Lateness
is said in words and a mark (`LATE 12m`, `!!`), never by colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len
from rich.text import Text

from golive.core.timeline import Timing
from golive.tui.shown import visible

SEPARATOR = "  "
MODES = {
    "live": "● LIVE",
    "rehearsal": "◆ REHEARSAL",
    "dry-run": "○ DRY-RUN",
}
# The ranks: 0 never goes; the highest goes first.
KEPT, WHERE, CLOCK, WINDOW, TITLE = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class Part:
    rank: int
    text: Text
    shorter: tuple[Text, ...] = ()  # the same said in fewer cells, tried before dropping it

    @property
    def width(self) -> int:
        return self.text.cell_len


def hhmm(moment: datetime | None) -> str:
    """A moment to the second, as the clock and the dialogs show it."""
    return moment.strftime("%H:%M:%S") if moment else "--:--"


def hh_mm(moment: datetime | None) -> str:
    return moment.strftime("%H:%M") if moment else "--:--"


def spell(seconds: float) -> str:
    """A span an operator reads at a glance: "45s", "29m", "1h05m" (never a sign)."""
    whole = round(abs(seconds))
    if whole < 60:
        return f"{whole}s"
    hours, minutes = divmod(whole // 60, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m"


def forecast_words(timing: Timing, ended: bool) -> tuple[str, bool]:
    """(`ends 15:43 · 29m spare` or `LATE 12m · ends 16:55`, whether it is late)."""
    verb = "ended" if ended else "ends"
    margin = timing.forecast_margin
    if margin is None:
        return f"{verb} {hh_mm(timing.forecast_end)}", False
    if margin < 0:
        return f"!! LATE {spell(margin)} · {verb} {hh_mm(timing.forecast_end)}", True
    return f"{verb} {hh_mm(timing.forecast_end)} · {spell(margin)} spare", False


def rollback_words(timing: Timing, no_rollback: str, ended: bool = False) -> tuple[str, str]:
    """(`rollback by 16:12 → backup`, style), or why there is no rollback."""
    if ended:
        return "no rollback: run ended", "dim"
    point = visible(str(timing.rollback_point))
    if timing.rollback_deadline is None and timing.rollback_point and not no_rollback:
        return f"rollback → {point} (no window, no deadline)", ""
    if timing.rollback_deadline is None:
        return f"no rollback: {visible(no_rollback or 'none planned')}", "dim"
    margin = timing.rollback_margin
    if margin is not None and margin < 0:
        return f"!! rollback deadline {hh_mm(timing.rollback_deadline)} passed → {point}", (
            "bold white on red"
        )
    style = "bold black on dark_orange" if margin is not None and margin < 600 else ""
    mark = "! " if style else ""
    return f"{mark}rollback by {hh_mm(timing.rollback_deadline)} → {point}", style


def header_parts(
    mode: str,
    outcome: str | None,
    paused: bool,
    title: str,
    timing: Timing,
    where: str,
    no_rollback: str,
) -> list[Part]:
    """Every part of the first line, in the order shown."""
    # One badge: the mode, then how the run ended or that it is paused.
    badge = f" {MODES.get(mode, mode.upper())} "
    if outcome:
        badge += f"■ {outcome.upper().replace('_', ' ')} "
    if paused:
        badge += "⏸ PAUSED "
    parts = [Part(KEPT, Text(badge, style="reverse bold"))]
    parts.append(Part(TITLE, Text(visible(title), style="bold")))
    parts.append(Part(CLOCK, Text(timing.now.strftime("%H:%M:%S"))))
    if where:
        # `migrate › migrate FAILED`, or without the phase when the line is short of room.
        short = where.split(" › ", 1)[-1]
        parts.append(Part(WHERE, Text(visible(where)), (Text(visible(short)),)))
    forecast, late = forecast_words(timing, ended=outcome is not None)
    parts.append(Part(KEPT, Text(forecast, style="bold white on red" if late else "bold")))
    rollback, style = rollback_words(timing, no_rollback, ended=outcome is not None)
    parts.append(Part(KEPT, Text(rollback, style=style)))
    if timing.window_text is not None and outcome is None:
        parts.append(Part(WINDOW, Text(timing.window_text, style="dim")))
    return parts


def fit(parts: list[Part], width: int) -> Text:
    """The parts that fit in `width` cells, dropping the highest ranks first; a line
    of only what is always kept that still does not fit is cut at its end."""
    kept = list(parts)
    for rank in (TITLE, WINDOW, CLOCK, WHERE):
        for i, part in enumerate(kept):
            for shorter in part.shorter if part.rank == rank else ():
                if _width(kept) <= width:
                    break
                kept[i] = part = Part(rank, shorter)
        if _width(kept) <= width:
            break
        kept = [p for p in kept if p.rank != rank]
    line = Text(no_wrap=True, overflow="ellipsis")
    for i, part in enumerate(kept):
        if i:
            line.append(SEPARATOR)
        line.append_text(part.text)
    line.truncate(max(width, 1), overflow="ellipsis")
    return line


def _width(parts: list[Part]) -> int:
    return sum(p.width for p in parts) + cell_len(SEPARATOR) * max(len(parts) - 1, 0)


def hanging(text: str, width: int, indent: int) -> list[str]:
    """`text` wrapped at spaces to `width` cells, its later lines indented by `indent`
    spaces, so that a long question reads as one block beside its mark (" ? ...").
    A word wider than a line is broken where the line ends; nothing is dropped."""
    body = text.lstrip(" ")
    lines: list[str] = []
    line, empty = text[: len(text) - len(body)], True  # the leading spaces are kept
    for word in body.split(" "):
        while True:
            room = width - (indent if lines else 0)
            joined = line + word if empty else f"{line} {word}"
            if cell_len(joined) <= room:
                line, empty = joined, False
                break
            start = line if empty else line + " "
            free = room - cell_len(start)
            # (A line with no cell left takes nothing more, not even a zero-width mark.)
            if not empty and (cell_len(word) <= width - indent or free < max(1, cell_len(word[0]))):
                lines.append(line)  # the word goes on the next line (whole, if it fits)
            else:
                # Wider than a whole line: as much as fits here, the rest on the next.
                cut = _fit_cells(word, max(free, 1))
                lines.append(start + word[:cut])
                word = word[cut:]
            line, empty = "", True
    if not empty or not lines:
        lines.append(line)
    return [lines[0], *(" " * indent + rest for rest in lines[1:])]


def _fit_cells(word: str, room: int) -> int:
    """How many characters of `word` fit in `room` cells (at least one)."""
    used = 0
    for index, char in enumerate(word):
        used += cell_len(char)
        if used > room:
            return max(index, 1)
    return len(word)
