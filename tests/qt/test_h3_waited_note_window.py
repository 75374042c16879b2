"""The window's jobs that waited for the project database another process held (the model
job, the learned job, the index) ended saying nothing of the wait: `llmvis suggest` (and
`--learned`) end with "the job waited X in all for the project database ..., which another
writer held". Their end in the window now says it too, in the same words
(:func:`llmvis_desktop.core.store.db_wait.waited_note`): the Jobs panel's done line and the
status bar. The lock is held by a real other process; the busy timeout made short through
its setting, and released once the job has waited over a second (so it is said)."""
from __future__ import annotations

import sys
from pathlib import Path

from qthelpers import open_and_index, set_setting

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from db_holder import Holder


def _note_of(db) -> str:
    return f" in all for the project database {db}, which another writer held"


def _waited_over_a_second(qtbot, row) -> None:
    """The row says the job waits, and has waited past "0 s so far" (the note is said from 1 s)."""
    def said() -> bool:
        tip = row.message_label.toolTip()
        return tip.startswith("waiting (") and not tip.startswith("waiting (0 s")

    qtbot.waitUntil(said, timeout=30000)


def _ends_with_the_note(qtbot, win, job, db, shot: str = "") -> str:
    from llmvis_desktop.qt.workers import STATE_DONE

    qtbot.waitUntil(lambda: not job.is_active, timeout=60000)
    assert job.state == STATE_DONE, job.error
    row = win.panel_ctl.jobs.row(str(job.id))
    qtbot.waitUntil(lambda: getattr(row, "finished", False), timeout=10000)
    line = row.done_label.toolTip()  # the done line's whole message
    assert line.startswith("done: ") and "; the job waited " in line and _note_of(db) in line, line
    assert line.count("the job waited ") == 1, line  # said once (the model job's notes had it already)
    qtbot.waitUntil(lambda: _note_of(db) in win.statusBar().currentMessage(), timeout=10000)
    if shot:
        win.grab().save(shot)
    return line


def test_the_model_job_that_waited_says_so_at_its_end(qtbot, window, tmp_path, monkeypatch):
    import tiny_models

    from llmvis_desktop.core.store import engine as eng

    monkeypatch.setattr(eng, "SQLITE_BUSY_TIMEOUT_MS", 200)  # (the setting: 15 s)
    folder = tiny_models.image_folder(tmp_path / "imgs", 4)
    blip = tiny_models.build_blip(tmp_path / "blip")
    win = window
    open_and_index(qtbot, win, folder)
    set_setting(win, "captioner", str(blip))
    db = folder.resolve() / ".llmvis" / "project.sqlite"
    holder = Holder(db)
    try:
        win.suggest_ctl.run_models("unsuggested")
        job = win.suggest_ctl.models_job
        _waited_over_a_second(qtbot, win.panel_ctl.jobs.row(str(job.id)))
    finally:
        holder.release()
    _ends_with_the_note(qtbot, win, job, db)
    assert win.statusBar().currentMessage().startswith("Model suggestions: ")


def test_the_learned_job_that_waited_says_so_at_its_end(qtbot, window, tmp_path, monkeypatch):
    import defectgen

    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.store import engine as eng

    monkeypatch.setattr(eng, "SQLITE_BUSY_TIMEOUT_MS", 200)
    folder = tmp_path / "tiles"
    rows = defectgen.write_folder(folder, 7, size=48, kinds=("ok", "scratch", "crack"))
    with Project.open(folder) as p:
        p.scan()
        for k in ("ok", "scratch", "crack"):
            p.add_label(k)
        defectgen.review_first(p, rows, 5, actor="alice")
    win = window
    open_and_index(qtbot, win, folder)
    db = folder.resolve() / ".llmvis" / "project.sqlite"
    holder = Holder(db)
    try:
        win.suggest_ctl.run_learned()
        job = win.suggest_ctl.learned_job
        _waited_over_a_second(qtbot, win.panel_ctl.jobs.row(str(job.id)))
    finally:
        holder.release()
    line = _ends_with_the_note(qtbot, win, job, db)
    assert " new suggestion" in line, line  # (what it made, then the wait)


def test_the_index_that_waited_says_so_at_its_end(qtbot, window, image_folder, monkeypatch):
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.store import engine as eng

    with Project.open(image_folder) as p:
        p.index()
    (image_folder / "a" / "img_000.png").rename(image_folder / "new.png")  # the index has something to write
    db = image_folder.resolve() / ".llmvis" / "project.sqlite"
    monkeypatch.setattr(eng, "SQLITE_BUSY_TIMEOUT_MS", 300)
    win = window
    holder = Holder(db)
    try:
        with qtbot.waitSignal(win.index_finished, timeout=60000) as ended:
            assert win.open_project(image_folder)
            qtbot.waitUntil(lambda: win.index_job is not None, timeout=30000)
            job = win.index_job
            _waited_over_a_second(qtbot, win.panel_ctl.jobs.row(str(job.id)))
            holder.release()
    finally:
        holder.release()
    assert not isinstance(ended.args[0], BaseException), ended.args
    assert ended.args[0].waited_s >= 1
    _ends_with_the_note(qtbot, win, job, db)
    assert win.statusBar().currentMessage().startswith("Index images: "), win.statusBar().currentMessage()
