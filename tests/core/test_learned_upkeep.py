"""The learned suggester over a project's life: its feature cache follows the folder
(files deleted or changed), its readiness counts what a fit can use, and its cards and
"judged clean" records follow a label renamed since the fit or the run."""
from __future__ import annotations

import os

import numpy as np
import pytest

from defectgen import review_first
from llmvis_desktop.core.store.records import ImageFilter
from llmvis_desktop.core.suggest.features import FeatureCache
from llmvis_desktop.core.suggest.learned import LearnedSuggester, NotReady

KINDS3 = ("ok", "scratch", "crack")




def _unreviewed(p) -> list[int]:
    return p.image_ids(ImageFilter(statuses=("new", "suggested")), "name")


def _pending_labels(p, value) -> dict[int, str]:
    """{image id: revision} of the pending label cards of ``value`` on unreviewed images."""
    return {s.image_id: s.model_revision for i in _unreviewed(p) for s in p.suggestions(i, pending_only=True)
            if s.kind == "label" and s.value == value}


# --- 1. the feature cache follows the folder ----------------------------------------------

def test_the_feature_cache_drops_deleted_and_replaced_files_and_reads_a_changed_one_again(learned):
    """The cache kept a vector for every (image, mtime, size) it ever read: a deleted file's
    and each older content's stayed in the file for good, growing with the project's life."""
    p, _rows = learned
    sugg = LearnedSuggester(p, model="linear")
    sugg.train()
    sugg.run()
    path = sugg._cache.path
    before = FeatureCache(path, sugg.extractor.name)
    ids = _unreviewed(p)
    assert len(before) == len(p.image_ids())
    gone, changed, donor = (p.image(i) for i in ids[:3])
    os.remove(p.path_of(gone))
    p.path_of(changed).write_bytes(p.path_of(donor).read_bytes())  # another tile's pixels
    os.utime(p.path_of(changed), ns=(changed.mtime_ns + 10**9, changed.mtime_ns + 10**9))
    p.index()
    now = p.image(changed.id)
    assert (now.mtime_ns, p.image(gone.id).status) == (changed.mtime_ns + 10**9, "missing")

    again = LearnedSuggester(p, model="linear")
    again.train()
    again.run(only_unsuggested=False)
    cache = FeatureCache(path, again.extractor.name)
    keys = set(cache._mem)
    assert not [k for k in keys if k[0] == gone.id]  # the deleted file's vector is gone
    assert [k for k in keys if k[0] == changed.id] == [(changed.id, now.mtime_ns, now.size)]  # one, of now
    # and it is the new content's (the donor's pixels), not the old one's
    assert np.allclose(cache.get(changed.id, now.mtime_ns, now.size), cache.get(donor.id, donor.mtime_ns, donor.size))
    assert len(cache) == len(p.image_ids()) - 1


# --- 2. readiness counts what the fit can use ----------------------------------------------

def test_readiness_leaves_out_reviewed_files_missing_on_disk_and_says_so(learned):
    """Readiness said "learns 3 labels from 15 reviewed images" with a reviewed file of
    'ok' and one of 'scratch' deleted (not re-indexed yet): the fit then refused ("needs
    more readable reviewed images"). It now counts the files there and names the others."""
    p, _rows = learned
    reviewed = p.images(p.image_ids(ImageFilter(statuses=("reviewed",)), "name"))
    first = {k: next(r for r in reviewed if k in r.labels) for k in ("ok", "scratch")}
    os.remove(p.path_of(first["ok"]))
    sugg = LearnedSuggester(p, model="linear")
    ready, msg = sugg.status()
    assert ready and "learns 2 labels from 14 reviewed images" in msg, msg
    assert "1 reviewed image missing on disk" in msg and first["ok"].relpath in msg, msg
    report = sugg.train()
    assert report.images == 14 and "ok" in report.skipped_labels and first["ok"].relpath in report.unreadable
    assert "ok" in msg.split("; not learned yet:")[1], msg  # the short label is named, as the fit skips it

    os.remove(p.path_of(first["scratch"]))
    ready, msg = sugg.status()
    assert not ready, msg  # one label left with 5: the fit would refuse
    assert "2 reviewed images missing on disk" in msg, msg
    with pytest.raises(NotReady):
        sugg.train()


# --- 3. a learned card follows a label renamed since the fit ----------------------------------

