"""Round trips of the keyboard's review actions on a team's PostgreSQL (each 50 ms and more
across a site's network; a reviewer pressing Enter every second built a queue of writes,
"Saving N reviews…"), counted at the wire (pg_turns.Relay), and what they store: the
same rows and history as before the cuts (the image's cards read once and kept for the
action, store/action_cards.py; the labels written as what changed; one flush).

Before (round trips): Enter 21, a label key 13 (off 11), Delete 11, a caption 8, undo of an
Enter 29, of a label key 16, of a caption 12; then 13, 10 (9), 8, 7, 22, 13, 10. Then the
record built from the image's row as flushed (whether it has a repair read with its labels),
a label card's orphan check read with the cards, Enter's look for label cards and the
taxonomy lock one statement (10, 9 (8), 7, 6, 20, 11, 9). Then an undo's cards put back
from the kept rows (no flush and twin look per card, a card's label name asked once) and
the label list read once for all its questions."""
from __future__ import annotations

import dataclasses

import pytest
from PIL import Image
from sqlalchemy import func, select, update

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import models as m
from llmvis_desktop.core.store import repo_queue as rq
from llmvis_desktop.core.store.engine import short_waits
from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.store.repo_review import replay
from pg_turns import Relay

#: the most round trips each action may make (before: see the module's docstring)
MOST = {"enter": 10, "label_key": 9, "label_key_off": 8, "delete": 7, "caption": 6,
        "undo_enter": 11, "undo_label_key": 9, "undo_caption": 9}


def _cards(image_id):
    return [NewSuggestion(image_id, "caption", "a dented can", "m", score=0.9),
            NewSuggestion(image_id, "caption", "a can", "m", score=0.3),
            NewSuggestion(image_id, "label", "dent", "m", score=0.8),
            NewSuggestion(image_id, "label", "scratch", "m", score=0.2)]


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "imgs"
    root.mkdir()
    for i in range(12):
        Image.new("RGB", (8, 8), (i * 20, 0, 0)).save(root / f"i{i:02d}.png")
    return root


def test_each_review_action_makes_few_round_trips(folder, pg_url):
    with Project.open(folder, pg_url) as p:
        p.index()
        for name in ("scratch", "dent"):
            p.add_label(name)
        p.add_suggestions([x for i in p.image_ids()[:4] for x in _cards(i)])
    relay = Relay(pg_url)
    try:
        with Project.open(folder, relay.url) as p, short_waits():
            ids = p.image_ids()
            p.images(ids[:1])  # a connection in the pool, as in a window at work
            shown = [{s.id for s in p.suggestions(i)} for i in ids[:3]]
            turns = {}

            def count(name, fn):
                res, turns[name] = relay.count(fn)
                return res

            enter = count("enter", lambda: ra.accept(p, ids[0], "alice", shown=shown[0]))
            count("undo_enter", lambda: ra.apply_state(p, ids[0], enter.before, "alice", "undo",
                                                       expect=enter.after))
            key = count("label_key", lambda: ra.toggle_label(p, ids[5], "dent", "alice", on=True))
            count("undo_label_key", lambda: ra.apply_state(p, ids[5], key.before, "alice", "undo", expect=key.after))
            ra.toggle_label(p, ids[6], "dent", "alice", on=True)
            off = count("label_key_off", lambda: ra.toggle_label(p, ids[6], "dent", "alice", on=False))
            gone = count("delete", lambda: ra.reject(p, ids[1], "alice", shown=shown[1]))
            cap = count("caption", lambda: ra.set_caption(p, ids[7], "a can", "alice"))
            count("undo_caption", lambda: ra.apply_state(p, ids[7], cap.before, "alice", "undo", expect=cap.after))
            assert enter.after["caption"] == "a dented can" and enter.after["labels"] == ["dent"]
            assert key.record.labels == ("dent",) and off.record.labels == ()
            assert gone.after["review_status"] == "rejected" and cap.record.caption == "a can"
            assert p.image(ids[0]).review_status == "suggested" and p.image(ids[7]).caption is None
    finally:
        relay.close()
    over = {k: (n, MOST[k]) for k, n in turns.items() if n > MOST[k]}
    assert not over, (over, turns)


