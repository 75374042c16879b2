"""``index_finished`` says the window has caught up with the index: when it is emitted, the
rows drawn, the image shown and the status-bar counts are the database's.

It was emitted when the grid's last query landed, before the reads that query and the
index's end started (the rows drawn read again off the GUI thread, the image shown, the
counts): for tens of ms a key acted on the row as listed before the header pass, and
tests waiting on the signal failed now and then (four in one session, each patched with
a wait of its own; two more in a clean-clone CI run)."""
from __future__ import annotations

import threading

from llmvis_desktop.core import indexer
from llmvis_desktop.qt.project_texts import counts_text


def test_at_index_finished_the_rows_the_image_shown_and_the_counts_are_the_databases(
        qtbot, window, image_folder, monkeypatch):
    (image_folder / "bad.png").write_bytes(b"not an image at all, though named .png")
    gate = threading.Event()
    real = indexer._header_and_digest

    def held(*args, **kwargs):  # the header pass waits until the grid has drawn its rows
        gate.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(indexer, "_header_and_digest", held)
    win, model = window, window.model
    seen: dict = {}

    def at_finish(result) -> None:  # looked at in the slot: no turn of the event loop after it
        project = win.project
        fresh = {rec.id: rec for rec in project.images(model.ids)}
        seen["drawn"] = [model.drawn_record(i) == fresh[i] for i in model.ids]
        cur = win.review.current
        seen["shown"] = cur is not None and cur == fresh[cur.id]
        seen["counts"] = (win.counts_label.text(), counts_text(project.counts_by_status()))
        seen["reading"] = model.reading()

    win.index_finished.connect(at_finish)
    try:
        with qtbot.waitSignal(win.index_finished, timeout=30000):
            assert win.open_project(image_folder)
            qtbot.waitUntil(lambda: model.rowCount() == 13 and 0 in model._windows
                            and win.review.current is not None, timeout=15000)
            assert all(model.drawn_record(i).width is None for i in model.ids)  # before their headers
            assert win.review.current.width is None
            gate.set()
    finally:
        gate.set()
        win.index_finished.disconnect(at_finish)
    assert seen["drawn"] == [True] * 13
    assert seen["shown"] is True
    assert seen["counts"][0] == seen["counts"][1]
    assert "1 error" in seen["counts"][0]
    assert seen["reading"] is False
