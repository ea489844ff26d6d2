"""The lines of the run screen's events pane, with flapping alerts folded. Pure logic.

One line per journal event (event_text.describe), with the wall-clock time in front.
An alert that is raised and cleared again and again does not get a line each time:
for COALESCE_SECONDS from its first raise, every raise and clear of the same host and
metric rewrites that first line, with a count:

    10:42:03 ⚠ app2 errors 12/min (raised and cleared 3× in 40s)

A host whose connection flaps is folded the same way, from the line that said it went
DOWN (or STALE, or RECONNECTING). So a flapping alert takes at most one line a minute
per host and metric, however often the monitor sends it. Different hosts, metrics and
kinds never share a line, and the journal keeps every event: only the pane folds them.

`EventLines` numbers every line it hands out (0 is the pane's first line), so a line
can be rewritten later; lines written to the pane from elsewhere go through `text`,
so that the numbers stay right.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from golive.core import events as ev
from golive.core.durations import format_duration
from golive.core.events import Event
from golive.core.text import visible
from golive.tui.event_text import alert_head, describe

COALESCE_SECONDS = 60.0
UNHAPPY = frozenset({"DOWN", "STALE", "RECONNECTING"})  # a host state that starts a fold


@dataclass
class Shown:
    """What the pane shows after some events: lines to add at the bottom, and earlier
    lines to rewrite in place, by number (0 is the first line the pane ever showed)."""

    added: list[str] = field(default_factory=list)
    changed: dict[int, str] = field(default_factory=dict)


@dataclass
class _Fold:
    """Events of one host and metric (or one host's states) folded into one line."""

    line: int  # its number
    clock: str  # "10:42:03": when the first of them happened
    first_m: float
    last_m: float
    host: str
    metric: str  # an alert's metric
    raises: int = 0
    clears: int = 0
    raised: bool = False  # the last alert raised (not cleared) it
    values: list[object] = field(default_factory=list)  # the values it was raised with
    head: str = ""  # host states (none for an alert): the first one, "● app2 DOWN"
    reason: str = ""  # ... and its reason
    changes: int = 0  # host states: how many came after the first
    state: str = ""  # host states: the last one

    def text(self) -> str:
        return _one_line(f"{self.clock} {self._what()}")

    def _within(self) -> str:
        span = self.last_m - self.first_m
        return "within a second" if span < 1 else f"in {format_duration(span)}"

    def _what(self) -> str:
        if self.head:  # a host's states
            more = f"{self.changes} more change{'s' if self.changes > 1 else ''}"
            folded = f"{self.head} ({more} {self._within()}, now {self.state})"
            return f"{folded}: {self.reason}" if self.reason else folded
        numbers = [v for v in self.values if isinstance(v, int | float)]
        peak = max(numbers) if numbers else (self.values[0] if self.values else None)
        head = alert_head(self.host, self.metric, True, peak, up_to=len(set(numbers)) > 1)
        down = self.metric == "down"
        if not self.clears:
            return f"{head} ({'down' if down else 'raised'} {self.raises}× {self._within()})"
        if self.clears == 1 and not self.raised:
            span = self.last_m - self.first_m
            after = "within a second" if span < 1 else f"after {format_duration(span)}"
            return f"{head} ({'back up' if down else 'cleared'} {after})"
        cycles = "down and back up" if down else "raised and cleared"
        again = (", down again" if down else ", raised again") if self.raised else ""
        return f"{head} ({cycles} {self.clears}× {self._within()}{again})"


class EventLines:
    """Journal events in, the events pane's lines out (see the module's doc)."""

    def __init__(self, window: float = COALESCE_SECONDS) -> None:
        self.window = window
        self.count = 0  # lines handed out so far: the next line's number
        self._folds: dict[tuple[str, str, str], _Fold] = {}

    def add(self, events: Iterable[Event]) -> Shown:
        """The lines for these events, in order: new lines, and folded lines rewritten."""
        shown = Shown()
        for e in events:
            self._add(e, shown)
        return shown

    def text(self, lines: Iterable[str]) -> Shown:
        """Lines that are not journal events (a driver's message): shown as they are,
        one pane line per line of text, as the pane splits them."""
        shown = Shown()
        for line in lines:
            for part in line.splitlines():
                if part:  # as the pane splits them: a blank line between two is no line
                    self._append(part, shown)
        return shown

    # -- internals --------------------------------------------------------------------
    def _add(self, e: Event, shown: Shown) -> None:
        kind = e.get("type")
        if kind == ev.ALERT:
            self._alert(e, shown)
        elif kind == ev.HOST_STATE:
            self._host_state(e, shown)
        else:
            self._plain(e, shown)

    def _plain(self, e: Event, shown: Shown) -> None:
        text = describe(e)
        if text:
            for part in f"{_clock(e)} {text}".splitlines():
                if part:
                    self._append(part, shown)

    def _alert(self, e: Event, shown: Shown) -> None:
        host, metric = visible(str(e.get("host", ""))), str(e.get("metric", ""))
        raised, m = e.get("status") == "raised", _offset(e)
        fold = self._open(("alert", host, metric), m)
        if fold is None:
            if not raised or m is None:  # a clear long after its raise says so on its own
                self._plain(e, shown)
                return
            fold = _Fold(self.count, _clock(e), m, m, host, visible(metric))
            self._folds["alert", host, metric] = fold
            self._append("", shown)
        assert m is not None
        fold.last_m = m
        if raised:
            fold.raises += 1
            fold.values.append(e.get("value"))
        elif fold.raised:
            fold.clears += 1
        fold.raised = raised
        alone = fold.raises == 1 and not fold.clears
        self._set(
            fold.line, _one_line(f"{_clock(e)} {describe(e)}") if alone else fold.text(), shown
        )

    def _host_state(self, e: Event, shown: Shown) -> None:
        host, state, m = visible(str(e.get("host", ""))), str(e.get("state", "")), _offset(e)
        fold = self._open(("host", host, ""), m)
        if fold is None:
            if state not in UNHAPPY or m is None:
                self._plain(e, shown)
                return
            reason = visible(str(e.get("reason") or ""), newlines=True)
            fold = _Fold(self.count, _clock(e), m, m, host, "", head=f"● {host} {visible(state)}")
            fold.reason, fold.state = reason, visible(state)
            self._folds["host", host, ""] = fold
            self._append(_one_line(f"{_clock(e)} {describe(e)}"), shown)
            return
        assert m is not None
        fold.last_m, fold.state = m, visible(state)
        fold.changes += 1
        self._set(fold.line, fold.text(), shown)

    def _open(self, key: tuple[str, str, str], m: float | None) -> _Fold | None:
        """The fold an event at offset m joins: its key's, if that started at most
        `window` seconds before; an older one is closed (its line stays as it is)."""
        fold = self._folds.get(key)
        if fold is None or m is None or not 0 <= m - fold.first_m <= self.window:
            self._folds.pop(key, None)
            return None
        return fold

    def _append(self, line: str, shown: Shown) -> None:
        shown.added.append(line)
        self.count += 1

    def _set(self, number: int, text: str, shown: Shown) -> None:
        first_added = self.count - len(shown.added)
        if number >= first_added:
            shown.added[number - first_added] = text
        else:
            shown.changed[number] = text


def _clock(e: Event) -> str:
    """The event's wall-clock time, "10:42:03" (from its ISO 8601 `t`)."""
    return visible(str(e.get("t", ""))[11:19])


def _offset(e: Event) -> float | None:
    m = e.get("m")
    return float(m) if isinstance(m, int | float) and not isinstance(m, bool) else None


def _one_line(text: str) -> str:
    """A folded line is rewritten as one line: a host's reason with a line break in it
    must not become two."""
    return " ".join(text.splitlines())
