"""The repair dialog's Accept whose record found the project database held by another
process past the busy timeout said "Not saved: ... busy" and took its files back. Its save
job now waits for the lock (core: the record through db_wait), its progress (what the
Jobs panel's row shows) saying so and naming the database, and saves once it is free; a
Cancel of the job while it waits stops it, nothing kept, the repair still in the dialog."""
import sys
from pathlib import Path

from repair_dialog_helpers import (
    brick_project_fixture,  # noqa: F401 - the brick_project fixture
    telea_preview,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from db_holder import Holder  # noqa: E402


def _waiting_said(dlg) -> str:
    job = dlg._save_job
    p = job.last_progress if job is not None else None
    return p.message if p is not None and getattr(p, "waiting", False) else ""


def test_the_save_job_says_it_waits_for_the_database_then_saves(qtbot, brick_project, monkeypatch):
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.store import engine as eng

    monkeypatch.setattr(eng, "SQLITE_BUSY_TIMEOUT_MS", 200)
    db = brick_project.resolve() / ".llmvis" / "project.sqlite"
    with Project.open(brick_project) as p:
        dlg = telea_preview(qtbot, brick_project / "brick.png", p, actor="tester")
        got: list = []
        dlg.repaired.connect(got.append)
        with Holder(db) as holder:
            dlg.save_repair()
            qtbot.waitUntil(lambda: bool(_waiting_said(dlg)), timeout=20000)
            said = _waiting_said(dlg)
            assert f"for the project database {db}" in said and dlg.saving, said
            qtbot.wait(1200)
            job = dlg._save_job
            holder.release()
        qtbot.waitUntil(lambda: not dlg.saving, timeout=20000)
        assert got and got[0].repair_id is not None and got[0].waited_s >= 1, dlg.status.text()
        # the row's end ("done: ...") says the wait, in the CLI's words
        assert job.done_text.startswith("the job waited ") and str(db) in job.done_text, job.done_text
        assert len(p.repairs(p.image_by_path("brick.png").id)) == 1


def test_a_cancel_of_the_waiting_save_keeps_nothing_and_keeps_the_repair(qtbot, brick_project, monkeypatch):
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.store import engine as eng

    monkeypatch.setattr(eng, "SQLITE_BUSY_TIMEOUT_MS", 200)
    db = brick_project.resolve() / ".llmvis" / "project.sqlite"
    with Project.open(brick_project) as p:
        dlg = telea_preview(qtbot, brick_project / "brick.png", p, actor="tester")
        with Holder(db):
            dlg.save_repair()
            qtbot.waitUntil(lambda: bool(_waiting_said(dlg)), timeout=20000)
            dlg._save_job.cancel()
            qtbot.waitUntil(lambda: not dlg.saving, timeout=5000)  # within about a second
        assert "cancelled" in dlg.status.text() and dlg.accept_btn.isEnabled() and "telea" in dlg.results
        assert not p.repairs(p.image_by_path("brick.png").id)
        assert not [f for f in (brick_project / "repaired").rglob("*") if f.is_file()]
