"""A teammate's label reaching the Labels dock (team watch, another window): every chip
was made anew (a style sheet each, the flow laid out chip by chip: ~45 ms on the GUI
thread with 35 labels). Only the chips that changed are made, changed or removed now;
the others stay the same widgets, with the keyboard focus, checked state and order
(by position, then name) kept as before."""
from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from llmvis_desktop.core.store.records import LabelDef


def _defs(n: int) -> list[LabelDef]:
    colors = ["#e6194b", "#4363d8", "#f58231", "#3cb44b", "#911eb4"]
    return [LabelDef(i + 1, f"label {i:02d}", colors[i % 5], None, "", i) for i in range(n)]


@pytest.fixture
def panel(qtbot):
    from llmvis_desktop.qt.widgets.label_panel import LabelPanel

    p = LabelPanel()
    qtbot.addWidget(p)
    p.resize(360, 300)
    p.set_labels(_defs(35), {"label 00": 3})
    p.show()
    qtbot.waitExposed(p)
    return p


def _order(panel) -> list[str]:
    flow = panel.box.flow
    return [flow.itemAt(i).widget().property("labelName") for i in range(flow.count())]


def test_a_teammates_new_label_adds_one_chip_and_keeps_the_others(panel, qtbot):
    defs = _defs(35)
    before = {d.name: panel.chip(d.name) for d in defs}
    panel.set_checked(["label 03"])
    before["label 05"].setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: before["label 05"].hasFocus(), timeout=10000)
    new = LabelDef(99, "hairline", "#000075", None, "", 2)  # between label 02 and label 03 by position
    rebuilt = []
    panel.chipsRebuilt.connect(lambda: rebuilt.append(1))
    panel.set_labels([*defs, new], {"label 00": 3})
    assert all(panel.chip(name) is chip for name, chip in before.items())  # the same widgets
    assert panel.chip("hairline") is not None and panel.chip("hairline") not in before.values()
    assert rebuilt == [1]  # the window's Tab order takes the new chip in
    assert _order(panel) == [d.name for d in sorted([*defs, new], key=lambda d: (d.position, d.name))]
    assert before["label 05"].hasFocus() and panel.checked() == ["label 03"]
    assert panel.key_for("label 00") == "1" and panel.key_for("label 07") == "9"  # digits by order
    assert panel.key_for("label 08") is None and panel.chip("label 08").text() == "label 08"
    assert panel.key_for("hairline") == "3" and panel.chip("label 02").text() == "4 \u00b7 label 02"
    assert panel.chip("label 00").text() == "1 \u00b7 label 00 (3)"
    # a click on the new chip asks for its own name
    with qtbot.waitSignal(panel.toggled, timeout=10000) as asked:
        QTest.mouseClick(panel.chip("hairline"), Qt.MouseButton.LeftButton)
    assert asked.args == ["hairline", True]


def test_rename_recolor_and_remove_change_only_those_chips(panel, qtbot):
    defs = _defs(35)
    before = {d.name: panel.chip(d.name) for d in defs}
    renamed = replace(defs[4], name="label 04 deep")
    recolored = replace(defs[6], color="#123456")
    now = [d for d in defs if d.name != "label 07"]
    now[4], now[6] = renamed, recolored
    panel.set_labels(now, {})
    chip = panel.chip("label 04 deep")
    assert chip is before["label 04"] and panel.chip("label 04") is None  # a rename keeps its chip
    assert panel.chip("label 06") is before["label 06"] and "#123456" in before["label 06"].styleSheet()
    assert panel.chip("label 07") is None and panel.box.flow.indexOf(before["label 07"]) < 0
    assert all(panel.chip(d.name) is before[d.name] for d in now if d not in (renamed,))
    assert _order(panel) == [d.name for d in now]
    with qtbot.waitSignal(panel.toggled, timeout=10000) as asked:  # the renamed chip toggles its new name
        QTest.mouseClick(chip, Qt.MouseButton.LeftButton)
    assert asked.args == ["label 04 deep", True]
    assert [a.text() for a in panel.build_menu("label 04 deep").actions() if a.text()][0] == "Rename\u2026"


def test_a_removed_focused_chip_gives_the_keys_back_to_the_review(panel, qtbot):
    defs = _defs(35)
    panel.chip("label 05").setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: panel.chip("label 05").hasFocus(), timeout=10000)
    with qtbot.waitSignal(panel.finished, timeout=10000):
        panel.set_labels([d for d in defs if d.name != "label 05"], {})
    assert panel.chip("label 05") is None
