"""A caption save refused over a teammate's caption: the caption box's hint says what
Ctrl+Enter and Esc do now, whole at the window's usual size (it was cut at "Ctrl+En…",
the status bar's line cut before it too), and its tooltip gives the whole line and
theirs."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel

from qthelpers import caption_refused


def test_refused_caption_hint_fits_and_says_both_keys(qtbot, window, labelled_folder, tmp_path):
    win = window
    image = caption_refused(qtbot, win, labelled_folder, "alice")
    editor = win.panel_ctl.caption
    assert win.project.image(image).caption == "teammate caption"
    assert editor.text() == "scratch near the left edge"
    win.grab().save(str(tmp_path / "refused.png"))
    [line] = [w for w in editor.findChildren(QLabel) if w.isVisible() and "Esc shows theirs" in w.text()]
    assert "Ctrl+Enter saves yours over it" in line.text()
    assert _shown_whole(line), (line.text(), line.width())
    assert "teammate caption" in line.toolTip() + editor.hint.toolTip()


def _shown_whole(label) -> bool:
    """Whether all of the label's text is on screen (not cut with "…", no line below its height)."""
    from llmvis_desktop.qt.widgets.elided_label import ElidedLabel

    if isinstance(label, ElidedLabel):
        return not label.is_elided()
    if not label.wordWrap():
        return label.fontMetrics().horizontalAdvance(label.text()) <= label.contentsRect().width()
    return label.heightForWidth(label.contentsRect().width()) <= label.contentsRect().height() + 1
