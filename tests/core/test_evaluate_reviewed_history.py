"""evaluate() on a project whose images are mostly reviewed: a reviewed image's history of
re-runs (a suggest job run again withdraws its pending cards, append-only) was read row by
row, every withdrawn card, though no rule reads most of them: 206k rows with 43% of the
images reviewed took 2.5 s in ``llmvis evaluate``. Only those a rule can use are read
(withdrawn by a label's removal, the learned suggester's made or withdrawn at or after
the review, one whose run is recorded); the others are counted in the database. The
figures are pinned by test_evaluate_same_figures (its ``mostly_reviewed`` history)."""
from __future__ import annotations

from test_evaluate_same_figures import _rows_read

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.suggest.evaluate import evaluate


def test_the_rows_read_do_not_grow_with_the_withdrawn_history_of_reviewed_images(labeled_pngs, monkeypatch):
    p, _, (a, b, c) = labeled_pngs(3)

    def rerun(k: int):  # the zero-shot labeler again: a card per image, another one than the run before's
        p.add_suggestions([NewSuggestion(i, "label", ("scratch", "dent")[k % 2], "zeroshot:clip", 0.7, f"v{k % 3}")
                           for i in (a, b)], supersede=True)

    def retrain(k: int):  # the learned suggester's guesses, the older ones withdrawn
        p.add_suggestions([NewSuggestion(c, "label", ("scratch", "dent")[k % 2], "learned:linear", 0.6, f"r{k % 2}")],
                          skip_same_pending=True, replaces="learned:")

    rerun(0)
    for i in (a, b):
        ra.accept(p, i, "rev")
    rerun(1)  # pending on the reviewed images: scored
    counts = _rows_read(monkeypatch)
    before = evaluate(p)
    few = sum(counts)
    monkeypatch.undo()  # (the actions below read scalars: not counted)
    # the history grows: 40 re-runs on the reviewed images, and 40 retrains guessing on
    # an image reviewed after them (what the reviewer saw: the last one's card)
    for k in range(2, 42):
        rerun(k)
    for k in range(40):
        retrain(k)
    ra.accept(p, c, "rev")
    counts = _rows_read(monkeypatch)
    report = evaluate(p)
    assert report["withdrawn"] - before["withdrawn"] > 100  # (the history grew)
    assert report["images"]["reviewed"] == 3 and report["labels"]["images"] == 3
    assert sum(counts) - few < 20, f"{sum(counts)} rows read ({counts}), {few} before the re-runs"


def test_a_rejected_image_s_history_of_re_runs_is_not_read_for_its_accepted_cards(labeled_pngs, monkeypatch):
    """A card accepted on an image rejected later: whether its label was on the image
    already is read from its decision events (``_already_on``), not from every event of
    the image's cards (each re-run adds a suggest and a withdraw event)."""
    p, _, (a, b, c) = labeled_pngs(3)
    for k in range(41):  # 40 re-runs of the zero-shot labeler on b, the run before's cards withdrawn
        p.add_suggestions([NewSuggestion(i, "label", ("scratch", "dent")[k % 2], "zeroshot:clip", 0.7, "v1")
                           for i in ((a, b) if k == 40 else (b,))], supersede=True)
    for i in (a, b):
        ra.accept(p, i, "rev")  # Enter: the label card accepted, then Delete
        ra.reject(p, i, "rev")
    counts = _rows_read(monkeypatch)
    report = evaluate(p)
    assert report["images"]["rejected"] == 2 and report["acceptance"][0]["overruled"] == 2
    assert report["withdrawn"] == 40
    assert sum(counts) < 30, f"{sum(counts)} rows read ({counts})"


def test_a_revision_s_first_card_is_not_one_a_retrain_renewed_after_the_review(labeled_pngs):
    """The tallies are counted over every row, less the rows read: a learned card renewed
    in place by a retrain after its image's review takes the retrain's revision and time,
    but the rules read it as it was (its older revision): the retrain's revision begins
    with its first card only counted, not with the renewal. (Its revisions are listed
    oldest first by their first card.)"""
    p, _, (a, b, c) = labeled_pngs(3)
    lin = "learned:linear"
    p.add_suggestions([NewSuggestion(a, "label", "scratch", lin, 0.8, "r1")], skip_same_pending=True,
                      replaces="learned:")
    ra.set_status(p, a, "reviewed", "rev")
    # a retrain guessing the same on a: its r1 card renewed in place, as r2, after the review
    p.add_suggestions([NewSuggestion(a, "label", "scratch", lin, 0.9, "r2")], skip_same_pending=True,
                      replaces="learned:")
    p.add_suggestions([NewSuggestion(b, "label", "dent", lin, 0.7, "r3")])  # r3's first card
    p.add_suggestions([NewSuggestion(c, "label", "dent", lin, 0.6, "r2")])  # r2's first card only counted
    [acc] = [x for x in evaluate(p)["acceptance"] if x["model_id"] == lin]
    assert [x["revision"] for x in acc["by_revision"]] == ["r1", "r3", "r2"]
    assert [x["suggested"] for x in acc["by_revision"]] == [1, 1, 1]


def test_decided_label_cards_and_answers_of_images_nobody_reviewed_are_counted_not_read(labeled_pngs, monkeypatch):
    """A label card decided on an image nobody reviewed (yet) counts only in its model's
    outcome counts and its day's acceptance (none is overruled or scored), and an answer
    only in ``answers``: they are counted in the database, by day, not read one by one."""
    p, _, (a, b, c) = labeled_pngs(3)

    def run_and_decide(k: int):  # the labeler again on b and c, its card decided there
        sids = p.add_suggestions([NewSuggestion(i, "label", ("scratch", "dent")[k % 2], "zeroshot:clip", 0.7, "v1")
                                  for i in (b, c)], supersede=True)
        ra.decide_suggestion(p, b, sids[0], "accepted" if k % 3 == 0 else "rejected", "rev")
        ra.decide_suggestion(p, c, sids[1], "edited", "rev", "dent")
        ra.keep_note(p, NewSuggestion(c, "answer", f"no {k}", "vlm:ask", None, "a1", "a scratch?"), "rev")

    ra.accept(p, a, "rev")
    run_and_decide(0)
    counts = _rows_read(monkeypatch)
    before = evaluate(p)
    few = sum(counts)
    monkeypatch.undo()
    for k in range(1, 41):
        run_and_decide(k)
    counts = _rows_read(monkeypatch)
    report = evaluate(p)
    [zs] = [x for x in report["acceptance"] if x["model_id"] == "zeroshot:clip"]
    assert (zs["accepted"], zs["edited"], zs["rejected"]) == (14, 41, 27)
    assert report["answers"]["vlm:ask"]["kept"] == 41

    def over_time(r, key):
        return sum(d[key] for d in r["over_time"])

    assert over_time(report, "decided") - over_time(before, "decided") == 80  # by the day's tallies
    assert over_time(report, "accepted") - over_time(before, "accepted") == 13  # (an edited label: not kept)
    assert sum(counts) - few < 20, f"{sum(counts)} rows read ({counts}), {few} before the decisions"
