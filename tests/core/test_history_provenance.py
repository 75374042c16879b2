"""Provenance in the history: label renames and forced removals, decisions on an image
that already had the value, suggestion cards renewed in place, the status the reviewer
saw, and what the indexer saw happen to a reviewed file."""
from __future__ import annotations

import os

from PIL import Image

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.store.repo_review import replay


def _events(p, i, *actions):
    return [(e.actor, e.action, e.before, e.after) for e in p.history(i) if e.action in actions]


def test_a_rename_is_in_each_images_history_and_decided_cards_keep_their_value(project):
    p = project
    i, j, k = p.image_ids()[:3]
    p.toggle_label(i, "scratch", "alice")
    sid, pend = p.add_suggestions([NewSuggestion(j, "label", "scratch", "clip", 0.9, "r1", "a photo of {}"),
                                   NewSuggestion(k, "label", "scratch", "clip", 0.8, "r1", "a photo of {}")])
    ra.accept(p, j, "alice", shown=[sid])
    p.update_label("scratch", new_name="scuff", actor="bob")
    assert _events(p, i, "label_renamed") == [("bob", "label_renamed", ["scratch"], ["scuff"])]
    for x in (i, j, k):
        assert replay(p.history(x)) == p.snapshot(x)
    decided = {s.id: s for s in p.suggestions(j)}[sid]
    assert (decided.value, decided.final_value, decided.outcome) == ("scratch", "scratch", "accepted")
    pending = p.suggestions(k)[0]
    assert pending.value == "scuff"  # a pending card follows, and says so
    assert [(e.action, e.before, e.after, e.suggestion_id) for e in p.history(k) if e.action == "suggestion_renamed"] \
        == [("suggestion_renamed", "scratch", "scuff", pend)]
    # renamed again: the decided card (value "scratch") is still found as that label's
    p.update_label("scuff", new_name="scuff2", actor="bob")
    assert [e.after for e in p.history(j) if e.action == "suggestion_renamed"] == ["scuff", "scuff2"]


def test_a_forced_removal_has_its_own_action_and_replays(project):
    p = project
    i = p.image_ids()[0]
    p.set_labels(i, ["scratch", "dent"], "alice")
    p.remove_labels(["scratch"], "bob", force=True)
    assert _events(p, i, "label_removed") == [("bob", "label_removed", ["dent", "scratch"], ["dent"])]
    assert replay(p.history(i)) == p.snapshot(i)


def test_accept_over_a_typed_caption_is_recorded_as_an_edit(project):
    p = project
    i = p.image_ids()[0]
    sid, = p.add_suggestions([NewSuggestion(i, "caption", "a benign nevus", "blip", 0.9, "r1", "describe")])
    ra.set_caption(p, i, "melanoma, refer", "dr_alice")
    ra.accept(p, i, "dr_alice")
    ev = [e for e in p.history(i) if e.suggestion_id == sid and e.action != "suggest"]
    assert [(e.action, e.before, e.after) for e in ev] == [("edit_suggestion", "a benign nevus", "melanoma, refer")]
    assert not [e for e in p.history(i) if e.action == "accept_suggestion"]


def test_suggest_events_carry_provenance_and_renewals_are_events(project):
    p = project
    i, j = p.image_ids()[:2]
    sid, = p.add_suggestions([NewSuggestion(i, "label", "dent", "learned:linear", 0.55, "revA", None)],
                             skip_same_pending=True, replaces="learned:")
    first = [e.after for e in p.history(i) if e.action == "suggest"][0]
    assert first == {"kind": "label", "value": "dent", "score": 0.55, "model_id": "learned:linear",
                     "revision": "revA", "prompt": None}
    p.add_suggestions([NewSuggestion(i, "label", "dent", "learned:linear", 0.97, "revB", None)],
                      skip_same_pending=True, replaces="learned:")
    rev = [(e.before, e.after["revision"], e.after["score"], e.suggestion_id)
           for e in p.history(i) if e.action == "suggest_revised"]
    assert rev == [({"revision": "revA", "score": 0.55}, "revB", 0.97, sid)]
    # a job run again: the card's new score is in the history
    cid, = p.add_suggestions([NewSuggestion(j, "caption", "a dent", "blip", 0.31, "r1", "describe")], supersede=True)
    p.add_suggestions([NewSuggestion(j, "caption", "a dent", "blip", 0.93, "r1", "describe")], supersede=True)
    assert [(e.before["score"], e.after["score"], e.suggestion_id) for e in p.history(j)
            if e.action == "suggest_revised"] == [(0.31, 0.93, cid)]
    # a decided card is never revised: a retrain after the accept makes a new card
    ra.accept(p, i, "alice")
    p.add_suggestions([NewSuggestion(i, "label", "dent", "learned:linear", 0.5, "revC", None)],
                      skip_same_pending=True, replaces="learned:")
    card = {s.id: s for s in p.suggestions(i)}[sid]
    assert (card.model_revision, card.score, card.outcome) == ("revB", 0.97, "accepted")
    assert len([e for e in p.history(i) if e.action == "suggest_revised"]) == 1


