"""Behaviour and screenshots of the review panels on their own: label chips (keys, add,
rename, recolour, remove), the caption editor (commit, newline, cancel), suggestion
cards (accept, reject, edit, refilled not rebuilt) and the jobs panel."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import datetime, timezone  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from widget_shots import shot  # noqa: E402


# --- labels ------------------------------------------------------------------------
TAXONOMY = [("scratch", "#e6194b"), ("dent", "#3cb44b"), ("crack", "#4363d8"), ("stain", "#f58231"),
            ("pitting", "#911eb4"), ("burn", "#42d4f4"), ("ok", "#bfef45"), ("corrosion", "#9a6324"),
            ("foreign body", "#469990"), ("misaligned", "#800000")]


def label_defs():
    from llmvis_desktop.core.store.records import LabelDef

    return [LabelDef(i + 1, n, c, None, "", i) for i, (n, c) in enumerate(TAXONOMY)]


@pytest.fixture
def labels(qtbot):
    from llmvis_desktop.qt.widgets.label_panel import LabelPanel

    p = LabelPanel()
    qtbot.addWidget(p)
    p.set_labels(label_defs(), {"scratch": 120, "dent": 4, "ok": 3012})
    p.resize(360, 220)
    p.show()
    qtbot.waitExposed(p)
    return p


def test_label_chips_toggle_and_keys(labels, qtbot):
    assert labels.key_for("scratch") == "1" and labels.key_for("foreign body") == "9"
    assert labels.key_for("misaligned") is None
    assert labels.name_for_key("3") == "crack"
    assert labels.chip("scratch").text() == "1 \u00b7 scratch (120)"
    with qtbot.assertNotEmitted(labels.toggled):
        labels.set_checked(["dent", "ok"])
    assert labels.checked() == ["dent", "ok"]
    with qtbot.waitSignal(labels.toggled, timeout=10000) as blocker:
        QTest.mouseClick(labels.chip("crack"), Qt.MouseButton.LeftButton)
    assert blocker.args == ["crack", True]  # the change asked for: add (the chip was off)
    assert "crack" in labels.checked()
    with qtbot.waitSignal(labels.toggled, timeout=10000) as blocker:
        QTest.mouseClick(labels.chip("dent"), Qt.MouseButton.LeftButton)
    assert blocker.args == ["dent", False]  # remove (it was on)
    # chips wrap onto several lines in a narrow panel
    ys = {labels.chip(n).geometry().y() for n, _ in TAXONOMY}
    assert len(ys) >= 3
    shot(labels, "label_panel")


def test_label_add_rename_recolor_remove(labels, qtbot):
    labels.add_edit.setText("  hair line ")
    with qtbot.waitSignal(labels.addRequested, timeout=10000) as blocker:
        QTest.keyClick(labels.add_edit, Qt.Key.Key_Return)
    assert blocker.args[0] == "hair line" and blocker.args[1].startswith("#")
    assert blocker.args[1].lower() not in {c for _, c in TAXONOMY}
    labels.add_edit.setText("Scratch")
    with qtbot.assertNotEmitted(labels.addRequested):
        QTest.keyClick(labels.add_edit, Qt.Key.Key_Return)
    assert labels.hint.isVisibleTo(labels) and "already" in labels.hint.text()

    labels._ask_rename = lambda name: "deep scratch"
    with qtbot.waitSignal(labels.renameRequested, timeout=10000) as blocker:
        labels.request_rename("scratch")
    assert blocker.args == ["scratch", "deep scratch"]
    labels._ask_color = lambda name, current: "#123456"
    with qtbot.waitSignal(labels.recolorRequested, timeout=10000) as blocker:
        labels.request_recolor("dent")
    assert blocker.args == ["dent", "#123456"]
    asked = []
    labels._confirm_remove = lambda name, usage: asked.append((name, usage)) or True
    with qtbot.waitSignal(labels.removeRequested, timeout=10000) as blocker:
        labels.request_remove("ok")
    assert blocker.args == ["ok"] and asked == [("ok", 3012)]
    menu = labels.build_menu("ok")
    assert [a.text() for a in menu.actions() if a.text()] == ["Rename\u2026", "Colour\u2026", "Number key\u2026",
                                                             "Exclusive (no other label with it)", "Remove\u2026"]


# --- caption editor ----------------------------------------------------------------
@pytest.fixture
def caption(qtbot):
    from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

    from llmvis_desktop.qt.widgets.caption_editor import CaptionEditor

    host = QWidget()
    other = QLineEdit()  # somewhere for the focus to go
    ed = CaptionEditor()
    lay = QVBoxLayout(host)
    lay.addWidget(other)
    lay.addWidget(ed)
    qtbot.addWidget(host)
    host.resize(420, 200)
    host.show()
    qtbot.waitExposed(host)
    host.activateWindow()
    ed.other = other
    ed.host = host  # keep the Python wrapper (and so the window) alive
    return ed


def test_caption_set_does_not_commit(caption, qtbot):
    with qtbot.assertNotEmitted(caption.captionCommitted):
        caption.set_caption("a scratch on the left edge")
        caption.begin_edit()
        caption.other.setFocus()
        qtbot.wait(10)
    assert caption.caption() == "a scratch on the left edge"


def test_caption_commit_ctrl_enter(caption, qtbot):
    caption.set_caption("old")
    caption.begin_edit()
    assert caption.edit.textCursor().selectedText() == "old"
    QTest.keyClicks(caption.edit, "two dents ")
    with qtbot.waitSignal(caption.captionCommitted, timeout=10000) as blocker, \
            qtbot.waitSignal(caption.editFinished, timeout=10000):
        QTest.keyClick(caption.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == ["two dents"]
    assert caption.caption() == "two dents"
    # unchanged text: Ctrl+Enter finishes without committing
    caption.begin_edit()
    with qtbot.assertNotEmitted(caption.captionCommitted):
        QTest.keyClick(caption.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def test_caption_plain_enter_is_newline_and_focus_out_commits(caption, qtbot):
    caption.set_caption("")
    caption.begin_edit()
    QTest.keyClicks(caption.edit, "line one")
    QTest.keyClick(caption.edit, Qt.Key.Key_Return)
    QTest.keyClicks(caption.edit, "line two")
    assert caption.is_dirty()
    shot(caption.host, "caption_editor")
    with qtbot.waitSignal(caption.captionCommitted, timeout=10000) as blocker:
        caption.other.setFocus(Qt.FocusReason.TabFocusReason)
    assert blocker.args == ["line one\nline two"]


def test_caption_escape_cancels(caption, qtbot):
    caption.set_caption("keep me")
    caption.begin_edit()
    QTest.keyClicks(caption.edit, "garbage")
    with qtbot.assertNotEmitted(caption.captionCommitted):
        with qtbot.waitSignal(caption.editFinished, timeout=10000):
            QTest.keyClick(caption.edit, Qt.Key.Key_Escape)
        caption.other.setFocus()
        qtbot.wait(10)
    assert caption.text() == "keep me"
    assert not caption.edit.hasFocus()


# --- suggestions ---------------------------------------------------------------------
def _sug(sid, kind, value, score, outcome="pending", model="florence-2-base", final=None, by=None):
    from llmvis_desktop.core.store.records import SuggestionRecord

    t = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)
    return SuggestionRecord(sid, 1, kind, value, score, model, "a1b2c3d4e5f6" if kind == "caption" else None,
                            "<DETAILED_CAPTION>", {}, t, outcome, final, t if by else None, by)


@pytest.fixture
def suggestions(qtbot):
    from llmvis_desktop.qt.widgets.suggestion_panel import SuggestionPanel

    p = SuggestionPanel()
    qtbot.addWidget(p)
    p.resize(380, 520)
    p.show()
    qtbot.waitExposed(p)
    return p


def test_suggestions_empty_placeholder(suggestions):
    from llmvis_desktop.qt.widgets.suggestion_panel import EMPTY_TEXT

    assert suggestions.is_empty()
    assert suggestions.placeholder.isVisible()
    assert suggestions.placeholder.text() == EMPTY_TEXT and "llmvis suggest" in EMPTY_TEXT
    assert not suggestions.ask_edit.isEnabled()
    assert suggestions.ask_edit.toolTip() == "not available yet"
    shot(suggestions, "suggestion_panel_empty")


def test_suggestion_cards_are_refilled_not_rebuilt(suggestions, qtbot):
    first = [
        _sug(1, "label", "ok", 0.05, outcome="rejected", model="zero-shot-clip", by="alice"),
        _sug(2, "caption", "a scratched plate", 0.8),
        _sug(3, "label", "dent", None),
    ]
    suggestions.set_suggestions(first)
    cards = list(suggestions._pool)
    assert len(cards) == suggestions.POOL  # made with the panel (their place in the Tab order)
    decided = suggestions.card(1)
    assert decided.accept_button is None and decided.outcome_label.isVisible()
    assert decided.property("outcome") == "rejected"
    # the next image: fewer suggestions, and the decided card's widget now shows a pending one
    suggestions.set_suggestions([_sug(7, "label", "crack", 0.6), _sug(8, "caption", "a crack", 0.9)])
    assert suggestions._pool == cards  # the same widgets, refilled
    assert suggestions.card(8) is cards[0] and suggestions.card(8).value_label.text() == "a crack"
    assert suggestions.card(8).edit_button is not None and suggestions.card(7).edit_button is None
    assert suggestions.card(7).property("outcome") == "pending" and not suggestions.card(7).outcome_label.isVisible()
    assert suggestions.card(7).accept_button.isVisible() and not cards[2].isVisible()
    assert suggestions.card(1) is None
    with qtbot.waitSignal(suggestions.accepted) as sig:
        suggestions.card(7).accept_button.click()
    assert sig.args == [7]  # the refilled card reports its new suggestion


def test_suggestions_accept_reject_edit(suggestions, qtbot):
    items = [
        _sug(1, "label", "scratch", 0.91, model="zero-shot-clip"),
        _sug(2, "caption", "A metal plate with a long diagonal scratch near the left edge.", 0.78),
        _sug(3, "label", "dent", 0.34, model="zero-shot-clip"),
        _sug(4, "label", "ok", 0.05, outcome="rejected", model="zero-shot-clip", by="alice"),
    ]
    suggestions.set_suggestions(items)
    assert not suggestions.is_empty() and not suggestions.placeholder.isVisible()
    assert suggestions.card(1).score_bar.value() == 91
    assert suggestions.card(4).accept_button is None  # decided: no buttons
    assert suggestions.card(1).edit_button is None  # labels cannot be edited, only captions
    shot(suggestions, "suggestion_panel")
    with qtbot.waitSignal(suggestions.accepted, timeout=10000) as blocker:
        QTest.mouseClick(suggestions.card(1).accept_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [1]
    with qtbot.waitSignal(suggestions.rejected, timeout=10000) as blocker:
        QTest.mouseClick(suggestions.card(3).reject_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [3]
    card = suggestions.card(2)
    QTest.mouseClick(card.edit_button, Qt.MouseButton.LeftButton)
    assert card.editor.isVisible() and card.editor.toPlainText().startswith("A metal plate")
    card.editor.setPlainText("  A metal plate with two scratches. ")
    with qtbot.waitSignal(suggestions.edited, timeout=10000) as blocker:
        QTest.mouseClick(card.save_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [2, "A metal plate with two scratches."]
    suggestions.set_suggestions([])
    assert suggestions.is_empty() and suggestions.placeholder.isVisible()
    # a card a retrained suggester withdrew is history, not a card
    suggestions.set_suggestions([_sug(5, "label", "dent", 0.4, outcome="withdrawn"), _sug(6, "label", "ok", 0.7)])
    assert suggestions.card(5) is None and suggestions.card(6) is not None


# --- jobs ------------------------------------------------------------------------------
def test_jobs_formatting():
    from llmvis_desktop.qt.widgets.jobs_panel import format_eta, format_rate

    assert format_eta(42) == "42 s" and format_eta(185) == "3 min 05 s" and format_eta(3720) == "1 h 02 min"
    assert format_eta(None) == "" and format_rate(None) == ""
    # what is counted is said, as the CLI's lines say it ("7.5 /s" said nothing)
    assert format_rate(1234.4, "files") == "1,234 files/s" and format_rate(3.44) == "3.4 images/s"
    assert format_rate(0.1) == "1 image per 10 s" and format_rate(0.25, "steps") == "1 step per 4 s"


def test_jobs_panel_progress_cancel_finish(qtbot):
    from llmvis_desktop.qt.widgets.jobs_panel import JobsPanel

    p = JobsPanel()
    qtbot.addWidget(p)
    p.resize(420, 330)
    p.show()
    assert p.placeholder.isVisible()
    p.add_job("scan", "Indexing /data/line3")
    p.add_job("thumbs", "Thumbnails")
    p.add_job("export", "Export COCO")
    p.update_job("scan", 41_200, 100_000, "reading headers: cam2/img_41200.tif", eta_s=185, rate=1234.5,
                 unit="files")
    p.update_job("thumbs", 350, None, "cache warm-up")
    assert not p.placeholder.isVisible()
    row = p.row("scan")
    assert row.bar.value() == 41_200 and "ETA 3 min 05 s" in row.eta_label.text() and "1,234 files/s" in row.eta_label.text()
    assert p.row("thumbs").bar.maximum() == 0  # busy bar
    with qtbot.waitSignal(p.cancelRequested, timeout=10000) as blocker:
        QTest.mouseClick(p.row("thumbs").cancel_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["thumbs"]
    assert not p.row("thumbs").cancel_button.isEnabled()
    p.finish_job("thumbs", False, "cancelled after 350 images")
    p.finish_job("export", True, "1,204 images written to coco.json")
    assert p.running_ids() == ["scan"]
    assert not p.has_job("export") and p.row("export").finished
    assert "coco.json" in p.row("export").done_label.text()
    p.update_job("export", 1, 1, "late update is ignored")
    qtbot.wait(50)
    shot(p, "jobs_panel")
    p.clear_finished()
    p.finish_job("scan", True, "done")
    p.clear_finished()
    assert p.placeholder.isVisibleTo(p)
