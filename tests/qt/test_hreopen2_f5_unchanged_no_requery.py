"""F5 on a folder that has not changed reads nothing again for the grid.

After every index the window ran the grid's query (100k ids at 100k images) and the
status-bar counts (a GROUP BY over every row), though the index had changed no row: two
full scans of the image table, and the grid's ids compared on the GUI thread, for
nothing. The index now says whether any row the grid shows changed (new, changed,
retimed, missing, restored, moved, removed rows, headers read) and the window only
queries again when one did."""
from __future__ import annotations

import shutil

from qthelpers import open_and_index


def _count_queries(project):
    calls = []
    for name in ("image_ids", "counts_by_status"):
        real = getattr(project, name)

        def spy(*a, __real=real, __name=name, **k):
            calls.append(__name)
            return __real(*a, **k)

        setattr(project, name, spy)  # (called on the loaders' threads)
    return calls


def _quiet(qtbot, window):
    pc = window.project_ctl
    qtbot.waitUntil(lambda: not pc._requery_timer.isActive() and not window.jobs.active(), timeout=10000)
    assert window.query_loader.wait() and window.counts_loader.wait()


def test_f5_on_an_unchanged_folder_runs_no_grid_query_or_counts(qtbot, window, image_folder):
    project = open_and_index(qtbot, window, image_folder)
    _quiet(qtbot, window)
    calls = _count_queries(project)
    with qtbot.waitSignal(window.index_finished, timeout=20000) as got:
        window.act_reindex.trigger()
    result = got.args[0]
    assert (result.added, result.changed, result.missing) == (0, 0, 0)
    _quiet(qtbot, window)
    assert calls == []
    assert "0 new, 0 changed, 0 missing" in window.statusBar().currentMessage()
    assert window.model.rowCount() == 12

    # a folder that changed is queried again, as before
    shutil.copyfile(image_folder / "a" / "img_000.png", image_folder / "new_1.png")
    with qtbot.waitSignal(window.index_finished, timeout=20000):
        window.act_reindex.trigger()
    _quiet(qtbot, window)
    assert "image_ids" in calls and "counts_by_status" in calls
    assert window.model.rowCount() == 13


def test_f5_after_another_process_indexed_new_files_shows_them(qtbot, window, image_folder):
    """The listing unchanged since another indexer (`llmvis index`, a teammate's window)
    listed new files: this window's index changes nothing, but its grid and counts are
    behind; they are read again (the counts the index read are not the ones shown)."""
    from llmvis_desktop.core.project import Project

    project = open_and_index(qtbot, window, image_folder)
    _quiet(qtbot, window)
    shutil.copyfile(image_folder / "a" / "img_000.png", image_folder / "new_1.png")
    with Project.open(image_folder, project.db_url) as other:
        assert other.index().added == 1
    with qtbot.waitSignal(window.index_finished, timeout=20000) as got:
        window.act_reindex.trigger()
    assert not got.args[0].rows_changed
    _quiet(qtbot, window)
    qtbot.waitUntil(lambda: window.model.rowCount() == 13 and window.counts_label.text().startswith("13 "),
                    timeout=10000)
