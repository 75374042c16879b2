"""After every suggestion card of an image is accepted, card by card (Space on Accept), the
image is still "new": a card decides a suggestion, Enter or R decides the image (the status
line says so). Its tile's badge read a plain "N", as on an image nobody has touched,
though it now carries the cards' labels and caption: it reads "N+" and its tooltip says
"labelled, not marked reviewed yet"; Enter then marks it reviewed (✓)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from qthelpers import open_and_index, settle

from llmvis_desktop.core.store.records import NewSuggestion


def _badge(win, index) -> QImage:
    """The top-left corner (the status badge) of the tile's overlay, as the grid paints it."""
    d = win.grid.itemDelegate()
    pm = d._overlay(1.0, win.model, win.model.record_at(index.row()), win.grid.thumb_size)
    return pm.toImage().copy(0, 0, 40, d._badge_h + 6)


def test_a_new_image_with_its_cards_accepted_says_labelled_not_reviewed(qtbot, window, labelled_folder):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    first = win.review.current.id
    cap, dent = project.add_suggestions([NewSuggestion(first, "caption", "a scratch", "cap-a", score=0.9),
                                         NewSuggestion(first, "label", "dent", "lab-a", score=0.8)])
    win.review._refresh(first)
    panel = win.panel_ctl.suggestions
    qtbot.waitUntil(lambda: panel.card(dent) is not None, timeout=5000)
    win.activateWindow()
    for sid in (cap, dent):
        button = panel.card(sid).accept_button
        button.setFocus()
        QTest.keyClick(button, Qt.Key.Key_Space)
        assert win.review.wait_writes(20)
        settle(qtbot)
    img = project.image(first)
    assert img.status == "new" and img.labels == ("dent",) and img.caption == "a scratch"
    assert "Enter or R marks it reviewed" in win.statusBar().currentMessage()
    model = win.model
    row = model.row_of(first)
    other = next(r for r in range(model.rowCount()) if r != row)
    qtbot.waitUntil(lambda: model.record_at(row).labels == ("dent",), timeout=5000)
    tip = model.index(row).data(Qt.ItemDataRole.ToolTipRole)
    assert "status: new: labelled, not marked reviewed yet (Enter or R marks it)" in tip, tip
    assert "status: new\n" in model.index(other).data(Qt.ItemDataRole.ToolTipRole) + "\n"
    # the badge is not the plain N of an untouched image
    assert _badge(win, model.index(row)) != _badge(win, model.index(other))
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_R)  # R marks it reviewed: the ✓ badge, "status: reviewed"
    assert win.review.wait_writes(20)
    qtbot.waitUntil(lambda: model.record_at(row).status == "reviewed", timeout=5000)
    assert "status: reviewed" in model.index(row).data(Qt.ItemDataRole.ToolTipRole)
