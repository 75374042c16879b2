"""The CLI commands honour the user's settings the same way: the max_image_pixels limit
(index and suggest had it; export, import and repair ran at the built-in default), each
wrong setting named once, and an export of a folder with no project refused before any
file is written (as evaluate is)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
from PIL import Image

from llmvis_desktop import cli
from llmvis_desktop.core.project import Project


def _config(settings: dict) -> None:
    folder = Path(os.environ["LLMVIS_CONFIG_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(settings))


def _big(folder: Path, side: int = 1100) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    Image.fromarray(rng.integers(0, 255, (side, side), dtype=np.uint8)).save(folder / "big.png")
    return folder / "big.png"


def _mask(path: Path, side: int = 1100) -> Path:
    m = np.zeros((side, side), np.uint8)
    m[10:20, 10:20] = 255
    Image.fromarray(m).save(path)
    return path


def test_repair_apply_honours_max_image_pixels_inside_and_outside_a_project(tmp_path, capsys):
    _config({"max_image_pixels": 1_000_000})
    img = _big(tmp_path / "loose")  # 1.21 MP, no project around it
    mask = _mask(tmp_path / "m.png")
    assert cli.main(["repair", "apply", str(img), "--mask", str(mask), "--method", "telea",
                     "--out", str(tmp_path / "o.png")]) == 1
    assert "max_image_pixels" in capsys.readouterr().err
    assert not (tmp_path / "o.png").exists()
    proj = _big(tmp_path / "proj").parent
    Project.open(proj).close()  # the image lies in a project: opened with the same limit
    assert cli.main(["repair", "apply", str(proj / "big.png"), "--mask", str(mask), "--method", "telea"]) == 1
    assert "max_image_pixels" in capsys.readouterr().err
    assert not (proj / "repaired").exists()


def test_export_import_and_train_open_the_project_with_the_configured_limit(tmp_path, monkeypatch, capsys):
    _config({"max_image_pixels": 2_000_000})
    folder = tmp_path / "imgs"
    folder.mkdir()
    Image.new("L", (8, 8)).save(folder / "a.png")
    assert cli.main(["index", str(folder), "--quiet"]) == 0
    seen = []
    real = Project.open.__func__

    def spy(cls, *a, **kw):
        seen.append(kw.get("max_pixels"))
        return real(cls, *a, **kw)

    monkeypatch.setattr(Project, "open", classmethod(spy))
    cli.main(["export", str(folder), "--format", "csv", "--out", str(tmp_path / "a.csv")])
    cli.main(["import", str(folder), "--format", "csv", str(tmp_path / "a.csv")])
    cli.main(["repair", "train", str(folder), "--steps", "1", "--from", "scratch",
              "--out", str(tmp_path / "t.safetensors"), "--tile", "16", "--batch", "1"])
    capsys.readouterr()
    assert seen[:3] == [2_000_000] * 3


def test_repair_apply_names_each_wrong_setting_once(tmp_path, capsys):
    _config({"thumbnail_size": 9999})
    img = tmp_path / "a.png"
    Image.new("L", (16, 16), 100).save(img)
    mask = tmp_path / "m.png"
    m = np.zeros((16, 16), np.uint8)
    m[4:6, 4:6] = 255
    Image.fromarray(m).save(mask)
    assert cli.main(["repair", "apply", str(img), "--mask", str(mask), "--method", "telea"]) == 0
    err = capsys.readouterr().err
    assert err.count("thumbnail_size") == 1, err


def test_export_of_a_folder_with_no_project_writes_nothing_and_says_so_as_evaluate_does(tmp_path, capsys):
    folder = tmp_path / "typo"
    folder.mkdir()
    assert cli.main(["export", str(folder), "--format", "csv", "--out", str(tmp_path / "x.csv")]) == 1
    export_err = capsys.readouterr().err
    assert list(folder.iterdir()) == [] and not (tmp_path / "x.csv").exists()
    assert cli.main(["evaluate", str(folder)]) == 1
    evaluate_err = capsys.readouterr().err
    assert "no project here" in export_err
    assert export_err.split(": ", 1)[1] == evaluate_err.split(": ", 1)[1]


def test_help_names_the_database_default_and_readme_metavars(capsys):
    import pytest

    for argv in (["export"], ["import"], ["suggest"], ["repair", "apply"]):
        with pytest.raises(SystemExit):
            cli.main([*argv, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        if argv[0] != "repair":
            assert "default: FOLDER/.llmvis/project.sqlite" in text, argv
    assert "[--frame N]" in text and "--checkpoint CKPT" in text and "(default 1)" in text


def test_an_image_over_the_limit_is_not_called_damaged_and_pillow_says_nothing(tmp_path, capsys):
    """An image only over max_image_pixels was exported with "could not be read when indexed
    (damaged)"; and one between the limit and twice it printed Pillow's own
    DecompressionBombWarning line beside the tool's warning."""
    _config({"max_image_pixels": 1_000_000})
    folder = tmp_path / "imgs"
    _big(folder)  # 1.21 MP: over the limit
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(folder / "small.png")
    assert cli.main(["index", str(folder), "-q"]) == 0
    err = capsys.readouterr().err
    assert "DecompressionBombWarning" not in err
    assert cli.main(["export", str(folder), "--format", "jsonl", "--out", str(tmp_path / "ds")]) == 0
    err = capsys.readouterr().err
    assert "big.png: the index could not read it (" in err and "max_image_pixels" in err, err
    assert "damaged" not in err
    # Pillow warns (rather than refuses) between its limit and twice it: not on our stderr
    _config({"max_image_pixels": 3_000_000})
    Image.fromarray(np.zeros((1100, 1100), np.uint8)).save(folder / "mid.png")
    assert cli.main(["index", str(folder), "-q"]) == 0
    assert "DecompressionBombWarning" not in capsys.readouterr().err


def test_the_evaluation_rule_is_a_whole_sentence(tmp_path):
    """The report's "predicted = ..." rule stopped mid-phrase ("... or judged without")."""
    from llmvis_desktop.core.suggest.evaluate import evaluate

    folder = tmp_path / "imgs"
    folder.mkdir()
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(folder / "a.png")
    with Project.open(folder) as p:
        p.index()
        rule = evaluate(p)["labels"]["rule"]
    assert rule.endswith("judged free of every label"), rule
