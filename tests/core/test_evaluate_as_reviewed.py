"""evaluate() scores what the reviewer saw and judged: the hunter's four repros
(/tmp/hunt-evaluate): acceptance's "suggested" per model, a removed label's pending cards,
a learned guess withdrawn after its image's review, a hand-added label on a rejected image."""
from __future__ import annotations

import pytest

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.suggest.evaluate import evaluate

HAND, CNN = "learned:handcrafted-v6", "learned:cnn-v1"


@pytest.fixture
def small(tmp_path, db_url):
    """(project, its four image ids in name order): conftest's ``small`` (four blank
    images, labels a and b) on SQLite and on PostgreSQL (``db_url``)."""
    from PIL import Image

    from llmvis_desktop.core.project import Project

    root = tmp_path / "small"
    root.mkdir()
    for i in range(1, 5):
        Image.new("L", (8, 8), i * 30).save(root / f"img{i}.png")
    p = Project.open(root, db_url)
    p.index()
    for name in ("a", "b"):
        p.add_label(name)
    yield p, [r.id for r in sorted(p.images(p.image_ids()), key=lambda r: r.name)]
    p.close()


def _review(p, i, labels, status="reviewed"):
    p.apply_state(i, {"labels": labels, "review_status": status}, "tester", "review")


def _micro(scores):
    m = scores["micro"]
    return scores["images"], m["tp"], m["fp"], m["fn"]


def _per_label(r):
    return {x["label"]: (x["tp"], x["fp"], x["fn"]) for x in r["labels"]["per_label"]}


def test_suggested_counts_each_suggestion_once(small):
    """``suggested`` added the ``overruled`` and ``edited_kept`` tallies: 2 suggestions
    (a caption edited and kept, a label accepted then its image rejected) read as 4."""
    p, (i1, i2, *_) = small
    s1, s2 = p.add_suggestions([NewSuggestion(i1, "caption", "a red scratch", "cap", 0.8, "r1"),
                                NewSuggestion(i2, "label", "a", "cap", 0.9, "r1")])
    ra.decide_suggestion(p, i1, s1, "edited", "t", "a red scratch!")
    ra.set_status(p, i1, "reviewed", "t")
    ra.accept(p, i2, "t")
    ra.reject(p, i2, "t")
    r = evaluate(p)
    [a] = r["acceptance"]
    assert (a["edited_kept"], a["overruled"]) == (1, 1)
    assert a["suggested"] == 2 == a["decided"] == r["suggestions"]
    assert sum(x["suggested"] for x in r["acceptance"]) == r["suggestions"]


@pytest.mark.parametrize("decided", [False, True])
def test_removing_a_label_leaves_the_latest_run_the_latest(small, decided):
    """The rerun (new prompt) said b, the old run c; b removed: its pending card was
    withdrawn and dropped before the latest run was picked, so the old run's c was scored
    (an FP it no longer says). Pending or rejected, b's card is left out and counted."""
    p, (i1, *_) = small
    p.add_label("c")
    p.add_suggestions([NewSuggestion(i1, "label", "c", "clip", 0.9, "r1", prompt="old prompt")])
    [sb] = p.add_suggestions([NewSuggestion(i1, "label", "b", "clip", 0.9, "r1", prompt="new prompt")])
    if decided:
        p.decide_suggestion(sb, "rejected", "tester")
    _review(p, i1, ["a"])
    p.remove_label("b", "tester", force=True)
    r = evaluate(p)
    assert _per_label(r) == {"a": (0, 0, 0), "c": (0, 0, 0)}
    assert r["labels"]["images"] == 0
    assert r["labels"]["outside_taxonomy"] == 1
    assert r["labels"]["left_out"] == {"removed_labels": 1}
    p.add_label("b")  # another label given the name later: the card stays out
    r = evaluate(p)
    assert _per_label(r) == {"a": (0, 0, 0), "b": (0, 0, 0), "c": (0, 0, 0)}
    assert r["labels"]["outside_taxonomy"] == 1


def test_a_removed_labels_pending_cards_on_unreviewed_images_are_not_counted(small):
    p, (i1, i2, *_) = small
    p.add_suggestions([NewSuggestion(i, "label", "b", "clip", 0.9, "r1") for i in (i1, i2)])
    _review(p, i1, ["a"])
    p.remove_label("b", "tester", force=True)
    assert evaluate(p)["labels"]["outside_taxonomy"] == 1  # i2 was never going to be scored


