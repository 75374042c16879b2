"""A model-suggestion job that meets a full disk under the project database: the Jobs
panel said "failed: (sqlite3.OperationalError) database or disk is full [SQL: ...]"
(SQLAlchemy's raw text), though the batches committed before were kept and a run
again goes on from them; it now says what `llmvis suggest` says."""
from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication, QLabel
from qthelpers import open_and_index
from sqlalchemy.exc import OperationalError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
import tiny_models  # noqa: E402


def _pump_until(cond, seconds: float = 60) -> None:
    """Let queued signals run (QTest.qWait keeps the GIL: the job thread would stall)."""
    end = time.time() + seconds
    while time.time() < end and not cond():
        QApplication.processEvents()
        time.sleep(0.01)
    assert cond()


def test_the_jobs_panel_says_where_the_disk_filled_up_and_what_was_kept(qtbot, window, tmp_path, monkeypatch):
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.suggest import pipeline

    folder = tiny_models.image_folder(tmp_path / "imgs", 12)
    blip = tiny_models.build_blip(tmp_path / "blip")
    win = window
    project = open_and_index(qtbot, win, folder)
    project.set_setting("captioner", str(blip))
    # a commit per batch of 8 (not every 0.5 s); the second one finds the disk full
    monkeypatch.setattr(pipeline.GroupCommitter.__init__, "__defaults__", (0.0, False))
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
    _pump_until(lambda: not job.is_active)
    _pump_until(lambda: any(lb.toolTip().startswith("failed:") for lb in win.panel_ctl.jobs.findChildren(QLabel)))
    shown = next(lb.toolTip() for lb in win.panel_ctl.jobs.findChildren(QLabel) if lb.toolTip().startswith("failed:"))
    kept = sum(1 for i in project.image_ids() if project.suggestions(i))
    assert 0 < kept < 12
    db = folder.resolve() / ".llmvis" / "project.sqlite"
    assert shown == (f"failed: the suggest job stopped when the disk holding {db} filled up; suggestions for "
                     f"{kept} images before that are kept; free some space and run it again to finish"), shown
