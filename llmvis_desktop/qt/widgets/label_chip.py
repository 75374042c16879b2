"""LabelChip: one label of the Labels dock, a checkable button that shortens its name
with "…" when the dock is narrower than the chip.

A plain ``QToolButton`` is as wide as its text at least: a long label name made the
chips wider than the dock, cut at its right edge ("2 · de", "4 · crack"). The chip
asks for its whole text (``sizeHint``, wide enough for the bold text of a checked
chip) but accepts its key and "…" (``minimumSizeHint``); what does not fit is taken
from the name, the key and the usage count kept, then from the count. ``text()`` is
always the whole text; the tooltip (set by the panel) names the label whole.
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QSizePolicy,
    QStyle,
    QStyleOptionToolButton,
    QStylePainter,
    QToolButton,
    QWidget,
)

from .. import style

ELLIPSIS = "\u2026"


def chip_style(color: str, palette=None) -> str:
    """A chip in its label's ``color``: ringed by it, filled with it when checked (its
    text black or white by the colour's luminance); its ground and text the palette's
    (``style.DockColors``: white in a light theme, the palette's base in a dark one, a
    white chip beside a dark window)."""
    from PySide6.QtWidgets import QApplication

    dock = style.DockColors(palette if palette is not None else QApplication.palette())
    fg = style.contrast_text(color)
    return (
        "QToolButton { border: 2px solid %(c)s; border-radius: 12px; padding: 3px 10px;"
        " background: %(g)s; color: %(t)s; }"
        "QToolButton:hover { background: %(hover)s; }"
        "QToolButton:checked { background: %(c)s; color: %(fg)s; font-weight: bold; }"
        "QToolButton:disabled { border-color: %(b)s; color: %(m)s; }"
        "QToolButton:focus { outline: none; border-style: dashed; }"
    ) % {"c": color, "fg": fg, "g": dock.ground, "t": dock.text, "b": dock.border, "m": dock.muted,
         "hover": dock.hover(color)}


class LabelChip(QToolButton):
    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._parts = ("", "", "")  # key prefix, name, usage suffix
        # (a tool button's width is Fixed, its minimum its whole text: the flow could not narrow it)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def set_parts(self, prefix: str, name: str, suffix: str = "") -> None:
        """The chip's text: ``prefix`` (its key, "1 · "), the label's ``name`` and
        ``suffix`` (the usage count, " (12)"); only the name is shortened while the
        others fit."""
        if (prefix, name, suffix) == self._parts:
            return  # (a new text lays the flow out again)
        self._parts = (prefix, name, suffix)
        self.setText(prefix + name + suffix)

    # --- sizes ------------------------------------------------------------------------
    def _bold_metrics(self) -> QFontMetrics:
        font = QFont(self.font())
        font.setBold(True)
        return QFontMetrics(font)

    def _drawn_metrics(self) -> QFontMetrics:
        """The text is bold when the chip is checked (its style sheet's :checked)."""
        return self._bold_metrics() if self.isChecked() else self.fontMetrics()

    def _chrome(self) -> int:
        """The width around the text: border, padding."""
        return super().sizeHint().width() - self.fontMetrics().horizontalAdvance(self.text())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        """The whole text, bold (checked): a checked chip's text was cut at its padding."""
        hint = super().sizeHint()
        extra = self._bold_metrics().horizontalAdvance(self.text()) - self.fontMetrics().horizontalAdvance(self.text())
        return QSize(hint.width() + max(0, extra), hint.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        """Its key and "…": the name gives way to the dock's width."""
        hint = self.sizeHint()
        least = self._chrome() + self._bold_metrics().horizontalAdvance(self._parts[0] + ELLIPSIS)
        return QSize(min(hint.width(), least), hint.height())

    # --- drawing ----------------------------------------------------------------------
    def shown_text(self) -> str:
        """What is drawn: the whole text when it fits the chip's width, else the name
        shortened with "…" (the key and the count kept), else the whole text shortened."""
        text = self.text()
        fm = self._drawn_metrics()
        room = self.width() - self._chrome()
        if fm.horizontalAdvance(text) <= room:
            return text
        prefix, name, suffix = self._parts
        if text == prefix + name + suffix:
            rest = room - fm.horizontalAdvance(prefix + suffix)
            short = fm.elidedText(name, Qt.TextElideMode.ElideRight, rest) if rest > 0 else ""
            if short and short != ELLIPSIS:  # (a name of "…" alone says nothing)
                return prefix + short + suffix
        return fm.elidedText(text, Qt.TextElideMode.ElideRight, max(0, room))

    def is_elided(self) -> bool:
        return self.shown_text() != self.text()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        # as QToolButton paints itself, with the text that fits; the painter is ended
        # here, not when its wrapper is collected (a kept frame kept it painting)
        with QStylePainter(self) as painter:
            opt = QStyleOptionToolButton()
            self.initStyleOption(opt)
            opt.text = self.shown_text()
            painter.drawComplexControl(QStyle.ComplexControl.CC_ToolButton, opt)
