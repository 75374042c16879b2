"""ElidedLabel: a one-line label that shortens its text with "…" instead of widening
its window.

A plain ``QLabel``'s minimum width is its whole text: one long status line (the
learned suggester's readiness, a file name, a caption hint) made the main window
wider than the screen. This label asks for its text's width when there is room
(``sizeHint``) but accepts ``min_width`` (``minimumSizeHint``); what does not fit is
elided on screen, ``text()`` is always the whole text, and the tooltip shows it when
it is cut (unless a tooltip of its own was set). Plain text only. ``elide`` says where
the "…" goes: at the end (default), or in the middle for a path (its file name kept).
``path_first``: a message naming a path (a job's "waiting (2 s so far) for the project
database /long/path/project.sqlite: another process is writing to it ...") shortens that
path first, in its middle, so the words around it stay readable; when the path alone
cannot make room, it is kept a few letters wide and the text's end is cut.
"""
from __future__ import annotations

import html
from typing import Optional

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QTextLayout, QTextOption
from PySide6.QtWidgets import QLabel, QSizePolicy, QToolTip, QWidget


def _longest_path(text: str) -> str:
    """The longest word of ``text`` that looks like a file path or URL (a ``/`` or ``\\``
    in it), without the punctuation that ends a clause after it; "" when none."""
    words = [w.rstrip(":;,.)") for w in text.split() if ("/" in w or "\\" in w) and len(w) > 3]
    return max(words, key=len, default="")


class ElidedLabel(QLabel):
    def __init__(self, text: str = "", parent: Optional[QWidget] = None, min_width: int = 40,
                 elide: Qt.TextElideMode = Qt.TextElideMode.ElideRight, path_first: bool = False,
                 **kwargs) -> None:
        super().__init__(text, parent, **kwargs)
        self._min_width = int(min_width)
        self._elide = elide
        self._path_first = path_first
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(False)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, self.sizePolicy().verticalPolicy())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        base = super().minimumSizeHint()
        return QSize(min(base.width(), self._min_width), base.height())

    def _text_rect(self):
        rect = self.contentsRect()
        m = self.margin()
        return rect.adjusted(m, m, -m, -m)

    def is_elided(self) -> bool:
        """Whether the text shown is shortened (it does not fit the label's width)."""
        return self.fontMetrics().horizontalAdvance(self.text()) > self._text_rect().width()

    def shown_text(self) -> str:
        """What is drawn: the text, elided to the label's width."""
        fm, width, text = self.fontMetrics(), max(0, self._text_rect().width()), self.text()
        if self._path_first and fm.horizontalAdvance(text) > width:
            path = _longest_path(text)
            if path:
                start = text.index(path)
                rest = fm.horizontalAdvance(text[:start] + text[start + len(path):])
                # (kept at least a few letters wide: its ends still say which file)
                room = max(width - rest, fm.horizontalAdvance("\u2026") * 8)
                short = fm.elidedText(path, Qt.TextElideMode.ElideMiddle, room)
                text = text[:start] + short + text[start + len(path):]
                # still too wide: its end goes (a message's start says what happens, and
                # elided in the middle it lost the short path and the reason after it)
                return fm.elidedText(text, Qt.TextElideMode.ElideRight, width)
        return fm.elidedText(text, self._elide, width)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        with QPainter(self) as painter:  # (ended however the drawing ends)
            self.drawFrame(painter)
            rect = self._text_rect()
            self.style().drawItemText(painter, rect, int(self.alignment().value), self.palette(),
                                      self.isEnabled(), self.shown_text(), self.foregroundRole())

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip and not self.toolTip() and self.is_elided():
            QToolTip.showText(event.globalPos(), self.text(), self)
            return True
        return super().event(event)


class ModelLabel(QLabel):
    """A suggestion's provenance on one line, "name @ revision": what does not fit is
    taken from the revision first (shortened, then left out), the model's name last (cut
    at its end). Elided in the middle, a card read "learned:ha…3268faf774": the hash
    kept, the model's name gone. The whole of both is the tooltip the caller sets."""

    SHORT_REVISION = 7  # as git shortens a hash

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._name, self._revision = "", ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(0)

    def set_model(self, name: str, revision: Optional[str] = None) -> None:
        self._name, self._revision = name or "", revision or ""
        self._fit()

    def full_text(self) -> str:
        return self._name + (f" @ {self._revision[:10]}" if self._revision else "")

    def _fit(self) -> None:
        fm, width = self.fontMetrics(), max(0, self.contentsRect().width())
        tries = [self.full_text()]
        if self._revision:
            tries.append(f"{self._name} @ {self._revision[:self.SHORT_REVISION]}")
        tries.append(self._name)
        text = next((t for t in tries if fm.horizontalAdvance(t) <= width), None)
        if text is None:
            text = fm.elidedText(self._name, Qt.TextElideMode.ElideRight, width)
        if text != self.text():
            self.setText(text)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._fit()


