"""A model-suggestion job that meets a full disk under the project database: the Jobs
panel said "failed: (sqlite3.OperationalError) database or disk is full [SQL: ...]"
(SQLAlchemy's raw text), though the batches committed before were kept and a run
again goes on from them; it now says what `llmvis suggest` says."""
from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from PySide6.QtWidgets import QLabel
from qthelpers import open_and_index, set_setting
from sqlalchemy.exc import OperationalError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
import tiny_models  # noqa: E402


def test_the_jobs_panel_says_where_the_disk_filled_up_and_what_was_kept(qtbot, window, tmp_path, monkeypatch):
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.suggest import pipeline

    folder = tiny_models.image_folder(tmp_path / "imgs", 12)
    blip = tiny_models.build_blip(tmp_path / "blip")
    win = window
    project = open_and_index(qtbot, win, folder)
    set_setting(win, "captioner", str(blip))
    # a commit per batch of 8 (not every 0.5 s); the second one finds the disk full
    defaults = pipeline.GroupCommitter.__init__.__defaults__
    monkeypatch.setattr(pipeline.GroupCommitter.__init__, "__defaults__", (0.0, *defaults[1:]))
    real, done = Project.add_suggestions, []

    def add_suggestions(self, rows, *a, **k):
        if len(done) >= 1:
            raise OperationalError("INSERT INTO suggestions ...", {},
                                   sqlite3.OperationalError("database or disk is full"))
        done.append(len(rows))
        return real(self, rows, *a, **k)

    monkeypatch.setattr(Project, "add_suggestions", add_suggestions)
    win.suggest_ctl.run_models("unsuggested")
    job = win.suggest_ctl.models_job
    qtbot.waitUntil(lambda: not job.is_active, timeout=60000)
    qtbot.waitUntil(lambda: any(lb.toolTip().startswith("failed:") for lb in win.panel_ctl.jobs.findChildren(QLabel)),
                    timeout=60000)
    shown = next(lb.toolTip() for lb in win.panel_ctl.jobs.findChildren(QLabel) if lb.toolTip().startswith("failed:"))
    kept = sum(1 for i in project.image_ids() if project.suggestions(i))
    assert 0 < kept < 12
    db = folder.resolve() / ".llmvis" / "project.sqlite"
    assert shown == (f"failed: the suggest job stopped when the disk holding {db} filled up; suggestions for "
                     f"{kept} images before that are kept; free some space and run it again to finish"), shown


def test_the_learned_job_stopped_by_a_full_disk_says_so_in_the_tools_words(qtbot, window, tmp_path, monkeypatch):
    """The learned suggester's job (Ctrl+L, or the retrain every 10 reviews) met a full
    disk: the Jobs panel and the error box showed "(sqlite3.OperationalError) database or
    disk is full [SQL: ...]"; they now say where the disk filled up and what was kept."""
    import defectgen

    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.suggest import learned

    # the job's batches of 8, not 64: the same two batches with 75 fewer tiles' features
    # to compute (90 tiles took ~8 s, most of it features)
    defaults = list(learned.LearnedSuggester.run.__defaults__)
    defaults[defaults.index(64)] = 8
    monkeypatch.setattr(learned.LearnedSuggester.run, "__defaults__", tuple(defaults))
    folder = tmp_path / "tiles"
    rows = defectgen.write_folder(folder, 10, size=48, kinds=("ok", "scratch", "crack"))  # 30 tiles
    with Project.open(folder) as p:
        p.scan()
        for k in ("ok", "scratch", "crack"):
            p.add_label(k)
        defectgen.review_first(p, rows, 5, actor="alice")  # 15 left to suggest for: batches of 8 and 7
    win = window
    open_and_index(qtbot, win, folder)
    real, stored = learned.store_batch, []

    def store_batch(project, items, ran, *a, **k):
        if stored:
            raise OperationalError("INSERT INTO suggestions ...", {},
                                   sqlite3.OperationalError("database or disk is full"))
        stored.append(len(ran.get("ids") or ()))
        return real(project, items, ran, *a, **k)

    monkeypatch.setattr(learned, "store_batch", store_batch)
    with qtbot.waitSignal(win.suggest_ctl.learned_done, timeout=60000) as done:
        win.suggest_ctl.run_learned()
    assert isinstance(done.args[0], BaseException) and stored == [8]
    db = folder.resolve() / ".llmvis" / "project.sqlite"
    said = (f"the learned suggester stopped when the disk holding {db} filled up; suggestions for 8 images "
            f"before that are kept; free some space and run ")
    qtbot.waitUntil(lambda: any(lb.toolTip().startswith("failed:") for lb in win.panel_ctl.jobs.findChildren(QLabel)),
                    timeout=60000)
    shown = next(lb.toolTip() for lb in win.panel_ctl.jobs.findChildren(QLabel) if lb.toolTip().startswith("failed:"))
    assert shown == f"failed: {said}it again to finish", shown
    box = win.last_error_box.text()
    assert box.startswith("T" + said[1:]) and box.endswith(" again to finish"), box
    assert "OperationalError" not in box and "[SQL" not in box
