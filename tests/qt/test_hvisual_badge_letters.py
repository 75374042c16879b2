"""A grid tile's status badge letter reads on its badge (>= 4.5:1), measured on the drawn
overlay: white on every badge was 2.65:1 on "missing" orange (M), 3.25:1 on "new" grey
(N), 3.47:1 on "reviewed" green (✓). The error "!" and the repair "R" stay white."""
from __future__ import annotations

from collections import Counter

import pytest

from contrast import contrast_ratio

STATUSES = ("new", "suggested", "reviewed", "rejected", "missing", "error")


def _badge_contrast(img, x0, y0, w, h) -> float:
    seen = Counter()
    for y in range(y0 + 1, y0 + h - 1):
        for x in range(x0 + 1, x0 + w - 1):
            p = img.pixel(x, y)
            seen[((p >> 16) & 255, (p >> 8) & 255, p & 255)] += 1
    ground = seen.most_common(1)[0][0]
    return max(contrast_ratio(c, ground) for c in seen)


@pytest.mark.parametrize("status", STATUSES)
def test_status_letter_reads(qtbot, status):
    from llmvis_desktop.qt.widgets.grid_delegate import GridDelegate

    d = GridDelegate(thumb_size=96)
    img = d._draw_overlay(96, 1.0, status, False, False, ()).toImage()
    assert _badge_contrast(img, 3, 3, d._badge_h, d._badge_h) >= 4.5


def test_error_and_repair_marks_read(qtbot):
    from llmvis_desktop.qt.widgets.grid_delegate import GridDelegate

    d = GridDelegate(thumb_size=96)
    w = d._badge_h
    img = d._draw_overlay(96, 1.0, "error", True, False, ()).toImage()
    assert _badge_contrast(img, 96 - 4 - w, 3, w, w) >= 4.5
    img = d._draw_overlay(96, 1.0, "reviewed", False, True, ()).toImage()
    assert _badge_contrast(img, 96 - 4 - w, 3, w, w) >= 4.5
