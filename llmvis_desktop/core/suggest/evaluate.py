"""How good are the suggestions? Numbers from the project's own reviews (pure Python + numpy).

:func:`evaluate` returns a JSON-ready dict:

``labels``
    Per-label precision / recall / F1 of the *label* suggestions against the reviewed
    labels, over reviewed images that got at least one label suggestion from the model
    or that it scored and left without a label card (``suggest_runs``: the learned
    suggester judged it free of every label, a predicted "no"; ``judged_without_labels``
    counts them); an image nobody scored says nothing about the suggester. Reviewed means
    marked reviewed, or rejected ("the suggestions are wrong": the labels it has, most
    often none, less those a card accepted there before the image was rejected put on it,
    are the truth, so what was suggested there counts as false positives),
    whether or not its file is still there. For one model and image the **predicted
    labels** are those of the model's latest run for the file's current content (the
    revision and prompt of its newest card by time, a card a retrain renewed in place
    included, and of those each label's newest card: a re-run of the same revision
    replaces the older run's answers; none where its latest run scored the image and
    left no label card at all, not one withdrawn since either: :func:`_silent`):
    every label suggested without a score (an imported prediction), every one scoring
    >= 0.5, and the top-scoring one (so a single-label suggester always predicts one
    label per image). The learned suggester's suggestions for an image made after the image was reviewed are left
    out: it may have been trained on that review; one made before the review and withdrawn
    or renewed in place after it by a newer learned model (``--status reviewed``) is
    scored as it was then: the reviewer saw and judged it (:func:`_as_reviewed`,
    :func:`_renewed_after_review`). Reviewed images with label
    suggestions none of which is scored are counted by why in ``left_out``
    (:func:`_left_out`; ``left_out_lines`` says it in words). Pooled over all models
    (``per_label``, ``micro``, ``macro_f1``) and per model (``by_model``). The macro
    mean is over every label reviewed or predicted (one only ever predicted wrongly has
    F1 0). Undefined ratios (0/0) are ``None``. Label names are compared as they are now
    (a rename also renames the suggestions of the label); suggestions of a label no
    longer in the taxonomy (removed: the reviewers took it off every image) are left out
    and counted in ``outside_taxonomy``: they were right when they were decided; so are
    the pending ones the removal withdrew, on reviewed images (they still make their run
    the model's latest).
    ``images`` counts the images scored, ``images_rejected`` the rejected ones among them.
    A reviewed label added to the taxonomy after a model's latest run on the image (its
    newest card there, or its recorded run) was never asked of it: it is left out of that
    model's truth there, and of the pooled truth when no model scoring the image knew it
    (:func:`_known_truth`); ``added_after`` counts those left out of the pooled figures.
``acceptance``
    Per model id (``revisions``: how many revisions it pools; ``by_revision``: the same
    figures per revision, oldest first, as ``labels.by_model`` has its label figures:
    :mod:`.evaluate_revisions`): counts by outcome; ``rate`` = (accepted + ``edited_kept``) / decided,
    where ``edited_kept`` counts the captions edited with a normalised edit distance below
    0.5 (``EDIT_KEPT``) between the suggestion and the text the decision left: a caption
    the reviewer replaced (typed first, then Enter: "edited") or a label card edited to
    another label was not accepted; ``rate_as_is`` = accepted / decided. A card
    accepted or edited on an image rejected later (Enter, then Delete) counts as rejected
    (and in ``overruled``): a rejected image's suggestions were wrong.
    ``withdrawn`` ones (replaced by a retrained suggester, or their label removed) are
    neither decided nor counted in ``suggested``, nor anywhere below; ``suggested`` counts
    each other card once (the ``overruled`` and ``edited_kept`` tallies are among them).
    Answer cards (answers to questions: Ask the image's notes, stored only when kept,
    and ``suggest --ask``'s) are not in it nor in ``over_time``: a note kept is not an
    annotation accepted. They are counted per model in ``answers``: ``kept`` (as notes),
    ``dropped`` (rejected), ``pending``.
``captions``
    Mean normalised edit distance (Levenshtein / longer length over Unicode NFC text,
    0 = unchanged) between a suggested caption and the final caption, over decided
    caption suggestions. A suggestion for the file's old content (changed since) is
    compared with the value its decision left (a rejected one is left out). Otherwise the
    final caption is the image's caption now, when it has one
    (a caption accepted, then rewritten, counts as rewritten); an image rejected, or
    reviewed with no caption, kept nothing of it (distance 1); otherwise the value an
    accepted or edited suggestion left (a rejected one is then left out). A suggestion
    rejected with no caption written after it (on a rejected image too) has nothing to
    compare with: left out of the mean, counted in ``rejected_unwritten``.
``calibration``
    The label suggestions the per-label figures score (reviewed or rejected images, each
    model's latest run with each label's newest card once, the file's current content,
    labels in the taxonomy, the learned suggester's guesses made before the review), decided or not, with a score from 0 to 1, in ten score bins:
    count, mean score and ``right_fraction``, the fraction whose label the image has. A
    calibrated suggester's mean score matches its fraction right. (Against the cards'
    outcomes instead, a label accepted and later taken off the image stayed "right", and
    a label card edited to another label counted as accepted.) Scores outside 0-1 or not
    finite (imported) are counted in ``calibration_excluded``. Pooled over all models
    (scores of different models are on different scales: read it per model), and per
    model in ``calibration_by_model`` (models with a scored suggestion in 0-1).
``over_time``
    Per day of decision (UTC): decided, accepted (as ``rate`` counts them) and the rate; overall and
    per model (``over_time_by_model``).
"""
from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Optional

