"""The grid's kept sort and filter (``view:<reviewer>``) are written when they change, off
the GUI thread, one write for a burst of changes: written only with the reviewer's place
(up to 5 s after a move, or at the close), a crash lost the last change. And the empty
grid's "no images match the filter kept from last time (...)" names the filter, not the
sort ("Reviewed - sorted by Modified" spoke of a filter)."""
from __future__ import annotations

import threading

from llmvis_desktop.core.project import Project
from qthelpers import open_and_index


def _choose(window, status: str, sort: str = "name", descending: bool = False) -> None:
    bar = window.filter_bar
    bar.status.setCurrentIndex(bar.status.findText(status))
    bar.sort.setCurrentIndex(bar.sort.findData(sort))
    bar.desc.setChecked(descending)


def _stored(folder, key: str):
    with Project.open(folder) as p:  # another connection: what a crash would leave
        return p.settings().get(key)


def test_a_change_of_sort_and_filter_is_written_at_once_off_the_gui_thread(qtbot, window, image_folder,
                                                                         monkeypatch):
    open_and_index(qtbot, window, image_folder)
    window.review._save_timer.setInterval(60_000)  # the place's own save writes nothing meanwhile
    writes = []
    real = Project.set_setting

    def counted(self, key, value):
        if key.startswith("view:"):
            writes.append((value, threading.current_thread() is threading.main_thread()))
        return real(self, key, value)

    monkeypatch.setattr(Project, "set_setting", counted)
    key = f"view:{window.review.reviewer_name()}"
    _choose(window, "New", "uncertainty", descending=True)  # three changes in a row
    want = {"statuses": ["new"], "sort": "uncertainty", "descending": True}
    qtbot.waitUntil(lambda: _stored(image_folder, key) == want, timeout=10000)  # the project still open
    qtbot.wait(2 * window.review.VIEW_SAVE_MS)
    assert writes == [(want, False)]  # one write for the burst, on the saver's thread
    window.close_project()  # the same view: not written again
    assert len(writes) == 1


def test_a_kept_filter_matching_nothing_names_the_filter_not_the_sort(qtbot, window, image_folder,
                                                                     monkeypatch):
    open_and_index(qtbot, window, image_folder)
    _choose(window, "Reviewed", "mtime", descending=True)  # nothing reviewed: the grid is empty
    qtbot.waitUntil(lambda: window.model.rowCount() == 0)
    window.close_project()
    lines = []
    window.statusBar().messageChanged.connect(lambda m: m and lines.append(m))
    with qtbot.waitSignal(window.index_finished, timeout=20000):
        assert window.open_project(image_folder)
    qtbot.waitUntil(lambda: window.model.filter is not None and window.model.rowCount() == 0)
    said = "No images match the filter kept from last time (Reviewed) \u2014 Esc shows all images"
    assert window.grid.empty_text == said
    assert said in lines
    # the line that says what was put back names the sort too
    assert "Kept from last time: Reviewed \u00b7 sorted by Modified, descending" in lines
