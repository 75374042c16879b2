"""evaluate() held every row it reads one by one (31,800 at 90% of 2,000 images reviewed,
100 past runs each: heval4's bench) as one list while the rules ran: its memory grew
with the history of the reviewed images. The rows come ordered by image and are taken a
few whole images at a time (core/suggest/evaluate_stream.py): the cards alive at once
are a batch's and each model's latest label cards per image, whatever the history. The
figures are pinned by test_evaluate_same_figures and test_evaluate_reviewed_history."""
from __future__ import annotations

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.suggest import evaluate_read
from llmvis_desktop.core.suggest.evaluate import evaluate

RUNS = 30


def test_the_cards_alive_at_once_do_not_grow_with_the_history(labeled_pngs, monkeypatch):
    p, _, ids = labeled_pngs(6)
    # each image reviewed, then its labeler run again and again, each run recorded (its
    # withdrawn cards are read: the run says "yes" there)
    for i in ids:
        ra.set_status(p, i, "reviewed", "rev")
    for k in range(RUNS):
        p.add_suggestions([NewSuggestion(i, "label", ("scratch", "dent")[k % 2], "zeroshot:clip", 0.7, f"v{k}")
                           for i in ids], supersede=True)
        p.record_suggest_runs(ids, "zeroshot:clip", f"v{k}", ["scratch", "dent"])
    live = {"now": 0, "most": 0, "made": 0}
    card = evaluate_read.Card
    init = card.__init__

    def made(self, *a, **k):
        init(self, *a, **k)
        live["now"] += 1
        live["made"] += 1
        live["most"] = max(live["most"], live["now"])

    def gone(self):
        live["now"] -= 1

    monkeypatch.setattr(card, "__init__", made)
    monkeypatch.setattr(card, "__del__", gone, raising=False)
    try:  # (a batch per image; the code before had no batches: run against it, this test fails)
        from llmvis_desktop.core.suggest import evaluate_stream
        monkeypatch.setattr(evaluate_stream, "BATCH_ROWS", 1)
    except ImportError:
        pass
    report = evaluate(p)
    assert report["images"]["reviewed"] == 6 and report["labels"]["images"] == 6
    assert live["made"] >= 6 * RUNS, live  # (every run's card read)
    # one image's rows and the next one's first, with each image's latest card kept
    assert live["most"] <= 2 * RUNS + 6, live

