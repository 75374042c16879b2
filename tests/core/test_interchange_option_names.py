"""The export's warnings name an option the way the front end that ran it shows it:
the Export dialog's 16-bit warning said "(--images-8bit)", a flag its reader has
nowhere to type. ``ExportOptions.option_names`` maps an option to its name in the
front end; the CLI's flags when none is given."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from llmvis_desktop.core.interchange import ExportOptions, InterchangeError
from test_interchange_deep_images import _export, _folder

BOX = "\u201cWrite 16-bit and float images as 8-bit PNG\u201d"


def test_the_16_bit_warning_names_the_option_as_the_front_end_shows_it(tmp_path):
    root = _folder(tmp_path)
    deep = [w for w in _export(root, "yolo", tmp_path / "cli").warnings if "16-bit or float" in w]
    assert len(deep) == 1 and "--images-8bit" in deep[0]  # the CLI's flag by default
    named = _export(root, "yolo", tmp_path / "gui", option_names=(("images_8bit", BOX),)).warnings
    deep = [w for w in named if "16-bit or float" in w]
    assert len(deep) == 1 and BOX in deep[0] and "--images-8bit" not in deep[0], deep


def test_the_name_clash_refusal_names_the_option_too(tmp_path):
    root = _folder(tmp_path)
    Image.fromarray(np.zeros((10, 12, 3), np.uint8)).save(root / "sub" / "scan.tif.png")
    from llmvis_desktop.core.project import Project

    with Project.open(root) as p:
        p.scan()
    with pytest.raises(InterchangeError) as err:
        _export(root, "yolo", tmp_path / "out", images_8bit=True, option_names=(("images_8bit", BOX),))
    assert BOX in str(err.value) and "--images-8bit" not in str(err.value)


def test_an_option_without_a_name_is_its_cli_flag():
    assert ExportOptions().name_of("images_8bit") == "--images-8bit"
    assert ExportOptions(option_names=(("images_8bit", "the box"),)).name_of("images_8bit") == "the box"
