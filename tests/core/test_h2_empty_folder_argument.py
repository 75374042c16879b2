"""An empty FOLDER (a script's unset variable: `llmvis suggest "$DIR"`) was taken for the
current folder: `llmvis suggest ""` (or index, labels add...) listed everything under
the working directory, wrote a project database there and suggested for all of it (run
in a scratch folder it indexed 5,438 files); `llmvis import F ""` read the current folder.
`ls ""` refuses it; so does every command now, as a usage error (exit 2) naming the
argument, and --json says it on stdout too."""
from __future__ import annotations

import json

import pytest
from PIL import Image

from llmvis_desktop.cli import main


def _usage_error(argv) -> int:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    return exc.value.code


@pytest.mark.parametrize("argv", [["suggest", "", "--learned"], ["index", ""], ["labels", "add", "", "crack"],
                                  ["evaluate", ""], ["import", "{other}", "", "--format", "csv"],
                                  ["repair", "apply", "", "--mask", "m.png"]])
def test_an_empty_folder_or_path_is_a_usage_error_not_the_current_folder(argv, tmp_path, monkeypatch, capsys):
    here = tmp_path / "cwd"
    here.mkdir()
    Image.new("RGB", (16, 12)).save(here / "a.png")
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.chdir(here)
    assert _usage_error([a.replace("{other}", str(other)) for a in argv]) == 2
    err = capsys.readouterr().err
    assert "an empty string (an unset variable?)" in err, err
    assert not (here / ".llmvis").exists() and not (other / ".llmvis").exists()


def test_with_json_stdout_says_it(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert _usage_error(["suggest", "", "--learned", "--json"]) == 2
    out = json.loads(capsys.readouterr().out)
    assert out["exit_code"] == 2 and out["error"].startswith("argument folder: an empty string"), out


def test_the_current_folder_as_dot_still_works(tmp_path, monkeypatch, capsys):
    Image.new("RGB", (16, 12)).save(tmp_path / "a.png")
    monkeypatch.chdir(tmp_path)
    assert main(["index", "."]) == 0
    assert "1 new" in capsys.readouterr().out
