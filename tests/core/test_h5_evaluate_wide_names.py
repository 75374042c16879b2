"""llmvis evaluate's text tables stay in columns with wide label and model names.

A Japanese label (傷), or an emoji in a name, takes two terminal columns a character:
the tables padded names by their length in characters, so every figure on such a row
stood one column right of the others per wide character (a team naming its defect
taxonomy in Japanese or Chinese read a staircase)."""
from __future__ import annotations

import unicodedata

from llmvis_desktop.core.suggest.evaluate_report import format_report


def _columns(text: str) -> int:
    """Terminal columns of ``text``: wide and full-width characters two, combining ones none."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in text)


def _prf(label, tp, fp, fn):
    p, r = tp / (tp + fp), tp / (tp + fn)
    return {"label": label, "tp": tp, "fp": fp, "fn": fn, "support": tp + fn, "precision": p, "recall": r,
            "f1": 2 * p * r / (p + r)}


def _acc(model_id):
    return {"model_id": model_id, "suggested": 4, "decided": 3, "accepted": 2, "edited": 0, "edited_kept": 0,
            "rejected": 1, "pending": 1, "withdrawn": 0, "overruled": 0, "rate": 2 / 3, "rate_as_is": 2 / 3}


def _report():
    names = ["scratch", "傷 (キズ) 表面の深い引っかき傷", "dent 🔨", "cafe\u0301 stain"]
    per_label = [_prf(n, 2, 1, 1) for n in names]
    models = ["zeroshot:clip", "/モデル/検査用クリップ", "cap:blip"]
    by_model = {m: {"images": 3, "micro": _prf("", 2, 1, 1), "per_label": per_label} for m in models[:2]}
    return {
        "images": {"reviewed": 3, "rejected": 0, "with_label_suggestions": 3, "judged_without_labels": 0},
        "suggestions": 12, "withdrawn": 0,
        "labels": {"per_label": per_label, "micro": _prf("", 8, 4, 4), "macro_f1": 0.5, "rule": "rule",
                   "images": 3, "images_rejected": 0, "by_model": by_model, "left_out": {},
                   "outside_taxonomy": 0, "added_after": 0},
        "acceptance": [_acc(m) for m in models], "answers": {},
        "captions": {"decided": 2, "mean_edit_distance": 0.25, "rejected_unwritten": 0,
                     "by_model": {m: {"decided": 1, "mean_edit_distance": 0.25, "rejected_unwritten": 0}
                                  for m in ("/キャプション/モデル", "cap:blip")}},
        "calibration": [], "calibration_excluded": 0, "calibration_by_model": {},
        "over_time": [], "over_time_by_model": {},
        "repair_outputs_left_out": {"images": 0, "suggestions": 0}, "repair_outputs_included": False,
    }


def _table(lines, heading):
    """The rows of the table under ``heading`` (up to the blank line)."""
    start = next(k for k, line in enumerate(lines) if line.startswith(heading)) + 1
    end = next((k for k in range(start, len(lines)) if not lines[k].strip()), len(lines))
    rows = [line for line in lines[start:end] if not line.startswith("  (") or "(micro)" in line]
    return [row.split("   macro F1")[0] for row in rows]  # (the micro row goes on with the macro F1)


def test_rows_of_each_table_end_in_the_same_column_whatever_the_names():
    lines = format_report(_report()).splitlines()
    for heading in ("Labels, all models pooled", "Labels per model", "Acceptance per model", "Captions:"):
        rows = _table(lines, heading)
        assert len(rows) >= 3, (heading, rows)
        ends = {_columns(row) for row in rows}
        assert len(ends) == 1, (heading, [(_columns(r), r) for r in rows])
