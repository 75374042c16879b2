"""File ▸ Open team project…: a team on PostgreSQL opens its shared project from the
window, no terminal (before, only ``llmvis-desktop FOLDER --db URL`` chose the database).
The dialog takes the folder, the URL and the password apart; Test connection says what
failed, naming the value; Open (Enter) goes through ``open_project(folder, db_url)`` as
``--db`` does. The recent entry names the team database, config.json never holds the
password, and reopening the entry asks for it. On the tests' PostgreSQL server."""
from __future__ import annotations

import json

from PySide6.QtCore import Qt
from sqlalchemy.engine import make_url

from llmvis_desktop.core import config as cfg_mod

PASSWORD = "s3cret-Pw"


def _dialog(qtbot, win):
    win.act_open_team.trigger()
    dlg = win.team_open_dialog
    qtbot.waitUntil(dlg.isVisible, timeout=5000)
    return dlg


def _test(qtbot, dlg) -> str:
    dlg.test_button.click()
    qtbot.waitUntil(lambda: dlg.last_check is not None, timeout=20000)
    return dlg.result_label.text()


def test_dialog_opens_a_team_project_and_its_recent_entry_reopens_it(qtbot, window, image_folder, pg_server,
                                                                     pg_url, shots_dir):
    from team_pg_auth import password_role  # tests/core (put on the path by pg_server)

    win = window
    with password_role(pg_server, pg_url, PASSWORD) as url:
        database = make_url(url).database
        dlg = _dialog(qtbot, win)
        dlg.folder_edit.setText(str(image_folder))
        # a password pasted into the URL goes to its own field: the URL text never holds it
        dlg.url_edit.setText(str(make_url(url).set(password=PASSWORD).render_as_string(hide_password=False)))
        dlg.url_edit.editingFinished.emit()
        assert PASSWORD not in dlg.url_edit.text() and dlg.password_edit.text() == PASSWORD
        said = _test(qtbot, dlg)
        assert "Connected" in said and "makes a new llmvis project" in said
        dlg.grab().save(str(shots_dir / "team_open_dialog.png"))
        with qtbot.waitSignal(win.project_opened, timeout=30000):
            qtbot.keyClick(dlg.password_edit, Qt.Key.Key_Return)  # Enter opens
        qtbot.waitUntil(lambda: win.model.rowCount() == 12, timeout=30000)  # the folder's images shown
        assert win.project.db_url.startswith("postgresql") and win.project.store.dialect == "postgresql"
        assert database in win.db_label.text() and PASSWORD not in win.db_label.text()

        win._save_config()  # config.json: folder and URL, never the password
        text = cfg_mod.config_path().read_text()
        assert PASSWORD not in text
        saved = json.loads(text)["project_databases"][str(image_folder.resolve())]
        assert make_url(saved).password is None and make_url(saved).database == database

        win._fill_recent()  # File ▸ Open recent names the team database and server
        entry = win.recent_menu.actions()[0].text()
        assert f"team database {database} on " in entry

        win.close_project()
        item = win.welcome.recent.item(0)
        assert f"team database {database} on " in item.text()
        win.welcome.grab().save(str(shots_dir / "team_open_welcome.png"))
        win.welcome.recent.itemActivated.emit(item)  # reopened: the server asks for the password
        qtbot.waitUntil(lambda: getattr(win, "password_prompt", None) is not None
                        and win.password_prompt.isVisible(), timeout=30000)
        prompt = win.password_prompt
        assert "asks for the password of user" in prompt.labelText()
        prompt.setTextValue(PASSWORD)
        with qtbot.waitSignal(win.project_opened, timeout=30000):
            prompt.accept()
        qtbot.waitUntil(lambda: win.model.rowCount() == 12, timeout=30000)
        win._save_config()
        assert PASSWORD not in cfg_mod.config_path().read_text()
        win.close_project()


def test_test_connection_names_what_failed(qtbot, window, image_folder, pg_server, pg_url):
    from team_pg_auth import password_role

    win = window
    dlg = _dialog(qtbot, win)
    dlg.folder_edit.setText(str(image_folder))
    with password_role(pg_server, pg_url, PASSWORD) as url:
        user = make_url(url).username
        dlg.url_edit.setText(url)
        dlg.password_edit.setText("wrong")
        assert f"refused the password of user {user!r}" in _test(qtbot, dlg)
    dlg.password_edit.setText("")
    dlg.url_edit.setText(make_url(pg_url).set(database="nosuchdb_here").render_as_string(hide_password=False))
    assert "no database 'nosuchdb_here'" in _test(qtbot, dlg)
    dlg.url_edit.setText(pg_url.replace("+psycopg://", "+psycopg2://", 1))
    assert "pip install psycopg2-binary" in _test(qtbot, dlg)
    dlg.url_edit.setText("postgresql+psycopg://bob@127.0.0.1:1/team")
    assert "127.0.0.1:1" in _test(qtbot, dlg)
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)  # Esc cancels: nothing opened
    assert not dlg.isVisible() and win.project is None


def test_opening_an_unknown_database_says_its_name(qtbot, window, image_folder, pg_url):
    win = window
    dlg = _dialog(qtbot, win)
    dlg.folder_edit.setText(str(image_folder))
    dlg.url_edit.setText(make_url(pg_url).set(database="nosuchdb_open").render_as_string(hide_password=False))
    dlg.open_button.click()
    qtbot.waitUntil(lambda: getattr(win, "last_error_box", None) is not None
                    and "nosuchdb_open" in win.last_error_box.text(), timeout=30000)
    assert "no database 'nosuchdb_open'" in win.last_error_box.text() and win.project is None


def test_reopening_a_remembered_team_project_asks_for_the_password(qtbot, window, image_folder, pg_server,
                                                                   pg_url, shots_dir):
    """``llmvis-desktop`` alone, or a recent entry: the folder's remembered database (no
    password) is refused by a server that wants one; a prompt asks for it (a wrong one
    says so and asks again) instead of an error that only a terminal could get past."""
    from team_pg_auth import password_role

    win = window
    with password_role(pg_server, pg_url, PASSWORD) as url:
        win.config.remember_project(str(image_folder.resolve()), url)
        win.open_project(str(image_folder))
        qtbot.waitUntil(lambda: getattr(win, "password_prompt", None) is not None
                        and win.password_prompt.isVisible(), timeout=30000)
        first = win.password_prompt
        first.setTextValue("wrong")
        first.accept()
        qtbot.waitUntil(lambda: win.password_prompt is not first and win.password_prompt.isVisible(),
                        timeout=30000)
        again = win.password_prompt
        assert f"refused the password of user {make_url(url).username!r}" in again.labelText()
        again.grab().save(str(shots_dir / "team_password_prompt.png"))
        again.setTextValue(PASSWORD)
        with qtbot.waitSignal(win.project_opened, timeout=30000):
            again.accept()
        assert win.project.root == image_folder.resolve()
        win._save_config()
        assert PASSWORD not in cfg_mod.config_path().read_text()
        win.close_project()
