"""`llmvis suggest FOLDER --no-index` on a folder never indexed made an empty project
there (.llmvis/project.sqlite and its lock file), said "nothing to do: no image to suggest
for" and exited 0: a mistyped folder (or one whose index was never run) looked done. Only
a --db naming no database was refused. It is refused now, nothing written, saying to
index it first; a project made by `llmvis labels add` and never indexed the same."""
from __future__ import annotations

import json

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.cli import main


def test_no_index_on_a_folder_never_indexed_is_refused_and_writes_nothing(tiny, tmp_path, capsys):
    folder = tiny_models.image_folder(tmp_path / "imgs", 2)
    assert main(["suggest", str(folder), "--captioner", str(tiny["blip"]), "--no-index", "--json"]) == 1
    said = capsys.readouterr()
    assert "no project here" in said.err and f"llmvis index {folder}" in said.err and "--no-index" in said.err
    assert json.loads(said.out)["exit_code"] == 1
    assert not (folder / ".llmvis").exists()


def test_no_index_on_a_project_never_indexed_is_refused(tiny, tmp_path, capsys):
    folder = tiny_models.image_folder(tmp_path / "imgs", 2)
    assert main(["labels", "add", str(folder), "scratch", "dent"]) == 0  # a project, never indexed
    capsys.readouterr()
    assert main(["suggest", str(folder), "--captioner", str(tiny["blip"]), "--no-index"]) == 1
    assert f"{folder} is not indexed yet: llmvis index {folder}" in capsys.readouterr().err


def test_no_index_on_an_indexed_folder_still_runs(tiny, tmp_path, capsys):
    folder = tiny_models.image_folder(tmp_path / "imgs", 2)
    assert main(["index", str(folder)]) == 0
    capsys.readouterr()
    assert main(["suggest", str(folder), "--captioner", str(tiny["blip"]), "--no-index", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["models"]["suggestions"] == 2
