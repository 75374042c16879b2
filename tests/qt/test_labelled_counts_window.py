"""A new image labelled with no Enter shows "N+" on its tile, but the status bar's counts
said "new 12", counting it in with the untouched ones: they say "new 12 (1 labelled)",
moved with the review write's own result (no read), and a fresh read (one query for the
whole project) says the same. A suggested image that carries labels (a label key pressed,
its card still pending) is the same case for the "S" badge: "S+", "suggested 1 (1 labelled)".
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from qthelpers import open_and_index, settle

from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.qt.style import badge_of, status_glyph


def _counts(qtbot, win, text: str) -> None:
    qtbot.waitUntil(lambda: text in win.counts_label.text(), timeout=5000)


def _read_again(qtbot, win) -> str:
    with qtbot.waitSignal(win.counts_loader.done, timeout=5000):
        win.update_counts()
    settle(qtbot)
    return win.counts_label.text()


def test_labelled_new_and_suggested_images_are_said_in_the_counts(qtbot, window, labelled_folder):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    win.team_watch.timer.stop()
    ids = project.image_ids()
    _counts(qtbot, win, "new 12")
    assert "labelled" not in win.counts_label.text()
    asked = win.project_ctl.counts_asked
    assert win.review.toggle_label("dent", ids[0])
    assert win.review.wait_writes(20)
    _counts(qtbot, win, "new 12 (1 labelled)")
    assert win.project_ctl.counts_asked == asked  # moved with the write, not read again
    assert _read_again(qtbot, win) == "12 images \u00b7 new 12 (1 labelled)"
    model = win.model
    tip = model.index(model.row_of(ids[0])).data(Qt.ItemDataRole.ToolTipRole)
    assert "labelled, not marked reviewed yet" in tip

    # a suggested image with a label on it and its card pending: S+, said in the counts
    project.add_suggestions([NewSuggestion(ids[1], "label", "crack", "m", score=0.5)])
    win.review._refresh(ids[1])
    assert _read_again(qtbot, win) == "12 images \u00b7 new 11 (1 labelled) \u00b7 suggested 1"
    assert win.review.toggle_label("scratch", ids[1])
    assert win.review.wait_writes(20)
    _counts(qtbot, win, "new 11 (1 labelled) \u00b7 suggested 1 (1 labelled)")
    rec = project.image(ids[1])
    assert rec.status == "suggested" and rec.labels == ("scratch",)
    row = model.row_of(ids[1])
    qtbot.waitUntil(lambda: model.record_at(row).labels == ("scratch",), timeout=5000)
    assert status_glyph(badge_of(model.record_at(row))) == "S+"
    assert "suggested: labelled" in model.index(row).data(Qt.ItemDataRole.ToolTipRole)
    assert _read_again(qtbot, win) == "12 images \u00b7 new 11 (1 labelled) \u00b7 suggested 1 (1 labelled)"

    # the N+ image's label taken off again: a plain N, the labelled count moves down with it
    asked = win.project_ctl.counts_asked
    assert win.review.toggle_label("dent", ids[0])  # its label off again: plain N
    assert win.review.wait_writes(20)
    _counts(qtbot, win, "new 11 \u00b7 suggested 1 (1 labelled)")
    assert win.project_ctl.counts_asked == asked