from .edit_distance import levenshtein, levenshtein_table, normalised_edit_distance  # noqa: F401
from .evaluate_report import format_report, left_out_lines  # noqa: F401
from .evaluate_revisions import image_revisions, label_scores_by_revision, revision_order
from .evaluate_rows import (LEFT_OUT, _already_on, _as_reviewed, _label_rows, _latest_rows,  # noqa: F401
                            _known_truth, _left_out, _overrule, _renewed_after_review, _reviewed_at, _silent,
                            _usable_label_rows, _withdrawn_by_removal, left_out_counts)
from .evaluate_stream import DECIDED, EDIT_KEPT, Stream, _kept, by_image  # noqa: F401

TOP1_THRESHOLD = 0.5
N_BINS = 10


def _ratio(num: float, den: float) -> Optional[float]:
    return num / den if den else None


def _prf(tp: int, fp: int, fn: int) -> dict:
    """Precision, recall, F1 of one label. A label never predicted has no precision, and
    one never reviewed no recall, but either one that is wrong somewhere (fn or fp > 0)
    has F1 0: it counts as 0 in the macro mean, not left out."""
    p, r = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    if p is not None and r is not None:
        f1 = 2 * p * r / (p + r) if (p + r) else 0.0
    else:
        f1 = 0.0 if tp == 0 and (fn or fp) else None
    return {"tp": tp, "fp": fp, "fn": fn, "support": tp + fn, "precision": p, "recall": r, "f1": f1}


def finite(score) -> Optional[float]:
    """A score as a float, or None when there is none or it is not a finite number."""
    if score is None:
        return None
    x = float(score)
    return x if math.isfinite(x) else None


def predicted_labels(suggestions: list[tuple[str, Optional[float]]]) -> set[str]:
    """(value, score) label suggestions of one model for one image -> the predicted set:
    the unscored ones, those scoring >= 0.5 and the top one (ties: the first name)."""
    best: dict[str, float] = {}
    out: set[str] = set()
    for value, score in suggestions:
        x = finite(score)
        if x is None:
            out.add(value)
        else:
            best[value] = max(best.get(value, -math.inf), x)
    if best:
        out.add(min(best.items(), key=lambda kv: (-kv[1], kv[0]))[0])
        out |= {v for v, x in best.items() if x >= TOP1_THRESHOLD}
    return out


def _label_scores(pred: dict[int, set[str]], truth: dict[int, set[str]], vocabulary: set[str]) -> dict:
    counts = {name: [0, 0, 0] for name in vocabulary}
    for image_id, p in pred.items():
        t = truth[image_id]
        for name in p | t:
            c = counts.setdefault(name, [0, 0, 0])
            if name in p and name in t:
                c[0] += 1
            elif name in p:
                c[1] += 1
            else:
                c[2] += 1
    per_label = [{"label": name, **_prf(*c)} for name, c in sorted(counts.items())]
    tp, fp, fn = (sum(c[i] for c in counts.values()) for i in range(3))
    f1s = [row["f1"] for row in per_label if (row["support"] or row["fp"]) and row["f1"] is not None]
    return {
        "images": len(pred),
        "per_label": per_label,
        "micro": _prf(tp, fp, fn),
        "macro_f1": sum(f1s) / len(f1s) if f1s else None,
    }


