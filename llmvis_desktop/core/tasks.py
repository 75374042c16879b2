"""Cancellation and progress for long work, with no thread or signal in sight.

Long core functions take a :class:`CancelToken` and a progress callback and call
``token.check()`` between items; a front end cancels from another thread.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Optional


class Cancelled(Exception):
    """Raised inside long work when its token was cancelled."""


class Foreground:
    """Lets a front end's UI thread run Python without sharing the interpreter.

    Python threads take turns holding the interpreter lock. On two cores, with a
    header reader, two thumbnail loaders and a record fetcher all running Python, the
    UI thread got about a quarter of it, so a 7 ms paint of the grid stretched to
    60-100 ms. The UI thread wraps work a user waits for (painting, a review action)
    in :meth:`busy`; background loops call :meth:`yield_to` (every
    :meth:`CancelToken.check` does) between items and sleep while it is busy (blocked
    on an event the end of the busy block sets, never polling for it). The
    wait is bounded (``max_wait_s`` per call), so a worker holding something the UI
    thread needs can never deadlock it, and background work is only delayed.
    """

    def __init__(self, max_wait_s: float = 0.03) -> None:
        self.max_wait_s = max_wait_s
        self._depth = 0  # only the UI thread writes it
        self._until = 0.0  # monotonic time a :meth:`hold` lasts to
        self._owner: Optional[int] = None  # the UI thread: it never waits for itself
        # set while no busy() block runs: a waiting thread blocks on it (no GIL, no
        # wake-ups) instead of polling, which took the interpreter lock back 2,000
        # times a second per waiting thread while the UI thread painted
        self._free = threading.Event()
        self._free.set()

    @contextmanager
    def busy(self):
        self._owner = threading.get_ident()
        self._depth += 1
        if self._depth == 1:
            self._free.clear()
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._free.set()

    @contextmanager
    def action(self, hold_s: float):
        """:meth:`busy` for a user action, then :meth:`hold` for ``hold_s`` while the
        front end repaints what the action changed."""
        try:
            with self.busy():
                yield
        finally:
            self.hold(hold_s)

    def hold(self, seconds: float) -> None:
        """Stay busy for ``seconds`` more: after a key press, the repaint it causes runs
        in later turns of the event loop, outside any :meth:`busy` block."""
        self._owner = threading.get_ident()
        self._until = max(self._until, time.monotonic() + seconds)

    @property
    def is_busy(self) -> bool:
        return self._depth > 0 or time.monotonic() < self._until

    def _block(self, seconds: float) -> None:
        """Wait up to ``seconds`` for the busy block to end, blocked (no GIL meanwhile)."""
        self._free.wait(seconds)

    def yield_to(self) -> None:
        if not self.is_busy or threading.get_ident() == self._owner:
            return
        end = time.monotonic() + self.max_wait_s
        while self.is_busy:
            now = time.monotonic()
            if now >= end:
                return
            if self._depth > 0:  # until the busy block ends (or the wait's bound)
                self._block(end - now)
            else:  # a hold: until it lapses (or the bound); it may have been lengthened
                time.sleep(max(0.0, min(end, self._until) - now))


#: the process's foreground (one UI thread per process)
FOREGROUND = Foreground()

BACKGROUND_NICE = 10


def lower_thread_priority(nice: int = BACKGROUND_NICE) -> bool:
    """Give the calling thread (and threads it starts later, which inherit it) a lower
    CPU priority than the UI thread: Linux keeps a niceness per thread. At nice 10 a
    thread gets about a tenth of a nice-0 thread's share of a contended core, and all
    of an idle one. An unprivileged thread cannot raise its priority again, so only
    threads that never hold a lock the UI thread waits for should call this. Returns
    whether it took effect (False elsewhere than Linux, or when refused)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        tid = threading.get_native_id()
        if os.getpriority(os.PRIO_PROCESS, tid) < nice:
            os.setpriority(os.PRIO_PROCESS, tid, nice)
        return True
    except (OSError, AttributeError):
        return False


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` when cancelled; first let a busy UI thread run."""
        FOREGROUND.yield_to()
        if self._event.is_set():
            raise Cancelled()

    def sleep(self, seconds: float) -> None:
        """Pause ``seconds``, or until cancelled: then raise :class:`Cancelled` at once."""
        if self._event.wait(max(0.0, seconds)):
            raise Cancelled()


@dataclass(frozen=True)
class Progress:
    """One progress report: ``done`` of ``total`` (None when unknown yet)."""

    stage: str
    done: int
    total: Optional[int] = None
    message: str = ""
    #: the stage waits for something outside it (the project database another process
    #: holds): ``message`` says what, and the fronts show it in place of a rate and ETA
    #: (the first report without it says the wait is over)
    waiting: bool = False
    #: on the report that says such a wait is over (the index's): the seconds it lasted,
    #: from the try that found the database held (:class:`WaitTally` adds them up)
    waited_s: float = 0.0


ProgressFn = Callable[[Progress], None]


class WaitTally:
    """A progress function that passes each report on to ``progress`` and adds up the
    seconds of the waits they say are over (``Progress.waited_s``) in :attr:`seconds`."""

    def __init__(self, progress: ProgressFn) -> None:
        self.progress = progress
        self.seconds = 0.0

    def __call__(self, p: Progress) -> None:
        self.seconds += getattr(p, "waited_s", 0.0)
        self.progress(p)


#: what a stage's ``done`` counts, where not images: the CLI's lines and the window's Jobs
#: panel say its rate alike ("7.5 images/s", "1,234 files/s")
STAGE_UNITS = {"scan": "files", "train": "steps", "load": "steps", "repair": "methods"}


def stage_unit(stage: str) -> str:
    """The unit a stage's progress counts, plural ("images", "files", "steps")."""
    return STAGE_UNITS.get(stage, "images")


def no_progress(_p: Progress) -> None:
    return None
