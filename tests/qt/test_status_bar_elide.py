"""The status bar's messages: cut at a word with "…", clear of the image counts, the
whole text in a tooltip; a long suggest report points to the Jobs panel, which has it
whole."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint
from PySide6.QtGui import QColor, QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from qthelpers import open_and_index

LONG = "Model suggestions: " + " ".join(f"word{i:02d}" for i in range(90))


def _ink_columns(widget, x0: int, x1: int) -> int:
    """Columns in [x0, x1) of the widget's rendering that hold text (dark pixels)."""
    img = widget.grab().toImage()
    cols = 0
    for x in range(max(0, x0), min(img.width(), x1)):
        if any(QColor(img.pixel(x, y)).lightness() < 128 for y in range(img.height())):
            cols += 1
    return cols


def test_a_long_message_is_cut_at_a_word_clear_of_the_counts(qtbot, window, image_folder):
    open_and_index(qtbot, window, image_folder)
    qtbot.waitUntil(lambda: "12 images" in window.counts_label.text(), timeout=10000)
    sb = window.statusBar()
    sb.showMessage(LONG)
    counts_x = window.counts_label.x()
    assert _ink_columns(sb, counts_x - 12, counts_x) == 0  # a gap before the counts: no text ran into them
    shown = sb.shown_message()
    assert shown.endswith("\u2026") and LONG.startswith(shown[:-1]) and LONG[len(shown) - 1] == " ", shown
    assert sb.fontMetrics().horizontalAdvance(shown) <= counts_x
    pos = QPoint(20, sb.height() // 2)
    QApplication.sendEvent(sb, QHelpEvent(QEvent.Type.ToolTip, pos, sb.mapToGlobal(pos)))
    assert QToolTip.text() == LONG
    sb.showMessage("Skipped.")
    assert sb.shown_message() == "Skipped."


def test_a_long_suggest_report_points_to_the_jobs_panel(qtbot, window, image_folder):
    from llmvis_desktop.core.suggest.report import SuggestReport

    open_and_index(qtbot, window, image_folder)
    # the folder's own jobs (index, headers) done first: their end, later on a loaded
    # machine, is a job_finished too, and its status line came after the report's
    qtbot.waitUntil(lambda: not window.jobs.active(), timeout=20000)
    note = ("2 images could not be read when indexed (missing or damaged files) (damaged: corrupt.png, "
            "zero.jpg) and got no suggestions; `llmvis info` names the damaged ones and why")
    report = SuggestReport(images=31, suggestions=62, seconds=6.8, load_seconds=5.4, device="cpu",
                           messages=[note])
    sc = window.suggest_ctl
    job = window.jobs.start("Model suggestions (all images)", lambda token, progress: report)
    sc.models_job = job
    job.signals.result.connect(sc._on_models_result)
    with qtbot.waitSignal(window.jobs.job_finished, timeout=10000, check_params_cb=lambda j: j is job):
        pass
    message = window.statusBar().currentMessage()
    assert "Jobs panel" in message and len(message) < 120, message
    assert message.startswith("Model suggestions: 62 suggestions for 31 images")
    done = window.panel_ctl.jobs.row(str(job.id)).done_label.text()
    assert "62 suggestions for 31 images" in done and "names the damaged ones and why" in done, done
