"""The review docks in a dark theme (the OS's dark mode; reviewers reading X-rays in a
dark room): the label chips, the caption box, the suggestion cards and the history kept
the light theme's white grounds and near-black text, four white islands beside a dark
window (/tmp/hunt-hdark2/render.py, shots dark_main.png). In a dark palette their ground
is now dark and their text readable on it; in a light palette they look as before (white
grounds). Measured on a grab of the window, as a reviewer sees it.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from contrast import contrast_ratio, dark, ground, luminance, text_contrast  # noqa: F401 - dark: a fixture
from PySide6.QtCore import QAbstractAnimation
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QVBoxLayout, QWidget

from llmvis_desktop.qt import style

READABLE = 4.5  # WCAG AA, body text
#: a dark theme's ground: well under a mid grey (#777777 is 0.18); white is 1.0, the
#: light theme's panel grey #f6f8fa 0.93
DARK_GROUND = 0.1

AT = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)


def _shown(qtbot, widget, w=460, h=320):
    qtbot.addWidget(widget)
    widget.resize(w, h)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _labels(qtbot):
    from llmvis_desktop.core.store.records import LabelDef
    from llmvis_desktop.qt.widgets.label_panel import LabelPanel

    QCursor.setPos(5000, 5000)  # (a chip under the pointer takes its hover colour)
    panel = _shown(qtbot, LabelPanel(), 900)
    panel.set_labels([LabelDef(i + 1, f"l{i}", c, None, "", i) for i, c in enumerate(style.LABEL_PALETTE)])
    return panel


def _cards(qtbot):
    from llmvis_desktop.core.store.records import SuggestionRecord
    from llmvis_desktop.qt.widgets.suggestion_panel import SuggestionPanel

    def rec(i, kind, value, outcome="pending"):
        return SuggestionRecord(i, 1, kind, value, 0.8, "microsoft/Florence-2-base", None, None, {}, AT,
                                outcome, None, None, "alice" if outcome != "pending" else None)

    top = QWidget()
    QVBoxLayout(top).addWidget(panel := SuggestionPanel())
    _shown(qtbot, top, 460, 520)
    panel.set_suggestions([rec(1, "caption", "a dented plate"), rec(2, "label", "dent"),
                           rec(3, "label", "crack", "rejected")])
    qtbot.waitUntil(lambda: panel.card(3) is not None and panel.card(3).outcome_label.isVisible())
    panel.kept_top = top  # (its window, kept while the panel is)
    return panel


def _history(qtbot):
    from llmvis_desktop.core.store.records import EventRecord
    from llmvis_desktop.qt.widgets.history_panel import HistoryPanel

    panel = _shown(qtbot, HistoryPanel())
    panel.set_events([EventRecord(1, 1, "model:/models/florence-2-base", AT, "caption", None, "a plate", None),
                      EventRecord(2, 1, "alice", AT, "status", None, "reviewed", None)])
    return panel


def _caption(qtbot):
    from llmvis_desktop.qt.widgets.caption_editor import CaptionEditor

    editor = _shown(qtbot, CaptionEditor())
    editor.set_caption("a fine scratch across the upper left corner")
    return editor


def _document_colours_read(browser, on) -> list:
    """The text colours of the history's document that do not read on ``on`` (the colour
    of a span with a ground of its own, the MODEL badge, is not measured against it)."""
    bad = []
    for css in re.findall(r'style="([^"]*)"', browser.toHtml()):
        m = re.search(r"(?<!-)color:(#[0-9a-fA-F]{6})", css)
        if not m or "background-color" in css:
            continue
        h = m.group(1)
        rgb = tuple(int(h[i:i + 2], 16) for i in (1, 3, 5))
        if contrast_ratio(rgb, on) < READABLE:
            bad.append((h, round(contrast_ratio(rgb, on), 2)))
    return bad


@pytest.mark.usefixtures("dark")
class TestDark:
    def test_label_chips_are_dark_and_their_names_readable(self, qtbot):
        panel = _labels(qtbot)
        for i in range(len(style.LABEL_PALETTE)):
            chip = panel.chip(f"l{i}")
            assert luminance(ground(chip)) < DARK_GROUND, (style.LABEL_PALETTE[i], ground(chip))
            assert text_contrast(chip) >= READABLE, style.LABEL_PALETTE[i]

    def test_the_caption_box_is_dark_and_its_text_readable(self, qtbot):
        editor = _caption(qtbot)
        assert luminance(ground(editor.edit.viewport())) < DARK_GROUND, ground(editor.edit.viewport())
        assert text_contrast(editor.edit.viewport()) >= READABLE
        editor.set_editable(False)  # no image: read-only, its own ground
        assert luminance(ground(editor.edit.viewport())) < DARK_GROUND, ground(editor.edit.viewport())

    def test_suggestion_cards_are_dark_and_every_line_readable(self, qtbot):
        panel = _cards(qtbot)
        for sid in (1, 2, 3):
            card = panel.card(sid)
            assert luminance(ground(card)) < DARK_GROUND, (sid, ground(card))
            for w in (card.kind_label, card.value_label, card.score_label, card.model_label):
                assert text_contrast(w) >= READABLE, (sid, w.objectName(), w.text())
        for b in (panel.card(1).accept_button, panel.card(1).edit_button, panel.card(1).reject_button):
            assert text_contrast(b) >= READABLE, b.text()
        assert text_contrast(panel.card(3).outcome_label) >= READABLE
        panel.clear()
        qtbot.waitUntil(panel.placeholder.isVisible)
        assert luminance(ground(panel.placeholder)) < DARK_GROUND
        assert text_contrast(panel.placeholder) >= READABLE

    def test_the_history_is_dark_and_its_names_and_times_readable(self, qtbot):
        panel = _history(qtbot)
        on = ground(panel.browser.viewport())
        assert luminance(on) < DARK_GROUND, on
        assert text_contrast(panel.browser.viewport()) >= READABLE
        assert _document_colours_read(panel.browser, on) == []
        panel.clear()
        assert text_contrast(panel.placeholder) >= READABLE


class TestLight:
    """The light theme as it was: white grounds (a regression guard, not a new look)."""

    def test_a_chips_ground_stays_white(self, qtbot):
        assert ground(_labels(qtbot).chip("l0")) == (255, 255, 255)

    def test_the_caption_boxs_ground_stays_white(self, qtbot):
        assert ground(_caption(qtbot).edit.viewport()) == (255, 255, 255)

    def test_the_cards_grounds_stay_white_and_grey(self, qtbot):
        cards = _cards(qtbot)
        assert ground(cards.card(1)) == (255, 255, 255)
        assert ground(cards.card(3)) == (0xf6, 0xf8, 0xfa)  # a decided card: the panel grey

    def test_the_historys_ground_stays_white(self, qtbot):
        history = _history(qtbot)
        assert ground(history.browser.viewport()) == (255, 255, 255)
        assert _document_colours_read(history.browser, (255, 255, 255)) == []

    def test_a_checked_chips_name_reads_on_its_colour(self, qtbot):
        """Black or white by the colour's luminance: white on the palette's green (#3cb44b)
        was 2.7:1, on its cyan (#42d4f4) 1.9:1."""
        panel = _labels(qtbot)
        panel.set_checked([f"l{i}" for i in range(len(style.LABEL_PALETTE))])
        for i, c in enumerate(style.LABEL_PALETTE):
            assert text_contrast(panel.chip(f"l{i}")) >= READABLE, c

    @pytest.mark.parametrize("ok", [True, False])
    def test_a_done_jobs_mark_is_seen_once_faded(self, qtbot, ok):
        """The green \u2713 faded with its line on the light row: 2.05:1."""
        from llmvis_desktop.qt.widgets.jobs_panel import JobsPanel

        panel = _shown(qtbot, JobsPanel(), 860, 260)
        panel.add_job("a", "")
        panel.finish_job("a", ok, "")
        row = panel.row("a")
        qtbot.waitUntil(lambda: row._fade.state() == QAbstractAnimation.State.Stopped, timeout=5000)
        assert text_contrast(row.done_label) >= 3  # a sign: WCAG's 3:1 for graphics
