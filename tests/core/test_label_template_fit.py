"""A label template too long for the labeler's text length: the labels are cut off.

CLIP reads 77 tokens of text (its tokenizer truncates there). A template whose
``{label}`` comes after that point made every label's prompt the same text, so the
softmax gave every label 1/N: with three labels 0.333 each, above ``min_score`` (0.3),
and every image got three meaningless cards. The labeler now refuses such a template,
naming the labels it cannot tell apart and what to do.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.core.suggest import inspect_folder
from llmvis_desktop.core.suggest.batch import run_suggest

LONG = "a close-up photograph of a machined metal surface under ring light " * 4 + "with a {label} defect"


@pytest.fixture(scope="module")
def clip77(tmp_path_factory) -> Path:
    """The tiny CLIP with the 77-token tokenizer limit of the real ones."""
    folder = tiny_models.build_clip(tmp_path_factory.mktemp("clip77") / "clip")
    cfg = folder / "tokenizer_config.json"
    data = json.loads(cfg.read_text())
    data["model_max_length"] = 77
    cfg.write_text(json.dumps(data))
    return folder


def test_a_template_that_cuts_the_labels_off_is_refused(tmp_path, clip77, worker):
    folder = tiny_models.image_folder(tmp_path / "images", 3)
    p = tiny_models.labelled_project(folder, ("scratch", "dent", "ok"))
    try:
        with pytest.raises(Exception) as info:
            run_suggest(p, None, inspect_folder(clip77), label_template=LONG, worker=worker, read_processes=0)
        text = str(info.value)
        assert "cut off" in text and "'scratch'" in text and "'dent'" in text and "'ok'" in text
        assert "77" in text and "shorter" in text
        assert [s for s in tiny_models.all_suggestions(p) if s.kind == "label"] == []  # no 0.333 cards
    finally:
        p.close()


def test_a_short_template_still_scores(tmp_path, clip77, worker):
    folder = tiny_models.image_folder(tmp_path / "images", 3)
    p = tiny_models.labelled_project(folder, ("scratch", "dent", "ok"))
    try:
        report = run_suggest(p, None, inspect_folder(clip77), label_template="a {label} defect", worker=worker,
                             read_processes=0)
        assert report.images == 3
        labs = [s for s in tiny_models.all_suggestions(p) if s.kind == "label"]
        assert labs and all(abs(s.score - 1 / 3) > 1e-3 for s in labs if s.params["rank"] == 1)
    finally:
        p.close()


def test_labels_alike_up_to_the_cut_are_named(clip77, worker):
    from PIL import Image

    eng = worker.engine(inspect_folder(clip77), "label", "cpu")
    words = "a photo of a " + "metal " * 30
    labels = [words + "scratch", words + "dent", "ok"]
    with pytest.raises(ValueError) as info:
        worker.call(eng.scores, [Image.new("RGB", (32, 32))], labels, "{label}")
    text = str(info.value)
    assert "cut off" in text and repr(labels[0]) in text and repr(labels[1]) in text
    assert "'ok'" not in text  # it is told apart from the others


def test_labels_the_tokenizer_cannot_tell_apart_are_named_as_such(clip77, worker):
    """Not a length problem: a tokenizer that does not know some characters (the tiny
    one: digits; SigLIP's English-only one: CJK letters) gives two labels the same
    tokens; the message says so, not "cut off", and names only a few of 40."""
    from PIL import Image

    eng = worker.engine(inspect_folder(clip77), "label", "cpu")
    labels = [f"defect{i:02d}" for i in range(1, 41)]
    with pytest.raises(ValueError) as info:
        worker.call(eng.scores, [Image.new("RGB", (32, 32))], labels, "a {label}")
    text = str(info.value)
    assert "cut off" not in text and "the same tokens" in text
    assert "'defect01'" in text and "and 35 more" in text and "'defect40'" not in text
    assert "rename" in text
