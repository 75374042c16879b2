"""A model's figures per revision (:func:`.evaluate.evaluate`): a suggester retrained, or
its weights swapped under the same path, keeps its model id; its rows pooled every
revision into one figure (an old revision's F1 0.33 and the new one's 0.71 read as
0.51), so each model's entry says how many revisions it holds (``revisions``) and has
each one's figures (``by_revision``, oldest first)."""
from __future__ import annotations

from .evaluate_rows import _utc


def revision_order(rows, firsts=()) -> dict[str, list]:
    """{model id: its revisions, oldest first (by their first card's time)}; ``firsts``:
    more (model id, revision, first card's time) of rows not read one by one."""
    first: dict[tuple, object] = {}
    seen = [(r.model_id, r.model_revision, r.created_at) for r in rows if r.kind != "answer"]
    for model_id, rev, at in seen + list(firsts):
        if at is None:
            continue
        k, at = (model_id, rev), _utc(at)
        if k not in first or at < first[k]:
            first[k] = at
    out: dict[str, list] = {}
    for (model_id, rev), at in sorted(first.items(), key=lambda kv: (kv[0][0], kv[1], str(kv[0][1]))):
        out.setdefault(model_id, []).append(rev)
    return out


def image_revisions(latest_rows, runs) -> dict[tuple, object]:
    """{(model id, image id): the revision of the model's latest run there}: of its
    latest cards, else of its newest recorded run (an image judged free of every label)."""
    out = {(r.model_id, r.image_id): r.model_revision for r in runs}  # oldest first: the newest stays
    out.update({(r.model_id, r.image_id): r.model_revision for r in latest_rows})
    return out


def label_scores_by_revision(model_id: str, pred: dict, truth: dict, vocabulary: set, of_image: dict,
                             order: list, scores) -> list[dict]:
    """[{"revision", "images", "micro"}] of one model's predicted sets ``pred`` split by
    the revision that made each (``of_image``), in ``order`` (oldest first)."""
    split: dict = {}
    for i, p in pred.items():
        split.setdefault(of_image.get((model_id, i)), {})[i] = p
    revs = [r for r in order if r in split] + sorted((r for r in split if r not in order), key=str)
    out = []
    for rev in revs:
        s = scores(split[rev], {i: truth[i] for i in split[rev]}, vocabulary)
        out.append({"revision": rev, "images": s["images"], "micro": s["micro"], "macro_f1": s["macro_f1"]})
    return out