def _truth(s, skip=None) -> tuple[dict[int, set[str]], dict[int, str]]:
    """Reviewed and rejected images (by review status: a missing file's review counts):
    ({image id: its labels}, {image id: review status}); ``skip``: images left out
    (:func:`.evaluate_repairs.outputs`)."""
    from sqlalchemy import and_, select

    from ..store import models as m
    from .evaluate_repairs import kept

    done = and_(m.Image.review_status.in_((m.STATUS_REVIEWED, m.STATUS_REJECTED)), kept(m.Image.id, skip))
    status = dict(s.execute(select(m.Image.id, m.Image.review_status).where(done)).all())
    truth: dict[int, set[str]] = {i: set() for i in sorted(status)}
    for image_id, name in s.execute(select(m.ImageLabel.image_id, m.Label.name)
                                    .join(m.Label, m.Label.id == m.ImageLabel.label_id)
                                    .join(m.Image, m.Image.id == m.ImageLabel.image_id).where(done)):
        truth[image_id].add(name)
    return truth, status


def _predicted(suggestions, taxonomy: set[str]) -> set[str]:
    """The predicted set over all of a model's suggestions for an image, less the labels
    no longer in the taxonomy (a removed label's top-1 does not promote a lower card)."""
    return {v for v in predicted_labels(suggestions) if v in taxonomy}


def _calibration(latest_rows, truth: dict, taxonomy: set[str]) -> tuple[list[dict], int]:
    """(the ten score bins of these label suggestions, how many had a score outside 0-1)."""
    bins = [{"lo": i / N_BINS, "hi": (i + 1) / N_BINS, "count": 0, "_sum": 0.0, "_acc": 0} for i in range(N_BINS)]
    excluded = 0
    for r in latest_rows:  # the rows the per-label figures score
        if r.score is None or r.value is None or r.value not in taxonomy:
            continue
        x = finite(r.score)
        if x is None or not 0.0 <= x <= 1.0:  # not a probability (an imported score)
            excluded += 1
            continue
        b = bins[min(N_BINS - 1, int(x * N_BINS))]
        b["count"] += 1
        b["_sum"] += x
        b["_acc"] += r.value in truth[r.image_id]
    return [{"bin": f"{b['lo']:.1f}-{b['hi']:.1f}", "lo": b["lo"], "hi": b["hi"], "count": b["count"],
             "mean_score": _ratio(b["_sum"], b["count"]), "right_fraction": _ratio(b["_acc"], b["count"])}
            for b in bins], excluded


def _answers(rows, tallies=()) -> dict[str, dict[str, int]]:
    """{model id: {kept, dropped, pending}} of the answer cards (not withdrawn); ``tallies``:
    (model id, revision, kind, outcome, count, ...) of rows not read one by one."""
    out: dict[str, dict[str, int]] = {}
    counted = [(r.model_id, r.outcome, 1) for r in rows if r.kind == "answer"]
    counted += [(model_id, outcome, n) for model_id, _, kind, outcome, n, _ in tallies if kind == "answer"]
    for model_id, outcome, n in counted:
        if outcome != "withdrawn":
            c = out.setdefault(model_id, {"kept": 0, "dropped": 0, "pending": 0})
            c[{"accepted": "kept", "edited": "kept", "rejected": "dropped"}.get(outcome, "pending")] += n
    return dict(sorted(out.items()))


