"""Counting a source's log messages per level, with the source's shape learned on the way.

A ``LevelCounter`` reads one source (a file, a followed log, a journal stream). Its
first messages teach it where the source's logger puts the level (golive.core.logshape):
the known shapes, or a header field; how its messages start (so that a line starting
otherwise is part of the message above); and whether its lines come wrapped in a
container's envelope (golive.core.logenvelope). Each message is read with the shape known at
that moment; when the shape changes while it learns (from the 3rd message to the
64th), the messages it has already counted are counted again with the new shape, and
so are the kinds ``feed_text`` returns for the chunk it is reading. So a file counted in
1 MiB chunks is counted as if the shape had been known from its first line; a log fed
line by line (the live monitor) reports its first messages as the known shapes read
them, and its counts are put right as soon as the shape is learned.

A source that changes shape (a rotation to a new format, a restart with another
logger) is learned again: after 50 messages in a row that the learned field gives no
level (or, in the known shapes, that have no level at all), the counter learns anew
from the next messages. ``relearn()`` does it at once (a follower that saw a rotation).

A two-line record (java.util.logging's ``Nov 22, 2026 2:00:00 AM com.shop.Job run``,
then ``SEVERE: failed``) is one message at the level its second line starts with; the
second line is its continuation. In bulk the first line's token reaches into the second
(loglevels.reaches_next_line). Line by line, and across a chunk's end, the level is known
only with the second line: the first is returned as a continuation for now and counted
with the second, which returns the record's level. The counts are the same either way.

Every path reads the same lines the same way: in the known shapes, the known pattern's
token of each line; in a learned shape, its one pattern (``logshape.shape_pattern``: the
learned field first, then the known shapes, then how the line starts). The bulk path is
one regex pass over a chunk and a C-level Counter of what it captured; lines in an
envelope are opened one by one.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from typing import Final

from golive.core.logenvelope import Unwrapper, envelope_of, is_syslog
from golive.core.loggroups import AlertLogGroups, is_alert_log
from golive.core.loglevels import (
    CONTINUATION,
    JUL_HEADER,
    JUL_LEVEL,
    KINDS_SEEN,
    LEVELS_HIGH_FIRST,
    LINE_PATTERN,
    Level,
    LineKind,
    jul_level,
    line_token,
    line_tokens,
    reaches_next_line,
    token_kind,
    token_kinds,
)
from golive.core.logshape import (
    HEADER_LIKE,
    KNOWN,
    Lesson,
    Shape,
    decide,
    first_level_field,
    kind_of_groups,
    known_name,
    signature,
    start_pattern,
)

_MAX_PENDING: Final = 1 << 20  # characters of an unfinished line kept while it waits
FIRST_DECISION: Final = 3  # messages before a shape is first decided
LEARN_MESSAGES: Final = 64  # messages a shape is learned from
RELEARN_AFTER: Final = 50  # messages in a row with no level before learning again
_KEPT: Final = 1024  # characters of a sample line kept to read it again
_OPENS_RECORD: Final = re.compile(JUL_HEADER)  # a two-line record's first line


_RECORD: Final = "java.util.logging"  # the known name of a two-line record's sample


def _kept(line: str) -> str:
    """A sample line as kept to be read again: its first _KEPT characters, still ending
    with its newline (the patterns match whole lines only)."""
    return line if len(line) <= _KEPT else line[: _KEPT - 1] + "\n"


def _opening(kind: LineKind, known: LineKind, opens: bool) -> LineKind:
    """A line's kind, `kind`, put right when it `opens` the source (no message came
    before it): a line the known shapes read as a message (`known`) cannot continue a
    message above it, even if it does not start like the source's messages (a CSV
    export's column names)."""
    return known if opens and kind is CONTINUATION and known is not CONTINUATION else kind


