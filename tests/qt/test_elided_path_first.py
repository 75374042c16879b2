"""A job row's message that names a long path (the database a job waits for) shortens the
path first, so the reason after it stays readable: elided in the middle as a whole, a
960-pixel window's Jobs panel read "... the project database /tm…is writing to it; the
job goes on when it is free", the words "another process" gone."""
from __future__ import annotations

from PySide6.QtCore import Qt

from llmvis_desktop.qt.widgets.elided_label import ElidedLabel
from llmvis_desktop.qt.widgets.jobs_panel import JobsPanel

DB = "/srv/inspection/line-4/2026-11/camera-bay-east/images/.llmvis/project.sqlite"
WAITING = (f"waiting (2 s so far) for the project database {DB}: another process is writing to it; "
           f"the job goes on when it is free")


def _label(qtbot, width: int, **kw) -> ElidedLabel:
    label = ElidedLabel(WAITING, min_width=0, elide=Qt.TextElideMode.ElideMiddle, **kw)
    qtbot.addWidget(label)
    label.resize(width, 30)
    return label


def test_the_path_is_shortened_and_the_words_around_it_are_kept(qtbot):
    label = _label(qtbot, 100, path_first=True)
    label.resize(label.fontMetrics().horizontalAdvance(WAITING.replace(DB, "")) + 120, 30)
    shown = label.shown_text()
    assert shown != WAITING and "\u2026" in shown and DB not in shown
    assert shown.startswith("waiting (2 s so far) for the project database /srv")
    assert shown.endswith(".sqlite: another process is writing to it; the job goes on when it is free")
    assert label.fontMetrics().horizontalAdvance(shown) <= label.contentsRect().width()
    assert label.text() == WAITING  # the whole text kept (the tooltip shows it)


def test_too_narrow_for_the_words_alone_the_path_is_kept_short_and_the_end_cut(qtbot):
    label = _label(qtbot, 100, path_first=True)
    label.resize(label.fontMetrics().horizontalAdvance(WAITING.replace(DB, "")) - 40, 30)
    shown = label.shown_text()
    assert label.fontMetrics().horizontalAdvance(shown) <= label.contentsRect().width()
    assert shown.startswith("waiting (2 s so far) for the project database /") and shown.endswith("\u2026")
    assert "another process is writing to it" in shown and DB not in shown, shown
    label.resize(150, 30)  # narrower than the words before the path: cut, and it fits
    shown = label.shown_text()
    assert "\u2026" in shown and label.fontMetrics().horizontalAdvance(shown) <= label.contentsRect().width()


def test_a_message_that_fits_or_names_no_path_is_as_before(qtbot):
    label = _label(qtbot, 4000, path_first=True)
    assert label.shown_text() == WAITING
    label.setText("scoring images with the learned suggester, batch 3 of 40")
    label.resize(200, 30)
    assert label.shown_text() == label.fontMetrics().elidedText(
        label.text(), Qt.TextElideMode.ElideMiddle, label.contentsRect().width())


def test_the_jobs_panel_row_keeps_the_reason_of_a_wait(qtbot):
    panel = JobsPanel()
    qtbot.addWidget(panel)
    panel.resize(620, 200)
    panel.show()
    panel.add_job("j", "Index images")
    panel.update_job("j", 4, 12, WAITING)
    row = panel._rows["j"]
    qtbot.waitUntil(lambda: row.message_label.width() > 100, timeout=10000)
    shown = row.message_label.shown_text()
    assert "another process is writing to it" in shown and DB not in shown, shown
