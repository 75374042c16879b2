"""LabelPanel: the project's taxonomy as toggle chips in a wrapping flow layout.

Public API
----------
``LabelPanel(parent=None)``

Methods
    ``set_labels(defs: list[LabelDef], usage: dict[str, int] | None = None)``
        the chips (ordered by ``position`` then name), only those that changed made,
        changed or removed; keeps the checked names that still exist. A chip shows its key, its name and the usage count.
    ``set_checked(names: Iterable[str])``  check exactly these chips; emits nothing.
    ``checked() -> list[str]``
    ``chip(name) -> LabelChip | None``    the chip widget (tests, focus).
    ``key_for(name) -> str | None``        key shown on the chip: ``LabelDef.shortcut``
        when set, else "1".."9" by order for the first nine labels.
    ``name_for_key(key: str) -> str | None``  the reverse: what the controller should
        toggle when the reviewer presses ``key``.
    ``set_enabled_for_image(on: bool)``    grey the chips out when no image is selected.

Signals (user intent only; the controller changes the store then calls
``set_labels``/``set_checked``)
    ``toggled(str name, bool on)``        a chip was clicked: ``on`` is the change asked
                                          for (add when the chip was off on screen,
                                          remove when it was on), never a bare toggle
                                          of whatever the database holds by then.
    ``addRequested(str name, str color)`` from the "+ Add label" field (Enter).
    ``finished()``                        Enter (the label added, or nothing typed) or
                                          Esc in that field: the keys go back to the review.
    ``renameRequested(str old, str new)``  chip context menu > Rename…
    ``recolorRequested(str name, str color)``  chip context menu > Colour… (QColorDialog)
    ``removeRequested(str name)``          chip context menu > Remove… (asks to confirm
                                          when the label is in use)
    ``keyRequested(str name, object key)`` chip context menu > Number key…: "1".."9",
                                          or None (no key of its own: the chip shows
                                          the next free digit, as for any such label)
    ``roomWanted(int height)``            the chips changed and need more lines than
                                          shown: the panel's preferred height (the
                                          window grows the dock when there is room)

The chip context menu and its dialogs are :class:`.label_menu.LabelMenuMixin`; the
dialogs are methods (``_ask_rename``, ``_ask_color``, ``_ask_key``, ``_confirm_remove``) so
tests can replace them.
"""
from __future__ import annotations

from typing import Iterable, Optional

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from llmvis_desktop.core.store.records import LabelDef

from .. import style
from .flow_layout import FlowBox, FlowLayout  # noqa: F401 - FlowLayout: where it was
from .label_chip import LabelChip, chip_style
from .label_menu import LabelMenuMixin


#: the chip's marker of an exclusive label ("normal", "ok")
EXCLUSIVE_MARK = "\u2298"


class _ChipScroll(QScrollArea):
    """The chips' scroll area: as short as the panel makes it (the panel's own minimum
    keeps two lines of chips in sight), not a scroll area's ~70 px."""

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(super().minimumSizeHint().width(), 0)


