"""The evaluation dashboard's notes (what "predicted" and "rate" mean) and its label
bars' column title are read, not decoration: >= 4.5:1 on the tab page in a light and a
dark palette, measured on a grab (in the palette's placeholder-text they were 3.98:1
light, 3.78:1 dark); and they follow a light/dark switch."""
from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from contrast import contrast_ratio, dark_palette, text_contrast, theme  # noqa: F401 (theme: the fixture)
from test_evaluation_dialog import _report


def test_notes_readable(qtbot, qapp, theme):  # noqa: F811 - theme: the fixture
    from llmvis_desktop.qt import style
    from llmvis_desktop.qt.dialogs.evaluation_dialog import EvaluationDialog

    w = EvaluationDialog(_report())
    qtbot.addWidget(w)
    w.resize(1024, 640)
    w.show()
    qtbot.waitExposed(w)
    QApplication.processEvents()
    assert text_contrast(w.label_note) >= 4.5
    w.tabs.setCurrentIndex(1)
    QApplication.processEvents()
    assert text_contrast(w.acceptance_note) >= 4.5
    # the bars' "label (support)" title, drawn on the plot's base
    pal = w.label_bars.palette()
    title = QColor(style.note_color(pal)).getRgb()[:3]
    assert contrast_ratio(title, pal.base().color().getRgb()[:3]) >= 4.5


def test_notes_follow_a_switch(qtbot, qapp):
    from llmvis_desktop.qt.dialogs.evaluation_dialog import EvaluationDialog
    from llmvis_desktop.qt.theme_follow import restyle_all

    before = qapp.palette()
    try:
        w = EvaluationDialog(_report())
        qtbot.addWidget(w)
        w.resize(1024, 640)
        w.show()
        qtbot.waitExposed(w)
        qapp.setPalette(dark_palette())
        QApplication.processEvents()
        restyle_all()  # (what the main window's ThemeFollower does on the switch)
        QApplication.processEvents()
        assert text_contrast(w.label_note) >= 4.5
    finally:
        qapp.setPalette(before)
