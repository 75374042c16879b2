"""Settings ▸ Model folders with none added: the list says what that means (a blank box
read as a list that failed to load, and did not say the Hugging Face cache is looked in
meanwhile), whole in its box, readable (>= 4.5:1) in a light and a dark palette; with a
folder added, the folder is all it shows."""
from __future__ import annotations

from PySide6.QtWidgets import QApplication

from contrast import text_contrast, theme  # noqa: F401 (theme: the fixture)


def test_empty_model_folders_say_so(qtbot, qapp, theme):  # noqa: F811 - theme: the fixture
    from llmvis_desktop.core.config import Config
    from llmvis_desktop.qt.dialogs.settings_dialog import SettingsDialog

    dlg = SettingsDialog(Config(reviewer="tester", model_dirs=[]))
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    QApplication.processEvents()
    lst = dlg.model_list
    assert lst.count() == 0
    assert "Hugging Face cache" in lst.empty_text and "Add" in lst.empty_text
    assert lst.empty_text_fits()
    assert text_contrast(lst.viewport()) >= 4.5


def test_a_folder_shows_alone(qtbot, tmp_path):
    from llmvis_desktop.core.config import Config
    from llmvis_desktop.qt.dialogs.settings_dialog import SettingsDialog

    dlg = SettingsDialog(Config(reviewer="tester", model_dirs=[]))
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.add_model_dir(str(tmp_path))
    QApplication.processEvents()
    img = dlg.model_list.viewport().grab().toImage()
    # below the folder's row, the list is its ground only (the empty text is gone)
    row_h = dlg.model_list.sizeHintForRow(0)
    colours = {img.pixel(x, y) for x in range(0, img.width(), 3) for y in range(row_h + 4, img.height(), 2)}
    assert len(colours) == 1
