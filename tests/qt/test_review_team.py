"""The review window when a teammate changed the image a moment before (the window has
not caught up yet): a card decided or replaced, a label added or removed. The stale
click never overwrites their change; the reviewer is told and shown the image afresh.
And text typed is never lost when saving it fails on moving on."""
from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion


def key(win, k):
    QTest.keyClick(win.grid, k)


def _teammate(win):
    """Another reviewer's (or job's) own connection to the window's database."""
    return Project.open(win.project.root, win.project.db_url)


def _show_cards(qtbot, win, ids):
    win.review._refresh(win.review.current.id)
    panel = win.panel_ctl.suggestions
    qtbot.waitUntil(lambda: all(panel.card(sid) is not None for sid in ids), timeout=10000)
    win.grid.setFocus()
    return panel


def _collect(win):
    errors, messages = [], []
    win.review.error.connect(errors.append)
    win.review.message.connect(messages.append)
    return errors, messages


def test_a_card_a_teammate_decided_is_refused_and_shown_afresh(qtbot, window, labelled_folder):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    [sid] = project.add_suggestions([NewSuggestion(cur, "caption", "a scratch on steel", "blip", 0.9)])
    panel = _show_cards(qtbot, win, [sid])
    with _teammate(win) as alice:
        ra.decide_suggestion(alice, cur, sid, "accepted", "alice")
    errors, _ = _collect(win)
    panel.card(sid).reject_button.click()  # the stale card, still pending on screen
    assert errors and "already accepted by alice" in errors[-1]
    assert "already accepted by alice" in win.statusBar().currentMessage()
    [card] = project.suggestions(cur)
    assert (card.outcome, card.decided_by) == ("accepted", "alice")
    assert not panel.card(sid).pending  # the panel shows Alice's decision now
    assert win.panel_ctl.caption.text() == "a scratch on steel"
    assert win.review.undo_stack.count() == 0


def test_return_on_a_replaced_card_says_so_and_stays(qtbot, window, labelled_folder):
    """Return on a caption card a retrained suggester had just replaced accepted nothing,
    marked the image reviewed with no caption and moved on, without a word."""
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    [old] = project.add_suggestions([NewSuggestion(cur, "caption", "scratch near the weld", "learned:v1", 0.8,
                                                   model_revision="r1")], replaces="learned")
    panel = _show_cards(qtbot, win, [old])
    with _teammate(win) as job:
        [new] = job.add_suggestions([NewSuggestion(cur, "caption", "dent on the left edge", "learned:v1", 0.7,
                                                   model_revision="r2")], replaces="learned")
    errors, _ = _collect(win)
    key(win, Qt.Key.Key_Return)
    assert errors and "withdrawn" in errors[-1] and "Nothing was changed" in errors[-1]
    assert win.review.current.id == cur  # not moved on
    rec = project.image(cur)
    assert rec.review_status == "suggested" and rec.caption is None
    assert panel.pending_card_ids() == {new}  # the new card, shown
    key(win, Qt.Key.Key_Return)  # now accepted, and on to the next image
    assert project.image(cur).caption == "dent on the left edge" and win.review.current.id != cur


def test_return_on_a_card_of_a_removed_label_says_so_and_does_not_bring_it_back(qtbot, window, labelled_folder):
    """A pending card of label 'crack', removed from the taxonomy since (a job that read
    the labels before the removal): Return put 'crack' on the image and back into the
    taxonomy. Now refused like a replaced card: the card is withdrawn, the image stays; the
    next Return accepts the rest and moves on. (An undo after the removal no longer makes
    such a card pending again: tests/core/test_review_actions.py.)"""
    from llmvis_desktop.core.store import models as m

    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    [sid] = project.add_suggestions([NewSuggestion(cur, "label", "crack", "learned:v1", 0.9, "r1")])
    with _teammate(win) as alice:
        alice.remove_label("crack", "bob", force=True)
        with alice.store.write() as s:  # the job's card, written after the removal
            s.get(m.Suggestion, sid).outcome = "pending"
    [cap] = project.add_suggestions([NewSuggestion(cur, "caption", "a crack", "blip", 0.8)])
    panel = _show_cards(qtbot, win, [sid, cap])
    errors, _ = _collect(win)
    key(win, Qt.Key.Key_Return)
    assert errors and "no longer in the taxonomy" in errors[-1] and "Nothing else was changed" in errors[-1]
    assert win.review.current.id == cur  # not moved on
    assert "crack" not in [d.name for d in project.labels()]
    assert project.image(cur).caption is None and panel.pending_card_ids() == {cap}
    key(win, Qt.Key.Key_Return)
    assert project.image(cur).caption == "a crack" and project.image(cur).labels == ()
    assert win.review.current.id != cur and "crack" not in [d.name for d in project.labels()]


