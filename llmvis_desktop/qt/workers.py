"""Run core long functions off the GUI thread.

A core long function takes ``(token, progress, *args)`` (see ``core.tasks``) and
never sees a thread or a signal. :class:`Job` wraps one call as a ``QRunnable`` with
a small signals object living on the GUI thread (so every signal arrives there,
queued): ``progress(Progress)``, ``result(object)``, ``error(BaseException)``,
``cancelled()`` and ``finished()`` (always last). :class:`JobManager` owns a
private ``QThreadPool``, keeps every job until it has finished, cancels them all and
joins the pool on :meth:`JobManager.shutdown`, so no thread outlives the window.

Usage::

    jobs = JobManager(parent=window)
    job = jobs.start("Index folder", project.index)
    job.signals.result.connect(on_done)

The newest-request-only reader (:class:`LatestOnly`) and the runnables Python keeps
(:class:`KeptRunnable`) are in :mod:`.latest_only`, importable from here too.
"""
from __future__ import annotations

import logging
import sys
import time
from typing import Any, Callable, Optional

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from ..core.errors import first_line, said_in_words
from ..core.tasks import FOREGROUND, CancelToken, Cancelled, Progress, lower_thread_priority
from ..core.wording import one_line
from .latest_only import KeptRunnable, LatestInOrder, LatestOnly, RunnableKeeper, free_runnable  # noqa: F401  (imported from here)

log = logging.getLogger(__name__)


def void(fn: Callable[..., Any]) -> Callable[..., None]:
    """Wrap a callable used as a slot so that it returns None (a lambda around
    ``emit()`` or a method returning a bool hands PySide a value it does not need;
    see the emit/True note in ``llmvis_desktop/qt/__init__.py``)."""

    def slot(*args) -> None:
        fn(*args)

    return slot


def foreground(fn: Callable[..., Any]) -> Callable[..., None]:
    """Like :func:`void`, and background threads step aside while it runs (a review
    action the reviewer is waiting on; see :class:`~llmvis_desktop.core.tasks.Foreground`)."""

    def slot(*args) -> None:
        with FOREGROUND.action(ACTION_HOLD_S):  # and while the window repaints what it changed
            fn(*args)

    return slot


ACTION_HOLD_S = 0.05

GUI_SWITCH_INTERVAL_S = 0.0005


def favour_gui_thread() -> None:
    """Shorten the interpreter's thread switch interval (5 ms by default) while worker
    threads run Python.

    The GUI thread releases the GIL inside many Qt calls and must take it back before
    every Python slot, delegate ``paint`` or ``data()`` call; with a worker busy in
    Python (header reading, record windows, thumbnails) each take-back waits up to the
    switch interval, and a frame makes dozens of them. Measured on the 100k bench
    (2 busy cores): accept-and-next median 54 -> 35 ms, longest stall while indexing
    68 -> 36 ms. Never lengthens an interval someone set shorter.
    """
    if sys.getswitchinterval() > GUI_SWITCH_INTERVAL_S:
        sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)


def background_thread() -> None:
    """Lower the calling worker thread's CPU priority below the GUI thread's.

    On two cores, a header reader, two thumbnail decoders and a record fetcher are
    runnable at once with the GUI thread; at equal priority the scheduler gave the
    GUI thread a third of a core while it painted. Only for threads that never hold
    a lock the GUI thread waits for (thumbnail decoders, the grid's record reader);
    see :func:`~llmvis_desktop.core.tasks.lower_thread_priority`. Off Linux, Qt's
    thread priority is used. Idempotent; failures are ignored.
    """
    if lower_thread_priority():
        return
    try:
        from PySide6.QtCore import QThread

        QThread.currentThread().setPriority(QThread.Priority.LowPriority)
    except RuntimeError:
        pass


PROGRESS_INTERVAL_MS = 250  # job_changed for progress: at most 4 per second per job

STATE_QUEUED = "queued"
STATE_RUNNING = "running"
STATE_DONE = "done"
STATE_FAILED = "failed"
STATE_CANCELLED = "cancelled"


def disconnect_all(obj: QObject) -> None:
    """Disconnect every slot from every signal ``obj``'s class declares (not QObject's own).

    A slot connected to a signal is kept by Qt, out of the cyclic collector's sight: a
    lambda holding the object that holds ``obj`` (``lambda j=job: ...`` on
    ``job.signals``) made a cycle no collection could free, and with it whatever the
    lambda held (a job's project, its database engine, the window)."""
    meta = obj.metaObject()
    for i in range(meta.methodOffset(), meta.methodCount()):
        method = meta.method(i)
        if method.methodType() == method.MethodType.Signal and obj.isSignalConnected(method):
            getattr(obj, bytes(method.name().data()).decode()).disconnect()


class JobSignals(QObject):
    progress = Signal(object)  # Progress
    result = Signal(object)
    error = Signal(object)  # the exception
    cancelled = Signal()
    finished = Signal()
    # after ``finished`` went to every slot (the job manager's own: it releases the job then)
    sent = Signal()


