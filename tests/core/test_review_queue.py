"""The review queue (sort "uncertainty"): ordered by the labeler's confidence, not by a
caption card's similarity; the stored column is recomputed for older databases (0007)."""
from __future__ import annotations

import sqlite3

import numpy as np
from PIL import Image

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import ImageFilter, NewSuggestion

MODEL = "learned:handcrafted-v6"


def _project(tmp_path, names=("a_unsure.png", "b_sure.png", "c_caption_only.png"), db_url=None):
    for n in names:
        Image.fromarray(np.random.default_rng(0).integers(0, 255, (32, 32), dtype=np.uint8)).save(tmp_path / n)
    p = Project.open(tmp_path, db_url)
    p.index()
    for name in ("scratch", "ok"):
        p.add_label(name)
    return p


def _order(p, sort="uncertainty", descending=False):
    return [p.image(i).relpath for i in p.image_ids(ImageFilter(statuses=("suggested",)), sort=sort,
                                                    descending=descending)]


def _suggest(p):
    a, b, c = (p.image_by_path(n) for n in ("a_unsure.png", "b_sure.png", "c_caption_only.png"))
    p.add_suggestions([
        NewSuggestion(a.id, "label", "scratch", MODEL, score=0.12),
        NewSuggestion(a.id, "caption", "a scratch defect", MODEL, score=0.90),
        NewSuggestion(b.id, "label", "ok", MODEL, score=0.60),
        NewSuggestion(c.id, "caption", "a similar image", MODEL, score=0.30),
    ])
    return a, b, c


def test_the_queue_is_ordered_by_the_label_cards_score(tmp_path):
    with _project(tmp_path) as p:
        a, b, c = _suggest(p)
        assert p.image(a.id).max_score == 0.12  # the caption's 0.90 does not hide the label guess
        assert _order(p) == ["a_unsure.png", "c_caption_only.png", "b_sure.png"]
        assert _order(p, "score") == ["b_sure.png", "c_caption_only.png", "a_unsure.png"]
        # the label card decided, the caption pending: the image keeps its label score
        # (test_a_half_reviewed_image_keeps_its_place_in_the_queue)
        sid = next(s.id for s in p.suggestions(a.id) if s.kind == "label")
        p.decide_suggestion(sid, "rejected", "alice")
        assert p.image(a.id).max_score == 0.12
        assert _order(p) == ["a_unsure.png", "c_caption_only.png", "b_sure.png"]


def test_a_database_from_before_gets_its_queue_scores_recomputed(tmp_path):
    with _project(tmp_path) as p:
        a, b, c = _suggest(p)
    con = sqlite3.connect(tmp_path / ".llmvis" / "project.sqlite")
    with con:  # as 0006 stored it: the best score of any card
        con.execute("UPDATE images SET max_score=0.9 WHERE id=?", (a.id,))
        con.execute("UPDATE alembic_version SET version_num='0006'")
        con.execute("DROP TABLE suggest_runs")  # made by 0009, after 0006: a database from then has none
    con.close()
    with Project.open(tmp_path) as p:
        assert p.image(a.id).max_score == 0.12
        assert p.image(b.id).max_score == 0.60
        assert p.image(c.id).max_score == 0.30
        assert _order(p)[0] == "a_unsure.png"


def test_an_image_reviewed_with_a_card_left_pending_is_not_first_in_the_queue(tmp_path):
    """Enter decides the label cards and the best caption, not an answer card (``suggest
    --ask``) or a second captioner's card: those stay pending on the reviewed image, and
    their low score (0.04: a caption's or answer's mean token probability) put the image
    just reviewed at the head of the review queue, before every image still to review.
    Reviewed and rejected images come after those still to review, in either direction;
    images with no pending card stay last."""
    from llmvis_desktop.core import review_actions as ra

    with _project(tmp_path, names=("a.png", "b.png", "c.png", "d_none.png")) as p:
        a, b, c = (p.image_by_path(n) for n in ("a.png", "b.png", "c.png"))
        p.add_suggestions([
            NewSuggestion(a.id, "label", "ok", MODEL, score=0.95),
            NewSuggestion(a.id, "answer", "maybe a scratch", "llava", score=0.04, prompt="a scratch?"),
            NewSuggestion(b.id, "label", "scratch", MODEL, score=0.40),
            NewSuggestion(c.id, "label", "ok", MODEL, score=0.70),
            NewSuggestion(c.id, "caption", "a plate", "blip", score=0.05),
            NewSuggestion(c.id, "caption", "a metal plate", "git", score=0.03),
        ])
        everything = [p.image(i).relpath for i in p.image_ids(sort="uncertainty")]
        assert everything == ["b.png", "c.png", "a.png", "d_none.png"]
        ra.accept(p.store, a.id, "alice")  # the answer card stays pending
        ra.accept(p.store, c.id, "alice")  # the second caption card stays pending
        # its label card decided, the answer pending: the label's score, not the answer's 0.04
        assert p.image(a.id).max_score == 0.95 and p.image(a.id).status == "reviewed"

        def order(sort, descending=False):
            return [p.image(i).relpath for i in p.image_ids(sort=sort, descending=descending)]

        assert order("uncertainty") == ["b.png", "c.png", "a.png", "d_none.png"]
        assert order("uncertainty", True) == ["b.png", "a.png", "c.png", "d_none.png"]
        assert order("score") == ["b.png", "a.png", "c.png", "d_none.png"]
        ra.reject(p.store, b.id, "alice")  # no card left pending: among the done, by its label's score
        assert order("uncertainty") == ["b.png", "c.png", "a.png", "d_none.png"]


