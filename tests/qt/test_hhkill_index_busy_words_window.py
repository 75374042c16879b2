"""The window opened a project whose database another process held (a `sqlite3` shell left
in a transaction, another tool's long import): its index waited out the wait and the
status bar, the error box and the Jobs panel said "Indexing failed: (sqlite3.OperationalError)
database is locked [SQL: BEGIN IMMEDIATE] (Background on this error at: https://sqlalche.me/...)"
(SQLAlchemy's raw text); they now say it as `llmvis index` does, naming the file."""
from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QLabel

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import engine as eng

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from db_holder import Holder  # noqa: E402


def test_an_index_refused_by_a_locked_database_says_so_in_words(qtbot, window, image_folder, monkeypatch):
    with Project.open(image_folder) as p:
        p.index()
    (image_folder / "a" / "img_000.png").rename(image_folder / "new.png")  # the index has something to write
    db = image_folder.resolve() / ".llmvis" / "project.sqlite"
    monkeypatch.setattr(eng, "SQLITE_BUSY_TIMEOUT_MS", 300)  # the batch jobs' wait, made short
    win = window
    with Holder(db):
        with qtbot.waitSignal(win.index_finished, timeout=30000) as ended:
            assert win.open_project(image_folder)
        assert isinstance(ended.args[0], BaseException)
        said = f"the project database {db} is busy: another process"
        box = win.last_error_box.text()
        assert box.startswith(f"Indexing failed: {said}"), box
        assert "[SQL" not in box and "OperationalError" not in box and "sqlalche.me" not in box, box
        qtbot.waitUntil(lambda: any(lb.toolTip().startswith("failed:")
                                    for lb in win.panel_ctl.jobs.findChildren(QLabel)), timeout=10000)
        shown = next(lb.toolTip() for lb in win.panel_ctl.jobs.findChildren(QLabel)
                     if lb.toolTip().startswith("failed:"))
        assert shown.startswith(f"failed: {said}") and "[SQL" not in shown, shown


def test_an_index_stopped_by_a_full_disk_says_what_it_kept(qtbot, window, image_folder, monkeypatch):
    """The listing committed, then the disk filled up while headers were read: the window
    said "the disk holding ... is full; nothing was saved" (the raw SQLAlchemy text before
    the worded one), though every file listed was kept."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    def full(self, *a, **k):
        raise OperationalError("UPDATE images ...", {}, sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(Project, "read_headers", full)
    win = window
    with qtbot.waitSignal(win.index_finished, timeout=30000) as ended:
        assert win.open_project(image_folder)
    assert isinstance(ended.args[0], BaseException)
    db = image_folder.resolve() / ".llmvis" / "project.sqlite"
    said = (f"the index stopped when the disk holding {db} filled up; 12 images indexed before that are kept; "
            f"free some space and run the index (F5) again to finish")
    assert win.last_error_box.text() == f"Indexing failed: {said}"
    qtbot.waitUntil(lambda: any(lb.toolTip().startswith("failed:")
                                for lb in win.panel_ctl.jobs.findChildren(QLabel)), timeout=10000)
    shown = next(lb.toolTip() for lb in win.panel_ctl.jobs.findChildren(QLabel)
                 if lb.toolTip().startswith("failed:"))
    assert shown == f"failed: {said}", shown
