"""Opening a 100k-image project left 60-140 ms of work in one go on the GUI thread after
the open itself had run off it: the label chips laid out once per chip made, and the
taxonomy, its usage counts and the project's settings read from the database on the
GUI thread. The chips are laid out once now, and those reads run on the opener's
thread; what the window shows is the same."""
from __future__ import annotations

import threading

from PySide6.QtWidgets import QMainWindow

from llmvis_desktop.core.store.records import LabelDef


def _defs(n: int) -> list[LabelDef]:
    colors = ["#e6194b", "#4363d8", "#f58231", "#3cb44b", "#911eb4"]
    return [LabelDef(i + 1, f"label {i:02d}", colors[i % 5], None, "", i) for i in range(n)]


def test_new_chips_in_a_shown_panel_are_laid_out_once_not_once_per_chip(qtbot, monkeypatch):
    from llmvis_desktop.qt.widgets import flow_layout
    from llmvis_desktop.qt.widgets.label_panel import LabelPanel

    win = QMainWindow()
    qtbot.addWidget(win)
    panel = LabelPanel()
    win.setCentralWidget(panel)
    win.resize(400, 500)
    win.show()
    qtbot.waitExposed(win)
    calls = []
    real = flow_layout.FlowLayout._do_layout
    monkeypatch.setattr(flow_layout.FlowLayout, "_do_layout",
                        lambda self, *a, **k: calls.append(1) or real(self, *a, **k))
    panel.set_labels(_defs(35), {"label 00": 3})
    assert len(calls) < 35  # (each chip shown laid out the whole flow: 105 layouts)
    # the chips are there, shown and placed as before
    assert panel.box.isVisible() and all(panel.chip(d.name).isVisible() for d in _defs(35))
    qtbot.waitUntil(lambda: panel.chip("label 34").geometry().top() > panel.chip("label 00").geometry().top())
    assert panel.chip("label 00").text() == "1 \u00b7 label 00 (3)"
