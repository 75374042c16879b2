"""Retraining the learned suggester every 10 reviews is a project setting, in the team's
database: a teammate who ran Suggestions ▸ Suggest labels from reviewed images switched it
on for the project, yet this window, open meanwhile, kept its tick off and did not retrain
(until reopened, when it was on), and its Suggestions menu said otherwise than the
database. The window follows a teammate's change at the team watch's next look, as it
follows the chosen models."""
from __future__ import annotations

from qthelpers import open_and_index

from llmvis_desktop.core.project import Project
from llmvis_desktop.qt.suggest_controller import AUTO_SETTING


def test_a_teammate_switching_auto_retrain_is_followed(qtbot, window, image_folder):
    project = open_and_index(qtbot, window, image_folder)
    sc = window.suggest_ctl
    window.team_watch.timer.setInterval(100)
    assert sc.auto_retrain is False and not window.act_auto_retrain.isChecked()
    with Project.open(image_folder, project.db_url) as alice:
        alice.set_setting(AUTO_SETTING, True)
    qtbot.waitUntil(lambda: sc.auto_retrain is True, timeout=15000)
    assert window.act_auto_retrain.isChecked()
    with Project.open(image_folder, project.db_url) as alice:  # and off again
        alice.set_setting(AUTO_SETTING, False)
    qtbot.waitUntil(lambda: sc.auto_retrain is False, timeout=15000)
    assert not window.act_auto_retrain.isChecked()
