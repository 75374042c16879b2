"""The main window's docks on screen: shown with a project, hidden on the welcome page,
sized at first run, and a window that never grows past the screen.

Functions on the :class:`~.main_window.MainWindow` (its ``panels``, ``panel_ctl``):
``right_column_full_height(win)``, ``show_docks(win, on)``, ``first_run_sizes(win)``,
``grow_dock(win, panel, height)``, ``card_room(win)`` and ``fit_minimum(win)``; the window's
geometry and dock layout kept between runs in ``QSettings``: ``restore_layout(win)``,
``save_layout(win)``; :class:`CardRoom`
keeps a card's room when the window shrinks; :class:`JobsDockFit` sizes the Jobs dock to its lines until the
reviewer drags its height.
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtWidgets import QDockWidget


def show_docks(win, on: bool) -> None:
    """The docks shown (those the reviewer had not closed) or hidden; the Jobs dock as
    tall as its lines (:func:`first_run_sizes` sizes the others)."""
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


def right_column_full_height(win) -> None:
    """The right docks (labels, caption, suggestions, history) take the window's whole
    height; the Jobs dock sits under the grid and the viewer only. Spanning the window's
    width, it took its height from the right column too: at 1024x640 the four docks had
    their minimums alone, a suggestion card without its Accept/Edit/Reject buttons, and
    a job's line more in the Jobs dock took it from them again."""
    win.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
    win.setCorner(Qt.Corner.TopRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)


def restore_layout(win) -> None:
    """The window's geometry and dock layout as the last run left them (QSettings), or
    1400x900 at first run."""
    s = QSettings("llmvis", "llmvis_desktop")
    geo = s.value("geometry")
    if geo is not None:
        win.restoreGeometry(geo)
    else:
        win.resize(1400, 900)
    state = s.value("state")
    if state is not None:
        win._layout_restored = win.restoreState(state)
        # a state saved before the right column took the whole height carries the old
        # corners: restored, the Jobs dock spanned the window under the right docks
        right_column_full_height(win)


def save_layout(win) -> None:
    """The window's geometry and, while a project shows its docks, their layout, for
    :func:`restore_layout` at the next run."""
    s = QSettings("llmvis", "llmvis_desktop")
    s.setValue("geometry", win.saveGeometry())
    if getattr(win, "_docks_on", True):  # the welcome page hides the docks: not a layout
        s.setValue("state", win.saveState())


def first_run_sizes(win) -> None:
    """At first run (no saved layout), the docks of the project just opened sized to
    what they show: called once its panels have it (the label chips' lines are known
    only then)."""
    if not getattr(win, "_docks_on", False):
        return
    if getattr(win, "_layout_restored", False):
        QTimer.singleShot(0, win, lambda: card_room(win))  # a layout saved in a larger window (once
        # the window has its size)
    else:
        _first_run_sizes(win)


