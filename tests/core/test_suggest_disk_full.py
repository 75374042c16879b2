"""A full disk under the project database during `llmvis suggest`: the job commits its
batches as it goes, yet it said "failed: OperationalError: the disk holding the project
database is full; nothing was saved" (named no file; what was committed is kept, and a
run again resumes), and the GUI's jobs panel showed SQLAlchemy's raw text."""
from __future__ import annotations

import json
import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from llmvis_desktop.cli import main

try:
    from . import tiny_models
except ImportError:  # run as a plain module
    import tiny_models

N_IMAGES, BATCH = 12, 2


def _full_after(monkeypatch, commits: int) -> None:
    """Every suggestion batch is committed on its own; the disk fills up at commit
    ``commits + 1`` (SQLAlchemy's error around SQLite's)."""
    tiny_models.fail_after_commits(monkeypatch, commits, lambda: OperationalError(
        "INSERT INTO suggestions ...", {}, sqlite3.OperationalError("database or disk is full")))


def _suggested(folder) -> int:
    from llmvis_desktop.core.project import Project

    with Project.open(folder) as p:
        return sum(1 for i in p.image_ids() if p.suggestions(i))


def test_suggest_on_a_full_disk_says_what_was_kept_and_resumes(tiny, tmp_path, capsys, monkeypatch):
    folder = tiny_models.image_folder(tmp_path / "images", N_IMAGES)
    blip = str(tiny["blip"])
    args = ["suggest", str(folder), "--captioner", blip, "--batch", str(BATCH), "--read-processes", "0"]
    _full_after(monkeypatch, 2)
    assert main(args) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    kept = _suggested(folder)
    assert 0 < kept < N_IMAGES
    db = folder.resolve() / ".llmvis" / "project.sqlite"
    assert err == (f"llmvis suggest: the suggest job stopped when the disk holding {db} filled up; suggestions "
                   f"for {kept} images before that are kept; free some space and run llmvis suggest again "
                   f"to finish"), err
    # --json: the same line, and the count, in its object
    monkeypatch.undo()
    _full_after(monkeypatch, 1)
    assert main([*args, "--json"]) == 1
    said = json.loads(capsys.readouterr().out)
    now = _suggested(folder)
    assert kept < now < N_IMAGES
    assert said["exit_code"] == 1 and said["images_kept"] == now - kept
    assert said["error"].startswith(f"the suggest job stopped when the disk holding {db} filled up; "
                                    f"suggestions for {now - kept} images")
    # room again: the run goes on where it stopped
    monkeypatch.undo()
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["models"]["images"] == N_IMAGES - now
    assert _suggested(folder) == N_IMAGES


