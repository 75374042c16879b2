"""A suggest job cancelled before its first batch was stored (its models loading, the
learned suggester training, or the first batch running) said it in older words than a
cancel later in the job: the window's status bar "the images done (at least 0) are kept",
the Jobs panel "cancelled", the CLI "kept suggestions for 0 of the 4 images". Every cancel
now says "cancelled before any suggestion was stored" or "N images' suggestions were
stored", the count being what the job's commits stored."""
from __future__ import annotations

import json

import pytest

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.core.suggest.report import SuggestCancelled, cancelled_words, stored_words
from llmvis_desktop.core.tasks import Cancelled, CancelToken


def test_the_words():
    assert cancelled_words(0) == "cancelled before any suggestion was stored"
    assert cancelled_words(1) == "cancelled; 1 image's suggestions were stored"
    assert cancelled_words(1200) == "cancelled; 1,200 images' suggestions were stored"
    assert str(SuggestCancelled(0)) == cancelled_words(0) and stored_words(0) == "no suggestion was stored"


def test_a_model_job_cancelled_while_its_models_load(tiny, tmp_path, worker):
    from llmvis_desktop.core.suggest import inspect_folder
    from llmvis_desktop.core.suggest.batch import run_suggest

    folder = tiny_models.image_folder(tmp_path / "images", 4)
    with tiny_models.labelled_project(folder, ("scratch", "dent")) as project:
        token = CancelToken()

        def progress(p):  # the first report ("loading models"): cancelled there
            token.cancel()

        with pytest.raises(SuggestCancelled) as err:
            run_suggest(project, inspect_folder(tiny["blip"]), None, batch=2, worker=worker, token=token,
                        progress=progress, read_processes=0)
        assert err.value.stored_images == 0 and not tiny_models.all_suggestions(project)
        assert str(err.value) == "cancelled before any suggestion was stored"


def _learned_cancel(project, when):
    from llmvis_desktop.core.suggest import learned as L

    token = CancelToken()

    def progress(p):
        if when(p):
            token.cancel()
            token.check()

    with pytest.raises(Cancelled) as err:
        L.run(project, token=token, progress=progress, model="linear")
    return err.value


def test_the_learned_suggester_cancelled_while_training(learned):
    project, _ = learned
    exc = _learned_cancel(project, lambda p: p.stage == "train")
    assert isinstance(exc, SuggestCancelled) and exc.stored_images == 0, exc
    assert str(exc) == "cancelled before any suggestion was stored"
    assert not tiny_models.all_suggestions(project)


def test_the_learned_suggester_cancelled_after_a_batch_says_what_it_stored(learned, monkeypatch):
    from llmvis_desktop.core.suggest import learned as L

    project, _ = learned
    real = L.LearnedSuggester.run
    monkeypatch.setattr(L.LearnedSuggester, "run", lambda self, *a, **kw: real(self, *a, **{**kw, "batch_size": 4}))
    exc = _learned_cancel(project, lambda p: p.stage == "suggest" and p.done > 0)
    assert isinstance(exc, SuggestCancelled) and exc.stored_images == 4, exc
    assert str(exc) == "cancelled; 4 images' suggestions were stored"
    stored = {s.image_id for s in tiny_models.all_suggestions(project)}
    assert 0 < len(stored) <= 4


def test_the_cli_says_what_the_commits_stored(png_folder, capsys, monkeypatch):
    """Ctrl+C during the first batch: its last progress report said 0 done, the batches
    in flight were committed after it; the count is the commits' (the batch sets it)."""
    from llmvis_desktop import cli_suggest
    from llmvis_desktop.cli import main
    from llmvis_desktop.core.suggest import batch
    from llmvis_desktop.core.tasks import Progress

    stored = {"n": 0}

    def interrupted(project, captioner, labeler, *, progress, **kw):
        progress(Progress("suggest", 0, 40, "loading models"))
        progress(Progress("suggest", 0, 40, "suggesting"))
        exc = KeyboardInterrupt()
        exc.stored_images = stored["n"]
        raise exc

    monkeypatch.setattr(batch, "run_suggest", interrupted)
    monkeypatch.setattr(cli_suggest, "_resolve", lambda spec, dirs: spec)
    argv = ["suggest", str(png_folder), "--captioner", "some/model", "--no-index"]
    assert main(["index", str(png_folder)]) == 0  # (--no-index refuses a folder never indexed)
    capsys.readouterr()
    assert main(argv) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "llmvis suggest: interrupted; no suggestion was stored (40 images to go); run again to resume")
    stored["n"] = 8
    assert main([*argv, "--json"]) == 130
    out = json.loads(capsys.readouterr().out)
    assert out["error"] == ("interrupted; 8 images' suggestions were stored, of the 40 images this run had "
                            "to do (32 to go); run again to resume"), out
    assert out["images_done"] == 8 and out["images_to_go"] == 32
