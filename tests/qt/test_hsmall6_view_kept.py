"""The grid's sort and filter are kept per reviewer and project: a reviewer who chose
"Uncertainty (review queue)" and a status filter, closed the window and reopened the
project was back at Name / All images (only the place in the grid was kept). They are put
back before the open's first grid query (one query, not two), the status bar says so,
and a kept filter that now matches nothing says that too, not a blank grid alone."""
from __future__ import annotations

from llmvis_desktop.core.project import Project
from llmvis_desktop.qt.filter_bar import KIND_ROLE
from qthelpers import open_and_index


def _choose(window, status: str, sort: str = "name", descending: bool = False, label=None) -> None:
    bar = window.filter_bar
    bar.status.setCurrentIndex(bar.status.findText(status))
    if label is not None:
        bar.label.setCurrentIndex(bar.label.findText(label))
    bar.sort.setCurrentIndex(bar.sort.findData(sort))
    bar.desc.setChecked(descending)


def _reopen(qtbot, window, folder, monkeypatch) -> tuple[list, list]:
    """Reopen ``folder`` until indexed: (the grid queries' params, the status bar's lines)."""
    queries, lines = [], []
    real = Project.image_ids

    def counted(self, flt=None, sort="name", descending=False, *a, **k):
        queries.append((flt, sort, descending))
        return real(self, flt, sort, descending, *a, **k)

    monkeypatch.setattr(Project, "image_ids", counted)
    window.statusBar().messageChanged.connect(lambda m: m and lines.append(m))
    with qtbot.waitSignal(window.index_finished, timeout=20000):
        assert window.open_project(folder)
    return queries, lines


def test_sort_and_filter_come_back_on_reopen_with_one_query(qtbot, window, image_folder, monkeypatch):
    open_and_index(qtbot, window, image_folder)
    _choose(window, "New", "uncertainty", descending=True)
    qtbot.waitUntil(lambda: window.model.sort == "uncertainty" and window.model.descending)
    window.close_project()
    with Project.open(image_folder) as p:
        kept = p.settings()[f"view:{window.review.known_actor()}"]
    assert kept == {"statuses": ["new"], "sort": "uncertainty", "descending": True}

    queries, lines = _reopen(qtbot, window, image_folder, monkeypatch)
    bar = window.filter_bar
    assert (bar.status.currentText(), bar.sort.currentData(), bar.desc.isChecked()) == ("New", "uncertainty", True)
    assert window.model.filter.statuses == ("new",) and window.model.sort == "uncertainty"
    assert window.model.rowCount() == 12
    # the first grid query already had them: not Name / All images first, then again
    assert queries and queries[0][1:] == ("uncertainty", True) and queries[0][0].statuses == ("new",)
    assert "Kept from last time: New \u00b7 sorted by Uncertainty (review queue), descending" in lines


def test_a_kept_filter_matching_nothing_says_so(qtbot, window, image_folder, monkeypatch):
    open_and_index(qtbot, window, image_folder)
    _choose(window, "Reviewed")  # nothing reviewed: the grid is empty
    qtbot.waitUntil(lambda: window.model.rowCount() == 0)
    window.close_project()
    _queries, lines = _reopen(qtbot, window, image_folder, monkeypatch)
    qtbot.waitUntil(lambda: window.model.filter is not None and window.model.rowCount() == 0)
    said = "No images match the filter kept from last time (Reviewed) \u2014 Esc shows all images"
    assert window.grid.empty_text == said
    assert said in lines
    window.filter_bar.clear_filters()  # (what Esc in the grid does)
    qtbot.waitUntil(lambda: window.model.rowCount() == 12)
    assert window.filter_bar.status.currentText() == "All images"


def test_a_removed_label_is_left_out_and_said(qtbot, window, labelled_folder, monkeypatch):
    open_and_index(qtbot, window, labelled_folder)
    _choose(window, "All images", "mtime", label="dent")
    qtbot.waitUntil(lambda: window.model.filter is not None and window.model.filter.label == "dent")
    window.close_project()
    _queries, lines = _reopen(qtbot, window, labelled_folder, monkeypatch)  # the label is put back
    assert window.filter_bar.label.currentText() == "dent" and window.model.filter.label == "dent"
    assert "Kept from last time: label \u201cdent\u201d \u00b7 sorted by Modified" in lines
    window.close_project()
    with Project.open(labelled_folder) as p:
        p.remove_label("dent", "tester")
    _queries, lines = _reopen(qtbot, window, labelled_folder, monkeypatch)
    bar = window.filter_bar
    assert bar.label.currentData(KIND_ROLE) == "any" and bar.sort.currentData() == "mtime"
    assert window.model.filter is None and window.model.rowCount() == 12
    assert any("not put back: the label \u201cdent\u201d (no longer in the project)" in m for m in lines), lines


def test_an_unchanged_view_is_not_written_again(qtbot, window, image_folder, monkeypatch):
    open_and_index(qtbot, window, image_folder)
    writes = []
    real = Project.set_setting
    monkeypatch.setattr(Project, "set_setting", lambda self, k, v: (writes.append(k), real(self, k, v))[1])
    window.close_project()  # All images / Name, as at the open: nothing to write
    assert not [k for k in writes if k.startswith("view:")]