class Job(QRunnable):
    """One call of a core long function on the pool.

    ``fn(token, progress, *args, **kwargs)``; ``job.cancel()`` sets the token (the
    function stops at its next ``token.check()``).
    """

    _next_id = 1

    def __init__(self, name: str, fn: Callable[..., Any], *args, **kwargs) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the manager holds it; Python owns its lifetime
        self.id = Job._next_id
        Job._next_id += 1
        self.name = name
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.token = CancelToken()
        self.signals = JobSignals()
        self.state = STATE_QUEUED
        self.started_at: Optional[float] = None
        self.ended_at: Optional[float] = None
        self.last_progress: Optional[Progress] = None
        self.error: Optional[BaseException] = None
        self.cancelled_by: Optional[Cancelled] = None  # what the cancel raised, once cancelled
        self.result: Any = None
        self.cancel_reason = ""  # why the window cancelled it, when not the reviewer's Cancel
        self._stage_started: dict[str, float] = {}
        self._waiting_since: Optional[float] = None  # a stage's wait began (Progress.waiting)

    # --- called from the GUI thread -----------------------------------------
    def release(self) -> None:
        """Let go of what only the run needed, once ``finished`` has reached every slot:
        the function and its arguments (a bound method of the project, the project
        itself), every slot connected to :attr:`signals` (lambdas holding this job, a
        controller, the project) and the tracebacks of ``error`` and ``cancelled_by``
        (their frames hold the function's locals). The manager keeps the last finished
        jobs for the Jobs panel; they kept each closed project, its database engine and
        caches alive. ``result``, ``error`` and the state stay."""
        self.fn, self.args, self.kwargs = None, (), {}
        for exc in (self.error, self.cancelled_by):
            if exc is not None:
                exc.__traceback__ = None
        disconnect_all(self.signals)

    def cancel(self, reason: str = "") -> None:
        if reason and not self.token.cancelled:
            self.cancel_reason = reason
        self.token.cancel()

    @property
    def is_active(self) -> bool:
        return self.state in (STATE_QUEUED, STATE_RUNNING)

    def fraction(self) -> Optional[float]:
        p = self.last_progress
        if p is None or not p.total:
            return None
        return max(0.0, min(1.0, p.done / p.total))

    def eta(self) -> Optional[float]:
        """Seconds left for the current stage, from its rate so far (None when unknown)."""
        p = self.last_progress
        if (p is None or not p.total or p.done <= 0 or self.state != STATE_RUNNING
                or getattr(p, "waiting", False)):  # (its message says the wait)
            return None
        started = self._stage_started.get(p.stage)
        if started is None:
            return None
        elapsed = time.monotonic() - started
        if elapsed < 0.2:
            return None
        return elapsed / p.done * max(0, p.total - p.done)

    def rate(self) -> Optional[float]:
        """Items per second in the current stage."""
        p = self.last_progress
        started = self._stage_started.get(p.stage) if p else None
        if p is None or started is None or p.done <= 0 or getattr(p, "waiting", False):
            return None
        elapsed = time.monotonic() - started
        return p.done / elapsed if elapsed > 0.2 else None

    # --- runs on a pool thread ---------------------------------------------
    def _progress(self, p: Progress) -> None:
        self.token.check()  # cancelling also stops work that only reports progress
        now = time.monotonic()
        if p.done <= 0:  # nothing done yet (still loading models...): the clock starts at the last such report
            self._stage_started[p.stage] = now
        else:
            self._stage_started.setdefault(p.stage, now)
        waited = getattr(self.last_progress, "waiting", False) and self.last_progress.stage == p.stage
        if getattr(p, "waiting", False):
            if not waited:
                self._waiting_since = now
        elif waited and self._waiting_since is not None:
            # the wait (the project database held by another writer) is over: not counted in the rate
            self._stage_started[p.stage] += now - self._waiting_since
            self._waiting_since = None
        self.last_progress = p
        self.signals.progress.emit(p)

    def run(self) -> None:  # noqa: D401 - QRunnable API
        # no background_thread() here: jobs take the store's write lock, and a thread
        # that may not raise its priority again must not hold a lock the GUI waits on
        self.state = STATE_RUNNING
        self.started_at = time.monotonic()
        try:
            self.token.check()
            self.result = self.fn(self.token, self._progress, *self.args, **self.kwargs)
        except Cancelled as exc:  # (a suggest job's says what it stored: SuggestCancelled)
            self.cancelled_by = exc
            self.state = STATE_CANCELLED
            self.ended_at = time.monotonic()
            self.signals.cancelled.emit()
        except BaseException as exc:  # reported to the GUI, never lost
            if said_in_words(exc):  # a full disk, a refusal...: the window says it; no traceback
                log.warning("job %r failed: %s", self.name, one_line(first_line(exc)))
            else:  # a bug: its traceback
                log.exception("job %r failed", self.name)
            self.error = exc
            self.state = STATE_FAILED
            self.ended_at = time.monotonic()
            self.signals.error.emit(exc)
        else:
            self.state = STATE_DONE
            self.ended_at = time.monotonic()
            self.signals.result.emit(self.result)
        finally:
            self.signals.finished.emit()
            self.signals.sent.emit()