def _first_run_sizes(win) -> None:
    """Labels and caption as small as they go, the suggestion cards their preferred
    height (first: cut off, they had less room than the others), the caption four
    lines, History its few events in the room left, then the label chips' lines up to
    the first nine (in at most a third of the room: their minimum is two lines, so that
    many labels fit a small screen); Suggestions and History share what is left
    (:func:`_share_the_rest`)."""
    keys = [k for k in ("labels", "caption", "suggestions", "history") if k in win.panels]
    docks = [win.panels[k].parentWidget() for k in keys]
    if not docks:
        return
    # the panels' new minimums (the label chips just set) laid out first
    QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    win.layout().activate()
    room = sum(d.height() for d in docks)
    sizes = [d.minimumSizeHint().height() for d in docks]

    def grow(key: str, up_to: int) -> None:
        if key in keys:
            i = keys.index(key)
            sizes[i] += max(0, min(room - sum(sizes), up_to - sizes[i]))

    if "suggestions" in keys:  # first: History took its size hint before them, whatever
        # the room (at 1024x640, 186 px to the cards' 151)
        grow("suggestions", docks[keys.index("suggestions")].sizeHint().height())
    comfortable = getattr(win.panels.get("caption"), "comfortable_height", None)
    if "caption" in keys and comfortable is not None:  # four lines to write in (its minimum: two)
        dock = docks[keys.index("caption")]
        grow("caption", comfortable() + dock.minimumSizeHint().height() - win.panels["caption"].minimumSizeHint().height())
    if "history" in keys:
        grow("history", docks[keys.index("history")].sizeHint().height())
    if "labels" in keys:
        grow("labels", min(docks[keys.index("labels")].sizeHint().height(), room // 3))
    if "suggestions" in keys:
        _share_the_rest(win, keys, docks, sizes, room)
    win.resizeDocks(docks, sizes, Qt.Orientation.Vertical)
    # a card's score + model + revision line needs ~400 px; on a small screen the grid
    # keeps two columns and the viewer some room; on a large one a little more, so that
    # a History event's model and time stay on one line (at 1920 px the 410 px column
    # wrapped each time stamp)
    width = min(max(410, win.width() // 4), SIDE_WIDTH_MAX, int(win.width() * 0.32))
    win.resizeDocks(docks[:1], [width], Qt.Orientation.Horizontal)


#: the right column's widest first-run width (px)
SIDE_WIDTH_MAX = 480
#: the Suggestions dock's first-run height is at most this many cards (its title bar and
#: the ask box added); the room past it goes to History
CARDS_AT_MOST = 4


def _share_the_rest(win, keys: list, docks: list, sizes: list, room: int) -> None:
    """The room left once each dock has its size, shared by Suggestions and History:
    half each, the Suggestions dock never less than it has (its size hint, or a card
    with its buttons) nor more than :data:`CARDS_AT_MOST` cards. Suggestions took it
    all: at 1920x1080 History had 186 px (two events and a half, then scrolling) while
    the Suggestions dock kept some 250 px empty below its cards."""
    i = keys.index("suggestions")
    left = room - sum(sizes)
    if "history" not in keys:
        sizes[i] += max(0, left)
        return
    h = keys.index("history")
    pair = sizes[i] + sizes[h] + max(0, left)
    panel = win.panels["suggestions"]
    scroll = getattr(panel, "scroll", None)
    around = docks[i].minimumSizeHint().height() - (scroll.minimumSizeHint().height() if scroll is not None else 0)
    most = around + CARDS_AT_MOST * _card_height(panel)
    sizes[i] = max(sizes[i], min(pair // 2, most))
    sizes[h] = pair - sizes[i]


def _card_height(panel) -> int:
    """A pending suggestion card's height with the gap under it: the first one shown, or
    a two-line caption card's when none is."""
    cards = [c for c in getattr(panel, "_pool", ()) if c.isVisibleTo(panel)]
    return cards[0].sizeHint().height() + 8 if cards else 4 * panel.fontMetrics().lineSpacing() + 48


def grow_dock(win, panel, height: int) -> None:
    """The dock of ``panel`` as tall as ``height`` (the panel's; its title bar added), in
    at most a third of its column, never shorter than it is: the label chips of a new
    label (their minimum is two lines; a dock fitted to its chips keeps them). The room
    is taken from the docks below and above with most to spare over their minimum."""
    dock = _docked(win, panel)
    if dock is None:
        return
    QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)  # its new size hint first
    win.layout().activate()
    column = _column(win, dock)
    room = sum(d.height() for d in column)
    _take_for(win, dock, column, min(height + dock.height() - panel.height(), room // 3) - dock.height())


def _docked(win, panel) -> Optional[QDockWidget]:
    dock = panel.parentWidget() if panel is not None else None
    if not isinstance(dock, QDockWidget) or dock.isFloating() or not dock.isVisibleTo(win):
        return None
    return dock


def _column(win, dock) -> list:
    area = win.dockWidgetArea(dock)
    return [d for d in win.findChildren(QDockWidget)
            if d.isVisibleTo(win) and not d.isFloating() and win.dockWidgetArea(d) == area
            and d.geometry().left() == dock.geometry().left()]


def _take_for(win, dock, column, need: int) -> None:
    """``dock`` ``need`` px taller, taken from the others of its column with most to
    spare over their minimum (none below it)."""
    if need <= 0:
        return
    sizes = {id(d): d.height() for d in column}
    for other in sorted((d for d in column if d is not dock),
                        key=lambda d: d.minimumSizeHint().height() - d.height()):
        take = max(0, min(need, other.height() - other.minimumSizeHint().height()))
        sizes[id(other)] -= take
        sizes[id(dock)] += take
        need -= take
    win.resizeDocks(column, [sizes[id(d)] for d in column], Qt.Orientation.Vertical)


def card_room(win) -> None:
    """The Suggestions dock tall enough for one whole card with its Accept/Edit/Reject
    buttons, the room taken from the docks of its column over their minimum: restoring a
    layout saved in a larger window, or shrinking the window, Qt took the whole
    shortfall from the Suggestions dock (at 960x540 down to its minimum, the buttons
    below its scroll) while History and Caption kept theirs."""
    panel = win.panels.get("suggestions")
    dock = _docked(win, panel)
    scroll = getattr(panel, "scroll", None)
    if dock is None or scroll is None:
        return
    QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    win.layout().activate()
    card = _card_height(panel)
    around = dock.minimumSizeHint().height() - scroll.minimumSizeHint().height()  # title, ask box
    _take_for(win, dock, _column(win, dock), around + card - dock.height())


class CardRoom(QObject):
    """:func:`card_room` after the window got shorter (the reviewer's own dock sizes
    otherwise stay as they dragged them)."""

    def __init__(self, win) -> None:
        super().__init__(win)
        self.win = win
        win.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        if obj is self.win and event.type() == QEvent.Type.Resize and \
                event.size().height() < event.oldSize().height() and getattr(self.win, "_docks_on", False):
            QTimer.singleShot(0, self, self._fit)  # once the layout has the new height
        return False

    def _fit(self) -> None:
        card_room(self.win)


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
