"""The error panel (an image the viewer cannot show), the answer box's note and the
grid's tiles with no thumbnail (an unreadable image's, one still coming) kept the light
theme's pink, pale yellow and light grey grounds, with dark text, in a dark theme and
after a switch to it: light islands in a dark window (/tmp/hunt-hsmall4/render.py, shots
before/dark_main.png). They now take a dark ground, their text readable on it, and go
back to the light ones when the OS goes light again. Measured on grabs, as seen."""
from __future__ import annotations

import io
from collections import Counter

import pytest
from contrast import dark, dark_palette, ground, luminance, text_contrast  # noqa: F401 - dark: a fixture
from PIL import Image
from qthelpers import open_and_index

READABLE = 4.5
DARK, LIGHT = 0.1, 0.6  # a ground's luminance: a dark theme's under, a light one's over


def _panel_lines(panel):
    return {"title": panel.title, "reason": panel.reason, "path": panel.path, "hint": panel.hint}


@pytest.mark.usefixtures("dark")
def test_the_error_panel_is_dark_and_every_line_readable(qtbot, viewer):
    viewer.show_error("/data/lot7/a_truncated.jpg", "truncated or corrupt image data (the file was cut short)")
    panel = viewer._error
    qtbot.waitUntil(panel.isVisible)
    assert luminance(ground(panel)) < DARK, ground(panel)
    for name, w in _panel_lines(panel).items():
        assert text_contrast(w) >= READABLE, name


@pytest.mark.usefixtures("dark")
def test_the_answer_boxs_note_is_dark_and_readable(qtbot):
    from llmvis_desktop.qt.widgets.answer_box import AnswerBox

    box = AnswerBox()
    qtbot.addWidget(box)
    box.set_about("a/img_000.png", None)
    box.set_answer("what defect?", "a dent near the rim", "model m")
    box.set_note("Out of memory on the GPU: answered on the CPU instead.")
    box.show()
    qtbot.waitUntil(box.note_label.isVisible)
    assert luminance(ground(box.note_label)) < DARK, ground(box.note_label)
    assert text_contrast(box.note_label) >= READABLE


def _tile_ground(win, image_id) -> tuple:
    """The commonest colour of the image's tile in a grab of the grid."""
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    view = win.grid
    rect = view.visualRect(win.model.index(win.model.row_of(image_id), 0))
    img = view.viewport().grab().toImage()
    seen = Counter()
    for y in range(rect.top() + 8, rect.top() + rect.height() // 2):
        for x in range(rect.left() + 8, rect.right() - 8):
            p = img.pixel(x, y)
            seen[((p >> 16) & 255, (p >> 8) & 255, p & 255)] += 1
    return seen.most_common(1)[0][0]


def test_a_switch_to_dark_and_back_restyles_the_error_panel_and_tile(qtbot, qapp, window, labelled_folder):
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), "gray").save(buf, "JPEG")
    (labelled_folder / "aaa_truncated.jpg").write_bytes(buf.getvalue()[:200])
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    [bad] = [i for i in project.image_ids() if project.image(i).relpath == "aaa_truncated.jpg"]
    qtbot.waitUntil(lambda: project.image(bad).status == "error", timeout=20000)
    win.model.refresh_ids([bad])
    win.grid.select_row(win.model.row_of(bad))
    qtbot.waitUntil(lambda: win.viewer.mode() == "error", timeout=10000)
    panel = win.viewer._error
    qtbot.waitUntil(panel.isVisible)
    assert luminance(ground(panel)) > LIGHT and luminance(_tile_ground(win, bad)) > LIGHT
    light = qapp.palette()
    try:
        qapp.setPalette(dark_palette())  # as the platform does when the OS goes dark
        qtbot.waitUntil(lambda: luminance(ground(panel)) < DARK, timeout=5000)
        for name, w in _panel_lines(panel).items():
            assert text_contrast(w) >= READABLE, name
        qtbot.waitUntil(lambda: luminance(_tile_ground(win, bad)) < DARK, timeout=5000)
    finally:
        qapp.setPalette(light)
    qtbot.waitUntil(lambda: luminance(ground(panel)) > LIGHT, timeout=5000)
    for name, w in _panel_lines(panel).items():
        assert text_contrast(w) >= READABLE, name
    qtbot.waitUntil(lambda: luminance(_tile_ground(win, bad)) > LIGHT, timeout=5000)
