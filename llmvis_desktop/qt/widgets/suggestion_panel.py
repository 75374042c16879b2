"""SuggestionPanel: model proposals for one image, each with its score and provenance.

Public API
----------
``SuggestionPanel(parent=None)``

Methods
    ``set_suggestions(items: list[SuggestionRecord])``  show the pending cards first,
        then the decided ones (withdrawn ones not at all); each: captions, then labels,
        then answers, by descending score. Pending items get Accept / Edit (captions
        only) / Reject buttons; decided ones show their outcome.
    ``clear()``                 same as ``set_suggestions([])``: shows the placeholder.
    ``card(sid) -> QWidget | None``  the row for a suggestion id (tests, focus).
    ``focus_first_pending() -> bool``  the first pending card (the top one) scrolled into
        view, its Accept button focused; False when no card is pending. Tab / Shift+Tab
        then move between the cards' buttons; Esc on a card emits ``finished``.
    ``is_empty() -> bool``

Signals (intent only; the controller calls ``Project.decide_suggestion``)
    ``accepted(int sid)``
    ``rejected(int sid)``
    ``edited(int sid, str text)``   after "Edit" then "Save" (or Ctrl+Enter) with
                                    non-empty text different from the proposal.
    ``finished()``                  an edit saved or cancelled, a card's Accept/Reject
                                    clicked, Esc on a card or in the ask box: the
                                    window gives the keys back to the grid.
    ``tile_requested(int sid)``     a tiled strip's label card's "Show tile": the window
                                    zooms the viewer to ``card(sid).tile_box()``.

``open_edits() -> {sid: text}``: edits typed but not saved; the window stores them as
edited before Accept/Reject/Undo and when the reviewer moves to another image.

The "Ask the image" field (``ask_edit``) starts disabled; the window's suggestion
controller enables it (and answers on Enter) once a chat model is chosen as the
captioner, and its tooltip says what is missing otherwise; ``ask_hint`` under it says
why nothing was asked (an empty question) or that a question was cut.

Each suggestion is a :class:`.suggestion_card.SuggestionCard` (its buttons, its edit box);
the panel keeps a pool of them and orders, fills and shows them.
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from llmvis_desktop.core.store.records import SuggestionRecord

from .. import style
from .suggestion_card import SuggestionCard, card_style

EMPTY_TEXT = ("No suggestions for this image yet. Suggestions menu: learn labels from reviewed "
              "images (no download), or run a captioner/labeler chosen in \u201cModels\u2026\u201d "
              "(headless: llmvis suggest FOLDER).")


# the panel alone has no answerer; the window's suggestion controller replaces this tooltip
ASK_TOOLTIP = "not available yet"
_KIND_ORDER = {"caption": 0, "label": 1, "answer": 2}


class SuggestionPanel(QWidget):
    accepted = Signal(int)
    rejected = Signal(int)
    edited = Signal(int, str)
    finished = Signal()  # an edit saved or cancelled, a card decided: the grid takes the keys back
    tile_requested = Signal(int)  # a tiled strip's label card's "Show tile" (its box: card(sid).tile_box())
    #: cards made with the panel, hidden until needed: made later, a card went to the end of
    #: the window's Tab order (after the filter bar) instead of after the caption
    POOL = 8

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._cards: dict[int, SuggestionCard] = {}
        self._pool: list[SuggestionCard] = []  # cards are reused from image to image

        self.placeholder = QLabel(EMPTY_TEXT)
        self.placeholder.setTextFormat(Qt.TextFormat.PlainText)
        # shown only while there are no cards: it takes the panel's free room, where its
        # wrapped lines fit (held to its size hint, the last lines were cut off); at its
        # top, as the History panel's "No history for this image yet."
        style.empty_note(self.placeholder)
        # and it scrolls when the panel is shorter than its lines (a short dock cut the
        # help text mid-sentence, with no scroll bar)
        self.placeholder_scroll = QScrollArea()
        self.placeholder_scroll.setWidgetResizable(True)
        self.placeholder_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.placeholder_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.placeholder_scroll.setWidget(self.placeholder)

        self._list = QWidget()
        self.follow_palette()
        self._list_lay = QVBoxLayout(self._list)
        self._list_lay.setContentsMargins(0, 0, 0, 0)
        self._list_lay.setSpacing(6)
        self._list_lay.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)  # cards shrink instead
        self.scroll.setWidget(self._list)
        for _ in range(self.POOL):  # in the Tab order now, between the list and "Ask the image"
            card = SuggestionCard(self)
            self._pool.append(card)
            self._list_lay.insertWidget(self._list_lay.count() - 1, card)
            card.hide()

        self.ask_edit = QLineEdit()
        self.ask_edit.setPlaceholderText("Ask the image\u2026")
        self.ask_edit.setEnabled(False)
        self.ask_edit.setToolTip(ASK_TOOLTIP)
        back = QShortcut(QKeySequence("Escape"), self.ask_edit)  # the keys back to the review, the
        back.setContext(Qt.ShortcutContext.WidgetShortcut)  # question kept (it held them: only Tab left)
        back.activated.connect(self.finished.emit)
        self.ask_hint = QLabel()  # set by the window's ask controller; hidden until it says something
        self.ask_hint.setObjectName("sgMuted")
        self.ask_hint.setWordWrap(True)
        self.ask_hint.hide()

        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(6)
        lay.addWidget(self.placeholder_scroll, 1)
        lay.addWidget(self.scroll, 1)
        lay.addStretch(0)  # takes the room while the list is hidden
        lay.addWidget(self.ask_edit)
        lay.addWidget(self.ask_hint)
        self.clear()

    def follow_palette(self) -> None:
        """Its colours from the palette now (built, or the OS switched light/dark)."""
        dock = style.DockColors(self.palette())  # (the palette's in a dark theme)
        self.placeholder.setStyleSheet(style.empty_note_sheet(dock))
        self._list.setStyleSheet(card_style(self.palette()))
    def clear(self) -> None:
        self.set_suggestions([])

    def is_empty(self) -> bool:
        return not self._cards

    def card(self, sid: int) -> Optional[SuggestionCard]:
        return self._cards.get(sid)

    def open_edits(self) -> dict[int, str]:
        """Suggestion id -> text typed in its card's open edit box, for edits that would
        be saved (see ``SuggestionCard.open_edit``)."""
        edits = {sid: card.open_edit() for sid, card in self._cards.items()}
        return {sid: text for sid, text in edits.items() if text is not None}

    def card_ids(self) -> set[int]:
        """The suggestions shown as cards now."""
        return set(self._cards)

    def focus_first_pending(self) -> bool:
        """The keys on the first pending card's Accept button (pending cards come first,
        in the panel's order), scrolled into view; False when there is none."""
        for card in self._pool:
            if card.isVisible() and card.sid in self._cards and card.accept_button is not None:
                self.scroll.ensureWidgetVisible(card)
                card.accept_button.setFocus(Qt.FocusReason.ShortcutFocusReason)
                return True
        return False

    def pending_card_ids(self) -> set[int]:
        """The suggestions shown as pending cards now (with their Accept/Reject buttons)."""
        return {sid for sid, card in self._cards.items() if card.pending}

    def set_suggestions(self, items: list[SuggestionRecord]) -> None:
        # a caption card being edited keeps its typed text through a refresh (a job ending)
        editing = {c.sid: (c.editor.toPlainText(), c.editor.hasFocus()) for c in self._pool
                   if c.isVisible() and c.editor is not None and c.edit_box.isVisible()}
        ordered = sorted(
            # withdrawn ones (replaced by a retrained suggester's) stay in the history only
            (s for s in items if s.outcome != "withdrawn"),
            key=lambda s: (s.outcome != "pending", _KIND_ORDER.get(s.kind, 9),
                           -(s.score if s.score is not None else -1.0), s.id),
        )
        while len(self._pool) < len(ordered):  # more cards than the pool made with the panel
            card = SuggestionCard(self)
            self._list_lay.insertWidget(self._list_lay.count() - 1, card)
            _tab_after(self._pool[-1] if self._pool else self.scroll, card)  # (once reparented)
            self._pool.append(card)
        self._cards = {}
        for card, s in zip(self._pool, ordered):
            card.show_suggestion(s)
            card.show()
            self._cards[s.id] = card
        for card in self._pool[len(ordered):]:
            card.hide()
        for sid, (text, focus) in editing.items():
            card = self._cards.get(sid)
            if card is not None and card.edit_button is not None:
                card.resume_edit(text, focus)
        empty = not ordered
        # the one going away first: while both were shown (a moment, but showing a widget
        # lays its window out at once) the panel's minimum held both scroll areas, and a
        # 1024x768 window grew 44 px taller than the screen, for good
        hide, show = (self.scroll, self.placeholder_scroll) if empty else (self.placeholder_scroll, self.scroll)
        hide.setVisible(False)
        self.placeholder.setVisible(empty)
        show.setVisible(True)


def _tab_after(before: QWidget, card: QWidget) -> None:
    """Put a card made late (beyond ``SuggestionPanel.POOL``) in the Tab order right after
    ``before`` (the card above it): made now, its buttons went to the end of the window's
    Tab order (after History). Only widgets of this panel are moved: no loop can form."""
    def stops(w):
        return [c for c in [w] + w.findChildren(QWidget) if c.focusPolicy() & Qt.FocusPolicy.TabFocus]

    prev = stops(before)
    chain = prev[-1:] + stops(card)
    for a, b in zip(chain, chain[1:]):
        QWidget.setTabOrder(a, b)
