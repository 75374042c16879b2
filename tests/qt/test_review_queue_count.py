"""A filtered review queue: the rows reviewed stay listed, the count says what still matches."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core.store.records import NewSuggestion


def test_a_filtered_queue_counts_what_still_matches(qtbot, window, labelled_folder):
    """After 3 Enters in "Suggested" the filter bar said "6 of 8"-style counts of the rows
    listed while the status bar said "suggested 3"."""
    project = open_and_index(qtbot, window, labelled_folder)
    win = window
    ids = project.image_ids()[:4]
    total = len(project.image_ids())
    project.add_suggestions([NewSuggestion(i, "label", "dent", "model:test", score=0.1 * (n + 1))
                             for n, i in enumerate(ids)])
    fb = win.filter_bar
    fb.status.setCurrentIndex(fb.status.findText("Suggested"))
    qtbot.waitUntil(lambda: win.model.rowCount() == 4, timeout=10000)
    qtbot.waitUntil(lambda: fb.count_label.text() == f"4 of {total}", timeout=10000)
    win.grid.select_row(0)
    win.grid.setFocus()
    for _ in range(2):
        QTest.keyClick(win.grid, Qt.Key.Key_Return)
    assert win.model.rowCount() == 4  # the reviewer's place: the rows stay listed
    qtbot.waitUntil(lambda: fb.count_label.text() == f"4 listed · 2 still match · {total} images", timeout=10000)
    # the filter applied again lists only those that match: the plain count again
    fb.status.setCurrentIndex(0)
    fb.status.setCurrentIndex(fb.status.findText("Suggested"))
    qtbot.waitUntil(lambda: win.model.rowCount() == 2, timeout=10000)
    qtbot.waitUntil(lambda: fb.count_label.text() == f"2 of {total}", timeout=10000)


def test_the_count_follows_the_rows_at_once_not_after_the_counts_query(qtbot, window, labelled_folder, monkeypatch):
    """At 100k images the count kept the previous filter's figure ("100,000 images" over
    5,535 rows) until a second query (the same scan again, 0.2-0.7 s) returned: it is
    set from the ids fetched, the counts query only adds "still match" later."""
    import threading

    project = open_and_index(qtbot, window, labelled_folder)
    fb = window.filter_bar
    total = len(project.image_ids())
    qtbot.waitUntil(lambda: fb.count_label.text() == f"{total} images", timeout=5000)
    project.set_status(project.image_ids()[0], "rejected", "t")
    gate = threading.Event()
    real = project.counts_by_status

    def held():
        gate.wait(10)
        return real()

    monkeypatch.setattr(project, "counts_by_status", held)
    try:
        with qtbot.waitSignal(window.query_loader.done, timeout=5000):
            fb.status.setCurrentIndex(fb.status.findText("Rejected"))
        assert window.model.rowCount() == 1
        assert fb.count_label.text() == f"1 of {total}"  # the counts query is still held
        with qtbot.waitSignal(window.query_loader.done, timeout=5000):
            fb.status.setCurrentIndex(0)
        assert fb.count_label.text() == f"{total} images"
    finally:
        gate.set()
    qtbot.waitUntil(lambda: not window.counts_loader._running, timeout=5000)
    assert fb.count_label.text() == f"{total} images"
