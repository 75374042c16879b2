"""`llmvis models list` (and the Models dialog, which lists on opening) over a model folder
holding many folders that are not models (a dataset's, a project's): each folder was listed
three times and each file in it stat-ed twice, 0.6-0.8 s for 5,000 folders against 0.14 s for
a plain os.walk of them (tests/benchmarks/bench_models_list.py). A folder is listed once now,
and a file that cannot be a model's is not stat-ed."""
from __future__ import annotations

import os
import shutil

from llmvis_desktop.core.suggest.discovery import discover


def test_folders_that_are_not_models_are_listed_once_and_their_files_not_stated(tiny, tmp_path, monkeypatch):
    models = tmp_path / "models"
    shutil.copytree(tiny["blip"], models / "blip")
    folders = 40
    for i in range(folders):
        sub = models / f"data{i:02d}" / "images"
        sub.mkdir(parents=True)
        for j in range(5):
            (sub / f"img{j}.png").write_bytes(b"x")
        (models / f"data{i:02d}" / "notes.txt").write_text("")
    calls = {"list": 0, "stat": 0}

    def counted(kind, real):
        def call(*a, **kw):
            calls[kind] += 1
            return real(*a, **kw)
        return call

    monkeypatch.setattr(os, "listdir", counted("list", os.listdir))
    monkeypatch.setattr(os, "scandir", counted("list", os.scandir))
    monkeypatch.setattr(os, "stat", counted("stat", os.stat))
    infos = discover([models], include_hf_cache=False, revisions=False)
    assert [i.name for i in infos] == ["blip"]
    # the 81 folders listed once each, the model's own a few times more to inspect it: 85
    # listings, 28 stats; the old listing made 247 and 752
    assert calls["list"] <= 2 * folders + 30, calls
    assert calls["stat"] <= folders + 40, calls
