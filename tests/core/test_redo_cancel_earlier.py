"""A redo (``--all``, the window's "All images") cancelled part-way said the images it had
not reached "keep their earlier suggestions" and that only a redo again would finish,
also on a folder never suggested before, where those images have none and a plain run
(images not yet suggested) finishes the work. The cancel now says how many of the images
not reached carry the models' earlier suggestions (``earlier_left``)."""
from __future__ import annotations

import pytest

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.core.suggest import inspect_folder
from llmvis_desktop.core.suggest.batch import run_suggest
from llmvis_desktop.core.tasks import Cancelled, CancelToken


def _cancelled_redo(project, blip, worker):
    token = CancelToken()

    def progress(p):
        if p.done >= 2:
            token.cancel()

    with pytest.raises(Cancelled) as err:
        run_suggest(project, blip, None, only_unsuggested=False, batch=2, worker=worker, token=token,
                    progress=progress, read_processes=0)
    return err.value


def test_a_redo_cancelled_on_a_fresh_folder_leaves_no_earlier_suggestions(tiny, tmp_path, worker):
    folder = tiny_models.image_folder(tmp_path / "images", 12)
    with tiny_models.labelled_project(folder, ("scratch", "dent")) as project:
        exc = _cancelled_redo(project, inspect_folder(tiny["blip"]), worker)
        assert 2 <= exc.stored_images < 12
        assert exc.earlier_left == 0


def test_a_redo_cancelled_over_earlier_suggestions_counts_the_images_left_with_them(tiny, tmp_path, worker):
    folder = tiny_models.image_folder(tmp_path / "images", 12)
    with tiny_models.labelled_project(folder, ("scratch", "dent")) as project:
        blip = inspect_folder(tiny["blip"])
        run_suggest(project, blip, None, limit=5, worker=worker, read_processes=0)  # 5 images done before
        exc = _cancelled_redo(project, blip, worker)
        assert 2 <= exc.stored_images < 5
        assert exc.earlier_left == 5 - exc.stored_images


def test_a_plain_run_cancelled_does_not_count_them(tiny, tmp_path, worker):
    folder = tiny_models.image_folder(tmp_path / "images", 6)
    with tiny_models.labelled_project(folder, ("scratch", "dent")) as project:
        token = CancelToken()
        token.cancel()
        with pytest.raises(Cancelled) as err:
            run_suggest(project, inspect_folder(tiny["blip"]), None, worker=worker, token=token, read_processes=0)
        assert err.value.earlier_left is None


def test_an_interrupted_all_on_a_fresh_folder_says_run_again_to_resume(tiny, tmp_path, capsys, monkeypatch):
    from llmvis_desktop.cli import main

    folder = tiny_models.image_folder(tmp_path / "images", 8)
    assert main(["index", str(folder), "-q"]) == 0
    capsys.readouterr()
    tiny_models.fail_after_commits(monkeypatch, 1, KeyboardInterrupt)
    assert main(["suggest", str(folder), "--captioner", str(tiny["blip"]), "--batch", "2", "--read-processes", "0",
                 "--no-index", "--all"]) == 130
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.endswith("; run again to resume"), err
    assert "--all again" not in err, err
