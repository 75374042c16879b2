"""A damaged project checkpoint (``.llmvis/repair.safetensors``): ``repair apply`` and
``repair train`` named the file and why it cannot be loaded, but not what to do (train
even pointed to --resume, which cannot continue it)."""
import numpy as np
import pytest
from PIL import Image

from llmvis_desktop.cli import main

from repair_helpers import one_torch_thread  # noqa: F401 - fixture


@pytest.fixture
def project(tmp_path):
    from llmvis_desktop.core.project import Project

    root = tmp_path / "proj"
    root.mkdir()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (60, 80)).astype(np.uint8)).save(root / "a.png")
    with Project.open(root) as p:
        p.index()
    ck = root / ".llmvis" / "repair.safetensors"
    ck.write_bytes(b"this is not a safetensors file")
    mask = np.zeros((60, 80), np.uint8)
    mask[20:30, 20:40] = 255
    Image.fromarray(mask).save(tmp_path / "m.png")
    return root, ck, tmp_path / "m.png"


def test_repair_apply_says_what_to_do_about_the_projects_damaged_checkpoint(project, capsys):
    root, ck, mask = project
    rc = main(["repair", "apply", str(root / "a.png"), "--mask", str(mask), "--method", "gan"])
    err = capsys.readouterr().err
    assert rc == 1 and str(ck) in err and "not a readable safetensors checkpoint" in err
    assert "delete or rename it" in err and "--method telea" in err
    assert f"llmvis repair train {root} --force" in err and "--from CKPT" in err
    assert ck.read_bytes() == b"this is not a safetensors file"


@pytest.mark.parametrize("flags", [[], ["--resume"]])
def test_repair_train_says_a_damaged_checkpoint_cannot_be_resumed(project, capsys, flags):
    root, ck, _ = project
    rc = main(["repair", "train", str(root), "--steps", "2", *flags])
    err = capsys.readouterr().err
    assert rc == 1 and str(ck) in err and "not a readable safetensors checkpoint" in err
    assert "cannot be resumed" in err and "--force starts over" in err and "--from CKPT" in err
    assert "--resume continues it" not in err and "nothing was trained" in err
