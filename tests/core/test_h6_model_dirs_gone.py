"""A model folder set in Settings that is gone since (a drive not connected, a share not
mounted, the folder moved): `llmvis models list` and the Models dialog listed none of its
models and said nothing (only a missing ``--dir`` was warned about), and ``--json``'s
``dirs`` named it among the folders looked in."""
from __future__ import annotations

import json
import shutil

from llmvis_desktop.cli import main
from llmvis_desktop.core.config import load_config, save_config


def test_a_configured_model_folder_that_is_gone_is_warned_about(tiny, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    models, gone, a_file = tmp_path / "models", tmp_path / "usb-drive" / "models", tmp_path / "notes.txt"
    shutil.copytree(tiny["blip"], models / "blip")
    a_file.write_text("not a folder")
    cfg = load_config()
    cfg.model_dirs = [str(models), str(gone), str(a_file)]
    save_config(cfg)
    capsys.readouterr()

    assert main(["models", "list", "--device", "cpu"]) == 0
    out, err = capsys.readouterr()
    assert out.split()[0] == "blip"  # the folder that is there is listed
    assert err.startswith(f"warning: model folders not looked in: {gone} (no such folder); {a_file} (a file, "
                          f"not a folder); their models are not listed"), err
    assert "reconnect them, or change the model folders in the window's Settings" in err

    assert main(["models", "list", "--json", "--device", "cpu"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["dirs"] == [str(models)]
    assert str(gone) in err

    assert main(["models", "list", "--device", "cpu", "--dir", str(gone)]) == 0  # said once, as --dir's
    err = capsys.readouterr().err
    assert err.count(str(gone)) == 1 and f"--dir {gone}: no such folder" in err