class LevelCounter:
    """Counts log messages per level, folding continuation lines into the
    message above them.

    Attributes, kept up to date by every feed:

    - ``lines``: lines counted (an unfinished line counts once it is
      finished or flushed)
    - ``messages``: messages, i.e. lines that are not continuations
    - ``counts``: messages per Level (every Level is a key)
    - ``unknown``: messages with no recognisable level
    - ``continuations``: continuation lines (blank lines included)
    - ``shape``: how the source's levels are read (logshape.Shape)

    ``feed(line) -> LineKind`` counts one line and returns its kind: the live
    monitor's per-line path. ``feed_text(text) -> list[LineKind]`` and
    ``count_text(text) -> None`` take chunks of any size (the bulk path);
    a chunk may end mid-line, and that line waits for the rest of it in the
    next chunk, in ``feed``, or for ``flush()``. While it waits, only its
    first 1 MiB is kept: a longer line that arrives in pieces is classified
    from its first 1 MiB (its header is at the start), so a file of any size
    is read in bounded memory. ``learn=False`` reads with the known shapes only.
    """

    def __init__(self, *, learn: bool = True) -> None:
        self.lines = 0
        self.messages = 0
        self.unknown = 0
        self.continuations = 0
        self.counts: dict[Level, int] = dict.fromkeys(Level, 0)
        self.shape: Shape = KNOWN
        self._pending: list[str] = []
        self._pending_size = 0
        self._learns = learn
        self._learning = learn
        # While learning: each message's known reading, first level field, what it was
        # counted as, its start (to be read again when the shape changes), and whether
        # it came before any other message (then it continues nothing: see _opening).
        self._sample: list[tuple[Lesson, LineKind, str, bool]] = []
        self._sample_at: list[int] = []  # where in the kinds this call returns (or -1)
        self._pattern: re.Pattern[str] | None = None  # the shape's, or the known shapes'
        self._unwrapper: Unwrapper | None = None  # the envelope the lines come in, if any
        self._groups: AlertLogGroups | None = None  # an alert log's reading, line to line
        # feed's short path: not learning, no learned field, no envelope; and the
        # pattern of how the source's messages start, when that is learned.
        self._fast = not learn
        # _one's path in a learned shape once it is learned (no envelope, no alert log):
        # its pattern, else None.
        self._steady: re.Pattern[str] | None = None
        self._starts: re.Pattern[str] | None = None
        self._misses = 0  # messages in a row the shape gave no level
        # The first line of a two-line record (java.util.logging) whose second line has
        # not come yet: counted with it, as one message at the second line's level.
        self._opener: str | None = None
        self._opener_at = -1  # where its kind is in the kinds this call returns (or -1)

    # -- reading one line ---------------------------------------------------------
    def _read(self, line: str, kind: LineKind) -> LineKind:
        """One whole line (ending with "\\n") read in the current shape; `kind` is
        its reading in the known shapes."""
        if self._unwrapper is not None:
            wrapped, inner_kind = self._unwrapper.read(line)
            if wrapped:
                return inner_kind
        pattern = self._pattern
        if pattern is None:
            return kind
        match = pattern.match(line)
        assert match is not None  # it matches every line that ends with "\n"
        level_field, token, start, header = match.groups(default="")
        return kind_of_groups(
            level_field, token, start, header, starts=self.shape.start is not None
        )

    def _one(self, line: str, kinds: list[LineKind] | None = None) -> LineKind:
        """Count one whole line, learning from it while the shape is learned."""
        if self._opener is not None:
            closed = self._close_record(line, kinds)
            if closed is not None:
                return closed
        if self._steady is not None:
            return self._learned_line(line, self._steady, kinds)
        token = line_token(line)
        if not token and _OPENS_RECORD.match(line):
            self._open_record(line, kinds)
            return CONTINUATION  # for now: counted with the next line, at its level
        known = token_kind(token)
        opens = self.messages == 0
        kind = _opening(self._read(line, known), known, opens)
        if self._groups is not None:
            kind = self._groups.read(line, kind)
        self._add(kind, 1)
        if known is CONTINUATION:
            return kind
        # A message to the known shapes: the learned shape may read it as one, or as
        # part of the message above (it does not start like the source's messages).
        self._watch(kind)
        if self._learning:
            name = known_name(line, token) if known is not None else ""
            at, text = first_level_field(line) or (None, "")
            taught: Lesson = (known, at, name, signature(line), text)
            self._sample.append((taught, kind, _kept(line), opens))
            self._sample_at.append(len(kinds) if kinds is not None else -1)
            kind = self._learn(kinds, kind)
        return kind

    def _open_record(self, line: str, kinds: list[LineKind] | None) -> None:
        """A two-line record's first line: it waits, uncounted, for its second, and is
        returned as a continuation for now (its kind goes at len(kinds), if given)."""
        self._opener = line
        self._opener_at = len(kinds) if kinds is not None else -1

    def _learned_line(
        self, line: str, pattern: re.Pattern[str], kinds: list[LineKind] | None
    ) -> LineKind:
        """Count one whole line in a learned shape: one pass of its pattern (the known
        shapes are in it)."""
        match = pattern.match(line)
        assert match is not None
        level_field, token, start, header = match.groups(default="")
        if not (level_field or token) and _OPENS_RECORD.match(line):
            self._open_record(line, kinds)
            return CONTINUATION  # for now: counted with the next line, at its level
        kind = kind_of_groups(
            level_field, token, start, header, starts=self.shape.start is not None
        )
        self._add(kind, 1)
        if kind is not CONTINUATION or not (level_field or token):
            self._watch(kind)  # a message, or a line not like the source's messages
        return kind

    def _close_record(self, line: str, kinds: list[LineKind] | None) -> LineKind:
        """The line after a two-line record's first: if it starts with the record's
        level, count the record at that level and this line as its continuation. The
        record's level goes to its first line when this call returns that line's kind,
        else to this line (the per-line path: the level is known only now). Otherwise
        the first line is counted as the message it is, and None is returned."""
        opener, self._opener = self._opener, None
        assert opener is not None
        found = JUL_LEVEL.match(line)
        level = jul_level(found.group()) if found else None
        if level is None:
            kind = self._count_alone(opener)
            if kinds is not None and 0 <= self._opener_at < len(kinds):
                kinds[self._opener_at] = kind
            return None
        self._add(level, 1)
        self._add(CONTINUATION, 1)
        self._watch(level)
        if self._learning:  # learned from as a line that reads its level on its own
            taught: Lesson = (level, None, _RECORD, signature(opener), "")
            self._sample.append((taught, level, _kept(line), False))
            self._sample_at.append(self._opener_at)  # the record's kind is its first line's
            self._learn(kinds, level)
        if kinds is not None and 0 <= self._opener_at < len(kinds):
            kinds[self._opener_at] = level
            return CONTINUATION
        return level

    def _count_alone(self, opener: str) -> LineKind:
        """Count a line that looked like a two-line record's first but had no second:
        as the message it reads as on its own."""
        kind = self._read(opener, token_kind(line_token(opener)))
        self._add(kind, 1)
        self._watch(kind)
        return kind

    def _watch(self, kind: LineKind) -> None:
        if self._learning or not self._learns:
            return
        # No level, or not starting like the source's messages: a source that changed
        # its format looks like this, line after line.
        self._misses = self._misses + 1 if kind is None or kind is CONTINUATION else 0
        if self._misses >= RELEARN_AFTER:
            self.relearn()

    def relearn(self) -> None:
        """Learn the source's shape again from its next messages (a rotation)."""
        if not self._learns:
            return
        self._learning = True
        self._sample = []
        self._sample_at = []
        self._misses = 0
        self._fast = False
        self._steady = None

    def _learn(self, kinds: list[LineKind] | None, kind: LineKind) -> LineKind:
        """Decide the shape again from the sample; count its messages again if it
        changed. Returns the newest message's kind, as now read."""
        sample = self._sample
        if len(sample) >= FIRST_DECISION:
            lines = [line for _, _, line, _ in sample]
            envelope = envelope_of(lines)
            # A syslog file's lines are each program's own text after the prefix: read
            # there (a learned field would count the prefix's fields too).
            shape = decide([taught for taught, _, _, _ in sample])
            if envelope is None and is_syslog(lines):
                shape = replace(shape, field=None, start=None, known="syslog", syslog=True)
            elif envelope is None and is_alert_log(lines):
                shape = replace(shape, field=None, start=None, known="", alert_log=True)
            now = self._unwrapper.envelope if self._unwrapper is not None else None
            if (shape.field, shape.start, shape.syslog, shape.alert_log, envelope) != (
                self.shape.field, self.shape.start, self.shape.syslog, self.shape.alert_log,
                now,
            ):  # fmt: skip
                self.shape = shape
                self._pattern = shape.pattern
                self._unwrapper = Unwrapper(envelope) if envelope is not None else None
                kind = self._recount(kinds)
            self.shape = shape
        if len(sample) >= LEARN_MESSAGES:
            self._learning = False
            self._sample = []
            self._sample_at = []
        self._settle_paths()
        return kind

    def _settle_paths(self) -> None:
        """Which path feed takes, for the shape as it now is."""
        shape = self.shape
        self._starts = start_pattern(shape.start) if shape.start is not None else None
        self._steady = (
            self._pattern
            if not self._learning and self._unwrapper is None and self._groups is None
            else None
        )
        self._fast = (
            not self._learning
            and shape.field is None
            and not shape.syslog
            and self._unwrapper is None
            and self._groups is None
        )

    def _recount(self, kinds: list[LineKind] | None) -> LineKind:
        """Read the sample's messages again in the new shape; put the counts right, and
        the kinds this call returns. Returns the newest message's new kind."""
        newest: LineKind = None
        # An alert log's reading goes from line to line: read the sample in order.
        groups = AlertLogGroups() if self.shape.alert_log else None
        for index, (taught, counted, line, opens) in enumerate(self._sample):
            if taught[2] == _RECORD:  # a two-line record: its level is its second line's
                now = counted
            else:
                now = _opening(self._read(line, taught[0]), taught[0], opens)
            if groups is not None:
                now = groups.read(line, now)
            if now is not counted:
                self._take(counted)
                self._add(now, 1)
                self._sample[index] = (taught, now, line, opens)
            where = self._sample_at[index]
            if kinds is not None and 0 <= where < len(kinds):
                kinds[where] = now
            newest = now
        self._groups = groups
        return newest

    # -- counting -------------------------------------------------------------------
    def _add(self, kind: LineKind, n: int) -> None:
        self.lines += n
        if kind is CONTINUATION:
            self.continuations += n
            return
        self.messages += n
        if kind is None:
            self.unknown += n
        else:
            self.counts[kind] += n

    def _take(self, kind: LineKind) -> None:
        """Uncount one message (it is counted again as read in a new shape)."""
        self.lines -= 1
        self.messages -= 1
        if kind is None:
            self.unknown -= 1
        elif kind is not CONTINUATION:
            self.counts[kind] -= 1

    # -- one line -------------------------------------------------------------------
    def feed(self, line: str) -> LineKind:
        """Count one line and return its kind: a Level, None (a message of
        unknown level) or CONTINUATION. A trailing "\n" is allowed; a `line`
        that holds several lines is counted as those lines and the first
        one's kind is returned. A line from a chunk that is still unfinished
        is completed by this one."""
        text = line if line.endswith("\n") else line + "\n"
        if self._pending or text.find("\n") != len(text) - 1:
            return self.feed_text(text)[0]
        if not self._fast or self._opener is not None:
            if self._steady is not None and self._opener is None:
                return self._learned_line(text, self._steady, None)  # the monitor's path
            self._new_call()
            return self._one(text)
        # The monitor's per-line path in the known shapes: as short as it can be (the
        # pattern and the token's kind looked up inline); how messages start is looked at
        # only in a line the known shapes found nothing in (as shape_pattern does in bulk).
        match = LINE_PATTERN.match(text)
        assert match is not None  # it matches every line that ends with "\n"
        token = match.group(1) or ""
        kind = KINDS_SEEN[token] if token in KINDS_SEEN else token_kind(token)
        if not token and _OPENS_RECORD.match(text):
            self._open_record(text, None)
            return CONTINUATION  # for now: counted with the next line, at its level
        if kind is None:
            starts = self._starts
            if (
                not token
                and starts is not None
                and not starts.match(text)
                and not HEADER_LIKE.match(text)
            ):
                kind = CONTINUATION  # not like the source's messages: the one above
            self._misses += 1
            if self._misses >= RELEARN_AFTER and self._learns:
                self.relearn()
        elif self._misses and kind is not CONTINUATION:
            self._misses = 0
        self.lines += 1  # self._add(kind, 1), inline
        if kind is CONTINUATION:
            self.continuations += 1
        else:
            self.messages += 1
            if kind is None:
                self.unknown += 1
            else:
                self.counts[kind] += 1
        return kind

    # -- chunks ---------------------------------------------------------------------
    def _hold(self, piece: str) -> None:
        room = _MAX_PENDING - self._pending_size
        if piece and room > 0:
            self._pending.append(piece[:room])
            self._pending_size += min(len(piece), room)

    def _split(self, text: str) -> tuple[str | None, int, int]:
        """Take the complete lines out of `text` and hold its unfinished tail.

        Returns the held line that this chunk finishes (or None), and the
        span of `text` that holds the other complete lines."""
        last = text.rfind("\n")
        if last < 0:
            self._hold(text)
            return None, 0, 0
        start = 0
        head = None
        if self._pending:
            start = text.find("\n") + 1
            self._hold(text[:start])
            head = "".join(self._pending)
            self._pending, self._pending_size = [], 0
            if not head.endswith("\n"):  # cut at 1 MiB: its end is not kept
                head += "\n"
        self._hold(text[last + 1 :])
        return head, start, last + 1

    def _new_call(self) -> None:
        """The kinds an earlier call returned are the caller's now: not put right."""
        self._opener_at = -1
        if self._learning:
            self._sample_at = [-1] * len(self._sample)

    def _learn_lines(self, text: str, start: int, end: int, kinds: list[LineKind] | None) -> int:
        """While learning, read text[start:end] line by line; returns where the
        lines left to read in bulk start (end once learning is done early)."""
        # While learning, for lines in an envelope (each is opened in Python), in an
        # alert log (each line's reading depends on the line before), and for the line
        # after a two-line record's first (it closes the record).
        while (
            self._learning
            or self._unwrapper is not None
            or self._groups is not None
            or self._opener is not None
        ) and start < end:
            stop = text.index("\n", start, end) + 1
            kind = self._one(text[start:stop], kinds)
            if kinds is not None:
                kinds.append(kind)
            start = stop
        return start

    def count_text(self, text: str) -> None:
        """Count every complete line in `text` (the fast path: two regex passes
        over the chunk and a C-level Counter; no per-line results)."""
        self._new_call()
        head, start, end = self._split(text)
        if head is not None:
            self._one(head)
        start, end, opener = self._edges(text, start, end, None)
        if end > start:
            pattern = self._pattern
            if pattern is None:
                counted = Counter(line_tokens(text, start, end))
                if not any(reaches_next_line(token) for token in counted):
                    for token, n in counted.items():
                        self._add(token_kind(token), n)
                else:  # two-line records: their second lines are known by place
                    self._add_kinds(self._bulk_kinds(text, start, end))
            else:
                starts = self.shape.start is not None
                found = Counter(pattern.findall(text, start, end))
                if not any(reaches_next_line(groups[1]) for groups in found):
                    for groups, n in found.items():
                        self._add(kind_of_groups(*groups, starts=starts), n)
                else:
                    self._add_kinds(self._bulk_kinds(text, start, end))
        if opener:
            self._open_record(text[end:].partition("\n")[0] + "\n", None)

    def feed_text(self, text: str) -> list[LineKind]:
        """Count every complete line in `text` and return the kind of each, in order."""
        self._new_call()
        head, start, end = self._split(text)
        kinds: list[LineKind] = []
        if head is not None:
            kinds.append(self._one(head, kinds))
        start, end, opener = self._edges(text, start, end, kinds)
        if end > start:
            read = self._bulk_kinds(text, start, end)
            self._add_kinds(read)
            kinds += read
        if opener:
            self._open_record(text[end:].partition("\n")[0] + "\n", kinds)
            kinds.append(CONTINUATION)  # for now: its level comes with the next line
        return kinds

    def _edges(
        self, text: str, start: int, end: int, kinds: list[LineKind] | None
    ) -> tuple[int, int, bool]:
        """Before a bulk pass over text[start:end]: the lines read one by one (the
        second line of a record opened in an earlier call, the lines read while the
        shape is learned), and a last line that opens a two-line record (its second
        line is not here yet: it waits, uncounted). Returns the span left for the bulk
        pass and whether such a last line was taken out of it."""
        start = self._learn_lines(text, start, end, kinds)
        if end <= start:
            return start, end, False
        last = text.rfind("\n", start, end - 1) + 1
        if last < start:
            last = start
        if _OPENS_RECORD.match(text, last, end) and self._reads_nothing(text[last:end]):
            return start, last, True
        return start, end, False

    def _reads_nothing(self, line: str) -> bool:
        """Whether nothing in the current shape reads `line`: no token, no level field
        (then a two-line record's first line waits for its second)."""
        pattern = self._pattern
        if pattern is None:
            return not line_token(line)
        match = pattern.match(line)
        assert match is not None
        level_field, token, _, _ = match.groups(default="")
        return not (level_field or token)

    def _bulk_kinds(self, text: str, start: int, end: int) -> list[LineKind]:
        """The kind of each line in text[start:end], in the current shape, in one regex
        pass; a two-line record's second line (after a token that reaches into it) is
        part of its first."""
        pattern = self._pattern
        if pattern is None:
            tokens = line_tokens(text, start, end)
            kinds = token_kinds(tokens)
        else:
            starts = self.shape.start is not None
            found: list[tuple[str, str, str, str]] = pattern.findall(text, start, end)
            read = {groups: kind_of_groups(*groups, starts=starts) for groups in set(found)}
            kinds = [read[groups] for groups in found]
            tokens = [groups[1] for groups in found]
        if any(reaches_next_line(token) for token in set(tokens)):
            for index, token in enumerate(tokens):
                if reaches_next_line(token):
                    kinds[index + 1] = CONTINUATION
        return kinds

    def _add_kinds(self, kinds: list[LineKind]) -> None:
        for kind, n in Counter(kinds).items():
            self._add(kind, n)

    def flush(self) -> list[LineKind]:
        """End an unfinished last line (a file without a final newline):
        count it and return its kind in a list, or [] if there is none. A two-line
        record's first line that still waits for its second is counted then as the
        message it is (its kind was returned already, as a continuation for now)."""
        kinds: list[LineKind] = []
        if self._pending:
            text = "".join(self._pending)
            self._pending, self._pending_size = [], 0
            self._new_call()
            kinds.append(self._one(text if text.endswith("\n") else text + "\n"))
        if self._opener is not None:  # a record's first line, and no second came
            opener, self._opener = self._opener, None
            self._count_alone(opener)
        return kinds

    def kind_of(self, line: str) -> LineKind:
        """One line's kind in the shape learned so far, without counting it."""
        text = line if line.endswith("\n") else line + "\n"
        return self._read(text, token_kind(line_token(text)))

    @property
    def pending(self) -> bool:
        """Whether an unfinished line is waiting for the rest of it."""
        return bool(self._pending)

    def levels(self) -> dict[str, int]:
        """Messages per level name, highest first, then "unknown"."""
        result = {level.label: self.counts[level] for level in LEVELS_HIGH_FIRST}
        result["unknown"] = self.unknown
        return result
