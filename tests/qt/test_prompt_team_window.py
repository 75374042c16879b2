"""A teammate sets the project's caption prompt or label template (`llmvis settings`, or
their window's Suggestions ▸ Caption prompt and label template…) on the team's shared
database while this window is open: the team watch's look brought it into the window's
copy of the settings (a dialog opened later showed it, the next job used it), but the
prompts were not among the settings the window follows, so a Caption prompt dialog open
meanwhile kept showing the old text. Now an open dialog follows: a field nobody edited
takes the teammate's value; a field being edited keeps the user's text and the dialog says
what the teammate set. SQLite and PostgreSQL."""
from __future__ import annotations


import pytest

from llmvis_desktop.core.project import Project


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, image_folder):
    """The database's URL (None: the folder's own SQLite file)."""
    if request.param == "sqlite":
        yield None
        return
    yield request.getfixturevalue("pg_url")  # (the run's one server: tests/conftest.py)


def _open(qtbot, win, folder, url):
    with qtbot.waitSignal(win.index_finished, timeout=30000):
        win.open_project(folder, url)
    qtbot.waitUntil(lambda: win.project is not None and win.model.rowCount() > 0, timeout=30000)
    win.team_watch.timer.setInterval(100)
    return win.project


def _stored(folder, url):
    with Project.open(folder, url) as p:
        s = p.settings()
    return s.get("caption_prompt"), s.get("label_template")


def test_a_teammates_prompt_reaches_the_open_dialog_and_the_next_job(qtbot, window, image_folder, db, shots_dir):
    win = window
    project = _open(qtbot, win, image_folder, db)
    win.act_prompts.trigger()
    dlg = win.prompt_dialog
    assert (dlg.prompt_edit.text(), dlg.template_edit.text()) == ("", "")

    with Project.open(image_folder, db) as alice:
        alice.set_setting("caption_prompt", "describe the scratch:")
    qtbot.waitUntil(lambda: dlg.prompt_edit.text() == "describe the scratch:", timeout=15000)
    assert dlg.template_edit.text() == ""
    # the window's next job runs with it (read from the window's copy: no reopening)
    assert win.suggest_ctl._prompts(project, True, True) == ("describe the scratch:", "a photo of a {label} defect")

    dlg.template_edit.setText("a weld with a {label}")  # being edited here when the teammate changes it
    with Project.open(image_folder, db) as alice:
        alice.set_setting("label_template", "a {label} on steel")
        alice.set_setting("caption_prompt", "name the defect:")
    qtbot.waitUntil(lambda: dlg.prompt_edit.text() == "name the defect:", timeout=15000)
    assert dlg.template_edit.text() == "a weld with a {label}"  # the user's text is not replaced
    assert dlg.team_label.isVisible() and "a {label} on steel" in dlg.team_label.text()
    dlg.grab().save(str(shots_dir / "prompt_dialog_teammate.png"))
    dlg.save_button.click()  # only the field this user changed is written: the teammate's prompt stays
    qtbot.waitUntil(lambda: _stored(image_folder, db) == ("name the defect:", "a weld with a {label}"),
                    timeout=15000)

    win.act_prompts.trigger()  # opened again: what is stored
    dlg = win.prompt_dialog
    assert (dlg.prompt_edit.text(), dlg.template_edit.text()) == ("name the defect:", "a weld with a {label}")
    dlg.reject()
