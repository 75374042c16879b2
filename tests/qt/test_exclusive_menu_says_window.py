"""Marking a label exclusive from its chip's menu says what it means now and how many images
carry it with another label already (they keep them until their labels next change), as
`llmvis labels set --exclusive` does; it said nothing, the image on screen showing "normal"
beside "nodule" with no word that the rule did not apply to it."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index


def _key(qtbot, win, key):
    win.grid.setFocus()
    with qtbot.waitSignal(win.review._writer.finished, timeout=30000):
        QTest.keyClick(win.grid, key)


def _exclusive_from_menu(qtbot, win, name):
    [action] = [a for a in win.panel_ctl.labels.build_menu(name).actions() if a.text().startswith("Exclusive")]
    action.trigger()
    qtbot.waitUntil(lambda: win.panel_ctl.taxonomy_running is None, timeout=20000)
    return win.statusBar().currentMessage()


def test_marking_exclusive_says_the_images_that_break_the_rule(qtbot, window, labelled_folder):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    qtbot.waitUntil(lambda: win.review.current is not None, timeout=20000)
    _key(qtbot, win, Qt.Key.Key_4)  # ok
    _key(qtbot, win, Qt.Key.Key_2)  # dent
    said = _exclusive_from_menu(qtbot, win, "ok")
    assert {d.name: d.exclusive for d in win.project.labels()}["ok"] is True
    assert said.startswith("ok is exclusive now: putting it on takes the other labels off"), said
    assert "1 image carries ok with another label already: it keeps them until its labels next change" in said, said
    said = _exclusive_from_menu(qtbot, win, "ok")  # the menu's check taken off again
    assert {d.name: d.exclusive for d in win.project.labels()}["ok"] is False
    assert said == "ok is no longer exclusive: it can go with other labels.", said


def test_marking_exclusive_with_no_clash_says_only_the_rule(qtbot, window, labelled_folder):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    qtbot.waitUntil(lambda: win.review.current is not None, timeout=20000)
    said = _exclusive_from_menu(qtbot, win, "ok")
    assert said == ("ok is exclusive now: putting it on takes the other labels off, "
                    "and another label takes it off."), said
