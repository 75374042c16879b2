"""evaluate() on a hand-built project state with known outcomes: exact numbers."""
from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone

import pytest
from PIL import Image

from llmvis_desktop import cli_evaluate
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.suggest.evaluate import (
    evaluate,
    format_report,
    levenshtein,
    normalised_edit_distance,
    predicted_labels,
)

M1, M2 = "learned:test", "cap:test"


@pytest.fixture
def state(tmp_path, db_url):
    """On SQLite and on PostgreSQL (conftest.db_url)."""
    root = tmp_path / "imgs"
    root.mkdir()
    for i in range(1, 5):
        Image.new("L", (8, 8), i * 30).save(root / f"img{i}.png")
    p = Project.open(root, db_url)
    p.index()
    for name in ("a", "b", "c"):
        p.add_label(name)
    ids = {r.name: r.id for r in p.images(p.image_ids())}
    i1, i2, i3, i4 = (ids[f"img{k}.png"] for k in range(1, 5))

    def lab(i, v, s):
        return NewSuggestion(i, "label", v, M1, s, "r1")

    def cap(i, v):
        return NewSuggestion(i, "caption", v, M2, 0.8, "r2")

    sid = p.add_suggestions([
        lab(i1, "a", 0.9), lab(i1, "b", 0.2),    # predicted {a}       truth {a}
        lab(i2, "a", 0.6), lab(i2, "b", 0.55),   # predicted {a, b}    truth {b}
        lab(i3, "b", 0.3),                       # predicted {b} top-1 truth {a, b}
        lab(i4, "a", 0.9),                       # i4 never reviewed: not counted
        cap(i1, "a red scratch"), cap(i2, "a crack"), cap(i3, "stain"), cap(i4, "pending one"),
    ])
    decide = [(0, "accepted", None), (1, "rejected", None), (2, "rejected", None), (3, "accepted", None),
              (4, "accepted", None), (6, "accepted", None), (7, "edited", "a long crack"), (8, "rejected", None)]
    for k, outcome, final in decide:
        p.decide_suggestion(sid[k], outcome, "tester", final)
    for i, labels, caption in ((i1, ["a"], "a red scratch"), (i2, ["b"], "a long crack"),
                               (i3, ["a", "b"], "dark stain")):
        p.apply_state(i, {"labels": labels, "caption": caption, "review_status": "reviewed"}, "tester", "review")
    yield p, root
    p.close()


def test_the_bit_parallel_distance_agrees_with_the_table():
    import random

    from llmvis_desktop.core.suggest.evaluate import levenshtein_table

    rng = random.Random(0)
    for alphabet, longest in (("ab", 20), ("abcdefgh ", 40), ("a\u00e9\U0001f642 x", 30), ("abcd ", 300)):
        for _ in range(300):
            a = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest)))
            b = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest)))
            assert levenshtein(a, b) == levenshtein_table(a, b), (a, b)


def test_edit_distance_and_prediction_rule():
    assert levenshtein("kitten", "sitting") == 3
    assert levenshtein("", "abc") == 3 and levenshtein("same", "same") == 0
    assert normalised_edit_distance("a crack", "a long crack") == pytest.approx(5 / 12)
    assert normalised_edit_distance("", "") == 0.0
    assert predicted_labels([("x", 0.2), ("y", 0.3)]) == {"y"}  # top-1 even when low
    assert predicted_labels([("x", 0.7), ("y", 0.6), ("z", 0.1)]) == {"x", "y"}
    assert predicted_labels([("x", 0.2), ("x", 0.8), ("y", 0.4)]) == {"x"}  # a repeat counts once
    assert predicted_labels([]) == set()


