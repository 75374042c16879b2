"""A --checkpoint / --from that is a folder (a model folder, as Hugging Face models are
kept) was called "no such checkpoint file", as if it were not there; and a missing one
did not say what to give instead."""
import numpy as np
import pytest
from PIL import Image

from llmvis_desktop.cli import main

from repair_helpers import one_torch_thread  # noqa: F401 - fixture


@pytest.fixture
def image_and_mask(tmp_path):
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (40, 50)).astype(np.uint8)).save(tmp_path / "a.png")
    mask = np.zeros((40, 50), np.uint8)
    mask[10:20, 10:30] = 255
    Image.fromarray(mask).save(tmp_path / "m.png")
    return tmp_path / "a.png", tmp_path / "m.png"


def _apply(image, mask, ck, capsys):
    rc = main(["repair", "apply", str(image), "--mask", str(mask), "--checkpoint", str(ck)])
    return rc, capsys.readouterr().err


def test_a_checkpoint_folder_is_called_a_folder_and_its_checkpoints_named(image_and_mask, tmp_path, capsys):
    image, mask = image_and_mask
    folder = tmp_path / "models" / "repair"
    folder.mkdir(parents=True)
    rc, err = _apply(image, mask, folder, capsys)
    assert rc == 1 and f"{folder} is a folder, not a checkpoint file" in err and "no such" not in err
    assert "holds no .safetensors file" in err
    (folder / "line3.safetensors").write_bytes(b"x")
    rc, err = _apply(image, mask, folder, capsys)
    assert rc == 1 and f"{folder / 'line3.safetensors'}" in err  # the one to give
    assert not (image.parent / "repaired").exists()


def test_a_missing_checkpoint_says_what_to_give(image_and_mask, tmp_path, capsys):
    image, mask = image_and_mask
    gone = tmp_path / "gone.safetensors"
    rc, err = _apply(image, mask, gone, capsys)
    assert rc == 1 and f"{gone}: no such checkpoint file" in err
    assert "llmvis repair train" in err and ".safetensors" in err.split("no such checkpoint file", 1)[1]


def test_repair_train_from_a_folder(tmp_path, capsys):
    from llmvis_desktop.core.project import Project

    root = tmp_path / "proj"
    root.mkdir()
    Image.fromarray(np.zeros((40, 50), np.uint8)).save(root / "a.png")
    with Project.open(root) as p:
        p.index()
    folder = tmp_path / "ckpts"
    folder.mkdir()
    rc = main(["repair", "train", str(root), "--from", str(folder), "--steps", "1",
               "--out", str(tmp_path / "o.safetensors")])
    err = capsys.readouterr().err
    assert rc == 1 and f"{folder} is a folder, not a checkpoint file" in err and "nothing was trained" in err


@pytest.mark.parametrize("under", ["blocker", "blocker/deeper"])
def test_an_output_folder_that_is_a_file_is_named(image_and_mask, tmp_path, capsys, under):
    """A file where the output's folder should be: the error said 'File exists' (or 'Not a
    directory'), which read as if the output file were there already."""
    image, mask = image_and_mask
    (tmp_path / "blocker").write_text("a file, not a folder")
    out = tmp_path / under / "x.png"
    rc = main(["repair", "apply", str(image), "--mask", str(mask), "--out", str(out), "--method", "telea"])
    err = capsys.readouterr().err
    assert rc == 1 and f"cannot save {out}: {tmp_path / 'blocker'} is a file, not a folder" in err
    assert "File exists" not in err and "Not a directory" not in err and "another output folder" in err
    assert (tmp_path / "blocker").read_text() == "a file, not a folder"


def test_a_mask_in_a_photos_stored_orientation_says_to_turn_it(tmp_path, capsys):
    """An EXIF-rotated photo is repaired upright, so its mask is too; a mask drawn by a
    tool that ignores the EXIF orientation (the stored 40x30) was refused as the wrong
    size ('... but the image is 30x40'), with nothing about turning it."""
    import imagegen

    img = imagegen.write_jpeg_exif6(tmp_path)  # stored 40x30, shown 30x40
    with Image.open(img) as im:
        stored = im.size
    mask = np.zeros((stored[1], stored[0]), np.uint8)
    mask[5:10, 5:20] = 255
    Image.fromarray(mask).save(tmp_path / "m.png")
    rc = main(["repair", "apply", str(img), "--mask", str(tmp_path / "m.png"), "--method", "telea"])
    err = capsys.readouterr().err
    assert rc == 1 and "masks must have the image's size" in err
    assert "quarter turn" in err and "EXIF orientation" in err and "turn the mask" in err
    # a mask of another size altogether: no such hint
    Image.fromarray(np.zeros((12, 12), np.uint8)).save(tmp_path / "m2.png")
    assert main(["repair", "apply", str(img), "--mask", str(tmp_path / "m2.png"), "--method", "telea"]) == 1
    assert "quarter turn" not in capsys.readouterr().err
