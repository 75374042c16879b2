"""N (next unreviewed) moved without a word: nothing said which image it went to or how
many were left, and at the end "No unreviewed image left in this view." said nothing of
what the view held. Now: "Next unreviewed: NAME (K left in this view)", and at the end
how many are reviewed or rejected (or that the image on screen is the last one)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index


def _press_n(qtbot, win, said):
    before = len(said)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: any(said[before:]), timeout=5000)
    return [s for s in said[before:] if s][-1]


def test_n_says_where_it_went_and_why_it_stops(qtbot, window, labelled_folder):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    ids = win.model.ids
    n = len(ids)
    assert n >= 4
    for i in ids[1:3]:
        project.set_status(i, "reviewed", "t")
    win.model.refresh_all()
    win.grid.select_row(0)
    said: list[str] = []
    win.review.message.connect(said.append)
    line = _press_n(qtbot, win, said)
    rec = win.review.current
    assert rec.id == ids[3]
    assert line == f"Next unreviewed: {rec.relpath} ({n - 2} left in this view)", line
    # all but the one on screen done: it is the last
    for i in (ids[0], *ids[4:]):
        project.set_status(i, "rejected", "t")
    win.model.refresh_all()
    line = _press_n(qtbot, win, said)
    assert win.review.current.id == ids[3]
    assert line == "No other unreviewed image in this view: this one is the last.", line
    project.set_status(ids[3], "reviewed", "t")
    win.model.refresh_all()
    line = _press_n(qtbot, win, said)
    assert line == f"No unreviewed image left in this view (all {n} reviewed or rejected).", line


def test_n_says_when_it_goes_back_to_the_top(qtbot, window, labelled_folder):
    """Nothing unreviewed below the image on screen: N went up to the first one without
    a word, looking like a jump; the line now says it started again from the top."""
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    ids = win.model.ids
    n = len(ids)
    assert n >= 4
    for i in ids[2:-1]:
        project.set_status(i, "reviewed", "t")
    win.model.refresh_all()
    win.grid.select_row(n - 1)
    said: list[str] = []
    win.review.message.connect(said.append)
    line = _press_n(qtbot, win, said)
    rec = win.review.current
    assert rec.id == ids[0]
    assert line == f"Next unreviewed: {rec.relpath} — back at the top of the list (3 left in this view)", line
    line = _press_n(qtbot, win, said)  # on from the top: no wrap, plain line
    rec = win.review.current
    assert rec.id == ids[1]
    assert line == f"Next unreviewed: {rec.relpath} (3 left in this view)", line
