"""Keyboard review on the real window; every step checked against the database."""
from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion


def key(win, k, mod=Qt.KeyboardModifier.NoModifier):
    QTest.keyClick(win.grid, k, mod)


def db(folder):
    return Project.open(folder)


def actions(p, image_id):
    return [e.action for e in p.history(image_id)]


def test_keyboard_review_with_undo_redo(qtbot, window, labelled_folder):
    open_and_index(qtbot, window, labelled_folder)
    win = window
    win.grid.setFocus()
    first = win.review.current
    assert first is not None and win.model.row_of(first.id) == 0

    # navigate: Right, J next; Left, K back
    key(win, Qt.Key.Key_Right)
    key(win, Qt.Key.Key_J)
    assert win.model.row_of(win.review.current.id) == 2
    key(win, Qt.Key.Key_Left)
    key(win, Qt.Key.Key_K)
    assert win.review.current.id == first.id

    # 1 and 3 toggle labels (taxonomy order: scratch, dent, crack, ok)
    key(win, Qt.Key.Key_1)
    key(win, Qt.Key.Key_3)
    with db(labelled_folder) as p:
        assert p.image(first.id).labels == ("crack", "scratch") or set(p.image(first.id).labels) == {"scratch", "crack"}
        assert actions(p, first.id) == ["labels", "labels"]
        assert p.history(first.id)[0].actor == "tester"
    assert set(win.review.current.labels) == {"scratch", "crack"}

    # caption through the caption editor: F2, type, Ctrl+Enter
    key(win, Qt.Key.Key_F2)
    editor = win.panel_ctl.caption
    assert editor is not None
    qtbot.waitUntil(lambda: editor.hasFocus() or editor.isAncestorOf(win.focusWidget() or win))
    editor_input = win.focusWidget()
    QTest.keyClicks(editor_input, "a scratched plate 1")  # digits typed are text, not label keys
    QTest.keyClick(editor_input, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    with db(labelled_folder) as p:
        assert p.image(first.id).caption == "a scratched plate 1"
        assert set(p.image(first.id).labels) == {"scratch", "crack"}
        assert actions(p, first.id)[-1] == "caption"

    # Enter: accept -> reviewed, moves to the next image
    win.grid.setFocus()
    key(win, Qt.Key.Key_Return)
    second = win.review.current
    assert win.model.row_of(second.id) == 1
    with db(labelled_folder) as p:
        assert p.image(first.id).status == "reviewed"

    # Delete: reject -> rejected, next
    key(win, Qt.Key.Key_Delete)
    assert win.model.row_of(win.review.current.id) == 2
    with db(labelled_folder) as p:
        assert p.image(second.id).status == "rejected"

    # undo x2: second back to new, first back to new (history records the undo)
    key(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    with db(labelled_folder) as p:
        assert p.image(second.id).status == "new"
        assert actions(p, second.id)[-1] == "undo:status"
    assert win.review.current.id == second.id  # undo shows the image it changed
    key(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    with db(labelled_folder) as p:
        assert p.image(first.id).status == "new"
        assert p.image(first.id).caption == "a scratched plate 1"
    # undo the caption and one label
    key(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    key(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    with db(labelled_folder) as p:
        rec = p.image(first.id)
        assert rec.caption is None and rec.labels == ("scratch",)
    # redo both
    key(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    key(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    with db(labelled_folder) as p:
        rec = p.image(first.id)
        assert rec.caption == "a scratched plate 1" and set(rec.labels) == {"scratch", "crack"}
        acts = actions(p, first.id)
        assert acts[-2:] == ["redo:labels", "redo:caption"]
        assert "undo:caption" in acts and "undo:labels" in acts
    # the grid shows it too
    assert win.model.record(first.id).caption == "a scratched plate 1"
    # the history panel shows the current image's events
    win.grid.select_row(win.model.row_of(first.id))
    assert win.panel_ctl.history.placeholder.text().startswith("Loading")  # not another image's trail
    qtbot.waitUntil(lambda: len(win.panel_ctl.history.entries()) == len(acts), timeout=10000)


def test_accept_takes_pending_suggestions(qtbot, window, labelled_folder):
    project = open_and_index(qtbot, window, labelled_folder)
    win = window
    rec = win.review.current
    project.add_suggestions([
        NewSuggestion(rec.id, "caption", "a dented part", "model:test", score=0.4),
        NewSuggestion(rec.id, "caption", "a dent on a plate", "model:test", score=0.9),
        NewSuggestion(rec.id, "label", "dent", "model:test", score=0.8),
    ])
    win.review._refresh(rec.id)
    key(win, Qt.Key.Key_Return)
    with db(labelled_folder) as p:
        r = p.image(rec.id)
        assert r.caption == "a dent on a plate" and r.labels == ("dent",) and r.status == "reviewed"
        outcomes = {s.value: s.outcome for s in p.suggestions(rec.id)}
        assert outcomes == {"a dented part": "pending", "a dent on a plate": "accepted", "dent": "accepted"}
        ev = p.history(rec.id)
        assert any(e.suggestion_id is not None and e.action == "caption" for e in ev)
    # undo restores the annotation and the suggestions' outcomes in one step
    key(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    with db(labelled_folder) as p:
        r = p.image(rec.id)
        assert r.caption is None and r.labels == () and r.review_status == "suggested"
        assert {s.outcome for s in p.suggestions(rec.id)} == {"pending"}
        sids = [s.id for s in p.suggestions(rec.id)]
    win.panel_ctl.flush_history()
    panel = win.panel_ctl.suggestions
    qtbot.waitUntil(lambda: all(panel.card(i) is not None and panel.card(i).pending for i in sids), timeout=10000)
    # accepting again takes them again (it used to find nothing pending: reviewed, empty)
    key(win, Qt.Key.Key_Return)
    with db(labelled_folder) as p:
        r = p.image(rec.id)
        assert r.caption == "a dent on a plate" and r.labels == ("dent",) and r.status == "reviewed"


def test_a_rejected_card_is_its_own_undo_step(qtbot, window, labelled_folder):
    """Rejecting one card changed no caption, label or status, so it got no undo step,
    and Ctrl+Z undid the previous action, on another image."""
    project = open_and_index(qtbot, window, labelled_folder)
    win = window
    first = win.review.current
    win.review.set_caption("mine")
    second_id = project.image_ids()[1]
    (sid,) = project.add_suggestions([NewSuggestion(second_id, "caption", "a crack", "model:test", score=0.5)])
    win.grid.select_row(win.model.row_of(second_id))
    qtbot.waitUntil(lambda: win.review.current is not None and win.review.current.id == second_id, timeout=10000)
    assert win.review.decide_suggestion(sid, "rejected")
    with db(labelled_folder) as p:
        assert p.suggestions(second_id)[0].outcome == "rejected"
    assert win.review.undo_stack.count() == 2
    win.review.undo_stack.undo()
    with db(labelled_folder) as p:
        assert p.suggestions(second_id)[0].outcome == "pending"
        assert p.image(first.id).caption == "mine"  # the earlier action on the other image stays


def test_next_unreviewed_and_filter(qtbot, window, labelled_folder):
    open_and_index(qtbot, window, labelled_folder)
    win = window
    key(win, Qt.Key.Key_Return)  # 0 reviewed
    key(win, Qt.Key.Key_Return)  # 1 reviewed
    win.grid.select_row(0)
    key(win, Qt.Key.Key_N)
    assert win.model.row_of(win.review.current.id) == 2
    # filter: reviewed only (SQL), then text filter on path
    fb = win.filter_bar
    fb.status.setCurrentIndex(fb.status.findText("Reviewed"))  # queried off the GUI thread
    qtbot.waitUntil(lambda: win.model.rowCount() == 2, timeout=10000)
    fb.status.setCurrentIndex(fb.status.findText("Unreviewed"))
    qtbot.waitUntil(lambda: win.model.rowCount() == 10, timeout=10000)
    fb.status.setCurrentIndex(0)
    fb.text.setText("img_003")
    qtbot.waitUntil(lambda: win.model.rowCount() == 1, timeout=10000)
    # typing in the filter box never triggers the single-key shortcuts
    fb.text.setFocus()
    QTest.keyClicks(fb.text, "1")
    with db(labelled_folder) as p:
        assert all(not r.labels for r in p.images(p.image_ids()))
    fb.text.clear()
    fb.label.setCurrentIndex(fb.label.findData("scratch"))
    qtbot.waitUntil(lambda: win.model.rowCount() == 0, timeout=10000)


def test_locked_database_keeps_undo_consistent(qtbot, window, labelled_folder, monkeypatch):
    project = open_and_index(qtbot, window, labelled_folder)
    win = window
    key(win, Qt.Key.Key_1)
    assert win.review.undo_stack.count() == 1
    rec_id = win.review.current.id
    # another program holds the write lock
    other = sqlite3.connect(str(project.db_url[len("sqlite:///"):]), timeout=0.1)
    other.execute("BEGIN IMMEDIATE")
    # make this test fast: a short busy timeout on the window's connections
    from sqlalchemy import event

    @event.listens_for(project.store.engine, "connect")
    def _short(conn, _r):
        conn.execute("PRAGMA busy_timeout=100")

    project.store.engine.dispose()
    errors = []
    win.review.error.connect(errors.append)
    key(win, Qt.Key.Key_2)  # fails: locked
    assert errors and "locked" in errors[-1]
    assert win.review.undo_stack.count() == 1
    key(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # fails too: stack does not move
    assert win.review.undo_stack.index() == 1
    other.rollback()
    other.close()
    key(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert win.review.undo_stack.index() == 0
    with db(labelled_folder) as p:
        assert p.image(rec_id).labels == ()


def test_undo_leaves_another_reviewers_changes_alone(qtbot, window, labelled_folder):
    """Undo wrote this window's whole snapshot back: a teammate's caption, label and status,
    made on the same image meanwhile, were wiped."""
    from llmvis_desktop.core import review_actions as ra

    open_and_index(qtbot, window, labelled_folder)
    win = window
    rec = win.review.current
    win.review.toggle_label("scratch")
    with db(labelled_folder) as other:  # a teammate, through their own connection
        ra.set_caption(other, rec.id, "bob: crack near the weld", "bob")
        ra.toggle_label(other, rec.id, "dent", "bob")
        ra.set_status(other, rec.id, "reviewed", "bob")
    win.review.undo()
    with db(labelled_folder) as p:
        r = p.image(rec.id)
        assert r.labels == ("dent",) and r.caption == "bob: crack near the weld" and r.review_status == "reviewed"


def test_a_caption_that_could_not_be_saved_stays_typed_and_unsaved(qtbot, window, labelled_folder, monkeypatch):
    """With the database unreachable, a saved caption looked saved (no 'unsaved' mark) but
    was not stored, so moving on never tried again."""
    from llmvis_desktop.core import review_actions as ra

    open_and_index(qtbot, window, labelled_folder)
    win = window
    rec = win.review.current
    editor = win.panel_ctl.caption

    def unreachable(*_a, **_k):
        raise OSError("connection to server failed: Connection refused")

    monkeypatch.setattr(ra, "set_caption", unreachable)
    editor.edit.setPlainText("typed during the outage")
    assert editor.commit()
    assert editor.text() == "typed during the outage" and editor.is_dirty()
    monkeypatch.undo()
    assert editor.commit()  # tried again once the database answers
    with db(labelled_folder) as p:
        assert p.image(rec.id).caption == "typed during the outage"


def _typing(qtbot, win, text):
    win.grid.setFocus()
    key(win, Qt.Key.Key_F2)
    edit = win.panel_ctl.caption.edit
    qtbot.waitUntil(edit.hasFocus)
    QTest.keyClicks(edit, text)
    return edit


def test_a_caption_being_typed_survives_a_requery(qtbot, window, labelled_folder):
    """A finished job re-queries the grid (the images reviewed meanwhile leave the
    "Unreviewed" view): the half-typed caption was saved as its own step and the editor
    refilled with the cursor at the start ('near the edgea scratch')."""
    win = window
    open_and_index(qtbot, win, labelled_folder)
    fb = win.filter_bar
    # the "Unreviewed" view landed (was a 200 ms wait: under load the Enters below could
    # act on the unfiltered grid and the query's arrival move the current row under them)
    with qtbot.waitSignal(win.query_loader.done, timeout=10000,
                          check_params_cb=lambda result, error: error is None and result[1][0] is not None
                          and bool(result[1][0].statuses)):
        fb.status.setCurrentIndex(fb.status.findText("Unreviewed"))
    qtbot.waitUntil(lambda: win.review.current is not None, timeout=5000)
    win.grid.setFocus()
    key(win, Qt.Key.Key_Return)
    key(win, Qt.Key.Key_Return)
    cur = win.review.current.id
    rows = win.model.rowCount()
    edit = _typing(qtbot, win, "a scratch")
    win.panel_ctl.refresh_after_bulk()  # what a finished job does
    qtbot.waitUntil(lambda: win.model.rowCount() == rows - 2, timeout=5000)
    qtbot.wait(100)
    assert edit.hasFocus() and not edit.isReadOnly()
    QTest.keyClicks(edit, " near the edge")
    QTest.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    with db(labelled_folder) as p:
        assert p.image(cur).caption == "a scratch near the edge"
        assert actions(p, cur) == ["caption"]


def test_a_caption_being_typed_is_saved_when_the_project_or_window_closes(qtbot, window, labelled_folder,
                                                                          tmp_path):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    _typing(qtbot, win, "typed, then another folder opened")
    other = tmp_path / "other"
    other.mkdir()
    from PIL import Image

    Image.new("RGB", (16, 16)).save(other / "x.png")
    open_and_index(qtbot, win, other)
    with db(labelled_folder) as p:
        assert p.image(cur).caption == "typed, then another folder opened"
    with db(other) as p:
        assert not any(p.image(i).caption for i in p.image_ids())
    cur2 = win.review.current.id
    _typing(qtbot, win, "typed, then the window closed")
    win.close()
    with db(other) as p:
        assert p.image(cur2).caption == "typed, then the window closed"


def test_a_card_being_edited_survives_a_refresh(qtbot, window, labelled_folder):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    (sid,) = project.add_suggestions([NewSuggestion(cur, "caption", "a plate", "model:test", score=0.5)])
    win.review._refresh(cur)
    panel = win.panel_ctl.suggestions
    qtbot.waitUntil(lambda: panel.card(sid) is not None)
    panel.card(sid).edit_button.click()
    editor = panel.card(sid).editor
    qtbot.waitUntil(editor.hasFocus)
    QTest.keyClick(editor, Qt.Key.Key_End)
    QTest.keyClicks(editor, " with a scratch")
    win.panel_ctl.refresh_after_bulk()  # a job ended
    qtbot.wait(100)
    card = panel.card(sid)
    assert card.edit_box.isVisible() and card.editor.toPlainText() == "a plate with a scratch"
    QTest.keyClick(card.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    with db(labelled_folder) as p:
        assert p.image(cur).caption == "a plate with a scratch"


def test_an_error_box_leaves_the_keyboard_to_the_review(qtbot, window, labelled_folder):
    """The error box (a job failing in the background) became the active window and the
    next review key went to its OK button."""
    from PySide6.QtWidgets import QApplication

    win = window
    open_and_index(qtbot, win, labelled_folder)
    win.activateWindow()
    win.grid.setFocus()
    qtbot.wait(50)
    cur = win.review.current.id
    win.show_error("The learned suggester failed: boom")
    qtbot.wait(100)
    assert win.last_error_box.isVisible()
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_1)  # where a real keyboard sends it
    with db(labelled_folder) as p:
        assert p.image(cur).labels == ("scratch",)


def test_only_new_reviews_count_towards_a_retrain(qtbot, window, labelled_folder):
    """Every change to a reviewed image counted as a review (label toggles, undo, a
    refresh), so the learned suggester retrained early."""
    win = window
    open_and_index(qtbot, win, labelled_folder)
    win.grid.setFocus()
    sc = win.suggest_ctl
    start = sc.reviews_since_train
    cur = win.review.current.id
    win.review.set_status("reviewed", cur)
    assert sc.reviews_since_train == start + 1
    for _ in range(3):
        win.review.toggle_label("scratch", cur)
    win.review._refresh(cur)
    assert sc.reviews_since_train == start + 1


def test_redo_of_delete_moves_on_as_delete_did(qtbot, window, labelled_folder):
    """Delete, undo, redo left the reviewer on the image just rejected again: the next
    Enter turned that rejection into "reviewed" without a word."""
    open_and_index(qtbot, window, labelled_folder)
    win = window
    win.grid.setFocus()
    first = win.review.current
    key(win, Qt.Key.Key_Delete)
    assert win.review.current.id != first.id
    key(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: win.review.current.id == first.id, timeout=10000)
    win.review.redo()
    with db(labelled_folder) as p:
        assert p.image(first.id).review_status == "rejected"
    assert win.review.current.id != first.id  # moved on, as the Delete did
    key(win, Qt.Key.Key_Return)  # accepts the image now shown, not the rejected one
    with db(labelled_folder) as p:
        assert p.image(first.id).review_status == "rejected"
