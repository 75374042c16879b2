"""The "Ask the image" answer box: non-modal, names the image the answer is about (with a
warning when that is no longer the image shown), shows the question elided, the answer
scrolling, and "Keep as note" / "Close"; it always fits the screen."""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStyle,
    QTextEdit,
    QVBoxLayout,
)

from ...core.wording import visible_name
from .. import style

ASK_SHOWN_CHARS = 300  # of the question, in the answer box (all of it in its tooltip)
ASK_TOOLTIP_CHARS = 2000  # a question longer than the ask box takes (not typed there) is cut in the tooltip


def _breakable(text: str, run: int = 40) -> str:
    """Let a label wrap inside a long run without spaces (a path, a pasted token)."""
    import re

    return re.sub(r"(\S{%d})(?=\S)" % run, "\\1\u200b", text)


def _elide(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


class _AnswerView(QTextEdit):
    """The answer: read-only, as tall as its text up to MAX_LINES, then it scrolls."""

    MAX_LINES = 12

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setAcceptRichText(False)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def _height_for(self, lines: Optional[float] = None) -> int:
        fm = self.fontMetrics()
        if lines is None:
            doc = self.document().clone()
            width = self.viewport().width() if self.isVisible() else 0
            doc.setTextWidth(max(width, 440))
            text_h = min(doc.size().height(), fm.lineSpacing() * self.MAX_LINES)
        else:
            text_h = fm.lineSpacing() * lines
        m = self.contentsMargins()
        return int(text_h + m.top() + m.bottom() + 2 * self.document().documentMargin())

    def sizeHint(self) -> QSize:
        return QSize(480, max(self._height_for(2), self._height_for()))

    def minimumSizeHint(self) -> QSize:
        return QSize(200, self._height_for(2))


class AnswerBox(QDialog):
    """The non-modal "Ask the image" answer: the image it is about (a warning when that is
    not the image shown), the question (its first ASK_SHOWN_CHARS characters; all of it in
    the tooltip), the answer (scrolls), the model, and "Keep as note" / "Close"; it always
    fits the screen, so the buttons stay reachable."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Ask the image")
        self.setWindowModality(Qt.WindowModality.NonModal)
        self._about = self._question = self._answer = self._info = self._note = ""
        self.icon_label = QLabel()
        self.about_label = QLabel(objectName="answerAbout")
        self.question_label = QLabel(objectName="answerQuestion")
        self.answer_view = _AnswerView()
        self.note_label = QLabel(objectName="answerNote")  # an out-of-memory while answering, said plainly
        self.note_label.hide()
        self.info_label = QLabel(objectName="answerModel")
        for label in (self.about_label, self.question_label, self.note_label, self.info_label):
            label.setTextFormat(Qt.TextFormat.PlainText)  # model output and questions are not markup
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.about_label.setStyleSheet("font-weight: bold")
        buttons = QDialogButtonBox()
        self.keep_button = buttons.addButton("Keep as note", QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.clicked.connect(self.hide)
        # it comes while the reviewer goes on with the review keys: shown, it took them (the
        # active window), and the next Enter, meant for the image shown, pressed "Keep as note"
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        for button in (self.keep_button, self.close_button):  # Enter in the box presses neither
            button.setAutoDefault(False)
        top = QHBoxLayout()
        top.addWidget(self.icon_label, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.about_label, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.question_label)
        lay.addWidget(self.note_label)
        lay.addWidget(self.answer_view, 1)
        lay.addWidget(self.info_label)
        lay.addWidget(buttons)
        self.setMinimumWidth(420)
        self.follow_palette()

    def follow_palette(self) -> None:
        """The note's colours from the palette now (built, or the OS switched light/dark):
        pale yellow with dark text, or dark amber with the palette's text in a dark theme."""
        c = style.NoticeColors(self.palette())
        self.note_label.setStyleSheet(f"background: {c.note_bg}; color: {c.text}; padding: 4px")
        # which model answered, and how fast: secondary, still read (placeholder-text: 3.89:1)
        self.info_label.setStyleSheet(f"color: {style.note_color(self.palette())}")

    def set_about(self, relpath: str, shown: Optional[str]) -> None:
        """``shown``: None when ``relpath`` is the image shown, else the image shown ("" for none)."""
        relpath, shown = visible_name(relpath), (visible_name(shown) if shown else shown)  # a name's controls escaped
        if shown is None:
            self._about = f"This answer is about {relpath}, the image shown."
            icon = QStyle.StandardPixmap.SP_MessageBoxInformation
        else:
            where = f"not the image shown ({shown})" if shown else "and no image is shown now"
            self._about = f"This answer is about {relpath}, {where}. Keep as note stores it on {relpath}."
            icon = QStyle.StandardPixmap.SP_MessageBoxWarning
        self.about_label.setText(_breakable(self._about))
        self.about_label.setToolTip(self._about)
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_MessageBoxIconSize, None, self)
        self.icon_label.setPixmap(self.style().standardIcon(icon, None, self).pixmap(size, size))

    def set_answer(self, question: str, answer: str, info: str, info_tip: str = "") -> None:
        """``info``: which model answered, as the cards name it; ``info_tip``: its whole
        path and revision (the info line's tooltip)."""
        import html

        self._question = "Q: " + _elide(question, ASK_SHOWN_CHARS)
        self.question_label.setText(_breakable(self._question))
        full = question.strip()
        tip = _elide(full, ASK_TOOLTIP_CHARS)
        if len(full) > ASK_TOOLTIP_CHARS:
            tip += f" ({len(full)} characters; the note keeps all of them)"
        self.question_label.setToolTip(f"<p>{html.escape(tip)}</p>")  # rich text: the tooltip wraps
        self._answer = answer or ""
        self.answer_view.setPlainText(self._answer)
        self._info = info
        self.info_label.setText(info)
        self.info_label.setToolTip(info_tip)

    def set_note(self, note: str) -> None:
        """What happened while the model answered (an out-of-memory: moved to the CPU,
        retried smaller), in plain words, above the answer; "" hides it."""
        self._note = note.strip()
        self.note_label.setText(_breakable(self._note))
        self.note_label.setVisible(bool(self._note))

    def text(self) -> str:
        """What the box says, as plain text (the question as shown, elided)."""
        note = f"\n\n{self._note}" if self._note else ""
        return f"{self._about}\n\n{self._question}{note}\n\nA: {self._answer}"

    def informativeText(self) -> str:
        return self._info

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        for button in (self.keep_button, self.close_button):  # (the button box makes Keep the
            button.setDefault(False)  # default when shown: Enter anywhere in the box kept the note)

    def fit_to_screen(self) -> None:
        self.answer_view.updateGeometry()
        self.layout().activate()
        hint = self.sizeHint()
        width = max(self.width() if self.isVisible() else 0, hint.width(), 480)
        height = hint.height()
        screen = self.screen() or (self.parentWidget().screen() if self.parentWidget() else None)
        if screen is not None:
            avail = screen.availableGeometry()
            frame_h = max(0, self.frameGeometry().height() - self.height())
            width = min(width, avail.width())
            height = min(height, avail.height() - frame_h)
        self.resize(width, height)
