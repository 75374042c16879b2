"""The Models dialog on an 800x600 screen: its fixed 820 px minimum width put its right
side (Rescan, Close, the Problem column) off the screen, though its rows need ~600 px.
It now opens at 820x420 where there is room, at the screen's width less a frame where
there is not, and can be made as narrow as its rows allow."""
from __future__ import annotations

from PySide6.QtCore import QSize


def _dialog(qtbot, tmp_path):
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.qt.dialogs.model_manager import ModelManagerDialog

    images = tmp_path / "images"
    images.mkdir()
    (tmp_path / "models").mkdir()
    project = Project.open(images)
    dlg = ModelManagerDialog(project, [str(tmp_path / "models")], device="cpu", hf_cache=tmp_path / "no-cache")
    qtbot.addWidget(dlg)
    return project, dlg


def test_the_models_dialog_fits_an_800x600_screen(qtbot, tmp_path, monkeypatch):
    from llmvis_desktop.qt import screen

    monkeypatch.setattr(screen, "available_size", lambda _w: QSize(800, 600))
    project, dlg = _dialog(qtbot, tmp_path)
    try:
        dlg.show()
        qtbot.waitExposed(dlg)
        assert dlg.minimumWidth() <= 800 - 16, dlg.minimumWidth()
        assert dlg.width() <= 800 - 16 and dlg.height() <= 600 - 48, dlg.size()
        # what it shows is still whole: its buttons' row and the opt-ins
        for w in (dlg.rescan_btn, dlg.code_box, dlg.clear_lab_btn):
            assert w.width() >= w.sizeHint().width(), w.text()
            right = w.mapTo(dlg, w.rect().topRight()).x()
            assert right < dlg.width(), w.text()
    finally:
        dlg.close()
        project.close()


def test_it_opens_at_820_px_where_the_screen_has_room(qtbot, tmp_path, monkeypatch):
    from llmvis_desktop.qt import screen

    monkeypatch.setattr(screen, "available_size", lambda _w: QSize(1920, 1080))
    project, dlg = _dialog(qtbot, tmp_path)
    try:
        dlg.show()
        qtbot.waitExposed(dlg)
        assert dlg.width() >= 820 and dlg.height() >= 420, dlg.size()
    finally:
        dlg.close()
        project.close()
