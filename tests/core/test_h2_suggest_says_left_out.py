"""`llmvis suggest` indexes the folder first, and said nothing of what that index left out:
a subfolder it could not read (permission denied on a shared drive), or files whose names
are not UTF-8, got no suggestions without a word; its only line was "indexed: 1 new and 0
changed files" (`llmvis index` warns of both). It says them now, on stderr as the index
does, and in --json's "indexed" as `llmvis index --json` has them."""
from __future__ import annotations

import json
import os

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from PIL import Image

from llmvis_desktop.cli import main


def test_suggest_says_the_folders_and_names_its_index_left_out(tiny, tmp_path, capsys, monkeypatch):
    folder = tiny_models.image_folder(tmp_path / "imgs", 1)
    (folder / "locked").mkdir()
    Image.new("RGB", (20, 16)).save(folder / "locked" / "a.png")
    Image.new("RGB", (20, 16)).save(os.path.join(os.fsencode(folder), b"caf\xe9.png"))
    real = os.scandir

    def denied(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", denied)
    assert main(["suggest", str(folder), "--captioner", str(tiny["blip"]), "--json"]) == 0
    said = capsys.readouterr()
    assert "warning: folder not listed: locked: Permission denied" in said.err, said.err
    assert "1 left out: name is not valid UTF-8" in said.err and "caf\\xe9.png" in said.err, said.err
    indexed = json.loads(said.out)["indexed"]
    assert indexed["unreadable_folders"] == ["locked: Permission denied"]
    assert [sk["count"] for sk in indexed["skipped"]] == [1] and indexed["skipped"][0]["examples"] == ["caf\\xe9.png"]


def test_nothing_left_out_says_nothing(tiny, tmp_path, capsys):
    folder = tiny_models.image_folder(tmp_path / "imgs", 1)
    assert main(["suggest", str(folder), "--captioner", str(tiny["blip"]), "--json"]) == 0
    said = capsys.readouterr()
    assert not [line for line in said.err.splitlines() if line.startswith("warning:")], said.err
    indexed = json.loads(said.out)["indexed"]
    assert indexed["unreadable_folders"] == [] and indexed["skipped"] == []
