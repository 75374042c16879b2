"""Opens a project off the GUI thread.

Opening a folder for the first time makes its database and runs the Alembic
migrations (0.14-0.4 s); the demo is first built (1.4 s of image writing). On the GUI
thread that froze the window. :class:`ProjectOpener` runs the opening (a function
returning a :class:`~llmvis_desktop.core.project.Project`) on a thread of its own and
hands the project to the GUI thread with ``opened(request, project, prepared)`` (what
the request's ``prepare`` read from it on that thread too, or None), or the exception
with ``failed(request, exc)``.

One open at a time, the newest wins: a request made while another runs supersedes it
(one thread: an open that has not started yet is skipped, one under way finishes and
its project is closed unused, never handed out), so clicking two recent projects in a
row opens the second, and two opens of the demo never write its files at once.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Optional

from PySide6.QtCore import QObject, QThreadPool, Signal

from .workers import KeptRunnable, RunnableKeeper

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpenRequest:
    folder: str  # as asked (the key that tells a repeated request)
    db_url: Optional[str]
    index: bool
    name: str  # what the status bar says: "Opening NAME…"
    work: Callable[[], Any]  # on the opener's thread: returns the opened Project
    #: on the opener's thread too, once the project is open: what the window reads first
    #: (its result is handed out with the project; None if it failed: read again then)
    prepare: Optional[Callable[[Any], Any]] = None


class _Signals(QObject):
    done = Signal(int, object, object, object)  # generation, project, exception, prepared


class _OpenRunnable(KeptRunnable):
    def __init__(self, owner: "ProjectOpener", gen: int, request: OpenRequest) -> None:
        super().__init__()
        self.owner, self.gen, self.fn, self.prepare = owner, gen, request.work, request.prepare

    def _stale(self) -> bool:
        return self.owner._closed or self.gen != self.owner._gen

    def work(self) -> None:
        if self._stale():  # superseded before it started: not opened at all
            return
        project, error, prepared = None, None, None
        try:
            project = self.fn()
        except Exception as exc:
            error = exc
        if project is not None and self.prepare is not None and not self._stale():
            try:
                prepared = self.prepare(project)
            except Exception as exc:  # (a locked database) the window reads them itself
                log.warning("reading %s as it opens: %s", getattr(project, "root", "?"), exc)
        if project is not None and self._stale():  # superseded meanwhile: nobody takes it
            project.close()
            project = None
        self.owner._signals.done.emit(self.gen, project, error, prepared)


class _CloseRunnable(KeptRunnable):
    def __init__(self, project) -> None:
        super().__init__()
        self.project = project

    def work(self) -> None:
        try:
            self.project.close()
        except Exception as exc:  # (a database gone meanwhile) nothing is left to close
            log.warning("closing %s: %s", getattr(self.project, "root", "?"), exc)
        self.project = None


class ProjectOpener(QObject):
    opened = Signal(object, object, object)  # OpenRequest, Project, what its prepare read (or None)
    failed = Signal(object, object)  # OpenRequest, exception

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._keeper = RunnableKeeper()
        self._signals = _Signals()
        self._signals.done.connect(self._on_done)
        self._gen = 0
        self._closed = False
        #: the open under way (None when none is)
        self.request: Optional[OpenRequest] = None

    def busy(self) -> bool:
        return self.request is not None

    def start(self, request: OpenRequest) -> None:
        """Open ``request`` (superseding the open under way, if any)."""
        if self._closed:
            return
        self._gen += 1
        self.request = request
        self._keeper.start(self._pool, _OpenRunnable(self, self._gen, request))

    def cancel(self) -> None:
        """Drop the open under way: its project, once open, is closed unused."""
        self._gen += 1
        self.request = None

    def close_later(self, project) -> None:
        """Close ``project`` (its database's connections) on the opener's thread, before
        any open asked for after this call; at once, here, once the opener is shut down."""
        if self._closed:
            project.close()
            return
        self._keeper.start(self._pool, _CloseRunnable(project))

    def wait(self, timeout_ms: int = -1) -> bool:
        return self._pool.waitForDone(timeout_ms)

    def _on_done(self, gen: int, project, error, prepared) -> None:
        if gen != self._gen or self._closed:
            if project is not None:
                self.close_later(project)
            return
        request, self.request = self.request, None
        if error is not None:
            self.failed.emit(request, error)
        else:
            self.opened.emit(request, project, prepared)

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        self._closed = True
        self.cancel()
        ok = self._pool.waitForDone(timeout_ms)
        if ok:
            self._keeper.release_ended()
        return ok
