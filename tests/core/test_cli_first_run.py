"""First-run command-line texts: a mask of the wrong size names both files, and the
positional arguments of ``repair apply`` and ``labels add/remove`` say what they are."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from llmvis_desktop.cli import main


def test_a_mask_of_another_size_names_both_files(tmp_path, capsys):
    img, mask = tmp_path / "part.png", tmp_path / "defect-mask.png"
    Image.fromarray(np.full((67, 87), 128, np.uint8)).save(img)
    Image.fromarray(np.full((60, 80), 255, np.uint8)).save(mask)
    assert main(["repair", "apply", str(img), "--mask", str(mask), "--method", "telea",
                 "--out", str(tmp_path / "o.png")]) == 1
    err = capsys.readouterr().err
    assert f"the mask {mask} is 80x60 but the image {img} is 87x67" in err, err
    assert not (tmp_path / "o.png").exists()


@pytest.mark.parametrize("argv, name, words", [
    (["repair", "apply"], "image", "image file to repair"),
    (["labels", "add"], "NAME", "label names to add"),
    (["labels", "remove"], "NAME", "label names to remove"),
])
def test_positional_arguments_have_help(argv, name, words, capsys):
    with pytest.raises(SystemExit):
        main(argv + ["--help"])
    out = capsys.readouterr().out
    listed = out.split("positional arguments:", 1)[1]
    line = next(ln for ln in listed.splitlines() if ln.strip().startswith(name))
    assert words in line.split(name, 1)[1], out
