"""config.json written by hand: one wrong setting must not reset the others.

It did: a single wrong-typed value raised, the app used every default and then saved
them over the file, so the reviewer name, model folders, recent projects and the
folder -> team database mapping were lost (the next ``llmvis-desktop FOLDER`` opened a
private SQLite file instead of the team's database).
"""
from __future__ import annotations

import json

from llmvis_desktop.core import config as cfg_mod
from llmvis_desktop.core.config import Config, backup_config, load_config, read_config


def _write(path, data) -> None:
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")


def test_one_wrong_setting_keeps_every_other_one(tmp_path):
    path = tmp_path / "config.json"
    _write(path, {"reviewer": "alice", "model_dirs": ["/models/florence"], "device": "cuda",
                  "recent_projects": ["/data/a"], "last_project": "/data/a",
                  "project_databases": {"/data/share": "postgresql+psycopg://alice@db/team"},
                  "thumbnail_cache_mb": "512"})
    loaded = read_config(path)
    cfg = loaded.config
    assert (cfg.reviewer, cfg.model_dirs, cfg.device, cfg.recent_projects) == (
        "alice", ["/models/florence"], "cuda", ["/data/a"])
    assert cfg.project_databases == {"/data/share": "postgresql+psycopg://alice@db/team"}
    assert cfg.thumbnail_cache_mb == Config().thumbnail_cache_mb  # the wrong one: its default
    assert len(loaded.problems) == 1 and "'thumbnail_cache_mb'" in loaded.problems[0]
    assert not loaded.unreadable
    assert json.loads(path.read_text())["thumbnail_cache_mb"] == "512"  # reading writes nothing


def test_each_wrong_setting_is_named_and_items_are_checked(tmp_path):
    path = tmp_path / "config.json"
    _write(path, {"recent_projects": ["/data/a", 5, None], "model_dirs": [3, "/m"],
                  "thumbnail_size": 5000, "thumbnail_cache_mb": -1, "max_image_pixels": 0,
                  "device": "gpu0", "reviewer": True, "last_project": None,
                  "project_databases": {"/x": 5, "/y": "sqlite:////y.sqlite"}, "from_the_future": 1})
    loaded = read_config(path)
    cfg = loaded.config
    assert cfg.recent_projects == ["/data/a"] and cfg.model_dirs == ["/m"]
    assert cfg.thumbnail_size == cfg_mod.THUMBNAIL_SIZE_MAX
    assert cfg.thumbnail_cache_mb == 1024 and cfg.max_image_pixels == cfg_mod.DEFAULT_MAX_IMAGE_PIXELS
    assert cfg.device == "auto" and cfg.reviewer == "" and cfg.last_project == ""
    assert cfg.project_databases == {"/y": "sqlite:////y.sqlite"}
    named = sorted(p.split("'")[1] for p in loaded.problems)
    assert named == sorted(["recent_projects", "model_dirs", "thumbnail_size", "thumbnail_cache_mb",
                            "max_image_pixels", "device", "reviewer", "last_project", "project_databases"])
    _write(path, {"thumbnail_size": 0, "max_image_pixels": 2.5e8})  # a whole float is a whole number
    loaded = read_config(path)
    assert loaded.config.thumbnail_size == cfg_mod.THUMBNAIL_SIZE_MIN
    assert loaded.config.max_image_pixels == 250_000_000 and len(loaded.problems) == 1


def test_a_file_that_is_not_json_is_reported_and_can_be_copied_aside(tmp_path):
    path = tmp_path / "config.json"
    for text in ('{"reviewer": "alice",', "[1, 2]"):
        _write(path, text)
        loaded = read_config(path)
        assert loaded.unreadable and loaded.config == Config() and len(loaded.problems) == 1
        backup = backup_config(path)
        assert backup.name.startswith("config.json.bad-") and backup.read_text() == text
        assert backup_config(path) != backup  # a second copy never replaces the first


def test_load_config_hands_each_problem_to_warn(tmp_path):
    path = tmp_path / "config.json"
    _write(path, {"thumbnail_cache_mb": "x", "max_image_pixels": -1, "reviewer": "bob"})
    lines = []
    assert load_config(path, warn=lines.append).reviewer == "bob"
    assert len(lines) == 2 and all(line.startswith(str(path)) for line in lines)


def test_the_cli_warns_once_per_wrong_setting_and_goes_on(png_folder, capsys):
    from llmvis_desktop.cli import main

    cfg_mod.config_path().parent.mkdir(parents=True, exist_ok=True)
    _write(cfg_mod.config_path(), {"thumbnail_cache_mb": "big", "max_image_pixels": 5, "reviewer": "x"})
    assert main(["labels", "add", str(png_folder), "dent"]) == 0  # (list: refused in a folder with no project)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("warning: ") for line in err)
    assert "'thumbnail_cache_mb'" in err[0] and "'max_image_pixels'" in err[1]
    assert json.loads(cfg_mod.config_path().read_text())["thumbnail_cache_mb"] == "big"  # never written


def test_person_asks_the_system_for_the_user_only_when_no_name_is_given(monkeypatch):
    """The window names the person who starts a model job (run_models, on the GUI thread):
    ``person`` looked the OS user up (getpass: an NSS passwd lookup, over the network where
    accounts are in LDAP/SSSD) even with a reviewer name configured, and then dropped it."""
    from llmvis_desktop.core import config

    asked = []
    monkeypatch.setattr(config, "os_user", lambda: asked.append(1) or "alice")
    assert config.person(None, config.Config(reviewer="bench")) == "bench"
    assert config.person("carol") == "carol"
    assert asked == []
    assert config.person(None, config.Config(reviewer="  ")) == "alice"
    assert asked == [1]
