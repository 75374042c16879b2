"""The calibration plot's diagonal (perfect calibration: what the dots are read against)
stands 3:1 from the ground it is drawn on, in a light and a dark palette, measured on a
grab of the plot in a tab page as the dashboard shows it. Drawn in the palette's mid
tone, it was 1.2:1 in a dark palette (80,80,80 on 67,67,67): no line at all."""
from __future__ import annotations

from PySide6.QtWidgets import QApplication, QTabWidget

from contrast import contrast_ratio, theme  # noqa: F401 (theme: the fixture)

BINS = [{"bin": "0.1-0.2", "lo": 0.1, "hi": 0.2, "count": 5, "mean_score": 0.15, "right_fraction": 0.9}]


def test_the_diagonal_is_seen(qtbot, qapp, theme):  # noqa: F811 - theme: the fixture
    from llmvis_desktop.qt.dialogs import evaluation_plots as plots

    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    rel = plots.Reliability(BINS)
    tabs.addTab(rel, "Calibration")
    tabs.resize(560, 420)
    tabs.show()
    qtbot.waitExposed(tabs)
    QApplication.processEvents()
    pm = tabs.grab()
    img, dpr = pm.toImage(), pm.devicePixelRatio()
    area = rel.square()
    origin = rel.mapTo(tabs, rel.rect().topLeft())

    def px(x, y):
        p = img.pixel(round((origin.x() + x) * dpr), round((origin.y() + y) * dpr))
        return ((p >> 16) & 255, (p >> 8) & 255, p & 255)

    # the ground: inside the square, off the diagonal, grid lines and the dot
    ground = px(area.left() + 0.62 * area.width(), area.bottom() - 0.13 * area.height())
    best = []
    for i in range(30, 70):  # the diagonal's middle, clear of the dot (top left) and the grid lines
        t = i / 100
        if abs(t - 0.5) < 0.03:
            continue
        x, y = area.left() + t * area.width(), area.bottom() - t * area.height()
        best.append(max(contrast_ratio(px(x + dx, y), ground) for dx in (-1, 0, 1)))
    seen = sorted(best)[len(best) // 2]  # a dashed line: the median of its drawn half
    drawn = [b for b in best if b > 1.5]
    assert len(drawn) >= len(best) // 3, (theme, ground, best)
    assert max(drawn) >= 3.0, (theme, ground, seen, best)
    assert rel.reference_color().isValid()
