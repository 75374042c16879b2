"""Which keys a focused widget of the main window keeps for itself.

The window's review shortcuts are single keys (1-9, J, K, N, R, S, E, Return, Delete, the
arrows...). They act while the grid, the viewer or a non-interactive area has the focus;
a text box, or a control that uses the key (a combo box, a list, a button or label chip,
a check box, a slider), gets the key instead. :class:`_TextKeyGuard` is installed on each
such widget as it takes the focus and comes off at its next event once the focus has left
(never on the application, nor on every control up front: a Python filter costs every
event of the objects it is on, each paint taking the GIL from the window's workers).
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QWidget,
)

from .widgets.grid_view import GridView

TEXT_INPUTS = (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox)
_K = Qt.Key
#: keys a focused control uses itself (a button: press, arrows to its neighbours; a
#: slider: its steps); combo boxes and lists (other than the grid) take every plain key,
#: as text boxes do (their keyboard search by letter, Return, Space, arrows)
_BUTTON_KEYS = frozenset((_K.Key_Space, _K.Key_Return, _K.Key_Enter, _K.Key_Left, _K.Key_Right, _K.Key_Up,
                          _K.Key_Down))
_SLIDER_KEYS = frozenset((_K.Key_Left, _K.Key_Right, _K.Key_Up, _K.Key_Down, _K.Key_PageUp, _K.Key_PageDown,
                          _K.Key_Home, _K.Key_End))
_WINDOW_KEYS = frozenset((_K.Key_Escape, _K.Key_F1, _K.Key_F2, _K.Key_F5))  # never claimed by a box
CONTROLS = (QAbstractButton, QComboBox, QAbstractItemView, QAbstractSlider)
GUARDED = TEXT_INPUTS + CONTROLS
_KEY_EVENTS = frozenset((QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress))


def claims_key(widget, key, modifiers) -> bool:
    """Whether ``widget`` (with the focus) uses the plain key ``key`` itself, so that the
    window's single-key review shortcuts (1-9, J, R, Return, Delete, arrows...) must not
    fire: text boxes, combo boxes and lists take every plain key; buttons (label chips,
    check boxes, the Jobs panel's Cancel) Space, Return and the arrows; sliders their
    steps. The grid and the viewer are none of these: the review keys act there."""
    mods = modifiers & ~Qt.KeyboardModifier.KeypadModifier
    if mods not in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier) or key in _WINDOW_KEYS:
        return False
    if isinstance(widget, GridView) or not widget.isEnabled():
        return False
    if isinstance(widget, (TEXT_INPUTS, QComboBox, QAbstractItemView)):
        return True
    if isinstance(widget, QAbstractButton):
        return key in _BUTTON_KEYS
    if isinstance(widget, QAbstractSlider):
        return key in _SLIDER_KEYS
    return False


class _TextKeyGuard(QObject):
    """Single-key review shortcuts (1-9, J, Return, Delete...) must not fire while the
    user types in a text box, or while a control (a combo box, a button, a chip, a list)
    has the focus and uses that key: claim those keys for the widget first. Return on a
    focused button presses it (a main-window button has no default-button behaviour)."""

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        kind = event.type()
        if kind not in _KEY_EVENTS:
            # keys reach only the focus widget: off a widget that lost it (put back when
            # it takes it again), so that its paints no longer run Python
            if isinstance(obj, QWidget) and not obj.hasFocus():
                obj.removeEventFilter(self)
                obj.setProperty("llmvis_key_guard", False)
            return False
        if kind == QEvent.Type.ShortcutOverride and claims_key(obj, event.key(), event.modifiers()):
            event.accept()
        elif kind == QEvent.Type.KeyPress and isinstance(obj, QAbstractButton) \
                and event.key() in (_K.Key_Return, _K.Key_Enter) \
                and claims_key(obj, event.key(), event.modifiers()) \
                and not (isinstance(obj, QPushButton) and (obj.autoDefault() or obj.isDefault())):
            obj.click()
            return True
        return False


def main_tab_order(win) -> None:
    """Tab through the main window as it is laid out: the filter bar, the grid, the viewer,
    the label chips and "+ Add label", then the caption, suggestion, history and jobs
    panels. The chips are made anew with each taxonomy or count change, and a new widget
    goes to the end of the window's focus chain (after the filter bar): they are put
    back between the viewer and the caption. (The ends are looked up each time, among
    the live children: a widget kept from an earlier call may be gone.) The suggestion
    cards are made with their panel, in place (see ``SuggestionPanel.POOL``): laid in here
    one by one, they closed a loop History -> Caption that Tab never left."""
    labels = win.panels.get("labels")
    add = getattr(labels, "add_edit", None)
    if add is None:
        return
    chips = list(getattr(labels, "_chips", {}).values())
    viewer = [w for w in [win.viewer] + win.viewer.findChildren(QWidget) if _tab_stop(w)]
    caption = win.panels.get("caption")
    after = [w for w in ([caption] + caption.findChildren(QWidget) if caption is not None else []) if _tab_stop(w)]
    chain = [viewer[-1] if viewer else win.grid] + chips + [add] + after[:1]
    for before, nxt in zip(chain, chain[1:]):
        QWidget.setTabOrder(before, nxt)


def _tab_stop(w) -> bool:
    return bool(w.focusPolicy() & Qt.FocusPolicy.TabFocus)
