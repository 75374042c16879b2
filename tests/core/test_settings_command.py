"""`llmvis settings FOLDER [NAME [VALUE]]`: the project's strip_max_tiles (the most tiles a
line-scan strip is scored in) was "the project's setting" in `llmvis suggest --help` and the
README, but only the Python API could set it. Now the command lists it, sets it (what the
labeler and the learned suggester then read), and refuses a value it does not take."""
from __future__ import annotations

import json

import pytest

from llmvis_desktop.cli import build_parser, main
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.suggest.strip_tiles import SETTING, max_tiles_of


def _stored(folder):
    with Project.open(folder) as project:
        return project.settings().get(SETTING), max_tiles_of(project)


def test_set_then_list_and_the_jobs_read_it(png_folder, capsys):
    assert main(["index", str(png_folder), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["settings", str(png_folder)]) == 0
    out = capsys.readouterr().out
    assert "strip_max_tiles = 128 (the default)" in out and "line-scan strip" in out

    assert main(["settings", str(png_folder), "strip_max_tiles", "40"]) == 0
    assert capsys.readouterr().out.strip() == "strip_max_tiles = 40 (was 128; default 128)"
    assert _stored(png_folder) == (40, 40)  # what ZeroShotTiles and the learned suggester use

    assert main(["settings", str(png_folder), "strip_max_tiles", "40"]) == 0
    assert "(unchanged)" in capsys.readouterr().out
    assert main(["settings", str(png_folder), "strip_max_tiles", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got == {"settings": {SETTING: {"value": 40, "default": 128, "set": True}}}


@pytest.mark.parametrize("value", ["0", "-3", "12.5", "abc", ""])
def test_a_value_it_does_not_take_is_refused_naming_it(png_folder, capsys, value):
    assert main(["index", str(png_folder), "--quiet"]) == 0
    assert main(["settings", str(png_folder), "strip_max_tiles", "7"]) == 0
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(["settings", str(png_folder), "strip_max_tiles", value])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"strip_max_tiles takes a whole number of 1 or more, not {value!r}" in err
    assert _stored(png_folder) == (7, 7)  # nothing written


def test_an_unknown_name_says_which_there_are(png_folder, capsys):
    assert main(["index", str(png_folder), "--quiet"]) == 0
    with pytest.raises(SystemExit) as exc:
        main(["settings", str(png_folder), "strip_tiles", "4"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "'strip_tiles'" in err and "strip_max_tiles" in err


def test_listing_a_folder_with_no_project_writes_nothing(tmp_path, capsys):
    folder = tmp_path / "empty"
    folder.mkdir()
    assert main(["settings", str(folder)]) == 1
    assert "no project here" in capsys.readouterr().err
    assert not (folder / ".llmvis").exists()


def test_suggest_help_says_how_it_is_set_and_refuses_zero_tiles(png_folder, capsys):
    suggest = build_parser()._subparsers._group_actions[0].choices["suggest"]
    assert "llmvis settings FOLDER strip_max_tiles N" in " ".join(suggest.format_help().split())
    with pytest.raises(SystemExit) as exc:  # (it ran with 0 as if 1 had been asked)
        main(["suggest", str(png_folder), "--learned", "--strip-tiles", "0"])
    assert exc.value.code == 2
