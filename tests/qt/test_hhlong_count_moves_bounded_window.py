"""A long review with no filter change: the status bar's counts are the last read plus
the moves of this window's writes since (status_counts); every Enter/Delete appended a
move, and with no read in between (no filter change, no job, no teammate) the list grew
with the session and was summed again at each key. Past ``COUNT_MOVES_READ`` moves the
counts are read again, which folds them in; the counts stay right."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import make_images, open_and_index, settle


def test_count_moves_folded_into_a_read(qtbot, window, tmp_path, monkeypatch):
    from llmvis_desktop.qt import status_counts

    monkeypatch.setattr(status_counts, "COUNT_MOVES_READ", 8, raising=False)
    folder = tmp_path / "many"
    make_images(folder, n=40, size=(32, 24))
    win = window
    open_and_index(qtbot, win, folder)
    qtbot.waitUntil(lambda: win.review.current is not None, timeout=20000)
    settle(qtbot)
    ctl = win.project_ctl
    qtbot.waitUntil(lambda: ctl._counts_read is not None, timeout=20000)
    win.grid.setFocus()
    most = 0
    for i in range(30):  # Enter and Delete: each moves one image's status
        QTest.keyClick(win.grid, Qt.Key.Key_Return if i % 3 else Qt.Key.Key_Delete)
        assert win.review.wait_writes(30)
        settle(qtbot, 2, 10)
        most = max(most, len(ctl._count_moves))
    assert most <= 8 + 3, most
    qtbot.waitUntil(lambda: "reviewed 20" in win.counts_label.text(), timeout=20000)
    assert "rejected 10" in win.counts_label.text(), win.counts_label.text()
