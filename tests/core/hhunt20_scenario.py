"""A small project whose evaluation figures are worked out by hand (the QA lead's check of
``llmvis evaluate`` and the dashboard): three models (a labeler, a captioner, the learned
suggester), cards accepted, rejected, overruled by a later Delete, a caption cleared after
it was accepted, a label renamed and one removed after the suggestions, suggestions never
reviewed, an image deleted from the folder, an image the learned suggester judged free.

Images and what happens (labels scratch, dent, stain, rust; LAB / CAP / LRN below):
  a  LAB scratch .9, dent .2; CAP "a long scratch"; LRN scratch .8; Enter (scratch, caption kept)
  b  LAB dent .7, rust .6; CAP "a dent"; rust rejected by hand, Enter, caption then cleared
  c  LAB stain .8; CAP "a stain"; Enter; stain removed from the taxonomy afterwards
  d  LAB rust .9; CAP "rusty"; never reviewed (LAB run again on it: same card, new score)
  e  LAB scratch .6; Enter; its file deleted from the folder afterwards (indexed again)
  f  LAB dent .9; CAP "a dented panel"; LRN dent .4; Enter, then Delete (rejected)
  g  LRN ran and left no card (judged free); reviewed by hand with scratch
  rust renamed corrosion after the suggestions.

By hand (truth: a {scratch}, b {dent}, c {} (stain removed), e {scratch}, f {} (its dent
came from cards Delete overruled), g {scratch}):
  LAB predicts a {scratch}, b {dent, corrosion}, e {scratch}, f {dent}; c left out (its
  only label was removed): TP 3 (a, b, e), FP 2 (b corrosion, f dent), FN 0.
  LRN predicts a {scratch}, f {dent} (its top-1), g {}: TP 1, FP 1, FN 1 (g's scratch).
  Pooled per label: scratch TP 2 FN 1 (P 1, R 2/3, F1 0.8); dent TP 1 FP 1 (P .5, R 1,
  F1 2/3); corrosion FP 1 (P 0, F1 0); micro TP 3 FP 2 FN 1; macro F1 (0.8 + 2/3 + 0) / 3.
  Acceptance: CAP decided 4 (a, b, c accepted; f overruled), pending 1 (d): 3/4.
  LAB decided 7 (accepted a scratch, b dent, c stain, e scratch; rejected a dent, b rust,
  f dent overruled), pending 1: 4/7. LRN decided 2 (a accepted, f overruled): 1/2.
  Captions (CAP): a 0, b 1 (reviewed, caption cleared), c 0, f 1 (rejected): mean 0.5.
"""
from __future__ import annotations

from PIL import Image

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion as NS

LAB, CAP, LRN = "clip-labeler", "blip-captioner", "learned:cnn-v1"
QA = "qa"

#: per model, per label: (tp, fp, fn), by hand (above)
PER_LABEL = {
    None: {"scratch": (2, 0, 1), "dent": (1, 1, 0), "corrosion": (0, 1, 0)},
    LAB: {"scratch": (2, 0, 0), "dent": (1, 1, 0), "corrosion": (0, 1, 0)},
    LRN: {"scratch": (1, 0, 1), "dent": (0, 1, 0)},
}
#: per model: (decided, accepted, rejected, pending)
ACCEPTANCE = {CAP: (4, 3, 1, 1), LAB: (7, 4, 3, 1), LRN: (2, 1, 1, 0)}


def build(root) -> Project:
    """The project above, in ``root`` (made), open: the caller closes it."""
    root.mkdir(parents=True)
    for k, n in enumerate("abcdefg"):
        Image.new("L", (8, 8), 20 + 30 * k).save(root / f"{n}.png")
    p = Project.open(root)
    p.index()
    for name in ("scratch", "dent", "stain", "rust"):
        p.add_label(name)
    ids = {r.name: r.id for r in p.images(p.image_ids())}
    a, b, c, d, e, f, g = (ids[f"{n}.png"] for n in "abcdefg")

    def lab(i, v, s, m=LAB, rev="r1"):
        return NS(i, "label", v, m, s, rev)

    def cap(i, v):
        return NS(i, "caption", v, CAP, 0.7, "c1")

    p.add_suggestions([lab(a, "scratch", .9), lab(a, "dent", .2), cap(a, "a long scratch"),
                       lab(a, "scratch", .8, LRN, "L1"),
                       lab(b, "dent", .7), lab(b, "rust", .6), cap(b, "a dent"),
                       lab(c, "stain", .8), cap(c, "a stain"),
                       lab(d, "rust", .9), cap(d, "rusty"),
                       lab(e, "scratch", .6),
                       lab(f, "dent", .9), cap(f, "a dented panel"), lab(f, "dent", .4, LRN, "L1")])
    p.record_suggest_runs([g], LRN, "L1", ["scratch", "dent", "stain", "rust"])
    ra.accept(p, a, QA)
    [rust_b] = [s for s in p.suggestions(b) if s.value == "rust"]
    ra.decide_suggestion(p, b, rust_b.id, "rejected", QA)
    ra.accept(p, b, QA)
    ra.set_caption(p, b, "", QA)
    ra.accept(p, c, QA)
    ra.accept(p, e, QA)
    ra.accept(p, f, QA)
    ra.reject(p, f, QA)  # the reviewer changed their mind
    ra.set_labels(p, g, ["scratch"], QA)
    ra.set_status(p, g, "reviewed", QA)
    p.add_suggestions([lab(d, "rust", .95)], supersede=True)  # the labeler run again on d
    p.update_label("rust", new_name="corrosion", actor=QA)
    p.remove_label("stain", QA, force=True)
    (root / "e.png").unlink()
    p.index()
    return p
