"""The repair dialog's mask editor and before/after view are different sizes (the view
shares its column with the controls); at one zoom they show the same region: the same
screen pixels per image pixel, about the same image point. Each fitted its own size, so at
one zoom the editor showed a larger part of the image than the view."""
import numpy as np
import cv2
import pytest
from PySide6.QtCore import QPointF, QRectF

from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog


def _shown(widget) -> tuple[float, QRectF]:
    """(screen pixels per image pixel, the image rectangle shown) of a zoom-pan widget."""
    t = widget._target()
    img = widget._image_size()
    s = t.width() / img.width()
    vis = t.intersected(QRectF(widget.rect()))
    return s, QRectF((vis.x() - t.x()) / s, (vis.y() - t.y()) / s, vis.width() / s, vis.height() / s)


@pytest.mark.parametrize("steps", [0, 3, 8])
def test_editor_and_view_show_one_region_at_one_zoom(qtbot, tmp_path, steps):
    path = tmp_path / "wide.png"
    cv2.imwrite(str(path), (np.random.default_rng(1).random((600, 900, 3)) * 255).astype(np.uint8))
    dlg = RepairDialog(path)
    qtbot.addWidget(dlg)
    dlg.resize(1000, 640)
    dlg.show()
    qtbot.waitExposed(dlg)
    canvas, view = dlg.editor.canvas, dlg.view
    assert canvas.size() != view.size()  # the case: two sizes
    for _ in range(steps):
        canvas.viewport.zoom_at(1.25, QPointF(canvas.width() * 0.3, canvas.height() * 0.4), canvas.size(),
                                canvas._image_size())
    (s1, r1), (s2, r2) = _shown(canvas), _shown(view)
    assert s1 == pytest.approx(s2, rel=1e-6)
    # about the same image point, and the smaller widget's region inside the larger's
    assert r1.center().x() == pytest.approx(r2.center().x(), abs=1.0)
    assert r1.center().y() == pytest.approx(r2.center().y(), abs=1.0)
    small, big = sorted([r1, r2], key=lambda r: r.width() * r.height())
    assert big.adjusted(-1, -1, 1, 1).contains(small)
    # Ctrl+1: one image pixel to one screen pixel in both
    canvas.viewport.actual_pixels(canvas.size(), canvas._image_size())
    assert _shown(canvas)[0] == pytest.approx(1.0) and _shown(view)[0] == pytest.approx(1.0)
    dlg.grab().save(str(tmp_path / f"same_region_{steps}.png"))
