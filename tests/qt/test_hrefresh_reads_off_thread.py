"""An image changed elsewhere is read again off the GUI thread (the team watch's look
overtaken by a change made here, a refused review write), and shown when the read lands.

The team watch's "Refresh" of the image on screen (``ReviewController.show_from_database``)
read its record on the GUI thread: ~320 ms a teammate's change on a team's PostgreSQL 25 ms
away (/tmp/hunt-hrefresh/measure.py --db pg). A refused label write read the image back
there too; with the server gone that read failed as well, and the chip stayed lit for a
label that was never stored."""
from __future__ import annotations

import threading

import psycopg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy.exc import OperationalError

from qthelpers import open_and_index

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.engine import Busy
from llmvis_desktop.core.wording import visible_name
from llmvis_desktop.qt import image_reads, review_writes


def _gui_statements(project) -> list:
    """The statements run on the GUI thread from now on (SQLAlchemy's cursor events)."""
    from sqlalchemy import event

    seen: list = []

    def record(conn, _cursor, statement, *_):
        if threading.current_thread() is threading.main_thread():
            seen.append(" ".join(statement.split()[:4]))

    event.listen(project.store.engine, "before_cursor_execute", record)
    return seen


def _watching(qtbot, win):
    watch = win.team_watch
    watch.timer.stop()  # looks asked for by the test only
    qtbot.waitUntil(lambda: watch._last is not None and not watch._looking, timeout=10000)
    return watch


def test_a_teammates_change_after_an_overtaken_look_is_read_off_the_gui_thread(qtbot, window, labelled_folder):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    watch = _watching(qtbot, win)
    cur = win.review.current
    with Project.open(labelled_folder) as bob:
        ra.toggle_label(bob, cur.id, "scratch", "bob", on=True)
        ra.set_caption(bob, cur.id, "a scratch, seen by bob", "bob")
    statements = _gui_statements(project)
    said = []
    win.statusBar().messageChanged.connect(said.append)
    with qtbot.waitSignal(win.panel_ctl.image_reads.landed, timeout=10000):
        watch.poll()
        win.model.update_records([])  # this window changed a row meanwhile: the look's reads are stale
    # (the status line and the panels may follow the reads' landing by a turn of the event loop)
    qtbot.waitUntil(lambda: any("bob changed 1 image" in m for m in said)
                    and win.review.current.labels == ("scratch",), timeout=5000)
    chip = win.panel_ctl.labels.chip("scratch")
    assert win.review.current.labels == ("scratch",) and chip.isChecked()
    # the row as the grid draws it (record() reads a window still being read again, here)
    assert win.model.drawn_record(cur.id).labels == ("scratch",)
    assert win.panel_ctl.caption.text() == "a scratch, seen by bob"
    assert statements == []


def test_an_image_left_before_its_read_lands_updates_its_row_only(qtbot, window, labelled_folder, monkeypatch):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    first = win.review.current.id
    with Project.open(labelled_folder) as bob:
        ra.toggle_label(bob, first, "dent", "bob", on=True)
    held, entered = threading.Event(), threading.Event()
    real = image_reads.read_images

    def slow(*args):
        entered.set()
        held.wait(20)
        return real(*args)

    monkeypatch.setattr(image_reads, "read_images", slow)
    win.review.show_from_database(first)
    assert entered.wait(20)
    assert win.review.current.labels == ()  # not yet: read off the GUI thread
    win.review.next()  # the reviewer goes on meanwhile
    second = win.review.current.id
    with qtbot.waitSignal(win.panel_ctl.image_reads.landed, timeout=10000):
        held.set()
    assert win.review.current.id == second  # not taken back
    assert win.model.record(first).labels == ("dent",)
    assert not win.panel_ctl.labels.chip("dent").isChecked()


@pytest.fixture
def held_writes(monkeypatch):
    """Label writes wait for ``gate.set()`` and then raise ``box[0]`` (the window never
    waits for them, as on a server)."""
    gate, box = threading.Event(), [None]
    real = ra.toggle_label

    def held(*args, **kwargs):
        gate.wait(20)
        if box[0] is not None:
            raise box[0]
        return real(*args, **kwargs)

    monkeypatch.setattr(ra, "toggle_label", held)
    monkeypatch.setattr(review_writes, "WRITE_WAIT_S", 0.0)
    monkeypatch.setattr(review_writes, "WRITE_WAIT_SERVER_S", 0.0)
    yield gate, box
    gate.set()


def _click_chip(qtbot, win, name):
    chip = win.panel_ctl.labels.chip(name)
    QTest.mouseClick(chip, Qt.MouseButton.LeftButton)
    return chip


def test_a_refused_chip_lights_off_names_the_image_and_reads_nothing_on_the_gui_thread(
        qtbot, window, labelled_folder, held_writes):
    gate, box = held_writes
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current
    errors = []
    win.review.error.connect(errors.append)
    chip = _click_chip(qtbot, win, "scratch")
    assert chip.isChecked() and win.review.current.labels == ("scratch",)  # at once, the write held
    statements = _gui_statements(project)
    box[0] = Busy("carol is changing this image right now. Nothing was changed; try again in a moment")
    with qtbot.waitSignal(win.panel_ctl.image_reads.landed, timeout=10000):
        gate.set()
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)  # (the refusal may follow the landing by a turn)
    assert visible_name(cur.relpath) in errors[-1] and "carol" in errors[-1]
    assert not chip.isChecked() and win.review.current.labels == ()
    assert win.model.drawn_record(cur.id).labels == ()  # (as drawn: record() may read, see above)
    assert win.review.undo_stack.count() == 0
    assert statements == []


def test_a_chip_refused_by_a_server_gone_away_lights_off_at_once(qtbot, window, labelled_folder, held_writes,
                                                                 monkeypatch):
    gate, box = held_writes
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current
    errors = []
    win.review.error.connect(errors.append)
    chip = _click_chip(qtbot, win, "dent")
    assert chip.isChecked()
    gone = OperationalError(None, None, psycopg.OperationalError("server closed the connection unexpectedly"))

    def unreachable(*_a, **_k):
        raise gone

    box[0] = gone
    monkeypatch.setattr(project, "images", unreachable)  # nothing can be read back either
    monkeypatch.setattr(project, "suggestion_cards", unreachable)
    with qtbot.waitSignal(win.review._writer.finished, timeout=10000):
        gate.set()
    qtbot.waitUntil(lambda: bool(errors), timeout=10000)
    assert visible_name(cur.relpath) in errors[-1] and "cannot be reached" in errors[-1]
    assert not chip.isChecked() and win.review.current.labels == ()  # the label was never stored
