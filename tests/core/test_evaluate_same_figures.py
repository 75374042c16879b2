"""evaluate() reads a long suggestion history fast and gives the same figures as before.

The figures of four seeded projects (tests/core/evaluate_history.py: every outcome,
revisions, retrains, labels added/renamed/removed, rejected and re-opened images,
changed files, imports, several days) and of a scripted one (rare cases) were written by
the code before the fast read (commit 93b98c6: one object per row) into
evaluate_same_figures.json, and those of one where most images end reviewed
(``mostly_reviewed``: retrains and re-runs after the reviews) by the code before the
withdrawn cards of reviewed images were counted in SQL (630ec66); the code now must give the very same JSON. To write it again (only for a deliberate change of a
figure): ``LLMVIS_WRITE_EVALUATE_FIGURES=1 pytest tests/core/test_evaluate_same_figures.py``.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import evaluate_history as eh
from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.suggest.evaluate import evaluate

FIGURES = Path(__file__).with_name("evaluate_same_figures.json")
SEEDS = (0, 1, 2, 3)


def _figures(report: dict) -> dict:
    report = dict(report)
    report.pop("generated_at")
    # (added since the figures were saved: no repair in these histories, nothing left out)
    assert report.pop("repair_outputs_left_out") == {"images": 0, "suggestions": 0}
    assert report.pop("repair_outputs_included") is False
    return json.loads(json.dumps(report, sort_keys=True))  # (NaN-free: None for undefined ratios)


def _built(seed, root, db=None):
    if seed == "scripted":
        return eh.scripted(root, db)
    return eh.mostly_reviewed(root, db) if seed == "mostly_reviewed" else eh.build(root, seed, db=db)


@pytest.mark.parametrize("seed", SEEDS + ("scripted", "mostly_reviewed"))
def test_the_figures_of_a_long_varied_history_are_those_of_the_code_before(seed, tmp_path, monkeypatch):
    eh.clock(monkeypatch)
    p = _built(seed, tmp_path / "p")
    try:
        got = _figures(evaluate(p))
    finally:
        p.close()
    if os.environ.get("LLMVIS_WRITE_EVALUATE_FIGURES"):
        saved = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
        saved[str(seed)] = got
        FIGURES.write_text(json.dumps(saved, sort_keys=True, indent=1) + "\n")
    expected = json.loads(FIGURES.read_text())[str(seed)]
    assert got == expected


@pytest.mark.parametrize("seed", (0, "mostly_reviewed"))
def test_the_figures_are_the_same_on_postgresql(seed, tmp_path, monkeypatch, pg_url):
    """The counting in SQL (NOT IN subqueries, CASE, MIN of a time, times compared with
    each image's first review) as on SQLite: the same JSON. ``mostly_reviewed`` has its
    own figures there (``mostly_reviewed@postgresql``, written by the same code as its
    SQLite ones): its random actions pick among cards listed in the order the database
    gives them (a rename's cards), so on PostgreSQL it is another history."""
    eh.clock(monkeypatch)
    p = _built(seed, tmp_path / "p", pg_url)
    try:
        got = _figures(evaluate(p))
    finally:
        p.close()
    key = "0" if seed == 0 else f"{seed}@postgresql"
    if seed != 0 and os.environ.get("LLMVIS_WRITE_EVALUATE_FIGURES"):
        saved = json.loads(FIGURES.read_text())
        saved[key] = got
        FIGURES.write_text(json.dumps(saved, sort_keys=True, indent=1) + "\n")
    assert got == json.loads(FIGURES.read_text())[key]


def _rows_read(monkeypatch) -> list[int]:
    """Counts the rows each statement run through a Session returns (a list, appended)."""
    from sqlalchemy.orm import Session

    counts: list[int] = []
    real = Session._execute_internal

    def counted(self, *args, **kwargs):
        result = real(self, *args, **kwargs)
        if not getattr(result, "returns_rows", True):  # (an ORM select's result has no such flag)
            return result
        frozen = result.freeze()
        counts.append(len(frozen.data))
        return frozen()

    monkeypatch.setattr(Session, "_execute_internal", counted)
    return counts


def test_the_rows_read_do_not_grow_with_the_withdrawn_history_of_unreviewed_images(labeled_pngs, monkeypatch):
    """A suggest job run again withdraws its pending cards and adds new ones: on images
    nobody reviewed, the old cards count only in the ``withdrawn`` and ``suggested``
    tallies; they are counted in the database, not read one by one (206k rows took 6 s)."""
    from llmvis_desktop.core import review_actions as ra

    p, _, (a, b, c) = labeled_pngs(3)
    ra.accept(p, a, "rev")

    def rerun(k: int):  # a label and a caption per image, other ones than the run before's
        p.add_suggestions([NewSuggestion(i, kind, value, "zeroshot:clip", 0.7, "v1")
                           for i in (b, c) for kind, value in (("label", ("scratch", "dent")[k % 2]),
                                                              ("caption", f"a plate {k}"))], supersede=True)

    rerun(0)
    counts = _rows_read(monkeypatch)
    evaluate(p)
    few = sum(counts)
    for k in range(1, 41):  # 40 re-runs: 160 more rows, the run before's withdrawn
        rerun(k)
    counts.clear()
    report = evaluate(p)
    assert report["withdrawn"] == 160 and report["suggestions"] == 4
    assert sum(counts) - few < 20, f"{sum(counts)} rows read, {few} before the re-runs"
