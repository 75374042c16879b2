"""F2 + Ctrl+Enter on a screen not yet caught up with a teammate (SQLite and PostgreSQL):
Alice's window shows the image new, Bob rejects it, Alice saves a caption: it was written
as if nothing had happened. And Bob saves a caption, then Alice saves hers: his was written
over, unseen. Now both are refused, nothing written, the line naming who (and when, and his
caption); Alice's text stays in the editor, unsaved, Bob's caption the stored one under it
(Esc shows it)."""
from __future__ import annotations


import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, image_folder):
    """The database's URL (None: the folder's own SQLite file)."""
    if request.param == "sqlite":
        yield None
        return
    server = request.getfixturevalue("pg_server")
    url = server.create_database()
    yield url
    server.drop_database(url)


def _open(qtbot, win, folder, url):
    with qtbot.waitSignal(win.index_finished, timeout=30000):
        win.open_project(folder, url)
    qtbot.waitUntil(lambda: win.project is not None and win.review.current is not None, timeout=30000)
    win.team_watch.timer.stop()  # not caught up with Bob
    return win.review.current.id


def _save(qtbot, win, text: str) -> list:
    errors: list = []
    win.review.error.connect(errors.append)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_F2)
    edit = win.panel_ctl.caption.edit
    qtbot.waitUntil(edit.hasFocus)
    QTest.keyClicks(edit, text)
    QTest.keyClick(edit, Qt.Key.Key_Return, CTRL)
    assert win.review.wait_writes(30)
    qtbot.waitUntil(lambda: bool(errors), timeout=20000)
    return errors


def test_a_caption_saved_after_a_teammates_rejection_unseen_is_refused(qtbot, window, image_folder, db):
    win = window
    image_id = _open(qtbot, win, image_folder, db)
    assert win.review.current.review_status == "new"
    with Project.open(image_folder, db) as bob:
        ra.reject(bob, image_id, "bob")
        events = [e.action for e in bob.history(image_id)]
    errors = _save(qtbot, win, "a red car")
    assert "bob marked this image rejected" in errors[-1] and "Nothing was changed" in errors[-1], errors
    with Project.open(image_folder, db) as p:
        assert (p.image(image_id).caption, p.image(image_id).review_status) == (None, "rejected")
        assert [e.action for e in p.history(image_id)] == events
    qtbot.waitUntil(lambda: win.review.current.review_status == "rejected", timeout=20000)  # shown afresh
    editor = win.panel_ctl.caption
    assert editor.text() == "a red car" and editor.is_dirty()  # not lost
    assert win.review.undo_stack.count() == 0


def test_a_caption_over_a_teammates_newer_caption_is_refused_and_kept(qtbot, window, image_folder, db):
    win = window
    image_id = _open(qtbot, win, image_folder, db)
    with Project.open(image_folder, db) as bob:
        ra.set_caption(bob, image_id, "a dented door", "bob")
        events = [e.action for e in bob.history(image_id)]
    errors = _save(qtbot, win, "a red car")
    line = errors[-1]
    assert line.startswith("bob changed this image's caption at "), errors
    assert "\u201ca dented door\u201d" in line and "Nothing was changed" in line and "Esc shows theirs" in line
    with Project.open(image_folder, db) as p:
        assert p.image(image_id).caption == "a dented door"  # Bob's stands
        assert [e.action for e in p.history(image_id)] == events
    editor = win.panel_ctl.caption
    qtbot.waitUntil(lambda: editor.caption() == "a dented door", timeout=20000)  # his, under hers
    assert editor.text() == "a red car" and editor.is_dirty()
    assert editor.clash.text().startswith("Changed by someone else meanwhile") and editor.clash.isVisible()
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_F2)
    qtbot.waitUntil(editor.edit.hasFocus)
    QTest.keyClick(editor.edit, Qt.Key.Key_Escape)  # Esc shows his
    assert editor.text() == "a dented door" and not editor.is_dirty()
    assert win.review.undo_stack.count() == 0


def test_a_caption_card_accepted_over_a_teammates_newer_caption_is_refused(qtbot, window, image_folder, db):
    """A caption card's Accept sets the caption: over Bob's caption saved since, unseen, it is
    refused, nothing written, the card still pending and Bob's caption shown."""
    from llmvis_desktop.core.store.records import NewSuggestion

    win = window
    image_id = _open(qtbot, win, image_folder, db)
    [cap] = win.project.add_suggestions([NewSuggestion(image_id, "caption", "a scratch", "cap-a", score=0.9)])
    win.review._refresh(image_id)
    panel = win.panel_ctl.suggestions
    qtbot.waitUntil(lambda: panel.card(cap) is not None and panel.card(cap).pending, timeout=20000)
    with Project.open(image_folder, db) as bob:
        ra.set_caption(bob, image_id, "a dented door", "bob")
        events = [e.action for e in bob.history(image_id)]
    errors: list = []
    win.review.error.connect(errors.append)
    QTest.mouseClick(panel.card(cap).accept_button, Qt.MouseButton.LeftButton)
    assert win.review.wait_writes(30)
    qtbot.waitUntil(lambda: bool(errors), timeout=20000)
    assert "bob changed this image's caption at " in errors[-1] and "\u201ca dented door\u201d" in errors[-1], errors
    with Project.open(image_folder, db) as p:
        assert p.image(image_id).caption == "a dented door"
        assert [s.outcome for s in p.suggestions(image_id)] == ["pending"]
        assert [e.action for e in p.history(image_id)] == events
    qtbot.waitUntil(lambda: win.panel_ctl.caption.text() == "a dented door", timeout=20000)  # his, shown
    qtbot.waitUntil(lambda: panel.card(cap) is not None and panel.card(cap).pending, timeout=20000)
    assert win.review.undo_stack.count() == 0