def test_exact_numbers(state):
    p, _ = state
    r = evaluate(p)
    assert r["images"] == {"reviewed": 3, "rejected": 0, "with_label_suggestions": 3, "judged_without_labels": 0}
    per = {row["label"]: row for row in r["labels"]["per_label"]}
    assert per["a"] == {"label": "a", "tp": 1, "fp": 1, "fn": 1, "support": 2,
                        "precision": 0.5, "recall": 0.5, "f1": 0.5}
    assert per["b"]["tp"] == 2 and per["b"]["precision"] == 1.0 and per["b"]["recall"] == 1.0
    assert per["c"]["support"] == 0 and per["c"]["precision"] is None and per["c"]["f1"] is None
    micro = r["labels"]["micro"]
    assert (micro["tp"], micro["fp"], micro["fn"]) == (3, 1, 1) and micro["precision"] == 0.75
    assert r["labels"]["macro_f1"] == pytest.approx(0.75)  # mean of a (0.5) and b (1.0); c has no support
    assert set(r["labels"]["by_model"]) == {M1}

    acc = {a["model_id"]: a for a in r["acceptance"]}
    assert acc[M1]["decided"] == 5 and acc[M1]["accepted"] == 3 and acc[M1]["pending"] == 1
    assert acc[M1]["rate"] == pytest.approx(0.6)
    assert acc[M2]["decided"] == 3 and acc[M2]["edited"] == 1 and acc[M2]["rate"] == pytest.approx(2 / 3)

    # accepted 0, edited 5/12, rejected vs the reviewed caption "dark stain": 5/10
    assert r["captions"]["decided"] == 3
    assert r["captions"]["mean_edit_distance"] == pytest.approx((0 + 5 / 12 + 0.5) / 3)

    cal = {b["bin"]: b for b in r["calibration"] if b["count"]}
    assert set(cal) == {"0.2-0.3", "0.3-0.4", "0.5-0.6", "0.6-0.7", "0.9-1.0"}
    assert cal["0.3-0.4"]["right_fraction"] == 1.0 and cal["0.6-0.7"]["right_fraction"] == 0.0
    assert cal["0.5-0.6"]["mean_score"] == pytest.approx(0.55)
    assert sum(b["count"] for b in r["calibration"]) == 5

    today = datetime.now(timezone.utc).date().isoformat()
    assert r["over_time"] == [{"day": today, "decided": 8, "accepted": 5, "rate": 5 / 8}]
    assert r["over_time_by_model"][M2] == [{"day": today, "decided": 3, "accepted": 2, "rate": 2 / 3}]
    json.dumps(r)  # JSON-ready
    text = format_report(r)
    assert "learned:test" in text and "60.0%" in text


def test_empty_project(tmp_path):
    (tmp_path / "e").mkdir()
    with Project.open(tmp_path / "e") as p:
        r = evaluate(p)
    assert r["labels"]["micro"]["precision"] is None and r["acceptance"] == []
    assert r["captions"]["mean_edit_distance"] is None and r["over_time"] == []
    assert "no suggestions yet" in format_report(r)


