"""Other reviewers' changes, shown as they happen (a team's shared database).

Every few seconds, off the GUI thread, the project's history is asked for the events
written since the last look other than those this window wrote itself
(``Project.written_here``: its reviews, imports, jobs and index runs; not by the actor's
name, since another session, or ``llmvis ... --actor``, may write under this reviewer's
name). The same look reads what showing them takes: the changed images' rows, the open
image with its suggestion cards when it is one of them, and the taxonomy with its usage
when a teammate changed it; the GUI thread then only shows them (a burst of changes
between two looks is shown at once). The status bar says who changed how many, after
the note that the label filtered by was removed when it was. The look reads the
project's settings too: a teammate's choice of models reaches the window's copy
(:meth:`.SettingsReads.looked`), which the Suggestions menu and jobs read on the GUI
thread instead of the database. Suggestions arriving from
a model (another reviewer's job, ``llmvis suggest``) refresh the rows without a word:
Accept takes only the cards on screen, so they must be on screen.

On PostgreSQL, event ids are handed out when a change starts, not when it commits, so
a slow change (an import of thousands of rows) commits after later ones were seen. The
ids skipped so far are kept as gaps and looked at again until they show up, or for
:data:`GAP_TTL_S` (a rolled-back change leaves its ids unused for good).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Optional

from PySide6.QtCore import QObject, QTimer

from ..core.errors import connection_reason, first_line, is_connection_lost

from .panel_controller import filter_gone_text
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
        self.timer.timeout.connect(self._tick)
        self.loader = LatestOnly(self)
        self.loader.done.connect(self._on_result)
        self._project = None
        self._last: Optional[int] = None  # newest event id handled; None: not asked yet
        self._gaps: list[tuple[int, int, float]] = []  # (lo, hi, since): ids below _last not seen yet
        self._labels: Optional[list[str]] = None  # the taxonomy at the last look
        self._failing = False  # the last look failed (said once, not every few seconds)
        self._looking = False  # a look was asked for and its answer not shown yet

    def start(self, project) -> None:
        self._project, self._last, self._gaps, self._labels = project, None, [], None
        self.timer.start()
        self.poll()

    def stop(self) -> None:
        self.timer.stop()
        self.loader.cancel()
        self._project, self._looking = None, False

    def shutdown(self) -> None:
        self.stop()
        self.loader.shutdown()

    def _tick(self) -> None:
        # a look under way is not replaced: the worker shows only the newest request's
        # answer, so looks slower than the interval (a slow server, a busy window) were
        # each dropped as stale, and nothing was ever shown again
        if not self._looking:
            self.poll()

    def poll(self) -> None:
        project, last = self._project, self._last
        if project is None:
            return
        if last is None:  # the first look: where the history stands, and what counts as seen
            def first_look():
                start = project.last_event_id()
                return project, start, project.events_since(max(0, start - LOOKBACK)), _names(project.labels()), None

            self._looking = True
            self.loader.submit(first_look)
            return
        gaps = [(lo, hi) for lo, hi, _ in self._gaps]
        # ids this look cannot return again: Project.written_here need not keep them
        below = min([lo for lo, _ in gaps] + [last + 1])
        cur = self.win.review.current
        ask = _Ask(self._labels, cur.id if cur is not None else None, self.win.model.edit_seq,
                   self.win.project_ctl.settings_reads.seq)
        self._looking = True
        self.loader.submit(lambda: (project, None, *_look(project, last, gaps, below, ask)))

    def _on_result(self, result, error) -> None:
        self._looking = False  # (the worker shows the newest look's answer only: this one)
        if error is not None:  # an unreachable database must not break the window: said once
            if not self._failing:
                self._failing = True
                # the driver's reason alone (first_line's "the connection ... failed (...); try
                # again when it can be reached" inside this line said it twice)
                first = connection_reason(error)[:200] if is_connection_lost(error) else first_line(error, 200)
                log.warning("looking for other reviewers' changes: %s", error)
                self.win.statusBar().showMessage(f"The project database cannot be reached ({first}); "
                                                 f"other reviewers' changes will show when it can", 15000)
            return
        if self._failing:  # said, as the outage was (a teammate's change found now says more)
            self._failing = False
            log.info("the project database can be reached again")
            self.win.statusBar().showMessage("The project database can be reached again", 10000)
        self.win.panel_ctl.read_again()  # the open image's panels, if they could not be read
        project, start, rows, labels, fetched = result
        if project is not self._project:
            return
        gone = None  # the label the grid was filtered by, removed
        if self._labels is not None and labels != self._labels:  # someone changed the taxonomy
            taxonomy = fetched.taxonomy if fetched is not None else None
            gone = self.win.panel_ctl.reload_labels(*(taxonomy or ()), say=False)
        self._labels = labels
        if fetched is not None:  # (a teammate's choice of models: the window's copy follows)
            self.win.project_ctl.settings_reads.looked(project, fetched.settings, fetched.settings_seq)
        if start is not None:  # the first look: what is already there is not news
            self._last = start
            self._gaps = _missing(max(0, start - LOOKBACK), start, {eid for eid, _, _ in rows if eid <= start})
            return
        if rows:
            ids = {eid for eid, _, _ in rows}
            newest = max(self._last or 0, max(ids))
            now = time.monotonic()
            gaps = [part for lo, hi, since in self._gaps if now - since < GAP_TTL_S
                    for part in _missing(lo - 1, hi, ids, since)]
            self._gaps = (gaps + _missing(self._last or 0, newest, ids, now))[-MAX_GAPS:]
            self._last = newest
        else:
            self._gaps = [g for g in self._gaps if time.monotonic() - g[2] < GAP_TTL_S]
        # not theirs: what this window wrote itself (its reviews, imports, jobs, index
        # runs: Project.written_here, left out by the look), whatever the actor's name; a
        # second session or `llmvis --actor` under this reviewer's name is news
        theirs = fetched.theirs if fetched is not None else []
        if theirs:
            by_people = {(i, a) for i, a in theirs if not a.startswith("model:")}
            self.apply(sorted({i for i, _ in theirs}), sorted({a for _, a in by_people}),
                       len({i for i, _ in by_people}), fetched=fetched, gone=gone)
        elif gone is not None:
            self.win.statusBar().showMessage(filter_gone_text(gone), 10000)

    def apply(self, image_ids: list[int], actors: list[str], n_changed: Optional[int] = None,
              fetched: Optional["_Fetched"] = None, gone: Optional[str] = None) -> None:
        """Show the changes others made to ``image_ids``; ``actors``: the people among
        them, who changed ``n_changed`` images (default: all of them). ``fetched``: the
        rows and the open image as the look read them off the GUI thread (without it, or
        when this window changed rows since the look began, they are read here). ``gone``:
        the label the grid was filtered by, removed meanwhile (said in the same line)."""
        win = self.win
        fresh = fetched is not None and fetched.edit_seq == win.model.edit_seq
        reread: list[int] = []  # read again off the GUI thread, shown when the read lands
        if len(image_ids) > MANY:
            win.model.refresh_all()  # rows are read again when shown (off the GUI thread)
        elif fresh and fetched.records is not None:
            win.model.update_records(fetched.records)
        else:  # (this window changed rows since the look began: what it read may be older)
            reread = list(image_ids)
        current = win.review.current
        if current is not None and current.id in image_ids:
            shown = fetched.current if fresh else None
            if shown is not None and shown[0].id == current.id:
                rec, suggestions, judged = shown
                win.panel_ctl.fetched = (rec.id, suggestions, judged)  # the panels read nothing
                try:
                    win.review.show_fetched(rec)
                finally:
                    win.panel_ctl.fetched = None
            elif current.id not in reread:
                reread.append(current.id)
        if reread:
            win.panel_ctl.image_reads.ask(reread)
        line = None
        if actors:  # people, not only models' suggestions (those arrive without a word)
            who = ", ".join(actors)
            n = len(image_ids) if n_changed is None else n_changed
            line = f"{who} changed {n} image{'s' if n != 1 else ''}"
        if gone is not None:  # one line: the change said after the note hid it at once
            line = filter_gone_text(gone) if line is None else \
                f"{line}; “{gone}” was removed: the grid is no longer filtered by it"
        if line is not None:
            win.statusBar().showMessage(line, 10000 if gone is not None else 8000)
        win.project_ctl.update_counts()
        win.panel_ctl.update_usage_soon()  # the label chips' counts (images not shown too)
        if actors:  # a teammate's reviews count towards the retrain every 10 reviews
            counter = getattr(getattr(win, "suggest_ctl", None), "team_reviews", None)
            if counter is not None:
                counter.check()


@dataclass(frozen=True)
class _Ask:
    """What the GUI thread knows when a look starts: the taxonomy it shows, the open
    image, the grid's edit count (a row this window changes meanwhile is not overwritten
    with what the look read)."""

    labels: Optional[list]
    current_id: Optional[int]
    edit_seq: int
    settings_seq: int = 0  # the window's settings writes so far (a look begun before one is not taken)


@dataclass
class _Fetched:
    """What a look read for the GUI thread to show (no database read there)."""

    theirs: list  # (image id, actor) of the events not written by this window
    edit_seq: int
    records: Optional[list] = None  # the changed images' rows; None: too many (re-read when shown)
    current: Optional[tuple] = None  # the open image changed: (record, suggestions, judged)
    taxonomy: Optional[tuple] = None  # the taxonomy changed: (label defs, usage)
    settings: Optional[dict] = None  # the project's settings
    settings_seq: int = 0


def _look(project, last: int, gaps, below: int, ask: _Ask) -> tuple:
    """Off the GUI thread: the events since the last look, the taxonomy, and what the GUI
    thread needs to show the others' changes: (rows, names, :class:`_Fetched`)."""
    project.forget_written(below)
    rows = project.events_since(last, gaps)
    defs = project.labels()
    names = _names(defs)
    fetched = _Fetched([(i, a) for eid, i, a in rows if not project.written_here(eid)], ask.edit_seq,
                       settings=project.settings(), settings_seq=ask.settings_seq)
    if ask.labels is not None and names != ask.labels:
        fetched.taxonomy = (defs, project.label_usage())
    ids = sorted({i for i, _ in fetched.theirs})
    if ids and len(ids) <= MANY:
        fetched.records = project.images(ids)
    if ask.current_id is not None and ask.current_id in ids:
        rec = next((r for r in fetched.records or () if r.id == ask.current_id), None)
        if rec is not None:
            fetched.current = (rec, *project.suggestion_cards(rec.id))  # one transaction
    return rows, names, fetched


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


def _names(defs) -> list[tuple]:
    """The taxonomy as the window shows it: names, colours, keys and order (a teammate's
    recolour or new key writes no image event: compared here, it reloads the panel)."""
    return [(d.name, d.color, d.shortcut, d.position) for d in defs]
