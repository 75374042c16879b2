"""evaluate(): which run is scored (retrains renewing cards in place, re-runs of the same
revision), rejected images, changed file content and edited captions."""
from __future__ import annotations

import pytest
from PIL import Image

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.suggest.evaluate import evaluate, format_report

L, Z, C = "learned:linear", "zeroshot:clip", "cap:test"


@pytest.fixture
def proj(labeled_pngs):
    return labeled_pngs(3)


def _per(r, model):
    return {x["label"]: (x["tp"], x["fp"], x["fn"]) for x in r["labels"]["by_model"][model]["per_label"]}


def test_a_retrain_renewing_a_card_in_place_is_scored_on_the_new_revision(proj):
    p, _, (a, *_) = proj
    p.add_suggestions([NewSuggestion(a, "label", "scratch", L, 0.8, "r1"),
                       NewSuggestion(a, "label", "dent", L, 0.6, "r1")], skip_same_pending=True, replaces="learned:")
    dent = next(s for s in p.suggestions(a) if s.value == "dent")
    ra.decide_suggestion(p, a, dent.id, "rejected", "rev")
    # the retrain guesses scratch again: the (older, lower id) card is renewed to r2
    p.add_suggestions([NewSuggestion(a, "label", "scratch", L, 0.85, "r2")], skip_same_pending=True,
                      replaces="learned:")
    ra.accept(p, a, "rev")
    r = evaluate(p)
    assert _per(r, L) == {"scratch": (1, 0, 0), "dent": (0, 0, 0)}
    m = r["labels"]["by_model"][L]["micro"]
    assert m["precision"] == 1.0 and m["recall"] == 1.0
    assert [(b["bin"], b["count"]) for b in r["calibration"] if b["count"]] == [("0.8-0.9", 1)]


def test_a_rerun_of_the_same_revision_is_scored_on_its_newest_cards(proj):
    p, _, (_, b, _) = proj
    p.add_suggestions([NewSuggestion(b, "label", "scratch", Z, 0.9, "v1"),
                       NewSuggestion(b, "label", "dent", Z, 0.1, "v1")], supersede=True)
    ra.accept(p, b, "rev")  # reviewed: scratch
    p.add_label("crack")
    p.add_suggestions([NewSuggestion(b, "label", "scratch", Z, 0.3, "v1"),
                       NewSuggestion(b, "label", "dent", Z, 0.1, "v1"),
                       NewSuggestion(b, "label", "crack", Z, 0.6, "v1")], supersede=True)
    r = evaluate(p)
    # the model now predicts {crack}: scratch missed, crack wrong
    assert _per(r, Z) == {"scratch": (0, 0, 1), "dent": (0, 0, 0), "crack": (0, 1, 0)}
    # calibration: each label's latest card once (3 cards, not 5)
    cal = {x["bin"]: (x["count"], x["right_fraction"]) for x in r["calibration"] if x["count"]}
    assert cal == {"0.1-0.2": (1, 0.0), "0.3-0.4": (1, 1.0), "0.6-0.7": (1, 0.0)}


def test_cards_accepted_on_an_image_rejected_later_count_as_wrong(proj):
    p, _, (a, b, _) = proj
    for i in (a, b):
        p.add_suggestions([NewSuggestion(i, "label", "scratch", Z, 0.9, "v1"),
                           NewSuggestion(i, "label", "dent", Z, 0.2, "v1"),
                           NewSuggestion(i, "caption", "a scratch", C, 0.9, "c1")])
        ra.accept(p, i, "rev")  # Enter: scratch and the caption accepted, dent rejected
    ra.reject(p, a, "rev")  # then Delete on a: the image's suggestions were wrong
    assert p.image(a).review_status == "rejected" and p.image(a).labels == ("scratch",)
    r = evaluate(p)
    assert r["images"]["rejected"] == 1
    assert _per(r, Z) == {"scratch": (1, 1, 0), "dent": (0, 0, 0)}  # b right, a wrong
    acc = {x["model_id"]: x for x in r["acceptance"]}
    assert (acc[Z]["accepted"], acc[Z]["rejected"], acc[Z]["overruled"]) == (1, 3, 1)
    assert acc[Z]["rate"] == pytest.approx(1 / 4)
    assert (acc[C]["accepted"], acc[C]["rejected"], acc[C]["overruled"], acc[C]["rate"]) == (1, 1, 1, 0.5)
    assert r["captions"]["mean_edit_distance"] == pytest.approx(0.5)  # a: 1, b: 0
    cal = {x["bin"]: (x["count"], x["right_fraction"]) for x in r["calibration"] if x["count"]}
    assert cal["0.9-1.0"] == (2, 0.5)
    assert sum(d["accepted"] for d in r["over_time"]) == 2


