"""The review writer: ONE serial thread that runs the review actions' transactions.

A review action (Enter, Delete, a label key, Ctrl+Z) is one core transaction
(``core.review_actions``); on a team's PostgreSQL 25 ms away each way its ~20 statements
froze the window ~1.3 s a key when run on the GUI thread. :class:`ReviewWriter` runs
them on its own thread, one after the other in the order the reviewer made them (one DB
session each, as before), and hands each :class:`ReviewWrite` back to the GUI thread
(``finished``) with its result or its error. The controller decides what the window
does meanwhile (:mod:`.review_writes`).

The thread is a plain Python thread with a queue (started at the first write); a write
is never dropped: :meth:`ReviewWriter.wait` waits for every write submitted so far
(closing a project or the window), and :meth:`ReviewWriter.shutdown` ends the thread
after them.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any, Callable, Optional

from PySide6.QtCore import QObject, Signal

from ..core.store.waited import noted_waits

log = logging.getLogger(__name__)


class ReviewWrite:
    """One review action's write: ``run()`` (on the writer's thread) and what the window
    does with its result (the controller's fields: ``text``, ``say``, ``moving``...)."""

    def __init__(self, text: str, image_id: int, run: Callable[[], Any], name: str = "",
                 moving: bool = False, say: Optional[Callable[[Any], str]] = None, kind: str = "action") -> None:
        self.text, self.image_id, self.run, self.name = text, image_id, run, name
        self.moving, self.say, self.kind = moving, say, kind
        self.moved = False  # the window went on before the write ended (the next image shown)
        self.last = False  # the action was on the view's last row
        self.handled = False  # the GUI thread has taken its result (once: inline or by the signal)
        self.done = threading.Event()
        self.result: Any = None
        self.seq = 0  # its place among the writer's writes (1, 2, ...): set as it begins
        self.error: Optional[BaseException] = None
        self.extra: dict = {}  # what the action's run() hands the window (messages said meanwhile)

    def __call__(self) -> None:
        try:
            with noted_waits():  # a teammate's lock: refused after 1.5 s, not a 15 s wait
                self.result = self.run()
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread, said there
            self.error = exc
        finally:
            self.done.set()


class _Signals(QObject):
    finished = Signal(object)


class ReviewWriter(QObject):
    """The serial writer (see the module docstring). ``finished(write)`` arrives on the
    GUI thread, in order, for every write submitted."""

    finished = Signal(object)

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self._queue: "queue.Queue[Optional[ReviewWrite]]" = queue.Queue()
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()
        self._submitted: list[ReviewWrite] = []  # not yet handed back (GUI thread only)
        self._signals = _Signals()
        self._signals.finished.connect(self.finished)
        #: test hook: called on the writer's thread before each write (a gate holding it)
        self.before_write: Optional[Callable[[ReviewWrite], None]] = None
        self._started = 0  # writes begun (their transaction may be under way)
        self._ended = 0  # writes ended (committed or failed)

    def marks(self) -> tuple[int, int]:
        """(writes begun, writes ended) so far: a read made between an ``ended`` and a
        ``begun`` equal to it saw exactly the writes whose ``seq`` is at most that number
        (the status counts: :mod:`.status_counts`)."""
        return self._started, self._ended

    def idle(self) -> bool:
        """No write under way (begun and not ended)."""
        return self._started == self._ended

    def submit(self, write: ReviewWrite) -> ReviewWrite:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="llmvis-review-writer", daemon=True)
                self._thread.start()
        self._submitted.append(write)
        self._queue.put(write)
        return write

    def in_flight(self) -> list[ReviewWrite]:
        """The writes whose result the window has not taken yet, oldest first."""
        self._submitted = [w for w in self._submitted if not w.handled]
        return list(self._submitted)

    def _loop(self) -> None:
        while True:
            write = self._queue.get()
            if write is None:
                return
            hook = self.before_write
            if hook is not None:
                try:
                    hook(write)
                except Exception:  # (a test's hook)
                    log.exception("review writer hook failed")
            self._started += 1
            write.seq = self._started
            try:
                write()
            finally:
                self._ended += 1
            if write.error is not None:
                log.debug("review write %r failed", write.text, exc_info=write.error)
            self._signals.finished.emit(write)

    def wait(self, timeout_s: Optional[float] = None) -> bool:
        """Wait until every write submitted so far has ended (its ``finished`` may still be
        on its way to the GUI thread); False when ``timeout_s`` ran out first."""
        end = None if timeout_s is None else time.monotonic() + timeout_s
        for write in self.in_flight():
            left = None if end is None else max(0.0, end - time.monotonic())
            if not write.done.wait(left):
                return False
        return True

    def shutdown(self, timeout_s: float = 60.0) -> bool:
        """Wait for the writes submitted (at most ``timeout_s``), then end the thread."""
        ok = self.wait(timeout_s)
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(1.0 if not ok else max(1.0, timeout_s))
        return ok
