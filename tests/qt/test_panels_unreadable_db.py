"""Moving to an image while the team's database server could not be reached showed
"No suggestions for this image yet" (the image had cards: they could not be read) and
"Loading history…" for good; once the server answered again the panels stayed so, and
Return marked the image reviewed with its cards unseen. Now the panels say the read
failed and why, and show the image afresh once the database answers."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core.store.records import NewSuggestion


def test_unread_panels_say_so_and_fill_in_when_the_database_answers(qtbot, window, labelled_folder,
                                                                    monkeypatch):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    watch = win.team_watch
    watch.timer.setInterval(100)
    qtbot.waitUntil(lambda: watch._last is not None, timeout=10000)
    ids = win.model.ids
    [sid] = project.add_suggestions([NewSuggestion(ids[1], "caption", "a dent near the rim", "blip", 0.9)])

    def down(*_args, **_kw):
        raise OSError("connection to server at db.example failed: Connection refused")

    real = {name: getattr(project, name) for name in ("suggestion_cards", "suggestions", "history", "events_since")}
    for name in real:
        monkeypatch.setattr(project, name, down)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Right)
    assert win.review.current.id == ids[1]
    win.panel_ctl.flush_cards()  # (read off the GUI thread: the answer shown now)
    win.panel_ctl.flush_history()
    panel = win.panel_ctl.suggestions
    text = panel.placeholder.text()
    assert "could not be read" in text and "Connection refused" in text, text
    assert "No suggestions for this image yet" not in text
    assert "Loading" not in _history_text(win)
    assert "could not be read" in _history_text(win)

    for name, fn in real.items():  # the server answers again
        monkeypatch.setattr(project, name, fn)
    qtbot.waitUntil(lambda: panel.card(sid) is not None, timeout=10000)
    win.panel_ctl.flush_history()
    qtbot.waitUntil(lambda: "could not be read" not in _history_text(win), timeout=10000)


def _history_text(win) -> str:
    placeholder = win.panel_ctl.history.placeholder
    return placeholder.text() if placeholder.isVisibleTo(win) else ""
