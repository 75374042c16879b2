"""Image ▸ Repair right after another image was selected: the viewer still showed page 2
of the last image, and the dialog took that page for the newly selected one ("frame 1
out of range (file has 1 frame(s))" for a one-page image; silently the wrong page of
another multi-page file). The viewer's page is used only while it shows the selected
image; otherwise the selected image's page 1."""
from __future__ import annotations


import numpy as np
import pytest
import tifffile
from PIL import Image

from qthelpers import open_and_index



def _folder(tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    for name, base in (("a_stack.tif", 1000), ("c_stack.tif", 20000)):
        frames = np.stack([np.full((40, 48), base + 1000 * i, np.uint16) for i in range(3)])
        tifffile.imwrite(folder / name, frames, photometric="minisblack")
    Image.fromarray(np.full((40, 48), 128, np.uint8)).save(folder / "b_flat.png")
    return folder


def _on_page_2_of_a(qtbot, window):
    window.grid.select_row(0)
    qtbot.waitUntil(lambda: window.panel_ctl.record is not None
                    and window.panel_ctl.record.relpath == "a_stack.tif", timeout=5000)
    qtbot.waitUntil(lambda: window.viewer.frames() == (0, 3), timeout=5000)
    window.viewer.step_frame(+1)
    qtbot.waitUntil(lambda: window.viewer.frames() == (1, 3), timeout=5000)


@pytest.mark.parametrize("other, pages", [("b_flat.png", 1), ("c_stack.tif", 3)])
def test_repair_opened_before_the_selected_image_is_shown_is_of_its_page_1(qtbot, window, tmp_path, gated,
                                                                           other, pages):
    gate, names = gated
    open_and_index(qtbot, window, _folder(tmp_path))
    _on_page_2_of_a(qtbot, window)
    errors = []
    window.show_error = lambda text, **kw: errors.append(text)
    names.add(other)
    window.grid.select_row(["a_stack.tif", "b_flat.png", "c_stack.tif"].index(other))
    qtbot.waitUntil(lambda: window.panel_ctl.record.relpath == other, timeout=5000)
    # still being read (the viewer had page 2 of a_stack.tif: it no longer counts as shown)
    assert window.viewer.is_loading() and window.viewer_image[1] != window.panel_ctl.record.id
    window.panel_ctl.open_repair()
    dlg = window.panel_ctl.repair_dialog
    assert dlg.wait_loaded()  # (read on a worker)
    assert not errors
    assert dlg is not None and dlg.image_path.name == other
    assert dlg.data.frame == 0 and dlg.frame == 0
    if pages > 1:
        assert int(dlg.data.pixels.max()) == 20000  # page 1 of c_stack.tif, not its page 2
        assert "page 1 of 3" in dlg.windowTitle()
    dlg.reject()
    gate.set()


def test_repair_of_the_image_shown_still_takes_its_page(qtbot, window, tmp_path):
    open_and_index(qtbot, window, _folder(tmp_path))
    _on_page_2_of_a(qtbot, window)
    window.panel_ctl.open_repair()
    dlg = window.panel_ctl.repair_dialog
    assert dlg.wait_loaded()
    assert dlg.data.frame == 1 and "page 2 of 3" in dlg.windowTitle()
    dlg.reject()
