"""Ctrl+Z of an Enter after a teammate rejected the image meanwhile: the undo is refused
whole (nothing written, Bob's rejection stands), the window says who marked it what and
that the step stays on the undo list, and shows the image as the database has it; Ctrl+Z
again, refused again, takes it off, and the next Ctrl+Z reaches the action before (left on
top for good, the refused step blocked every undo under it). Its retry going through once
Bob takes his rejection back: test_hteam2_undo_retry_window.py."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import enter_then_bob_rejects, open_and_index

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.wording import visible_name

CTRL = Qt.KeyboardModifier.ControlModifier


def _keys(qtbot, win, *keys):
    for k, mod in keys:
        QTest.keyClick(win.grid, k, mod)
        assert win.review.wait_writes(20)


def test_undo_over_a_teammates_rejection_is_refused_and_dropped(qtbot, window, labelled_folder):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    image_id, _ = enter_then_bob_rejects(qtbot, win, labelled_folder, timeout=20000)
    assert win.review.current.id != image_id  # moved on
    with Project.open(labelled_folder) as bob:
        events = [e.action for e in bob.history(image_id)]
    said = []
    win.statusBar().messageChanged.connect(lambda m: m and said.append(m))
    _keys(qtbot, win, (Qt.Key.Key_Z, CTRL))
    qtbot.waitUntil(lambda: any(m.startswith("Not undone") for m in said), timeout=20000)
    assert (win.review.undo_stack.count(), win.review.undo_stack.index()) == (2, 2)  # kept, to try again
    assert said[-1].endswith("refused again, it is taken off."), said
    _keys(qtbot, win, (Qt.Key.Key_Z, CTRL))  # tried again: Bob's rejection still there
    qtbot.waitUntil(lambda: win.review.undo_stack.count() == 1, timeout=20000)
    with Project.open(labelled_folder) as p:
        rec = p.image(image_id)
        assert (rec.review_status, rec.labels) == ("rejected", ("scratch",))  # Bob's decision stands
        assert [e.action for e in p.history(image_id)] == events  # nothing written
    last = win.statusBar().currentMessage()
    name = visible_name(win.model.record(image_id).relpath)
    assert last.startswith(f"Not undone: Mark reviewed ({name}) \u2014 bob marked this image rejected"), said
    assert "Nothing was changed" in last and "Refused again: it is taken off the undo list" in last, said
    qtbot.waitUntil(lambda: win.review.current is not None and win.review.current.id == image_id
                    and win.review.current.review_status == "rejected", timeout=20000)
    assert not win.review.undo_stack.canRedo()  # nothing to redo: the Enter still stands
    # the label key before it is still reachable: its undo touches no status nor card
    _keys(qtbot, win, (Qt.Key.Key_Z, CTRL))
    qtbot.waitUntil(lambda: win.review.undo_stack.index() == 0, timeout=20000)
    with Project.open(labelled_folder) as p:
        rec = p.image(image_id)
        assert (rec.review_status, rec.labels) == ("rejected", ())
    assert win.statusBar().currentMessage().startswith("Undone: Add label scratch"), said
