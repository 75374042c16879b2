"""The grid's tooltip and the viewer's status line give a DICOM's stored depth: a 16-bit
CT with a fractional rescale slope said "DICOM 32-bit" (its depth after rescaling)."""
from __future__ import annotations

from PySide6.QtCore import Qt

from qthelpers import open_and_index
from test_dicom_stored_depth import write_ct_fractional

from llmvis_desktop.core.imaging.reader import read_image
from llmvis_desktop.qt.widgets.viewer_display import status_line


def test_grid_tooltip_and_viewer_status_say_the_stored_depth(qtbot, window, tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    path = write_ct_fractional(folder)
    open_and_index(qtbot, window, folder)
    model = window.model
    qtbot.waitUntil(lambda: (model.cached_record(0) or model.record_at(0)) is not None
                    and (model.record_at(0).width or 0) > 0, timeout=10000)
    tip = model.data(model.index(0), Qt.ItemDataRole.ToolTipRole)
    assert "128×128 DICOM 16-bit" in tip and "32-bit" not in tip, tip
    data = read_image(path)
    line = " ".join(status_line(data, data.pixels, 1.0, True, data.window, "").split())
    assert "DICOM 16-bit gray \u00b7 12 stored, rescaled x0.5 -1024" in line and "32-bit" not in line, line
