"""An exclusive label in the window: marked from the chip's menu, shown on its chip, and
the keys follow the rule ("ok" put on takes the others off; the status line says so; Ctrl+Z
puts them back)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.qt.widgets.label_panel import EXCLUSIVE_MARK


def _key(qtbot, win, key, modifier=Qt.KeyboardModifier.NoModifier):
    win.grid.setFocus()
    with qtbot.waitSignal(win.review._writer.finished, timeout=30000):
        QTest.keyClick(win.grid, key, modifier)


def test_marking_ok_exclusive_and_the_keys(qtbot, window, labelled_folder, tmp_path):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    qtbot.waitUntil(lambda: win.review.current is not None, timeout=20000)
    panel = win.panel_ctl.labels
    menu = panel.build_menu("ok")  # the chip's right-click menu
    [excl] = [a for a in menu.actions() if a.text().startswith("Exclusive")]
    assert excl.isCheckable() and not excl.isChecked()
    excl.trigger()
    qtbot.waitUntil(lambda: {d.name: d.exclusive for d in win.project.labels()}.get("ok") is True, timeout=10000)
    qtbot.waitUntil(lambda: EXCLUSIVE_MARK in panel.chip("ok").text(), timeout=10000)
    assert "Exclusive" in panel.chip("ok").toolTip() and EXCLUSIVE_MARK not in panel.chip("dent").text()
    assert [a for a in panel.build_menu("ok").actions() if a.text().startswith("Exclusive")][0].isChecked()
    panel.grab().save(str(tmp_path / "chips.png"))

    image = win.review.current.id
    _key(qtbot, win, Qt.Key.Key_1)  # scratch
    _key(qtbot, win, Qt.Key.Key_2)  # dent
    assert win.project.image(image).labels and set(win.project.image(image).labels) == {"scratch", "dent"}
    _key(qtbot, win, Qt.Key.Key_4)  # ok: the others come off
    assert win.project.image(image).labels == ("ok",)
    said = win.statusBar().currentMessage()
    assert said.startswith("ok put on; dent, scratch taken off"), said
    qtbot.waitUntil(lambda: panel.checked() == ["ok"], timeout=10000)
    _key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo: both back, ok off
    assert set(win.project.image(image).labels) == {"scratch", "dent"}
    _key(qtbot, win, Qt.Key.Key_4)
    _key(qtbot, win, Qt.Key.Key_3)  # crack: ok comes off
    assert win.project.image(image).labels == ("crack",)
    assert win.statusBar().currentMessage().startswith("crack put on; ok taken off")


def test_accepting_an_ok_card_takes_the_defect_off_and_says_so(qtbot, window, labelled_folder):
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.store.records import NewSuggestion

    with Project.open(labelled_folder) as p:
        p.update_label("ok", exclusive=True)
    win = window
    open_and_index(qtbot, win, labelled_folder)
    qtbot.waitUntil(lambda: win.review.current is not None, timeout=20000)
    image = win.review.current.id
    _key(qtbot, win, Qt.Key.Key_2)  # dent
    [sid] = win.project.add_suggestions([NewSuggestion(image, "label", "ok", "m", 0.9)])
    with qtbot.waitSignal(win.review._writer.finished, timeout=30000):
        assert win.review.decide_suggestion(sid, "accepted", image_id=image)
    assert win.project.image(image).labels == ("ok",)
    said = win.statusBar().currentMessage()
    assert "Ok put on; dent taken off." in said, said
