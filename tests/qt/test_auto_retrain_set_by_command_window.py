"""The learned suggester's retrain every 10 reviews, set through the core's user settings
(what `llmvis settings FOLDER learned_auto_retrain on|off` does) while a window has the
project open: the window's Suggestions menu tick and its retrain follow at the team
watch's next look."""
from __future__ import annotations

from qthelpers import open_and_index

from llmvis_desktop.core import user_settings
from llmvis_desktop.core.project import Project
from llmvis_desktop.qt.suggest_controller import AUTO_SETTING


def test_the_menu_tick_follows_the_command(qtbot, window, image_folder):
    project = open_and_index(qtbot, window, image_folder)
    sc = window.suggest_ctl
    window.team_watch.timer.setInterval(100)
    assert not sc.auto_retrain and not window.act_auto_retrain.isChecked()
    with Project.open(image_folder, project.db_url) as other:
        assert user_settings.change(other, AUTO_SETTING, "on") == (False, True)
    qtbot.waitUntil(lambda: window.act_auto_retrain.isChecked(), timeout=15000)
    assert sc.auto_retrain is True
    with Project.open(image_folder, project.db_url) as other:
        user_settings.change(other, AUTO_SETTING, "off")
    qtbot.waitUntil(lambda: not window.act_auto_retrain.isChecked(), timeout=15000)
    assert sc.auto_retrain is False
