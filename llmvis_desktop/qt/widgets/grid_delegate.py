"""Paints one grid cell: thumbnail (or a placeholder), name, status bar, label dots,
repair and error badges (an unreviewed repair output's status badge says "copy", not N), and a "strip WxH" badge on a line-scan strip (its thumbnail is
folded: :mod:`llmvis_desktop.core.imaging.strip_view`). Painting never touches the disk or the database beyond the
model's cached record; a missing thumbnail is requested by the model and painted as
a placeholder until it arrives.
"""
from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ...core.imaging.strip_view import is_strip
from ...core.store.records import REPAIR_OUTPUTS, counted_as
from ...core.wording import visible_name
from ..models.grid_model import RecordRole, ThumbErrorRole, ThumbRole
from ..style import (
    REPAIR_BADGE,
    REPAIR_COPY_GLYPH,
    NoticeColors,
    badge_status,
    contrast_text,
    status_color,
    status_glyph,
)
from .tile_names import tile_text

TEXT_H = 18
PAD = 4


#: the error text's box inside the tile: below the badges (3 + 16 + 3 px), above the
#: label dots and the status bar (17 px from the bottom)
ERROR_TOP = 22
ERROR_BOTTOM = 19
_WRAPPED = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap

OVERLAY_CACHE = 512  # distinct (status, badges, label colours, size) overlays kept
NAME_CACHE = 20000  # tile texts (FOLDER/NAME, elided) kept


def folder_and_name(relpath: str) -> tuple[str, str]:
    """(the folder, "" at the project's top; the file name) of ``relpath``, as shown."""
    folder, _, name = relpath.rpartition("/")
    return visible_name(folder), visible_name(name)


def badge_text(color: QColor) -> str:
    """A badge's letter colour on ``color``: black or white, whichever reads (4.5:1); white
    on a translucent dark badge. White on every badge was 2.65:1 on "missing" orange, 3.25:1
    on "new" grey, 3.47:1 on "reviewed" green."""
    return contrast_text(color.name()) if color.alpha() == 255 else "#ffffff"


