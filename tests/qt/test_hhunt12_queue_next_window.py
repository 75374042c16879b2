"""N in the review queue (sort "Uncertainty"): after the learned suggester's retrain the
grid is sorted again and the image on screen lands lower down (row 6 of 200 in the hunt),
with new least-sure images above it; N went on below it, so the images the queue puts
first were reached only once the whole list had been gone through. In a queue sort N now
goes to the least sure unreviewed image (the top one left), not counting the one on screen
nor those skipped with S."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion
from qthelpers import open_and_index


def _scored(folder) -> None:
    with Project.open(folder) as p:
        p.scan()
        ids = p.image_ids()
        p.add_suggestions([NewSuggestion(i, "label", "dent", "learned:test", score=0.30 + 0.05 * n)
                           for n, i in enumerate(ids)])


def _press_n(qtbot, win, row_before: int) -> int:
    QTest.keyClick(win.grid, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: win.model.row_of(win.review.current.id) != row_before, timeout=10000)
    return win.model.row_of(win.review.current.id)


def test_n_in_the_queue_sort_goes_to_the_least_sure_image_left(qtbot, window, labelled_folder):
    _scored(labelled_folder)
    win = window
    open_and_index(qtbot, win, labelled_folder)
    bar = win.filter_bar
    bar.sort.setCurrentIndex(bar.sort.findData("uncertainty"))
    qtbot.waitUntil(lambda: win.model.sort == "uncertainty", timeout=10000)
    p = win.project
    scores = [max(s.score for s in p.suggestions(i)) for i in win.model.ids]
    assert scores == sorted(scores)  # least sure first
    win.grid.select_row(3)  # (where a retrain's new order left the image on screen)
    win.grid.setFocus()
    assert _press_n(qtbot, win, 3) == 0
    assert "Next unreviewed" in win.statusBar().currentMessage()
    # S passes an image by: N does not bring it back while others are left
    QTest.keyClick(win.grid, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: win.model.row_of(win.review.current.id) == 1, timeout=5000)
    assert _press_n(qtbot, win, 1) == 2


def test_n_in_the_name_sort_still_goes_on_below(qtbot, window, labelled_folder):
    _scored(labelled_folder)
    win = window
    open_and_index(qtbot, win, labelled_folder)
    win.grid.select_row(3)
    win.grid.setFocus()
    assert _press_n(qtbot, win, 3) == 4


# N pressed again and again in the review queue goes on down the queue: it went to the least
# sure image left not counting the one on screen, so from the top image it went to the
# second and from there back to the top (0, 1, 0, 1...), and an inspector reading the least
# sure images with N never got past the first two. N leaves the image on screen undecided:
# it is passed by, as S passes one by.
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