def test_a_card_of_a_label_renamed_during_a_retrain_follows_the_rename(learned):
    """A retrain predicted 'crack'; bob renamed it 'fissure' before the batch was stored: the
    renamed older card ('fissure') was withdrawn and no card put in its place (the new one
    named a label no longer in the taxonomy) although the label was still there."""
    p, rows = learned
    sugg = LearnedSuggester(p, model="linear")
    sugg.train()
    sugg.run()
    first = _pending_labels(p, "crack")
    assert first
    review_first(p, rows, 6, actor="alice")
    sugg.train()
    guessed = {s.image_id for s in sugg.predict(_unreviewed(p)) if s.kind == "label" and s.value == "crack"}
    assert guessed & set(first)
    p.update_label("crack", new_name="fissure", actor="bob")
    sugg.run()
    now = _pending_labels(p, "fissure")
    assert set(now) == guessed and set(now.values()) == {sugg.revision}
    assert _pending_labels(p, "crack") == {} and sugg.unknown_label_cards == 0
    # a card kept through the retrain is the same row, moved to the new revision
    for i in guessed & set(first):
        [card] = [s for s in p.suggestions(i, pending_only=True) if s.value == "fissure"]
        assert any(e.action == "suggest_revised" and e.suggestion_id == card.id for e in p.history(i))


def test_a_suggester_fitted_before_a_rename_writes_cards_of_the_new_name(learned):
    """The model fitted before the rename went on suggesting (a run over more images): its
    cards of the old name were dropped until the next retrain."""
    p, _rows = learned
    sugg = LearnedSuggester(p, model="linear")
    sugg.train()
    guessed = {s.image_id for s in sugg.predict(_unreviewed(p)) if s.kind == "label" and s.value == "crack"}
    p.update_label("crack", new_name="fissure", actor="bob")
    sugg.run()
    assert set(_pending_labels(p, "fissure")) == guessed and sugg.unknown_label_cards == 0
    # the run record names the label as it is called now
    clean = [i for i in _unreviewed(p) if p.judged_without_labels(i)]
    for i in clean:
        assert "fissure" in p.judged_without_labels(i)[0]["labels"]


def test_a_card_of_a_label_removed_since_the_fit_is_still_left_out(learned):
    p, _rows = learned
    sugg = LearnedSuggester(p, model="linear")
    sugg.train()
    p.remove_label("crack", "bob", force=True)
    p.add_label("fissure")
    sugg.run()
    assert _pending_labels(p, "crack") == {} and _pending_labels(p, "fissure") == {}
    assert sugg.unknown_label_cards > 0


# --- 4. the "judged clean" text follows a rename of a label no image carries ------------------

def test_judged_without_labels_follows_a_rename_of_a_label_no_image_carries(project):
    """'dent' was on no image and in no card when it was renamed: the rename left no event,
    and the panel's "judged free of every label" text dropped it."""
    i1 = project.image_ids()[0]
    project.record_suggest_runs([i1], "learned:x", "r1", ["dent", "scratch"])
    project.update_label("dent", new_name="deep dent", actor="tester")
    (j,) = project.judged_without_labels(i1)
    assert j["labels"] == ["deep dent", "scratch"]
    project.remove_label("deep dent", "tester", force=True)
    project.add_label("deep dent")  # another label of that name, made after the run
    (j,) = project.judged_without_labels(i1)
    assert j["labels"] == ["scratch"]


def test_a_run_recorded_before_the_keys_were_kept_still_follows_the_rename_events(project):
    """suggest_runs rows written before this change hold a list of names: read as before."""
    from llmvis_desktop.core.store import models as m

    i1, i2 = project.image_ids()[:2]
    project.toggle_label(i2, "scratch", "tester")  # the label is on an image when renamed
    with project.store.write() as s:
        s.add(m.SuggestRun(image_id=i1, model_id="learned:x", model_revision="r1",
                           labels_json='["dent", "scratch"]', ran_at=m.utcnow()))
    project.update_label("scratch", new_name="deep scratch", actor="tester")
    (j,) = project.judged_without_labels(i1)
    assert j["labels"] == ["deep scratch", "dent"]


def test_a_label_key_matches_in_a_session_of_another_time_zone(project):
    """A key written by one teammate's session was compared as the text of the label's
    creation time, which PostgreSQL gives in each session's time zone: another machine's
    session found the label gone."""
    from sqlalchemy import text

    from llmvis_desktop.core.store.repo_labels import label_keys, names_of_keys

    with project.store.read() as s:
        keys = label_keys(s, ["dent"])
    with project.store.read() as s:
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text("SET LOCAL TIME ZONE 'Asia/Tokyo'"))
        assert names_of_keys(s, keys) == {"dent": "dent"}
