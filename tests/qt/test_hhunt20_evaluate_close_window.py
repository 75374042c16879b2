"""Closing the project while the evaluation dashboard's numbers are being computed: the
window cancels the job and waits for it, and the job never looked at its token, so the
window stood frozen until the whole evaluation ended (up to 30 s)."""
from __future__ import annotations

import time

from qthelpers import make_images, open_and_index

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.suggest import evaluate_stream

SLOW_S = 0.4  # per image, as a big team database's reads can take


def test_closing_the_project_stops_a_long_evaluation(qtbot, window, tmp_path, monkeypatch):
    folder = tmp_path / "line"
    make_images(folder, n=30)
    with Project.open(folder) as p:
        p.index()
        p.add_label("scratch")
        for i in p.image_ids():
            [sid] = p.add_suggestions([NewSuggestion(i, "label", "scratch", "org/labeler", 0.9, "r1")])
            p.decide_suggestion(sid, "accepted", "qa")
            p.set_status(i, "reviewed", "qa")
    open_and_index(qtbot, window, folder)

    monkeypatch.setattr(evaluate_stream, "BATCH_ROWS", 1)  # one image a batch, each slow to read
    started = []
    real_add = evaluate_stream.Stream.add

    def slow_add(self, rows):
        started.append(1)
        time.sleep(SLOW_S)
        real_add(self, rows)

    monkeypatch.setattr(evaluate_stream.Stream, "add", slow_add)
    window.act_evaluate.trigger()
    qtbot.waitUntil(lambda: len(started) >= 2, timeout=20000)  # well under way (30 images: 12 s)
    t0 = time.monotonic()
    window.close_project()
    waited = time.monotonic() - t0
    assert waited < 5, f"closing the project waited {waited:.1f} s for the evaluation"
    assert len(started) < 30
    assert window.suggest_ctl.evaluation_dialog is None
