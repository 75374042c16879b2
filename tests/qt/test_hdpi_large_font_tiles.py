"""The grid's tiles under the OS's large-text setting (an application font twice the
default, /tmp/hunt-hdpi/shots/font2_grid.png): the name line under each thumbnail was 18 px
high whatever the font, so the name's lower part (descenders, "png") was cut off, and the
status badge was a 16 px box whatever the font: a 16 px high letter filled it to both
edges (a larger one is drawn out of it)."""
from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QFontMetrics

from llmvis_desktop.qt.widgets.grid_delegate import PAD, GridDelegate


@pytest.fixture
def large_font(qapp):
    before = qapp.font()
    font = qapp.font()
    font.setPointSizeF(before.pointSizeF() * 2)
    qapp.setFont(font)
    yield
    qapp.setFont(before)


def test_the_name_line_is_as_high_as_the_tiles_font(large_font):
    d = GridDelegate(thumb_size=96)
    line = d.cell_size().height() - 96 - 3 * PAD
    assert line >= QFontMetrics(d._font).height()


@pytest.mark.parametrize("status", ["new", "reviewed", "missing"])
def test_the_status_letter_is_inside_its_badge(large_font, status):
    """Every pixel of the letter (white, or black where white would not read on the fill)
    lies within the badge's box (its grey, green... fill), with some of the box above and
    below it."""
    from llmvis_desktop.qt.style import status_color
    from llmvis_desktop.qt.widgets.grid_delegate import badge_text

    dark_letter = badge_text(QColor(status_color(status))) == "#000000"

    d = GridDelegate(thumb_size=96)
    img = d._draw_overlay(96, 1.0, status, False, False, ()).toImage()
    fill = QColor(status_color(status)).rgb() & 0xFFFFFF
    box, letter = [], []
    for y in range(0, 96 - 6):  # above the status bar at the foot
        for x in range(0, 60):
            c = img.pixelColor(x, y)
            if c.alpha() < 200:
                continue
            if (c.rgb() & 0xFFFFFF) == fill:
                box.append((x, y))
            elif (max(c.red(), c.green(), c.blue()) < 20) if dark_letter else (min(c.red(), c.green(), c.blue()) > 235):
                letter.append((x, y))
    assert box and letter
    top, bottom = min(y for _, y in box), max(y for _, y in box)
    left, right = min(x for x, _ in box), max(x for x, _ in box)
    assert all(top < y < bottom and left < x < right for x, y in letter), (top, bottom, left, right)
