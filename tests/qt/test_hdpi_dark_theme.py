"""The window in a dark theme (the OS's dark mode, a dark desktop palette): text that the
code coloured for a light background, or painted on a light background of its own while
its text followed the palette, vanished.

Seen on the real window in a dark palette (/tmp/hunt-hdpi/render.py, shots dark_main.png):
the running job's bold title in the Jobs panel was palette text (light grey) on the row's
white background, 1.25:1; the viewer's info line (size, format, zoom; the window/level of
a scan) was the light theme's near-black text on the dark window, 1.29:1. Contrast here
is measured on a grab of the window, as a reviewer sees it.
"""
from __future__ import annotations

import numpy as np
import pytest
from contrast import dark, text_contrast  # noqa: F401 - dark: a fixture
from PySide6.QtCore import QAbstractAnimation

from llmvis_desktop.core.imaging.reader import ImageData, ImageMeta

#: WCAG AA for body text
READABLE = 4.5

pytestmark = pytest.mark.usefixtures("dark")


def _panel(qtbot):
    from llmvis_desktop.qt.widgets.jobs_panel import JobsPanel

    panel = JobsPanel()
    qtbot.addWidget(panel)
    panel.resize(860, 260)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def test_a_running_jobs_title_message_and_eta_are_readable(qtbot):
    panel = _panel(qtbot)
    panel.add_job("a", "Model suggestions (all images)")
    panel.update_job("a", 7, 24, "scoring img007.png", eta_s=42, rate=1.5)
    row = panel.row("a")
    assert text_contrast(row.title_label) >= READABLE
    assert text_contrast(row.message_label) >= READABLE
    assert text_contrast(row.eta_label) >= READABLE


@pytest.mark.parametrize("ok, message", [(True, "done: 24 new, 0 changed"), (False, "failed: disk full")])
def test_a_done_line_is_readable_once_faded(qtbot, ok, message):
    panel = _panel(qtbot)
    panel.add_job("a", "Index images")
    panel.finish_job("a", ok, message)
    row = panel.row("a")
    qtbot.waitUntil(lambda: row._fade.state() == QAbstractAnimation.State.Stopped, timeout=5000)
    assert text_contrast(row.done_label) >= READABLE


def _scan() -> ImageData:
    px = (np.arange(200 * 300).reshape(200, 300) % 4000).astype(np.uint16)
    meta = ImageMeta(width=300, height=200, format="TIFF", bit_depth=16, channels=1, frames=1, mode="I;16")
    return ImageData(pixels=px, display=(px // 16).astype(np.uint8), meta=meta, window=(2000.0, 4000.0), frame=0)


def test_the_viewers_info_line_and_window_level_are_readable(qtbot, viewer):
    viewer.show_image(_scan())
    viewer.set_window(2000.0, 3000.0)
    qtbot.waitUntil(lambda: viewer.wl_status.isVisible() and viewer.status_label.text() != "")
    assert text_contrast(viewer.status_label) >= READABLE
    assert text_contrast(viewer.wl_status) >= READABLE


def test_the_viewers_no_image_and_loading_line_is_readable(qtbot, viewer):
    """Its own dark grey ground in any theme, under the light theme's muted grey: 2.1:1."""
    viewer.clear()
    assert viewer._placeholder.isVisible() and viewer._placeholder.text() == "No image selected"
    assert text_contrast(viewer._placeholder) >= READABLE


def _shown(qtbot, widget):
    qtbot.addWidget(widget)
    widget.resize(420, 220)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_the_caption_editors_key_hint_is_readable(qtbot):
    """The light theme's muted grey (#656d76) on a dark window: 2.34:1."""
    from llmvis_desktop.qt.widgets.caption_editor import CaptionEditor

    editor = _shown(qtbot, CaptionEditor())
    assert editor.hint.isVisible() and editor.hint.text()
    assert text_contrast(editor.hint) >= READABLE


def test_the_label_panels_empty_line_and_its_error_hint_are_readable(qtbot):
    """The empty line was muted grey (2.34:1) and a refused name's hint the light theme's
    dark red (#8b1a1a) on a dark window: 1.6:1, a refusal no one could read."""
    from llmvis_desktop.qt.widgets.label_panel import LabelPanel

    panel = _shown(qtbot, LabelPanel())
    assert panel.empty_label.isVisible()
    assert text_contrast(panel.empty_label) >= READABLE
    panel._show_hint("A label named \u201cscratch\u201d already exists.")
    qtbot.waitUntil(panel.hint.isVisible)
    assert text_contrast(panel.hint) >= READABLE


@pytest.mark.parametrize("ok", [True, False])
def test_a_done_jobs_mark_is_seen(qtbot, ok):
    """The red of a failure's \u2717 (#8b1a1a) on a dark ground: 1.4:1. (A job with no
    title and no message: the mark alone on its line.)"""
    panel = _panel(qtbot)
    panel.add_job("a", "")
    panel.finish_job("a", ok, "")
    row = panel.row("a")
    qtbot.waitUntil(lambda: row._fade.state() == QAbstractAnimation.State.Stopped, timeout=5000)
    assert text_contrast(row.done_label) >= 3  # a sign, not text: WCAG's 3:1 for graphics
