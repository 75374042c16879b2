"""Legibility as a reviewer sees it: a widget's text against what is painted behind it,
measured on a grab of the window (WCAG contrast ratio), and a dark palette as the OS
gives one (Windows/macOS dark mode, a dark desktop theme)."""
from __future__ import annotations

from collections import Counter

import pytest

# the WCAG formulas the window's own colour choices use (qt/style.py)
from llmvis_desktop.qt.style import contrast_ratio, luminance  # noqa: F401


def text_contrast(widget) -> float:
    """The contrast of ``widget``'s text as painted in its window: the widget's area cut
    from a grab of the window; the background is its commonest colour, the text the pixel
    that stands out most from it (the core of a glyph)."""
    seen = _painted(widget)
    bg = seen.most_common(1)[0][0]
    return max(contrast_ratio(p, bg) for p in seen)


def ground(widget) -> tuple:
    """The (r, g, b) painted behind ``widget``'s text: its area's commonest colour in a
    grab of its window."""
    return _painted(widget).most_common(1)[0][0]


def _painted(widget) -> Counter:
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    top = widget.window()
    pm = top.grab()
    img, dpr = pm.toImage(), pm.devicePixelRatio()
    tl = widget.mapTo(top, widget.rect().topLeft())
    r = QRect(round(tl.x() * dpr), round(tl.y() * dpr), round(widget.width() * dpr),
              round(widget.height() * dpr)).intersected(img.rect())
    assert r.width() > 2 and r.height() > 2, "the widget is not in sight"
    seen = Counter()
    for y in range(r.top(), r.bottom() + 1):
        for x in range(r.left(), r.right() + 1):
            p = img.pixel(x, y)
            seen[((p >> 16) & 255, (p >> 8) & 255, p & 255)] += 1
    return seen


def dark_palette():
    """A dark palette as Fusion's dark mode gives it."""
    from PySide6.QtGui import QColor, QPalette

    p = QPalette()
    R = QPalette.ColorRole
    for role, c in ((R.Window, "#353535"), (R.WindowText, "#e6e6e6"), (R.Base, "#232323"),
                    (R.AlternateBase, "#2c2c2c"), (R.ToolTipBase, "#202020"), (R.ToolTipText, "#e6e6e6"),
                    (R.Text, "#e6e6e6"), (R.Button, "#353535"), (R.ButtonText, "#e6e6e6"),
                    (R.BrightText, "#ff5555"), (R.Link, "#5aa0ff"), (R.Highlight, "#2a82da"),
                    (R.HighlightedText, "#ffffff"), (R.PlaceholderText, "#a0a0a0"), (R.Mid, "#505050"),
                    (R.Dark, "#1e1e1e"), (R.Light, "#505050"), (R.Midlight, "#454545"), (R.Shadow, "#101010")):
        p.setColor(role, QColor(c))
    return p


@pytest.fixture
def dark(qapp):
    """The application in a dark palette for the test, its own palette back after."""
    before = qapp.palette()
    qapp.setPalette(dark_palette())
    yield
    qapp.setPalette(before)


@pytest.fixture(params=["light", "dark"])
def theme(request, qapp):
    """The test once in the application's own palette ("light") and once in a dark one
    ("dark"); its own palette back after."""
    before = qapp.palette()
    if request.param == "dark":
        qapp.setPalette(dark_palette())
    yield request.param
    qapp.setPalette(before)