class LabelPanel(LabelMenuMixin, QWidget):
    toggled = Signal(str, bool)
    addRequested = Signal(str, str)
    renameRequested = Signal(str, str)
    recolorRequested = Signal(str, str)
    removeRequested = Signal(str)
    keyRequested = Signal(str, object)  # name, "1".."9" or None (no key)
    exclusiveRequested = Signal(str, bool)  # name, mark it exclusive (True) or not
    chipsRebuilt = Signal()  # set_labels made new chips (the window's Tab order takes them in)
    finished = Signal()  # Enter or Esc in the "+ Add label" field: the keys go back to the review
    roomWanted = Signal(int)  # new chips' lines: the panel's preferred height (the window grows its dock)

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._defs: list[LabelDef] = []
        self._usage: dict[str, int] = {}
        self._chips: dict[str, LabelChip] = {}
        self._ids: dict[str, int] = {}  # label id by name (a renamed chip keeps the focus)
        self._keys: dict[str, str] = {}
        self._checked: set[str] = set()

        self.box = FlowBox()
        self.empty_label = QLabel("No labels yet \u2014 type a name below and press Enter.")
        self.empty_label.setWordWrap(True)
        self.add_edit = QLineEdit()
        self.add_edit.setPlaceholderText("+ Add label (Enter)")
        self.add_edit.setClearButtonEnabled(True)
        self.add_edit.returnPressed.connect(self._on_add)
        esc = QShortcut(QKeySequence("Escape"), self.add_edit)
        esc.setContext(Qt.ShortcutContext.WidgetShortcut)
        esc.activated.connect(lambda: (self.add_edit.clear(), self.hint.hide(), self.finished.emit()))
        self.add_edit.textEdited.connect(lambda _t: self.hint.hide())
        self.hint = QLabel()
        self.follow_palette()
        self.hint.setWordWrap(True)
        self.hint.hide()

        # the chips scroll (up and down only: they wrap to the dock's width, a long name
        # elided) when the dock is shorter than their lines; "+ Add label" stays below,
        # in sight. The nine chips' lines as the dock's minimum drew it over the Caption
        # and Suggestions docks on a small screen with many labels
        inner = QWidget()
        inner.setObjectName("labelPanelInner")
        lay = QVBoxLayout(inner)
        lay.setContentsMargins(6, 6, 6, 3)
        lay.setSpacing(6)
        lay.addWidget(self.empty_label)
        lay.addWidget(self.box)
        lay.addStretch(1)
        self.scroll = _ChipScroll()
        self.scroll.setObjectName("labelPanelScroll")
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no Tab stop of its own before the chips
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self.scroll, 1)
        self._below = below = QVBoxLayout()
        below.setContentsMargins(6, 3, 6, 6)
        below.setSpacing(4)
        below.addWidget(self.add_edit)
        below.addWidget(self.hint)
        outer.addLayout(below)

    #: the chips the panel asks room for (its preferred height): the review keys 1-9
    CHIPS_SHOWN = 9
    #: the chips' lines kept in sight however short the dock (its minimum height)
    LINES_SHOWN = 2

    def _flow_width(self, bar: bool = False) -> int:
        m = self.scroll.widget().layout().contentsMargins()
        width = self.width() - m.left() - m.right()
        if bar:
            width -= self.scroll.verticalScrollBar().sizeHint().width()
        return max(60, width)

    _gen = 0  # bumped when the chips or their texts change: the heights below are measured anew
    _heights: tuple = (None, (0, 0))  # ((width, gen), heights): asked many times a layout

    def _chip_heights(self) -> tuple[int, int]:
        """The chips' scroll area's (minimum, preferred) height at the panel's width: two
        lines of chips; the lines of the first nine (the review keys: at 1024x700 the
        dock showed 4 of the demo's 5 chips, the fifth cut in half). With no labels, the
        "No labels yet" text."""
        key = (self.width(), self._gen)
        if self._heights[0] == key:
            return self._heights[1]
        m = self.scroll.widget().layout().contentsMargins()
        pad = m.top() + m.bottom()
        if not self._defs:
            h = pad + self.empty_label.heightForWidth(self._flow_width())
            heights = (h, h)
        else:
            flow = self.box.flow
            low = flow.height_of_lines(self._flow_width(), self.LINES_SHOWN)
            bar = len(self._chips) > self.CHIPS_SHOWN  # (the others scroll: beside a scroll bar)
            want = flow.height_of_first(self._flow_width(bar), self.CHIPS_SHOWN)
            heights = (pad + low, pad + max(low, want))
        self._heights = (key, heights)
        return heights

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._gen += 1
        super().changeEvent(event)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        """Two lines of chips and the "+ Add label" field (asked anew each time: chips
        just made are laid out once shown)."""
        base = super().minimumSizeHint()
        low, _want = self._chip_heights()
        return QSize(base.width(), low + self._below.minimumSize().height())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        hint = super().sizeHint()
        low, want = self._chip_heights()
        return QSize(hint.width(), self.minimumSizeHint().height() + want - low)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        if self._chip_heights() != self._asked:
            # the chips wrap differently: another height, asked for once this resize is
            # over (asked for during the main window's own layout, it was lost)
            QTimer.singleShot(0, self, self._ask_height)

    _asked = (-1, -1)
    _hinted: Optional[int] = None  # the preferred height last asked for

    def _ask_height(self, grown: bool = False) -> None:
        """Ask the chips' heights anew; ``grown``: the chips changed, and a panel that
        showed all it asked for (not made shorter by the reviewer's drag) asks its dock
        for the room of its new lines (:attr:`roomWanted`)."""
        self._asked = self._chip_heights()
        self.updateGeometry()
        before, self._hinted = self._hinted, self.sizeHint().height()
        if grown and before is not None and self._hinted > before and self.isVisible() \
                and self.height() >= before - 2:
            self.roomWanted.emit(self._hinted)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        if event.type() in (QEvent.Type.Polish, QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._gen += 1  # a chip's style sheet applied (shown for the first time): another size
        elif event.type() == QEvent.Type.FocusIn and isinstance(obj, LabelChip):
            # the focused chip scrolled into sight (Tab, a key, the focus kept over a
            # rebuild); once more after the layout has placed a chip just made
            self._show_chip(obj)
            QTimer.singleShot(0, self, lambda chip=obj: self._show_chip(chip))
        return False

    def _show_chip(self, chip: LabelChip) -> None:
        if any(c is chip for c in self._chips.values()) and chip.hasFocus():  # (not one since deleted)
            self.scroll.ensureWidgetVisible(chip, 0, 4)

    # --- public API ------------------------------------------------------------------
    def set_labels(self, defs: list[LabelDef], usage: Optional[dict[str, int]] = None) -> None:
        """The chips of ``defs``: only those that changed are made, changed or removed (a
        teammate's new label made every chip anew: a style sheet each, the flow laid out
        chip by chip, ~45 ms on the GUI thread with 35 labels). A chip follows its
        label's id: a rename keeps the chip, and the keyboard focus on it."""
        self._defs = sorted(defs, key=lambda d: (d.position, d.name))
        self._usage = dict(usage or {})
        # the chip with the keyboard focus keeps it (Space toggled it; the usage counts
        # come a moment later); gone (a teammate removed its label), the keys go back to
        # the review
        focused = next((n for n, c in self._chips.items() if c.hasFocus()), None)
        old = {self._ids[n]: c for n, c in self._chips.items() if n in self._ids}
        focused_id = self._ids.get(focused) if focused is not None else None
        self._ids = {d.name: d.id for d in self._defs}
        self._checked &= {d.name for d in self._defs}
        self._keys = self._assign_keys()
        chips: dict[str, LabelChip] = {}
        changed = False  # chips made, removed or moved: the window's Tab order takes them in
        if focused is None and any(d.id not in old for d in self._defs):
            # chips to make: the box hidden meanwhile (shown again below), so that each
            # chip shown is not laid out with all the others (the whole flow once per chip:
            # 35 chips, 100-150 ms on the GUI thread as a project opened)
            self.box.setVisible(False)
        for d in self._defs:
            chip = old.pop(d.id, None)
            key = self._keys.get(d.name)
            if chip is None:
                chip = self._make_chip(d, key)
                chip.setEnabled(self._enabled)
                self.box.flow.addWidget(chip)
                chip.show()  # now, not when the layout gets to it: the lines are measured at once
                changed = True
            else:
                self._update_chip(chip, d, key)
            chips[d.name] = chip
        for chip in old.values():  # labels removed
            self.box.flow.removeWidget(chip)
            chip.hide()
            chip.deleteLater()
            changed = True
        self._chips = chips
        changed = self.box.flow.reorder(list(chips.values())) or changed
        self.set_checked(self._checked)
        self.empty_label.setVisible(not self._defs)
        # no chips: no empty box below the hint either (its spacing made the content 6 px
        # taller than the room asked for it: a stub scroll bar, and the hint wrapped beside it)
        self.box.setVisible(bool(self._defs))
        if changed:
            self.chipsRebuilt.emit()
        if focused is not None and focused_id not in {d.id for d in self._defs}:
            # in "+ Add label" a reviewer's "2" then Return added a label "2" to everyone's taxonomy
            self.finished.emit()
        self._gen += 1
        self.box.updateGeometry()
        self._ask_height(grown=True)  # room for the chips

    def _assign_keys(self) -> dict[str, str]:
        """The key of each label: its own (``shortcut``), else the next free digit by order."""
        keys: dict[str, str] = {}
        used_keys = {d.shortcut for d in self._defs if d.shortcut}
        next_digit = 1
        for d in self._defs:
            key = d.shortcut
            if not key:
                while next_digit <= 9 and str(next_digit) in used_keys:
                    next_digit += 1
                if next_digit <= 9:
                    key = str(next_digit)
                    next_digit += 1
            if key:
                keys[d.name] = key
        return keys

    def shows(self, defs: list[LabelDef]) -> bool:
        """Whether the chips are these labels' (names, colours, keys, order): then
        :meth:`set_usage` updates their counts in place."""
        return self._defs == sorted(defs, key=lambda d: (d.position, d.name))

    def set_usage(self, usage: dict[str, int]) -> None:
        """New usage counts on the chips shown, in place: :meth:`set_labels` makes every
        chip anew (a style sheet each, the flow laid out chip by chip: 20-70 ms with 30
        labels, every time a reviewer's or a teammate's change was shown)."""
        usage = dict(usage)
        if usage == self._usage:
            return
        self._usage = usage
        for d in self._defs:
            chip = self._chips.get(d.name)
            if chip is not None:
                self._set_chip_text(chip, d, self._keys.get(d.name))
        self._gen += 1
        self.box.updateGeometry()
        self._ask_height(grown=True)

    def move_usage(self, moves: dict[str, int]) -> None:
        """The counts moved by a committed action (``{name: +1 / -1}``), in place."""
        usage = dict(self._usage)
        for name, step in moves.items():
            if name in self._ids:
                usage[name] = max(0, usage.get(name, 0) + step)
        self.set_usage(usage)

    def set_checked(self, names: Iterable[str]) -> None:
        self._checked = set(names)
        for name, chip in self._chips.items():
            chip.blockSignals(True)
            chip.setChecked(name in self._checked)
            chip.blockSignals(False)

    def checked(self) -> list[str]:
        return [d.name for d in self._defs if self._chips[d.name].isChecked()]

    def chip(self, name: str) -> Optional[LabelChip]:
        return self._chips.get(name)

    def key_for(self, name: str) -> Optional[str]:
        return self._keys.get(name)

    def name_for_key(self, key: str) -> Optional[str]:
        for name, k in self._keys.items():
            if k == key:
                return name
        return None

    def exclusive_names(self) -> frozenset:
        """The names of the labels marked exclusive, as the chips show them."""
        return frozenset(d.name for d in self._defs if d.exclusive)

    _enabled = True  # chips made later (a teammate's label) are greyed out as the others

    def set_enabled_for_image(self, on: bool) -> None:
        self._enabled = bool(on)
        for chip in self._chips.values():
            chip.setEnabled(on)

    def follow_palette(self) -> None:
        """Its colours from the palette now (built, or the OS switched light/dark)."""
        self.empty_label.setStyleSheet(f"color: {style.muted_color(self.palette(), QPalette.ColorRole.Window)};")
        self.hint.setStyleSheet(f"color: {style.error_color(self.palette())};")
        for chip in self._chips.values():
            chip.setStyleSheet(chip_style(chip.property("labelColor"), self.palette()))

    # --- internals ----------------------------------------------------------------------
    def _make_chip(self, d: LabelDef, key: Optional[str]) -> LabelChip:
        chip = LabelChip(self.box)
        chip.installEventFilter(self)
        self._set_chip_text(chip, d, key)
        chip.setCheckable(True)
        chip.setChecked(d.name in self._checked)
        chip.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        chip.setStyleSheet(chip_style(d.color, self.palette()))
        chip.setProperty("labelColor", d.color)
        chip.setProperty("labelName", d.name)
        # the name now (a rename keeps the chip), not the one it was made with
        chip.clicked.connect(lambda _checked=False, c=chip: self._on_chip(c.property("labelName")))
        chip.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        chip.customContextMenuRequested.connect(lambda pos, c=chip: self._chip_menu(c.property("labelName"), pos))
        return chip

    def _update_chip(self, chip: LabelChip, d: LabelDef, key: Optional[str]) -> None:
        """A chip kept for ``d``: its name, key and count; its style sheet only when the
        colour changed (setting one restyles the chip)."""
        if chip.property("labelColor") != d.color:
            chip.setStyleSheet(chip_style(d.color, self.palette()))
            chip.setProperty("labelColor", d.color)
        chip.setProperty("labelName", d.name)
        self._set_chip_text(chip, d, key)

    def _set_chip_text(self, chip: LabelChip, d: LabelDef, key: Optional[str]) -> None:
        n = self._usage.get(d.name)
        mark = f" {EXCLUSIVE_MARK}" if d.exclusive else ""
        chip.set_parts(f"{key} \u00b7 " if key else "", d.name, mark + ("" if n is None else f" ({n})"))
        tip = d.name + (f" \u2014 {d.description}" if d.description else "")
        if d.exclusive:
            tip += f"\n{EXCLUSIVE_MARK} Exclusive: putting it on takes every other label off; any other label takes it off"
        if key:
            tip += f"\nKey: {key}"
        if n is not None:
            tip += f"\nUsed on {n} image{'s' if n != 1 else ''}"
        chip.setToolTip(tip + "\nRight-click: rename, colour, number key, exclusive, remove")

    def _on_chip(self, name: str) -> None:
        chip = self._chips.get(name)
        on = name not in self._checked if chip is None else chip.isChecked()
        if on:
            self._checked.add(name)
        else:
            self._checked.discard(name)
        self.toggled.emit(name, on)

    def _show_hint(self, text: str) -> None:
        self.hint.setText(text)
        self.hint.show()

    def give_back(self, name: str) -> None:
        """Put a name whose add was refused back in the "+ Add label" box (Enter cleared it),
        unless something else was typed there meanwhile."""
        if not self.add_edit.text().strip():
            self.add_edit.setText(name)
            self.add_edit.selectAll()

    def _on_add(self) -> None:
        name = " ".join(self.add_edit.text().split())
        if not name:
            self.finished.emit()
            return
        if any(d.name.lower() == name.lower() for d in self._defs):
            self._show_hint(f"\u201c{name}\u201d is already in the taxonomy.")
            return
        self.hint.hide()
        color = style.next_label_color([d.color for d in self._defs])
        self.add_edit.clear()
        self.addRequested.emit(name, color)
        self.finished.emit()