class PartsLabel(ElidedLabel):
    """A line of parts joined by dots, each ``(text, rank)`` or ``(text, rank, True)``:
    what does not fit is taken from the lowest-ranked parts first, each left out whole
    or, marked True (words, not figures: a cut number reads as another), shortened
    first; a part ranked :data:`KEEP` is never cut while the others can give way.
    ``text()`` is the whole line. Elided at its end, the viewer's line read "zoom 85…"
    while the image's size and format stood whole before it. A line that does not fit
    draws its dots tight first, and a part of words gives up its last words whole before
    its letters: at 1280 px the viewer read "128 × 128 · DIC…", now "DICOM 16-bit"."""

    KEEP = 100
    SEP = "   \u00b7   "
    TIGHT_SEP = " \u00b7 "  # when the line does not fit: a part kept rather than wide dots

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._parts: list[tuple[str, int, bool]] = []

    def set_parts(self, parts: list[tuple]) -> None:
        self._parts = [(p[0], p[1], len(p) > 2 and bool(p[2])) for p in parts if p[0]]
        self.setText(self.SEP.join(p[0] for p in self._parts))

    def setText(self, text: str) -> None:  # noqa: N802 - Qt API
        if text != self.SEP.join(p[0] for p in self._parts):
            self._parts = [(text, self.KEEP, True)] if text else []  # a plain line: elided at its end
        super().setText(text)

    def shown_text(self) -> str:
        fm, room = self.fontMetrics(), max(0, self._text_rect().width())
        shown = [p[0] for p in self._parts]
        sep = self.SEP
        if fm.horizontalAdvance(sep.join(shown)) > room:
            sep = self.TIGHT_SEP  # the wide dots' room for the parts first

        def width() -> int:
            return fm.horizontalAdvance(sep.join(t for t in shown if t))

        for i in sorted(range(len(shown)), key=lambda i: self._parts[i][1]):
            if width() <= room or self._parts[i][1] >= self.KEEP:
                break
            shown[i] = ""
            if not self._parts[i][2]:
                continue
            rest = room - width() - (fm.horizontalAdvance(sep) if any(shown) else 0)
            words = self._parts[i][0].split(" ")
            while len(words) > 1 and fm.horizontalAdvance(" ".join(words)) > rest:
                words.pop()  # its last words first: "DICOM 16-bit", not "DIC…"
            cut = fm.elidedText(" ".join(words), Qt.TextElideMode.ElideRight, rest)
            if len(cut.rstrip("\u2026")) >= 3:  # a few letters say what it was; fewer say nothing
                shown[i] = cut
        line = sep.join(t for t in shown if t)
        return fm.elidedText(line, Qt.TextElideMode.ElideRight, room)


class ClampedLabel(QLabel):
    """Word-wrapped plain text held to ``max_lines`` lines at the label's width, the last
    one ending in "…" when there is more (a 972-character caption made a suggestion card
    300 px tall). ``full_text()`` is the whole text, and the tooltip shows it while it is
    cut; ``set_expanded(True)`` shows all of it. ``clamped_changed(bool)`` says whether
    the text is cut now (the width decides: a card offers "More" while it is)."""

    clamped_changed = Signal(bool)

    def __init__(self, max_lines: int = 3, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._full = ""
        self._max_lines = max(1, int(max_lines))
        self._expanded = False
        self._clamped = False
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(0)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        self._full = text or ""
        self._expanded = False
        self._fit()

    def is_expanded(self) -> bool:
        return self._expanded

    def set_expanded(self, on: bool) -> None:
        if bool(on) != self._expanded:
            self._expanded = bool(on)
            self._fit()

    def is_clamped(self) -> bool:
        """Whether the text shown is cut to ``max_lines`` now."""
        return self._clamped

    def _room(self, width: Optional[int] = None) -> int:
        m = self.contentsMargins()
        width = self.width() if width is None else width
        return max(1, width - m.left() - m.right() - 2 * self.margin())

    def _shown_for(self, room: int) -> tuple[str, bool]:
        """(the text to show at ``room`` px, whether it is cut)."""
        if self._expanded or not self._full:
            return self._full, False
        text = self._full.replace("\n", "\u2028")  # QTextLayout's line break (same length)
        layout = QTextLayout(text, self.font())
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        starts = []
        layout.beginLayout()
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(room)
            starts.append(line.textStart())
            if len(starts) > self._max_lines:
                break
        layout.endLayout()
        if len(starts) <= self._max_lines:
            return self._full, False
        last = starts[self._max_lines - 1]
        rest = " ".join(self._full[last:].split())
        # a few px to spare: the elided line must not wrap again
        tail = self.fontMetrics().elidedText(rest + "\u2026", Qt.TextElideMode.ElideRight, max(1, room - 4))
        if not tail.endswith("\u2026"):
            tail += "\u2026"
        return self._full[:last] + tail, True

    def _fit(self) -> None:
        shown, clamped = self._shown_for(self._room())
        if shown != self.text():
            self.setText(shown)
            self.updateGeometry()
        self.setToolTip(f"<p>{html.escape(self._full)}</p>" if clamped else "")  # rich text: it wraps
        if clamped != self._clamped:
            self._clamped = clamped
            self.clamped_changed.emit(clamped)

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt API
        shown, _ = self._shown_for(self._room(width))
        m = self.contentsMargins()
        flags = int((Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft).value) | int(Qt.TextFlag.TextWordWrap.value)
        rect = self.fontMetrics().boundingRect(0, 0, self._room(width), 100000, flags, shown or " ")
        return rect.height() + m.top() + m.bottom() + 2 * self.margin()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        hint = super().sizeHint()
        return QSize(hint.width(), self.heightForWidth(max(hint.width(), self.width())))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(0, self.fontMetrics().lineSpacing())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._fit()
