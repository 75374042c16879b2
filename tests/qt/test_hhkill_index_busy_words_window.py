"""The window opened a project whose database another process held (a `sqlite3` shell left
in a transaction, another tool's long import): its index waited out the wait and failed,
the status bar, the error box and the Jobs panel saying "Indexing failed: (sqlite3.OperationalError)
database is locked [SQL: BEGIN IMMEDIATE] ..." (SQLAlchemy's raw text), later "the project
database X is busy". The index now waits for the database as the suggestion jobs do
(core/index_writes.py): its row in the Jobs panel says so, naming the file, and it
finishes once the lock is released."""
from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QLabel

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import engine as eng

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from db_holder import Holder  # noqa: E402


def test_an_index_meeting_a_locked_database_waits_says_so_and_finishes(qtbot, window, image_folder, monkeypatch):
    from llmvis_desktop.qt.workers import STATE_DONE

    with Project.open(image_folder) as p:
        p.index()
    (image_folder / "a" / "img_000.png").rename(image_folder / "new.png")  # the index has something to write
    db = image_folder.resolve() / ".llmvis" / "project.sqlite"
    monkeypatch.setattr(eng, "SQLITE_BUSY_TIMEOUT_MS", 300)  # the batch jobs' wait, made short
    win = window
    holder = Holder(db)
    try:
        with qtbot.waitSignal(win.index_finished, timeout=60000) as ended:
            assert win.open_project(image_folder)
            qtbot.waitUntil(lambda: win.index_job is not None, timeout=30000)  # (the open runs off the GUI thread)
            job = win.index_job
            row = win.panel_ctl.jobs.row(str(job.id))
            qtbot.waitUntil(lambda: row.message_label.toolTip().startswith("waiting ("), timeout=30000)
            said = row.message_label.toolTip()
            assert f" so far) for the project database {db}: another process is writing to it" in said, said
            assert row.eta_label.text() == ""  # no ETA while it waits
            assert job.is_active and getattr(win, "last_error_box", None) is None
            holder.release()
    finally:
        holder.release()
    assert not isinstance(ended.args[0], BaseException), ended.args
    assert job.state == STATE_DONE, job.error
    assert win.project.image_by_path("new.png") is not None


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
