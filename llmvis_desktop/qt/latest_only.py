"""Background reads that only answer the newest request (:class:`LatestOnly`, and
:class:`LatestInOrder`, whose every answer comes, in order), on runnables that Python,
not their pool, keeps alive (:class:`KeptRunnable`, :class:`RunnableKeeper`). The jobs a
person starts and watches are :mod:`.workers`'."""
from __future__ import annotations

import time
from typing import Any, Callable, Optional

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from shiboken6 import Shiboken


class KeptRunnable(QRunnable):
    """A ``QRunnable`` written in Python that its pool never deletes.

    With ``autoDelete`` (Qt's default) the pool thread deletes the runnable when ``run``
    returns, and with it the Python object, on that thread, while the GUI thread uses the
    interpreter too: a crash site with PySide (a segmentation fault in a pool thread with
    no Python frame, seen once in the test suite). Here Python owns the runnable:
    whoever starts it keeps it in a :class:`RunnableKeeper`, which lets go of it on its
    own thread once the run has long ended. Subclasses implement :meth:`work`."""

    def __init__(self) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.ended_at: Optional[float] = None  # set when work() has returned or raised

    def run(self) -> None:  # noqa: D401 - QRunnable API
        try:
            self.work()
        finally:
            self.ended_at = time.monotonic()

    def work(self) -> None:
        raise NotImplementedError


def free_runnable(runnable: QRunnable) -> None:
    """Delete the C++ side of a runnable its pool will not touch again (its run ended
    and the pool was joined, or long ago), on the GUI thread.

    ``QThreadPool.start`` hands a Python runnable's ownership to C++, and a pool never
    deletes one whose ``autoDelete`` is off: its Python object, and all it holds (the
    grid model, a reader's owner, a closed project), lived as long as the process.
    Deleting the C++ object gives the Python object back to reference counting; its
    Python attributes stay readable. Idempotent."""
    if Shiboken.isValid(runnable):
        Shiboken.delete(runnable)


class RunnableKeeper:
    """Holds the :class:`KeptRunnable` objects one owner started, on the owner's (GUI)
    thread: each is let go (and freed: :func:`free_runnable`) :data:`KEEP_S` seconds
    after its run ended, when its pool thread has long left it, or by
    :meth:`release_ended` once the owner joined its pool."""

    KEEP_S = 5.0

    def __init__(self) -> None:
        self._kept: list[KeptRunnable] = []

    def start(self, pool: QThreadPool, runnable: KeptRunnable) -> None:
        now = time.monotonic()
        self._let_go(lambda r: r.ended_at is not None and now - r.ended_at >= self.KEEP_S)
        self._kept.append(runnable)
        pool.start(runnable)

    def release_ended(self) -> None:
        """Let go of (and free) every runnable whose run has ended: call it once the
        pool they ran on was joined (``waitForDone`` returned True)."""
        self._let_go(lambda r: r.ended_at is not None)

    def _let_go(self, done: Callable[[KeptRunnable], bool]) -> None:
        gone = [r for r in self._kept if done(r)]
        if gone:
            self._kept = [r for r in self._kept if not done(r)]
        for r in gone:
            free_runnable(r)

    def __len__(self) -> int:
        return len(self._kept)


class _LatestSignals(QObject):
    done = Signal(int, object, object)  # ticket, result, exception


class _LatestRunnable(KeptRunnable):
    def __init__(self, owner: "LatestOnly") -> None:
        super().__init__()
        self.owner = owner

    def work(self) -> None:
        owner = self.owner
        while True:
            with owner._lock:
                item = owner._pending
                owner._pending = None
                if item is None:
                    owner._running = False
                    return
            ticket, fn, args = item
            result, error = None, None
            try:
                result = fn(*args)
            except Exception as exc:
                error = exc
            with owner._lock:
                owner._unread += 1  # answered, not yet handled on the GUI thread
            try:
                owner._signals.done.emit(ticket, result, error)
            except RuntimeError:  # "Signal source has been deleted": the owner was torn down
                return  # with this answer in flight (the interpreter exiting): nobody to tell


class LatestOnly(QObject):
    """One worker thread that only ever runs the newest request (the viewer's loader).

    ``submit(fn, *args)`` replaces any request not yet started; when the call ends,
    ``done(result, error)`` is emitted on the GUI thread only if no newer request was
    made meanwhile, so holding an arrow key never builds a backlog.
    """

    done = Signal(object, object)  # result, exception (one of them is None)

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        import threading

        self._lock = threading.Lock()
        self._pending = None
        self._running = False
        self._unread = 0  # answers emitted by the worker, not yet handled (busy())
        self._ticket = 0
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _LatestSignals()
        self._signals.done.connect(self._landed)
        self._closed = False
        self._keeper = RunnableKeeper()

    def submit(self, fn: Callable[..., Any], *args) -> int:
        if self._closed:
            return self._ticket
        with self._lock:
            self._ticket += 1
            self._pending = (self._ticket, fn, args)
            start = not self._running
            self._running = True
        if start:
            self._keeper.start(self._pool, _LatestRunnable(self))
        return self._ticket

    def cancel(self) -> None:
        with self._lock:
            self._ticket += 1
            self._pending = None

    def busy(self) -> bool:
        """Whether a request is pending or running, or its answer not yet handled here."""
        return self._running or self._unread > 0

    def _landed(self, ticket: int, result, error) -> None:
        with self._lock:
            self._unread -= 1
        self._on_done(ticket, result, error)

    def _on_done(self, ticket: int, result, error) -> None:
        if ticket == self._ticket and not self._closed:
            self.done.emit(result, error)

    def wait(self, timeout_ms: int = 10000) -> bool:
        """Wait for the request running now (and one pending) to end; its ``done`` is still
        delivered by the event loop."""
        return self._pool.waitForDone(timeout_ms)

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        self._closed = True
        self.cancel()
        ok = self._pool.waitForDone(timeout_ms)
        if ok:
            self._keeper.release_ended()
        return ok


class LatestInOrder(LatestOnly):
    """A :class:`LatestOnly` (a request not yet started is replaced by a newer one) whose
    every request that ran answers, in the order asked (one thread): for a reader whose
    caller can tell a stale answer itself. The History's trail read for the image shown
    is newer than the trail on screen even when another was asked for meanwhile; dropped,
    with keys coming faster than a slow read, none was shown until they stopped.
    ``cancel()`` still drops the answers of what was asked before it."""

    _floor = 0  # the ticket of the last cancel: answers to older requests are dropped

    def cancel(self) -> None:
        super().cancel()
        self._floor = self._ticket

    def _on_done(self, ticket: int, result, error) -> None:
        if ticket > self._floor and not self._closed:
            self.done.emit(result, error)
