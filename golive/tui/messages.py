"""The messages other threads post to the Apps: the run's driver thread, the monitor's
threads, the journal's listeners and the review's sample reader. Each carries frozen
values only (a RunView, snapshots, tuples); none carries anything a thread still changes."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from golive.core.engine import Question
from golive.core.events import Event
from golive.core.hostwatch import HostSnapshot
from golive.core.record import Integrity
from golive.core.runbook import Runbook
from golive.session.follow import Followed
from golive.session.view import RollbackPreview, RunView


@dataclass
class JournalBatch(Message):
    """New journal events are waiting in the app's inbox (one message per burst)."""


@dataclass
class HostsUpdated(Message):
    """The monitor's newest figures for every host."""

    snapshots: tuple[HostSnapshot, ...]

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, HostsUpdated)  # only the newest snapshot matters


@dataclass
class QuestionsChanged(Message):
    """What the run asks the operator now."""

    questions: tuple[Question, ...]


@dataclass
class ViewChanged(Message):
    """The run settled: its frozen view, with the questions of the same moment."""

    view: RunView

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ViewChanged)  # only the newest view is worth drawing


@dataclass
class PlanChanged(Message):
    """A confirmed rollback was not started: its plan changed before the loop took it."""

    confirmed: RollbackPreview
    now: RollbackPreview


@dataclass
class Said(Message):
    """A line from the kind of run (a drill: "proving the state at …")."""

    text: str


@dataclass
class DriverFailed(Message):
    """The run's thread stopped on an error (a full disk, a bug): it is shown, never hidden."""

    error: str


@dataclass
class SamplesLoaded(Message):
    """The review's worker read the samples and checked the hash chain."""

    integrity: Integrity


@dataclass
class FollowedUpdate(Message):
    """The follower read new events, or its clock moved: the events (already folded, no
    thread changes them again) and the frozen moment they lead to."""

    events: tuple[Event, ...]
    followed: Followed
    runbook: Runbook | None = None  # a runbook changed at a resume: the screen is new
    history: tuple[Event, ...] | None = None  # ... and what it lists


@dataclass
class FollowFailed(Message):
    """The follower cannot read on (the journal went, a line it cannot fold)."""

    error: str
