"""Sparklines: a series of figures as eighth-block glyphs, one cell each."""

from __future__ import annotations

SPARK = "▁▂▃▄▅▆▇█"


def sparkline(
    values: tuple[float, ...] | tuple[int, ...], width: int = 10, top: float = 100.0
) -> str:
    """The last `width` values, scaled to `top` (or to the highest value, if higher)."""
    recent = values[-width:]
    if not recent:
        return ""
    ceiling = max(top, *recent) or 1
    return "".join(SPARK[min(len(SPARK) - 1, int(v / ceiling * (len(SPARK) - 1)))] for v in recent)
