"""A job row with a long, non-ASCII file name in its title and message, in a 500 px dock:
the title is shortened with "…" before the Cancel button (it was cut mid-letter, the row
asking for 1,385 px), and the message keeps the file name, losing its middle (it was cut
at the row's edge with no "…": "…/Oberflächenkratzer_überlan" read as a whole name)."""
from __future__ import annotations

from PySide6.QtWidgets import QApplication

LONG = "Oberflächenkratzer_überlang_ß_Prüfteil_Charge_2024-11-30_Kamera-Links_0001.png"


def test_long_title_and_message_elided_not_cut(qtbot):
    from llmvis_desktop.qt.widgets.jobs_panel import JobsPanel

    p = JobsPanel()
    qtbot.addWidget(p)
    p.resize(500, 300)
    p.show()
    p.add_job("a", f"Suggest captions — {LONG}")
    p.update_job("a", 1, 10, f"captioning surfaces/gravel/{LONG}", eta_s=5, rate=2.0)
    QApplication.processEvents()
    row = p.row("a")
    assert row.minimumSizeHint().width() <= 500
    assert row.width() <= 500
    title = row.title_label
    assert title.font().bold()
    assert title.shown_text().endswith("\u2026") and title.text().endswith(LONG)
    assert title.geometry().right() < row.cancel_button.geometry().left()
    msg = row.message_label.shown_text()
    assert "\u2026" in msg and msg.startswith("captioning") and msg.endswith("0001.png")
    assert row.message_label.geometry().right() < row.eta_label.geometry().left()
    assert row.message_label.toolTip().endswith(LONG)


def test_short_title_and_message_whole(qtbot):
    from llmvis_desktop.qt.widgets.jobs_panel import JobsPanel

    p = JobsPanel()
    qtbot.addWidget(p)
    p.resize(500, 300)
    p.show()
    p.add_job("a", "Export COCO")
    p.update_job("a", 1, 10, "writing coco.json")
    QApplication.processEvents()
    row = p.row("a")
    assert row.title_label.shown_text() == "Export COCO"
    assert row.message_label.shown_text() == "writing coco.json"
