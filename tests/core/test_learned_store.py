"""A suggestion job that overlaps the reviewers: the store checks, with the images locked,
what the job read before it predicted. A label renamed or removed meanwhile gets no cards
of its old name (and accepting one never brings the label back); an image reviewed
meanwhile gets no fresh cards from a job that picked it as unreviewed."""
from __future__ import annotations

import pytest

from defectgen import review_first
from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.store import repo_suggest as rs
from llmvis_desktop.core.store.records import ImageFilter, NewSuggestion
from llmvis_desktop.core.suggest.learned import MODEL_PREFIX, LearnedSuggester

KINDS3 = ("ok", "scratch", "crack")




def _taxonomy(p) -> list[str]:
    return [d.name for d in p.labels()]


def _pending_of(p, value) -> list:
    return [s for i in p.image_ids() for s in p.suggestions(i, pending_only=True)
            if s.kind == "label" and s.value == value]


# --- a label renamed or removed while a job predicted -------------------------------------

def test_label_suggestions_of_a_label_not_in_the_taxonomy_are_not_stored(project):
    """A job scored the labels as they were when it started: 'dent' was removed since.
    Its cards are left out (and counted); the others are stored."""
    image_id = project.image_ids()[0]
    project.remove_label("dent", "bob")
    stats: dict = {}
    ids = project.add_suggestions([NewSuggestion(image_id, "label", "dent", "m", 0.9),
                                   NewSuggestion(image_id, "label", "scratch", "m", 0.6),
                                   NewSuggestion(image_id, "caption", "a dent", "m", 0.8)], stats=stats)
    assert len(ids) == 2 and stats["unknown_label"] == 1
    assert sorted((s.kind, s.value) for s in project.suggestions(image_id)) == [
        ("caption", "a dent"), ("label", "scratch")]
    assert not [e for e in project.history(image_id) if e.action == "suggest" and "dent" in str(e.after)
                and "label" in str(e.after)]


def test_a_learned_job_overlapping_a_removal_writes_no_card_of_the_removed_label(learned):
    """The GUI's job trains, then suggests; bob removed 'crack' in between: its cards were
    written, and Enter on one put 'crack' back into the taxonomy."""
    p, _rows = learned
    sugg = LearnedSuggester(p)
    sugg.train()
    p.remove_label("crack", "bob", force=True)
    assert sugg.run() > 0
    assert _pending_of(p, "crack") == [] and sugg.unknown_label_cards > 0
    for image_id in p.image_ids(ImageFilter(statuses=("suggested",))):
        ra.accept(p, image_id, "alice")
    assert _taxonomy(p) == ["ok", "scratch"]


def test_a_learned_job_overlapping_a_rename_writes_no_card_of_the_old_name(learned):
    """'crack' renamed 'fissure' while the job predicted: cards of 'crack' were written
    next to the renamed ones, and Enter re-created 'crack'."""
    p, _rows = learned
    sugg = LearnedSuggester(p)
    sugg.train()
    p.update_label("crack", new_name="fissure", actor="bob")
    sugg.run()
    assert _pending_of(p, "crack") == []
    for image_id in p.image_ids(ImageFilter(statuses=("suggested",))):
        ra.accept(p, image_id, "alice")
    assert _taxonomy(p) == ["ok", "scratch", "fissure"]


def _orphan_card(project) -> tuple[int, int]:
    """(image id, card id): a pending card of label 'dent', removed since: a job that read
    the labels before bob removed it wrote its card after (here: the withdrawn card set
    pending again underneath; an undo of an accept no longer makes one pending again)."""
    from llmvis_desktop.core.store import models as m

    image_id = project.image_ids()[0]
    [sid] = project.add_suggestions([NewSuggestion(image_id, "label", "dent", "labeler", 0.8)])
    project.remove_label("dent", "bob", force=True)
    with project.store.write() as s:
        s.get(m.Suggestion, sid).outcome = "pending"
    [card] = project.suggestions(image_id, pending_only=True)
    assert card.value == "dent" and "dent" not in _taxonomy(project)
    return image_id, sid


