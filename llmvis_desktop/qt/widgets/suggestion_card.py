"""SuggestionCard: one suggestion in the :class:`.suggestion_panel.SuggestionPanel`: its
kind, text (a few lines, then "More"), score, model, and for a pending one the Accept /
Edit (captions only) / Reject buttons with the caption's edit box; a decided one shows
its outcome. The card emits nothing of its own: a decision goes out through the panel's
``accepted`` / ``rejected`` / ``edited`` / ``finished`` signals.

``card_style(palette)`` is the one style sheet the panel sets on its card list; cards are styled
by it through their properties (``outcome``, ``kind``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QPalette, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from llmvis_desktop.core.store.records import SuggestionRecord
from llmvis_desktop.core.suggest import strip_tiles
from llmvis_desktop.core.suggest.strips import VIEW_KEY, describe
from llmvis_desktop.core.wording import model_short_name

from .. import style
from .elided_label import ClampedLabel, ElidedLabel, ModelLabel

if TYPE_CHECKING:
    from .suggestion_panel import SuggestionPanel

_OUTCOME_COLORS = {
    "accepted": style.STATUS_COLORS["reviewed"],
    "edited": style.STATUS_COLORS["reviewed"],
    "rejected": style.STATUS_COLORS["rejected"],
}


def card_style(palette=None) -> str:
    """The card list's style sheet for ``palette`` (the application's by default): the
    light theme's white cards as before; in a dark one the palette's grounds and colours
    that read on them (``style.DockColors``; white cards glared beside a dark window)."""
    from PySide6.QtWidgets import QApplication

    d = style.DockColors(palette if palette is not None else QApplication.palette())
    sug, ok, bad = d.accent, d.ok, d.bad
    rules = [
        f"#suggestionCard {{ background: {d.ground}; border: 1px solid {d.border};"
        f" border-left: 4px solid {style.STATUS_COLORS['suggested']}; border-radius: 4px; }}",
        f"#suggestionCard[outcome=\"accepted\"], #suggestionCard[outcome=\"edited\"] {{"
        f" background: {d.quiet}; border-left-color: {style.STATUS_COLORS['reviewed']}; }}",
        f"#suggestionCard[outcome=\"rejected\"] {{ background: {d.quiet};"
        f" border-left-color: {style.STATUS_COLORS['rejected']}; }}",
        f"#suggestionCard[outcome=\"other\"] {{ background: {d.quiet}; border-left-color: {d.border}; }}",
        "#suggestionCard QLabel { background: transparent; border: none; }",
        f"QLabel#sgKind {{ color: {sug}; font-weight: bold; font-size: small; }}",
        f"QLabel#sgValue {{ color: {d.text}; }}",
        "QLabel#sgValue[kind=\"label\"] { font-weight: bold; }",
        f"QLabel#sgSmall {{ color: {d.text}; font-size: small; }}",
        f"QLabel#sgMuted {{ color: {d.muted}; font-size: small; }}",
        f"QLabel#sgQuestion {{ color: {d.text}; font-size: small; font-style: italic; }}",
        f"QLabel#sgOutcome {{ color: {d.muted}; font-size: small; }}",
        f"QLabel#sgOutcome[outcome=\"accepted\"], QLabel#sgOutcome[outcome=\"edited\"] {{ color: {ok}; }}",
        f"QLabel#sgOutcome[outcome=\"rejected\"] {{ color: {bad}; }}",
        f"QPushButton#sgMore {{ color: {d.accent}; border: none; background: transparent;"
        " padding: 0px 2px; font-size: small; text-decoration: underline; }",
        f"QProgressBar#sgScore {{ border: 1px solid {d.border}; border-radius: 3px; background: {d.track}; }}",
        f"QProgressBar#sgScore::chunk {{ background: {style.STATUS_COLORS['suggested']}; border-radius: 2px; }}",
    ]
    # a hovered button is filled with its colour, its text the card's ground (white in a
    # light theme; white on a dark theme's light red was 2.6:1)
    for name, color in (("sgAccept", ok), ("sgEdit", d.muted), ("sgReject", bad)):
        rules.append(f"QPushButton#{name} {{ color: {color}; border: 1px solid {color}; border-radius: 3px;"
                     f" padding: 2px 10px; background: {d.ground}; }}")
        rules.append(f"QPushButton#{name}:hover {{ background: {color}; color: {d.ground}; }}")
    return "\n".join(rules)


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


def _rank_tip(s: SuggestionRecord) -> str:
    """For a zero-shot labeler's card: which of the image's labels it is and the rule that
    picked it (why an image has one label card, or three), else ""."""
    p = s.params or {}
    try:
        rank, top_k, min_score = int(p["rank"]), int(p["top_k"]), float(p["min_score"])
    except (KeyError, TypeError, ValueError):
        return ""
    size = p.get("taxonomy_size")
    of = f" of {size}" if isinstance(size, int) else ""
    return (f"\nlabel {rank}{of} by score (cards: the best label always, the next up to {top_k} "
            f"when they score {min_score:.2f} or more)")


class SuggestionCard(QFrame):
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
        # styled by the panel's one style sheet (card_style), keyed on properties
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
        # an answer's question, one line ("Q: is there a scratch?"): two kept answers read
        # "ANSWER yes" / "ANSWER no", which question each answered only in a tooltip
        self.question_label = ElidedLabel(objectName="sgQuestion")
        self.question_label.hide()
        text.addWidget(self.question_label)
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
        # a strip's label scored in tiles: the viewer zooms to the tile that gave the score
        self.tile_button = self._button("Show tile", "sgMore", lambda: self._decided(panel.tile_requested))
        self.tile_button.setFlat(True)
        self.tile_button.setToolTip("Zoom the viewer to the tile of the strip that gave this score, outlined")
        self.tile_button.hide()
        meta.addWidget(self.tile_button)
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

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        """Esc on one of the card's buttons (Accept, Reject, More...): the keys back to the
        review (the edit box's own Esc cancels the edit first)."""
        if event.key() == Qt.Key.Key_Escape and not event.modifiers():
            self._panel.finished.emit()
            event.accept()
            return
        super().keyPressEvent(event)

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
    def value(self) -> Optional[str]:
        return self._s.value if self._s is not None else None

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
        asked = (s.prompt or "").strip() if s.kind == "answer" else ""
        self.question_label.setText(f"Q: {' '.join(asked.split())}" if asked else "")
        self.question_label.setToolTip(f"asked: {asked}" if asked else "")
        self.question_label.setVisible(bool(asked))
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
        # a local model by its folder's name: its whole path is the tooltip's first line
        self.model_label.set_model(model_short_name(s.model_id), s.model_revision)
        tip = f"model: {s.model_id}"
        if s.model_revision:
            tip += f"\nrevision: {s.model_revision}"
        if s.prompt:
            tip += f"\nprompt: {s.prompt}"
        tip += _rank_tip(s) + describe((s.params or {}).get(VIEW_KEY))
        tip += strip_tiles.describe((s.params or {}).get(strip_tiles.PARAM))
        self.model_label.setToolTip(tip)
        self.tile_button.setVisible(self.tile_box() is not None)
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
            # an answer accepted is kept as a note (Keep as note, or Accept on its card)
            said = "kept as a note" if s.kind == "answer" and s.outcome == "accepted" else s.outcome
            self.outcome_label.setText(f"{said}{who}{final}")
            _set_prop(self.outcome_label, "outcome", s.outcome)
            self.outcome_label.show()

    def tile_box(self) -> Optional[tuple]:
        """((x, y, w, h), (strip width, height)) of the tile that gave this label card its
        score (:func:`~llmvis_desktop.core.suggest.strip_tiles.best_box`), or None."""
        if self._s is None or self._s.kind != "label":
            return None
        return strip_tiles.best_box((self._s.params or {}).get(strip_tiles.PARAM))

    def show_saving(self, outcome: str, final_value: Optional[str] = None) -> None:
        """The reviewer's decision, shown at once while the database writes it (a team's
        server far away): decided, no buttons, "accepted (saving…)"; the cards read once it
        has committed (or, refused, as the database has them) replace it."""
        if self._s is None:
            return
        from dataclasses import replace

        self.show_suggestion(replace(self._s, outcome=outcome, final_value=final_value, decided_by=None))
        self.outcome_label.setText(self.outcome_label.text() + " (saving\u2026)")

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


    def _hint_error(self) -> None:
        self.edit_hint.setStyleSheet(f"color: {style.error_color(self.palette(), QPalette.ColorRole.Base)};"
                                     " font-size: small;")

    def follow_palette(self) -> None:
        """The OS switched light/dark: the edit's error line in the new palette's red (the
        card's own colours come from the panel's style sheet)."""
        hint = getattr(self, "edit_hint", None)  # (made with the card's edit box, when first edited)
        if hint is not None and hint.styleSheet():
            self._hint_error()

    def save_edit(self) -> None:
        if self.editor is None:
            return
        text = self.editor.toPlainText().strip()
        if not text:
            self.edit_hint.setText("A caption cannot be empty (use Reject instead).")
            self._hint_error()
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
