"""The evaluation's first line said "23 reviewed images and 7 rejected, ...; label
suggestions scored over 28 decided images (21 reviewed, 7 rejected) with label
suggestions": 23 reviewed then 21 reviewed, read as a contradiction. The 21 are those of
the 23 with label suggestions: the line says so ("21 of the 23 reviewed"), in the CLI's
text and in the dashboard's summary."""
from __future__ import annotations

import os

import pytest

from llmvis_desktop.core.suggest.evaluate import evaluate
from llmvis_desktop.core.suggest.evaluate_report import format_report


@pytest.fixture(scope="module")
def empty_report(tmp_path_factory):
    from llmvis_desktop.core.project import Project

    root = tmp_path_factory.mktemp("e")
    with Project.open(root) as p:
        return evaluate(p)


def _head(r, reviewed, rejected, scored, scored_rejected):
    r["images"].update(reviewed=reviewed, rejected=rejected, with_label_suggestions=scored)
    r["labels"].update(images=scored, images_rejected=scored_rejected)
    return format_report(r).splitlines()[0]


def test_the_scored_counts_say_of_how_many_they_are(empty_report):
    r = empty_report
    head = _head(r, 23, 7, 28, 7)
    assert head.startswith("23 reviewed images and 7 rejected, "), head
    assert "scored over 28 of the 30 decided images (21 of the 23 reviewed, all 7 rejected), " \
           "those with label suggestions" in head, head
    assert "(21 reviewed" not in head
    head = _head(r, 2, 0, 0, 0)
    assert head.endswith("scored over 0 of the 2 reviewed images, those with label suggestions"), head
    head = _head(r, 1, 0, 1, 0)
    assert head.endswith("scored over the 1 reviewed image, those with label suggestions"), head
    head = _head(r, 5, 0, 5, 0)
    assert head.endswith("scored over all 5 reviewed images, those with label suggestions"), head
    head = _head(r, 0, 3, 2, 2)
    assert head.endswith("scored over 2 of the 3 rejected images, those with label suggestions"), head
    head = _head(r, 4, 1, 3, 0)
    assert "scored over 3 of the 5 decided images (3 of the 4 reviewed, 0 of the 1 rejected)" in head, head


def test_the_dashboard_says_the_same(empty_report, qtbot):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from llmvis_desktop.qt.dialogs.evaluation_dialog import EvaluationDialog

    r = empty_report
    r["images"].update(reviewed=23, rejected=7, with_label_suggestions=28)
    r["labels"].update(images=28, images_rejected=7,
                       micro={"tp": 21, "fp": 7, "fn": 24, "support": 45, "precision": 0.75, "recall": 0.467,
                              "f1": 0.575})
    w = EvaluationDialog(r)
    qtbot.addWidget(w)
    text = w.summary.text()
    assert text.startswith("<b>23</b> reviewed images and <b>7</b> rejected"), text
    assert ("Labels over <b>28</b> of the 30 decided images (21 of the 23 reviewed, all 7 rejected), "
            "those with label suggestions:") in text, text
