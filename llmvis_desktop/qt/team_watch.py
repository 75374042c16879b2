"""Other reviewers' changes, shown as they happen (a team's shared database).

Every few seconds, off the GUI thread, the project's history is asked for the people's
events written since the last look, other than this reviewer's own. The grid rows of
the images they touched are re-read, the open image is shown afresh when it is one of
them, and the status bar says who changed how many; a taxonomy changed elsewhere
reloads the label panel, filter and colours. Suggestions arriving from a model
are left out: this window's own jobs refresh their rows themselves.

On PostgreSQL, event ids are handed out when a change starts, not when it commits, so
a slow change can commit after a later one was seen. The look therefore goes back
:data:`LOOKBACK` ids each time, and remembers the ids it has handled.
"""
from __future__ import annotations

import logging
from typing import Optional

from PySide6.QtCore import QObject, QTimer

from ..core.errors import first_line

from .workers import LatestOnly

log = logging.getLogger(__name__)

POLL_MS = 3000
LOOKBACK = 200  # event ids looked at again, for changes that committed late
MANY = 200  # more images than this changed at once: the grid re-reads what it shows


class TeamWatch(QObject):
    def __init__(self, win, interval_ms: int = POLL_MS) -> None:
        super().__init__(win)
        self.win = win
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.poll)
        self.loader = LatestOnly(self)
        self.loader.done.connect(self._on_result)
        self._project = None
        self._last: Optional[int] = None  # newest event id handled; None: not asked yet
        self._handled: set[int] = set()
        self._labels: Optional[list[str]] = None  # the taxonomy at the last look
        self._failing = False  # the last look failed (said once, not every few seconds)

    def start(self, project) -> None:
        self._project, self._last, self._handled, self._labels = project, None, set(), None
        self.timer.start()
        self.poll()

    def stop(self) -> None:
        self.timer.stop()
        self.loader.cancel()
        self._project = None

    def shutdown(self) -> None:
        self.stop()
        self.loader.shutdown()

    def poll(self) -> None:
        project, last = self._project, self._last
        if project is None:
            return
        me = self.win.config.reviewer or "anonymous"
        if last is None:  # the first look: where the history stands, and what counts as seen
            def first_look():
                start = project.last_event_id()
                return project, start, project.changes_after(max(0, start - LOOKBACK), me), _names(project)

            self.loader.submit(first_look)
        else:
            self.loader.submit(lambda: (project, None, project.changes_after(max(0, last - LOOKBACK), me),
                                        _names(project)))

    def _on_result(self, result, error) -> None:
        if error is not None:  # an unreachable database must not break the window: said once
            if not self._failing:
                self._failing = True
                first = first_line(error, 200)
                log.warning("looking for other reviewers' changes: %s", error)
                self.win.statusBar().showMessage(f"The project database cannot be reached ({first}); "
                                                 f"other reviewers' changes will show when it can", 15000)
            return
        if self._failing:
            self._failing = False
            log.info("the project database can be reached again")
        project, start, rows, labels = result
        if project is not self._project:
            return
        if self._labels is not None and labels != self._labels:  # someone changed the taxonomy
            self.win.panel_ctl.reload_labels()
        self._labels = labels
        if start is not None:  # the first look: what is already there is not news
            self._last = start
            self._handled = {eid for eid, _, _ in rows if eid <= start}
            return
        fresh = [(eid, image_id, actor) for eid, image_id, actor in rows if eid not in self._handled]
        if not fresh:
            return
        self._handled.update(eid for eid, _, _ in fresh)
        self._last = max(self._last or 0, max(eid for eid, _, _ in fresh))
        floor = self._last - LOOKBACK
        self._handled = {e for e in self._handled if e > floor}
        self.apply(sorted({image_id for _, image_id, _ in fresh}), sorted({actor for _, _, actor in fresh}))

    def apply(self, image_ids: list[int], actors: list[str]) -> None:
        """Show the changes others made to ``image_ids``."""
        win = self.win
        if len(image_ids) > MANY:
            win.model.refresh_all()
        else:
            win.model.refresh_ids(image_ids)
        current = win.review.current
        if current is not None and current.id in image_ids:
            win.review.show_from_database(current.id)
        who = ", ".join(actors)
        n = len(image_ids)
        win.statusBar().showMessage(f"{who} changed {n} image{'s' if n != 1 else ''}", 8000)
        win.project_ctl.update_counts()


def _names(project) -> list[str]:
    return [d.name for d in project.labels()]
