"""The window's suggest job whose commit found the project database held by another
process past the busy timeout failed ("the project database X is busy ..."); it now
waits, its row in the Jobs panel says so (naming the database, no ETA meanwhile), and it
goes on and stores every image's suggestion once the lock is released. The lock is held
by a real other process; the busy timeout made short through its setting."""
from __future__ import annotations

import sys
from pathlib import Path

from qthelpers import open_and_index, set_setting

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
import tiny_models  # noqa: E402
from db_holder import Holder  # noqa: E402



def test_the_jobs_panel_row_says_the_job_waits_for_the_database(qtbot, window, tmp_path, monkeypatch):
    from llmvis_desktop.core.store import engine as eng
    from llmvis_desktop.qt.workers import STATE_DONE

    monkeypatch.setattr(eng, "SQLITE_BUSY_TIMEOUT_MS", 200)  # (the setting: 15 s)
    folder = tiny_models.image_folder(tmp_path / "imgs", 4)
    blip = tiny_models.build_blip(tmp_path / "blip")
    win = window
    project = open_and_index(qtbot, win, folder)
    set_setting(win, "captioner", str(blip))
    db = folder.resolve() / ".llmvis" / "project.sqlite"
    with Holder(db):
        win.suggest_ctl.run_models("unsuggested")
        job = win.suggest_ctl.models_job
        row = win.panel_ctl.jobs.row(str(job.id))
        qtbot.waitUntil(lambda: row.message_label.toolTip().startswith("waiting ("),
                        timeout=30000)
        said = row.message_label.toolTip()
        assert f" so far) for the project database {db}: another process is writing to it" in said, said
        assert row.eta_label.text() == ""  # no ETA while it waits
        assert job.is_active
        row.grab().save(str(tmp_path / "waiting_row.png"))
    qtbot.waitUntil(lambda: not job.is_active, timeout=60000)
    assert job.state == STATE_DONE, job.error
    counts = [len(project.suggestions(i)) for i in project.image_ids()]
    assert counts == [1] * len(counts) and len(counts) == 4
