"""How good are the suggestions? Numbers from the project's own reviews (pure Python + numpy).

:func:`evaluate` returns a JSON-ready dict:

``labels``
    Per-label precision / recall / F1 of the *label* suggestions against the reviewed
    labels, over reviewed images that got at least one label suggestion from the model
    (an image nobody suggested for says nothing about the suggester). For one model
    and image the **predicted labels** are: every suggested label whose score is
    >= 0.5, plus the top-scoring one (so a single-label suggester always predicts one
    label per image). A label suggested twice (re-runs) counts once. Pooled over all
    models (``per_label``, ``micro``, ``macro_f1``) and per model (``by_model``).
    Undefined ratios (0/0) are ``None``.
``acceptance``
    Per model id: counts by outcome and ``rate`` = (accepted + edited) / decided.
``captions``
    Mean normalised edit distance (Levenshtein / longer length, 0 = unchanged) between a
    suggested caption and the final caption, over decided caption suggestions: the
    final value for accepted (0) and edited ones; for rejected ones the image's
    caption when it is reviewed and has one (otherwise the suggestion is left out).
``calibration``
    Decided label suggestions with a score, in ten score bins: count, mean score and
    the fraction accepted (accepted or edited). A calibrated suggester's mean score
    matches its fraction accepted.
``over_time``
    Per day of decision (UTC): decided, accepted (or edited) and the rate; overall and
    per model (``over_time_by_model``).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone
from typing import Optional

TOP1_THRESHOLD = 0.5
N_BINS = 10


def levenshtein(a: str, b: str) -> int:
    if a == b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def normalised_edit_distance(a: str, b: str) -> float:
    n = max(len(a), len(b))
    return levenshtein(a, b) / n if n else 0.0


def _ratio(num: float, den: float) -> Optional[float]:
    return num / den if den else None


def _prf(tp: int, fp: int, fn: int) -> dict:
    """Precision, recall, F1 of one label. A label never predicted has no precision, but
    if the reviews carry it (support > 0) its recall is 0 and so is its F1: it counts
    as 0 in the macro mean, not left out."""
    p, r = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    if p is not None and r is not None:
        f1 = 2 * p * r / (p + r) if (p + r) else 0.0
    else:
        f1 = 0.0 if tp == 0 and fn > 0 else None
    return {"tp": tp, "fp": fp, "fn": fn, "support": tp + fn, "precision": p, "recall": r, "f1": f1}


def predicted_labels(suggestions: list[tuple[str, Optional[float]]]) -> set[str]:
    """(value, score) label suggestions of one model for one image -> the predicted set."""
    if not suggestions:
        return set()
    best: dict[str, float] = {}
    for value, score in suggestions:
        s = -1.0 if score is None else float(score)
        best[value] = max(best.get(value, -1.0), s)
    top = max(best.items(), key=lambda kv: (kv[1], kv[0]))[0]
    return {v for v, s in best.items() if s >= TOP1_THRESHOLD} | {top}


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
    f1s = [row["f1"] for row in per_label if row["support"] and row["f1"] is not None]
    return {
        "images": len(pred),
        "per_label": per_label,
        "micro": _prf(tp, fp, fn),
        "macro_f1": sum(f1s) / len(f1s) if f1s else None,
    }


def evaluate(project) -> dict:
    """The suggestion quality report of a project (see the module docstring)."""
    from sqlalchemy import select

    from ..store import models as m
    from ..store.records import ImageFilter

    with project.store.read() as s:
        rows = s.execute(select(
            m.Suggestion.image_id, m.Suggestion.kind, m.Suggestion.value, m.Suggestion.score,
            m.Suggestion.model_id, m.Suggestion.outcome, m.Suggestion.final_value, m.Suggestion.decided_at,
        ).order_by(m.Suggestion.id)).all()
    reviewed = project.images(project.image_ids(ImageFilter(statuses=("reviewed",))))
    truth = {r.id: set(r.labels) for r in reviewed}
    captions = {r.id: r.caption for r in reviewed}
    vocabulary = {d.name for d in project.labels()} | {x for t in truth.values() for x in t}

    # labels: predicted sets per (model, image) and pooled per image
    per_model_image: dict[str, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        if r.kind == "label" and r.image_id in truth:
            per_model_image[r.model_id][r.image_id].append((r.value, r.score))
    by_model = {}
    pooled: dict[int, set[str]] = {}
    for model_id, images in sorted(per_model_image.items()):
        pred = {i: predicted_labels(v) for i, v in images.items()}
        by_model[model_id] = _label_scores(pred, truth, vocabulary)
        for i, p in pred.items():
            pooled.setdefault(i, set()).update(p)
    labels = _label_scores(pooled, truth, vocabulary)
    labels["rule"] = (f"predicted = label suggestions scoring >= {TOP1_THRESHOLD} plus each model's top-1 "
                      "per image; over reviewed images with label suggestions")
    labels["by_model"] = by_model

    # acceptance per model
    acc: dict[str, dict[str, int]] = defaultdict(lambda: {k: 0 for k in m.OUTCOMES})
    for r in rows:
        acc[r.model_id][r.outcome] = acc[r.model_id].get(r.outcome, 0) + 1
    acceptance = []
    for model_id, c in sorted(acc.items()):
        decided = c["accepted"] + c["edited"] + c["rejected"]
        acceptance.append({"model_id": model_id, "suggested": sum(c.values()), "decided": decided,
                           **{k: c[k] for k in m.OUTCOMES},
                           "rate": _ratio(c["accepted"] + c["edited"], decided)})

    # captions: normalised edit distance
    dists: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        if r.kind != "caption" or r.outcome == "pending":
            continue
        final = r.final_value if r.outcome in ("accepted", "edited") else captions.get(r.image_id)
        if final is None or not str(final).strip():
            continue
        dists[r.model_id].append(normalised_edit_distance(r.value, final))
    all_d = [d for v in dists.values() for d in v]
    caps = {
        "decided": len(all_d),
        "mean_edit_distance": sum(all_d) / len(all_d) if all_d else None,
        "by_model": {k: {"decided": len(v), "mean_edit_distance": sum(v) / len(v)} for k, v in sorted(dists.items())},
    }

    # calibration of label scores
    bins = [{"lo": i / N_BINS, "hi": (i + 1) / N_BINS, "count": 0, "_sum": 0.0, "_acc": 0} for i in range(N_BINS)]
    for r in rows:
        if r.kind != "label" or r.outcome == "pending" or r.score is None:
            continue
        b = bins[min(N_BINS - 1, max(0, int(float(r.score) * N_BINS)))]
        b["count"] += 1
        b["_sum"] += float(r.score)
        b["_acc"] += r.outcome in ("accepted", "edited")
    calibration = [{"bin": f"{b['lo']:.1f}-{b['hi']:.1f}", "lo": b["lo"], "hi": b["hi"], "count": b["count"],
                    "mean_score": _ratio(b["_sum"], b["count"]), "accepted_fraction": _ratio(b["_acc"], b["count"])}
                   for b in bins]

    # acceptance over time
    days: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    days_by_model: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for r in rows:
        if r.outcome == "pending" or r.decided_at is None:
            continue
        at = r.decided_at if r.decided_at.tzinfo else r.decided_at.replace(tzinfo=timezone.utc)
        day = at.astimezone(timezone.utc).date().isoformat()
        ok = int(r.outcome in ("accepted", "edited"))
        for bucket in (days[day], days_by_model[r.model_id][day]):
            bucket[0] += 1
            bucket[1] += ok

    def _series(d: dict[str, list[int]]) -> list[dict]:
        return [{"day": k, "decided": v[0], "accepted": v[1], "rate": v[1] / v[0]} for k, v in sorted(d.items())]

    return {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "images": {"reviewed": len(reviewed), "with_label_suggestions": len(pooled)},
        "suggestions": len(rows),
        "labels": labels,
        "acceptance": acceptance,
        "captions": caps,
        "calibration": calibration,
        "over_time": _series(days),
        "over_time_by_model": {k: _series(v) for k, v in sorted(days_by_model.items())},
    }


def format_report(report: dict) -> str:
    """A plain-text rendering of :func:`evaluate`'s dict for the terminal."""
    def f(x, pct=False):
        if x is None:
            return "-"
        return f"{100 * x:.1f}%" if pct else f"{x:.3f}"

    lines = [f"{report['images']['reviewed']} reviewed images, {report['suggestions']} suggestions, "
             f"{report['images']['with_label_suggestions']} reviewed images with label suggestions", ""]
    lab = report["labels"]
    lines.append("Labels (" + lab["rule"] + ")")
    lines.append(f"  {'label':<20} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>7}")
    for row in lab["per_label"]:
        lines.append(f"  {row['label'][:20]:<20} {f(row['precision']):>9} {f(row['recall']):>7} "
                     f"{f(row['f1']):>6} {row['support']:>7}")
    mi = lab["micro"]
    lines.append(f"  {'(micro)':<20} {f(mi['precision']):>9} {f(mi['recall']):>7} {f(mi['f1']):>6} "
                 f"{mi['support']:>7}   macro F1 {f(lab['macro_f1'])}")
    lines += ["", "Acceptance per model"]
    lines.append(f"  {'model':<36} {'decided':>7} {'accepted':>8} {'edited':>6} {'rejected':>8} {'pending':>7} {'rate':>7}")
    for a in report["acceptance"]:
        lines.append(f"  {a['model_id'][:36]:<36} {a['decided']:>7} {a['accepted']:>8} {a['edited']:>6} "
                     f"{a['rejected']:>8} {a['pending']:>7} {f(a['rate'], True):>7}")
    if not report["acceptance"]:
        lines.append("  (no suggestions yet)")
    c = report["captions"]
    lines += ["", f"Captions: mean normalised edit distance {f(c['mean_edit_distance'])} over {c['decided']} decided"]
    lines += ["", "Calibration (decided label suggestions)",
              f"  {'score':<9} {'count':>6} {'mean score':>10} {'accepted':>9}"]
    for b in report["calibration"]:
        if b["count"]:
            lines.append(f"  {b['bin']:<9} {b['count']:>6} {f(b['mean_score']):>10} {f(b['accepted_fraction'], True):>9}")
    if report["over_time"]:
        lines += ["", "Acceptance over time"]
        for d in report["over_time"]:
            lines.append(f"  {d['day']}  {d['accepted']:>5}/{d['decided']:<5} {f(d['rate'], True):>7}")
    return "\n".join(lines)
