"""SuggestionPanel: model proposals for one image, each with its score and provenance.

Public API
----------
``SuggestionPanel(parent=None)``

Methods
    ``set_suggestions(items: list[SuggestionRecord])``  show captions first, then
        labels, then answers, each group by descending score. Pending items get
        Accept / Edit (captions only) / Reject buttons; decided ones show their outcome.
    ``clear()``                 same as ``set_suggestions([])``: shows the placeholder.
    ``card(sid) -> QWidget | None``  the row for a suggestion id (tests, focus).
    ``is_empty() -> bool``

Signals (intent only; the controller calls ``Project.decide_suggestion``)
    ``accepted(int sid)``
    ``rejected(int sid)``
    ``edited(int sid, str text)``   after "Edit" then "Save" (or Ctrl+Enter) with
                                    non-empty text different from the proposal.
    ``finished()``                  an edit saved or cancelled, a card's Accept/Reject
                                    clicked: the window gives the keys back to the grid.

``open_edits() -> {sid: text}``: edits typed but not saved; the window stores them as
edited before Accept/Reject/Undo and when the reviewer moves to another image.

The "Ask the image" field (``ask_edit``) starts disabled; the window's suggestion
controller enables it (and answers on Enter) once a chat model is chosen as the
captioner, and its tooltip says what is missing otherwise; ``ask_hint`` under it says
why nothing was asked (an empty question) or that a question was cut.
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from llmvis_desktop.core.store.records import SuggestionRecord

from .. import style
from .elided_label import ClampedLabel, ModelLabel

EMPTY_TEXT = ("No suggestions for this image yet. Suggestions menu: learn labels from reviewed "
              "images (no download), or run a captioner/labeler chosen in \u201cModels\u2026\u201d "
              "(headless: llmvis suggest FOLDER).")


# the panel alone has no answerer; the window's suggestion controller replaces this tooltip
ASK_TOOLTIP = "not available yet"
_KIND_ORDER = {"caption": 0, "label": 1, "answer": 2}
_OUTCOME_COLORS = {
    "accepted": style.STATUS_COLORS["reviewed"],
    "edited": style.STATUS_COLORS["reviewed"],
    "rejected": style.STATUS_COLORS["rejected"],
}


def _card_style() -> str:
    sug, ok, bad = style.STATUS_COLORS["suggested"], style.STATUS_COLORS["reviewed"], style.STATUS_COLORS["rejected"]
    rules = [
        f"#suggestionCard {{ background: white; border: 1px solid {style.BORDER};"
        f" border-left: 4px solid {sug}; border-radius: 4px; }}",
        f"#suggestionCard[outcome=\"accepted\"], #suggestionCard[outcome=\"edited\"] {{"
        f" background: {style.PANEL_BG}; border-left-color: {ok}; }}",
        f"#suggestionCard[outcome=\"rejected\"] {{ background: {style.PANEL_BG}; border-left-color: {bad}; }}",
        f"#suggestionCard[outcome=\"other\"] {{ background: {style.PANEL_BG}; border-left-color: {style.BORDER}; }}",
        "#suggestionCard QLabel { background: transparent; border: none; }",
        f"QLabel#sgKind {{ color: {sug}; font-weight: bold; font-size: small; }}",
        f"QLabel#sgValue {{ color: {style.TEXT}; }}",
        "QLabel#sgValue[kind=\"label\"] { font-weight: bold; }",
        f"QLabel#sgSmall {{ color: {style.TEXT}; font-size: small; }}",
        f"QLabel#sgMuted {{ color: {style.TEXT_MUTED}; font-size: small; }}",
        f"QLabel#sgOutcome {{ color: {style.TEXT_MUTED}; font-size: small; }}",
        f"QLabel#sgOutcome[outcome=\"accepted\"], QLabel#sgOutcome[outcome=\"edited\"] {{ color: {ok}; }}",
        f"QLabel#sgOutcome[outcome=\"rejected\"] {{ color: {bad}; }}",
        f"QPushButton#sgMore {{ color: {style.ACCENT}; border: none; background: transparent;"
        " padding: 0px 2px; font-size: small; text-decoration: underline; }",
        f"QProgressBar#sgScore {{ border: 1px solid {style.BORDER}; border-radius: 3px; background: #eef1f4; }}",
        f"QProgressBar#sgScore::chunk {{ background: {sug}; border-radius: 2px; }}",
    ]
    for name, color in (("sgAccept", ok), ("sgEdit", style.TEXT_MUTED), ("sgReject", bad)):
        rules.append(f"QPushButton#{name} {{ color: {color}; border: 1px solid {color}; border-radius: 3px;"
                     " padding: 2px 10px; background: white; }")
        rules.append(f"QPushButton#{name}:hover {{ background: {color}; color: white; }}")
    return "\n".join(rules)


CARD_STYLE = _card_style()


def _set_prop(widget: QWidget, name: str, value) -> None:
    """Set a style-sheet property; re-polish only when it changed."""
    if widget.property(name) != value:
        widget.setProperty(name, value)
        st = widget.style()
        st.unpolish(widget)
        st.polish(widget)


class _ButtonRow(QWidget):
    """A card's buttons side by side, or one above the other while the card is narrower
    than they are side by side (in an 800 px window the Reject button was cut to "Re":
    the row held the cards wider than the dock, with no horizontal scroll bar)."""

    def __init__(self) -> None:
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # the card's width rules
        lay = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        lay.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)

    def fit(self) -> None:
        lay = self.layout()
        shown = [w for w in (lay.itemAt(i).widget() for i in range(lay.count())) if w is not None and not w.isHidden()]
        need = sum(w.sizeHint().width() for w in shown) + lay.spacing() * max(0, len(shown) - 1)
        way = QBoxLayout.Direction.LeftToRight if self.width() >= need else QBoxLayout.Direction.TopToBottom
        if lay.direction() != way:
            lay.setDirection(way)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit()


class _Card(QFrame):
    """One suggestion's card. Cards are kept and refilled (:meth:`show_suggestion`) as
    the reviewer moves between images: creating a card's dozen widgets and having the
    window's style sheet polish each of them cost about 9 ms per card (90 ms for an
    image with ten suggestions), refilling one costs a few text updates."""

    MAX_LINES = 3  # of a suggestion's text, until "More"

    def __init__(self, panel: "SuggestionPanel") -> None:
        super().__init__()
        self.sid = 0
        self._panel = panel
        self._s: Optional[SuggestionRecord] = None
        self.setObjectName("suggestionCard")
        # styled by the panel's one style sheet (CARD_STYLE), keyed on properties
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.setSpacing(4)
        self._card_layout = lay

        head = QHBoxLayout()
        self.kind_label = QLabel()
        self.kind_label.setObjectName("sgKind")
        # level with the text's first line (centred, a long caption's tag was out of view)
        head.addWidget(self.kind_label, 0, Qt.AlignmentFlag.AlignTop)
        # a few lines at most, the whole text in its tooltip and under "More": a 972-character
        # caption made the card 350 px tall, its buttons below the dock's view
        self.value_label = ClampedLabel(self.MAX_LINES)
        self.value_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.value_label.setObjectName("sgValue")
        # "More" under the text while it is cut (beside the score it widened an 800 px window's card)
        text = QVBoxLayout()
        text.setSpacing(0)
        text.addWidget(self.value_label)
        self.more_button = self._button("More", "sgMore", self._toggle_more)
        self.more_button.setFlat(True)
        self.more_button.hide()
        text.addWidget(self.more_button, 0, Qt.AlignmentFlag.AlignLeft)
        head.addLayout(text, 1)
        lay.addLayout(head)

        meta = QHBoxLayout()
        self.score_bar = QProgressBar()
        self.score_bar.setObjectName("sgScore")
        self.score_bar.setRange(0, 100)
        self.score_bar.setTextVisible(False)
        self.score_bar.setFixedHeight(8)
        self.score_bar.setFixedWidth(90)
        meta.addWidget(self.score_bar)
        self.score_label = QLabel()
        self.score_label.setObjectName("sgSmall")
        meta.addWidget(self.score_label)
        self.model_label = ModelLabel()
        self.model_label.setObjectName("sgMuted")
        meta.addWidget(self.model_label, 1)
        self.value_label.clamped_changed.connect(lambda _clamped: self._update_more())
        lay.addLayout(meta)

        self._buttons = _ButtonRow()
        buttons = self._buttons.layout()
        self._accept = self._button("Accept", "sgAccept", self._accept_clicked)
        self._edit = self._button("Edit\u2026", "sgEdit", self.start_edit)
        self._reject = self._button("Reject", "sgReject", lambda: self._decided(panel.rejected))
        for b in (self._accept, self._edit, self._reject):
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay.addWidget(self._buttons)
        self.outcome_label = QLabel()
        self.outcome_label.setWordWrap(True)
        self.outcome_label.setObjectName("sgOutcome")
        lay.addWidget(self.outcome_label)
        self.editor: Optional[QPlainTextEdit] = None

    def _toggle_more(self) -> None:
        self.value_label.set_expanded(not self.value_label.is_expanded())
        self._update_more()

    def _update_more(self) -> None:
        expanded = self.value_label.is_expanded()
        self.more_button.setText("Less" if expanded else "More")
        self.more_button.setToolTip("Show the first lines only" if expanded else "Show the whole text")
        self.more_button.setVisible(expanded or self.value_label.is_clamped())

    def _decided(self, signal) -> None:
        sid = self.sid
        signal.emit(sid)
        # the keys go back to the review (a focused button, reused by the next image's
        # card, took Space)
        self._panel.finished.emit()

    def _accept_clicked(self) -> None:
        text = self.open_edit()  # a text typed in the open edit box is the decision (it was dropped)
        if text is None:
            return self._decided(self._panel.accepted)
        self.edit_box.hide()
        self._panel.edited.emit(self.sid, text)
        self._panel.finished.emit()

    def open_edit(self) -> Optional[str]:
        """The text typed in this card's open edit box, when it would be saved as an
        edit (not empty, not the proposal); else None."""
        if self.editor is None or not self.edit_box.isVisible() or not self.pending:
            return None
        text = self.editor.toPlainText().strip()
        return text if text and text != self._s.value.strip() else None

    # the action buttons of a pending suggestion (None when it has none)
    @property
    def kind(self) -> Optional[str]:
        return self._s.kind if self._s is not None else None

    @property
    def pending(self) -> bool:
        return self._s is not None and self._s.outcome == "pending"

    @property
    def accept_button(self) -> Optional[QPushButton]:
        return self._accept if self.pending else None

    @property
    def reject_button(self) -> Optional[QPushButton]:
        return self._reject if self.pending else None

    @property
    def edit_button(self) -> Optional[QPushButton]:
        return self._edit if self.pending and self._s.kind == "caption" else None

    def show_suggestion(self, s: SuggestionRecord) -> None:
        self.sid, self._s = s.id, s
        pending = s.outcome == "pending"
        _set_prop(self, "outcome", s.outcome if s.outcome in _OUTCOME_COLORS else
                  ("pending" if pending else "other"))
        self.kind_label.setText(s.kind.upper())
        self.value_label.set_full_text(s.value)  # (shown short again: a new suggestion)
        self._update_more()
        _set_prop(self.value_label, "kind", s.kind)
        score_text = "no score"
        if s.score is not None:
            self.score_bar.setValue(round(max(0.0, min(1.0, float(s.score))) * 100))
            score_text = f"{float(s.score):.2f}"
        else:
            self.score_bar.setValue(0)
        self.score_bar.setEnabled(s.score is not None)
        self.score_bar.setToolTip(f"score {score_text}")
        self.score_label.setText(score_text)
        self.model_label.set_model(s.model_id, s.model_revision)
        tip = f"model: {s.model_id}"
        if s.model_revision:
            tip += f"\nrevision: {s.model_revision}"
        if s.prompt:
            tip += f"\nprompt: {s.prompt}"
        self.model_label.setToolTip(tip)
        self._buttons.setVisible(pending)
        self._edit.setVisible(pending and s.kind == "caption")
        self._buttons.fit()
        if self.editor is not None:
            self.edit_box.hide()
        if pending:
            self.outcome_label.hide()
        else:
            who = f" by {s.decided_by}" if s.decided_by else ""
            final = f": \u201c{s.final_value}\u201d" if s.outcome == "edited" and s.final_value else ""
            self.outcome_label.setText(f"{s.outcome}{who}{final}")
            _set_prop(self.outcome_label, "outcome", s.outcome)
            self.outcome_label.show()

    @staticmethod
    def _button(text: str, name: str, slot) -> QPushButton:
        b = QPushButton(text)
        b.setObjectName(name)
        b.setCursor(Qt.CursorShape.PointingHandCursor)
        b.clicked.connect(slot)
        return b

    def _build_editor(self, lay: QVBoxLayout) -> None:
        self.edit_box = QWidget()
        el = QVBoxLayout(self.edit_box)
        el.setContentsMargins(0, 0, 0, 0)
        self.editor = QPlainTextEdit()
        self.editor.setFixedHeight(64)
        el.addWidget(self.editor)
        row = QHBoxLayout()
        self.save_button = QPushButton("Save edit")
        self.save_button.clicked.connect(self.save_edit)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_edit)
        self.edit_hint = QLabel("Ctrl+Enter saves")
        self.edit_hint.setObjectName("sgMuted")
        row.addWidget(self.save_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.edit_hint, 1)
        el.addLayout(row)
        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            sc = QShortcut(QKeySequence(seq), self.editor)
            sc.setContext(Qt.ShortcutContext.WidgetShortcut)
            sc.activated.connect(self.save_edit)
        esc = QShortcut(QKeySequence("Escape"), self.editor)
        esc.setContext(Qt.ShortcutContext.WidgetShortcut)
        esc.activated.connect(self.cancel_edit)
        self.edit_box.hide()
        lay.addWidget(self.edit_box)

    def start_edit(self) -> None:
        if self._s is None or self._s.kind != "caption" or self._s.outcome != "pending":
            return
        if self.editor is None:
            self._build_editor(self._card_layout)
        self.editor.setPlainText(self._s.value)
        self.edit_box.show()
        self.editor.setFocus()
        self.editor.selectAll()

    def resume_edit(self, text: str, focus: bool) -> None:
        """Open the edit box again with ``text`` (typed before the panel was refilled)."""
        self.start_edit()
        if self.editor is not None:
            self.editor.setPlainText(text)
            self.editor.moveCursor(QTextCursor.MoveOperation.End)
            if not focus:
                self.editor.clearFocus()

    def save_edit(self) -> None:
        if self.editor is None:
            return
        text = self.editor.toPlainText().strip()
        if not text:
            self.edit_hint.setText("A caption cannot be empty (use Reject instead).")
            self.edit_hint.setStyleSheet(f"color: {style.ERROR_FG}; font-size: small;")
            return
        self.edit_box.hide()
        if text == self._s.value.strip():
            self._panel.accepted.emit(self.sid)
        else:
            self._panel.edited.emit(self.sid, text)
        self._panel.finished.emit()

    def cancel_edit(self) -> None:
        if self.editor is not None:
            self.edit_box.hide()
            self._panel.finished.emit()


class SuggestionPanel(QWidget):
    accepted = Signal(int)
    rejected = Signal(int)
    edited = Signal(int, str)
    finished = Signal()  # an edit saved or cancelled, a card decided: the grid takes the keys back
    #: cards made with the panel, hidden until needed: made later, a card went to the end of
    #: the window's Tab order (after the filter bar) instead of after the caption
    POOL = 8

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._cards: dict[int, _Card] = {}
        self._pool: list[_Card] = []  # cards are reused from image to image

        self.placeholder = QLabel(EMPTY_TEXT)
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.placeholder.setTextFormat(Qt.TextFormat.PlainText)
        self.placeholder.setStyleSheet(
            f"color: {style.TEXT_MUTED}; background: {style.PANEL_BG}; border: 1px dashed {style.BORDER};"
            " border-radius: 4px;"
        )
        self.placeholder.setContentsMargins(10, 10, 10, 10)
        # shown only while there are no cards: it takes the panel's free room, where its
        # wrapped lines fit (held to its size hint, the last lines were cut off)
        self.placeholder.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        # and it scrolls when the panel is shorter than its lines (a short dock cut the
        # help text mid-sentence, with no scroll bar)
        self.placeholder_scroll = QScrollArea()
        self.placeholder_scroll.setWidgetResizable(True)
        self.placeholder_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.placeholder_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.placeholder_scroll.setWidget(self.placeholder)

        self._list = QWidget()
        self._list.setStyleSheet(CARD_STYLE)
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
            card = _Card(self)
            self._pool.append(card)
            self._list_lay.insertWidget(self._list_lay.count() - 1, card)
            card.hide()

        self.ask_edit = QLineEdit()
        self.ask_edit.setPlaceholderText("Ask the image\u2026")
        self.ask_edit.setEnabled(False)
        self.ask_edit.setToolTip(ASK_TOOLTIP)
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

    def clear(self) -> None:
        self.set_suggestions([])

    def is_empty(self) -> bool:
        return not self._cards

    def card(self, sid: int) -> Optional[_Card]:
        return self._cards.get(sid)

    def open_edits(self) -> dict[int, str]:
        """Suggestion id -> text typed in its card's open edit box, for edits that would
        be saved (see ``_Card.open_edit``)."""
        edits = {sid: card.open_edit() for sid, card in self._cards.items()}
        return {sid: text for sid, text in edits.items() if text is not None}

    def card_ids(self) -> set[int]:
        """The suggestions shown as cards now."""
        return set(self._cards)

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
            card = _Card(self)
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