def _half_reviewed(p):
    """sure.png: label 0.90 and a caption (mean token probability 0.045); unsure.png:
    label 0.30, never looked at; caption.png: a caption card only."""
    sure, unsure, cap = (p.image_by_path(n) for n in ("sure.png", "unsure.png", "caption.png"))
    p.add_suggestions([
        NewSuggestion(sure.id, "label", "ok", MODEL, score=0.90),
        NewSuggestion(sure.id, "caption", "a metal plate", "blip", score=0.045),
        NewSuggestion(unsure.id, "label", "scratch", MODEL, score=0.30),
        NewSuggestion(cap.id, "caption", "a plate", "blip", score=0.20),
    ])
    return sure, unsure, cap


def test_a_half_reviewed_image_keeps_its_place_in_the_queue(tmp_path, db_url):
    """A label card accepted or rejected with the mouse leaves the image to review (its
    caption card pending). Its caption's score (0.045, a mean token probability) used to
    become its queue score, and the image the labeler was surest of jumped ahead of every
    image nobody had looked at. The labeler's confidence stays its queue score; Undo
    puts the card back pending, the same score; a new label card pending takes over."""
    with _project(tmp_path, ("sure.png", "unsure.png", "caption.png"), db_url) as p:
        sure, unsure, cap = _half_reviewed(p)
        assert _order(p) == ["caption.png", "unsure.png", "sure.png"]
        label = next(s.id for s in p.suggestions(sure.id) if s.kind == "label")
        for outcome in ("accepted", "rejected"):
            p.decide_suggestion(label, outcome, "alice")
            assert p.image(sure.id).status == "suggested"
            assert p.image(sure.id).max_score == 0.90
            assert _order(p) == ["caption.png", "unsure.png", "sure.png"]
            assert _order(p, "score") == ["sure.png", "unsure.png", "caption.png"]
            _undo(p, label)
            assert p.image(sure.id).max_score == 0.90
        p.add_suggestions([NewSuggestion(sure.id, "label", "scratch", "other-labeler", score=0.10)])
        p.decide_suggestion(label, "accepted", "alice")
        assert p.image(sure.id).max_score == 0.10  # the pending guess decides
        cap_card = next(s.id for s in p.suggestions(sure.id) if s.kind == "caption")
        p.decide_suggestion(cap_card, "accepted", "alice")
        assert p.image(sure.id).max_score == 0.10



def test_an_image_whose_cards_were_all_decided_by_mouse_keeps_its_place(tmp_path, db_url):
    """Both cards rejected with the mouse, the image not marked reviewed (the status bar
    says it is still to review): with no card pending its score was NULL and the image
    went after every image, unsuggested ones included, out of the reviewer's sight. It
    keeps its label's score among the images to review; marked reviewed, it goes after
    them. An image with a caption card only has no label score: none pending, it is last."""
    from llmvis_desktop.core import review_actions as ra

    with _project(tmp_path, ("sure.png", "unsure.png", "caption.png", "d_none.png"), db_url) as p:
        sure, unsure, cap = _half_reviewed(p)
        for s in p.suggestions(sure.id):
            p.decide_suggestion(s.id, "rejected", "alice")
        assert p.image(sure.id).status == "new" and p.image(sure.id).max_score == 0.90
        everything = [p.image(i).relpath for i in p.image_ids(sort="uncertainty")]
        assert everything == ["caption.png", "unsure.png", "sure.png", "d_none.png"]
        for s in p.suggestions(cap.id):
            p.decide_suggestion(s.id, "rejected", "alice")
        assert p.image(cap.id).max_score is None
        ra.set_status(p.store, sure.id, "reviewed", "alice")  # R
        everything = [p.image(i).relpath for i in p.image_ids(sort="uncertainty")]
        assert everything == ["unsure.png", "sure.png", "caption.png", "d_none.png"]

def _undo(p, sid):
    from llmvis_desktop.core.store import repo_suggest

    with p.store.write() as s:
        repo_suggest.restore_outcome(s, sid, "pending", None, "alice", "undo:suggestion")


def test_a_database_from_0012_gets_its_half_reviewed_images_rescored(tmp_path, db_url):
    """0013 computes the queue score again, as queue_score() does: an image whose label
    card was decided (its caption's score stored, as up to 0012), or every card (no score
    stored), gets its label's score; one with a caption card only keeps its own."""
    import sqlalchemy as sa

    with _project(tmp_path, ("sure.png", "unsure.png", "caption.png"), db_url) as p:
        sure, unsure, cap = _half_reviewed(p)
        label = next(s.id for s in p.suggestions(sure.id) if s.kind == "label")
        p.decide_suggestion(label, "accepted", "alice")
        (only,) = p.suggestions(unsure.id)
        p.decide_suggestion(only.id, "rejected", "alice")  # every card decided, not reviewed
        url = p.store.engine.url
    engine = sa.create_engine(url)
    with engine.begin() as con:  # as 0012 stored them: the pending caption's score; none
        con.execute(sa.text("UPDATE images SET max_score=0.045 WHERE id=:i"), {"i": sure.id})
        con.execute(sa.text("UPDATE images SET max_score=NULL WHERE id=:i"), {"i": unsure.id})
        con.execute(sa.text("UPDATE alembic_version SET version_num='0012'"))
    engine.dispose()
    with Project.open(tmp_path, db_url) as p:
        assert p.image(sure.id).max_score == 0.90
        assert p.image(unsure.id).max_score == 0.30
        assert p.image(cap.id).max_score == 0.20
        assert _order(p) == ["caption.png", "sure.png"]  # "suggested": unsure.png has no card pending
        assert [p.image(i).relpath for i in p.image_ids(sort="uncertainty")] == \
            ["caption.png", "unsure.png", "sure.png"]
