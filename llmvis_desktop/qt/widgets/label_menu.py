"""The LabelPanel's chip context menu: rename, colour, number key, exclusive, remove.

:class:`LabelMenuMixin` is part of :class:`.label_panel.LabelPanel`: it asks (the dialogs
are methods, ``_ask_rename``, ``_ask_color``, ``_ask_key``, ``_confirm_remove``, so tests
can replace them) and emits the panel's ``renameRequested``, ``recolorRequested``,
``keyRequested``, ``exclusiveRequested`` and ``removeRequested``; the controller changes the store.
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QInputDialog, QMenu, QMessageBox

from llmvis_desktop.core.store.records import LabelDef

_UNCHANGED = object()
_NO_KEY = "None (the next free key, if any)"


class LabelMenuMixin:
    def _def(self, name: str) -> Optional[LabelDef]:
        return next((d for d in self._defs if d.name == name), None)

    def _chip_menu(self, name: str, pos: QPoint) -> None:
        chip = self._chips.get(name)
        if chip is None:
            return
        menu = self.build_menu(name)
        menu.exec(chip.mapToGlobal(pos))

    def build_menu(self, name: str) -> QMenu:
        """The chip's context menu (rename / colour / remove)."""
        menu = QMenu(self)
        menu.addAction("Rename\u2026", lambda: self.request_rename(name))
        menu.addAction("Colour\u2026", lambda: self.request_recolor(name))
        menu.addAction("Number key\u2026", lambda: self.request_key(name))
        d = self._def(name)
        excl = menu.addAction("Exclusive (no other label with it)")
        excl.setCheckable(True)
        excl.setChecked(bool(d is not None and d.exclusive))
        excl.setToolTip("Putting this label on an image takes every other label off; putting any "
                        "other label on takes this one off (\u201cok\u201d, \u201cnormal\u201d)")
        excl.toggled.connect(lambda on: self.exclusiveRequested.emit(name, on))
        menu.addSeparator()
        menu.addAction("Remove\u2026", lambda: self.request_remove(name))
        return menu

    def request_rename(self, name: str) -> None:
        new = self._ask_rename(name)
        if new is None:
            return
        new = new.strip()
        if not new or new == name:
            return
        if any(d.name.lower() == new.lower() and d.name != name for d in self._defs):
            self._show_hint(f"A label named \u201c{new}\u201d already exists.")
            return
        self.renameRequested.emit(name, new)

    def request_recolor(self, name: str) -> None:
        d = self._def(name)
        color = self._ask_color(name, d.color if d else "#888888")
        if color and (d is None or color.lower() != d.color.lower()):
            self.recolorRequested.emit(name, color)

    def request_key(self, name: str) -> None:
        """Ask which key 1-9 toggles ``name`` (or none); a key another label holds is
        refused by the store, named in the question so the reviewer can free it first."""
        key = self._ask_key(name)
        if key is _UNCHANGED:
            return
        d = self._def(name)
        if d is not None and key == d.shortcut:
            return
        self.keyRequested.emit(name, key)

    def _ask_key(self, name: str):
        """"1".."9", None (no key) or ``_UNCHANGED`` (cancelled)."""
        held = {k: n for n, k in self._keys.items()}
        items = [f"{k}" + (f"  (now {held[k]})" if k in held and held[k] != name else "") for k in "123456789"]
        items.append(_NO_KEY)
        current = self._keys.get(name)
        index = "123456789".index(current) if current and current in "123456789" else len(items) - 1
        text, ok = QInputDialog.getItem(self, "Number key", f"Key that toggles \u201c{name}\u201d:",
                                        items, index, False)
        if not ok:
            return _UNCHANGED
        return None if text == _NO_KEY else text[0]

    def request_remove(self, name: str) -> None:
        if self._confirm_remove(name, self._usage.get(name, 0)):
            self.removeRequested.emit(name)

    def _ask_rename(self, name: str) -> Optional[str]:
        text, ok = QInputDialog.getText(self, "Rename label", f"New name for \u201c{name}\u201d:", text=name)
        return text if ok else None

    def _ask_color(self, name: str, current: str) -> Optional[str]:
        c = QColorDialog.getColor(QColor(current), self, f"Colour of \u201c{name}\u201d")
        return c.name() if c.isValid() else None

    def _confirm_remove(self, name: str, usage: int) -> bool:
        if usage <= 0:
            return True
        answer = QMessageBox.question(
            self, "Remove label",
            f"\u201c{name}\u201d is on {usage} image{'s' if usage != 1 else ''}. "
            "Remove it from the taxonomy and from those images? (Recorded in each image's history.)",
        )
        return answer == QMessageBox.StandardButton.Yes
