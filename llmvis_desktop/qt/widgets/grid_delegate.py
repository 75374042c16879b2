"""Paints one grid cell: thumbnail (or a placeholder), name, status bar, label dots,
repair and error badges. Painting never touches the disk or the database beyond the
model's cached record; a missing thumbnail is requested by the model and painted as
a placeholder until it arrives.
"""
from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ..models.grid_model import RecordRole, ThumbErrorRole, ThumbRole
from ..style import status_color

TEXT_H = 18
PAD = 4


class GridDelegate(QStyledItemDelegate):
    def __init__(self, parent=None, thumb_size: int = 160) -> None:
        super().__init__(parent)
        self.thumb_size = thumb_size
        self._font = QFont()
        self._font.setPointSizeF(max(7.0, self._font.pointSizeF() * 0.9))
        self._badge_font = QFont(self._font)
        self._badge_font.setBold(True)

    def cell_size(self) -> QSize:
        return QSize(self.thumb_size + 2 * PAD, self.thumb_size + TEXT_H + 3 * PAD)

    def sizeHint(self, option, index) -> QSize:  # noqa: N802 - Qt API
        return self.cell_size()

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        model = index.model()
        # never wait for the database while painting: a window not yet in memory is
        # fetched in the background and this cell repainted when it arrives
        cached = getattr(model, "cached_record", None)
        rec = cached(index.row()) if cached is not None else index.data(RecordRole)
        r = option.rect
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.fillRect(r, option.palette.highlight())
        elif option.state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(r, option.palette.alternateBase())
        size = self.thumb_size
        box = QRect(r.x() + PAD, r.y() + PAD, size, size)
        if rec is None:
            painter.fillRect(box, QColor("#e4e6ea"))
            painter.restore()
            return
        pm = index.data(ThumbRole)
        if pm is not None and not pm.isNull():
            w, h = pm.width(), pm.height()
            if w > size or h > size:  # a larger cached size during a resize
                pm = pm.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                               Qt.TransformationMode.FastTransformation)
                w, h = pm.width(), pm.height()
            painter.drawPixmap(box.x() + (size - w) // 2, box.y() + (size - h) // 2, pm)
        else:
            err = index.data(ThumbErrorRole) or rec.error
            painter.fillRect(box, QColor("#fbe3e1") if err else QColor("#e4e6ea"))
            if err:
                painter.setPen(QColor("#8b1a1a"))
                painter.setFont(self._font)
                painter.drawText(box.adjusted(6, 6, -6, -6),
                                 Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                                 "⚠ " + err[:80])
        # status bar along the bottom of the thumbnail
        color = QColor(status_color(rec.status))
        painter.fillRect(QRect(box.x(), box.bottom() - 3, size, 4), color)
        # badges, top-left: status letter; top-right: repair / error
        painter.setFont(self._badge_font)
        self._badge(painter, box.x() + 3, box.y() + 3, rec.status[:1].upper(), color)
        x = box.right() - 3
        if rec.error or rec.status == "error":
            x = self._badge(painter, x, box.y() + 3, "!", QColor("#8b1a1a"), right=True) - 3
        if rec.has_repair:
            self._badge(painter, x, box.y() + 3, "R", QColor("#7a4fd0"), right=True)
        # label dots, bottom-left over the thumbnail
        dx = box.x() + 4
        for name in rec.labels[:8]:
            c = QColor(model.label_color(name)) if hasattr(model, "label_color") else QColor("#888")
            painter.setPen(QPen(QColor("white"), 1.5))
            painter.setBrush(c)
            painter.drawEllipse(dx, box.bottom() - 16, 10, 10)
            dx += 13
        # name
        painter.setPen(option.palette.highlightedText().color() if selected else option.palette.text().color())
        painter.setFont(self._font)
        text_rect = QRect(r.x() + PAD, box.bottom() + PAD, size, TEXT_H)
        name = QFontMetrics(self._font).elidedText(rec.name, Qt.TextElideMode.ElideMiddle, size)
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter, name)
        if option.state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(QPen(option.palette.highlight().color().darker(130), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(r.adjusted(1, 1, -1, -1))
        painter.restore()

    def _badge(self, painter: QPainter, x: int, y: int, text: str, color: QColor, right: bool = False) -> int:
        fm = painter.fontMetrics()
        w = max(16, fm.horizontalAdvance(text) + 8)
        if right:
            x -= w
        rect = QRect(x, y, w, 16)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawRoundedRect(rect, 4, 4)
        painter.setPen(QColor("white"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        return x
