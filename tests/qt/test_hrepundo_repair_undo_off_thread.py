"""Undo and redo of an accepted repair are written on the review writer's thread, as the
review's own undo is: on a team's PostgreSQL 25 ms away, unlink/relink on the GUI thread
(3 statements) froze the window ~270-300 ms a key, and a teammate's SQLite write lock
froze it the batch jobs' 15 s. The undo stack moves only once the write has committed:
refused (a lock, the server gone, the repaired file deleted), it stays where it was, the
status bar names the image and says why, and the grid shows the image as stored.

The writes are held by a gate on the writer (``ReviewWriter.before_write``), so a test
sees the window while one is under way; every wait is on a signal or an event."""
from __future__ import annotations

import shutil
import sqlite3
import threading
from types import SimpleNamespace

import pytest
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import event

from qthelpers import make_images, open_and_index

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import engine as store_engine
from llmvis_desktop.core.store import models as m
from llmvis_desktop.core.wording import visible_name
from llmvis_desktop.qt import review_writes


@pytest.fixture
def gui_statements():
    """The SQL statements run on the GUI thread of a project's engine, once ``watch(project)``."""
    class Seen(list):
        pass

    seen = Seen()
    watched = []

    def record(conn, cursor, statement, *_):
        if threading.current_thread() is threading.main_thread():
            import traceback; seen.append(" ".join(statement.split()[:4]) + " @ " + " < ".join(f"{f.name}:{f.lineno}" for f in traceback.extract_stack()[::-1] if "llmvis_desktop" in f.filename or "tests" in f.filename))

    def watch(project):
        event.listen(project.store.engine, "before_cursor_execute", record)
        watched.append(project.store.engine)

    seen.watch = watch
    yield seen
    for eng in watched:
        event.remove(eng, "before_cursor_execute", record)


@pytest.fixture
def no_wait(monkeypatch):
    """The window never waits for a write (as on a database server)."""
    monkeypatch.setattr(review_writes, "WRITE_WAIT_S", 0.0)
    monkeypatch.setattr(review_writes, "WRITE_WAIT_SERVER_S", 0.0)


def _repaired(qtbot, win, k=0):
    """A repair of the current image recorded and accepted as the repair dialog does (its
    ``repaired`` signal): on the undo stack, the grid's has-repair mark shown."""
    project = win.project
    cur = win.review.current.id
    src = project.root / win.review.current.relpath
    out = project.root / f"rep{k}.png"
    mask = project.root / f"rep{k}.mask.png"
    shutil.copy(src, out)
    shutil.copy(src, mask)
    rec = project.add_repair(cur, mask_path=str(mask), output_path=str(out), engine="telea", actor="tester")
    win.panel_ctl._repaired(SimpleNamespace(repair_id=rec.id, output_path=out, mask_path=mask),
                            project=project, image_id=cur)
    qtbot.waitUntil(lambda: win.model.record(cur).has_repair, timeout=10000)
    assert win.review.undo_stack.canUndo() and "Repair" in win.review.undo_stack.undoText()
    return cur, rec.id, out


def _shown_repaired(win, image_id):
    """The has-repair mark the window shows for ``image_id`` (the panels' record, the
    grid's row once painted), read from memory only: None while the grid's row is not
    fetched yet, or is being read again (drawn as it was meanwhile: refresh_all); it is
    fetched off the GUI thread."""
    row = win.model.row_of(image_id)
    cached = win.model.cached_record(row) if row is not None else None  # (asks for a stale row again)
    if win.model.held_record(image_id) is None:
        cached = None
    if cached is None or win.review.current is None or win.review.current.id != image_id:
        return None
    return cached.has_repair if cached.has_repair == win.review.current.has_repair else "differ"


def _unlinked(project, repair_id) -> bool:
    """Read by a connection of the test's own (``Project.open``), never the window's."""
    with Project.open(project.root) as mate, mate.store.read() as s:
        return s.get(m.Repair, repair_id).unlinked_at is not None


def _history(project, image_id) -> list:
    with Project.open(project.root) as mate:
        return [e.action for e in mate.history(image_id)]


def _open(qtbot, window, tmp_path, monkeypatch, answer="No"):
    make_images(tmp_path / "imgs", n=3)
    project = open_and_index(qtbot, window, tmp_path / "imgs")
    window.grid.select_row(0)
    qtbot.waitUntil(lambda: window.review.current is not None, timeout=5000)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: getattr(QMessageBox.StandardButton, answer))
    return project


