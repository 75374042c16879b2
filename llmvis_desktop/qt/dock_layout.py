"""The main window's docks on screen: shown with a project, hidden on the welcome page,
sized at first run, and a window that never grows past the screen.

Functions on the :class:`~.main_window.MainWindow` (its ``panels``, ``panel_ctl``):
``show_docks(win, on)`` and ``fit_minimum(win)``; :class:`JobsDockFit` sizes the Jobs
dock to its lines until the reviewer drags its height.
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QDockWidget


def show_docks(win, on: bool) -> None:
    """The docks shown (those the reviewer had not closed) or hidden; the Jobs dock as
    tall as its lines; at first run (no saved layout), the suggestion cards given the
    room the other docks do not need."""
    if on == getattr(win, "_docks_on", None):
        return
    win._docks_on = on
    for dock in win.findChildren(QDockWidget):
        if on:
            dock.setVisible(dock.property("wanted") is not False)
        else:
            dock.setProperty("wanted", dock.isVisibleTo(win))
            dock.hide()
    if on and "jobs" in win.panels:  # as tall as its lines (a fixed 90 px held one "done"
        # line in 100 px while the suggestion cards above were cut off)
        win.panel_ctl.fit_jobs_dock()
    if on and not getattr(win, "_layout_restored", False):
        _first_run_sizes(win)


def _first_run_sizes(win) -> None:
    """Labels and caption as small as they go, History its few events, the suggestion
    cards the rest (cut off, they had less room than the others)."""
    keys = [k for k in ("labels", "caption", "suggestions", "history") if k in win.panels]
    docks = [win.panels[k].parentWidget() for k in keys]
    if not docks:
        return
    win.layout().activate()
    room = sum(d.height() for d in docks)
    sizes = [d.minimumSizeHint().height() for d in docks]
    if "history" in keys:
        i = keys.index("history")
        sizes[i] = max(sizes[i], docks[i].sizeHint().height())
    if "suggestions" in keys:
        i = keys.index("suggestions")
        sizes[i] = max(sizes[i], room - sum(sizes) + sizes[i])
    win.resizeDocks(docks, sizes, Qt.Orientation.Vertical)
    # a card's score + model + revision line needs ~400 px; on a small screen the grid
    # keeps two columns and the viewer some room
    win.resizeDocks(docks[:1], [min(410, int(win.width() * 0.32))], Qt.Orientation.Horizontal)


def fit_minimum(win) -> None:
    """The window's minimum is its layout's, never more than the screen's free room.

    Set explicitly, so that the layout no longer sets it: Qt grew the window to any
    minimum its docks asked for, past the bottom of the screen (a 1024x768 window became
    812 px tall, the status bar off the screen), and never shrank it back. Docks that
    ask for more than the screen are squeezed instead. The window calls this after each
    layout request."""
    lay = win.layout()
    if lay is None:
        return
    need = lay.totalMinimumSize()
    screen = win.screen()
    if screen is not None:
        frame = win.frameGeometry().size() - win.geometry().size()
        need = need.boundedTo(screen.availableGeometry().size() - frame)
    if need != win.minimumSize():
        win.setMinimumSize(need)


class JobsDockFit(QObject):
    """The Jobs dock as tall as its lines (the running jobs' rows whole, one line when
    none runs), until the reviewer drags its height: from then on, this session, it is
    never made shorter than the height they dragged it to (a job ending shrank it back
    to one line, undoing their drag). Running rows that need more still get it, and it
    goes back to the reviewer's height when they end."""

    def __init__(self, win, panel) -> None:
        super().__init__(win)
        self.win = win
        self.panel = panel
        self.user_height: Optional[int] = None  # the height the reviewer dragged the dock to
        self._press_height: Optional[int] = None
        win.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        # the window's own mouse press (no child under it) is on a separator between docks
        if obj is self.win and event.type() == QEvent.Type.MouseButtonPress:
            if event.button() == Qt.MouseButton.LeftButton and self.win.childAt(event.position().toPoint()) is None:
                self._press_height = self._dock().height()
        elif obj is self.win and event.type() == QEvent.Type.MouseButtonRelease and self._press_height is not None:
            pressed, self._press_height = self._press_height, None
            height = self._dock().height()
            if height != pressed and self._fits_in_window():
                self.user_height = height
        return False

    def _dock(self):
        return self.panel.parentWidget()

    def _fits_in_window(self) -> bool:
        dock = self._dock()
        return isinstance(dock, QDockWidget) and dock.isVisibleTo(self.win) and not dock.isFloating()

    def fit(self, height: int) -> None:
        """Make the dock ``height`` (its lines) plus its title bar; never less than the
        reviewer's height once they dragged it."""
        if not self._fits_in_window():
            return
        dock = self._dock()
        title = max(0, dock.minimumSizeHint().height() - self.panel.minimumSizeHint().height())
        want = height + title
        if self.user_height is not None:
            want = max(want, self.user_height)
        if dock.height() != want:
            self.win.resizeDocks([dock], [want], Qt.Orientation.Vertical)
        if self._press_height is not None:  # a fit while the mouse is down is not the reviewer's drag
            self._press_height = dock.height()