class GridDelegate(QStyledItemDelegate):
    """Paints with as few Qt calls per cell as it can.

    Every call from Python into Qt releases and re-takes the GIL; while workers run
    Python (indexing, thumbnails, record windows) each re-take can wait, so a cell's
    cost is its number of Qt calls. The status bar, badges and label dots are drawn
    once per distinct combination into a small transparent overlay pixmap and reused;
    elided names are kept in a dict; no painter save/restore per cell (every cell sets
    the pen and font it uses).
    """

    def __init__(self, parent=None, thumb_size: int = 160) -> None:
        super().__init__(parent)
        self.thumb_size = thumb_size
        self._font = QFont()
        self._font.setPointSizeF(max(7.0, self._font.pointSizeF() * 0.9))
        self._badge_font = QFont(self._font)
        self._badge_font.setBold(True)
        self._fm = QFontMetrics(self._font)
        # from the font, not fixed pixels: under the OS's large text (a font twice the
        # default) an 18 px name line cut the names' lower half, a 16 px badge its letter
        self._text_h = max(TEXT_H, self._fm.height())
        self._badge_h = max(16, QFontMetrics(self._badge_font).capHeight() + 8)
        self._error_top = max(ERROR_TOP, self._badge_h + 6)
        self._overlays: dict[tuple, QPixmap] = {}
        self._names: dict[tuple[str, int], str] = {}
        self._error_fg = QColor("#8b1a1a")  # the "!" badge (white on it, in either theme)
        self._tiles: tuple = (None, None)  # (the palette's base colour, its tile colours)
        self._center = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter
        #: the width the grid gives each cell, wider than :meth:`cell_size` where the columns
        #: are stretched to fill the row (:meth:`GridView.fit_columns`); 0: the natural width
        self.cell_width = 0
        #: folder -> the widest file name of that folder on screen (raw, as in relpaths),
        #: set by the view before each paint: a folder is cut alike on each of its tiles
        self.widest_names: dict[str, str] = {}
        self._advances: dict[str, int] = {}

    def cell_size(self) -> QSize:
        """The natural cell: the thumbnail and the name line, with their padding."""
        return QSize(self.thumb_size + 2 * PAD, self.thumb_size + self._text_h + 3 * PAD)

    def sizeHint(self, option, index) -> QSize:  # noqa: N802 - Qt API
        cell = self.cell_size()
        return QSize(max(cell.width(), self.cell_width), cell.height())

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        model = index.model()
        row = index.row()
        # never wait for the database while painting: a window not yet in memory is
        # fetched in the background and this cell repainted when it arrives
        cached = getattr(model, "cached_record", None)
        rec = cached(row) if cached is not None else index.data(RecordRole)
        r = option.rect
        state = option.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.fillRect(r, option.palette.highlight())
        elif state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(r, option.palette.alternateBase())
        size = self.thumb_size
        x, y = r.x(), r.y()
        # the thumbnail its chosen size, centred in a cell widened to fill the row
        bx, by = x + max(PAD, (r.width() - size) // 2), y + PAD
        if rec is None:
            painter.fillRect(bx, by, size, size, self._tile_colors(option.palette)[0])
            return
        dpr = self._dpr(painter)
        thumb = getattr(model, "thumb_for", None)
        if thumb is not None:
            if getattr(model, "thumb_ratio", dpr) != dpr:
                model.thumb_ratio = dpr  # for data(ThumbRole) too
            pm = thumb(row, rec, dpr)
        else:
            pm = index.data(ThumbRole)
        if pm is not None and not pm.isNull():
            # sizes in logical pixels: a pixmap made for a 2x screen has twice the pixels
            pr = pm.devicePixelRatio()
            w, h = round(pm.width() / pr), round(pm.height() / pr)
            if w > size or h > size:  # made for a larger size or another screen
                side = round(size * dpr)
                pm = pm.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                               Qt.TransformationMode.SmoothTransformation)
                pm.setDevicePixelRatio(dpr)
                w, h = round(pm.width() / dpr), round(pm.height() / dpr)
            elif max(w, h) * 2 <= size:  # a tiny image (a 10x10 dose grid): whole pixels, enlarged
                pm, w, h = self._enlarged(pm, w, h, size)
            painter.drawPixmap(bx + (size - w) // 2, by + (size - h) // 2, pm)
        else:
            err = index.data(ThumbErrorRole) or rec.error
            placeholder, error_bg, error_fg = self._tile_colors(option.palette)
            painter.fillRect(bx, by, size, size, error_bg if err else placeholder)
            if err:  # between the badges (top) and the label dots and status bar (bottom)
                painter.setPen(error_fg)
                painter.setFont(self._font)
                top = self._error_top
                box = QRect(bx + 6, by + top, size - 12, max(self._fm.height(), size - top - ERROR_BOTTOM))
                painter.drawText(box, _WRAPPED, self._error_text(err, box.width(), box.height()))
        painter.drawPixmap(bx, by, self._overlay(dpr, model, rec, size))
        # name
        painter.setPen(option.palette.highlightedText().color() if selected else option.palette.text().color())
        painter.setFont(self._font)
        # the name has the cell's whole width (less the padding), not only the thumbnail's
        text_w = max(size, r.width() - 2 * PAD)
        painter.drawText(x + (r.width() - text_w) // 2, by + size + PAD, text_w, self._text_h, self._center,
                         self.tile_name(rec.relpath, text_w))
        if state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(QPen(option.palette.highlight().color().darker(130), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(r.adjusted(1, 1, -1, -1))

    def _tile_colors(self, palette) -> tuple:
        """(placeholder ground, error ground, error text) of a tile with no thumbnail for
        ``palette``: the light theme's (a light grey; dark red on pink) or a dark theme's
        (light islands in a dark grid, before). Worked out again when the palette's base
        changes (the OS switched light/dark)."""
        base = palette.base().color().rgba()
        if self._tiles[0] != base:
            c = NoticeColors(palette)
            self._tiles = (base, (QColor(c.placeholder), QColor(c.tile_error_bg), QColor(c.error_fg)))
        return self._tiles[1]

    @property
    def _placeholder(self) -> QColor:
        """The placeholder ground for the application's palette now."""
        from PySide6.QtWidgets import QApplication

        return self._tile_colors(QApplication.palette())[0]

    @property
    def _error_bg(self) -> QColor:
        """An unreadable image's tile ground for the application's palette now."""
        from PySide6.QtWidgets import QApplication

        return self._tile_colors(QApplication.palette())[1]

    def _enlarged(self, pm: QPixmap, w: int, h: int, size: int):
        """``pm`` (``w`` x ``h`` logical pixels, at most half the tile) enlarged a whole
        number of times to fill the ``size`` tile, nearest neighbour (each pixel a sharp
        square, as a reviewer of a tiny dose grid or mask expects): it was drawn as a speck.
        Made once per pixmap and size."""
        key = ("\0big", pm.cacheKey(), size)
        got = self._overlays.get(key)
        k = size // max(w, h)
        if got is None:
            if len(self._overlays) >= OVERLAY_CACHE:
                self._overlays.clear()
            got = self._overlays[key] = pm.scaled(pm.width() * k, pm.height() * k, Qt.AspectRatioMode.IgnoreAspectRatio,
                                                  Qt.TransformationMode.FastTransformation)
        return got, w * k, h * k

    def _error_text(self, err: str, width: int, height: int) -> str:
        """``err`` with a warning sign, cut at a word with an ellipsis where it would not
        fit ``width`` x ``height`` wrapped (a too-large image's reason ran under the
        badges and off the bottom); the viewer and the tooltip say it whole."""
        key = ("\0error", err, width, height)
        text = self._names.get(key)
        if text is not None:
            return text

        def fits(t: str) -> bool:
            return self._fm.boundingRect(QRect(0, 0, width, 100000), _WRAPPED, t).height() <= height

        text = "⚠ " + visible_name(" ".join(err.split()))
        if not fits(text):
            words = text.split(" ")
            lo, hi = 1, len(words) - 1  # the most words that fit with the ellipsis
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if fits(" ".join(words[:mid]) + "…"):
                    lo = mid
                else:
                    hi = mid - 1
            text = " ".join(words[:lo]).rstrip(":,;(") + "…"
            if not fits(text):  # one word too long even alone: one line, elided
                text = self._fm.elidedText(text, Qt.TextElideMode.ElideRight, width)
        if len(self._names) >= NAME_CACHE:
            self._names.clear()
        self._names[key] = text
        return text

    def tile_name(self, relpath: str, size: int) -> str:
        """The text under a tile ``size`` wide for the image at ``relpath``: one line, its
        control characters escaped (:func:`visible_name`: a tab was drawn as a wide gap and
        elided the name to "tab…png", a newline wrapped it into two clipped lines). A file
        in a subfolder is FOLDER/NAME (the same names in each patient's, series' or lot's
        folder looked alike); where that does not fit, what tells files apart stays longest
        (each folder's ends, the stem's last number): :mod:`.tile_names`; a folder is cut as it is
        beside the widest name of that folder on screen (:attr:`widest_names`), so alike on
        each of its tiles. Made once per path, size and widest name (kept)."""
        folder = relpath.rpartition("/")[0]
        widest = self.widest_names.get(folder, "") if folder else ""
        key = (relpath, size, widest)
        text = self._names.get(key)
        if text is None:
            if len(self._names) >= NAME_CACHE:
                self._names.clear()
            shown_widest = folder_and_name(f"{folder}/{widest}")[1] if widest else ""
            text = self._names[key] = self._tile_text(*folder_and_name(relpath), size, shown_widest)
        return text

    def name_advance(self, name: str) -> int:
        """The width of the file name ``name`` as the tile draws it (kept)."""
        got = self._advances.get(name)
        if got is None:
            if len(self._advances) >= NAME_CACHE:
                self._advances.clear()
            got = self._advances[name] = self._fm.horizontalAdvance(visible_name(name))
        return got

    def _tile_text(self, folder: str, name: str, size: int, widest: str = "") -> str:
        return tile_text(folder, name, size, self._fm.horizontalAdvance, widest)

    def _overlay(self, dpr: float, model, rec, size: int) -> QPixmap:
        """Status bar, status/error/repair badges and label dots, drawn once per combination."""
        colors = tuple(model.label_color(n) if hasattr(model, "label_color") else "#888888"
                       for n in rec.labels[:8])
        error = bool(rec.error or rec.status == "error")
        strip = self.strip_text(rec)
        # an unreviewed repaired copy is not "new": N skips it and the status bar counts it
        # apart ("repair outputs 1"), so its badge says what it is, not N
        status = counted_as(rec.status, bool(getattr(rec, "repair_output", False)))
        # a new image with labels or a caption (cards accepted one by one, no Enter): "N+"
        status = badge_status(status, rec.labels, getattr(rec, "caption", None))
        key = (size, dpr, status, error, bool(rec.has_repair), colors, strip)
        pm = self._overlays.get(key)
        if pm is None:
            if len(self._overlays) >= OVERLAY_CACHE:
                self._overlays.clear()
            pm = self._overlays[key] = self._draw_overlay(size, dpr, status, error,
                                                          bool(rec.has_repair), colors, strip)
        return pm

    @staticmethod
    def strip_text(rec) -> str:
        """"strip 60000×300" for a line-scan strip (its thumbnail is folded), else ""."""
        w, h = getattr(rec, "width", None), getattr(rec, "height", None)
        return f"strip {w}\u00d7{h}" if is_strip(w, h) else ""

    @staticmethod
    def _dpr(painter: QPainter) -> float:
        # The device's wrapper must not outlive this call: a paint device is not a
        # QObject, so shiboken never learns when Qt deletes it (a closed window's
        # backing store), and a wrapper kept past that is handed back for whatever
        # Qt allocates next at its address (a QAction came back as a QPaintDevice).
        device = painter.device()
        return device.devicePixelRatioF() if device is not None else 1.0

    def _draw_overlay(self, size: int, dpr: float, status: str, error: bool, repair: bool,
                      colors: tuple, strip: str = "") -> QPixmap:
        pm = QPixmap(int(size * dpr), int(size * dpr))
        pm.setDevicePixelRatio(dpr)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            copy = status == REPAIR_OUTPUTS  # an unreviewed repair output: its own mark
            glyph = REPAIR_COPY_GLYPH if copy else status_glyph(status)
            color = QColor(REPAIR_BADGE if copy else status_color(status))
            p.fillRect(QRect(0, size - 4, size, 4), color)
            p.setFont(self._badge_font)
            first_end = self._badge(p, 3, 3, glyph, color) + self._badge_w(p, glyph)
            x = size - 4
            if error:
                x = self._badge(p, x, 3, "!", self._error_fg, right=True) - 3
            if repair:
                x = self._badge(p, x, 3, "R", QColor(REPAIR_BADGE), right=True) - 3
            if strip:  # between the status badge and the ! / R ones: as much as fits
                room = x - first_end - 3
                for text in (strip, strip.split(" ", 1)[-1], "strip"):
                    if p.fontMetrics().horizontalAdvance(text) + 8 <= room:
                        self._badge(p, first_end + 3, 3, text, QColor(40, 40, 40, 200))
                        break
            dx = 4
            for c in colors:
                p.setPen(QPen(QColor("white"), 1.5))
                p.setBrush(QColor(c))
                p.drawEllipse(dx, size - 17, 10, 10)
                dx += 13
        finally:
            p.end()
        return pm

    def _badge_w(self, painter: QPainter, text: str) -> int:
        return max(self._badge_h, painter.fontMetrics().horizontalAdvance(text) + 8)

    def _badge(self, painter: QPainter, x: int, y: int, text: str, color: QColor, right: bool = False) -> int:
        w = self._badge_w(painter, text)
        if right:
            x -= w
        rect = QRect(x, y, w, self._badge_h)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawRoundedRect(rect, 4, 4)
        painter.setPen(QColor(badge_text(color)))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        return x
