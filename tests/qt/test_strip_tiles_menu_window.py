"""Suggestions ▸ Line-scan strips: at most N tiles: the project's strip_max_tiles (the most
tiles a strip is scored in for label suggestions) set from the window, as `llmvis settings`
sets it; before, only the Python API could. The dialog opens at the project's value."""
from __future__ import annotations

from PySide6.QtWidgets import QInputDialog
from qthelpers import open_and_index

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.suggest.strip_tiles import SETTING


def test_the_menu_sets_the_strip_tile_count(qtbot, window, image_folder, monkeypatch):
    project = open_and_index(qtbot, window, image_folder)
    asked = []

    def answer(parent, title, label, value, low, high, *rest):
        asked.append((value, low))
        return 40, True

    monkeypatch.setattr(QInputDialog, "getInt", staticmethod(answer))
    window.suggest_ctl.update_actions()
    assert window.act_strip_tiles.isEnabled()
    window.act_strip_tiles.trigger()
    assert asked == [(128, 1)]  # the default, whole numbers of 1 or more

    def stored():
        with Project.open(image_folder, project.db_url) as other:
            return other.settings().get(SETTING)
    qtbot.waitUntil(lambda: stored() == 40, timeout=10000)
    window.act_strip_tiles.trigger()
    assert asked[-1] == (40, 1)  # opens at the value now set
