"""A zero-shot labeler whose scores for an image are not numbers (CLIP-style models give
NaN in half precision on a GPU: openai/CLIP#222) failed the whole job: its NaN card was
refused when stored ("a suggestion's score must be a finite number, not nan"), `llmvis
suggest` stopped there with that line, naming no model, image or remedy, the captioner's
work of the batch was lost with it, and every run stopped at the same image again. That
image gets no label card now, the rest are stored, and the job says why and what to do."""
from __future__ import annotations

import math

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.core.suggest import registry
from llmvis_desktop.core.suggest.batch import run_suggest
from llmvis_desktop.core.suggest.discovery import inspect_folder


def test_an_image_scored_nan_gets_no_label_card_and_the_job_goes_on(tiny, tmp_path, worker, monkeypatch):
    folder = tiny_models.image_folder(tmp_path / "imgs", 4)
    project = tiny_models.labelled_project(folder, ("scratch", "dent", "ok"))
    real = registry.ZeroShotFamily.scores

    def first_nan(self, loaded, images, labels, template=registry.DEFAULT_LABEL_TEMPLATE):
        out = real(self, loaded, images, labels, template)
        return [[math.nan] * len(labels)] + out[1:]

    monkeypatch.setattr(registry.ZeroShotFamily, "scores", first_nan)
    try:
        report = run_suggest(project, inspect_folder(tiny["blip"]), inspect_folder(tiny["clip"]), batch=2,
                             worker=worker, read_processes=0)
        cards = [s for i in project.image_ids() for s in project.suggestions(i)]
    finally:
        project.close()
    assert sum(c.kind == "caption" for c in cards) == 4  # the captioner's work is all kept
    labelled = {c.image_id for c in cards if c.kind == "label"}
    assert len(labelled) == 2  # the first image of each batch of two: none
    assert all(math.isfinite(c.score) for c in cards if c.kind == "label")
    assert any(m.startswith("2 images got no label cards: the labeler's scores were not numbers (NaN)")
               and "--device cpu" in m for m in report.messages), report.messages
    assert not report.model_failures