def test_accepting_a_card_of_a_removed_label_does_not_bring_the_label_back(project):
    image_id, sid = _orphan_card(project)
    with pytest.raises(rs.LabelGone, match="no longer in the taxonomy"):
        project.decide_suggestion(sid, "accepted", "alice")  # the single-call API (rolled back)
    with pytest.raises(rs.NotPending, match="no longer in the taxonomy"):
        ra.decide_suggestion(project, image_id, sid, "accepted", "alice")
    assert "dent" not in _taxonomy(project) and project.image(image_id).labels == ()
    # the card is withdrawn (a refusal repeated at every click would leave it stuck on screen)
    [card] = project.suggestions(image_id)
    assert card.outcome == "withdrawn"


def test_enter_on_a_card_of_a_removed_label_is_refused_and_the_card_withdrawn(project):
    """Enter with the card on screen: refused like a card a job replaced (nothing else
    decided, the status kept); the card is withdrawn, so the next Enter goes through."""
    image_id, sid = _orphan_card(project)
    [cap] = project.add_suggestions([NewSuggestion(image_id, "caption", "a dent", "cap", 0.9)])
    status = project.image(image_id).review_status
    with pytest.raises(rs.NotPending, match="no longer in the taxonomy.*Nothing else was changed"):
        ra.accept(project, image_id, "alice", shown={sid, cap})
    assert "dent" not in _taxonomy(project)
    assert project.image(image_id).review_status == status and project.image(image_id).caption is None
    assert {s.id: s.outcome for s in project.suggestions(image_id)} == {sid: "withdrawn", cap: "pending"}
    shown = {s.id for s in project.suggestions(image_id, pending_only=True)}
    res = ra.accept(project, image_id, "alice", shown=shown)
    assert res.record.review_status == "reviewed" and res.record.caption == "a dent"
    assert "dent" not in _taxonomy(project)


def test_enter_without_a_list_of_cards_leaves_out_a_card_of_a_removed_label(project):
    """The core call with no cards named (every pending card): the orphan is withdrawn
    and the rest accepted."""
    image_id, sid = _orphan_card(project)
    res = ra.accept(project, image_id, "alice")
    assert res.record.review_status == "reviewed" and res.record.labels == ()
    assert "dent" not in _taxonomy(project)
    assert [s.outcome for s in project.suggestions(image_id)] == ["withdrawn"]


# --- an image reviewed while the job predicted ------------------------------------------

def test_a_job_for_unreviewed_images_stores_nothing_on_one_reviewed_meanwhile(project):
    image_id, other = project.image_ids()[:2]
    ra.accept(project, image_id, "alice")
    ra.reject(project, other, "alice")
    items = [NewSuggestion(i, "label", "scratch", "learned:x", 0.9, "r1") for i in (image_id, other)]
    assert project.add_suggestions(items, replaces=MODEL_PREFIX, unreviewed_only=True) == []
    assert project.suggestions(image_id) == [] and project.suggestions(other) == []
    # a run asked for reviewed images (`llmvis suggest --status reviewed`) still stores
    assert len(project.add_suggestions(items, replaces=MODEL_PREFIX)) == 2


def test_a_retrain_puts_no_fresh_cards_on_an_image_accepted_while_it_predicted(learned):
    """The reviewer pressed Enter on an image while the retrain predicted its batch and
    moved on: the image got a pending card of the new revision next to the accepted one."""
    p, rows = learned
    sugg = LearnedSuggester(p)
    sugg.train()
    sugg.run()
    review_first(p, rows, 7, actor="alice")
    sugg.train()
    victim = p.image_ids(ImageFilter(statuses=("suggested",)))[0]

    def hold():  # before the batch is stored: bob pressed Enter on the victim and moved on
        if p.image(victim).review_status != "reviewed":
            ra.accept(p, victim, "bob")
        return ()

    sugg.run(only_unsuggested=False, hold=hold)
    assert p.image(victim).review_status == "reviewed"
    assert p.suggestions(victim, pending_only=True) == []
    # asked for reviewed images (`llmvis suggest --learned --status reviewed`): stored
    assert sugg.run(ImageFilter(statuses=("reviewed",)), only_unsuggested=False) > 0
    assert p.suggestions(victim, pending_only=True) != []
