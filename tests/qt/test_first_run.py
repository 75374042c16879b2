"""First start and settings: a config.json with mistakes, a cache folder that cannot be
made, a database URL that cannot be used, opening / or the home folder, an empty
folder, a file instead of a folder."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmvis_desktop.core import config as cfg_mod


@pytest.fixture
def start(qtbot):
    """build_window as ``llmvis-desktop [FOLDER] [--db URL]`` calls it (the config read
    from the file), torn down with every thread joined."""
    from llmvis_desktop.qt.app import build_window

    made = []

    def _start(folder=None, db_url=None):
        win = build_window(folder, db_url)
        qtbot.addWidget(win)
        win.resize(1000, 700)
        win.show()
        made.append(win)
        return win

    yield _start
    for win in made:
        win.shutdown()
        assert win.jobs.pool.activeThreadCount() == 0 and win.thumbs.pool.activeThreadCount() == 0


def _write_config(data) -> Path:
    path = cfg_mod.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def test_a_wrong_setting_is_shown_copied_aside_and_the_rest_kept(qtbot, start, tmp_path):
    team = f"sqlite:///{tmp_path / 'team.sqlite'}"
    folder = str(tmp_path / "share")
    path = _write_config({"reviewer": "alice", "recent_projects": [folder, 5, None],
                          "project_databases": {folder: team}, "thumbnail_cache_mb": "512"})
    win = start()
    assert win.config.reviewer == "alice" and win.config.database_for(folder) == team
    texts = [win.welcome.recent.item(i).text() for i in range(win.welcome.recent.count())]
    assert len(texts) == 1 and texts[0].startswith(folder)  # 5 and null crashed the welcome page
    box = win.notice_box
    assert box.isVisible() and "'thumbnail_cache_mb'" in box.text()
    backups = list(path.parent.glob("config.json.bad-*"))
    assert len(backups) == 1 and str(backups[0]) in box.text()
    assert json.loads(backups[0].read_text())["thumbnail_cache_mb"] == "512"
    win.close()  # saves the settings: the good ones are all still there
    saved = json.loads(path.read_text())
    assert saved["reviewer"] == "alice" and saved["project_databases"] == {folder: team}
    assert saved["thumbnail_cache_mb"] == 1024


def test_a_config_that_is_not_json_is_never_overwritten_silently(qtbot, start):
    path = _write_config('{"reviewer": "alice", oops}')
    win = start()
    assert "not valid JSON" in win.notice_box.text()
    backups = list(path.parent.glob("config.json.bad-*"))
    assert len(backups) == 1 and backups[0].read_text() == '{"reviewer": "alice", oops}'
    assert str(backups[0]) in win.notice_box.text()
    win.close()
    assert json.loads(path.read_text())["reviewer"] == ""  # written over, after the copy


def test_a_thumbnail_cache_folder_that_cannot_be_made_does_not_stop_the_start(qtbot, start, tmp_path,
                                                                               image_folder):
    blocker = tmp_path / "unmounted"  # a file: no folder can be made below it (root or not)
    blocker.write_text("")
    _write_config({"reviewer": "a", "cache_location": str(blocker / "thumbs")})
    win = start(str(image_folder))
    assert win.thumbs.cache.cache_dir == cfg_mod.cache_dir() / "thumbnails"  # the default one
    assert str(blocker / "thumbs") in win.notice_box.text() and "default" in win.notice_box.text()
    qtbot.waitUntil(lambda: win.project is not None, timeout=10000)  # opened off the GUI thread
    qtbot.waitUntil(lambda: win.model.rowCount() == 12, timeout=20000)


def test_no_disk_cache_at_all_still_shows_thumbnails(qtbot, tmp_path, image_folder, monkeypatch):
    from llmvis_desktop.qt import thumb_loader

    def refuse(*_a, **_k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(thumb_loader, "make_cache", refuse)
    cache, note = thumb_loader.open_cache(tmp_path / "a", tmp_path / "b", 10_000_000)
    assert "not kept on disk" in note
    image = next(image_folder.rglob("*.png"))
    assert cache.get(image, 64).size[0] <= 64


@pytest.mark.parametrize("url", ["nonsense", "postgres://bob@localhost/team"])
def test_a_database_url_that_cannot_be_used_leaves_the_welcome_page(qtbot, start, image_folder, url):
    win = start(str(image_folder), url)  # raised out of build_window before
    qtbot.waitUntil(lambda: not win.project_ctl.opening(), timeout=10000)  # (off the GUI thread)
    assert win.project is None and win.stack.currentWidget() is win.welcome
    assert win.last_error_box.isVisible() and "postgresql+psycopg://" in win.last_error_box.text()


def test_opening_the_root_or_home_folder_asks_first(qtbot, window, tmp_path, monkeypatch):
    from llmvis_desktop.qt import project_controller as pc

    assert pc.is_whole_disk("/") and pc.folder_name(Path("/")) == "/"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert pc.is_whole_disk(tmp_path) and not pc.is_whole_disk(tmp_path / "images")
    asked = []
    monkeypatch.setattr(pc.ProjectController, "confirm_whole_disk", lambda self, root: asked.append(root))
    assert not window.open_project(tmp_path)  # refused: nothing opened, nothing indexed
    assert asked == [tmp_path.resolve()] and window.project is None
    assert not (tmp_path / ".llmvis").exists()


def test_an_empty_folder_says_it_holds_no_images(qtbot, window, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "readme.txt").write_text("hi")
    with qtbot.waitSignal(window.index_finished, timeout=20000):
        assert window.open_project(folder)
    qtbot.waitUntil(lambda: window.grid.empty_text.startswith(f"No images in {folder}"), timeout=10000)
    assert "png" in window.grid.empty_text and "jpg" in window.grid.empty_text


def test_a_file_is_not_called_a_missing_folder(qtbot, window, image_folder):
    image = next(image_folder.rglob("*.png"))
    assert not window.open_project(image)
    text = window.last_error_box.text()
    assert "is a file, not a folder" in text and "stays open" not in text  # none is open
    with qtbot.waitSignal(window.index_finished, timeout=20000):
        assert window.open_project(image_folder)
    assert not window.open_project(image_folder / "gone")
    assert "no such folder" in window.last_error_box.text() and "stays open" in window.last_error_box.text()


def test_thumbnail_sizes_agree_between_settings_config_and_grid(qtbot):
    from llmvis_desktop.qt.dialogs.settings_dialog import SettingsDialog
    from llmvis_desktop.qt.widgets.grid_view import GridView

    for asked, got in ((5000, 384), (0, 64)):
        grid = GridView(thumb_size=asked)  # clamped only on a change before
        qtbot.addWidget(grid)
        assert grid.thumb_size == got
    dlg = SettingsDialog(cfg_mod.Config(reviewer="a"))
    qtbot.addWidget(dlg)
    assert (dlg.thumb_spin.minimum(), dlg.thumb_spin.maximum()) == (64, 384)  # Settings offered 512


def test_a_new_thumbnail_cache_folder_is_used_at_once(qtbot, window, tmp_path, monkeypatch):
    from llmvis_desktop.qt.dialogs import settings_dialog as sd

    new = tmp_path / "newcache"

    def accept(dlg):
        dlg.cache_edit.setText(str(new))
        return True

    monkeypatch.setattr(sd.SettingsDialog, "exec", accept)
    window.open_settings()
    assert window.config.cache_location == str(new)
    assert window.thumbs.cache.cache_dir == new and new.is_dir()


def test_version_option():
    from llmvis_desktop.__main__ import parse_args

    with pytest.raises(SystemExit) as info:
        parse_args(["--version"])
    assert info.value.code == 0
