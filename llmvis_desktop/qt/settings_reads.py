"""The open project's settings, read on a worker for a dialog about to open.

On a team's PostgreSQL 50 ms away (round trip) one ``project.settings()`` held the GUI
thread ~200 ms: the Models dialog read them twice as it opened (0.5 s), Export…/Import…
once (the form's saved choices). :meth:`SettingsReads.read` reads them on a worker and
hands them to ``then`` on the GUI thread, where the dialog then opens with them (on
SQLite within a pass of the event loop: no loading state to flash). A read that lands
after the project was closed (or another opened), or after a newer read for the same
purpose was asked, is dropped; a failed read gives ``then(None)`` (the dialog reads them
itself, as before, and says what went wrong as it did).
"""
from __future__ import annotations

import logging
from typing import Callable, Optional

from PySide6.QtCore import QObject

from .workers import LatestOnly

log = logging.getLogger(__name__)


def _settings_of(project) -> dict:
    return project.settings()


class SettingsReads(QObject):
    def __init__(self, win, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.win = win
        self._loaders: dict[str, LatestOnly] = {}
        self._then: dict[str, tuple] = {}  # purpose -> (project, then) of the newest read

    def read(self, purpose: str, then: Callable[[Optional[dict]], None]) -> None:
        """Read the window's project's settings off the GUI thread, then ``then(settings)``
        on it (see the module docstring). Nothing when no project is open."""
        project = self.win.project
        if project is None:
            return
        loader = self._loaders.get(purpose)
        if loader is None:
            loader = self._loaders[purpose] = LatestOnly(self)
            loader.done.connect(lambda result, error, p=purpose: self._done(p, result, error))
        self._then[purpose] = (project, then)
        loader.submit(_settings_of, project)

    def pending(self, purpose: str) -> bool:
        """A read for ``purpose`` is under way (its dialog is about to open)."""
        return purpose in self._then

    def _done(self, purpose: str, result, error) -> None:
        project, then = self._then.pop(purpose, (None, None))
        if then is None or project is not self.win.project:
            return  # the project was closed (or another opened) meanwhile: not its dialog
        if error is not None:
            log.warning("the project's settings, read for a dialog: %s", error)
            result = None
        then(result)

    def wait(self, timeout_ms: int = 10000) -> None:
        """The project is closing: the reads under way end first (their answers dropped)."""
        self._then.clear()
        for loader in self._loaders.values():
            loader.cancel()
            loader.wait(timeout_ms)

    def shutdown(self) -> None:
        self._then.clear()
        for loader in self._loaders.values():
            loader.shutdown()
