"""A job's end reads the status counts once.

``BulkRefresh.after_job`` asked for the counts and ran the grid's query, whose landing
(``_apply_ids``) asks for them again: two counts reads at every job's end, the first one
beside the query, the grid's rows and the labels' read, all taking the GIL from the
window's paints (bench_first_job_stall --sample, phase "rest"). The counts now wait for
the query; they still come when the query did not ask for them (a failed query of a
filter)."""
from __future__ import annotations

from PySide6.QtTest import QTest

from qthelpers import open_and_index


def _settled(win) -> bool:
    return not (win.query_loader.busy() or win.counts_loader.busy() or win.panel_ctl.bulk.loader.busy())


def _counting(project, monkeypatch) -> list:
    reads: list = []
    real = project.counts_by_status

    def counted(*a, **k):
        reads.append(1)
        return real(*a, **k)

    monkeypatch.setattr(project, "counts_by_status", counted)
    return reads


def test_a_jobs_end_reads_the_counts_once(qtbot, window, labelled_folder, monkeypatch):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    qtbot.waitUntil(lambda: _settled(win), timeout=5000)
    QTest.qWait(200)
    reads = _counting(project, monkeypatch)
    shown = win.counts_label.text()
    with qtbot.waitSignal(win.panel_ctl.bulk.applied, timeout=5000):
        win.panel_ctl.refresh_after_bulk()
    qtbot.waitUntil(lambda: bool(reads) and _settled(win), timeout=5000)
    QTest.qWait(300)  # (a second read, had one been asked for, has run by now)
    assert _settled(win)
    assert len(reads) == 1
    assert win.counts_label.text() == shown


def test_the_counts_still_come_when_the_query_fails(qtbot, window, labelled_folder, monkeypatch):
    """A filter's query that fails asks for no counts (_query_failed): the job's end does."""
    from llmvis_desktop.core.store.records import ImageFilter as Filter

    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    qtbot.waitUntil(lambda: _settled(win), timeout=5000)
    win.model.set_params(Filter(statuses=("new",)), win.model.sort, win.model.descending)
    QTest.qWait(200)

    def refused(*a, **k):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(project, "image_ids", refused)
    reads = _counting(project, monkeypatch)
    win.panel_ctl.refresh_after_bulk()
    qtbot.waitUntil(lambda: len(reads) == 1 and _settled(win), timeout=5000)
    QTest.qWait(300)
    assert len(reads) == 1
