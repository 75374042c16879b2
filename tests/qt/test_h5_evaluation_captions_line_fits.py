"""The Captions & calibration tab's heading line, once some caption was rejected with no
caption written after it ("...; 14 rejected with no caption written after, left out"),
was one unwrapped line 972 px wide: the whole dialog opened 1016 px wide on the 800 px
wide screen (offscreen platform's; a small laptop's at 150 %), its right side, the Close
button included, off the screen. The line wraps; the dialog fits."""
from __future__ import annotations

from test_evaluation_dialog import _report  # (tests/qt is on the path)

from llmvis_desktop.qt.dialogs.evaluation_dialog import EvaluationDialog


def test_the_dialog_fits_the_screen_with_captions_rejected_unwritten(qtbot):
    rep = _report()
    rep["captions"] = {"decided": 47, "mean_edit_distance": 0.18, "rejected_unwritten": 1644,
                       "by_model": {"cap:blip": {"decided": 47, "mean_edit_distance": 0.18,
                                                 "rejected_unwritten": 822},
                                    "cap:git": {"decided": 0, "mean_edit_distance": None,
                                                "rejected_unwritten": 822}}}
    w = EvaluationDialog(rep)
    qtbot.addWidget(w)
    w.show()
    w.tabs.setCurrentIndex(2)
    qtbot.waitUntil(lambda: w.caption_table.isVisible())
    screen = w.screen().availableGeometry().width()
    assert w.width() <= screen, (w.width(), screen)
    assert w.minimumSizeHint().width() <= screen, (w.minimumSizeHint().width(), screen)
    line = w.caption_heading
    assert "1644 rejected with no caption written after" in line.text()
    assert line.geometry().right() <= w.tabs.widget(2).width()  # whole, wrapped in the page
