"""core.review_actions: each review action is one transaction that writes its history
and returns the snapshots (for undo) and the image's new record (for the grid)."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.store.repo_review import replay


def _commits(project):
    counter = {"n": 0}

    @event.listens_for(project.store.engine, "commit")
    def _on_commit(_conn):
        counter["n"] += 1

    return counter


def test_accept_is_one_transaction_with_every_event(project):
    image_id = project.image_ids()[0]
    project.add_suggestions([
        NewSuggestion(image_id, "caption", "a worse caption", "m", score=0.3),
        NewSuggestion(image_id, "caption", "the best caption", "m", score=0.9),
        NewSuggestion(image_id, "label", "dent", "m", score=0.8),
    ])
    before = project.snapshot(image_id)
    commits = _commits(project)
    res = ra.accept(project, image_id, "alice")
    assert commits["n"] == 1
    annotation = ("caption", "labels", "review_status")
    assert {k: res.before[k] for k in annotation} == before and res.changed
    after = {k: res.after[k] for k in annotation}
    assert after == project.snapshot(image_id)
    assert after == {"caption": "the best caption", "labels": ["dent"], "review_status": "reviewed"}
    assert sorted(o for o, _ in res.after["suggestions"].values()) == ["accepted", "accepted", "pending"]
    rec = project.image(image_id)
    assert res.record == rec and rec.status == "reviewed" and rec.labels == ("dent",)
    assert sorted(s.value for s in res.decided) == ["dent", "the best caption"]
    outcomes = {s.value: s.outcome for s in project.suggestions(image_id)}
    assert outcomes == {"a worse caption": "pending", "the best caption": "accepted", "dent": "accepted"}
    hist = project.history(image_id)
    acts = [e.action for e in hist]
    assert "caption" in acts and "labels" in acts and acts[-1] == "status"
    assert all(e.actor == "alice" for e in hist if e.action in ("caption", "labels", "status"))
    assert replay(hist) == after  # the history alone rebuilds the annotation


def test_accept_keeps_a_caption_the_image_has(project):
    """Accept took the model's caption over one the reviewer had just typed (and called
    the model's "accepted"): the typed caption stays, the card is recorded as edited to it."""
    image_id = project.image_ids()[3]
    project.add_suggestions([NewSuggestion(image_id, "caption", "model caption", "m", score=0.9),
                             NewSuggestion(image_id, "label", "dent", "m", score=0.8)])
    ra.set_caption(project, image_id, "hairline crack near bolt hole", "alice")
    res = ra.accept(project, image_id, "alice")
    assert res.record.caption == "hairline crack near bolt hole" and res.record.labels == ("dent",)
    outcomes = {s.value: (s.outcome, s.final_value) for s in project.suggestions(image_id)}
    assert outcomes == {"model caption": ("edited", "hairline crack near bolt hole"), "dent": ("accepted", "dent")}
    captions = [e.after for e in project.history(image_id) if e.action == "caption"]
    assert captions == ["hairline crack near bolt hole"]  # written once, by the reviewer
    # the same caption as the card's: accepted as it is
    other = project.image_ids()[4]
    project.add_suggestions([NewSuggestion(other, "caption", "same words", "m", score=0.9)])
    ra.set_caption(project, other, "same words", "alice")
    ra.accept(project, other, "alice")
    assert [s.outcome for s in project.suggestions(other)] == ["accepted"]


def test_reject_and_undo_state(project):
    image_id = project.image_ids()[1]
    project.add_suggestions([NewSuggestion(image_id, "label", "scratch", "m", score=0.5)])
    res = ra.reject(project, image_id, "bob")
    assert res.record.status == "rejected" and res.record.labels == ()
    assert [s.outcome for s in project.suggestions(image_id)] == ["rejected"]
    back = ra.apply_state(project.store, image_id, res.before, "bob", "undo")  # a Store works too
    assert back.after == res.before and back.record.review_status == res.before["review_status"]
    assert project.history(image_id)[-1].action == "undo:status"


