"""CaptionEditor: the image caption, edited in place, committed explicitly.

Public API
----------
``CaptionEditor(parent=None)``

Methods
    ``set_caption(text: str | None)``  show the stored caption; never emits
                                       ``captionCommitted`` (programmatic).
    ``caption() -> str``               the last committed / set caption.
    ``text() -> str``                  what the editor holds now (maybe uncommitted).
    ``begin_edit()``                   focus the editor and select all (F2 / E).
    ``is_dirty() -> bool``             text differs from ``caption()`` (after strip).
    ``commit() -> bool``               commit now if changed (returns whether it emitted).
    ``cancel()``                       restore ``caption()``, emit ``editFinished``.
    ``set_editable(on: bool)``         read-only when no image is selected.

Signals
    ``captionCommitted(str text)``  Ctrl+Enter, or focus leaving the editor, with
                                    changed text (whitespace-trimmed; "" clears the caption).
    ``editFinished()``              after Ctrl+Enter or Esc: the window should give the
                                    focus back to the grid / review flow.

Keys inside the editor: Ctrl+Enter commit, Esc cancel, plain Enter inserts a newline.
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from .. import style
from .elided_label import ElidedLabel


COMFORT_LINES = 4  # the box's lines where there is room (its minimum: two)


class _Edit(QPlainTextEdit):
    def __init__(self, owner: "CaptionEditor") -> None:
        super().__init__()
        self._owner = owner

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self._owner._commit_and_finish()
            event.accept()
            return
        if key == Qt.Key.Key_Escape:
            self._owner.cancel()
            event.accept()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        super().focusOutEvent(event)
        # a context menu or our own window losing focus is not the end of an edit
        if event.reason() not in (Qt.FocusReason.PopupFocusReason, Qt.FocusReason.ActiveWindowFocusReason) \
                and not self._owner._finishing:
            self._owner.commit()


class CaptionEditor(QWidget):
    captionCommitted = Signal(str)
    editFinished = Signal()

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._caption = ""
        self._changed_underneath = False  # the stored caption changed while one typed
        self.edit = _Edit(self)
        self.edit.setPlaceholderText("No caption \u2014 press F2 or E to write one")
        self.edit.setTabChangesFocus(True)
        self.edit.textChanged.connect(self._update_hint)
        # two lines at least (a plain text edit's own minimum, ~4 lines, held the Caption
        # dock at 123 px: at 960x540 the suggestion card's buttons went below its scroll)
        self.edit.setMinimumHeight(2 * self.edit.fontMetrics().lineSpacing() + 14)
        self.hint = ElidedLabel(min_width=40)  # never wider than the dock (it set the window's width)
        # the hint after a teammate's caption came under the typed text: both keys' meaning,
        # on as many lines as it takes (one line cut it at "Ctrl+En…" in a 400 px dock)
        self.clash = QLabel(wordWrap=True, objectName="captionClash")
        self.clash.setTextFormat(Qt.TextFormat.PlainText)
        self.clash.hide()
        self.count = QLabel()
        self.follow_palette()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.hint, 1)
        row.addWidget(self.count)
        lay = QVBoxLayout(self)
        # inset as the Labels and Suggestions docks (flush, the counter touched the dock's edge)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(3)
        lay.addWidget(self.edit, 1)
        lay.addWidget(self.clash)
        lay.addLayout(row)
        self.setFocusProxy(self.edit)
        self._update_hint()

    # --- public API ------------------------------------------------------------------
    def follow_palette(self) -> None:
        """Its colours from the palette now (built, or the OS switched light/dark)."""
        # the palette's ground in a dark theme (it was white there, beside a dark window)
        dock = style.DockColors(self.palette())
        self.edit.setStyleSheet(
            f"QPlainTextEdit {{ border: 1px solid {dock.border}; border-radius: 4px; padding: 4px;"
            f" background: {dock.ground}; color: {dock.text}; }}"
            f"QPlainTextEdit:focus {{ border: 2px solid {dock.accent}; }}"
            f"QPlainTextEdit:read-only {{ background: {dock.quiet}; }}"
        )
        muted = style.muted_color(self.palette(), QPalette.ColorRole.Window)  # light or dark theme
        self.hint.setStyleSheet(f"color: {muted}; font-size: small;")
        self.clash.setStyleSheet(f"color: {muted}; font-size: small; font-weight: bold;")
        self.count.setStyleSheet(f"color: {muted}; font-size: small;")

    def set_caption(self, text: Optional[str]) -> None:
        self._caption = text or ""
        self._changed_underneath = False
        self.edit.blockSignals(True)
        self.edit.setPlainText(self._caption)
        self.edit.blockSignals(False)
        self._update_hint()

    def caption(self) -> str:
        return self._caption

    def set_saved(self, text: Optional[str]) -> None:
        """The stored caption changed while the reviewer types (another reviewer saved one):
        the typed text stays, Esc now brings back the new stored one, and the hint says so
        (Esc showed the caption from before, and saving replaced theirs without a word)."""
        new = text or ""
        if new.strip() != self._caption.strip():
            self._caption = new
            self._changed_underneath = True
            self._update_hint()

    def text(self) -> str:
        return self.edit.toPlainText()

    def is_dirty(self) -> bool:
        return self.text().strip() != self._caption.strip()

    def begin_edit(self) -> None:
        if self.edit.isReadOnly():
            return
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.edit.selectAll()

    def commit(self) -> bool:
        if not self.is_dirty():
            return False
        self._caption = self.text().strip()
        self._changed_underneath = False
        self._update_hint()
        self.captionCommitted.emit(self._caption)
        return True

    def keep_unsaved(self, typed: str, saved: Optional[str]) -> None:
        """A commit that could not be stored: the editor holds ``typed`` again, marked as
        not saved against ``saved`` (what the database had), so moving on tries again.

        A stored caption shown since the commit that is neither (the image read again after
        a refusal: a teammate's caption saved meanwhile) is kept as the stored one instead,
        said changed underneath: Esc shows theirs, Ctrl+Enter saves the typed text over it
        (``saved`` put back made Esc bring back the caption from before theirs)."""
        shown = self._caption.strip()
        theirs = shown not in (typed.strip(), (saved or "").strip())
        self.set_caption(self._caption if theirs else saved)
        self._changed_underneath = theirs
        self.edit.blockSignals(True)
        self.edit.setPlainText(typed)
        self.edit.blockSignals(False)
        self._update_hint()

    def cancel(self) -> None:
        self.set_caption(self._caption)
        self._finish()

    def comfortable_height(self) -> int:
        """Its height with :data:`COMFORT_LINES` lines in the box: first-run sizing gives
        it that where the column has room (its minimum is two lines)."""
        return self.minimumSizeHint().height() + (COMFORT_LINES - 2) * self.edit.fontMetrics().lineSpacing()

    def set_editable(self, on: bool) -> None:
        self.edit.setReadOnly(not on)
        # read-only means no image selected: "press F2 or E to write one" was wrong there
        self.edit.setPlaceholderText("No caption \u2014 press F2 or E to write one" if on else "No image selected")
        self._update_hint()

    # --- internals --------------------------------------------------------------------
    def _commit_and_finish(self) -> None:
        self.commit()
        self._finish()

    _finishing = False  # Ctrl+Enter or Esc taking the focus away: no focus-out commit

    def _finish(self) -> None:
        if self.edit.hasFocus():
            # no focus-out commit: the text is not dirty now, or it is a save just refused and
            # put back (keep_unsaved: a teammate's caption or status since), which that commit
            # wrote at once over what the refusal had just shown
            self._finishing = True
            self.edit.blockSignals(True)
            try:
                self.edit.clearFocus()
            finally:
                self.edit.blockSignals(False)
                self._finishing = False
        self.editFinished.emit()

    def _update_hint(self) -> None:
        clash = not self.edit.isReadOnly() and self.is_dirty() and self._changed_underneath
        self.clash.setText("Changed by someone else meanwhile \u2014 Ctrl+Enter saves yours over "
                           "it, Esc shows theirs" if clash else "")
        self.clash.setVisible(clash)
        self.clash.setToolTip(f"Stored now: {self._caption}" if clash and self._caption else "")
        if self.edit.isReadOnly():
            self.hint.setText("")
        elif clash:  # (the keys said whole by the line above; theirs here, whole in the tooltip)
            theirs = " ".join(self._caption.split())
            self.hint.setText(f"Unsaved \u00b7 theirs: \u201c{theirs}\u201d" if theirs else "Unsaved \u00b7 theirs: no caption")
        elif self.is_dirty():
            self.hint.setText("Unsaved \u2014 Ctrl+Enter to save, Esc to cancel")
        else:
            self.hint.setText("F2 / E to edit \u00b7 Ctrl+Enter save \u00b7 Esc cancel")
        # the stored caption, when someone else's came under the typed text (the hint says Esc shows it)
        self.hint.setToolTip(f"Stored now: {self._caption}" if self.is_dirty() and self._changed_underneath
                             and self._caption else "")
        font = self.hint.font()
        font.setBold(self.is_dirty() and not self.edit.isReadOnly())
        self.hint.setFont(font)
        n = len(self.text())
        self.count.setText(f"{n} char{'s' if n != 1 else ''}" if n else "")
