"""N pressed again and again in the review queue (sort "Uncertainty") goes on down the
queue: it went to the least sure image left not counting the one on screen, so from the
top image it went to the second and from there back to the top (0, 1, 0, 1...), and an
inspector reading the least sure images with N never got past the first two. N leaves the
image on screen undecided: it is passed by, as S passes one by."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion
from qthelpers import open_and_index


def _scored(folder) -> None:
    with Project.open(folder) as p:
        p.scan()
        p.add_suggestions([NewSuggestion(i, "label", "dent", "learned:test", score=0.30 + 0.05 * n)
                           for n, i in enumerate(p.image_ids())])


def _press_n(qtbot, win, row_before: int) -> int:
    QTest.keyClick(win.grid, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: win.model.row_of(win.review.current.id) != row_before, timeout=10000)
    return win.model.row_of(win.review.current.id)


def test_n_again_and_again_goes_down_the_queue(qtbot, window, labelled_folder):
    _scored(labelled_folder)
    win = window
    open_and_index(qtbot, win, labelled_folder)
    bar = win.filter_bar
    bar.sort.setCurrentIndex(bar.sort.findData("uncertainty"))
    qtbot.waitUntil(lambda: win.model.sort == "uncertainty", timeout=10000)
    win.grid.select_row(0)
    win.grid.setFocus()
    rows = [0]
    for _ in range(4):
        rows.append(_press_n(qtbot, win, rows[-1]))
    assert rows == [0, 1, 2, 3, 4]
    assert win.statusBar().currentMessage().startswith("Next unreviewed: ")
    assert win.project.image(win.model.ids[0]).review_status == "suggested"  # N decided nothing
