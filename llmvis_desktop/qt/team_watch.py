"""Other reviewers' changes, shown as they happen (a team's shared database).

Every few seconds, off the GUI thread, the project's history is asked for the people's
events written since the last look, other than this reviewer's own and those of this
window's own index runs (``Project.indexed_here``). The grid rows of
the images they touched are re-read, the open image is shown afresh when it is one of
them, and the status bar says who changed how many; a taxonomy changed elsewhere
reloads the label panel, filter and colours. Suggestions arriving from a model (another
reviewer's job, ``llmvis suggest``) refresh the rows without a word: Accept takes only the
cards on screen, so they must be on screen.

On PostgreSQL, event ids are handed out when a change starts, not when it commits, so
a slow change (an import of thousands of rows) commits after later ones were seen. The
ids skipped so far are kept as gaps and looked at again until they show up, or for
:data:`GAP_TTL_S` (a rolled-back change leaves its ids unused for good).
"""
from __future__ import annotations

import logging
import time
from typing import Optional

from PySide6.QtCore import QObject, QTimer

from ..core.errors import first_line

from .workers import LatestOnly

log = logging.getLogger(__name__)

POLL_MS = 3000
LOOKBACK = 200  # at the first look: ids below the newest that may still commit
GAP_TTL_S = 900.0  # ids skipped this long are taken for a rolled-back change's
MAX_GAPS = 200  # ranges of skipped ids kept (the oldest go first)
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
        self._gaps: list[tuple[int, int, float]] = []  # (lo, hi, since): ids below _last not seen yet
        self._labels: Optional[list[str]] = None  # the taxonomy at the last look
        self._failing = False  # the last look failed (said once, not every few seconds)

    def start(self, project) -> None:
        self._project, self._last, self._gaps, self._labels = project, None, [], None
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
        if last is None:  # the first look: where the history stands, and what counts as seen
            def first_look():
                start = project.last_event_id()
                return project, start, project.events_since(max(0, start - LOOKBACK)), _names(project)

            self.loader.submit(first_look)
        else:
            gaps = [(lo, hi) for lo, hi, _ in self._gaps]
            self.loader.submit(lambda: (project, None, project.events_since(last, gaps), _names(project)))

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
            self._gaps = _missing(max(0, start - LOOKBACK), start, {eid for eid, _, _ in rows if eid <= start})
            return
        if not rows:
            self._gaps = [g for g in self._gaps if time.monotonic() - g[2] < GAP_TTL_S]
            return
        ids = {eid for eid, _, _ in rows}
        newest = max(self._last or 0, max(ids))
        now = time.monotonic()
        gaps = [part for lo, hi, since in self._gaps if now - since < GAP_TTL_S
                for part in _missing(lo - 1, hi, ids, since)]
        self._gaps = (gaps + _missing(self._last or 0, newest, ids, now))[-MAX_GAPS:]
        self._last = newest
        me = self.win.config.reviewer or "anonymous"
        # not theirs: this reviewer's own, and what this window's own index wrote (its
        # status-bar line says what it found; "indexer changed N images" is for another
        # process's index)
        theirs = [(image_id, actor) for eid, image_id, actor in rows
                  if actor != me and not project.indexed_here(eid)]
        if theirs:
            by_people = {(i, a) for i, a in theirs if not a.startswith("model:")}
            self.apply(sorted({i for i, _ in theirs}), sorted({a for _, a in by_people}),
                       len({i for i, _ in by_people}))

    def apply(self, image_ids: list[int], actors: list[str], n_changed: Optional[int] = None) -> None:
        """Show the changes others made to ``image_ids``; ``actors``: the people among
        them, who changed ``n_changed`` images (default: all of them)."""
        win = self.win
        if len(image_ids) > MANY:
            win.model.refresh_all()
        else:
            win.model.refresh_ids(image_ids)
        current = win.review.current
        if current is not None and current.id in image_ids:
            win.review.show_from_database(current.id)
        if actors:  # people, not only models' suggestions (those arrive without a word)
            who = ", ".join(actors)
            n = len(image_ids) if n_changed is None else n_changed
            win.statusBar().showMessage(f"{who} changed {n} image{'s' if n != 1 else ''}", 8000)
        win.project_ctl.update_counts()


def _missing(after: int, upto: int, seen: set, since: Optional[float] = None) -> list[tuple[int, int, float]]:
    """The ranges of ids in (after, upto] not in ``seen``, each (lo, hi, since)."""
    since = time.monotonic() if since is None else since
    out, lo = [], after + 1
    for eid in sorted(e for e in seen if after < e <= upto):
        if eid > lo:
            out.append((lo, eid - 1, since))
        lo = eid + 1
    if lo <= upto:
        out.append((lo, upto, since))
    return out


def _names(project) -> list[tuple]:
    """The taxonomy as the window shows it: names, colours, keys and order (a teammate's
    recolour or new key writes no image event: compared here, it reloads the panel)."""
    return [(d.name, d.color, d.shortcut, d.position) for d in project.labels()]
