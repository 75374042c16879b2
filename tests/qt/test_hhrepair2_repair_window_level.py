"""The repair dialog shows the image through the window/level the reviewer chose in the
viewer: a faint scratch on a 16-bit scan, seen only through a narrow window, was invisible
in the dialog (it always showed the file's automatic stretch), so it could not be painted
over. The repair's own pixels do not depend on it."""
import numpy as np
import tifffile

from qthelpers import open_and_index
from repair_dialog_helpers import SHOTS

BASE, SCRATCH = 30000, 30400  # 400 of 65535: a grey level apart in the automatic stretch


def _scan(folder):
    folder.mkdir()
    rng = np.random.default_rng(0)
    a = (BASE + rng.integers(-60, 60, (120, 160))).astype(np.uint16)
    a[:, :8] = 0  # a dark edge and a bright one: the automatic stretch spans nearly all of it
    a[:, -8:] = 65000
    a[60:63, 20:140] = SCRATCH
    tifffile.imwrite(folder / "scan.tif", a)


def test_the_dialog_shows_the_viewers_window(qtbot, window, tmp_path):
    import shiboken6

    _scan(tmp_path / "imgs")
    project = open_and_index(qtbot, window, tmp_path / "imgs")
    window.grid.select_row(0)
    qtbot.waitUntil(lambda: window.panel_ctl.record is not None, timeout=5000)
    rec = window.panel_ctl.record
    qtbot.waitUntil(lambda: window.viewer.has_image() and window.viewer_image == (project, rec.id), timeout=10000)
    center, width = (BASE + SCRATCH) / 2, 1000.0
    window.viewer.set_window(center, width)
    qtbot.waitUntil(lambda: window.viewer.chosen_window() == (center, width), timeout=5000)
    window.act_repair.trigger()
    qtbot.waitUntil(lambda: window.panel_ctl.repair_dialog is not None, timeout=5000)
    dlg = window.panel_ctl.repair_dialog
    assert dlg.wait_loaded()
    assert tuple(dlg.data.window) == (center, width)
    img = dlg.editor.canvas._image
    scratch, around = img.pixelColor(80, 61).value(), img.pixelColor(80, 40).value()
    assert scratch - around > 60, (scratch, around)  # seen as the reviewer sees it
    assert dlg.view.before is img or dlg.view.before.pixelColor(80, 61).value() == scratch
    SHOTS.mkdir(exist_ok=True)
    dlg.grab().save(str(SHOTS / "repair_dialog_window_level.png"))
    dlg.reject()
    qtbot.waitUntil(lambda: not shiboken6.isValid(dlg) or not dlg.isVisible(), timeout=5000)
