"""Seeded projects with a long, varied suggestion history, for the test that
``evaluate`` gives the same figures as the code before its fast read
(test_evaluate_same_figures.py).

Every rule of :mod:`llmvis_desktop.core.suggest.evaluate` has cases here: label cards of
several models accepted, edited, rejected, withdrawn (re-runs with ``supersede``, the
learned suggester's retrains with ``replaces``, a label removed), pending on unreviewed
images; revisions; the learned suggester's runs without cards and its guesses after a
review; captions edited, replaced, kept; answers kept, dropped, pending; labels added,
renamed, removed; images rejected after Enter, set back to new after a review, their
file changed; imported rows (labels outside the taxonomy, scores outside 0-1). The
store's clock is a fake one (:func:`clock`: a few hours an action), so the figures,
days included, are the same on every run.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

Z, Z2, L, L2, C, V = "zeroshot:clip", "import:csv", "learned:linear", "learned:cnn", "cap:test", "vlm:ask"
LABELS = ["scratch", "dent", "stain", "ok"]


#: the fake clock (:func:`clock`): [the current step's time, the calls since]
_NOW = [datetime(2026, 3, 1, tzinfo=timezone.utc), 0]
STEP = timedelta(hours=3, minutes=7)


def clock(monkeypatch) -> None:
    """The store's ``utcnow`` gives the time of the generator's current step (each action
    one ``STEP`` after the one before), plus a microsecond a call: the figures, days
    included, do not hang on how many times a store action reads the clock."""
    from llmvis_desktop.core.store import models

    _NOW[:] = [datetime(2026, 3, 1, tzinfo=timezone.utc), 0]

    class Fake(datetime):
        @classmethod
        def now(cls, tz=None):
            _NOW[1] += 1
            at = _NOW[0] + timedelta(microseconds=_NOW[1])
            return at if tz is not None else at.replace(tzinfo=None)

    monkeypatch.setattr(models, "datetime", Fake)


def _step() -> None:
    _NOW[:] = [_NOW[0] + STEP, 0]


def build(root: Path, seed: int, n_images: int = 20, steps: int = 200, db=None, reviews: float = 0.0):
    """The project on ``root`` (made here; its database ``db``, None: the folder's SQLite)
    after ``steps`` random actions of seed ``seed``; ``reviews``: after each, with this
    chance, a review too (Enter, or marked reviewed), drawn apart (the seeds' actions stay
    the same)."""
    from PIL import Image

    from llmvis_desktop.core import review_actions as ra
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.store.records import NewSuggestion as N

    rng = random.Random(seed)
    root.mkdir()
    for k in range(n_images):
        Image.new("RGB", (8, 8), (k * 15 + 10, 0, 0)).save(root / f"i{k:02d}.png")
    p = Project.open(root, db)
    p.index()
    p.add_labels(LABELS)
    ids = p.image_ids(sort="name")
    revs = {Z: ["v1", "v2"], Z2: [None], L: ["r1", "r2", "r3"], L2: ["c1", "c2"], C: ["k1", "k2"], V: ["a1"]}

    def names():
        return [d.name for d in p.labels()]

    def some(k):
        return rng.sample(ids, min(k, len(ids)))

    def score():
        return rng.choice([None, 3.5, float("nan"), -0.2]) if rng.random() < 0.08 else round(rng.random(), 2)

    def label_cards(model, images):
        rev = rng.choice(revs[model])
        return [N(i, "label", v, model, score(), rev) for i in images
                for v in rng.sample(names(), rng.randint(1, min(3, len(names()))))]

    def cards(i):
        return p.suggestions(i)

    def act():
        op = rng.random()
        if op < 0.14:
            p.add_suggestions(label_cards(rng.choice([Z, Z2]), some(4)), supersede=True)
        elif op < 0.24:
            model = rng.choice([L, L2])
            images = some(5)
            with_cards = images[:rng.randint(0, len(images))]
            rev = rng.choice(revs[model])
            items = [N(i, "label", v, model, round(rng.random(), 2), rev) for i in with_cards
                     for v in rng.sample(names(), 1)]
            p.add_suggestions(items, skip_same_pending=True, replaces="learned:",
                              unreviewed_only=rng.random() < 0.5)
            p.record_suggest_runs(images, model, rev, names(), replaces="learned:",
                                  without_cards=[i for i in images if i not in with_cards])
        elif op < 0.32:
            rev = rng.choice(revs[C])
            p.add_suggestions([N(i, "caption", rng.choice(["a scratch", "a dent near the edge", "ok plate",
                                                            "two long scratches"]), C, 0.5, rev)
                               for i in some(3)], supersede=True)
        elif op < 0.36:
            i = rng.choice(ids)
            item = N(i, "answer", rng.choice(["yes", "no"]), V, None, "a1", "a scratch?")
            if rng.random() < 0.5:
                ra.keep_note(p, item, "ann")
            else:
                p.add_suggestions([item])
        elif op < 0.45:
            ra.accept(p, rng.choice(ids), rng.choice(["ann", "bob"]))
        elif op < 0.49:
            ra.reject(p, rng.choice(ids), "ann")
        elif op < 0.70:
            i = rng.choice(ids)
            pending = [c for c in cards(i) if c.outcome == "pending"]
            if pending:
                c = rng.choice(pending)
                outcome = rng.choice(["accepted", "edited", "rejected"])
                final = None
                if outcome == "edited":
                    final = (c.value + rng.choice([" there", "s", " and a big dent on the left"])
                             if c.kind != "label" else rng.choice(names()))
                ra.decide_suggestion(p, i, c.id, outcome, "bob", final)
        elif op < 0.74:
            ra.set_status(p, rng.choice(ids), rng.choice(["new", "new", "reviewed"]), "ann")
        elif op < 0.78:
            i = rng.choice(ids)
            ra.set_labels(p, i, rng.sample(names(), rng.randint(0, 2)), "ann")
        elif op < 0.80:
            ra.set_caption(p, rng.choice(ids), rng.choice([None, "", "a scratch", "a dent"]), "ann")
        elif op < 0.83:
            k = ids.index(rng.choice(ids))
            Image.new("RGB", (8 + rng.randint(1, 9), 8), (k, 9, 9)).save(root / f"i{k:02d}.png")
            p.index()
        elif op < 0.86:
            new = rng.choice(["crack", "dent2", "spot", "hole"])
            if new not in names():
                p.add_label(new)
        elif op < 0.89:
            old = rng.choice(names())
            new = old + "x"
            if new not in names():
                p.update_label(old, new_name=new, actor="ann")
        elif op < 0.91 and len(names()) > 2:
            p.remove_label(rng.choice(names()), "ann", force=True)
        else:
            imported(p, rng, ids)

    reviewer = random.Random(seed + 1000)

    def review():
        i = reviewer.choice(ids)
        if reviewer.random() < 0.7:
            ra.accept(p, i, "ann")
        else:
            ra.set_status(p, i, "reviewed", "bob")

    for _ in range(steps):
        _step()
        for action in ([act, review] if reviews and reviewer.random() < reviews else [act]):
            try:
                action()
            except Exception as e:  # a refused action (a label gone, a card decided): the user sees it
                if type(e).__name__ in ("AssertionError", "TypeError", "AttributeError", "NameError"):
                    raise
    return p


def mostly_reviewed(root: Path, db=None):
    """A history where most images end reviewed, as a team's project does once the work is
    under way: seed 5's actions with a review after one in three, nine images in ten then
    reviewed (Enter; every sixth rejected, Delete), the others set back to new, and both learned suggesters retrained on every image after that
    (``--status reviewed``: a reviewed image's cards withdrawn or renewed after its
    review), and the zero-shot labeler run again over all of them (its cards on reviewed
    images withdrawn, as each re-run's are)."""
    from llmvis_desktop.core import review_actions as ra
    from llmvis_desktop.core.store.records import NewSuggestion as N

    p = build(root, 5, reviews=0.35, db=db)
    ids = p.image_ids(sort="name")
    for k, i in enumerate(ids):
        _step()
        try:
            if k >= len(ids) * 9 // 10:
                ra.set_status(p, i, "new", "bob")
            else:
                (ra.reject if k % 6 == 5 else ra.accept)(p, i, "ann")
        except Exception as e:  # (a locked or gone image: the user sees it)
            if type(e).__name__ in ("AssertionError", "TypeError", "AttributeError", "NameError"):
                raise
    names = [d.name for d in p.labels()]
    for model, rev in ((L, "r9"), (L2, "c9")):
        _step()
        with_cards = ids[::2]
        p.add_suggestions([N(i, "label", names[(i + len(rev)) % len(names)], model, 0.6, rev) for i in with_cards],
                          skip_same_pending=True, replaces="learned:")
        p.record_suggest_runs(ids, model, rev, names, replaces="learned:",
                              without_cards=[i for i in ids if i not in with_cards])
    _step()
    p.add_suggestions([N(i, "label", names[i % len(names)], Z, 0.55, "v3") for i in ids], supersede=True)
    return p


def imported(p, rng, ids) -> None:
    """Rows as an import can leave them: a label card of a label not in the taxonomy,
    scores outside 0-1, a card without a revision, one for the file's old content."""
    import sqlalchemy as sa

    from llmvis_desktop.core.store import models as m

    i = rng.choice(ids)
    with p.store.write() as s:
        row = {"image_id": i, "kind": "label", "value": rng.choice(["ghost", "scratch", "dent"]),
               "score": rng.choice([None, 7.0, 0.7]), "model_id": Z2, "model_revision": None, "prompt": None,
               "params_json": "{}", "outcome": rng.choice(["pending", "withdrawn", "rejected"]),
               # (now, or before any change of the file: for its old content)
               "created_at": m.utcnow() if rng.random() < 0.8 else datetime(2026, 3, 1, tzinfo=timezone.utc)}
        if row["outcome"] != "pending":
            row.update(decided_at=m.utcnow(), decided_by="ann")
        s.execute(sa.insert(m.Suggestion.__table__), [row])


def scripted(root: Path, db=None):
    """Cases the random actions rarely meet: a learned card renewed by a retrain after its
    image's review, the image then set back to new (the card counts as it was then, under
    its older revision); a pending card whose rename event names a label not in the
    taxonomy (as an older version's data can have it); a removed label's pending cards."""
    import sqlalchemy as sa
    from PIL import Image

    from llmvis_desktop.core import review_actions as ra
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.store import models as m
    from llmvis_desktop.core.store.convert import dumps
    from llmvis_desktop.core.store.records import NewSuggestion as N

    root.mkdir()
    for k in range(4):
        Image.new("RGB", (8, 8), (k * 40 + 10, 0, 0)).save(root / f"i{k}.png")
    p = Project.open(root, db)
    p.index()
    p.add_labels(LABELS)
    a, b, c, d = p.image_ids(sort="name")
    _step()
    p.add_suggestions([N(a, "label", "scratch", L, 0.8, "r1"), N(b, "label", "dent", L, 0.7, "r1")],
                      skip_same_pending=True, replaces="learned:")
    _step()
    ra.set_status(p, a, "reviewed", "ann")
    _step()
    p.add_suggestions([N(a, "label", "scratch", L, 0.9, "r2"), N(b, "label", "dent", L, 0.6, "r2")],
                      skip_same_pending=True, replaces="learned:")
    _step()
    ra.set_status(p, a, "new", "ann")
    _step()
    (sid,) = p.add_suggestions([N(c, "label", "dent", Z, 0.4, "v1")])
    with p.store.write() as s:
        s.execute(sa.insert(m.Event.__table__), [{
            "image_id": c, "actor": "ann", "at": m.utcnow(), "action": "suggestion_renamed",
            "before": dumps("dent"), "after": dumps("gone"), "suggestion_id": sid}])
    _step()
    p.add_suggestions([N(d, "label", "stain", Z, 0.4, "v1"), N(d, "caption", "a stain", C, 0.5, "k1")])
    _step()
    p.remove_label("stain", "ann", force=True)
    return p
