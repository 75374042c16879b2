"""evaluate() and the window's "judged clean": a run whose card another learned model (or a
newer revision) withdrew did not judge the image free of every label; the evaluation
header says how many of the images scored were reviewed and how many rejected."""
from __future__ import annotations

import pytest

from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.suggest.evaluate import evaluate, format_report

HAND, CNN = "learned:handcrafted-v6", "learned:cnn-v1"


@pytest.fixture
def small(small):
    """(project, its four image ids in name order): tests/core/conftest.py's."""
    p, ids = small
    return p, [ids[name] for name in sorted(ids)]


def _review(p, i, labels, status="reviewed"):
    p.apply_state(i, {"labels": labels, "review_status": status}, "tester", "review")


def _micro(scores):
    m = scores["micro"]
    return scores["images"], m["tp"], m["fp"], m["fn"]


def test_a_card_withdrawn_by_another_learned_model_is_not_a_judged_no(small):
    """The learned suggester switched its model (handcrafted-v6 -> cnn-v1): cnn-v1's "no"
    withdrew handcrafted-v6's pending "a" card on i1 before the review. handcrafted-v6's
    run there was counted as "judged free of every label", a false negative it never made
    (the hunter's project: 36 images, FN 33 where 26 images, FN 23 were right)."""
    p, (i1, i2, i3, i4) = small
    p.add_suggestions([NewSuggestion(i, "label", "a", HAND, 0.6, "h1") for i in (i1, i2)], replaces="learned:")
    p.record_suggest_runs([i1, i2, i3], HAND, "h1", ["a"])  # i3: judged clean, no card at all
    p.record_suggest_runs([i1], CNN, "c1", ["a"], replaces="learned:", without_cards=[i1])
    assert [s.outcome for s in p.suggestions(i1)] == ["withdrawn"]
    for i in (i1, i2, i3):
        _review(p, i, ["a"])
    r = evaluate(p)
    by_model = r["labels"]["by_model"]
    assert _micro(by_model[HAND]) == (2, 1, 0, 1)  # i2 TP, i3 FN (a run with no card is still a "no")
    assert _micro(by_model[CNN]) == (1, 0, 0, 1)   # cnn-v1 did judge i1 free: its miss
    assert _micro(r["labels"]) == (3, 1, 0, 2)
    assert r["images"]["judged_without_labels"] == 2
    # the window's panel: cnn-v1 judged i1 clean, handcrafted-v6 did not (it said "a")
    assert [j["model_id"] for j in p.judged_without_labels(i1)] == [CNN]
    assert [j["model_id"] for j in p.judged_without_labels(i3)] == [HAND]
    assert p.judged_without_labels(i2) == []


def test_a_newer_revisions_no_still_outweighs_the_card_it_withdrew(small):
    p, (i1, *_) = small
    p.add_suggestions([NewSuggestion(i1, "label", "a", HAND, 0.9, "h1")], replaces="learned:")
    p.record_suggest_runs([i1], HAND, "h1", ["a"])
    p.record_suggest_runs([i1], HAND, "h2", ["a"], replaces="learned:", without_cards=[i1])
    _review(p, i1, ["a"])
    assert _micro(evaluate(p)["labels"]["by_model"][HAND]) == (1, 0, 0, 1)
    assert [(j["model_id"], j["revision"]) for j in p.judged_without_labels(i1)] == [(HAND, "h2")]


def test_the_header_says_how_many_scored_images_were_rejected(small):
    """"over 17 reviewed images with label suggestions" were 14 reviewed and 3 rejected."""
    p, (i1, i2, i3, _) = small
    p.add_suggestions([NewSuggestion(i, "label", "a", "clip:x", 0.9, "r") for i in (i1, i2, i3)])
    _review(p, i1, ["a"])
    _review(p, i2, [], status="rejected")
    _review(p, i3, [], status="rejected")
    r = evaluate(p)
    assert r["labels"]["images"] == 3 and r["labels"]["images_rejected"] == 2
    head = format_report(r).splitlines()[0]
    assert head.startswith("1 reviewed image and 2 rejected, 3 suggestions"), head
    assert "over all 3 decided images (1 reviewed, 2 rejected), those with label suggestions" in head, head
    assert "reviewed images with label suggestions" not in head
    assert "over 1 of the 3 decided images (the 1 reviewed, 0 of the 2 rejected)" in format_report(_only(r, rejected=0)).splitlines()[0]
    assert "over 2 of the 3 decided images (0 of the 1 reviewed, all 2 rejected)" in format_report(_only(r, rejected=2, n=2)).splitlines()[0]


def _only(r, rejected, n=1):
    r = {**r, "images": dict(r["images"], with_label_suggestions=n),
         "labels": dict(r["labels"], images=n, images_rejected=rejected)}
    return r
