"""The viewer's info line at the main window's default size (1280x800: the viewer ~369 px
wide) showing a DICOM: with the W/L beside it the format was cut to "DIC…" (or left out),
and its tooltip was the line without the W/L. Tight dots and whole words now: the
format reads "DICOM"; the tooltip is the whole line, W/L with it."""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QApplication

from llmvis_desktop.core.imaging.reader import ImageData, ImageMeta


def _dicom(h=128, w=128):
    a = (np.arange(h * w).reshape(h, w) % 4000).astype(np.int16)
    d = (a // 16).astype(np.uint8)
    meta = ImageMeta(width=w, height=h, format="DICOM", bit_depth=16, channels=1, frames=1, mode="I;16")
    return ImageData(pixels=a, display=d, meta=meta, window=(136.0, 2063.0), frame=0)


def test_a_dicoms_details_fit_beside_the_wl_and_the_tooltip_has_all(qtbot, viewer):
    viewer.resize(369, 698)
    viewer.show_image(_dicom())
    for _ in range(3):
        QApplication.processEvents()
        qtbot.wait(20)
    viewer._update_status()
    label = viewer.status_label
    whole, shown = viewer.status_text(), label.shown_text()
    assert "DICOM 16-bit gray" in whole and "W 2063" in whole
    assert label.fontMetrics().horizontalAdvance(shown) <= label.contentsRect().width()
    assert "DICOM" in shown and "\u2026" not in shown, shown
    assert "zoom" in shown and "128 \u00d7 128" in shown, shown
    assert label.toolTip() == whole and viewer.wl_status.toolTip() == whole
