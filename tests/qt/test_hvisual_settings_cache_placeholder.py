"""Settings ▸ Thumbnail cache: a long default folder (a deep profile path) is shown in
the empty field elided in its middle, its end (``…/thumbnails``) kept, the whole in the
tooltip; Qt cut it at the right, the folder's own name gone."""
from __future__ import annotations

from PySide6.QtWidgets import QApplication


def test_long_default_cache_keeps_its_end(qtbot, tmp_path, monkeypatch):
    from llmvis_desktop.core.config import Config
    from llmvis_desktop.qt.dialogs.settings_dialog import SettingsDialog

    deep = tmp_path / "Benutzerprofile_Qualitätssicherung_Linie_3" / "AppData" / "Local" / "llmvis_desktop" / "Cache"
    deep.mkdir(parents=True)
    monkeypatch.setenv("LLMVIS_CACHE_DIR", str(deep))
    dlg = SettingsDialog(Config(reviewer="tester"))
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    QApplication.processEvents()
    edit = dlg.cache_edit
    whole = f"default: {deep / 'thumbnails'}"
    assert edit.toolTip() == whole
    shown = edit.placeholderText()
    assert shown.startswith("default: ") and shown.endswith("thumbnails") and "\u2026" in shown, shown
    assert edit.fontMetrics().horizontalAdvance(shown) <= edit.contentsRect().width()
    # wider: more of it shown, whole once it fits
    dlg.resize(dlg.width() + 2000, dlg.height())
    QApplication.processEvents()
    assert edit.placeholderText() == whole


def test_a_chosen_cache_folder_is_its_text(qtbot, tmp_path):
    from llmvis_desktop.core.config import Config
    from llmvis_desktop.qt.dialogs.settings_dialog import SettingsDialog

    dlg = SettingsDialog(Config(reviewer="tester", cache_location=str(tmp_path)))
    qtbot.addWidget(dlg)
    assert dlg.cache_edit.text() == str(tmp_path)
    assert dlg.result_config().cache_location == str(tmp_path)
