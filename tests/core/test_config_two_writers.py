"""config.json saved by two writers at once (two windows, each remembering its project):
one fixed temporary name (config.json.tmp) let the second truncate and rename the first's
file, whose own rename then failed (FileNotFoundError) or moved a mix of both."""
from __future__ import annotations

import json
import os

from llmvis_desktop.core import config


def test_a_save_under_way_while_another_saves_ends_whole(tmp_path, monkeypatch):
    path = tmp_path / "config.json"
    first, second = config.Config(reviewer="alice"), config.Config(reviewer="bob", recent_projects=["/x/y"])
    real_replace = os.replace
    calls = []

    def replace(src, dst):
        calls.append(src)
        if len(calls) == 1:  # the first save has written its file: the other one saves now
            config.save_config(second, path)
        return real_replace(src, dst)

    monkeypatch.setattr(config.os, "replace", replace)
    config.save_config(first, path)  # raised FileNotFoundError: its file was renamed by the other
    assert calls[0] != calls[1]
    assert json.loads(path.read_text(encoding="utf-8"))["reviewer"] == "alice"  # the last rename wins, whole
    assert [p.name for p in tmp_path.iterdir()] == ["config.json"]  # no temporary file left


def test_a_failed_save_leaves_no_temporary_file_and_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "config.json"
    config.save_config(config.Config(reviewer="alice"), path)

    def replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(config.os, "replace", replace)
    try:
        config.save_config(config.Config(reviewer="bob"), path)
    except OSError:
        pass
    else:
        raise AssertionError("the failed save was not said")
    assert json.loads(path.read_text(encoding="utf-8"))["reviewer"] == "alice"
    assert [p.name for p in tmp_path.iterdir()] == ["config.json"]