def test_caption_cards_for_a_files_old_content_are_not_compared_with_the_new_caption(proj):
    import os

    p, root, (a, *_) = proj
    p.add_suggestions([NewSuggestion(a, "caption", "a scratch on metal", C, 0.9, "c1"),
                       NewSuggestion(a, "caption", "an unrelated guess", "cap:other", 0.9, "c1")])
    other = next(s for s in p.suggestions(a) if s.model_id == "cap:other")
    ra.decide_suggestion(p, a, other.id, "rejected", "rev")
    ra.accept(p, a, "rev")  # the C caption accepted as it is
    was = (root / "i0.png").stat().st_mtime_ns
    Image.new("RGB", (9, 9), (200, 0, 0)).save(root / "i0.png")  # new content, review kept
    os.utime(root / "i0.png", ns=(was + 2_000_000_000, was + 2_000_000_000))  # a later time, no sleep
    p.index()
    p.add_suggestions([NewSuggestion(a, "caption", "a dent in the plate", C, 0.9, "c1")])
    ra.set_caption(p, a, None, "rev")
    ra.accept(p, a, "rev")
    assert p.image(a).caption == "a dent in the plate"
    caps = evaluate(p)["captions"]
    # both of C's captions were kept as suggested; the other model's rejected guess was
    # about the old content, whose final caption is gone: left out
    assert caps["by_model"] == {C: {"decided": 2, "mean_edit_distance": 0.0, "rejected_unwritten": 0}}


def test_an_edited_caption_whose_text_was_replaced_is_not_accepted(proj):
    p, _, (a, b, c) = proj
    p.add_suggestions([NewSuggestion(i, "caption", "a photo of a cat sitting on a sofa", C, 0.6, "c1")
                       for i in (a, b, c)])
    for i, typed in ((a, "hairline crack at the weld seam"), (b, "a photo of a cat sitting on the sofa")):
        ra.set_caption(p, i, typed, "rev")  # typed by the reviewer first, then Enter: the card is "edited"
        ra.accept(p, i, "rev")
    ra.accept(p, c, "rev")  # accepted as it is
    r = evaluate(p)
    (acc,) = r["acceptance"]
    assert (acc["accepted"], acc["edited"], acc["edited_kept"], acc["decided"]) == (1, 2, 1, 3)
    assert acc["rate"] == pytest.approx(2 / 3)  # a's text was replaced: not accepted
    assert acc["rate_as_is"] == pytest.approx(1 / 3)
    assert r["over_time"][0]["accepted"] == 2
    assert "as is" in format_report(r)


def test_per_model_label_scores_and_calibration_are_reported(proj):
    p, _, (a, b, c) = proj
    for i in (a, b, c):  # G right everywhere; B says dent with 0.9 where the truth is scratch
        p.add_suggestions([NewSuggestion(i, "label", "scratch", "zs:good", 0.85, "v1"),
                           NewSuggestion(i, "label", "dent", "zs:bad", 0.9, "v1")])
        ra.set_labels(p, i, ["scratch"], "rev")
        ra.set_status(p, i, "reviewed", "rev")
    r = evaluate(p)
    byc = r["calibration_by_model"]
    assert set(byc) == {"zs:good", "zs:bad"}
    assert [(x["bin"], x["count"], x["right_fraction"]) for x in byc["zs:good"] if x["count"]] == [("0.8-0.9", 3, 1.0)]
    assert [(x["bin"], x["count"], x["right_fraction"]) for x in byc["zs:bad"] if x["count"]] == [("0.9-1.0", 3, 0.0)]
    text = format_report(r)
    per_model = text[text.index("Labels per model"):]
    good = next(line for line in per_model.splitlines() if line.strip().startswith("zs:good"))
    bad = next(line for line in per_model.splitlines() if line.strip().startswith("zs:bad"))
    assert good.split()[1:5] == ["3", "1.000", "1.000", "1.000"]  # images, P, R, F1
    assert bad.split()[1:5] == ["3", "0.000", "0.000", "0.000"]
    cal = text[text.index("Calibration per model"):]
    assert "zs:bad" in cal and "0.9-1.0" in cal


def test_evaluate_refuses_a_folder_that_is_not_a_project_and_writes_nothing(tmp_path, capsys):
    import argparse

    from llmvis_desktop import cli_evaluate

    folder = tmp_path / "noproj"
    folder.mkdir()
    Image.new("RGB", (8, 8)).save(folder / "a.png")
    parser = argparse.ArgumentParser()
    cli_evaluate.add_parsers(parser.add_subparsers())
    args = parser.parse_args(["evaluate", str(folder)])
    assert args.func(args) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no project here" in err[0] and "llmvis index" in err[0] and "--db" in err[0]
    assert sorted(x.name for x in folder.iterdir()) == ["a.png"]  # no .llmvis made


def test_a_rerun_after_a_rename_replaces_the_renamed_cards(proj):
    p, _, (a, *_) = proj
    p.add_suggestions([NewSuggestion(a, "label", "scratch", Z, 0.9, "v1"),
                       NewSuggestion(a, "label", "dent", Z, 0.2, "v1")], supersede=True)
    ra.accept(p, a, "rev")  # scratch accepted, dent rejected
    p.update_label("scratch", new_name="scrape")
    p.add_suggestions([NewSuggestion(a, "label", "scrape", Z, 0.3, "v1"),
                       NewSuggestion(a, "label", "dent", Z, 0.7, "v1")], supersede=True)
    r = evaluate(p)
    assert _per(r, Z) == {"scrape": (0, 0, 1), "dent": (0, 1, 0)}
    assert sum(b["count"] for b in r["calibration"]) == 2