def test_an_undo_taking_over_a_newer_card_says_so(project):
    p = project
    i = p.image_ids()[0]
    sid, = p.add_suggestions([NewSuggestion(i, "label", "dent", "learned:linear", 0.5, "revA", None)],
                             replaces="learned:")
    r = ra.accept(p, i, "alice")
    p.add_suggestions([NewSuggestion(i, "label", "dent", "learned:linear", 0.8, "revB", None)], replaces="learned:")
    ra.apply_state(p, i, r.before, "alice", "undo", expect=r.after)
    ev = [e for e in p.history(i) if e.action == "suggest_revised"]
    assert [(e.actor, e.before, e.after, e.suggestion_id) for e in ev] == [
        ("alice", {"revision": "revA", "score": 0.5}, {"revision": "revB", "score": 0.8}, sid)]
    assert replay(p.history(i)) == p.snapshot(i)


def test_the_status_event_says_what_the_reviewer_saw_and_suggested_replays(project):
    p = project
    i, j = p.image_ids()[:2]
    for x in (i, j):
        p.add_suggestions([NewSuggestion(x, "caption", "cap", "blip", .9, "r1", "q")])
    assert replay(p.history(i))["review_status"] == "suggested" == p.image(i).review_status
    ra.accept(p, i, "alice")
    ra.reject(p, j, "bob")
    assert _events(p, i, "status") == [("alice", "status", "suggested", "reviewed")]
    assert _events(p, j, "status") == [("bob", "status", "suggested", "rejected")]
    r = ra.set_status(p, j, "new", "bob")  # with no card pending: new
    assert r.record.review_status == "new" and replay(p.history(j)) == p.snapshot(j)


def test_undo_and_redo_of_an_accept_record_the_status_the_reviewer_saw(project):
    """The redo restored the cards first (suggested turned into new on the way) and said
    "new -> reviewed"; the accept itself had said "suggested -> reviewed"."""
    p = project
    i = p.image_ids()[0]
    p.add_suggestions([NewSuggestion(i, "caption", "cap", "blip", .9, "r1", "q")])
    r = ra.accept(p, i, "alice")
    ra.apply_state(p, i, r.before, "alice", "undo", expect=r.after)
    ra.apply_state(p, i, r.after, "alice", "redo", expect=r.before)
    assert _events(p, i, "status", "undo:status", "redo:status") == [
        ("alice", "status", "suggested", "reviewed"),
        ("alice", "undo:status", "reviewed", "suggested"),
        ("alice", "redo:status", "suggested", "reviewed")]
    assert replay(p.history(i)) == p.snapshot(i)


def test_the_indexer_records_what_happened_to_a_reviewed_file(tmp_path):
    root = tmp_path / "imgs"
    root.mkdir()
    for k in range(4):
        Image.new("RGB", (16 + k, 12), (k * 40, 10, 10)).save(root / f"img{k}.png")
    with Project.open(root) as p:
        p.index()
        a, b, c, d = p.image_ids()
        assert all(not p.history(x) for x in (a, b, c, d))  # a first index writes no history
        for x in (a, b):
            p.set_status(x, "reviewed", "alice")
        old = os.stat(root / p.image(a).relpath)
        Image.new("RGB", (40, 40), (200, 200, 0)).save(root / p.image(a).relpath)
        os.utime(root / p.image(a).relpath, ns=(old.st_atime_ns, old.st_mtime_ns + 10**9))
        os.rename(root / p.image(b).relpath, tmp_path / "aside.png")
        os.rename(root / p.image(c).relpath, tmp_path / "aside_c.png")  # no history: no event
        r = p.index()
        assert (r.changed, r.missing) == (1, 2)
        (ev,) = _events(p, a, "file_changed")
        assert ev[0] == "indexer" and ev[2]["size"] == old.st_size and ev[3]["size"] != old.st_size
        assert p.image(a).review_status == "reviewed"
        assert _events(p, b, "file_missing") == [("indexer", "file_missing", "present", "missing")]
        assert not p.history(c)
        os.rename(tmp_path / "aside.png", root / p.image(b).relpath)
        p.index()
        assert [e[1] for e in _events(p, b, "file_missing", "file_restored")] == ["file_missing", "file_restored"]
        assert replay(p.history(a)) == p.snapshot(a)
