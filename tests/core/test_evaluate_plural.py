"""The evaluation report's counts in the singular when they are one."""
from __future__ import annotations

from llmvis_desktop.core.suggest.evaluate import evaluate
from llmvis_desktop.core.suggest.evaluate_report import format_report


def test_one_reviewed_image_is_said_in_the_singular(tmp_path):
    from llmvis_desktop.core.project import Project

    (tmp_path / "e").mkdir()
    with Project.open(tmp_path / "e") as p:
        r = evaluate(p)
    r["images"].update(reviewed=1, with_label_suggestions=1)
    r["suggestions"] = 1
    head = format_report(r).splitlines()[0]
    assert head.startswith("1 reviewed image, 1 suggestion; "), head
    assert head.endswith("over the 1 reviewed image, those with label suggestions"), head
    r["images"].update(reviewed=2, with_label_suggestions=0)
    r["suggestions"] = 0
    head = format_report(r).splitlines()[0]
    assert head.startswith("2 reviewed images, 0 suggestions; "), head
    assert head.endswith("over 0 of the 2 reviewed images, those with label suggestions"), head
