"""golive review's App: the review screen, and the worker thread that reads the samples
and checks the journal's hash chain once the first frame is up."""

from __future__ import annotations

import os
import time
from multiprocessing import resource_tracker
from typing import Any

from textual import work
from textual.app import App
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from golive.io.journal_scan import PARALLEL_FROM_BYTES
from golive.io.recorded import Loaded, add_samples, load_record
from golive.tui.messages import SamplesLoaded
from golive.tui.palette import RunActions
from golive.tui.screens.review import ReviewScreen
from golive.tui.scrollbars import use_whole_cell_scrollbars
from golive.tui.shown import visible


class ReviewApp(App[int]):
    CSS_PATH = ["common.tcss", "review.tcss"]
    COMMANDS = App.COMMANDS | {RunActions}
    TITLE = "golive review"

    def __init__(self, loaded: Loaded, *, load_samples: bool = True) -> None:
        """`loaded` comes from load_record(path, samples=False): the first frame needs
        only the events; a worker reads the samples and checks the chain afterwards."""
        super().__init__()
        use_whole_cell_scrollbars()
        self.loaded = loaded
        self.review = ReviewScreen(loaded)
        self._load_samples = load_samples
        if load_samples:
            _start_resource_tracker(loaded.record.journal)
        self.first_frame_at: float | None = None  # time.perf_counter() of the first frame
        self.samples_at: float | None = None  # ... and of the metrics being drawn

    def get_default_screen(self) -> Screen[Any]:
        return self.review

    def on_mount(self) -> None:
        self.call_after_refresh(self._first_frame)

    def _first_frame(self) -> None:
        self.first_frame_at = time.perf_counter()
        # Only now: a worker reading 150 MB would hold the first frame back.
        if self._load_samples:
            self.read_samples()

    @work(thread=True, exclusive=True, group="samples", exit_on_error=False)
    def read_samples(self) -> None:
        add_samples(self.loaded)
        self.post_message(SamplesLoaded(self.loaded.record.integrity))

    def on_samples_loaded(self, _: SamplesLoaded) -> None:
        self.review.samples_loaded()
        self.samples_at = time.perf_counter()

    def on_worker_state_changed(self, message: Worker.StateChanged) -> None:
        if message.state is WorkerState.ERROR:
            error = str(message.worker.error)
            self.review.samples_failed(error)
            self.notify(visible(error), title="golive review", severity="error", markup=False)


def _start_resource_tracker(journal: str) -> None:
    """A long journal's samples are read by worker processes, and starting the first one
    starts multiprocessing's resource tracker with sys.stderr's file descriptor. While a
    Textual app runs, sys.stderr is its print capture, whose descriptor is -1, and the
    start fails ("bad value(s) in fds_to_keep"). So it is started here, before the app."""
    try:
        big = os.path.getsize(journal) >= PARALLEL_FROM_BYTES
    except OSError:
        return  # the worker reports it
    if big:
        resource_tracker.ensure_running()


def open_review(path: str, *, load_samples: bool = True) -> ReviewApp:
    """The app for a journal: events read now, samples in a worker once it runs."""
    return ReviewApp(load_record(path, samples=False), load_samples=load_samples)
