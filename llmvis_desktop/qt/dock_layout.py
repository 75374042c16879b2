"""The main window's docks on screen: shown with a project, hidden on the welcome page,
sized at first run, and a window that never grows past the screen.

Functions on the :class:`~.main_window.MainWindow` (its ``panels``, ``panel_ctl``):
``show_docks(win, on)`` and ``fit_minimum(win)``.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
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
