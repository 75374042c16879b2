"""The error box cut a long message in the middle of a long path: a QMessageBox label
wraps only between words, a long file name is one word, and the box (at most 800 px) hid
the rest of it (the reason after the path). The whole text is laid out inside the box,
the box fits the screen, and the text is the message as given (copied as it is)."""
from __future__ import annotations

from PySide6.QtWidgets import QApplication, QLabel, QTextEdit

LONG = ("Cannot open /data/weird/a_very_long_file_name_from_the_inspection_line_camera_station_07_lot_"
        "2026-11-29T19-13-04_part_000123456789_exposure_long.png: cannot identify image file (truncated)")


def _overflow_px(box, text: str) -> int:
    """How far the widest laid-out line of ``text`` in ``box`` runs past its visible width
    (0: every character is on screen)."""
    labels = [w for w in box.findChildren(QLabel) if w.text() == text]
    if labels:  # a label: its words cannot be broken
        lab = labels[0]
        return max(0, max(lab.fontMetrics().horizontalAdvance(w) for w in text.split()) - lab.width())
    view = [w for w in box.findChildren(QTextEdit) if w.toPlainText() == text][0]
    doc, width = view.document(), view.viewport().width()
    widest, block = 0.0, doc.begin()
    while block.isValid():
        layout = block.layout()
        for i in range(layout.lineCount()):
            widest = max(widest, layout.lineAt(i).naturalTextWidth() + doc.documentMargin())
        block = block.next()
    hidden_rows = view.verticalScrollBar().maximum()
    return max(0, int(widest) - width) + hidden_rows


def test_a_long_path_in_an_error_is_shown_whole(qtbot, window):
    window.resize(1024, 640)
    window.show_error(LONG)
    box = window.last_error_box
    qtbot.waitUntil(box.isVisible, timeout=5000)
    assert box.text() == LONG
    # the box has laid itself out (its layout runs on later turns of the event loop; was
    # a 50 ms wait, which a loaded machine could end before them)
    qtbot.waitUntil(lambda: _overflow_px(box, LONG) == 0, timeout=10000)
    screen = window.screen().availableGeometry()
    assert box.frameGeometry().width() <= min(screen.width(), 1024)
    assert box.frameGeometry().height() <= min(screen.height(), 640)


def test_a_short_error_makes_a_small_box_and_the_box_is_reused(qtbot, window):
    window.show_error("boom")
    box = window.last_error_box
    qtbot.waitUntil(box.isVisible, timeout=5000)
    small = box.width()
    assert box.text() == "boom" and small < 600
    window.show_error(LONG)
    assert window.last_error_box is box and box.text() == LONG
    qtbot.waitUntil(lambda: _overflow_px(box, LONG) == 0, timeout=10000)  # (was a 50 ms wait)


def test_a_very_long_message_scrolls_inside_a_box_that_fits_the_screen(qtbot, window):
    text = "\n\n".join(f"note {i}: {LONG}" for i in range(30))
    window.show_error(text)
    box = window.last_error_box
    qtbot.waitUntil(box.isVisible, timeout=5000)
    screen = QApplication.primaryScreen().availableGeometry()
    assert box.frameGeometry().height() <= screen.height() and box.text() == text
    assert box.body.verticalScrollBar().maximum() > 0  # the rest is a scroll away, not cut off
