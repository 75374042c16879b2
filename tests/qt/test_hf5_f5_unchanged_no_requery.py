"""F5 on a folder that has not changed reads nothing again for the grid.

After every index the window ran the grid's query (every id, compared on the GUI thread)
and the status-bar counts (a GROUP BY over every row), though the index had changed no
row; and the listing's last progress report started a second grid query a second later.
The index now says whether it changed a row a list of the images shows
(``ScanResult.rows_changed``) and the counts it read as it ended; the window queries again
only when it changed one, or when the counts shown are not those (another indexer changed
rows meanwhile)."""
from __future__ import annotations

import shutil

from qthelpers import open_and_index
from sqlalchemy import event


class _Reads:
    """The grid's and the counts' queries (``Project.image_ids``, ``counts_by_status``),
    and every SQL statement that reads the images table, on any thread."""

    def __init__(self, project) -> None:
        self.calls: list[str] = []
        self.statements: list[str] = []
        for name in ("image_ids", "counts_by_status"):
            real = getattr(project, name)

            def spy(*a, __real=real, __name=name, **k):
                self.calls.append(__name)
                return __real(*a, **k)

            setattr(project, name, spy)
        self.engine = project.store.engine
        event.listen(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, *_args) -> None:
        if "images" in statement:
            self.statements.append(statement)

    def clear(self) -> None:
        self.calls.clear()
        self.statements.clear()

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def _quiet(qtbot, window) -> None:
    pc = window.project_ctl
    qtbot.waitUntil(lambda: not pc._requery_timer.isActive() and not window.jobs.active(), timeout=10000)
    assert window.query_loader.wait() and window.counts_loader.wait()
    qtbot.wait(50)  # (their answers delivered)
    assert not pc._requery_timer.isActive()


def _f5(qtbot, window, reads):
    """F5; the reads counted from the index job's end (its own are not the grid's)."""
    with qtbot.waitSignal(window.index_finished, timeout=20000) as got:
        window.act_reindex.trigger()
        window.index_job.signals.result.connect(lambda _r: reads.clear())
    _quiet(qtbot, window)
    qtbot.wait(1200)  # (the listing's 1 s requery timer, had it been started)
    return got.args[0]


def test_f5_on_an_unchanged_folder_runs_no_grid_query_or_counts(qtbot, window, image_folder):
    project = open_and_index(qtbot, window, image_folder)
    _quiet(qtbot, window)
    reads = _Reads(project)
    try:
        result = _f5(qtbot, window, reads)
        assert (result.added, result.changed, result.missing, result.headers_read) == (0, 0, 0, 0)
        assert not result.rows_changed
        assert reads.calls == [] and reads.statements == []
        assert "0 new, 0 changed, 0 missing" in window.statusBar().currentMessage()
        assert window.model.rowCount() == 12 and window.counts_label.text().startswith("12 ")

        # a folder that changed is read again, as before
        shutil.copyfile(image_folder / "a" / "img_000.png", image_folder / "new_1.png")
        result = _f5(qtbot, window, reads)
        assert result.added == 1 and result.rows_changed
        assert "image_ids" in reads.calls and "counts_by_status" in reads.calls
        assert window.model.rowCount() == 13
        qtbot.waitUntil(lambda: window.counts_label.text().startswith("13 "), timeout=10000)
    finally:
        reads.close()


def test_f5_after_another_indexer_listed_new_files_shows_them(qtbot, window, image_folder):
    """Another indexer (`llmvis index`, a teammate's window) listed a new file: this
    window's index then changes no row, but its grid and counts are behind; they are read
    again (the counts the index read as it ended are not the ones shown)."""
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
