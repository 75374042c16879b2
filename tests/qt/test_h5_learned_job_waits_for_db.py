"""The window's learned job (Ctrl+L, the retrain after reviews) whose batch found the
project database held by another process past the busy timeout failed ("the project
database X is busy ..."); it now waits as the model job does: its row in the Jobs panel
says so (naming the database, no ETA meanwhile), and it goes on and stores every tile's
cards once the lock is released. The lock is held by a real other process; the busy
timeout made short through its setting."""
from __future__ import annotations

import sys
from pathlib import Path

from qthelpers import open_and_index

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
import defectgen  # noqa: E402
from db_holder import Holder  # noqa: E402


def test_the_jobs_panel_row_says_the_learned_job_waits_for_the_database(qtbot, window, tmp_path, monkeypatch):
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.store import engine as eng
    from llmvis_desktop.core.suggest.learned import MODEL_PREFIX
    from llmvis_desktop.qt.workers import STATE_DONE

    monkeypatch.setattr(eng, "SQLITE_BUSY_TIMEOUT_MS", 200)  # (the setting: 15 s)
    folder = tmp_path / "tiles"
    rows = defectgen.write_folder(folder, 7, size=48, kinds=("ok", "scratch", "crack"))  # 6 left to suggest for
    with Project.open(folder) as p:
        p.scan()
        for k in ("ok", "scratch", "crack"):
            p.add_label(k)
        defectgen.review_first(p, rows, 5, actor="alice")  # (5 each: the linear model alone)
    win = window
    project = open_and_index(qtbot, win, folder)
    db = folder.resolve() / ".llmvis" / "project.sqlite"
    holder = Holder(db)
    try:
        win.suggest_ctl.run_learned()
        job = win.suggest_ctl.learned_job
        row = win.panel_ctl.jobs.row(str(job.id))
        qtbot.waitUntil(lambda: row.message_label.toolTip().startswith("waiting ("), timeout=60000)
        said = row.message_label.toolTip()
        assert f" so far) for the project database {db}: another process is writing to it" in said, said
        assert row.eta_label.text() == ""  # no ETA while it waits
        assert job.is_active
    finally:
        holder.release()
    qtbot.waitUntil(lambda: not job.is_active, timeout=60000)
    assert job.state == STATE_DONE, job.error
    unreviewed = [r.id for r in project.images(project.image_ids()) if r.review_status != "reviewed"]
    cards = [(s.image_id, s.kind, s.value) for i in project.image_ids() for s in project.suggestions(i)
             if s.model_id.startswith(MODEL_PREFIX)]
    assert len(set(cards)) == len(cards)  # none twice
    assert {i for i, kind, _ in cards if kind == "label"} == set(unreviewed) and len(unreviewed) == 6
