"""The first index of a folder ends with every row of the grid as the database has it.

The grid lists a new folder's files while the index runs (as the listing commits them,
and when the header pass starts), and reads and draws its rows then: before the header
pass has read their files (no size; a damaged file still "new", not "error"). Nothing
read those rows again when the index ended: its last grid query found the same ids, so
the rows drawn stayed as read before the headers (at 20k images every row on screen,
tests/benchmarks/bench_f5_stall.py; at a few images only when the header pass was slow
enough, which is what a skipped requery after the index exposed, reverted in 61eaa3f).
The rows held are now read again when an index has read headers."""
from __future__ import annotations

import threading

from llmvis_desktop.core import indexer


def test_rows_drawn_before_their_headers_are_read_again_when_the_index_ends(
        qtbot, window, image_folder, monkeypatch):
    (image_folder / "bad.png").write_bytes(b"not an image at all, though named .png")
    gate = threading.Event()
    real = indexer._header_and_digest

    def held(*args, **kwargs):  # the header pass waits until the grid has drawn its rows
        gate.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(indexer, "_header_and_digest", held)
    win, model = window, window.model
    try:
        with qtbot.waitSignal(win.index_finished, timeout=30000) as got:
            assert win.open_project(image_folder)
            qtbot.waitUntil(lambda: model.rowCount() == 13 and 0 in model._windows, timeout=15000)
            drawn = [model.drawn_record(i) for i in model.ids]
            assert all(rec is not None and rec.width is None for rec in drawn)  # before their headers
            gate.set()
    finally:
        gate.set()
    assert got.args[0].headers_read == 13
    project = win.project
    qtbot.waitUntil(lambda: not win.jobs.active() and not win.project_ctl._requery_timer.isActive(),
                    timeout=10000)
    fresh = {rec.id: rec for rec in project.images(model.ids)}
    assert sum(rec.status == "error" for rec in fresh.values()) == 1 and all(
        rec.width for rec in fresh.values() if rec.status != "error")

    def as_in_database() -> bool:
        drawn = [model.drawn_record(i) for i in model.ids]
        return all(rec is not None and rec == fresh[rec.id] for rec in drawn)

    # the rows on screen are read again at once (off the GUI thread), not when next scrolled to
    qtbot.waitUntil(as_in_database, timeout=10000)
    bad = next(i for i, rec in fresh.items() if rec.status == "error")
    assert model.drawn_record(bad).status == "error"  # drawn as damaged, not "new"
