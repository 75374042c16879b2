"""Behaviour and screenshots of the small dialogs: settings (a round trip), shortcuts and
the reviewer's name."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from widget_shots import shot  # noqa: E402


def test_settings_dialog_round_trip(qtbot, tmp_path):
    from PySide6.QtWidgets import QDialogButtonBox

    from llmvis_desktop.core.config import Config
    from llmvis_desktop.qt.dialogs.settings_dialog import SettingsDialog

    models = tmp_path / "models"
    models.mkdir()
    cfg = Config(reviewer="alice", model_dirs=[str(models), "/mnt/offline/hf"], device="cuda", thumbnail_size=192,
                 cache_location=str(tmp_path / "cache"), recent_projects=["/data/a", "/data/b"], last_project="/data/a")
    dlg = SettingsDialog(cfg)
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.result_config() == cfg  # untouched: identical, exact pixel limit kept
    assert any("/mnt/offline/hf" in w for w in dlg.warnings())
    ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled()
    shot(dlg, "settings_dialog")
    dlg.reviewer_edit.setText("   ")
    assert not ok.isEnabled() and dlg.errors() and dlg.message_label.isVisible()
    dlg.reviewer_edit.setText("  bob   smith ")
    dlg.device_combo.setCurrentIndex(dlg.device_combo.findData("cpu"))
    dlg.thumb_spin.setValue(256)
    dlg.pixels_spin.setValue(0.2)  # clamped to the 1 MP minimum
    assert dlg.pixels_spin.value() == 1.0
    dlg.model_list.item(1).setSelected(True)
    dlg._remove_model_dirs()
    dlg.add_model_dir(str(tmp_path))
    dlg.cache_edit.setText("")
    out = dlg.result_config()
    assert out.reviewer == "bob smith" and out.device == "cpu" and out.thumbnail_size == 256
    assert out.model_dirs == [str(models), str(tmp_path)] and out.cache_location == ""
    assert out.max_image_pixels == 1_000_000
    assert out.recent_projects == ["/data/a", "/data/b"] and out.last_project == "/data/a"
    assert ok.isEnabled()
    dlg.cache_edit.setText("relative/dir")
    assert not ok.isEnabled()


def test_shortcuts_dialog(qtbot):
    from llmvis_desktop.qt.dialogs.shortcuts_dialog import DEFAULT_ROWS, SHORTCUTS, ShortcutsDialog

    keys = " | ".join(k for k, _ in SHORTCUTS)
    for k in ("Right / J", "Left / K", "N", "Enter", "Delete", "F2 / E", "Ctrl+Enter", "Esc", "1-9", "R", "S",
              "Ctrl+Z", "Ctrl+Shift+Z / Ctrl+Y", "F", "0", "+ / =", "-", "F1 / ?", "Ctrl+F", "Ctrl+O", "Ctrl+L",
              "Ctrl+Shift+E", "Ctrl+Shift+I", "F5", "Ctrl+= / Ctrl+-"):
        assert k in [s[0] for s in SHORTCUTS], k
    # a key once per place it acts (Esc: in the grid and in the caption editor)
    assert len({(s, k) for s, k, _ in DEFAULT_ROWS}) == len(DEFAULT_ROWS), keys
    dlg = ShortcutsDialog()
    qtbot.addWidget(dlg)
    dlg.show()
    sections = len(dict.fromkeys(s for s, _k, _a in DEFAULT_ROWS))
    assert dlg.table.rowCount() == len(SHORTCUTS) + sections
    shot(dlg, "shortcuts_dialog")
    dlg.filter_edit.setText("caption edit")
    visible = [dlg.table.item(r, 0).text() for r in range(dlg.table.rowCount()) if not dlg.table.isRowHidden(r)]
    assert visible == ["Caption editor", "Ctrl+Enter", "Esc"]


def test_reviewer_dialog(qtbot):
    from PySide6.QtWidgets import QDialog, QDialogButtonBox

    from llmvis_desktop.qt.dialogs.reviewer_dialog import ReviewerDialog

    dlg = ReviewerDialog(None, "")
    qtbot.addWidget(dlg)
    dlg.show()
    ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and dlg.hint.isVisible()
    shot(dlg, "reviewer_dialog")
    QTest.keyClicks(dlg.edit, "  Alice   Martin ")
    assert ok.isEnabled() and dlg.name() == "Alice Martin"
    QTest.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dlg.result() == QDialog.DialogCode.Accepted