def test_a_learned_guess_withdrawn_after_the_review_is_still_scored(small):
    """``llmvis suggest --learned --status reviewed``: cnn-v1's cards (made after the
    reviews, left out) withdrew handcrafted-v6's guesses made before them; those were
    then dropped as withdrawn, and the images lost their score (TP 2 -> 0)."""
    p, (i1, i2, i3, _) = small
    p.add_suggestions([NewSuggestion(i, "label", "a", HAND, 0.6, "h1") for i in (i1, i2)], replaces="learned:")
    p.record_suggest_runs([i1, i2, i3], HAND, "h1", ["a"])
    _review(p, i1, ["a"])
    _review(p, i2, [])
    _review(p, i3, ["a"])
    before = evaluate(p)["labels"]["by_model"][HAND]
    assert _micro(before) == (3, 1, 1, 1)
    p.add_suggestions([NewSuggestion(i, "label", "b", CNN, 0.8, "c1") for i in (i1, i2)], replaces="learned:")
    assert {s.outcome for i in (i1, i2) for s in p.suggestions(i) if s.model_id == HAND} == {"withdrawn"}
    r = evaluate(p)
    assert _micro(r["labels"]["by_model"][HAND]) == (3, 1, 1, 1)
    assert CNN not in r["labels"]["by_model"]
    # acceptance: the withdrawn guesses were never decided, nor counted as suggested
    acc = {a["model_id"]: a for a in r["acceptance"]}
    assert (acc[HAND]["suggested"], acc[HAND]["withdrawn"]) == (0, 2)


def test_a_learned_guess_withdrawn_before_the_review_stays_out(small):
    """Replaced before the review: the reviewer judged the newer model's card instead."""
    p, (i1, *_) = small
    p.add_suggestions([NewSuggestion(i1, "label", "a", HAND, 0.6, "h1")], replaces="learned:")
    p.add_suggestions([NewSuggestion(i1, "label", "b", CNN, 0.8, "c1")], replaces="learned:")
    _review(p, i1, ["a"])
    r = evaluate(p)
    assert HAND not in r["labels"]["by_model"]
    assert _micro(r["labels"]["by_model"][CNN]) == (1, 0, 1, 1)


def test_a_hand_added_label_stays_in_a_rejected_images_truth(small):
    """The reviewer put b on by hand; Enter also accepted the (low) b card, then Delete:
    b was taken out of the truth with the card's a."""
    p, (i1, *_) = small
    p.add_suggestions([NewSuggestion(i1, "label", "a", "M", 0.9, "r1"),
                       NewSuggestion(i1, "label", "b", "M", 0.2, "r1")])
    ra.toggle_label(p, i1, "b", "rev", on=True)
    ra.accept(p, i1, "rev")
    ra.reject(p, i1, "rev")
    assert p.image(i1).labels == ("a", "b") and p.image(i1).review_status == "rejected"
    r = evaluate(p)
    assert _per_label(r) == {"a": (0, 1, 0), "b": (0, 0, 1)}
    [acc] = r["acceptance"]
    assert (acc["rejected"], acc["overruled"]) == (2, 2)  # both cards still count as overruled


def test_a_learned_guess_renewed_after_the_review_is_scored_as_it_was(small):
    """A retrain of the same model after the review (``--status reviewed``) renewed the
    card it guessed again (new revision, score and time: a guess after the review, left
    out) and withdrew the other: the image was scored on the withdrawn card alone, {b}
    where the reviewer had judged {a, b}, or, all renewed, not at all."""
    p, (i1, i2, *_) = small
    p.add_suggestions([NewSuggestion(i1, "label", "a", HAND, 0.6, "h1"),
                       NewSuggestion(i1, "label", "b", HAND, 0.55, "h1"),
                       NewSuggestion(i2, "label", "a", HAND, 0.7, "h1")], replaces="learned:")
    _review(p, i1, ["a"])
    _review(p, i2, ["b"])
    assert _micro(evaluate(p)["labels"]["by_model"][HAND]) == (2, 1, 2, 1)
    p.add_suggestions([NewSuggestion(i, "label", "a", HAND, 0.97, "h2") for i in (i1, i2)],
                      replaces="learned:")
    assert {(s.value, s.model_revision, s.outcome) for s in p.suggestions(i1)} == {
        ("a", "h2", "pending"), ("b", "h1", "withdrawn")}
    r = evaluate(p)
    assert _micro(r["labels"]["by_model"][HAND]) == (2, 1, 2, 1)
    cal = {b["bin"]: b["count"] for b in r["calibration"] if b["count"]}
    assert cal == {"0.5-0.6": 1, "0.6-0.7": 1, "0.7-0.8": 1}  # the scores shown before the review