def _stored(p):
    """Each image's stored annotation, queue score and status, and its labels' rows."""
    with p.store.read() as s:
        rows = {r.id: (r.caption, r.review_status, r.status, r.max_score) for r in s.scalars(select(m.Image))}
        labels = {}
        for image_id, name in s.execute(select(m.ImageLabel.image_id, m.Label.name)
                                        .join(m.Label, m.Label.id == m.ImageLabel.label_id)):
            labels.setdefault(image_id, []).append(name)
        sg = m.Suggestion
        best = dict(s.execute(select(sg.image_id, rq.queue_score()).where(rq._scored()).group_by(sg.image_id)).all())
        pending = dict(s.execute(select(sg.image_id, func.count()).where(sg.outcome == "pending")
                                 .group_by(sg.image_id)).all())
    return rows, {i: sorted(n) for i, n in labels.items()}, best, pending


def test_what_the_actions_store_is_what_the_database_says(project):
    """The queue score and new/suggested status an action computes from the cards it kept
    are the database's aggregate of them; the labels written as what changed are the
    labels the history replays to; a write the kept cards cannot follow (a card of a label
    removed, withdrawn by the action) is read back as stored."""
    ids = project.image_ids()
    project.add_suggestions([x for i in ids[:5] for x in _cards(i)] + [
        NewSuggestion(ids[2], "label", "dent", "m2", score=None),
        NewSuggestion(ids[3], "answer", "yes", "m", score=0.99),
        NewSuggestion(ids[4], "label", "scratch", "m2", score=0.7)])
    shown = [{s.id for s in project.suggestions(i)} for i in ids[:5]]
    enter = ra.accept(project, ids[0], "alice", shown=shown[0])
    ra.reject(project, ids[1], "alice", shown=shown[1])
    ra.accept(project, ids[2], "alice", shown=shown[2])
    card = next(s for s in project.suggestions(ids[3]) if s.kind == "label" and s.value == "scratch")
    ra.decide_suggestion(project, ids[3], card.id, "accepted", "alice")
    ra.toggle_label(project, ids[3], "dent", "alice", on=True)
    ra.apply_state(project, ids[0], enter.before, "alice", "undo", expect=enter.after)
    # a job's card of a label no one made (an old name), come after the cards were shown:
    # Enter withdraws it (a bulk UPDATE the kept cards cannot follow: read back as stored)
    [ghost] = project.add_suggestions([NewSuggestion(ids[4], "label", "dent", "m3", score=0.95)])
    with project.store.write() as s:  # (as a job wrote it, with a name renamed since)
        s.execute(update(m.Suggestion).where(m.Suggestion.id == ghost).values(value="ghost"))
    ra.set_caption(project, ids[4], "typed", "alice")
    res = ra.accept(project, ids[4], "alice", shown=shown[4])
    assert res.after["suggestions"][ghost] == ("withdrawn", None)
    assert res.after["caption"] == "typed" and res.after["labels"] == ["dent", "scratch"]
    rows, labels, best, pending = _stored(project)
    for i in ids[:5]:
        caption, review, status, score = rows[i]
        assert score == best.get(i), (i, score, best.get(i))
        if review in ("new", "suggested"):
            assert review == ("suggested" if pending.get(i) else "new") == status, (i, review, pending.get(i))
        hist = project.history(i)
        assert replay(hist) == {"caption": caption, "labels": labels.get(i, []), "review_status": review}, i
        assert sorted(project.image(i).labels) == labels.get(i, [])


def test_an_actions_record_is_the_stored_one(project):
    """The record an action hands the grid is built from the image's row as flushed and its
    repair read with its labels (no read after): it is the record read back, repaired or not."""
    ids = project.image_ids()
    with project.store.write() as s:
        s.add(m.Repair(source_image_id=ids[1], mask_path="m.png", output_path="o.png", engine="e"))
    project.add_suggestions(_cards(ids[0]) + _cards(ids[1]))
    for i in ids[:3]:
        shown = {s.id for s in project.suggestions(i)}
        for act in (lambda: ra.toggle_label(project, i, "scratch", "alice", on=True),
                    lambda: ra.set_caption(project, i, "c", "bob"), lambda: ra.accept(project, i, "alice", shown=shown)):
            res, stored = act(), project.image(i)
            # (labels: an action's record lists them by name, a read by the label list's order)
            assert dataclasses.replace(res.record, labels=()) == dataclasses.replace(stored, labels=())
            assert sorted(res.record.labels) == sorted(stored.labels)
        assert res.record.has_repair == (i == ids[1])
