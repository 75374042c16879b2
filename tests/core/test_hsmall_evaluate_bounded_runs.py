"""evaluate() held every recorded suggest run (``suggest_runs``: one row per image, model
and revision, 62,500 rows = 36 MiB of the 46 MiB peak on 2,000 images with 25 revisions)
as one list, and a (card id, distance) pair per decided caption plus an unbounded cache
of every (suggested, final) caption pair measured. The runs are now read as a stream and
only those the rules can read are kept (at most three per model and reviewed image: its
latest, its latest not after the review, its newest by time); the caption distances are
read apart in id order and summed as they come (the same sums, in the same order), the
cache bounded.
The figures are pinned by test_evaluate_same_figures."""
from __future__ import annotations

import tracemalloc
from datetime import datetime, timedelta, timezone

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.suggest import evaluate as ev
from llmvis_desktop.core.suggest.evaluate_read import Card
from llmvis_desktop.core.suggest.evaluate_stream import Stream

RUNS = 40


def test_the_runs_the_rules_keep_do_not_grow_with_the_history(labeled_pngs, monkeypatch):
    p, _, ids = labeled_pngs(4)
    for k in range(RUNS):
        p.record_suggest_runs(ids, "learned:lin", f"r{k}", ["scratch", "dent"])
        p.record_suggest_runs(ids[:2], "zeroshot:clip", f"v{k}", ["scratch", "dent"])
    for i in ids[:3]:
        ra.set_status(p, i, "reviewed", "rev")
    seen = []
    silent = ev._silent

    def spy(runs, *a, **k):
        runs = list(runs)
        seen.append(len(runs))
        return silent(runs, *a, **k)

    monkeypatch.setattr(ev, "_silent", spy)
    report = ev.evaluate(p)
    # the three reviewed images, judged free of every label by each model that ran there
    assert report["labels"]["images"] == 3 and report["images"]["judged_without_labels"] == 3, report["images"]
    assert report["labels"]["by_model"]["zeroshot:clip"]["by_revision"][0]["revision"] == f"v{RUNS - 1}"
    # (model, reviewed image) keys: 3 learned + 2 zeroshot; the code before kept all 240 runs
    assert seen and seen[0] <= 3 * 5, seen


def _card(k: int, outcome: str, value: str, final: str) -> Card:
    at = datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=k)
    return Card((k, k, "caption", value, None, "caption:blip", "v1", None, outcome, final, at, at, True, None,
                 "new"), {})


def test_the_stream_holds_nothing_per_decided_caption():
    stream = Stream({}, {}, set(), {}, set(), set())

    def feed(start: int, n: int) -> None:
        for b in range(start, start + n, 500):
            stream.add([_card(k, ("accepted", "edited")[k % 2], f"a caption number {k}", f"the caption {k * 7}")
                        for k in range(b, b + 500)])

    tracemalloc.start()
    try:
        feed(0, 1000)
        held = tracemalloc.get_traced_memory()[0]
        feed(1000, 9000)
        grown = tracemalloc.get_traced_memory()[0] - held
    finally:
        tracemalloc.stop()
    # the code before kept a pair and a cache entry per caption: 9,000 more held ~3 MB
    assert grown < 200_000, grown


def test_the_runs_kept_are_each_rules_own(labeled_pngs):
    """The newest run (its revision), the newest not after the review for the learned
    suggester (its "no"), and the latest by time (a clock set back: a newer run made
    "earlier"), however many runs there are."""
    from llmvis_desktop.core.store import repo_runs
    from llmvis_desktop.core.suggest.evaluate_read import runs_read

    p, _, ids = labeled_pngs(2)
    t0 = datetime(2030, 1, 1, tzinfo=timezone.utc)
    with p.store.write() as s:
        for k in range(10):
            repo_runs.record_runs(s, ids, "zeroshot:clip", f"v{k}", ["scratch"], now=t0 + timedelta(hours=k))
        # the clock set back: the newest run seems older than the one before
        repo_runs.record_runs(s, ids, "zeroshot:clip", "v10", ["scratch"], now=t0 - timedelta(days=1))
    for k in range(5):  # the learned suggester before and after the review (now: 2026 or later, before 2030)
        with p.store.write() as s:
            repo_runs.record_runs(s, ids[:1], "learned:lin", f"r{k}", ["scratch"],
                                  now=datetime(2000 + 40 * (k >= 3), 1, 1, k, tzinfo=timezone.utc))
    ra.set_status(p, ids[0], "reviewed", "rev")
    with p.store.read() as s:
        kept = runs_read(s)
    got = sorted((r.model_id, r.model_revision) for r in kept if r.image_id == ids[0])
    assert got == [("learned:lin", "r2"), ("learned:lin", "r4"), ("zeroshot:clip", "v10"), ("zeroshot:clip", "v9")], got
    assert all(r.image_id == ids[0] for r in kept), "an image nobody reviewed is not scored"
    assert [r.id for r in kept] == sorted(r.id for r in kept)
