"""A label key for a label a teammate had just removed (this window's chips not yet caught
up by the team watch) said "IMAGE was not saved — label(s) not in the taxonomy: ok" and
logged a traceback, as for a bug; the chips kept the removed label until the next watch
look (/tmp/hunt-hhuntteam/s5.py). It is now refused as a teammate's change is: one line
naming the label, no longer in the label list, nothing changed (the image shown afresh
drops the removed label's chip, as before)."""
from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core.project import Project


def test_a_label_key_for_a_label_a_teammate_removed_says_so_and_drops_the_chip(qtbot, window, labelled_folder,
                                                                                caplog):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    qtbot.waitUntil(lambda: win.panel_ctl.labels.name_for_key("4") == "ok", timeout=10000)
    cur = win.review.current.id
    watch = win.team_watch
    qtbot.waitUntil(lambda: watch._labels is not None and not watch._looking, timeout=10000)
    watch.timer.stop()  # the watch has not looked since the teammate's removal
    with Project.open(win.project.root, win.project.db_url) as alice:
        alice.remove_label("ok", "alice")
    assert win.panel_ctl.labels.chip("ok") is not None
    errors = []
    win.review.error.connect(errors.append)
    caplog.set_level(logging.WARNING)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_4)
    qtbot.waitUntil(lambda: bool(errors), timeout=10000)
    assert "\u201cok\u201d is no longer in the label list" in errors[-1], errors
    assert "Nothing was changed" in errors[-1], errors
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]
    assert win.project.image(cur).labels == ()
    assert win.review.current.labels == ()  # shown as the database has it
    qtbot.waitUntil(lambda: win.panel_ctl.labels.chip("ok") is None, timeout=10000)  # (the image read again)
