"""StatusBar: a ``QStatusBar`` whose messages are cut at a word, with "…", clear of the
permanent widgets.

``QStatusBar`` draws a message (``showMessage``) clipped at the first permanent widget
less 2 px: a long one was cut mid-word and ran into the image counts ("...when
indexec33 images · 2 errors"). Here it is elided at a word boundary (:func:`elide_words`),
ends :data:`GAP` px before the leftmost permanent widget, and its tooltip is the whole
message when it is cut (``toolTip()`` too: it was shown only on a hover's event, the
property empty). A message with a timeout that the mouse rests on stays until the mouse
leaves it: a 4 s review line cut short went while it was being read in its tooltip.
``currentMessage()`` and ``messageChanged`` are Qt's own.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, Qt, QTimer
from PySide6.QtGui import QCursor, QFontMetrics, QPainter
from PySide6.QtWidgets import QStatusBar, QStyle, QStyleOption, QToolTip

GAP = 16  # px between a message's end and the permanent widgets (the counts)
HOLD_MS = 1000  # a hovered message's timeout looks again this often
ELLIPSIS = "\u2026"


def elide_words(fm: QFontMetrics, text: str, width: int) -> str:
    """``text`` if it fits ``width`` px, else its longest start that ends with a whole
    word and "…" and fits (a single word too long for it: cut within the word)."""
    if fm.horizontalAdvance(text) <= width:
        return text
    cut = fm.elidedText(text, Qt.TextElideMode.ElideRight, max(0, width))
    head = cut[:-1] if cut.endswith(ELLIPSIS) else cut
    if not head:
        return cut
    if len(head) < len(text) and not text[len(head)].isspace():  # the cut fell inside a word
        space = max(head.rfind(" "), head.rfind("\t"))
        if space > 0:
            head = head[:space]
    head = head.rstrip(" \t,;:(\u2014-")  # no "word, …" nor "word (…"
    return head + ELLIPSIS if head else cut


class StatusBar(QStatusBar):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._permanent: list = []
        self._expiry = QTimer(self, singleShot=True)
        self._expiry.timeout.connect(self._expire)
        self.messageChanged.connect(self._message_changed)

    def showMessage(self, text: str, timeout: int = 0) -> None:  # noqa: N802 - Qt API
        """As Qt's, but the timeout is held off while the mouse rests on the message."""
        super().showMessage(text, 0)
        if timeout > 0 and text:
            self._expiry.start(timeout)
        else:
            self._expiry.stop()

    def clearMessage(self) -> None:  # noqa: N802 - Qt API
        self._expiry.stop()
        super().clearMessage()

    def message_hovered(self) -> bool:
        """Whether the mouse is over the message now."""
        return self.underMouse() and self.message_rect().contains(self.mapFromGlobal(QCursor.pos()))

    def _expire(self) -> None:
        if self.message_hovered():
            self._expiry.start(HOLD_MS)  # being read: it stays while the mouse is on it
        else:
            super().clearMessage()

    def _message_changed(self, text: str) -> None:
        self._update_tooltip()

    def _update_tooltip(self) -> None:
        """The whole message as the tooltip while it is cut, none otherwise."""
        self.setToolTip(self.currentMessage() if self.currentMessage() and self.is_message_elided() else "")

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._update_tooltip()

    def addPermanentWidget(self, widget, stretch: int = 0) -> None:  # noqa: N802 - Qt API
        self._permanent.append(widget)
        super().addPermanentWidget(widget, stretch)

    def message_rect(self) -> QRect:
        """Where a message is drawn: from the left to :data:`GAP` px before the leftmost
        permanent widget shown."""
        left, right = 6, self.width() - 12
        shown = [w for w in self._permanent if w.isVisible() and w.width() > 0]
        if shown:
            right = min(right, min(w.x() for w in shown) - GAP)
        return QRect(left, 0, max(0, right - left), self.height())

    def shown_message(self) -> str:
        """The message as drawn: elided at a word to :meth:`message_rect`'s width."""
        return elide_words(self.fontMetrics(), self.currentMessage(), self.message_rect().width())

    def is_message_elided(self) -> bool:
        return self.shown_message() != self.currentMessage()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        message = self.currentMessage()
        if not message:
            super().paintEvent(event)
            return
        # as QStatusBar paints with a message shown (its panel, the permanent widgets'
        # frames), but the message elided
        with QPainter(self) as p:  # (ended however the drawing ends)
            opt = QStyleOption()
            opt.initFrom(self)
            self.style().drawPrimitive(QStyle.PrimitiveElement.PE_PanelStatusBar, opt, p, self)
            for w in self._permanent:
                if w.isVisible():
                    item = QStyleOption()
                    item.rect = w.geometry().adjusted(-2, -1, 2, 1)
                    item.palette = self.palette()
                    item.state = QStyle.StateFlag.State_None
                    self.style().drawPrimitive(QStyle.PrimitiveElement.PE_FrameStatusBarItem, item, p, w)
            p.setPen(self.palette().windowText().color())
            p.drawText(self.message_rect(), int(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter
                                                | Qt.TextFlag.TextSingleLine), self.shown_message())

    def event(self, event) -> bool:
        if (event.type() == QEvent.Type.ToolTip and self.currentMessage()
                and self.message_rect().contains(event.pos()) and self.is_message_elided()):
            QToolTip.showText(event.globalPos(), self.currentMessage(), self)  # the whole message
            return True
        return super().event(event)
