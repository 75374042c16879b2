"""The repair dialog's "after" rendering: done on the repair's worker, once per result,
and the same pixels as rendering the whole repaired image.

On a 6000x4000 photo the rendering (compare with the original, copy, paste the
unchanged pixels) took 3 s on the GUI thread when the result came, and 0.9 s at every
switch of engine: the window froze."""
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
import imagegen  # noqa: E402


def _reference(data, pixels):
    """The whole-image rendering the dialog always did (its contract)."""
    from llmvis_desktop.core.imaging.display import display_for, to_display

    meta = data.meta
    if meta.sigmoid:
        out = to_display(pixels, data.window, invert=meta.inverted, sigmoid=True)
    else:
        out = display_for(pixels, data.window, invert=meta.inverted)[0]
    orig, before = np.asarray(data.pixels), np.asarray(data.display)
    same = pixels == orig
    if same.ndim == 3:
        same = same.all(axis=2)
    out = out.copy()
    out[same] = before[same]
    return out


def _images(folder: Path) -> dict:
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 255, (90, 120, 3), np.uint8)
    Image.fromarray(rgb).save(folder / "rgb.png")
    px = rng.integers(0, 255, (90, 120, 4), np.uint8)
    px[:20, :30, 3] = 0
    Image.fromarray(px, "RGBA").save(folder / "rgba.png")
    return {"rgb": folder / "rgb.png", "rgba": folder / "rgba.png", "tif16": imagegen.write_tiff16(folder),
            "dicom": imagegen.copy_dicom(folder), "mono1": imagegen.write_dicom_monochrome1(folder)}


@pytest.mark.parametrize("kind", ["rgb", "rgba", "tif16", "dicom", "mono1"])
def test_after_is_rendered_as_the_whole_image_would_be(qtbot, tmp_path, kind):
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    path = _images(tmp_path)[kind]
    dlg = RepairDialog(path, None)
    qtbot.addWidget(dlg)
    h, w = dlg.data.pixels.shape[:2]
    dlg.editor.canvas.fill_rect(w // 4, h // 3, w // 2, h // 2)
    dlg.method.setCurrentIndex(dlg.method.findData("telea"))
    dlg.run_repair()
    qtbot.waitUntil(lambda: "telea" in dlg.results, timeout=15000)
    got = dlg._display(dlg.results["telea"].pixels)
    assert np.array_equal(got, _reference(dlg.data, dlg.results["telea"].pixels))
    # an all-changed result (no pixel left as it was) too
    changed = dlg.data.pixels.copy()
    changed[...] = np.iinfo(changed.dtype).max if changed.dtype.kind in "ui" else 1
    assert np.array_equal(dlg._display(changed), _reference(dlg.data, changed))


def test_after_is_rendered_on_the_worker_once(qtbot, tmp_path, monkeypatch):
    """Rendering a result for the view and the thumbnails is the worker's: the GUI thread
    only shows it, and switching engines shows the rendering already made."""
    from llmvis_desktop.core.imaging import display
    from llmvis_desktop.qt.dialogs import repair_dialog
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    path = imagegen.write_tiff16(tmp_path)  # drawn through a window: display_for renders it
    dlg = RepairDialog(path, None)
    qtbot.addWidget(dlg)
    calls = []
    real = display.display_for

    def spy(*a, **k):
        calls.append(threading.current_thread() is threading.main_thread())
        return real(*a, **k)

    monkeypatch.setattr(display, "display_for", spy)
    monkeypatch.setattr(repair_dialog, "display_for", spy, raising=False)
    dlg.editor.canvas.fill_rect(10, 10, 30, 25)
    dlg.side_by_side.setChecked(True)
    dlg.method.setCurrentIndex(dlg.method.findData("telea"))
    dlg.run_repair()
    qtbot.waitUntil(lambda: len(dlg.results) == 3 and dlg.run_btn.isEnabled(), timeout=30000)
    for k in ("ns", "gan", "telea"):  # switch engines: shown from the renderings made
        dlg.method.setCurrentIndex(dlg.method.findData(k))
        assert dlg.view.after is not None
    assert calls and not any(calls), "rendered on the GUI thread"
    assert len(calls) == 3  # once per engine


def test_the_thumbnail_is_smoothed_from_a_reduced_image(qtbot, monkeypatch):
    """Qt's smooth scaling of a whole 6000x4000 "after" image to its 160x120 thumbnail held
    the interpreter lock on the worker for 0.3 s (the window waited): it is smoothed from
    every n-th pixel, at least twice the thumbnail's size."""
    from types import SimpleNamespace

    from llmvis_desktop.qt.dialogs import repair_render

    made = []
    real = repair_render.to_qimage
    monkeypatch.setattr(repair_render, "to_qimage", lambda a: made.append(a.shape) or real(a))
    rng = np.random.default_rng(0)
    px = rng.integers(0, 255, (1500, 2000, 3), np.uint8)
    data = SimpleNamespace(pixels=px, display=px, window=None,
                           meta=SimpleNamespace(sigmoid=False, inverted=False))
    rep = px.copy()
    rep[700:720, 100:1900] = 0
    after, thumb = repair_render.render_images(data, rep)
    assert (after.width(), after.height()) == (2000, 1500)
    assert (thumb.width(), thumb.height()) == (160, 120)
    smalls = [s for s in made if s[:2] != (1500, 2000)]
    assert smalls and all(240 <= s[0] < 1500 and 320 <= s[1] < 2000 for s in smalls)