class JobManager(QObject):
    """Starts, tracks, cancels and joins jobs. One per main window."""

    job_added = Signal(object)  # Job
    job_changed = Signal(object)  # Job (progress or state)
    job_finished = Signal(object)  # Job
    active_changed = Signal(int)  # number of active jobs

    def __init__(self, parent: Optional[QObject] = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        favour_gui_thread()
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._jobs: list[Job] = []
        self._closed = False
        self._progress_last: dict[int, float] = {}  # job id -> when job_changed last went out
        self._progress_due: set[int] = set()  # job ids with a coalesced update scheduled

    @property
    def jobs(self) -> list[Job]:
        return list(self._jobs)

    def active(self) -> list[Job]:
        return [j for j in self._jobs if j.is_active]

    def start(self, name: str, fn: Callable[..., Any], *args, **kwargs) -> Job:
        if self._closed:
            raise RuntimeError("the job manager is shut down")
        job = Job(name, fn, *args, **kwargs)
        job.signals.progress.connect(void(lambda _p, j=job: self._on_progress(j)))
        job.signals.finished.connect(lambda j=job: self._on_finished(j))
        # Released (every slot disconnected) only once ``finished`` has been sent to every
        # slot: its queued calls are posted one by one by the pool thread, and when that
        # thread lost its core after posting the first (the manager's), the GUI thread ran
        # it and a release it scheduled before the rest were posted; a dialog's ``finished``
        # slot was then never called (the repair dialog's Run stayed off, on a loaded machine)
        job.signals.sent.connect(lambda j=job: j.release())
        self._jobs.append(job)
        # forget old finished jobs, keep the list short; never one whose run ended just now
        # (its pool thread may still be on its way out of it: see KeptRunnable)
        now = time.monotonic()
        done = [j for j in self._jobs if not j.is_active and (j.ended_at or now) < now - RunnableKeeper.KEEP_S]
        for old in done[:-20]:
            self._jobs.remove(old)
            free_runnable(old)  # (the pool made it C++'s: never freed otherwise)
        self.job_added.emit(job)
        self.active_changed.emit(len(self.active()))
        # start on the next event-loop turn: signals the caller connects right after
        # start() returns can never miss an early result or error
        QTimer.singleShot(0, self, lambda j=job: self._launch(j))
        return job

    def _on_progress(self, job: Job) -> None:
        """Coalesce progress: ``job_changed`` at most every ``PROGRESS_INTERVAL_MS`` per
        job (a progress bar's ``setValue`` repaints synchronously; a job reporting every
        few milliseconds would keep the GUI thread painting status widgets)."""
        if job.id in self._progress_due:
            return  # an update is already scheduled; it will show the latest progress
        now = time.monotonic()
        wait_ms = int((self._progress_last.get(job.id, 0.0) + PROGRESS_INTERVAL_MS / 1000 - now) * 1000)
        if wait_ms <= 0:
            self._emit_progress(job)
            return
        self._progress_due.add(job.id)
        QTimer.singleShot(wait_ms, self, lambda j=job: self._emit_progress(j))

    def _emit_progress(self, job: Job) -> None:
        self._progress_due.discard(job.id)
        if not job.is_active:
            return  # finished meanwhile: _on_finished reported the final state
        self._progress_last[job.id] = time.monotonic()
        self.job_changed.emit(job)

    def _launch(self, job: Job) -> None:
        if self._closed or job.token.cancelled:
            job.state = STATE_CANCELLED
            job.ended_at = time.monotonic()
            job.signals.cancelled.emit()
            job.signals.finished.emit()
            job.signals.sent.emit()
            return
        self.pool.start(job)

    def _on_finished(self, job: Job) -> None:
        self._progress_last.pop(job.id, None)
        self.job_changed.emit(job)
        self.job_finished.emit(job)
        self.active_changed.emit(len(self.active()))

    def cancel(self, job: Job) -> None:
        job.cancel()

    def cancel_all(self, reason: str = "") -> None:
        """Cancel every job; ``reason`` (why, when the window does it) is said where each ends."""
        for job in self._jobs:
            job.cancel(reason)

    def wait(self, timeout_ms: int = -1) -> bool:
        return self.pool.waitForDone(timeout_ms)

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Cancel every job and join the pool; returns False when a job did not stop in time."""
        self._closed = True
        self.cancel_all()
        self.pool.clear()  # queued jobs that never started
        ok = self.pool.waitForDone(timeout_ms)
        if not ok:
            log.warning("jobs still running after %d ms: %s", timeout_ms,
                        [j.name for j in self.active()])
        else:  # the pool is done with every job: their C++ side goes (their Python state stays)
            for job in self._jobs:
                free_runnable(job)
        return ok