def _cli(argv):
    parser = argparse.ArgumentParser()
    cli_evaluate.add_parsers(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli(state, capsys, tmp_path):
    p, root = state
    db = [] if p.store.dialect == "sqlite" else ["--db", p.db_url]
    assert _cli(["evaluate", str(root), *db, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["labels"]["micro"]["tp"] == 3
    assert _cli(["evaluate", str(root), *db]) == 0
    assert "Acceptance per model" in capsys.readouterr().out
    assert _cli(["evaluate", str(tmp_path / "nope")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("llmvis evaluate:")


def test_a_reviewed_label_never_predicted_counts_zero_in_macro_f1(state):
    """Label c is in the reviews but no model ever suggested it: no precision, recall 0,
    F1 0, and the macro mean takes it in (it was left out, which made it look better)."""
    p, _ = state
    i1 = next(r.id for r in p.images(p.image_ids()) if r.name == "img1.png")
    p.apply_state(i1, {"labels": ["a", "c"]}, "tester", "review")
    r = evaluate(p)
    per = {row["label"]: row for row in r["labels"]["per_label"]}
    assert per["c"]["support"] == 1 and per["c"]["precision"] is None
    assert per["c"]["recall"] == 0.0 and per["c"]["f1"] == 0.0
    assert r["labels"]["macro_f1"] == pytest.approx((0.5 + 1.0 + 0.0) / 3)
    assert "0.000" in format_report(r)


def test_cli_interrupted_exits_130(state, capsys, monkeypatch):
    p, root = state
    db = [] if p.store.dialect == "sqlite" else ["--db", p.db_url]

    def interrupted(project, include_repairs=False):
        raise KeyboardInterrupt

    monkeypatch.setattr("llmvis_desktop.core.suggest.evaluate.evaluate", interrupted)
    assert _cli(["evaluate", str(root), *db]) == 130
    assert "interrupted" in capsys.readouterr().err


def _review(p, i, labels, caption=None, status="reviewed"):
    state = {"labels": labels, "review_status": status}
    if caption is not None:
        state["caption"] = caption
    p.apply_state(i, state, "tester", "review")


def test_scores_that_are_not_probabilities_stay_out_of_the_calibration(small):
    """A score stored as infinity (older rows, another writer) or outside 0-1 crashed the
    report or fell into the end bins; such scores are counted apart. New ones are refused."""
    from sqlalchemy import update

    from llmvis_desktop.core.store import models as m

    p, ids = small
    sid = p.add_suggestions([NewSuggestion(ids["img1.png"], "label", "a", M1, 0.5, "r"),
                             NewSuggestion(ids["img2.png"], "label", "a", M1, 0.5, "r"),
                             NewSuggestion(ids["img3.png"], "label", "a", M1, 0.75, "r")])
    with p.store.write() as s:
        s.execute(update(m.Suggestion).where(m.Suggestion.id == sid[0]).values(score=float("inf")))
        s.execute(update(m.Suggestion).where(m.Suggestion.id == sid[1]).values(score=1.5))
    for k in sid:
        p.decide_suggestion(k, "accepted", "tester")
    for name in ("img1.png", "img2.png", "img3.png"):
        _review(p, ids[name], ["a"])
    r = evaluate(p)
    assert r["calibration_excluded"] == 2
    assert [b["count"] for b in r["calibration"] if b["count"]] == [1]
    assert "2 with a score outside 0-1 left out" in format_report(r)
    json.dumps(r, allow_nan=False)
    with pytest.raises(ValueError, match="finite"):
        p.add_suggestions([NewSuggestion(ids["img4.png"], "label", "a", M1, float("nan"), "r")])


def test_unscored_label_suggestions_are_each_predicted(small):
    """Imported predictions carry no score: every one of them is a prediction (only the
    alphabetically last used to count, so an accepted second label looked never predicted)."""
    assert predicted_labels([("x", None), ("y", None)]) == {"x", "y"}
    assert predicted_labels([("x", None), ("y", 0.2), ("z", 0.1)]) == {"x", "y"}
    assert predicted_labels([("b", 0.4), ("a", 0.4)]) == {"a"}  # a tie: the first name
    p, ids = small
    i = ids["img1.png"]
    p.add_suggestions([NewSuggestion(i, "label", "a", "import:x", None), NewSuggestion(i, "label", "b", "import:x", None)])
    _review(p, i, ["a", "b"])
    micro = evaluate(p)["labels"]["micro"]
    assert (micro["tp"], micro["fp"], micro["fn"]) == (2, 0, 0)


def test_renaming_a_label_renames_its_suggestions(small):
    p, ids = small
    i, j = ids["img1.png"], ids["img2.png"]
    sid = p.add_suggestions([NewSuggestion(i, "label", "a", M1, 0.9, "r"), NewSuggestion(j, "label", "a", M1, 0.9, "r")])
    p.decide_suggestion(sid[0], "accepted", "tester")
    _review(p, i, ["a"])
    p.update_label("a", new_name="surface scratch")
    micro = evaluate(p)["labels"]["micro"]
    assert (micro["tp"], micro["fp"], micro["fn"]) == (1, 0, 0)  # was split into an FP and an FN
    p.decide_suggestion(sid[1], "accepted", "tester")  # the pending one gives the new name
    assert {l.name for l in p.labels()} == {"surface scratch", "b"}
    assert list(p.image(j).labels) == ["surface scratch"]


def test_a_rejected_image_makes_its_suggestions_false_positives(small):
    """Delete ("reject and next") marks the image rejected with no labels: what was
    suggested there was wrong, and precision says so (it counted only accepted images)."""
    from llmvis_desktop.core import review_actions

    p, ids = small
    rows = [NewSuggestion(ids[f"img{k}.png"], "label", "a", M1, 0.9, "r") for k in range(1, 5)]
    p.add_suggestions(rows)
    for k in (1, 2):
        _review(p, ids[f"img{k}.png"], ["a"])
    for k in (3, 4):
        review_actions.reject(p, ids[f"img{k}.png"], "tester")
    r = evaluate(p)
    per = {row["label"]: row for row in r["labels"]["per_label"]}
    assert (per["a"]["tp"], per["a"]["fp"]) == (2, 2) and per["a"]["precision"] == 0.5
    assert r["images"]["rejected"] == 2


def test_the_learned_suggesters_guesses_on_its_own_training_images_are_left_out(small):
    p, ids = small
    i, j = ids["img1.png"], ids["img2.png"]
    p.add_suggestions([NewSuggestion(i, "label", "b", "learned:hc", 0.9, "r1")])  # before the review: a test
    _review(p, i, ["a"])
    _review(p, j, ["a"])
    p.add_suggestions([NewSuggestion(j, "label", "a", "learned:hc", 0.9, "r2"),  # after: trained on it
                       NewSuggestion(j, "label", "a", "clip:x", 0.9, "r")])  # a zero-shot model: a test
    r = evaluate(p)
    learned = r["labels"]["by_model"]["learned:hc"]
    assert learned["images"] == 1 and learned["micro"]["fp"] == 1 and learned["micro"]["tp"] == 0
    assert r["labels"]["by_model"]["clip:x"]["micro"]["tp"] == 1


def test_only_a_models_latest_revision_on_an_image_counts(small):
    p, ids = small
    i = ids["img1.png"]
    p.add_suggestions([NewSuggestion(i, "label", "a", M2, 0.9, "old")])
    p.add_suggestions([NewSuggestion(i, "label", "b", M2, 0.8, "new")])
    _review(p, i, ["b"])
    micro = evaluate(p)["labels"]["by_model"][M2]["micro"]
    assert (micro["tp"], micro["fp"], micro["fn"]) == (1, 0, 0)


def test_the_final_caption_is_the_images_caption_now(small):
    """Accepted, then rewritten: the distance is to what the caption became (it was 0)."""
    p, ids = small
    i = ids["img1.png"]
    (sid,) = p.add_suggestions([NewSuggestion(i, "caption", "a cat on a sofa", M2, 0.8, "r")])
    p.decide_suggestion(sid, "accepted", "tester")
    _review(p, i, [], caption="a dog on the lawn")
    assert evaluate(p)["captions"]["mean_edit_distance"] == pytest.approx(
        normalised_edit_distance("a cat on a sofa", "a dog on the lawn"))
    assert normalised_edit_distance("caf\u00e9", "cafe\u0301") == 0.0  # the same text, composed or not


def test_macro_f1_counts_a_label_only_ever_predicted_wrongly(small):
    p, ids = small
    rows = []
    for k in (1, 2):
        rows += [NewSuggestion(ids[f"img{k}.png"], "label", "a", M1, 0.9, "r"),
                 NewSuggestion(ids[f"img{k}.png"], "label", "b", M1, 0.8, "r")]
    p.add_suggestions(rows)
    for k in (1, 2):
        _review(p, ids[f"img{k}.png"], ["a"])
    lab = evaluate(p)["labels"]
    per = {row["label"]: row for row in lab["per_label"]}
    assert per["b"]["fp"] == 2 and per["b"]["f1"] == 0.0
    assert lab["macro_f1"] == pytest.approx(0.5)


def test_a_reviewed_image_whose_file_went_missing_still_counts(small):
    p, ids = small
    i = ids["img1.png"]
    p.add_suggestions([NewSuggestion(i, "label", "a", M1, 0.9, "r")])
    _review(p, i, ["a"])
    (p.root / "img1.png").unlink()
    p.index()
    assert p.image(i).status == "missing"
    r = evaluate(p)
    assert r["images"]["reviewed"] == 1 and r["labels"]["micro"]["tp"] == 1


def test_long_names_are_printed_whole(small):
    p, ids = small
    long_a, long_b = "x" * 40 + "-base", "x" * 40 + "-large"
    p.add_suggestions([NewSuggestion(ids["img1.png"], "caption", "c", long_a, 0.5),
                       NewSuggestion(ids["img1.png"], "caption", "c", long_b, 0.5)])
    text = format_report(evaluate(p))
    assert long_a in text and long_b in text


def _retrained(p, i: int) -> int:
    """Image ``i`` with a label and a caption card of revision r1, replaced (withdrawn) by
    those of a retrain, r2: "b" and "a dog" pending."""
    p.add_suggestions([NewSuggestion(i, "label", "a", "learned:x", 0.95, "r1"),
                       NewSuggestion(i, "caption", "a cat", "learned:x", 0.9, "r1")], replaces="learned:")
    p.add_suggestions([NewSuggestion(i, "label", "b", "learned:x", 0.9, "r2"),
                       NewSuggestion(i, "caption", "a dog", "learned:x", 0.9, "r2")], replaces="learned:")
    return i


def test_withdrawn_suggestions_are_not_decisions(small):
    """A retrained suggester's replaced cards (withdrawn) showed up as decided and
    rejected: in the calibration, over time, the caption distance and "suggested"."""
    p, ids = small
    i = _retrained(p, ids["img1.png"])
    assert sorted(s.outcome for s in p.suggestions(i)) == ["pending", "pending", "withdrawn", "withdrawn"]
    _review(p, i, ["b"], caption="a dog on a mat")
    r = evaluate(p)
    # only the pending "b" card (right) is calibrated: the withdrawn "a" is no prediction
    assert [(b["bin"], b["count"], b["right_fraction"]) for b in r["calibration"] if b["count"]] == [
        ("0.9-1.0", 1, 1.0)]
    assert r["over_time"] == []
    assert r["captions"]["decided"] == 0
    acc = r["acceptance"][0]
    assert acc["suggested"] == 2 and acc["withdrawn"] == 2 and acc["decided"] == 0
    micro = r["labels"]["micro"]
    assert (micro["tp"], micro["fp"]) == (1, 0)  # the withdrawn "a" is no prediction


def test_the_header_count_of_suggestions_leaves_withdrawn_ones_out(small):
    """After a retrain the dashboard header said "4 suggestions" while the model's row
    said 2 suggested: the header counted the withdrawn cards the README says are never
    counted as suggested."""
    p, ids = small
    _retrained(p, ids["img1.png"])
    r = evaluate(p)
    assert r["suggestions"] == 2 == r["acceptance"][0]["suggested"]
    assert r["withdrawn"] == 2
    assert format_report(r).splitlines()[0].startswith("0 reviewed images, 2 suggestions (2 withdrawn left out)")


def test_a_learned_guess_before_the_review_still_counts_after_a_later_one(small):
    """The latest revision was picked before leaving out guesses made after the review,
    so a later post-review guess made the image drop out of the scores."""
    p, ids = small
    i = ids["img1.png"]
    p.add_suggestions([NewSuggestion(i, "label", "a", "learned:x", 0.9, "r1")])
    _review(p, i, ["b"])
    p.add_suggestions([NewSuggestion(i, "label", "b", "learned:x", 0.9, "r2")])
    micro = evaluate(p)["labels"]["by_model"]["learned:x"]["micro"]
    assert (micro["tp"], micro["fp"], micro["fn"]) == (0, 1, 1)


def test_a_withdrawn_card_cannot_be_decided(small):
    """A card still on another reviewer's screen after its label was removed: accepting it
    brought the label back."""
    from llmvis_desktop.core.store.repo_suggest import Withdrawn

    p, ids = small
    i = ids["img1.png"]
    (sid,) = p.add_suggestions([NewSuggestion(i, "label", "a", "clip:x", 0.9, "r")])
    p.remove_label("a", "alice", force=True)
    with pytest.raises(Withdrawn, match="withdrawn"):
        p.decide_suggestion(sid, "accepted", "bob")
    assert "a" not in {d.name for d in p.labels()}
    ev = [e for e in p.history(i) if e.action == "withdraw"]
    assert len(ev) == 1 and ev[0].actor == "alice"  # by the remover: other windows see it


def test_undo_does_not_bring_back_a_card_suggested_again(small):
    from llmvis_desktop.core import review_actions as ra

    p, ids = small
    i = ids["img1.png"]
    (old,) = p.add_suggestions([NewSuggestion(i, "label", "a", "learned:x", 0.4, "r1")], replaces="learned:")
    res = ra.decide_suggestion(p, i, old, "rejected", "tester")
    p.add_suggestions([NewSuggestion(i, "label", "a", "learned:x", 0.6, "r2")], replaces="learned:")
    ra.apply_state(p, i, res.before, "tester", "undo", expect=res.after)
    pending = [s for s in p.suggestions(i) if s.outcome == "pending"]
    assert [(s.value, s.model_revision) for s in pending] == [("a", "r2")]
    # the undone card itself is pending again, with the newer guess's revision and score
    # (it stayed "rejected", a decision the evaluation kept counting); the newer one went
    assert pending[0].id == old and pending[0].score == 0.6
    assert sorted(s.outcome for s in p.suggestions(i)) == ["pending", "withdrawn"]
    r = evaluate(p)
    assert r["acceptance"][0]["decided"] == 0 and r["over_time"] == []


def test_calibration_follows_the_labels_the_images_have_now(small):
    """Outcomes are frozen when a card is decided: a label accepted and later taken off
    the image stayed "right" in the calibration, and a label card edited to another label
    counted as accepted."""
    p, ids = small
    i1, i2, i3 = ids["img1.png"], ids["img2.png"], ids["img3.png"]
    s1, s2, s3 = p.add_suggestions([NewSuggestion(i1, "label", "a", "clip:x", 0.95, "r"),
                                    NewSuggestion(i2, "label", "a", "clip:x", 0.25, "r"),
                                    NewSuggestion(i3, "label", "a", "clip:x", 0.75, "r")])
    p.decide_suggestion(s1, "accepted", "tester")
    _review(p, i1, [])  # then the reviewer took "a" off again
    p.decide_suggestion(s2, "rejected", "tester")
    _review(p, i2, ["a"])  # and put it on this one after all
    p.decide_suggestion(s3, "edited", "tester", "b")  # the label was b, not a
    _review(p, i3, ["b"])
    cal = {b["bin"]: b["right_fraction"] for b in evaluate(p)["calibration"] if b["count"]}
    assert cal == {"0.9-1.0": 0.0, "0.2-0.3": 1.0, "0.7-0.8": 0.0}


def test_suggestions_of_a_removed_label_are_left_out(small):
    """Removing a label takes it off every image: its right, decided cards became false
    positives (micro precision 0.33 instead of 1)."""
    p, ids = small
    rows = [NewSuggestion(ids[f"img{k}.png"], "label", v, "clip:x", 0.9, "r") for k, v in ((1, "a"), (2, "a"), (3, "b"))]
    for sid in p.add_suggestions(rows):
        p.decide_suggestion(sid, "accepted", "tester")
    for k in (1, 2, 3):
        _review(p, ids[f"img{k}.png"], p.image(ids[f"img{k}.png"]).labels)
    p.remove_label("a", "tester", force=True)
    r = evaluate(p)
    assert r["labels"]["micro"]["precision"] == 1.0 and r["labels"]["macro_f1"] == 1.0
    assert "a" not in {row["label"] for row in r["labels"]["per_label"]}
    assert r["labels"]["outside_taxonomy"] == 2 and sum(b["count"] for b in r["calibration"]) == 1
    assert "2 suggestions of labels no longer in the taxonomy left out" in format_report(r)


def test_the_caption_distance_is_to_the_caption_now(small):
    p, ids = small
    i1, i2, i3 = ids["img1.png"], ids["img2.png"], ids["img3.png"]
    s1, s2, s3 = p.add_suggestions([NewSuggestion(i, "caption", "a crack", "cap:x", 0.8, "r") for i in (i1, i2, i3)])
    p.decide_suggestion(s1, "edited", "tester", "a long crack")
    p.set_caption(i1, "two cracks", "tester")  # rewritten again, the image not reviewed yet
    p.decide_suggestion(s2, "accepted", "tester")
    _review(p, i2, [], caption="")  # reviewed with the caption deleted: nothing kept
    p.decide_suggestion(s3, "rejected", "tester")  # rejected, no caption, not reviewed: left out
    c = evaluate(p)["captions"]
    assert c["decided"] == 2
    assert c["mean_edit_distance"] == pytest.approx((normalised_edit_distance("a crack", "two cracks") + 1.0) / 2)


def test_a_retrained_guess_renewed_after_the_review_is_not_held_out(small):
    """A pending card of revision 1 (made before the review) renewed by revision 2, trained
    on that review, kept its old time and was scored as a held-out guess. Revision 2's
    guesses are left out; the card is scored as revision 1 showed it to the reviewer."""
    p, ids = small
    i = ids["img1.png"]
    p.add_suggestions([NewSuggestion(i, "label", "a", "learned:x", 0.6, "r1")], replaces="learned:")
    _review(p, i, ["a"])  # the label set by hand: the card stays pending
    p.add_suggestions([NewSuggestion(i, "label", "a", "learned:x", 0.97, "r2"),
                       NewSuggestion(i, "label", "b", "learned:x", 0.7, "r2")], replaces="learned:")
    card = next(s for s in p.suggestions(i) if s.value == "a")
    assert card.model_revision == "r2" and card.score == 0.97
    r = evaluate(p)
    m = r["labels"]["by_model"]["learned:x"]
    assert (m["images"], m["micro"]["tp"], m["micro"]["fp"]) == (1, 1, 0)  # r1's a; r2's b left out
    assert {b["bin"]: b["count"] for b in r["calibration"] if b["count"]} == {"0.6-0.7": 1}  # r1's 0.6


def _removed_a_then_reused(p, ids, reuse):
    rows = [NewSuggestion(ids[f"img{k}.png"], "label", v, "clip:x", 0.9, "r") for k, v in ((1, "a"), (2, "b"))]
    for sid in p.add_suggestions(rows):
        p.decide_suggestion(sid, "accepted", "tester")
    for k in (1, 2):
        _review(p, ids[f"img{k}.png"], p.image(ids[f"img{k}.png"]).labels)
    p.remove_label("a", "tester", force=True)
    if reuse == "rename":
        p.update_label("b", new_name="a", actor="tester")
    else:
        p.add_label("a")
    return evaluate(p)


@pytest.mark.parametrize("reuse", ["rename", "add"])
def test_a_removed_labels_cards_stay_out_when_another_label_takes_its_name(small, reuse):
    """A forced removal left the decided cards at the old name: a label given the name
    later (renamed or added) took them back into the scores (as false positives)."""
    p, ids = small
    r = _removed_a_then_reused(p, ids, reuse)
    assert r["labels"]["outside_taxonomy"] == 1
    assert r["labels"]["micro"]["fp"] == 0 and r["labels"]["micro"]["precision"] == 1.0
    assert sum(b["count"] for b in r["calibration"]) == 1
    i1 = ids["img1.png"]
    assert [e.action for e in p.history(i1) if e.action == "suggestion_label_removed"] == ["suggestion_label_removed"]


def test_a_removed_top1_does_not_promote_a_lower_card(small):
    """The removed label's rows were dropped before the top-1 pick: the model's rejected
    0.2 card became its prediction, a false positive."""
    p, ids = small
    i1 = ids["img1.png"]
    s1, s2 = p.add_suggestions([NewSuggestion(i1, "label", "a", "clip:x", 0.9, "r"),
                                NewSuggestion(i1, "label", "b", "clip:x", 0.2, "r")])
    p.decide_suggestion(s1, "accepted", "tester")
    p.decide_suggestion(s2, "rejected", "tester")
    _review(p, i1, ["a"])
    p.remove_label("a", "tester", force=True)
    r = evaluate(p)
    assert r["labels"]["by_model"]["clip:x"]["micro"]["fp"] == 0
    assert r["labels"]["micro"]["fp"] == 0


def test_calibration_uses_the_latest_revision_like_the_scores(small):
    p, ids = small
    i = ids["img1.png"]
    p.add_suggestions([NewSuggestion(i, "label", "a", M2, 0.95, "old")])
    p.add_suggestions([NewSuggestion(i, "label", "b", M2, 0.85, "new")])
    _review(p, i, ["b"])
    cal = {b["bin"]: b["count"] for b in evaluate(p)["calibration"] if b["count"]}
    assert cal == {"0.8-0.9": 1}


def test_the_text_header_counts_rejected_images_apart(small):
    p, ids = small
    for k, st in ((1, "reviewed"), (2, "rejected")):
        p.add_suggestions([NewSuggestion(ids[f"img{k}.png"], "label", "a", "clip:x", 0.9, "r")])
        _review(p, ids[f"img{k}.png"], [], status=st)
    head = format_report(evaluate(p)).splitlines()[0]
    assert head.startswith("1 reviewed image and 1 rejected, 2 suggestions")
    assert "over all 2 decided images (1 reviewed, 1 rejected), those with label suggestions" in head and "(1 rejected)" not in head


def test_an_image_the_model_scored_without_a_card_is_a_predicted_no(small):
    """One-label taxonomy: the learned suggester writes a card only for a label scoring
    >= 0.5, so the images it judged clean had no card and evaluate left its misses out
    (recall 1.000 where it was 0.737). A recorded run with no card is a "no"."""
    p, ids = small
    i1, i2, i3, i4 = (ids[f"img{k}.png"] for k in range(1, 5))
    p.add_suggestions([NewSuggestion(i1, "label", "a", "learned:x", 0.9, "r1")])
    p.record_suggest_runs([i1, i2, i3], "learned:x", "r1", ["a"])
    _review(p, i1, ["a"])   # TP
    _review(p, i2, ["a"])   # judged clean, has a: FN
    _review(p, i3, [])      # judged clean, clean: nothing wrong
    _review(p, i4, ["a"])   # reviewed before the model ran on it: left out (it may have learnt from it)
    p.record_suggest_runs([i4], "learned:x", "r1", ["a"])
    r = evaluate(p)
    for scores in (r["labels"], r["labels"]["by_model"]["learned:x"]):
        micro = scores["micro"]
        assert (micro["tp"], micro["fp"], micro["fn"]) == (1, 0, 1)
        assert scores["images"] == 3
    assert r["images"]["with_label_suggestions"] == 3 and r["images"]["judged_without_labels"] == 2
    assert "(2 of them judged without labels)" in format_report(r).splitlines()[0]
    # the GUI can tell "the model says clean" from "not looked at"
    (j,) = p.judged_without_labels(i2)
    assert (j["model_id"], j["revision"], j["labels"]) == ("learned:x", "r1", ["a"])
    assert p.judged_without_labels(i1) == []


def test_a_newer_run_without_a_card_outweighs_an_older_revisions_card(small):
    p, ids = small
    i = ids["img1.png"]
    p.add_suggestions([NewSuggestion(i, "label", "a", "learned:x", 0.9, "r1")])
    p.record_suggest_runs([i], "learned:x", "r1", ["a"])
    p.record_suggest_runs([i], "learned:x", "r2", ["a"], replaces="learned:", without_cards=[i])  # r2: clean
    _review(p, i, [])
    micro = evaluate(p)["labels"]["micro"]
    assert (micro["tp"], micro["fp"], micro["fn"]) == (0, 0, 0)
    assert evaluate(p)["labels"]["images"] == 1


def test_a_retrained_no_withdraws_the_older_revisions_pending_yes(small):
    """A retrain judging an image clean left its older revision's 'a' card pending (only
    images with new cards had their old ones replaced): the reviewer saw a stale guess."""
    p, ids = small
    i1, i2 = ids["img1.png"], ids["img2.png"]
    p.add_suggestions([NewSuggestion(i, "label", "a", "learned:x", 0.9, "r1") for i in (i1, i2)])
    _review(p, i2, ["b"])  # decided meanwhile: its card is left as it is
    p.record_suggest_runs([i1, i2], "learned:x", "r2", ["a"], replaces="learned:", without_cards=[i1, i2])
    assert [s.outcome for s in p.suggestions(i1)] == ["withdrawn"]
    assert p.image(i1).status == "new"
    assert [s.outcome for s in p.suggestions(i2)] == ["pending"] and p.image(i2).status == "reviewed"


def test_a_run_record_does_not_turn_a_card_renewed_after_the_review_into_a_no(small):
    p, ids = small
    i = ids["img1.png"]
    p.add_suggestions([NewSuggestion(i, "label", "a", "learned:x", 0.6, "r1")], replaces="learned:")
    p.record_suggest_runs([i], "learned:x", "r1", ["a", "b"])
    _review(p, i, ["a"])
    p.add_suggestions([NewSuggestion(i, "label", "a", "learned:x", 0.97, "r2")], replaces="learned:")
    p.record_suggest_runs([i], "learned:x", "r2", ["a", "b"])
    r = evaluate(p)  # r1's card became r2's after the review: scored as r1's, not a "no"
    m = r["labels"]["by_model"]["learned:x"]
    assert (m["images"], m["micro"]["tp"], m["micro"]["fn"]) == (1, 1, 0)
    assert r["images"]["judged_without_labels"] == 0