def test_single_field_actions_and_no_op(project):
    image_id = project.image_ids()[2]
    assert ra.toggle_label(project, image_id, "scratch", "c").record.labels == ("scratch",)
    assert ra.set_caption(project, image_id, "hello", "c").record.caption == "hello"
    assert ra.set_labels(project, image_id, ["dent"], "c").after["labels"] == ["dent"]
    n = len(project.history(image_id))
    res = ra.set_status(project, image_id, "new", "c")  # already new: nothing written
    assert not res.changed and len(project.history(image_id)) == n


def test_failure_rolls_everything_back(project):
    image_id = project.image_ids()[0]
    sid = project.add_suggestions([NewSuggestion(image_id, "caption", "cap", "m")])[0]
    n = len(project.history(image_id))
    with pytest.raises(ValueError):
        ra.run(project, image_id, lambda s: [ra.rs.decide(s, sid, "accepted", "x"),
                                              ra.rr.set_status(s, image_id, "bogus", "x")])
    assert project.image(image_id).caption is None
    assert project.suggestions(image_id)[0].outcome == "pending"
    assert len(project.history(image_id)) == n


def test_core_does_not_import_qt():
    import subprocess
    import sys

    code = ("import sys; import llmvis_desktop.core.review_actions; "
            "sys.exit(any(m.startswith('PySide6') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_undo_of_an_accept_puts_its_suggestions_back_to_pending(project):
    """Undo wrote back only caption, labels and status: the suggestions stayed accepted,
    so accepting again found nothing pending and marked the image reviewed, empty."""
    image_id = project.image_ids()[0]
    project.add_suggestions([NewSuggestion(image_id, "caption", "a dent", "m", score=0.9),
                             NewSuggestion(image_id, "label", "dent", "m", score=0.8)])
    res = ra.accept(project, image_id, "alice")
    undone = ra.apply_state(project, image_id, res.before, "alice", "undo")
    assert undone.after == res.before
    assert {s.outcome for s in project.suggestions(image_id)} == {"pending"}
    assert all(s.decided_at is None and s.decided_by is None for s in project.suggestions(image_id))
    assert "undo:suggestion" in [e.action for e in project.history(image_id)]
    again = ra.accept(project, image_id, "alice")
    assert again.record.caption == "a dent" and again.record.labels == ("dent",)
    redone = ra.apply_state(project, image_id, again.before, "alice", "undo")
    redone = ra.apply_state(project, image_id, again.after, "alice", "redo")
    assert redone.after == again.after
    assert {s.outcome for s in project.suggestions(image_id)} == {"accepted"}


def test_deciding_one_suggestion_is_a_change_undo_can_take_back(project):
    """Rejecting one suggestion (or keeping an answer as a note) changes no caption,
    label or status: it was not a change, so it got no undo step of its own."""
    image_id = project.image_ids()[1]
    sid, note = project.add_suggestions([NewSuggestion(image_id, "caption", "a crack", "m", score=0.4),
                                         NewSuggestion(image_id, "answer", "no defect", "chat", prompt="any?")])
    res = ra.decide_suggestion(project, image_id, sid, "rejected", "bob")
    assert res.changed and res.after["suggestions"][sid] == ("rejected", None)
    kept = ra.decide_suggestion(project, image_id, note, "accepted", "bob")
    assert kept.changed and kept.after["suggestions"][note] == ("accepted", "no defect")
    ra.apply_state(project, image_id, kept.before, "bob", "undo")
    ra.apply_state(project, image_id, res.before, "bob", "undo")
    assert {s.id: s.outcome for s in project.suggestions(image_id)} == {sid: "pending", note: "pending"}


def test_undo_takes_back_only_what_the_action_changed(project):
    """On a team's database, undo wrote the whole snapshot back: another reviewer's caption,
    label and status, made after the action, were wiped."""
    image_id = project.image_ids()[0]
    mine = ra.toggle_label(project, image_id, "dent", "alice")
    ra.set_caption(project, image_id, "bob: crack near the weld", "bob")  # bob, meanwhile
    ra.toggle_label(project, image_id, "scratch", "bob")
    ra.set_status(project, image_id, "reviewed", "bob")
    undone = ra.apply_state(project, image_id, mine.before, "alice", "undo", expect=mine.after)
    rec = undone.record
    assert rec.labels == ("scratch",) and rec.caption == "bob: crack near the weld"
    assert rec.review_status == "reviewed" and undone.skipped == ()
    # a field the action changed that someone else changed again since is left alone
    cap = ra.set_caption(project, image_id, "alice's caption", "alice")
    ra.set_caption(project, image_id, "bob's caption", "bob")
    undone = ra.apply_state(project, image_id, cap.before, "alice", "undo", expect=cap.after)
    assert undone.record.caption == "bob's caption" and undone.skipped == ("caption",)
    # redo makes the change again the same way
    redone = ra.apply_state(project, image_id, mine.after, "alice", "redo", expect=mine.before)
    assert set(redone.record.labels) == {"dent", "scratch"}


def test_undo_after_a_label_rename_uses_the_labels_new_name(project):
    """Undo snapshots held label names: after a rename, undoing a label change failed with
    "not in the taxonomy" on every try, and every undo before it was blocked."""
    image_id = project.image_ids()[0]
    on = ra.set_labels(project, image_id, ["dent"], "tester")
    off = ra.set_labels(project, image_id, [], "tester")
    project.update_label("dent", new_name="dents")
    res = ra.apply_state(project, image_id, off.before, "tester", "undo", expect=off.after)
    assert res.record.labels == ("dents",)
    res = ra.apply_state(project, image_id, on.before, "tester", "undo", expect=on.after)
    assert res.record.labels == ()
    # a label removed since: left out, and said so
    ra.set_labels(project, image_id, ["scratch"], "tester")
    gone = ra.set_labels(project, image_id, [], "tester")
    project.remove_label("scratch", "tester")
    res = ra.apply_state(project, image_id, gone.before, "tester", "undo", expect=gone.after)
    assert res.record.labels == () and any("removed" in s for s in res.skipped)


def test_undoing_an_accept_after_a_job_suggested_leaves_the_image_suggested(project):
    """The job picked the image before the reviewer accepted it and stored its cards
    after: undoing the accept wrote "new" back beside a pending card."""
    image_id = project.image_ids()[0]
    res = ra.accept(project, image_id, "tester")
    project.add_suggestions([NewSuggestion(image_id, "label", "dent", "learned:x", score=0.9)])
    back = ra.apply_state(project, image_id, res.before, "tester", "undo", expect=res.after)
    assert back.record.status == "suggested" and back.record.review_status == "suggested"


def _outcomes(project, image_id):
    return {(s.value, s.model_id): s.outcome for s in project.suggestions(image_id)}


def test_accept_takes_only_the_best_label_card_when_none_scores_half(project):
    """Enter saved every label card of every model whatever its score: cards scratch 0.35
    (learned), ok 0.48 (CLIP) and burn 0.19 left the image labelled scratch + burn + ok.
    Now: the best one (none scores >= 0.5); the others rejected, not left pending; undo
    puts every card back pending and the image as it was."""
    for name in ("ok", "burn"):
        project.add_label(name)
    image_id = project.image_ids()[0]
    project.add_suggestions([NewSuggestion(image_id, "label", "scratch", "learned:handcrafted-v6", score=0.35),
                             NewSuggestion(image_id, "label", "ok", "zero-shot-a", score=0.48),
                             NewSuggestion(image_id, "label", "burn", "zero-shot-b", score=0.19)])
    res = ra.accept(project, image_id, "alice")
    assert res.record.labels == ("ok",) and res.record.status == "reviewed"
    assert _outcomes(project, image_id) == {("scratch", "learned:handcrafted-v6"): "rejected",
                                            ("ok", "zero-shot-a"): "accepted",
                                            ("burn", "zero-shot-b"): "rejected"}
    assert not project.suggestions(image_id, pending_only=True)
    assert sorted((d.value, d.outcome) for d in res.decided) == [
        ("burn", "rejected"), ("ok", "accepted"), ("scratch", "rejected")]
    assert sorted(e.action for e in project.history(image_id)).count("reject_suggestion") == 2
    assert replay(project.history(image_id)) == project.snapshot(image_id)
    undone = ra.apply_state(project, image_id, res.before, "alice", "undo", expect=res.after)
    assert undone.after == res.before
    assert {s.outcome for s in project.suggestions(image_id)} == {"pending"}
    assert project.image(image_id).labels == () and replay(project.history(image_id)) == project.snapshot(image_id)
    redone = ra.apply_state(project, image_id, res.after, "alice", "redo", expect=res.before)
    assert redone.after == res.after and project.image(image_id).labels == ("ok",)


def test_accept_takes_every_label_card_scoring_half_or_more(project):
    project.add_label("ok")
    image_id = project.image_ids()[1]
    project.add_suggestions([NewSuggestion(image_id, "caption", "a dent and a scratch", "cap", score=0.7),
                             NewSuggestion(image_id, "label", "dent", "clip", score=0.8),
                             NewSuggestion(image_id, "label", "scratch", "learned:x", score=0.5),
                             NewSuggestion(image_id, "label", "ok", "clip", score=0.49),
                             NewSuggestion(image_id, "label", "dent", "learned:x", score=0.2)])  # agrees
    res = ra.accept(project, image_id, "alice")
    assert set(res.record.labels) == {"dent", "scratch"} and res.record.caption == "a dent and a scratch"
    assert _outcomes(project, image_id) == {("a dent and a scratch", "cap"): "accepted",
                                            ("dent", "clip"): "accepted", ("scratch", "learned:x"): "accepted",
                                            ("ok", "clip"): "rejected", ("dent", "learned:x"): "accepted"}


def test_accept_with_unscored_label_cards(project):
    """A card with no score is unknown: the unscored cards are taken only when no label
    card has a score (imported predictions: all of them); next to scored ones, rejected."""
    a, b = project.image_ids()[:2]
    project.add_suggestions([NewSuggestion(a, "label", "dent", "import"),
                             NewSuggestion(a, "label", "scratch", "import")])
    assert set(ra.accept(project, a, "alice").record.labels) == {"dent", "scratch"}
    project.add_suggestions([NewSuggestion(b, "label", "dent", "import"),
                             NewSuggestion(b, "label", "scratch", "clip", score=0.3)])
    assert ra.accept(project, b, "alice").record.labels == ("scratch",)
    assert _outcomes(project, b) == {("dent", "import"): "rejected", ("scratch", "clip"): "accepted"}


def test_accept_adds_no_low_guess_to_an_image_already_labelled(project):
    """A reviewer's label stays the image's label: low-scoring cards (none >= 0.5) add
    nothing; a card for a label it has is accepted, the others rejected."""
    project.add_label("ok")
    image_id = project.image_ids()[2]
    ra.toggle_label(project, image_id, "dent", "alice")
    project.add_suggestions([NewSuggestion(image_id, "label", "ok", "clip", score=0.45),
                             NewSuggestion(image_id, "label", "dent", "clip", score=0.30),
                             NewSuggestion(image_id, "label", "scratch", "clip", score=0.25)])
    res = ra.accept(project, image_id, "alice")
    assert res.record.labels == ("dent",)
    assert _outcomes(project, image_id) == {("ok", "clip"): "rejected", ("dent", "clip"): "accepted",
                                            ("scratch", "clip"): "rejected"}


def test_accept_decides_only_the_cards_shown(project):
    """A card added after the screen showed the others (a teammate's job) stays pending:
    neither accepted nor rejected."""
    image_id = project.image_ids()[3]
    shown = project.add_suggestions([NewSuggestion(image_id, "label", "dent", "clip", score=0.4),
                                     NewSuggestion(image_id, "label", "scratch", "clip", score=0.2)])
    later = project.add_suggestions([NewSuggestion(image_id, "label", "scratch", "learned:x", score=0.9)])
    res = ra.accept(project, image_id, "alice", shown=set(shown))
    assert res.record.labels == ("dent",)
    assert {s.id: s.outcome for s in project.suggestions(image_id)} == {
        shown[0]: "accepted", shown[1]: "rejected", later[0]: "pending"}


def test_a_card_renewed_by_a_learned_retrain_is_accepted_as_the_one_shown(project):
    """The reviewer's own background retrain replaced the card on screen by a newer one of
    the same kind and value: Enter was refused ("the suggestion 'dent' was withdrawn")."""
    image_id = project.image_ids()[0]
    (old,) = project.add_suggestions([NewSuggestion(image_id, "label", "dent", "learned:a", score=0.4, model_revision="r1")],
                                     replaces="learned:")
    # the retrain (another learned model) takes its place: the old card is withdrawn
    (new,) = project.add_suggestions([NewSuggestion(image_id, "label", "dent", "learned:b", score=0.7, model_revision="r2")],
                                     replaces="learned:")
    outcomes = {s.id: s.outcome for s in project.suggestions(image_id)}
    assert outcomes == {old: "withdrawn", new: "pending"}
    res = ra.accept(project, image_id, "alice", shown={old})
    assert [d.id for d in res.decided] == [new]
    rec = project.image(image_id)
    assert rec.labels == ("dent",) and rec.status == "reviewed"


def test_a_card_withdrawn_without_a_replacement_still_refuses(project):
    from llmvis_desktop.core.store.repo_suggest import NotPending

    image_id = project.image_ids()[0]
    (old,) = project.add_suggestions([NewSuggestion(image_id, "label", "dent", "learned:a", score=0.4, model_revision="r1")],
                                     replaces="learned:")
    project.add_suggestions([NewSuggestion(image_id, "label", "scratch", "learned:a", score=0.7, model_revision="r2")],
                            replaces="learned:")
    # refused before anything is decided, saying so (the store's own refusal, inside the
    # decision, keeps the status too but not the words: this passed with the check here gone)
    with pytest.raises(NotPending, match="withdrawn.*Nothing was changed: the image keeps its status"):
        ra.accept(project, image_id, "alice", shown={old})
    assert project.image(image_id).status == "suggested"


@pytest.mark.parametrize("team", [False, True])
def test_undo_and_redo_of_an_accept_leave_a_removed_labels_card_withdrawn(project, team):
    """Enter accepted 'scratch', the label was then removed: undo put back a pending card
    of a label no longer in the taxonomy (the image "suggested" again) and redo recorded it
    accepted on an image without the label."""
    image_id = project.image_ids()[0]
    (sid,) = project.add_suggestions([NewSuggestion(image_id, "label", "scratch", "m", score=0.9)])
    res = ra.accept(project, image_id, "alice")
    project.remove_label("scratch", "alice", force=True)
    undone = ra.apply_state(project, image_id, res.before, "alice", "undo",
                            expect=res.after if team else None)
    outcomes = {s.id: s.outcome for s in project.suggestions(image_id)}
    assert outcomes == {sid: "withdrawn"}
    rec = undone.record
    assert rec.labels == () and rec.review_status == "new"
    assert any("scratch" in s and "removed" in s for s in undone.skipped)
    redone = ra.apply_state(project, image_id, res.after, "alice", "redo",
                            expect=undone.after if team else None)
    assert {s.id: s.outcome for s in project.suggestions(image_id)} == {sid: "withdrawn"}
    assert redone.record.labels == () and "scratch" not in [d.name for d in project.labels()]
    assert any("scratch" in s and "removed" in s for s in redone.skipped)


def test_the_refusal_of_a_removed_labels_card_says_what_happened_to_the_status(project):
    from llmvis_desktop.core.store.repo_suggest import LabelGone

    image_id = project.image_ids()[0]
    # a job still writing a label's old name after a rename: a pending card of no label
    (sid,) = project.add_suggestions([NewSuggestion(image_id, "label", "scratch", "m", score=0.9)])
    from llmvis_desktop.core.store import models as m

    with project.store.write() as s:
        s.get(m.Suggestion, sid).value = "scratches"
    assert project.image(image_id).review_status == "suggested"
    with pytest.raises(LabelGone) as err:
        ra.accept(project, image_id, "alice", shown={sid})
    assert project.image(image_id).review_status == "new"
    assert "keeps its status" not in str(err.value) and "new" in str(err.value)


def test_undo_and_redo_of_an_edit_to_a_label_removed_since(project):
    """A label card edited to another label ("dent" -> "scratch"), then "scratch" removed:
    undo made the card pending again, a live card the Enter after it accepted, and redo
    recorded it edited to "scratch", a label the image no longer has. Both now leave it
    withdrawn and say so, as undo/redo of an Enter whose label was removed since do."""
    image_id = project.image_ids()[0]
    (sid,) = project.add_suggestions([NewSuggestion(image_id, "label", "dent", "m", score=0.8)])
    edit = ra.decide_suggestion(project, image_id, sid, "edited", "tester", final_value="scratch")
    assert edit.after["suggestions"][sid] == ("edited", "scratch")
    project.remove_label("scratch", "tester", force=True)

    def card():
        return next(s for s in project.suggestions(image_id) if s.id == sid)

    undone = ra.apply_state(project, image_id, edit.before, "tester", "undo", expect=edit.after)
    assert card().outcome == "withdrawn" and undone.record.labels == ()
    assert undone.record.review_status == "new"  # no pending card left
    assert any("'scratch'" in s and "removed since" in s for s in undone.skipped), undone.skipped
    redone = ra.apply_state(project, image_id, edit.after, "tester", "redo", expect=edit.before)
    assert card().outcome == "withdrawn" and card().final_value is None and redone.record.labels == ()
    assert any("'scratch'" in s and "removed since" in s for s in redone.skipped), redone.skipped


def test_an_edit_to_a_label_renamed_since_is_undone_as_usual(project):
    """The same label under a new name is not a removed one: the card is pending again."""
    image_id = project.image_ids()[0]
    (sid,) = project.add_suggestions([NewSuggestion(image_id, "label", "dent", "m", score=0.8)])
    edit = ra.decide_suggestion(project, image_id, sid, "edited", "tester", final_value="scratch")
    project.update_label("scratch", new_name="scratches")
    undone = ra.apply_state(project, image_id, edit.before, "tester", "undo", expect=edit.after)
    card = next(s for s in project.suggestions(image_id) if s.id == sid)
    assert card.outcome == "pending" and undone.record.labels == () and undone.skipped == ()
    redone = ra.apply_state(project, image_id, edit.after, "tester", "redo", expect=edit.before)
    card = next(s for s in project.suggestions(image_id) if s.id == sid)
    assert card.outcome == "edited" and redone.record.labels == ("scratches",)


def test_keep_note_is_one_transaction_and_its_undo_withdraws_the_answer(project):
    """Keep as note: the answer stored and accepted in one commit; undone, it is withdrawn
    (nothing was stored before), not left a pending answer card; redone, accepted again."""
    image_id = project.image_ids()[0]
    ra.set_status(project, image_id, "reviewed", "alice")
    commits = _commits(project)
    res = ra.keep_note(project, NewSuggestion(image_id, "answer", "a scratch", "chat", 0.4, "r1", "what?"), "alice")
    assert commits["n"] == 1
    (sid,) = [d.id for d in res.decided]
    assert res.before["suggestions"][sid] == ("withdrawn", None)
    assert res.after["suggestions"][sid] == ("accepted", "a scratch")
    undone = ra.apply_state(project, image_id, res.before, "alice", "undo", expect=res.after)
    (s,) = project.suggestions(image_id)
    assert s.outcome == "withdrawn" and undone.record.status == "reviewed" and undone.record.max_score is None
    ra.apply_state(project, image_id, res.after, "alice", "redo", expect=res.before)
    (s,) = project.suggestions(image_id)
    assert (s.outcome, s.final_value, s.decided_by) == ("accepted", "a scratch", "alice")
    with pytest.raises(ValueError):
        ra.keep_note(project, NewSuggestion(image_id, "caption", "x", "chat"), "alice")
