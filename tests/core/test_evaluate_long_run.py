"""evaluate over months of work: a model's revisions told apart, acceptance over time in
buckets a long span can be read by, and ``--json`` without float noise."""
from __future__ import annotations

import argparse
import json
import re
from datetime import date, timedelta

from PIL import Image

from llmvis_desktop import cli_evaluate
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.suggest.evaluate import evaluate, format_report

M = "models/clip-defects"


def _project(tmp_path, n=4):
    root = tmp_path / "imgs"
    root.mkdir()
    for i in range(n):
        Image.new("L", (8, 8), i * 30).save(root / f"img{i}.png")
    p = Project.open(root)
    p.index()
    p.add_labels(["a", "b"])
    return p, root, sorted(p.image_ids())


def test_json_prints_no_float_noise(tmp_path, capsys):
    p, root, (i1, i2, _i3, _i4) = _project(tmp_path)
    # two cards in the 0.1-0.2 bin: mean score (0.11 + 0.12) / 2 = 0.11499999999999999 in floats
    sid = p.add_suggestions([NewSuggestion(i1, "label", "a", M, 0.11, "r1"),
                             NewSuggestion(i2, "label", "a", M, 0.12, "r1")])
    p.decide_suggestion(sid[0], "accepted", "t")
    p.decide_suggestion(sid[1], "rejected", "t")
    for i in (i1, i2):
        p.apply_state(i, {"labels": ["a"] if i == i1 else [], "review_status": "reviewed"}, "t", "review")
    p.close()
    args = argparse.Namespace(folder=str(root), db=None, json=True, debug=False)
    assert cli_evaluate.run_evaluate(args) == 0
    out = capsys.readouterr().out
    report = json.loads(out)
    [b] = [b for b in report["calibration"] if b["count"]]
    assert b["mean_score"] == 0.115, b
    noisy = re.findall(r"\d\.\d{7,}", out)
    assert not noisy, noisy


def _days(first: date, n: int, step: int = 1) -> list[dict]:
    return [{"day": (first + timedelta(days=k * step)).isoformat(), "decided": 4, "accepted": 1 + k % 3,
             "rate": (1 + k % 3) / 4} for k in range(n)]


def test_over_time_buckets_by_span():
    from llmvis_desktop.core.suggest.evaluate_report import bucket_over_time

    few = _days(date(2026, 3, 1), 20)
    unit, series = bucket_over_time(few)
    assert unit == "day" and series == few  # a few weeks: a point a day, as before
    half_year = _days(date(2026, 1, 5), 180)  # 6 months of daily work
    unit, series = bucket_over_time(half_year)
    assert unit == "week" and 25 <= len(series) <= 27
    assert series[0]["day"] == "2026-01-05"  # a Monday: the week's first day
    assert sum(s["decided"] for s in series) == 720 and sum(s["accepted"] for s in series) == sum(
        d["accepted"] for d in half_year)
    assert all(s["rate"] == s["accepted"] / s["decided"] for s in series)
    unit, series = bucket_over_time(_days(date(2025, 1, 3), 200, step=3))  # 20 months
    assert unit == "month" and series[0]["day"] == "2025-01-01" and len(series) == 20
    assert bucket_over_time([]) == ("day", [])


def test_text_report_says_the_bucket(tmp_path):
    with Project.open(tmp_path) as p:
        r = evaluate(p)
    r["over_time"] = _days(date(2026, 1, 5), 180)
    text = format_report(r)
    assert "Acceptance over time (per week" in text
    assert len([line for line in text.splitlines() if re.match(r"\s+2026-\d\d-\d\d ", line)]) <= 27


def test_revisions_of_one_model_are_told_apart(tmp_path):
    """A labeler retrained under the same path: its old revision wrong, its new one right.
    The pooled row said F1 0.5 and 50%: neither revision's figure, and no word of two."""
    p, root, (i1, i2, i3, i4) = _project(tmp_path)
    old = [NewSuggestion(i, "label", "b", M, 0.9, "rev-a") for i in (i1, i2)]
    new = [NewSuggestion(i, "label", "a", M, 0.9, "rev-b") for i in (i3, i4)]
    sid = p.add_suggestions(old + new)
    for k, s in enumerate(sid):
        p.decide_suggestion(s, "rejected" if k < 2 else "accepted", "t")
    for i in (i1, i2, i3, i4):
        p.apply_state(i, {"labels": ["a"], "review_status": "reviewed"}, "t", "review")
    r = evaluate(p)
    p.close()
    [acc] = r["acceptance"]
    assert acc["revisions"] == 2 and acc["rate"] == 0.5  # the pooled figure stays
    revs = {x["revision"]: x for x in acc["by_revision"]}
    assert [x["revision"] for x in acc["by_revision"]] == ["rev-a", "rev-b"]  # oldest first
    assert revs["rev-a"]["rate"] == 0.0 and revs["rev-b"]["rate"] == 1.0
    assert revs["rev-a"]["decided"] == 2 and revs["rev-b"]["accepted"] == 2
    lab = r["labels"]["by_model"][M]
    assert lab["revisions"] == 2
    by_rev = {x["revision"]: x for x in lab["by_revision"]}
    assert by_rev["rev-a"]["micro"]["f1"] == 0.0 and by_rev["rev-b"]["micro"]["f1"] == 1.0
    assert by_rev["rev-a"]["images"] == 2
    text = format_report(r)
    assert "2 revisions" in text
    assert re.search(r"rev-a .*0\.0%", text) and re.search(r"rev-b .*100\.0%", text), text
    json.dumps(r)


def test_one_revision_has_one_entry(tmp_path):
    p, root, (i1, *_rest) = _project(tmp_path)
    [s] = p.add_suggestions([NewSuggestion(i1, "label", "a", M, 0.9, "r1")])
    p.decide_suggestion(s, "accepted", "t")
    p.apply_state(i1, {"labels": ["a"], "review_status": "reviewed"}, "t", "review")
    r = evaluate(p)
    p.close()
    [acc] = r["acceptance"]
    assert acc["revisions"] == 1 and [x["revision"] for x in acc["by_revision"]] == ["r1"]
    # no per-revision row under the model (the column explanation names revisions in words)
    text = format_report(r)
    assert " revisions)" not in text and "r1" not in text, text
