"""The history is append-only and replays to every image's annotation: random sequences
of review actions, suggestions (renewed, superseded, retrained), undo/redo, label
renames and removals, imports; after each step the history of every image alone must
rebuild its caption, labels and review status (``suggested`` included: new with pending
suggestions). Seeded, small and fast: the strongest guard of the history."""
from __future__ import annotations

import random

import pytest

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.store.repo_review import replay

OPS = ["sugg", "sugg", "retrain", "accept", "reject", "caption", "toggle", "status", "undo", "undo", "redo",
       "decide", "remove", "rename", "import", "addlabel"]


def mismatches(p: Project) -> list:
    bad = []
    for i in p.image_ids():
        r, s = replay(p.history(i)), p.snapshot(i)
        if r != s:
            bad.append((i, r, s))
    return bad


def _step(p, rnd, op, i, who, state, tmp_path, step):
    labels = [lbl.name for lbl in p.labels()]
    undo, redo = state["undo"], state["redo"]
    res = None
    if op == "sugg":
        state["k"] += 1
        items = [NewSuggestion(i, "caption", f"cap{state['k'] % 3}", "blip", rnd.random(), "r1", "describe")]
        if labels:
            items.append(NewSuggestion(i, "label", rnd.choice(labels), "clip", rnd.random(), "r1", "a photo of {}"))
        p.add_suggestions(items, supersede=rnd.random() < .5)
    elif op == "retrain" and labels:
        state["rev"] += 1
        p.add_suggestions([NewSuggestion(i, "label", rnd.choice(labels), "learned:linear", rnd.random(),
                                         f"rev{state['rev']}", None)], skip_same_pending=True, replaces="learned:")
    elif op == "accept":
        res = ra.accept(p, i, who)
    elif op == "reject":
        res = ra.reject(p, i, who)
    elif op == "caption":
        res = ra.set_caption(p, i, rnd.choice([None, "hand a", "cap1"]), who)
    elif op == "toggle" and labels:
        res = ra.toggle_label(p, i, rnd.choice(labels), who)
    elif op == "status":
        res = ra.set_status(p, i, rnd.choice(["new", "suggested", "reviewed", "rejected"]), who)
    elif op == "decide":
        pend = p.suggestions(i, pending_only=True)
        if pend:
            sg = rnd.choice(pend)
            oc = rnd.choice(["accepted", "rejected", "edited"])
            res = ra.decide_suggestion(p, i, sg.id, oc, who, "edited val" if oc == "edited" else None)
    elif op == "undo" and undo:
        a = undo.pop()
        ra.apply_state(p, a[0], a[1], who, "undo", expect=a[2])
        redo.append(a)
    elif op == "redo" and redo:
        a = redo.pop()
        ra.apply_state(p, a[0], a[2], who, "redo", expect=a[1])
        undo.append(a)
    elif op == "remove" and labels:
        p.remove_labels([rnd.choice(labels)], who, force=True)
    elif op == "rename" and labels:
        old = rnd.choice(labels)
        p.update_label(old, new_name=old + "X", actor=who)
    elif op == "addlabel":
        name = rnd.choice(["scratch", "dent", "stain"])
        if name not in labels:
            p.add_label(name)
    elif op == "import":
        from llmvis_desktop.core.interchange import import_file

        csv = tmp_path / f"imp{step}.csv"
        lab = rnd.choice(labels) if labels else ""
        csv.write_text(f"file_name,labels,caption,status\n{p.image(i).relpath},{lab},imp {step},reviewed\n")
        import_file(p, "csv", csv, as_=rnd.choice(["reviewed", "suggestions"]), overwrite=rnd.random() < .7)
    if res is not None and res.changed:
        undo.append((i, res.before, res.after))
        redo.clear()


@pytest.mark.parametrize("seed", range(6))
def test_random_actions_replay_to_the_current_state(tmp_path, seed):
    from PIL import Image

    root = tmp_path / "imgs"
    root.mkdir()
    for k in range(3):
        Image.new("RGB", (16 + k, 12), (k * 40, 10, 10)).save(root / f"img{k}.png")
    rnd = random.Random(seed)
    log = []
    with Project.open(root) as p:
        p.scan()
        for name in ("scratch", "dent"):
            p.add_label(name)
        ids = p.image_ids()
        state = {"undo": [], "redo": [], "k": 0, "rev": 0}
        for step in range(30):
            op, i, who = rnd.choice(OPS), rnd.choice(ids), rnd.choice(["alice", "bob"])
            try:
                _step(p, rnd, op, i, who, state, tmp_path, step)
                log.append(f"{step} {op} img{i} {who}")
            except (ValueError, LookupError) as exc:  # a refused action (not pending, ...): nothing written
                log.append(f"{step} {op} img{i} {who}: refused ({type(exc).__name__})")
            bad = mismatches(p)
            assert not bad, "\n".join(log[-8:] + [f"image {b[0]}: replay {b[1]} != current {b[2]}" for b in bad])
