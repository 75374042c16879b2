"""Colours that follow a light/dark switch while the app runs.

The app has no theme setting of its own: it follows the application palette, which the
platform sets from the OS's light or dark mode and changes when the user switches it. Qt
gives every widget the new palette, but the colours worked out from it when a panel was
built (the review docks' grounds and text, ``style.DockColors``; a muted or an error
colour put in a style sheet) stayed the old theme's, and a style sheet's ``palette(...)``
is resolved when it is set: a switch showed white islands with near-black text in a dark
window (and the other way round) until a restart.

On a palette change of the main window (it gets one when the application's changes), once
the event loop has handed the new palette to every widget, each widget that has a
``follow_palette()`` works its colours out again, and every style sheet is set again: Qt
resolves its ``palette(...)`` roles anew and polishes the widgets under it with the new
palette (a style sheet's widgets kept the old palette's text colour: the viewer's bar). What paints from the palette
as it paints (the grid's tiles, the viewer, the evaluation plots) needs nothing.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QWidget


def _key(palette) -> tuple:
    return tuple(palette.color(r).rgba() for r in QPalette.ColorRole if r != QPalette.ColorRole.NColorRoles)


def restyle_all() -> None:
    """Every widget's colours worked out again from the palette now."""
    widgets = [w for top in QApplication.topLevelWidgets() for w in (top, *top.findChildren(QWidget))]
    for w in widgets:
        sheet = w.styleSheet()
        if sheet:  # set again: its palette(...) roles resolved anew, and the widgets under it
            w.setStyleSheet(sheet)  # polished with the new palette (their text kept the old one)
    for w in widgets:
        follow = getattr(w, "follow_palette", None)
        if callable(follow):
            follow()


class ThemeFollower(QObject):
    """Told by the main window of each palette change it gets; restyles every widget once
    the application's palette differs from the one last styled for (a style sheet set on
    the window changes its palette too: that is no switch)."""

    def __init__(self, parent) -> None:
        super().__init__(parent)
        self._styled = _key(QApplication.palette())
        self._timer = QTimer(self, singleShot=True, interval=0)  # several changes: one restyle
        self._timer.timeout.connect(self._restyle)

    def palette_changed(self) -> None:
        self._timer.start()

    def _restyle(self) -> None:
        now = _key(QApplication.palette())
        if now != self._styled:
            self._styled = now
            restyle_all()
