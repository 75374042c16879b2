"""The repair dialog opens at once and reads its image on a worker: it read a 24 MP
image (and built the mask editor's full-size overlays) on the GUI thread, and the window
froze 0.5 s before the dialog showed. While it loads it says so, painting and Repair are
off, and closing it is safe; an unreadable image is reported, naming the file."""
from __future__ import annotations

import threading

import numpy as np
import pytest
import shiboken6
from PIL import Image
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDialogButtonBox

from qthelpers import open_and_index


@pytest.fixture
def image(tmp_path):
    path = tmp_path / "wide.png"
    Image.fromarray(np.full((90, 120, 3), 128, np.uint8)).save(path)
    return path


@pytest.fixture
def held_read(monkeypatch):
    """(gate, threads): the dialog's image reads wait for ``gate``; ``threads`` are the
    threads they ran on."""
    from llmvis_desktop.qt.dialogs import repair_dialog

    gate, threads = threading.Event(), []
    real = repair_dialog.read_image

    def held(*args, **kwargs):
        threads.append(threading.current_thread())
        gate.wait(20)
        return real(*args, **kwargs)

    monkeypatch.setattr(repair_dialog, "read_image", held)
    yield gate, threads
    gate.set()


def test_dialog_opens_while_its_image_is_read_on_a_worker(qtbot, image, held_read):
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    gate, threads = held_read
    dlg = RepairDialog(image, None, background=True)  # returns with the read still held
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: bool(threads), timeout=5000)
    assert threads[0] is not threading.main_thread()
    assert not dlg.loaded
    assert "Loading wide.png" in dlg.status.text()
    assert not dlg.editor.isEnabled() and not dlg.run_btn.isEnabled()
    dlg.run_repair()  # (a Repair that got through anyway: nothing to repair yet)
    assert dlg._job is None
    gate.set()
    qtbot.waitUntil(lambda: dlg.loaded, timeout=10000)
    assert dlg.editor.isEnabled() and dlg.run_btn.isEnabled()
    assert dlg.editor.mask().shape == (90, 120) and dlg.data.display.shape[:2] == (90, 120)
    assert dlg.view.before is not None and dlg.view.before.width() == 120
    assert dlg.status.text().startswith("Paint over the defect")
    dlg.editor.canvas.fill_rect(10, 10, 30, 20)  # the editor paints on the image read
    assert dlg.editor.mask().sum() == 200
    dlg.reject()


def test_closing_while_loading_is_safe(qtbot, image, held_read):
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog
    from llmvis_desktop.qt.dialogs.repair_loading import join_loads

    gate, threads = held_read
    dlg = RepairDialog(image, None, background=True)
    dlg.show()
    qtbot.waitUntil(lambda: bool(threads), timeout=5000)
    seen = []
    dlg.loaded_ok.connect(lambda: seen.append("loaded"))
    dlg.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
    dlg.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(dlg), timeout=5000)  # deleted with the read still held
    gate.set()
    assert join_loads(10000)
    QCoreApplication.sendPostedEvents()  # the read's outcome, delivered to nobody (was a 50 ms wait)
    assert seen == []


def test_an_unreadable_image_is_reported_naming_it(qtbot, tmp_path):
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not a png at all")
    dlg = RepairDialog(bad, None, background=True)
    qtbot.addWidget(dlg)
    failed = []
    dlg.load_failed.connect(failed.append)
    qtbot.waitUntil(lambda: bool(failed), timeout=10000)
    assert "broken.png" in failed[0]
    assert "broken.png" in dlg.status.text() and not dlg.loaded
    assert not dlg.editor.isEnabled() and not dlg.run_btn.isEnabled()
    dlg.reject()


def test_window_opens_repair_at_once_and_reports_an_unreadable_image(qtbot, window, tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    Image.fromarray(np.full((40, 48), 128, np.uint8)).save(folder / "a.png")
    open_and_index(qtbot, window, folder)
    window.grid.select_row(0)
    qtbot.waitUntil(lambda: window.panel_ctl.record is not None, timeout=5000)
    window.panel_ctl.open_repair()
    dlg = window.panel_ctl.repair_dialog
    assert dlg is not None
    assert dlg.wait_loaded(10000) and dlg.editor.mask().shape == (40, 48)
    dlg.reject()
    # the file broken after indexing: the dialog closes and the window says why
    (folder / "a.png").write_bytes(b"broken")
    errors = []
    window.show_error = lambda text, **kw: errors.append(text)
    window.panel_ctl.open_repair()
    qtbot.waitUntil(lambda: bool(errors), timeout=10000)
    assert "Cannot open the repair dialog" in errors[0] and "a.png" in errors[0]
    qtbot.waitUntil(lambda: window.panel_ctl.repair_dialog is None, timeout=5000)
