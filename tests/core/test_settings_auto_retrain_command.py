"""`llmvis settings FOLDER learned_auto_retrain on|off`: the learned suggester's "retrain
every 10 reviews" is the other project setting users change (the window's Suggestions menu
tick), yet the command listed only strip_max_tiles and refused this name. It takes on/off,
yes/no, true/false, 1/0 and stores True/False, what the window reads; other words are
refused naming them, with nothing written."""
from __future__ import annotations

import json

import pytest

from llmvis_desktop.cli import main
from llmvis_desktop.core.project import Project

NAME = "learned_auto_retrain"


def _stored(folder):
    with Project.open(folder) as project:
        return project.settings().get(NAME, "unset")


def test_listed_set_on_and_off(png_folder, capsys):
    assert main(["index", str(png_folder), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["settings", str(png_folder)]) == 0
    out = capsys.readouterr().out
    assert f"{NAME} = off (the default)" in out and "every 10 reviews" in out

    assert main(["settings", str(png_folder), NAME, "on"]) == 0
    assert capsys.readouterr().out.strip() == f"{NAME} = on (was off; default off)"
    assert _stored(png_folder) is True
    assert main(["settings", str(png_folder), NAME, "YES"]) == 0
    assert "(unchanged)" in capsys.readouterr().out
    assert main(["settings", str(png_folder), NAME, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"settings": {NAME: {"value": True, "default": False, "set": True}}}

    for word, want in (("false", False), ("1", True), ("no", False), ("True", True), ("0", False)):
        assert main(["settings", str(png_folder), NAME, word]) == 0
        assert _stored(png_folder) is want, word
    capsys.readouterr()


@pytest.mark.parametrize("value", ["maybe", "2", "", "onn"])
def test_other_words_are_refused_naming_them(png_folder, capsys, value):
    assert main(["index", str(png_folder), "--quiet"]) == 0
    assert main(["settings", str(png_folder), NAME, "on"]) == 0
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(["settings", str(png_folder), NAME, value])
    assert exc.value.code == 2
    assert f"{NAME} takes on or off (yes/no, true/false, 1/0), not {value!r}" in capsys.readouterr().err
    assert _stored(png_folder) is True  # nothing written
