"""`llmvis evaluate` on a project with suggestions and no image reviewed or rejected yet
said "0 reviewed images, 163 suggestions; label suggestions scored over all 0 reviewed
images, those with label suggestions" ("all 0"; the dashboard says "no reviewed image
with label suggestions to score yet"). It now says there is nothing to score yet and
why (/tmp/hunt-hhunt4: `llmvis evaluate imgs` after the first suggest)."""
from __future__ import annotations

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.suggest.evaluate import evaluate, format_report


def test_nothing_reviewed_says_there_is_nothing_to_score_yet(tmp_path):
    folder = tiny_models.image_folder(tmp_path / "images", 2)
    project = tiny_models.labelled_project(folder, ("dent", "ok"))
    try:
        a, b = project.image_ids()
        project.add_suggestions([NewSuggestion(a, "label", "dent", "zeroshot:clip", 0.7),
                                 NewSuggestion(b, "label", "ok", "zeroshot:clip", 0.6)])
        first = format_report(evaluate(project)).splitlines()[0]
    finally:
        project.close()
    assert "all 0" not in first, first
    assert first == ("0 reviewed images, 2 suggestions; no image reviewed or rejected yet, "
                     "so no label suggestion to score"), first
