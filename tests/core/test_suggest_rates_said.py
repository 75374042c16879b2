"""`llmvis suggest`'s last progress line said 14.5 images/s and its summary 8.5 images/s:
the line counts from the first batch done (loading the models and reading the first batch
are not work to it), the summary counted the first batch too, and neither said which. The
summary now says both, each by what it counts: "8.5 images/s overall, including 6.8 s
loading the models; 14.5 images/s after the first batch", the second the progress line's
own rate."""
from __future__ import annotations

import time

import pytest

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.cli_progress import ProgressBar
from llmvis_desktop.core.suggest import inspect_folder
from llmvis_desktop.core.suggest.batch import run_suggest
from llmvis_desktop.core.suggest.report import SuggestReport


def test_the_summary_says_the_progress_lines_rate_and_the_overall_one(tiny, tmp_path, worker):
    folder = tiny_models.image_folder(tmp_path / "images", 8)
    project = tiny_models.labelled_project(folder, ("scratch", "ok"))
    bar = ProgressBar(enabled=True, plain=True)
    seen = []

    def progress(p):
        bar(p)
        if p.done:
            seen.append(bar._rate(p, time.monotonic()))

    try:
        report = run_suggest(project, inspect_folder(tiny["blip"]), None, batch=2, worker=worker,
                             progress=progress, read_processes=0)
    finally:
        project.close()
    last = seen[-1]  # the rate the progress line says at the last batch
    assert report.images == 8 and last is not None
    assert report.steady_images_per_s == pytest.approx(last, rel=0.05)
    text = report.summary()
    assert f"{report.overall_images_per_s:.1f} images/s overall" in text, text
    assert f"; {report.steady_images_per_s:.1f} images/s after the first batch, on cpu)" in text, text
    assert report.overall_images_per_s == pytest.approx(8 / report.seconds)
    d = report.as_dict()
    assert d["steady_images_per_s"] == round(report.steady_images_per_s, 3)


def test_the_summary_says_the_loading_apart_and_no_second_rate_for_one_batch():
    r = SuggestReport(images=300, suggestions=300, seconds=35.3, load_seconds=6.8, device="cuda",
                      after_first=(20.0, 290))
    assert r.summary() == ("300 suggestions for 300 images in 35.3 s (8.5 images/s overall, including 6.8 s "
                           "loading the models; 14.5 images/s after the first batch, on cuda), 0 already done")
    one = SuggestReport(images=4, suggestions=4, seconds=2.0, load_seconds=0.0, device="cpu")
    assert one.summary() == "4 suggestions for 4 images in 2.0 s (2.0 images/s overall, on cpu), 0 already done"