def test_repair_undo_and_redo_write_off_the_gui_thread(qtbot, window, tmp_path, monkeypatch, no_wait,
                                                       gui_statements):
    project = _open(qtbot, window, tmp_path, monkeypatch)
    cur, rid, out = _repaired(qtbot, window)
    stack, writer = window.review.undo_stack, window.review._writer
    gate = threading.Event()
    writer.before_write = lambda w: gate.wait(20)
    gui_statements.watch(project)

    window.review.undo()  # returns while the write is held: the window moved on at once
    assert not _unlinked(project, rid) and stack.index() == 1  # nothing yet; the stack waits for it
    with qtbot.waitSignal(stack.indexChanged, timeout=20000):
        gate.set()
    assert _unlinked(project, rid) and stack.index() == 0 and stack.canRedo()
    assert out.is_file()  # "No": the repaired file is kept
    assert window.statusBar().currentMessage().startswith("Undone: Repair")
    qtbot.waitUntil(lambda: _shown_repaired(window, cur) is False, timeout=10000)  # the mark follows

    gate.clear()
    window.review.redo()
    assert _unlinked(project, rid) and stack.index() == 0
    with qtbot.waitSignal(stack.indexChanged, timeout=20000):
        gate.set()
    assert not _unlinked(project, rid) and stack.index() == 1
    assert _history(project, cur) == ["repair", "unrepair", "rerepair"]
    qtbot.waitUntil(lambda: _shown_repaired(window, cur) is True, timeout=10000)
    assert gui_statements == [], gui_statements  # unlink and relink ran on the writer's thread


def test_refused_repair_undo_leaves_the_stack_and_names_the_image(qtbot, window, tmp_path, monkeypatch,
                                                                  gui_statements):
    """A teammate's write lock (here another connection's BEGIN IMMEDIATE on the SQLite
    file): the undo waits the window's short wait on the writer, then is refused; the
    stack stays (Ctrl+Z undoes the repair once the lock is gone), the status bar names the
    image and says why, the grid still shows the repair that is stored."""
    monkeypatch.setattr(store_engine, "INTERACTIVE_WAIT_MS", 200)
    project = _open(qtbot, window, tmp_path, monkeypatch)
    cur, rid, out = _repaired(qtbot, window)
    name = visible_name(window.model.record(cur).relpath)
    stack = window.review.undo_stack
    gui_statements.watch(project)
    lock = sqlite3.connect(project.root / ".llmvis" / "project.sqlite", isolation_level=None)
    try:
        lock.execute("BEGIN IMMEDIATE")
        window.review.undo()  # (tests/qt wait for the write's end: it is handled here)
        lock.execute("ROLLBACK")
    finally:
        lock.close()
    assert not _unlinked(project, rid)
    assert stack.index() == 1 and stack.canUndo() and not stack.canRedo()
    said = window.statusBar().currentMessage()
    assert name in said and "not undone" in said and "locked" in said, said
    qtbot.waitUntil(lambda: _shown_repaired(window, cur) is not None, timeout=10000)  # (read again)
    assert _shown_repaired(window, cur) is True  # as stored: still repaired
    assert gui_statements == [], gui_statements

    with qtbot.waitSignal(stack.indexChanged, timeout=20000):
        window.review.undo()  # the lock is gone: the same Ctrl+Z now undoes it
    assert _unlinked(project, rid) and stack.index() == 0


def test_redo_refused_when_the_repaired_file_is_gone_keeps_the_stack_undone(qtbot, window, tmp_path,
                                                                            monkeypatch):
    """Redo of a repair whose file was deleted since: refused. The stack moved anyway
    ("Redone: Repair" on the status bar over the refusal) while the database kept the
    repair unlinked, and the next Ctrl+Z was an "Undone" that undid nothing."""
    project = _open(qtbot, window, tmp_path, monkeypatch)
    cur, rid, out = _repaired(qtbot, window)
    name = visible_name(window.model.record(cur).relpath)
    stack = window.review.undo_stack
    window.review.undo()
    assert _unlinked(project, rid) and stack.index() == 0
    out.unlink()  # deleted by hand meanwhile
    window.review.redo()
    assert _unlinked(project, rid)
    assert stack.index() == 0 and stack.canRedo() and not stack.canUndo()  # as stored: undone
    said = window.statusBar().currentMessage()
    assert name in said and "not redone" in said and "gone" in said, said
    qtbot.waitUntil(lambda: _shown_repaired(window, cur) is not None, timeout=10000)
    assert _shown_repaired(window, cur) is False


def test_undo_of_a_repair_a_teammate_unlinked_meanwhile_moves_the_stack(qtbot, window, tmp_path, monkeypatch):
    """The repair was unlinked by someone else since (the team's database): the undo has
    nothing left to write; the stack moves to match what is stored and says so, and a redo
    relinks it."""
    project = _open(qtbot, window, tmp_path, monkeypatch)
    cur, rid, out = _repaired(qtbot, window)
    with Project.open(project.root) as mate:
        mate.unlink_repair(rid, "bob")
    stack = window.review.undo_stack
    window.review.undo()
    assert stack.index() == 0 and stack.canRedo()
    assert "already" in window.statusBar().currentMessage()
    assert _history(project, cur) == ["repair", "unrepair"]  # bob's; none of ours
    qtbot.waitUntil(lambda: _shown_repaired(window, cur) is False, timeout=10000)
    window.review.redo()
    assert not _unlinked(project, rid) and stack.index() == 1