def evaluate(project, include_repairs: bool = False, token=None) -> dict:
    """The suggestion quality report of a project (see the module docstring). The outputs
    of linked repairs (repaired copies) are left out, their suggestions counted in
    ``repair_outputs_left_out``, unless ``include_repairs`` (:mod:`.evaluate_repairs`).
    ``token`` (a :class:`~llmvis_desktop.core.tasks.CancelToken`) is checked between
    batches of images and between the captions of each model: cancelled, it raises
    :class:`~llmvis_desktop.core.tasks.Cancelled` (nothing is written either way)."""
    from sqlalchemy import select

    from ..store import models as m
    from ..store.repo_labels import card_label_names
    from . import evaluate_read
    from .evaluate_captions import caption_figures
    from .evaluate_repairs import left_out as repairs_left_out
    from .evaluate_repairs import outputs

    check = token.check if token is not None else (lambda: None)
    skip = None if include_repairs else outputs()
    check()
    with project.store.read() as s:
        created = dict(s.execute(select(m.Label.name, m.Label.created_at)).all())
        taxonomy = set(created)
        reviewed_at = _reviewed_at(s)
        renamed = card_label_names(s)
        truth, review_status = _truth(s, skip)
        runs = evaluate_read.runs_read(s, skip)  # (those the rules read: a few per model and image)
        removed = _withdrawn_by_removal(s)
        # (read before the cards are streamed: nothing else is read while they are)
        renewed = _renewed_after_review(s, evaluate_read.learned_on_reviewed(s, skip), reviewed_at)
        already_on = _already_on(s, evaluate_read.decided_on_rejected(s, skip))
        # the rows the rules read (Card: value under its label's name now), a few images at a
        # time, and the tallies of those that only count (withdrawn or pending on images
        # nobody reviewed)
        reader = evaluate_read.Reader(s, taxonomy, renamed, reviewed_at, skip)
        stream = Stream(truth, reviewed_at, removed, renewed, already_on, taxonomy)
        for batch in by_image(reader.cards()):
            check()  # (a project closed meanwhile waits for this job: it stops here)
            stream.add(batch)
        check()
        tallies, decided_days = reader.tallies()
        caps = caption_figures(s, stream.distance, skip, check)  # (read apart, summed as they come)
        repairs = repairs_left_out(s) if skip is not None else {"images": 0, "suggestions": 0}
    answers = _answers([], tallies + [(mid, None, "answer", outcome, n, None)
                                      for (mid, outcome), n in stream.answers.items()])
    reviewed = sum(1 for st in review_status.values() if st == m.STATUS_REVIEWED)
    vocabulary = taxonomy | {x for t in truth.values() for x in t}

    # labels: predicted sets per (model, image) and pooled per image
    latest_rows = sorted(stream.latest_rows, key=lambda r: r.id)
    per_model_image = _label_rows(latest_rows, taxonomy)
    # an image a model scored and left without a label card: predicted with no labels
    silent = _silent(runs, None, truth, reviewed_at, keys=(stream.carded, stream.withdrawn_runs))
    for mid, i in silent:
        per_model_image[mid].setdefault(i, [])
    # the reviewed labels each model could have given (a label added after its run: not asked)
    known = _known_truth(truth, created, latest_rows, runs,
                         {(mid, i) for mid, images in per_model_image.items() for i in images})
    by_model = {}
    revisions = revision_order([], [(mid, rev, at) for (mid, rev), at in stream.firsts.items()]
                               + [(mid, rev, at) for mid, rev, kind, _, _, at in tallies if kind != "answer"])
    of_image = image_revisions(latest_rows, runs)
    pooled: dict[int, set[str]] = {}
    pooled_truth: dict[int, set[str]] = {}
    for model_id, images in sorted(per_model_image.items()):
        pred = {i: _predicted(v, taxonomy) for i, v in images.items()}
        pred = {i: p for i, p in pred.items()
                if p or any(v in taxonomy for v, _ in images[i]) or (model_id, i) in silent}
        own = {i: known[(model_id, i)] for i in pred}
        by_model[model_id] = _label_scores(pred, own, vocabulary)
        # a model retrained (or its weights swapped) under one id: each revision's figures
        by_model[model_id]["by_revision"] = label_scores_by_revision(
            model_id, pred, own, vocabulary, of_image, revisions.get(model_id, []), _label_scores)
        by_model[model_id]["revisions"] = len(by_model[model_id]["by_revision"])
        for i, p in pred.items():
            pooled.setdefault(i, set()).update(p)
            pooled_truth.setdefault(i, set()).update(known[(model_id, i)])
    labels = _label_scores(pooled, pooled_truth, vocabulary)
    # reviewed labels no model scoring the image was asked about (added to the taxonomy since)
    labels["added_after"] = sum(len(truth[i] - pooled_truth[i]) for i in pooled)
    labels["rule"] = (f"predicted = unscored label suggestions, those scoring >= {TOP1_THRESHOLD} and each "
                      "model's top-1 per image (none where a model scored the image and left no label "
                      "card); over reviewed or rejected images with label suggestions, or that a model scored "
                      "and judged free of every label")
    # of the images scored, the rejected ones (the text says "decided (reviewed or rejected)")
    labels["images_rejected"] = sum(1 for i in pooled if review_status.get(i) == m.STATUS_REJECTED)
    labels["by_model"] = by_model
    labels["left_out"] = left_out_counts(stream.left_out, pooled)
    labels["outside_taxonomy"] = stream.outside_taxonomy

    # acceptance per model
    acc, acc_rev = stream.acc, stream.acc_rev
    for model_id, rev, kind, outcome, n, _ in tallies:  # the rows only counted (none overruled nor kept)
        if kind != "answer":
            for c in (acc[model_id], acc_rev[(model_id, rev)]):
                c[outcome] = c.get(outcome, 0) + n

    def rates(c: dict[str, int]) -> dict:
        decided = c["accepted"] + c["edited"] + c["rejected"]
        # withdrawn ones were replaced by a newer revision's (counted apart, not as suggested)
        return {"suggested": sum(c[k] for k in m.OUTCOMES) - c["withdrawn"], "decided": decided,
                **{k: c[k] for k in m.OUTCOMES}, "overruled": c["overruled"], "edited_kept": c["edited_kept"],
                "rate": _ratio(c["accepted"] + c["edited_kept"], decided),
                "rate_as_is": _ratio(c["accepted"], decided)}

    acceptance = []
    for model_id, c in sorted(acc.items()):
        # its revisions with a card not withdrawn, oldest first (a retrain's under one id)
        by_rev = [{"revision": rev, **rates(acc_rev[(model_id, rev)])} for rev in revisions.get(model_id, [])
                  if (model_id, rev) in acc_rev]
        by_rev = [x for x in by_rev if x["suggested"]]
        acceptance.append({"model_id": model_id, **rates(c), "revisions": len(by_rev), "by_revision": by_rev})

    # calibration of label scores, against the labels the images have: pooled and per model
    calibration, excluded = _calibration(latest_rows, truth, taxonomy)
    calibration_by_model = {}
    for model_id in sorted({r.model_id for r in latest_rows}):
        bins, _ = _calibration([r for r in latest_rows if r.model_id == model_id], truth, taxonomy)
        if any(b["count"] for b in bins):
            calibration_by_model[model_id] = bins

    # acceptance over time
    days, days_by_model = stream.days, stream.days_by_model
    for (model_id, day), (n, ok) in decided_days.items():  # the decided rows only counted
        for bucket in (days[day], days_by_model[model_id][day]):
            bucket[0] += n
            bucket[1] += ok

    def _series(d: dict[str, list[int]]) -> list[dict]:
        return [{"day": k, "decided": v[0], "accepted": v[1], "rate": v[1] / v[0]} for k, v in sorted(d.items())]

    return {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "images": {"reviewed": reviewed, "rejected": len(truth) - reviewed,
                   "with_label_suggestions": len(pooled),
                   # of those, images no model gave a label card: scored, judged free of every label
                   "judged_without_labels": sum(1 for p in pooled.values() if not p)},
        # withdrawn cards (replaced by a retrain, their label removed) were never suggested
        "suggestions": stream.suggestions + sum(n for *_, outcome, n, _ in tallies if outcome != "withdrawn"),
        "withdrawn": stream.withdrawn + sum(n for *_, outcome, n, _ in tallies if outcome == "withdrawn"),
        "labels": labels,
        "acceptance": acceptance,
        "answers": answers,
        "captions": caps,
        "calibration": calibration,
        "calibration_excluded": excluded,
        "calibration_by_model": calibration_by_model,
        "over_time": _series(days),
        "over_time_by_model": {k: _series(v) for k, v in sorted(days_by_model.items())},
        # the linked repairs' outputs: their suggestions left out (not work to review), or counted
        "repair_outputs_left_out": repairs,
        "repair_outputs_included": include_repairs,
    }