def test_a_stopped_redo_of_every_image_says_to_run_it_with_all_again(tiny, tmp_path, capsys, monkeypatch):
    # every image already has the model's caption: a plain run again has nothing to do, so
    # "run llmvis suggest without --all again" (the old advice) left most images not redone
    folder = tiny_models.image_folder(tmp_path / "images", N_IMAGES)
    args = ["suggest", str(folder), "--captioner", str(tiny["blip"]), "--batch", str(BATCH), "--read-processes", "0"]
    assert main(args) == 0
    capsys.readouterr()
    _full_after(monkeypatch, 2)
    assert main([*args, "--all"]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.endswith("free some space and run llmvis suggest --all again to finish"), err
    monkeypatch.undo()
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["models"]["images"] == 0  # why "without --all" was wrong
    assert main([*args, "--all", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["models"]["images"] == N_IMAGES


def test_the_jobs_panel_says_the_same(tiny, tmp_path, monkeypatch):
    """The GUI's suggest job raises it as such: the jobs panel shows ``failed: {error}``."""
    from llmvis_desktop.core.suggest.batch import run_suggest
    from llmvis_desktop.core.suggest.report import SuggestStopped

    folder = tiny_models.image_folder(tmp_path / "images", N_IMAGES)
    project = tiny_models.labelled_project(folder, [])
    _full_after(monkeypatch, 2)
    try:
        with pytest.raises(SuggestStopped) as caught:
            run_suggest(project, str(tiny["blip"]), batch=BATCH, read_processes=0)
    finally:
        project.close()
    monkeypatch.undo()
    kept = _suggested(folder)
    db = folder.resolve() / ".llmvis" / "project.sqlite"
    assert str(caught.value) == (f"the suggest job stopped when the disk holding {db} filled up; suggestions "
                                 f"for {kept} images before that are kept; free some space and run it again "
                                 f"to finish")


def _disk_full():
    return OperationalError("INSERT ...", {}, sqlite3.OperationalError("database or disk is full"))


def test_a_full_disk_in_the_learned_suggester_or_the_index_first_says_stopped(png_folder, capsys, monkeypatch):
    """The learned suggester stores each batch before it reports it; the index before the
    models commits per batch too: neither "nothing was saved"."""
    from llmvis_desktop.core import index_listing
    from llmvis_desktop.core.suggest import learned
    from llmvis_desktop.core.tasks import Progress

    def full_after_a_batch(project, *, progress, **kw):
        progress(Progress("suggest", 0, 1500, "tiny"))
        progress(Progress("suggest", 1024, 1500, "tiny"))
        raise _disk_full()

    monkeypatch.setattr(learned, "run", full_after_a_batch)
    db = png_folder.resolve() / ".llmvis" / "project.sqlite"
    assert main(["suggest", str(png_folder), "--learned"]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err == (f"llmvis suggest: the learned suggester stopped when the disk holding {db} filled up; "
                   f"suggestions for 1,024 images before that are kept; free some space and run llmvis "
                   f"suggest again to finish"), err
    (png_folder / "more.png").write_bytes((png_folder / "img0.png").read_bytes())

    def full(*a, **k):
        raise _disk_full()

    monkeypatch.setattr(index_listing.ri, "insert_new", full)
    assert main(["suggest", str(png_folder), "--learned", "--json"]) == 1
    said = json.loads(capsys.readouterr().out)
    assert said["error"] == (f"the index stopped when the disk holding {db} filled up; what was done before "
                             f"that is kept; free some space and run llmvis suggest again to finish"), said


def _store_fails_after(monkeypatch, batches: int, error) -> list:
    """The learned suggester's batch store: ``batches`` stored, then ``error`` (the disk
    full); returns the image ids of the batches stored."""
    from llmvis_desktop.core.suggest import learned

    real, stored = learned.store_batch, []

    def store_batch(project, items, ran, *a, **k):
        if len(stored) >= batches:
            raise error
        stored.append(list(ran.get("ids") or []))
        return real(project, items, ran, *a, **k)

    monkeypatch.setattr(learned, "store_batch", store_batch)
    return stored


@pytest.mark.parametrize("error", ["sqlite", "enospc"])
def test_the_learned_suggester_stopped_by_a_full_disk_says_so_in_its_own_words(learned, monkeypatch, error):
    """The GUI's learned job (auto-retrain after reviews) raised SQLAlchemy's "(sqlite3.
    OperationalError) database or disk is full [SQL: ...]" (and an OSError's "[Errno 28] No
    space left on device" as is): shown raw in the Jobs panel and the error box. It now
    stops as a suggest job does, naming the database and the images whose cards are kept."""
    import errno

    from llmvis_desktop.core.suggest.learned import LearnedSuggester
    from llmvis_desktop.core.suggest.report import SuggestStopped

    p, _rows = learned
    db = p.root.resolve() / ".llmvis" / "project.sqlite"
    full = _disk_full() if error == "sqlite" else OSError(errno.ENOSPC, "No space left on device")
    stored = _store_fails_after(monkeypatch, 1, full)
    sugg = LearnedSuggester(p)
    sugg.train()
    with pytest.raises(SuggestStopped) as caught:
        sugg.run(batch_size=4)
    assert [len(ids) for ids in stored] == [4]
    assert str(caught.value) == (f"the learned suggester stopped when the disk holding {db} filled up; "
                                 f"suggestions for 4 images before that are kept; free some space and run "
                                 f"it again to finish")
    monkeypatch.undo()  # room again: the next run goes on after the 4 stored
    rest = []
    real_run = sugg.predict

    def predict(ids, *a, **k):
        rest.extend(ids)
        return real_run(ids, *a, **k)

    monkeypatch.setattr(sugg, "predict", predict)
    sugg.run(batch_size=4)
    assert rest and not set(rest) & set(stored[0])


def test_llmvis_suggest_learned_says_a_full_disk_in_its_own_words(learned, capsys, monkeypatch):
    """`llmvis suggest --learned`: an OSError "No space left on device" came out as is."""
    import errno

    p, _rows = learned
    root = p.root.resolve()
    p.close()
    _store_fails_after(monkeypatch, 0, OSError(errno.ENOSPC, "No space left on device"))
    assert main(["suggest", str(root), "--learned", "--no-index"]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    db = root / ".llmvis" / "project.sqlite"
    assert err == (f"llmvis suggest: the learned suggester stopped when the disk holding {db} filled up; "
                   f"suggestions for 0 images before that are kept; free some space and run llmvis suggest "
                   f"again to finish"), err
