"""The grid's item model: a list of image ids from an SQL query, records fetched lazily.

``set_query(filter, sort, descending)`` asks the project for the ids in one SQL
query (filtering and sorting never happen in Python). Records are fetched on demand
in windows of ``WINDOW`` rows and kept in a small LRU of windows; after a review
action ``refresh_ids([id])`` re-reads just those rows. Thumbnails come from a
:class:`~llmvis_desktop.qt.thumb_loader.ThumbLoader`; a row whose thumbnail arrives
gets a ``dataChanged``. Thumbnails are asked for at the cell's size times the screen's
device pixel ratio (:func:`thumb_pixels`), so a 2x screen gets twice the pixels.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Iterable, Optional, Sequence

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QThreadPool, Qt, QTimer, Signal, Slot

from ...core.store.records import ImageFilter, ImageRecord
from ...core.wording import CONTROL_NOTE, visible_name
from ..workers import RunnableKeeper
from ..style import LABELLED_WORDS, badge_status
from .grid_fetch import _FetchRunner, _FetchSignals  # noqa: F401 (importable from here, as before)

RecordRole = Qt.ItemDataRole.UserRole + 1
ThumbRole = Qt.ItemDataRole.UserRole + 2
IdRole = Qt.ItemDataRole.UserRole + 3
ThumbErrorRole = Qt.ItemDataRole.UserRole + 4

# what a record change can change: never Qt.SizeHintRole (cells are uniform), so the
# view repaints those cells and does not restart its 100k-row layout
RECORD_ROLES = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, RecordRole, ThumbRole,
                ThumbErrorRole]

WINDOW = 256
MAX_WINDOWS = 64
MAX_PENDING_WINDOWS = 8  # a fast scroll leaves old requests behind: keep the newest
PAINTED_KEPT = 4  # windows painted last, read again at once by refresh_all

log = logging.getLogger(__name__)


#: a window of rows whose read failed (the database locked, or unreachable) is offered to
#: the view again this long after: its rows on screen are read again when painted
RETRY_MS = 2000


def thumb_pixels(size: int, ratio: float) -> int:
    """Device pixels of a ``size`` (logical pixels) thumbnail on a screen of ``ratio``."""
    return max(1, round(size * ratio))


class GridModel(QAbstractListModel):
    query_changed = Signal()
    #: the records of rows read again (after :meth:`refresh_all`) that changed
    rows_reread = Signal(object)

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.project = None
        self.loader = None
        self.thumb_size = 160
        self.thumb_ratio = 1.0  # device pixel ratio of the view (the delegate keeps it up to date)
        self.filter: Optional[ImageFilter] = None
        self.sort = "name"
        self.descending = False
        self._ids: list[int] = []
        self._row_of: dict[int, int] = {}
        self._windows: OrderedDict[int, list[Optional[ImageRecord]]] = OrderedDict()
        self._label_colors: dict[str, str] = {}
        # background window fetches for painting (``cached_record``): newest first
        self._generation = 0  # bumped when the id list changes: late windows are dropped
        self._edit_seq = 0  # bumped when rows are re-read: a window read before is stale
        self._edited: dict[int, int] = {}  # image id -> the edit count when its row last changed here
        self._all_edited = 0  # the edit count when every row was dropped (refresh_all)
        # windows held whose rows may be out of date (refresh_all): painted as they are
        # while read again, then only the rows that changed are repainted
        self._stale: set[int] = set()
        self._painted: OrderedDict[int, None] = OrderedDict()  # windows painted last, newest last
        self._painted_last = -1
        self._fetch_lock = threading.Lock()
        self._fetch_stack: list[tuple] = []  # (generation, seq, window, project, ids)
        self._fetch_wanted: set[int] = set()  # windows queued or in flight
        self._fetch_running = False
        self._fetch_pool = QThreadPool(self)
        self._fetch_pool.setMaxThreadCount(1)
        self._fetch_keeper = RunnableKeeper()
        self._fetch_signals = _FetchSignals()
        self._fetch_signals.fetched.connect(self._on_fetched)
        self._closed = False
        # windows whose read failed: offered to the view again (a repaint reads those on
        # screen); else the grid stayed grey placeholders once the database answered
        # again, until something happened to repaint it (a scroll, the mouse)
        self._failed: set[int] = set()
        self._retry_timer = QTimer(self)
        self._retry_timer.setSingleShot(True)
        self._retry_timer.timeout.connect(self._retry_failed)

    # --- setup --------------------------------------------------------------
    def set_project(self, project, loader=None, query: bool = True, labels=None) -> None:
        """Show ``project``'s images (unfiltered, by name). ``query=False``: the grid stays
        empty and the caller runs the id query off the GUI thread and hands the ids to
        :meth:`set_ids` (the window: at 100k images the query froze it for 0.2-0.35 s).
        ``labels``: the project's labels, read off the GUI thread (else read here)."""
        self.project = project
        self._closed = False
        if loader is not None:
            if self.loader is not None:
                self.loader.ready.disconnect(self._thumb_ready)
            self.loader = loader
            loader.ready.connect(self._thumb_ready)
            # the window joins the loader's threads at shutdown: ours go with them
            loader.join_on_shutdown(self.shutdown)
        if self.loader is not None:
            self.loader.clear()
        self.reload_labels(labels)
        if query:
            self.set_query(None, "name", False)
        else:
            self.set_ids([])
            self.set_params(None, "name", False)

    def reload_labels(self, defs=None) -> None:
        """The labels' colours, from ``defs`` (read off the GUI thread) or the project."""
        if defs is None:
            defs = self.project.labels() if self.project else []
        self._label_colors = {d.name: d.color for d in defs}

    @property
    def edit_seq(self) -> int:
        """Bumped whenever rows are changed or re-read: a caller that read rows off the GUI
        thread since a value hands them over only while it is unchanged."""
        return self._edit_seq

    def reading(self) -> bool:
        """Whether window reads asked for (rows drawn, or read again) have yet to land."""
        return bool(self._fetch_wanted)

    def edited_since(self, image_id: int, seq: int) -> bool:
        """Whether the row of ``image_id`` changed here (or every row was dropped) after the
        edit count was ``seq``: a record read off the GUI thread since then is not shown
        over it."""
        return self._edited.get(image_id, -1) > seq or self._all_edited > seq

    def label_color(self, name: str) -> str:
        return self._label_colors.get(name, "#888888")

    def set_thumb_size(self, size: int) -> None:
        if size == self.thumb_size:
            return
        self.thumb_size = size
        if self.loader is not None:
            self.loader.reset()
        if self._ids:
            self.dataChanged.emit(self.index(0), self.index(len(self._ids) - 1), [ThumbRole])

    def set_query(self, flt: Optional[ImageFilter], sort: str = "name", descending: bool = False) -> None:
        self.filter, self.sort, self.descending = flt, sort, descending
        ids = self.project.image_ids(flt, sort, descending) if self.project is not None else []
        self.set_ids(ids)
        self.query_changed.emit()

    def set_params(self, flt: Optional[ImageFilter], sort: str = "name", descending: bool = False) -> None:
        """Take a new query without running it: the window runs it off the GUI thread and
        hands the ids to :meth:`set_ids` (at 100k images a query takes 0.1-0.15 s)."""
        self.filter, self.sort, self.descending = flt, sort, descending
        self.query_changed.emit()

    def requery(self) -> None:
        """Run the current query again (after indexing added rows)."""
        self.set_query(self.filter, self.sort, self.descending)

    def set_ids(self, ids: Sequence[int], row_of: Optional[dict] = None) -> None:
        """``row_of``: the ids' rows (image id -> row), built off the GUI thread (100k ids:
        10-30 ms here)."""
        self.beginResetModel()
        self._ids = list(ids)
        self._row_of = row_of if row_of is not None else dict(zip(self._ids, range(len(self._ids))))
        self._windows.clear()
        self._stale.clear()
        self._painted.clear()
        self._painted_last = -1
        self._drop_fetches()
        if self.loader is not None:
            self.loader.reset()
        self.endResetModel()

    def clear(self) -> None:
        self.project = None
        self.set_ids([])
        self._fetch_pool.waitForDone(10000)  # a fetch in flight still holds the old project

    # --- lookups --------------------------------------------------------------
    @property
    def ids(self) -> list[int]:
        return self._ids

    def id_at(self, row: int) -> Optional[int]:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, image_id: int) -> Optional[int]:
        return self._row_of.get(image_id)

    def record_at(self, row: int, wait: bool = True) -> Optional[ImageRecord]:
        """The row's record, its window read here when not in memory or being read again
        (:meth:`refresh_all`); with ``wait`` False, the latter's row as drawn, the window read
        off the GUI thread (:attr:`rows_reread`: rows that changed). Right read it here."""
        if not 0 <= row < len(self._ids) or self.project is None:
            return None
        w = row // WINDOW
        recs = self._windows.get(w)
        if recs is None or (w in self._stale and wait):  # (read afresh, as when dropped)
            old, recs = recs, self._fetch_window(w, keep=recs)
            if old is not None:
                self._repaint_changed(w, old, recs)
        elif w in self._stale:
            self._request(w)
        else:
            self._windows.move_to_end(w)
        return recs[row - w * WINDOW]

    def record(self, image_id: int, wait: bool = True) -> Optional[ImageRecord]:
        row = self._row_of.get(image_id)
        return self.record_at(row, wait) if row is not None else None

    def drawn_record(self, image_id: int) -> Optional[ImageRecord]:
        """The record of ``image_id`` as the grid draws it (held in memory, maybe being read
        again after :meth:`refresh_all`), else None; never reads. For what a refresh does
        not change (its name), where reading on the GUI thread would stall it."""
        row = self._row_of.get(image_id)
        recs = self._windows.get(row // WINDOW) if row is not None and self.project is not None else None
        return recs[row - (row // WINDOW) * WINDOW] if recs is not None else None

    def held_record(self, image_id: int) -> Optional[ImageRecord]:
        """The record of ``image_id`` when its window is in memory and not being read again
        (its rows may be out of date), else None (nothing read)."""
        row = self._row_of.get(image_id)
        if row is None or row // WINDOW in self._stale:
            return None
        return self.drawn_record(image_id)

    def cached_record(self, row: int) -> Optional[ImageRecord]:
        """The record when its window is already in memory, else None at once.

        Painting uses this: a missing window is fetched on a worker thread (newest
        request first, with its neighbour in the scroll direction) and its rows get a
        ``dataChanged`` when it arrives; the delegate paints a placeholder meanwhile, so
        scrolling never waits for the database.
        """
        if not 0 <= row < len(self._ids) or self.project is None:
            return None
        w = row // WINDOW
        recs = self._windows.get(w)
        if w != self._painted_last:  # (a paint's cells lie in one or two windows)
            self._painted_last = w
            self._painted[w] = None
            self._painted.move_to_end(w)
            if len(self._painted) > PAINTED_KEPT:
                self._painted.popitem(last=False)
        if recs is not None:
            if w in self._stale:
                self._request(w)  # (once: while it is being read again, nothing more)
            return recs[row - w * WINDOW]
        self._request(w)
        return None

    def _request(self, w: int) -> None:
        if self._closed or w in self._fetch_wanted:
            return
        nwin = (len(self._ids) + WINDOW - 1) // WINDOW
        todo = [w]
        # the neighbour the user is moving towards, fetched after the one on screen
        ahead = w + 1 if w >= getattr(self, "_last_requested", -1) else w - 1
        self._last_requested = w
        if 0 <= ahead < nwin and ahead not in self._windows and ahead not in self._fetch_wanted:
            todo.insert(0, ahead)
        start = False
        with self._fetch_lock:
            for win in todo:
                self._fetch_wanted.add(win)
                self._fetch_stack.append((self._generation, self._edit_seq, win, self.project,
                                          self._ids[win * WINDOW:(win + 1) * WINDOW]))
            while len(self._fetch_stack) > MAX_PENDING_WINDOWS:
                self._fetch_wanted.discard(self._fetch_stack.pop(0)[2])
            if not self._fetch_running:
                self._fetch_running = start = True
        if start:
            self._fetch_keeper.start(self._fetch_pool, _FetchRunner(self))

    @Slot(int, int, int, object, object)
    def _on_fetched(self, gen: int, seq: int, w: int, recs, err) -> None:
        if gen != self._generation or self._closed:
            return
        self._fetch_wanted.discard(w)
        if err is not None:
            log.warning("grid window %d: %s", w, err)
            self._failed.add(w)
            if not self._retry_timer.isActive():
                self._retry_timer.start(RETRY_MS)
            return
        old = self._windows.get(w) if w in self._stale else None
        if w in self._windows and old is None:
            return  # read synchronously meanwhile (record_at): that copy is as new
        first = w * WINDOW
        if seq != self._edit_seq and any(self.edited_since(i, seq) for i in self._ids[first:first + len(recs)]):
            self._request(w)  # rows of it changed while it was read: read it again (not for others')
            return
        self._store_window(w, recs)
        if old is not None:  # read again after refresh_all: only the rows that changed
            self._repaint_changed(w, old, recs)
            return
        last = min(len(self._ids), first + len(recs)) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first), self.index(last), RECORD_ROLES)

    def _repaint_changed(self, w: int, old: list, recs: list) -> None:
        first = w * WINDOW
        changed = [k for k, (a, b) in enumerate(zip(old, recs)) if a != b]
        for k in changed:
            self.dataChanged.emit(self.index(first + k), self.index(first + k), RECORD_ROLES)
        if changed:
            self.rows_reread.emit([recs[k] for k in changed if recs[k] is not None])

    def _retry_failed(self) -> None:
        """Offer the rows of the windows whose read failed to the view again: those on
        screen are painted, so read again (:meth:`cached_record`); the others when shown."""
        failed, self._failed = self._failed, set()
        if self._closed:
            return
        for w in sorted(failed):
            first, last = w * WINDOW, min(len(self._ids), (w + 1) * WINDOW) - 1
            if (w not in self._windows or w in self._stale) and last >= first:
                self.dataChanged.emit(self.index(first), self.index(last), RECORD_ROLES)

    def _drop_fetches(self) -> None:
        self._generation += 1
        with self._fetch_lock:
            self._fetch_stack.clear()
        self._fetch_wanted.clear()

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Stop background window fetches and join the thread (window close, tests)."""
        self._closed = True
        self._drop_fetches()
        ok = self._fetch_pool.waitForDone(timeout_ms)
        if ok:
            self._fetch_keeper.release_ended()  # (each runner holds this model)
        return ok

    def put_window(self, w: int, recs: list) -> None:
        """The records of window ``w`` of the ids just set, read off the GUI thread (the
        row about to be selected: :meth:`record_at` reads nothing then)."""
        if 0 <= w * WINDOW < len(self._ids) and len(recs) == len(self._ids[w * WINDOW:(w + 1) * WINDOW]):
            self._store_window(w, list(recs))

    def _store_window(self, w: int, recs: list) -> None:
        self._windows[w] = recs
        self._windows.move_to_end(w)
        self._stale.discard(w)
        while len(self._windows) > MAX_WINDOWS:
            self._stale.discard(self._windows.popitem(last=False)[0])

    def _fetch_window(self, w: int, keep: Optional[list] = None) -> list[Optional[ImageRecord]]:
        ids = self._ids[w * WINDOW:(w + 1) * WINDOW]
        by_id = {r.id: r for r in self.project.images(ids)}
        recs = [by_id.get(i) for i in ids]
        if keep is not None:  # rows changed here since refresh_all (a write in flight shown): newer
            recs = [k if self._edited.get(i, -1) > self._all_edited else r for i, r, k in zip(ids, recs, keep)]
        self._store_window(w, recs)
        return recs

    def update_records(self, records: Iterable[ImageRecord]) -> None:
        """Put records an action already returned into the model (no database read)."""
        self._edit_seq += 1
        for rec in records:
            self._edited[rec.id] = self._edit_seq
            row = self._row_of.get(rec.id)
            if row is None:
                continue
            w = row // WINDOW
            recs = self._windows.get(w)
            if recs is not None:
                recs[row - w * WINDOW] = rec
            idx = self.index(row)
            self.dataChanged.emit(idx, idx, RECORD_ROLES)

    def refresh_ids(self, ids: Iterable[int]) -> None:
        """Re-read these rows from the database (after an action changed them). Only rows
        of windows in memory: the others are read fresh when they are shown (a team's
        suggestion jobs name thousands of rows, read on the GUI thread)."""
        ids = list(ids)
        rows = [r for r in (self._row_of[i] for i in ids if i in self._row_of) if (r // WINDOW) in self._windows]
        self._edit_seq += 1  # a window being fetched now is fetched again (it may hold old rows)
        for i in ids:
            self._edited[i] = self._edit_seq
        if not rows or self.project is None:
            return
        fresh = {r.id: r for r in self.project.images([self._ids[r] for r in rows])}
        for row in rows:
            w = row // WINDOW
            recs = self._windows.get(w)
            if recs is not None:
                recs[row - w * WINDOW] = fresh.get(self._ids[row])
            idx = self.index(row)
            self.dataChanged.emit(idx, idx, RECORD_ROLES)

    def refresh_all(self) -> None:
        """Every row may have changed (an index found files changed): the windows held are
        read again off the GUI thread, those painted last at once, the others when next
        painted; their rows stay drawn as they were meanwhile, and only the rows whose
        record changed are repainted. Dropping them all, as before, painted the whole
        grid as grey placeholders, then again once read (at the end of an F5 re-index)."""
        self._edit_seq += 1
        self._all_edited = self._edit_seq
        self._stale = set(self._windows)
        for w in list(self._painted):
            if w in self._stale:
                self._request(w)

    # --- Qt model API -----------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = index.row()
        if role == IdRole:
            return self.id_at(row)
        # what is drawn: a window being read again (refresh_all) as it is, never read here
        rec = self.cached_record(row) if (row // WINDOW) in self._stale else self.record_at(row)
        if rec is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return visible_name(rec.name)
        if role == RecordRole:
            return rec
        if role == ThumbRole:
            return self.thumb_for(row, rec)
        if role == ThumbErrorRole:
            return self.loader.error(rec.id) if self.loader is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            shown = visible_name(rec.relpath)  # whole, on one line
            badge = badge_status(rec.status, rec.labels, rec.caption)
            parts = [shown, f"status: {LABELLED_WORDS.get(badge, rec.status)}"]
            if rec.repair_output:  # (the tile's "copy" badge while unreviewed)
                source = visible_name(rec.repair_source) if rec.repair_source else "another image"
                parts.insert(1, f"a repaired copy of {source} (a linked repair's output: N skips it)")
            if shown != rec.relpath:
                parts.insert(1, CONTROL_NOTE)
            if rec.width:
                parts.append(f"{rec.width}×{rec.height} {rec.format or ''} {rec.bit_depth or ''}-bit")
            if rec.labels:
                parts.append("labels: " + ", ".join(rec.labels))
            if rec.caption:
                parts.append(rec.caption[:200])
            if rec.error:
                parts.append("error: " + rec.error)
            return "\n".join(parts)
        return None

    def thumb_for(self, row: int, rec: ImageRecord, ratio: Optional[float] = None):
        """The thumbnail of ``rec`` (at ``row``) for a screen of device pixel ratio
        ``ratio`` (None: ``thumb_ratio``), or None (then it is queued): the delegate's
        direct path, without a ``data()`` round trip through Qt. While the size asked
        for is on its way, another size already in memory stands in, scaled."""
        if self.loader is None or self.project is None:
            return None
        if ratio is None:
            ratio = self.thumb_ratio
        px = thumb_pixels(self.thumb_size, ratio)
        pm = self.loader.cached(rec.id, px)
        if pm is not None:
            return pm
        pm = self.loader.pixmap(rec.id, self.project.path_of(rec), px, ratio)
        if pm is not None:
            return pm
        return self.loader.stand_in(rec.id, px, ratio)

    def _thumb_ready(self, image_ids) -> None:
        rows = [r for r in map(self._row_of.get, image_ids) if r is not None]
        if rows:
            # one range for the batch: the view repaints once, not once per cell
            self.dataChanged.emit(self.index(min(rows)), self.index(max(rows)), [ThumbRole])
