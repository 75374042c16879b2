"""FlowLayout: children laid left to right, wrapping to a new line when the width runs
out (the label chips, the viewer's toolbar); FlowBox: a widget whose height follows
its flow's lines for its width.

An item wider than the line is given the line's width, down to its minimum width: a
label chip elides its name to fit, the W/L box shortens its preset's name.
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QSizePolicy, QWidget


class FlowLayout(QLayout):
    """Lays children left to right, wrapping to a new line when the width runs out."""

    def __init__(self, parent: Optional[QWidget] = None, spacing: int = 6, line_spacing: Optional[int] = None) -> None:
        super().__init__(parent)
        self._items: list = []
        self._spacing = spacing
        self._line_spacing = spacing if line_spacing is None else line_spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item) -> None:  # noqa: N802
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int):  # noqa: N802
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int):  # noqa: N802
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def reorder(self, widgets: list) -> bool:
        """The items in the order of ``widgets`` (any other after them, in their order);
        True when that moved any (laid out again then)."""
        from shiboken6 import getCppPointer

        rank = {getCppPointer(w)[0]: i for i, w in enumerate(widgets)}
        last = len(rank)
        order = sorted(self._items, key=lambda it: rank.get(getCppPointer(it.widget())[0], last)
                       if it.widget() is not None else last)
        if all(a is b for a, b in zip(order, self._items)):
            return False
        self._items = order
        self.invalidate()
        return True

    def expandingDirections(self):  # noqa: N802
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._do_layout(QRect(0, 0, width, 0), apply=False)

    def height_of_first(self, width: int, n: int) -> int:
        """The height the first ``n`` shown items take at ``width``."""
        return self._do_layout(QRect(0, 0, width, 0), apply=False, first=n)

    def height_of_lines(self, width: int, n: int) -> int:
        """The height the first ``n`` lines take at ``width`` (all of them when fewer)."""
        return self._do_layout(QRect(0, 0, width, 0), apply=False, lines=n)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802
        super().setGeometry(rect)
        self._do_layout(rect, apply=True)

    def sizeHint(self) -> QSize:  # noqa: N802
        return self.minimumSize()

    def minimumSize(self) -> QSize:  # noqa: N802
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _do_layout(self, rect: QRect, apply: bool, first: Optional[int] = None,
                   lines: Optional[int] = None) -> int:
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        x, y, line_h = area.x(), area.y(), 0
        placed, line = 0, 1
        for item in self._items:
            if item.widget() is not None and not item.widget().isVisibleTo(self.parentWidget()):
                continue
            if first is not None and placed >= first:
                break
            placed += 1
            hint = item.sizeHint()
            if hint.width() > area.width():  # no wider than the row, down to its minimum (the
                # W/L box asks for its whole preset name, and shortens it when it must)
                hint.setWidth(max(item.minimumSize().width(), area.width()))
            if hint.isEmpty():  # takes no room, and no spacing (a toolbar group with nothing shown)
                if apply:
                    item.setGeometry(QRect(area.topLeft(), QSize(0, 0)))
                continue
            if x + hint.width() > area.right() + 1 and line_h > 0:
                if lines is not None and line >= lines:
                    break
                line += 1
                x = area.x()
                y += line_h + self._line_spacing
                line_h = 0
            if apply:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            line_h = max(line_h, hint.height())
        return y + line_h - rect.y() + m.bottom()


class FlowBox(QWidget):
    """A widget whose height follows its flow layout's height for the given width."""

    def __init__(self) -> None:
        super().__init__()
        self.flow = FlowLayout(self)
        sp = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        sp.setHeightForWidth(True)
        self.setSizePolicy(sp)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, w: int) -> int:  # noqa: N802
        return self.flow.heightForWidth(w)
