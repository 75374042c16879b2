"""The grid's item model: a list of image ids from an SQL query, records fetched lazily.

``set_query(filter, sort, descending)`` asks the project for the ids in one SQL
query (filtering and sorting never happen in Python). Records are fetched on demand
in windows of ``WINDOW`` rows and kept in a small LRU of windows; after a review
action ``refresh_ids([id])`` re-reads just those rows. Thumbnails come from a
:class:`~llmvis_desktop.qt.thumb_loader.ThumbLoader`; a row whose thumbnail arrives
gets a ``dataChanged``.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Iterable, Optional, Sequence

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, Qt, Signal

from ...core.store.records import ImageFilter, ImageRecord

RecordRole = Qt.ItemDataRole.UserRole + 1
ThumbRole = Qt.ItemDataRole.UserRole + 2
IdRole = Qt.ItemDataRole.UserRole + 3
ThumbErrorRole = Qt.ItemDataRole.UserRole + 4

WINDOW = 256
MAX_WINDOWS = 64


class GridModel(QAbstractListModel):
    query_changed = Signal()

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.project = None
        self.loader = None
        self.thumb_size = 160
        self.filter: Optional[ImageFilter] = None
        self.sort = "name"
        self.descending = False
        self._ids: list[int] = []
        self._row_of: dict[int, int] = {}
        self._windows: OrderedDict[int, list[Optional[ImageRecord]]] = OrderedDict()
        self._label_colors: dict[str, str] = {}

    # --- setup --------------------------------------------------------------
    def set_project(self, project, loader=None) -> None:
        self.project = project
        if loader is not None:
            if self.loader is not None:
                self.loader.ready.disconnect(self._thumb_ready)
            self.loader = loader
            loader.ready.connect(self._thumb_ready)
        if self.loader is not None:
            self.loader.clear()
        self.reload_labels()
        self.set_query(None, "name", False)

    def reload_labels(self) -> None:
        self._label_colors = {d.name: d.color for d in self.project.labels()} if self.project else {}

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

    def requery(self) -> None:
        """Run the current query again (after indexing added rows)."""
        self.set_query(self.filter, self.sort, self.descending)

    def set_ids(self, ids: Sequence[int]) -> None:
        self.beginResetModel()
        self._ids = list(ids)
        self._row_of = {image_id: row for row, image_id in enumerate(self._ids)}
        self._windows.clear()
        if self.loader is not None:
            self.loader.reset()
        self.endResetModel()

    def clear(self) -> None:
        self.project = None
        self.set_ids([])

    # --- lookups --------------------------------------------------------------
    @property
    def ids(self) -> list[int]:
        return self._ids

    def id_at(self, row: int) -> Optional[int]:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, image_id: int) -> Optional[int]:
        return self._row_of.get(image_id)

    def record_at(self, row: int) -> Optional[ImageRecord]:
        if not 0 <= row < len(self._ids) or self.project is None:
            return None
        w = row // WINDOW
        recs = self._windows.get(w)
        if recs is None:
            recs = self._fetch_window(w)
        else:
            self._windows.move_to_end(w)
        return recs[row - w * WINDOW]

    def record(self, image_id: int) -> Optional[ImageRecord]:
        row = self._row_of.get(image_id)
        return self.record_at(row) if row is not None else None

    def _fetch_window(self, w: int) -> list[Optional[ImageRecord]]:
        ids = self._ids[w * WINDOW:(w + 1) * WINDOW]
        by_id = {r.id: r for r in self.project.images(ids)}
        recs = [by_id.get(i) for i in ids]
        self._windows[w] = recs
        while len(self._windows) > MAX_WINDOWS:
            self._windows.popitem(last=False)
        return recs

    def refresh_ids(self, ids: Iterable[int]) -> None:
        """Re-read these rows from the database (after an action changed them)."""
        rows = [self._row_of[i] for i in ids if i in self._row_of]
        if not rows or self.project is None:
            return
        fresh = {r.id: r for r in self.project.images([self._ids[r] for r in rows])}
        for row in rows:
            w = row // WINDOW
            recs = self._windows.get(w)
            if recs is not None:
                recs[row - w * WINDOW] = fresh.get(self._ids[row])
            idx = self.index(row)
            self.dataChanged.emit(idx, idx)

    def refresh_all(self) -> None:
        self._windows.clear()
        if self._ids:
            self.dataChanged.emit(self.index(0), self.index(len(self._ids) - 1))

    # --- Qt model API -----------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = index.row()
        if role == IdRole:
            return self.id_at(row)
        rec = self.record_at(row)
        if rec is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return rec.name
        if role == RecordRole:
            return rec
        if role == ThumbRole:
            if self.loader is None:
                return None
            return self.loader.pixmap(rec.id, self.project.path_of(rec), self.thumb_size)
        if role == ThumbErrorRole:
            return self.loader.error(rec.id) if self.loader is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            parts = [rec.relpath, f"status: {rec.status}"]
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

    def _thumb_ready(self, image_id: int) -> None:
        row = self._row_of.get(image_id)
        if row is not None:
            idx = self.index(row)
            self.dataChanged.emit(idx, idx, [ThumbRole])
