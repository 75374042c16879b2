"""A job's end lays out the image's trail once.

The refresh after a job shows the current image's new cards, then reads its trail afresh
(the image changed under it). The cards' arrival laid out the trail already on screen
again to name them (``_history_cards``), and the fresh read's landing laid it out once
more a moment later: two ``setHtml`` of the whole trail on the GUI thread at every job's
end (bench_first_job_stall --sample: history_panel._render <- _history_cards in 32-96 ms
stalls); the grid's re-read of the current row can read the trail once more, unchanged,
and laid it out again too. The fresh read's layout alone now shows it, naming the cards,
and the same trail given again is left as it is."""
from __future__ import annotations

from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core.store.records import NewSuggestion


def _settled(win) -> bool:
    pc = win.panel_ctl
    return not (pc.bulk.loader.busy() or pc._history_reader._running or pc._history_timer.isActive())


def test_a_jobs_end_lays_out_the_trail_once(qtbot, window, labelled_folder, monkeypatch):
    win = window
    pc = win.panel_ctl
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    pc.flush_history()
    (sid,) = project.add_suggestions([NewSuggestion(cur, "caption", "a dented plate", "model:tiny", score=0.7)])
    # the trail on screen holds the job's event before its card is known (read during the job)
    pc._set_history(cur, project.history(cur), None)
    assert any(e.suggestion_id == sid for e in pc._history_shown[1]) and sid not in pc._history_shown[2]
    qtbot.waitUntil(lambda: _settled(win), timeout=5000)
    laid_out = []
    real = pc.history._render
    monkeypatch.setattr(pc.history, "_render", lambda *a, **k: (laid_out.append(1), real(*a, **k)))
    with qtbot.waitSignal(pc.bulk.applied, timeout=5000):
        pc.refresh_after_bulk()
    qtbot.waitUntil(lambda: bool(laid_out) and _settled(win), timeout=5000)
    QTest.qWait(200)
    assert pc.suggestions.card(sid) is not None
    assert len(laid_out) == 1  # (2 or 3 before: the old trail with the card, then the fresh one, read again)
    assert sid in pc._history_shown[2]  # the trail names the card
    assert any("a dented plate" in e["what"] for e in pc.history.entries())
