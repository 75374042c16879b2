"""The thumbnail grid: a ``QListView`` laid out as a wrapping grid with uniform item sizes.

Uniform sizes let Qt lay out 100k rows without asking each one for its size; only
visible rows are painted (and so fetched and thumbnailed). Ctrl+wheel or
:meth:`set_thumb_size` changes the thumbnail size; ``current_changed(image_id)``
reports the image the keyboard or mouse moved to.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Optional

from PySide6.QtCore import QItemSelectionModel, QPersistentModelIndex, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle

from ...core.config import THUMBNAIL_SIZE_MAX, THUMBNAIL_SIZE_MIN
from ...core.tasks import FOREGROUND
from ..models.grid_model import IdRole
from ..workers import void
from .grid_delegate import GridDelegate

MIN_SIZE, MAX_SIZE = THUMBNAIL_SIZE_MIN, THUMBNAIL_SIZE_MAX  # (Settings offers the same range)


class GridView(QListView):
    current_changed = Signal(object)  # image id or None
    activated_id = Signal(int)  # double click / Return on an image
    thumb_size_changed = Signal(int)

    def __init__(self, parent=None, thumb_size: int = 160) -> None:
        super().__init__(parent)
        # List mode flowing left to right with wrapping draws the same grid as icon
        # mode, but its layout is a flat array of positions: icon mode builds one item
        # object per row, which at 100k rows took ~0.25-0.45 s on the GUI thread at
        # every reset and resize. Batched layout (2000 rows a slice) in list mode
        # finishes the whole 100k-row range within a few ms slices, so the scroll
        # range is right almost at once and no slice stalls the event loop.
        self.setViewMode(QListView.ViewMode.ListMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setUniformItemSizes(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(2000)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setWrapping(True)
        self.setSpacing(2)
        self.setMouseTracking(True)
        self.setObjectName("grid")
        # clamped here too: a config.json size of 0 or 5000 was used as it was
        self.delegate = GridDelegate(self, max(MIN_SIZE, min(MAX_SIZE, int(thumb_size))))
        self.setItemDelegate(self.delegate)
        self._apply_size()
        self.doubleClicked.connect(self._on_double_click)
        self._keep: Optional[QPersistentModelIndex] = None  # the current image to keep in view after a resize
        self._keep_timer = QTimer(self, singleShot=True, interval=0)
        self._keep_timer.timeout.connect(self._keep_current_in_view)

    def setModel(self, model) -> None:  # noqa: N802 - Qt API
        old = self.selectionModel()
        super().setModel(model)
        if old is not None:
            old.deleteLater()
        self.selectionModel().currentChanged.connect(self._on_current)
        model.modelReset.connect(void(self._on_reset))

    def dataChanged(self, top_left, bottom_right, roles=()) -> None:  # noqa: N802 - Qt API
        """Repaint the changed cells, never re-lay out the grid.

        ``QListView`` in list mode answers every ``dataChanged`` (a thumbnail arriving,
        a record window fetched) with a full delayed re-layout of all rows; with
        uniform cell sizes data can never move a cell, so skip straight to the
        item-view base, which only updates the cells' rectangles.
        """
        QAbstractItemView.dataChanged(self, top_left, bottom_right, list(roles or ()))

    #: drawn in the empty grid (a filter that matches nothing); "" draws nothing
    empty_text = ""

    def set_empty_text(self, text: str) -> None:
        if text != self.empty_text:
            self.empty_text = text
            self.viewport().update()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        # background threads step aside while the visible cells are painted
        with FOREGROUND.busy():
            self._note_widest_names()
            super().paintEvent(event)
        model = self.model()
        if self.empty_text and model is not None and model.rowCount() == 0:
            from PySide6.QtGui import QPainter

            with QPainter(self.viewport()) as painter:
                painter.setPen(self.palette().color(self.palette().ColorRole.PlaceholderText))
                rect = self.viewport().rect().adjusted(16, 16, -16, -16)
                painter.drawText(rect, int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
                                           | Qt.TextFlag.TextWordWrap), self.empty_text)

    def _note_widest_names(self) -> None:
        """Tell the delegate the widest file name of each folder among the tiles on screen
        (from the records in memory: no database), so it cuts a folder alike on each of
        its tiles. The rows on screen follow from the uniform grid: whole rows of
        ``columns`` cells from the scroll offset."""
        model = self.model()
        cached = getattr(model, "cached_record", None)
        grid = self.gridSize()
        if cached is None or not grid.isValid() or grid.width() <= 0 or grid.height() <= 0:
            return
        columns = max(1, (self.layout_width() - 1) // grid.width())
        first = self.verticalScrollBar().value() // grid.height() * columns
        last = min(model.rowCount(), first + (self.viewport().height() // grid.height() + 2) * columns)
        advance = self.delegate.name_advance
        widest: dict[str, str] = {}
        for row in range(first, last):
            rec = cached(row)
            if rec is None:
                continue
            folder, _, name = rec.relpath.rpartition("/")
            if folder:
                now = widest.get(folder)
                if now is None or advance(name) > advance(now):
                    widest[folder] = name
        self.delegate.widest_names = widest

    # --- thumbnail size -----------------------------------------------------
    @property
    def thumb_size(self) -> int:
        return self.delegate.thumb_size

    def set_thumb_size(self, size: int) -> None:
        size = max(MIN_SIZE, min(MAX_SIZE, int(size)))
        if size == self.delegate.thumb_size:
            return
        current = self.currentIndex()
        self.delegate.thumb_size = size
        self._apply_size()
        model = self.model()
        if model is not None and hasattr(model, "set_thumb_size"):
            model.set_thumb_size(size)
        if current.isValid():
            self.scrollTo(current, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.thumb_size_changed.emit(size)

    def _apply_size(self) -> None:
        cell = self.delegate.cell_size()
        self.setIconSize(QSize(self.delegate.thumb_size, self.delegate.thumb_size))
        self.verticalScrollBar().setSingleStep(max(20, cell.height() // 4))
        self.fit_columns()

    #: the gap between two cells (in the grid cell, outside the delegate's rectangle)
    GAP = 4

    def layout_width(self) -> int:
        """The width the list lays its rows out in: the viewport with room for the
        vertical scroll bar kept whether it shows or not (as ``QListView`` lays out a
        left-to-right flow, so the columns do not jump when the bar comes and goes)."""
        width = self.maximumViewportSize().width()
        style = self.style()
        bar = self.verticalScrollBar()
        if (self.verticalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAsNeeded
                and not style.pixelMetric(QStyle.PixelMetric.PM_ScrollView_ScrollBarOverlap, None, bar)):
            width -= style.pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, bar)
            if style.styleHint(QStyle.StyleHint.SH_ScrollView_FrameOnlyAroundContents, None, self):
                width -= 2 * style.pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth, None, self)
        return width

    def fit_columns(self) -> None:
        """Columns that fill the row: as many as fit at the thumbnail size (at least one),
        each cell widened so that they span the width (the blank strip on the right was
        up to a cell wide: 2 tiles and 135 px of nothing in a 476 px grid). The grid is
        set again only when the column count or the cell width changes, so a resize lays
        the rows out once (as it did) and a scroll or repaint never."""
        natural = self.delegate.cell_size()
        step = natural.width() + self.GAP
        # a row of n cells fits while n * cell <= width - 1 (QListView wraps the cell
        # whose right edge would reach the last pixel)
        room = self.layout_width() - 1
        columns = max(1, room // step)
        cell_w = max(step, room // columns)
        grid = QSize(cell_w, natural.height() + self.GAP)
        if grid == self.gridSize() and self.delegate.cell_width == cell_w - self.GAP:
            return
        self.delegate.cell_width = cell_w - self.GAP
        self.setGridSize(grid)  # (a delayed layout: with a resize's own, one)

    #: called with each key press before the list's own handling (its search by letter took
    #: a disabled review action's key, unsaid); True: handled
    key_hook = None

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self.key_hook is None or not self.key_hook(event):
            super().keyPressEvent(event)

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            step = 16 if event.angleDelta().y() > 0 else -16
            self.set_thumb_size(self.delegate.thumb_size + step)
            event.accept()
            return
        super().wheelEvent(event)

    # --- current image ------------------------------------------------------
    def current_id(self) -> Optional[int]:
        idx = self.currentIndex()
        return idx.data(IdRole) if idx.isValid() else None

    def select_row(self, row: int) -> None:
        model = self.model()
        if model is None or not 0 <= row < model.rowCount():
            return
        idx = model.index(row, 0)
        self.selectionModel().setCurrentIndex(
            idx, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self._scroll_when_laid_out(QPersistentModelIndex(idx), 40)

    def _scroll_when_laid_out(self, idx: QPersistentModelIndex, tries: int) -> None:
        """Scroll to ``idx``; while the batched layout has not reached its row yet (a
        position restored far down just after opening), try again shortly."""
        if not idx.isValid() or self.currentIndex().row() != idx.row():
            return  # moved on meanwhile
        index = self.model().index(idx.row(), 0)
        if self.visualRect(index).isValid() or tries <= 0:
            self.scrollTo(index)
            return
        QTimer.singleShot(50, self, lambda: self._scroll_when_laid_out(idx, tries - 1))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        """Keep the current image in view when the grid is resized, if it was in view:
        the grid kept its pixel offset with fewer (or more) columns, and the current
        image went off screen (a window made smaller, a dock widened)."""
        old, current = event.oldSize(), self.currentIndex()
        pending = self._keep_timer.isActive() and self._keep is not None and self._keep.row() == current.row()
        if not pending and current.isValid() and old.isValid():  # (pending: decided on an earlier layout)
            vp = self.viewport()
            before = QRect(0, 0, old.width() - (self.width() - vp.width()),
                           old.height() - (self.height() - vp.height()))
            if self.visualRect(current).intersects(before):
                self._keep = QPersistentModelIndex(current)
                self._keep_timer.start()
        super().resizeEvent(event)
        self.fit_columns()

    def _keep_current_in_view(self) -> None:
        keep, self._keep = self._keep, None
        if keep is None or not keep.isValid() or self.currentIndex().row() != keep.row():
            return
        self.executeDelayedItemsLayout()  # the new columns, before scrolling
        self._scroll_when_laid_out(keep, 40)

    def _on_current(self, current, _previous) -> None:
        if not self._holding:
            self.current_changed.emit(current.data(IdRole) if current.isValid() else None)

    def _on_reset(self) -> None:
        if not self._holding:
            self.current_changed.emit(None)

    _holding = False

    @contextmanager
    def holding_current(self) -> Iterator[None]:
        """Model changes made inside report the current image once, afterwards, and only
        if it changed: a re-query that keeps the image reported None, then the image
        again, and a caption being typed was saved half-way and its editor refilled."""
        before = self.current_id()
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
        now = self.current_id()
        if now != before:
            self.current_changed.emit(now)

    def _on_double_click(self, index) -> None:
        if index.isValid():
            self.activated_id.emit(index.data(IdRole))