def test_a_stale_label_chip_or_key_does_not_undo_a_teammates_label(qtbot, window, labelled_folder):
    """The chip (or key) sent a toggle, applied to the database as it was by then: a click
    to add a label shown missing removed the one a teammate had just added."""
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    chips = win.panel_ctl.labels
    with _teammate(win) as alice:
        ra.toggle_label(alice, cur, "scratch", "alice")
        ra.toggle_label(alice, cur, "dent", "alice")
    assert not chips.chip("scratch").isChecked()  # still shown without it
    _errors, messages = _collect(win)
    QTest.mouseClick(chips.chip("scratch"), Qt.MouseButton.LeftButton)  # meant: add it
    assert set(project.image(cur).labels) == {"dent", "scratch"}
    assert "added to this image by someone else" in messages[-1]
    assert chips.chip("scratch").isChecked() and win.review.undo_stack.count() == 0
    with _teammate(win) as alice:
        ra.toggle_label(alice, cur, "crack", "alice")  # key 3, still off on this screen
    win.grid.setFocus()
    key(win, Qt.Key.Key_3)
    assert set(project.image(cur).labels) == {"crack", "dent", "scratch"}
    assert "tester" not in [e.actor for e in project.history(cur)]
    # a change that is one: done, and its undo step named for it
    key(win, Qt.Key.Key_1)  # scratch is on screen now: remove it
    assert set(project.image(cur).labels) == {"crack", "dent"}
    assert win.review.undo_stack.undoText() == "Remove label scratch"


def _unreachable(*_a, **_k):
    raise OSError("connection to server failed: Connection refused")


def test_a_caption_that_fails_to_save_on_moving_on_is_kept(qtbot, window, labelled_folder, monkeypatch):
    """Moving on saved the typing with the next image already current: when the save
    failed, the next image's caption replaced the typed text, lost."""
    win = window
    open_and_index(qtbot, win, labelled_folder)
    first = win.review.current
    editor = win.panel_ctl.caption
    errors, _ = _collect(win)
    monkeypatch.setattr(ra, "set_caption", _unreachable)
    editor.edit.setPlainText("long careful caption typed during the outage")
    win.review.next()  # what Right / J does: moving on saves the typing first
    qtbot.waitUntil(lambda: win.review.current.id == first.id, timeout=10000)  # back on it
    assert errors and "Connection refused" in errors[-1]
    assert editor.text() == "long careful caption typed during the outage" and editor.is_dirty()
    assert "Stayed on" in win.statusBar().currentMessage()
    monkeypatch.undo()
    win.review.next()  # the database answers again: saved, and on to the next image
    assert win.review.current.id != first.id
    assert win.project.image(first.id).caption == "long careful caption typed during the outage"


def test_a_caption_typed_while_a_teammate_holds_the_lock_is_kept(qtbot, window, labelled_folder, monkeypatch):
    """The same with a real lock: a teammate's long ``llmvis import`` holds the SQLite
    write lock (busy timeout shortened to keep the test short)."""
    from llmvis_desktop.core.store import engine

    monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_MS", 300)
    win = window
    open_and_index(qtbot, win, labelled_folder)
    first = win.review.current
    editor = win.panel_ctl.caption
    other = sqlite3.connect(str(labelled_folder / ".llmvis" / "project.sqlite"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        editor.edit.setPlainText("caption typed while the import runs")
        key(win, Qt.Key.Key_J)
        qtbot.waitUntil(lambda: win.review.current.id == first.id, timeout=10000)
        assert editor.text() == "caption typed while the import runs"
        key(win, Qt.Key.Key_Return)  # Accept waits too: nothing typed is set aside
        assert win.review.current.id == first.id and editor.is_dirty()
    finally:
        other.execute("ROLLBACK")
        other.close()
    key(win, Qt.Key.Key_J)
    assert win.review.current.id != first.id
    assert win.project.image(first.id).caption == "caption typed while the import runs"


def test_a_card_edit_whose_card_was_replaced_is_kept_in_the_caption_editor(qtbot, window, labelled_folder):
    """A caption card's typed edit, its card replaced by a job meanwhile: moving on
    refused the edit (withdrawn) and the typed text was gone."""
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    [old] = project.add_suggestions([NewSuggestion(cur, "caption", "a plate", "learned:v1", 0.8,
                                                   model_revision="r1")], replaces="learned")
    panel = _show_cards(qtbot, win, [old])
    panel.card(old).edit_button.click()
    editor = panel.card(old).editor
    qtbot.waitUntil(editor.hasFocus)
    QTest.keyClick(editor, Qt.Key.Key_End)
    QTest.keyClicks(editor, " with a long scratch")
    with _teammate(win) as job:
        job.add_suggestions([NewSuggestion(cur, "caption", "a dented plate", "learned:v1", 0.7,
                                           model_revision="r2")], replaces="learned")
    win.review.next()
    qtbot.waitUntil(lambda: win.review.current.id == cur, timeout=10000)
    assert "Your text is in the caption editor" in win.last_error_box.text()
    caption = win.panel_ctl.caption
    assert caption.text() == "a plate with a long scratch" and caption.is_dirty()
    assert project.image(cur).caption is None
    win.review.next()  # moving on now saves it, as the image's caption
    assert win.review.current.id != cur and project.image(cur).caption == "a plate with a long scratch"
