"""The first GAN preview of a session stalled the window for 0.3-0.6 s: torch was first
imported (and the checkpoint loaded) by the preview's worker thread, holding the
interpreter lock while the GUI waited for it. Opening the repair dialog now imports the
engine and loads its checkpoint on a worker thread, while the user paints the mask; the
preview finds them ready."""
from __future__ import annotations

import threading

from qthelpers import make_images, open_and_index

import torch  # noqa: E402,F401 - a runtime dependency
import cv2  # noqa: E402,F401 - a runtime dependency


def test_opening_the_repair_dialog_loads_the_gan_engine_on_a_worker(qtbot, window, tmp_path, monkeypatch):
    from llmvis_desktop.core.repair import apply as apply_mod
    from llmvis_desktop.core.repair import checkpoint as ck_mod

    folder = tmp_path / "imgs"
    make_images(folder, n=2)
    open_and_index(qtbot, window, folder)
    loaded_on = []
    real = ck_mod.load_generator

    def recording(path):
        loaded_on.append((threading.get_ident(), str(path)))
        return real(path)

    monkeypatch.setattr(ck_mod, "load_generator", recording)
    monkeypatch.setattr(apply_mod, "_GEN_CACHE", {})  # as in a new session
    window.grid.select_row(0)
    qtbot.waitUntil(lambda: window.panel_ctl.record is not None, timeout=5000)
    window.panel_ctl.open_repair()
    dlg = window.panel_ctl.repair_dialog
    assert dlg is not None and not dlg.results  # nothing painted, no preview asked for
    qtbot.waitUntil(lambda: bool(apply_mod._GEN_CACHE), timeout=30000)
    assert loaded_on and loaded_on[0][0] != threading.get_ident()  # not on the GUI thread
    assert loaded_on[0][1] == str(apply_mod.STARTER_CHECKPOINT)  # the project has no trained one
    # the preview uses what was loaded: no second load (once the dialog has read its image
    # on its worker: Repair before that does nothing, and on a loaded CI machine the
    # checkpoint could be in first, so the preview was never asked for)
    assert dlg.wait_loaded()
    dlg.editor.canvas.fill_rect(10, 10, 40, 30)
    dlg.method.setCurrentIndex(dlg.method.findData("gan"))
    dlg.run_repair()
    qtbot.waitUntil(lambda: "gan" in dlg.results, timeout=60000)
    assert len(loaded_on) == 1
    dlg.reject()
