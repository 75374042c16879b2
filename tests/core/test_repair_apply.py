"""Repair inference and apply: untouched pixels, depth kept, tiling, errors, atomic save,
provenance, CLI."""
import argparse
import re
import errno

import numpy as np
import pytest
from PIL import Image

import torch  # noqa: E402,F401 - a runtime dependency: missing means a broken install
import cv2  # noqa: E402,F401 - a runtime dependency

from llmvis_desktop.core.repair import RepairError  # noqa: E402
from llmvis_desktop.core.repair import apply as apply_mod  # noqa: E402
from llmvis_desktop.core.repair import save as save_mod  # noqa: E402
from llmvis_desktop.core.repair.checkpoint import save_checkpoint  # noqa: E402
from llmvis_desktop.core.repair.inference import component_boxes, dilate, inpaint  # noqa: E402

from repair_helpers import SMALL, gen_fixture, one_torch_thread  # noqa: E402,F401 - fixtures


@pytest.fixture
def ckpt(tmp_path, gen):
    return save_checkpoint(tmp_path / "ck" / "small.safetensors", SMALL, gen.state_dict(), step=1)


def _mask(h, w):
    m = np.zeros((h, w), bool)
    m[10:30, 15:45] = True
    m[h - 12:h - 9, 5:w - 5] = True  # a thin crack
    return m


@pytest.mark.parametrize("dtype,shape", [(np.uint8, (64, 80)), (np.uint8, (64, 80, 3)), (np.uint16, (64, 80)),
                                         (np.uint16, (64, 80, 3)), (np.int16, (64, 80)), (np.uint8, (64, 80, 4))])
@pytest.mark.parametrize("method", ["gan", "telea", "ns"])
def test_outside_dilated_mask_is_identical_and_depth_kept(gen, dtype, shape, method):
    rng = np.random.default_rng(1)
    hi = 255 if dtype == np.uint8 else 4000
    img = rng.integers(0, hi, shape).astype(dtype)
    m = _mask(*shape[:2])
    out = inpaint(img, m, method=method, generator=gen, dilate_px=2)
    assert out.dtype == img.dtype and out.shape == img.shape
    hole = dilate(m, 2)
    assert np.array_equal(out[~hole], img[~hole])
    if img.ndim == 3 and img.shape[2] == 4:
        assert np.array_equal(out[..., 3], img[..., 3])  # alpha untouched
    assert (out[m] != img[m]).any()


def test_tiled_crop_blends_and_stays_bounded(gen):
    rng = np.random.default_rng(2)
    img = rng.integers(0, 255, (300, 260)).astype(np.uint8)
    m = np.zeros(img.shape, bool)
    m[20:280, 100:140] = True  # one tall region -> several tile rows
    out_small = inpaint(img, m, generator=gen, tile=96, overlap=32)
    hole = dilate(m, 2)
    assert np.array_equal(out_small[~hole], img[~hole])
    # tile seams are blended: no row of the fill is left unfilled
    assert (out_small[m] != img[m]).mean() > 0.9
    boxes = list(component_boxes(hole, margin=8))
    assert len(boxes) == 1 and boxes[0][0] == (10, 290, 90, 150)


def test_errors(gen):
    img = np.zeros((32, 32), np.uint8)
    with pytest.raises(RepairError, match="empty"):
        inpaint(img, np.zeros((32, 32), bool), generator=gen)
    with pytest.raises(RepairError, match="whole image"):
        inpaint(img, np.ones((32, 32), bool), generator=gen)
    with pytest.raises(RepairError, match="size"):
        inpaint(img, np.ones((16, 32), bool), generator=gen)


def test_apply_16bit_png_and_tiff_roundtrip(tmp_path, ckpt):
    import tifffile

    from llmvis_desktop.core.imaging.reader import read_image

    rng = np.random.default_rng(3)
    src = tmp_path / "scan16.png"
    img16 = rng.integers(1000, 60000, (48, 64)).astype(np.uint16)
    Image.fromarray(img16).save(src)
    mask_png = tmp_path / "mask.png"
    m = np.zeros((48, 64), np.uint8)
    m[10:20, 10:30] = 255
    Image.fromarray(m).save(mask_png)
    original = src.read_bytes()
    res = apply_mod.repair_file(src, mask_png, checkpoint=ckpt)
    assert res.output_path.parent == tmp_path / "repaired" and res.output_path.suffix == ".png"
    back = read_image(res.output_path).pixels
    assert back.dtype == np.uint16
    hole = dilate(m > 0, 2)
    assert np.array_equal(back[~hole], img16[~hole])
    assert res.mask_path.is_file() and res.mask_path.parent.name == ".masks"
    assert src.read_bytes() == original and read_image(src).pixels.dtype == np.uint16  # the original is untouched
    # 16-bit RGB needs TIFF
    src3 = tmp_path / "rgb16.tif"
    tifffile.imwrite(src3, rng.integers(0, 65535, (48, 64, 3)).astype(np.uint16), photometric="rgb")
    res3 = apply_mod.repair_file(src3, mask_png, method="telea")
    out3 = tifffile.imread(res3.output_path)
    assert out3.dtype == np.uint16 and out3.shape == (48, 64, 3)
    # a second repair never overwrites the first
    res4 = apply_mod.repair_file(src, mask_png, method="ns")
    assert res4.output_path != res.output_path and res.output_path.is_file()


def test_apply_bad_inputs(tmp_path, ckpt):
    src = tmp_path / "a.png"
    Image.fromarray(np.full((32, 32), 100, np.uint8)).save(src)
    ok = tmp_path / "m.png"
    Image.fromarray(np.pad(np.full((8, 8), 255, np.uint8), 12)).save(ok)
    empty = tmp_path / "empty.png"
    Image.fromarray(np.zeros((32, 32), np.uint8)).save(empty)
    full = tmp_path / "full.png"
    Image.fromarray(np.full((32, 32), 255, np.uint8)).save(full)
    other = tmp_path / "other.png"
    Image.fromarray(np.full((20, 32), 255, np.uint8)).save(other)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    for mask, pat in [(empty, "empty"), (full, "whole image"), (other, "size"), (broken, "cannot read the mask")]:
        with pytest.raises(RepairError, match=pat):
            apply_mod.repair_file(src, mask, checkpoint=ckpt)
    with pytest.raises(RepairError, match="cannot repair"):
        apply_mod.repair_file(broken, ok, checkpoint=ckpt)
    with pytest.raises(RepairError, match="overwrite the original"):
        apply_mod.repair_file(src, ok, out=src, overwrite=True, method="telea")
    badck = tmp_path / "bad.safetensors"
    badck.write_bytes(b"garbage")
    with pytest.raises(RepairError, match="checkpoint"):
        apply_mod.repair_file(src, ok, checkpoint=badck)
    assert not (tmp_path / "repaired").exists()  # nothing written by any failure


def test_full_disk_leaves_no_partial_file(tmp_path, ckpt, monkeypatch):
    src = tmp_path / "a.png"
    Image.fromarray(np.full((32, 32), 100, np.uint8)).save(src)
    before = src.read_bytes()
    mask = np.zeros((32, 32), bool)
    mask[8:16, 8:16] = True
    calls = {"n": 0}
    real = save_mod._write_file

    def fake(path, data):
        calls["n"] += 1
        if calls["n"] == 2:  # the mask goes through, the image hits a full disk
            with open(path, "wb") as f:
                f.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, data)

    monkeypatch.setattr(save_mod, "_write_file", fake)
    with pytest.raises(RepairError, match="disk is full"):
        apply_mod.repair_file(src, mask, checkpoint=ckpt)
    left = [p for p in (tmp_path / "repaired").rglob("*") if p.is_file()]
    assert left == []  # no partial image, no orphan mask, no temp file
    assert src.read_bytes() == before


@pytest.mark.parametrize("channels", [2, 4])
@pytest.mark.parametrize("method", ["telea", "gan"])
def test_alpha_is_kept_as_is(gen, channels, method):
    """Gray + alpha: the alpha plane was repaired like a colour (inference says alpha is kept)."""
    rng = np.random.default_rng(5)
    img = rng.integers(0, 255, (48, 64, channels)).astype(np.uint8)
    img[..., -1] = np.tile(np.linspace(0, 255, 64).astype(np.uint8), (48, 1))  # a ramp of alpha
    mask = np.zeros((48, 64), bool)
    mask[10:30, 10:40] = True
    out = inpaint(img, mask, method=method, generator=gen if method == "gan" else None)
    assert np.array_equal(out[..., -1], img[..., -1])
    assert not np.array_equal(out[..., 0], img[..., 0])  # the colour was repaired


@pytest.mark.parametrize("where", ["folder", "write"])
def test_read_only_output_folder_is_a_clear_error(tmp_path, monkeypatch, where):
    """A read-only output folder raised a bare OSError ("[Errno 30]") out of the GUI's
    Accept and the CLI. (The suite runs as root, where chmod stops no write: the
    read-only file system is simulated.)"""
    src = tmp_path / "a.png"
    Image.fromarray(np.full((32, 32), 100, np.uint8)).save(src)
    mask = np.zeros((32, 32), bool)
    mask[8:16, 8:16] = True

    def read_only(*a, **k):
        raise OSError(errno.EROFS, "Read-only file system")

    if where == "folder":
        monkeypatch.setattr(save_mod.tempfile, "mkstemp", read_only)
    else:
        monkeypatch.setattr(save_mod, "_write_file", read_only)
    with pytest.raises(RepairError, match=r"cannot save .*repaired.*read-only file system.*repair_output"):
        apply_mod.repair_file(src, mask, method="telea")
    left = [p for p in (tmp_path / "repaired").rglob("*") if p.is_file()]
    assert left == []


def test_project_provenance_and_cli(tmp_path, ckpt):
    from llmvis_desktop import cli_repair
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.hashing import file_sha256

    root = tmp_path / "proj"
    root.mkdir()
    rng = np.random.default_rng(4)
    Image.fromarray(rng.integers(0, 255, (40, 40, 3)).astype(np.uint8)).save(root / "part.png")
    m = np.zeros((40, 40), np.uint8)
    m[5:15, 5:25] = 255
    Image.fromarray(m).save(tmp_path / "mask.png")
    with Project.open(root) as p:
        p.index()
        src = p.image_by_path("part.png")
        res = apply_mod.repair_file(root / "part.png", tmp_path / "mask.png", checkpoint=ckpt, project=p,
                                    actor="tester")
        reps = p.repairs(src.id)
        assert len(reps) == 1 and reps[0].engine == "gan" and reps[0].checkpoint_hash == res.checkpoint_hash
        assert reps[0].source_sha256 == file_sha256(root / "part.png")
        assert reps[0].output_path == "repaired/part.repaired.png"
        assert reps[0].mask_path == "repaired/.masks/part.repaired.mask.png"
        out_img = p.image_by_path("repaired/part.repaired.png")
        assert out_img is not None and reps[0].output_image_id == out_img.id
        assert any(e.action == "repair" for e in p.history(src.id))

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    cli_repair.add_parsers(sub)
    args = parser.parse_args(["repair", "apply", str(root / "part.png"), "--mask", str(tmp_path / "mask.png"),
                              "--method", "telea", "--out", str(tmp_path / "o.png")])
    assert args.func(args) == 0 and (tmp_path / "o.png").is_file()
    args = parser.parse_args(["repair", "apply", str(root / "part.png"), "--mask", str(tmp_path / "nope.png")])
    assert args.func(args) == 1


def test_dicom_gives_derived_tiff_at_full_depth(tmp_path):
    import shutil

    import tifffile

    import pydicom.data as pydicom_data
    from llmvis_desktop.core.imaging.reader import read_image

    src = tmp_path / "ct.dcm"
    shutil.copy(pydicom_data.get_testdata_file("CT_small.dcm", download=False), src)
    orig = read_image(src).pixels
    m = np.zeros(orig.shape, bool)
    m[40:60, 50:70] = True
    res = apply_mod.repair_file(src, m, method="ns")
    assert res.output_path.suffix == ".tif" and src.read_bytes()[128:132] == b"DICM"
    out = tifffile.imread(res.output_path)
    assert out.dtype == orig.dtype == np.int16
    hole = dilate(m, 2)
    assert np.array_equal(out[~hole], orig[~hole])


def _noise(path, size=40, seed=5):
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (size, size, 3)).astype(np.uint8)).save(path)


def _mask_file(path, rows, size=40):
    m = np.zeros((size, size), np.uint8)
    m[rows, 5:25] = 255
    Image.fromarray(m).save(path)
    return path


def test_each_repair_keeps_its_own_mask_and_out_is_never_swapped(tmp_path):
    """part.jpg and part.tif repaired to part.repaired.png / .tif shared one mask file, the
    second overwriting the first's; --out other.jpg --force wrote over other.png; --out
    FOLDER/ wrote FOLDER.png beside the folder."""
    root = tmp_path / "p"
    root.mkdir()
    _noise(root / "part.png")
    Image.open(root / "part.png").save(root / "part.tif")
    a, b = _mask_file(tmp_path / "a.png", slice(2, 8)), _mask_file(tmp_path / "b.png", slice(20, 30))
    ra = apply_mod.repair_file(root / "part.png", a, method="telea")
    rb = apply_mod.repair_file(root / "part.tif", b, method="telea")
    assert ra.mask_path != rb.mask_path
    assert np.asarray(Image.open(ra.mask_path))[2:8].any() and not np.asarray(Image.open(ra.mask_path))[20:30].any()
    _noise(root / "other.png", seed=9)
    before = (root / "other.png").read_bytes()
    with pytest.raises(RepairError, match="give a .png name"):
        apply_mod.repair_file(root / "part.png", a, method="telea", out=root / "other.jpg", overwrite=True)
    assert (root / "other.png").read_bytes() == before and not (root / "other.jpg").exists()
    (tmp_path / "into").mkdir()
    inside = apply_mod.repair_file(root / "part.png", a, method="telea", out=str(tmp_path / "into") + "/")
    assert inside.output_path.parent == tmp_path / "into" and inside.output_path.name == "part.repaired.png"
    assert not (tmp_path / "into.png").exists()


def test_an_output_outside_the_project_is_recorded_by_its_full_path(tmp_path, monkeypatch):
    """Recorded relative to where the command ran, it was read against the project root:
    unlinking left the file, relinking said it was gone."""
    from llmvis_desktop.core.project import Project

    root = tmp_path / "proj"
    root.mkdir()
    _noise(root / "part.png")
    mask = _mask_file(tmp_path / "m.png", slice(5, 15))
    monkeypatch.chdir(tmp_path)
    with Project.open(root) as p:
        p.index()
        res = apply_mod.repair_file(root / "part.png", "m.png", method="telea", project=p, out="outside/x.png")
        rep = p.repairs(p.image_by_path("part.png").id)[0]
        assert rep.output_path == str((tmp_path / "outside" / "x.png").resolve())
        assert rep.mask_path == str(res.mask_path.resolve()) and rep.params["mask_source"] == str(mask.resolve())


def test_a_damaged_checkpoint_is_refused(tmp_path, gen):
    """NaN weights filled the hole with black and exited 0; a file that no longer matches
    its card was used as if it did."""
    from llmvis_desktop.core.repair.checkpoint import CheckpointError, load_checkpoint

    state = {k: v.clone() for k, v in gen.state_dict().items()}
    first = next(k for k, v in state.items() if v.is_floating_point())
    state[first].view(-1)[0] = float("nan")
    with pytest.raises(CheckpointError, match="NaN or infinite"):
        load_checkpoint(save_checkpoint(tmp_path / "nan.safetensors", SMALL, state, step=1))
    good = save_checkpoint(tmp_path / "good.safetensors", SMALL, gen.state_dict(), step=1)
    other = save_checkpoint(tmp_path / "other.safetensors", SMALL, gen.state_dict(), step=2)
    good.write_bytes(other.read_bytes())  # replaced, its card left behind
    with pytest.raises(CheckpointError, match="does not match its card"):
        load_checkpoint(good)


@pytest.mark.parametrize("option, value", [("--dilate", "-1"), ("--dilate", "300"), ("--radius", "0"),
                                           ("--device", "gpu")])
def test_repair_apply_bad_values_are_usage_errors(tmp_path, option, value, capsys):
    from llmvis_desktop import cli_repair

    parser = argparse.ArgumentParser()
    cli_repair.add_parsers(parser.add_subparsers())
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(["repair", "apply", "x.png", "--mask", "m.png", option, value])
    assert exc.value.code == 2 and option in capsys.readouterr().err


def test_an_image_outside_the_project_is_refused_before_anything_is_saved(tmp_path):
    from llmvis_desktop.core.project import Project

    (tmp_path / "proj").mkdir()
    (tmp_path / "elsewhere").mkdir()
    _noise(tmp_path / "elsewhere" / "x.png")
    mask = _mask_file(tmp_path / "m.png", slice(5, 15))
    with Project.open(tmp_path / "proj") as p:
        with pytest.raises(RepairError, match="not inside the project folder.*nothing was saved"):
            apply_mod.repair_file(tmp_path / "elsewhere" / "x.png", mask, method="telea", project=p)
    assert not (tmp_path / "elsewhere" / "repaired").exists()


def test_a_repair_never_replaces_another_original_image(tmp_path):
    """--out other.png --force wrote the repair over another original of the project; a
    repair's own earlier output may still be replaced."""
    from llmvis_desktop.core.project import Project

    root = tmp_path / "proj"
    root.mkdir()
    _noise(root / "part.png")
    _noise(root / "other.png", seed=9)
    before = (root / "other.png").read_bytes()
    mask = _mask_file(tmp_path / "m.png", slice(5, 15))
    with Project.open(root) as p:
        p.index()
        with pytest.raises(RepairError, match="is an original image of the project"):
            apply_mod.repair_file(root / "part.png", mask, method="telea", project=p, out=root / "other.png",
                                  overwrite=True)
        assert (root / "other.png").read_bytes() == before
        first = apply_mod.repair_file(root / "part.png", mask, method="telea", project=p)
        again = apply_mod.repair_file(root / "part.png", mask, method="ns", project=p, out=first.output_path,
                                      overwrite=True)
        assert again.output_path == first.output_path


def test_monochrome1_dicom_repair_is_a_min_is_white_tiff_shown_the_same_way(tmp_path):
    """The repair of a MONOCHROME1 image (low values white) was a plain 16-bit PNG: shown
    as a negative of the image it repaired, in the viewer, thumbnails and exports."""
    import tifffile

    from imagegen import write_dicom_monochrome1
    from llmvis_desktop.core.imaging.reader import read_image

    src = write_dicom_monochrome1(tmp_path)
    orig = read_image(src)
    m = np.zeros(orig.pixels.shape, bool)
    m[20:30, 20:30] = True
    res = apply_mod.repair_file(src, m, method="ns")
    assert res.output_path.suffix == ".tif"
    with tifffile.TiffFile(res.output_path) as tf:
        assert int(tf.pages.first.photometric) == 0  # MinIsWhite
    back = read_image(res.output_path, window=orig.window)
    assert back.meta.inverted
    hole = dilate(m, 2)
    np.testing.assert_array_equal(back.pixels[~hole], orig.pixels[~hole])
    np.testing.assert_array_equal(back.display[~hole], orig.display[~hole])
    with pytest.raises(RepairError, match="low values white.*give a .tif"):
        apply_mod.repair_file(src, m, method="ns", out=tmp_path / "x.png")


def test_a_page_of_a_multi_page_tiff_is_repaired_and_recorded(tmp_path):
    import tifffile

    src = tmp_path / "stack.tif"
    frames = np.stack([np.full((40, 48), v, np.uint16) for v in (1000, 30000, 60000)])
    frames[2, 10:20, 10:30] = 0
    tifffile.imwrite(src, frames, photometric="minisblack")
    mask = np.zeros((40, 48), bool)
    mask[9:21, 9:31] = True
    res = apply_mod.repair_file(src, mask, method="telea", frame=2)
    assert res.params["frame"] == 2
    pages = tifffile.TiffFile(res.output_path).pages
    assert len(pages) == 1 and abs(int(pages[0].asarray()[15, 20]) - 60000) < 2
    with pytest.raises(RepairError, match="frame|page"):
        apply_mod.repair_file(src, mask, method="telea", frame=3, save=False)


@pytest.mark.parametrize("frame, message", [("0", "must be|positive|at least"), ("4", "has 3 page")])
def test_repair_apply_frame_counts_from_one_in_its_errors_too(tmp_path, frame, message, capsys):
    """--frame counts from 1, but its errors counted from 0: '--frame 4' said 'frame 3 out
    of range' and '--frame 0' said 'frame -1'."""
    import tifffile

    from llmvis_desktop.cli import main

    src = tmp_path / "stack.tif"
    tifffile.imwrite(src, np.zeros((3, 40, 48), np.uint16), photometric="minisblack")
    mask = _mask_file(tmp_path / "m.png", slice(5, 10), size=40)
    Image.fromarray(np.pad(np.asarray(Image.open(mask)), ((0, 0), (0, 8)))).save(mask)
    try:
        rc = main(["repair", "apply", str(src), "--mask", str(mask), "--method", "telea", "--frame", frame])
    except SystemExit as exc:  # argparse refuses 0
        rc = exc.code
    assert rc != 0
    err = capsys.readouterr().err
    assert re.search(message, err) and "frame -1" not in err and "frame 3 out of range" not in err


@pytest.mark.parametrize("kind", ["window", "sigmoid", "monochrome1", "8-bit"])
def test_a_repaired_dicom_shows_through_its_sources_window(tmp_path, kind):
    """The repair of a DICOM was shown through an automatic, linear window: next to the
    original in the grid it looked like another study (31-46 grey levels off). 8-bit: a
    single-page 8-bit TIFF went to Pillow, which never read the display hints."""
    import pydicom
    from pydicom.data import get_testdata_file

    from llmvis_desktop.core.imaging.reader import read_header, read_image

    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm", download=False))
    ds.WindowCenter, ds.WindowWidth = 40, 400
    if kind == "sigmoid":
        ds.VOILUTFunction = "SIGMOID"
    if kind == "monochrome1":
        ds.PhotometricInterpretation = "MONOCHROME1"
    if kind == "8-bit":
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
        del ds.RescaleSlope, ds.RescaleIntercept
        ds.WindowCenter, ds.WindowWidth = 100, 50
        ds.PixelData = (np.arange(128 * 128).reshape(128, 128) % 256).astype(np.uint8).tobytes()
    src = tmp_path / "ct.dcm"
    ds.save_as(src)
    orig = read_image(src)
    m = np.zeros(orig.pixels.shape, bool)
    m[30:40, 30:40] = True
    res = apply_mod.repair_file(src, m, method="ns")
    assert res.output_path.suffix == ".tif"
    back = read_image(res.output_path)
    hole = dilate(m, 2)
    assert back.window == orig.window == read_header(res.output_path).file_window
    assert back.meta.sigmoid == orig.meta.sigmoid
    np.testing.assert_array_equal(back.display[~hole], orig.display[~hole])


def test_overwriting_replaces_only_an_earlier_repair_output(tmp_path):
    """--out OTHER.png --force replaced another original image whenever the database did not
    say it was one: a project folder not indexed yet, or no --project at all."""
    from llmvis_desktop.core.project import Project

    root = tmp_path / "proj"
    root.mkdir()
    _noise(root / "part.png")
    _noise(root / "other.png", seed=9)
    _noise(tmp_path / "outside.png", seed=3)
    before = {p: p.read_bytes() for p in (root / "other.png", tmp_path / "outside.png")}
    mask = _mask_file(tmp_path / "m.png", slice(5, 15))
    for target in before:  # no project
        with pytest.raises(RepairError, match=re.escape(str(target)) + ".*not an earlier repair output"):
            apply_mod.repair_file(root / "part.png", mask, method="telea", out=target, overwrite=True)
    with Project.open(root) as p:  # a project never indexed: the database knows no image yet
        with pytest.raises(RepairError, match="other.png.*not an earlier repair output"):
            apply_mod.repair_file(root / "part.png", mask, method="telea", project=p, out=root / "other.png",
                                  overwrite=True)
    assert all(p.read_bytes() == b for p, b in before.items())
    # our own outputs may still be replaced: the default one, and one given by --out (its mask beside it)
    first = apply_mod.repair_file(root / "part.png", mask, method="telea")
    again = apply_mod.repair_file(root / "part.png", mask, method="ns", out=first.output_path, overwrite=True)
    assert again.output_path == first.output_path
    own = apply_mod.repair_file(root / "part.png", mask, method="telea", out=tmp_path / "fixed.png")
    apply_mod.repair_file(root / "part.png", mask, method="ns", out=own.output_path, overwrite=True)


def test_replacing_a_repair_output_closes_the_repair_it_replaced(tmp_path):
    """--out repaired/fix.png --force --project twice left two linked repairs for one file,
    the older one describing pixels that were no longer there."""
    from llmvis_desktop.core.project import Project

    root = tmp_path / "proj"
    root.mkdir()
    _noise(root / "part.png")
    mask = _mask_file(tmp_path / "m.png", slice(5, 15))
    with Project.open(root) as p:
        p.index()
        out = root / "repaired" / "fix.png"
        first = apply_mod.repair_file(root / "part.png", mask, method="telea", project=p, out=out)
        second = apply_mod.repair_file(root / "part.png", mask, method="ns", project=p, out=out, overwrite=True)
        reps = p.repairs(p.image_by_path("part.png").id)
        assert [(r.id, r.engine) for r in reps] == [(second.repair_id, "ns")]
        assert first.repair_id != second.repair_id and out.is_file()
        assert reps[0].output_image_id == p.image_by_path("repaired/fix.png").id


def test_a_mask_file_is_read_at_half_its_range(tmp_path):
    """Any value above 0 was masked: a soft-edged or JPEG-saved mask repaired far more than
    was painted, and a mask on a near-black noisy background "covered the whole image"."""
    from PIL import ImageFilter

    painted = np.zeros((60, 80), np.uint8)
    painted[20:40, 20:60] = 255
    Image.fromarray(painted).filter(ImageFilter.GaussianBlur(4)).save(tmp_path / "soft.png")
    Image.fromarray(painted).save(tmp_path / "rect.jpg", quality=75)
    noisy = np.clip(np.random.default_rng(0).normal(4, 2, painted.shape), 0, 255).astype(np.uint8)
    noisy[20:40, 20:60] = 250
    Image.fromarray(noisy).save(tmp_path / "noisy.png")
    Image.fromarray(painted.astype(np.uint16) * 257).save(tmp_path / "deep.png")  # 16-bit
    # all under half of 16 bits: read as a label mask, every value above 0 counts (here
    # all of it, which the CLI refuses as too large and the repair as covering everything)
    low16 = np.where(painted > 0, 20000, 300).astype(np.uint16)
    Image.fromarray(low16).save(tmp_path / "low16.png")
    rgba = np.zeros((60, 80, 4), np.uint8)
    rgba[..., 3] = np.asarray(Image.fromarray(painted).filter(ImageFilter.GaussianBlur(4)))
    Image.fromarray(rgba).save(tmp_path / "alpha.png")
    area = int((painted > 0).sum())
    for name in ("soft.png", "rect.jpg", "noisy.png", "alpha.png"):
        got = apply_mod.load_mask(tmp_path / name)
        assert abs(int(got.sum()) - area) <= 0.1 * area, name
        assert got[20:40, 20:60].mean() > 0.9 and not got[:10].any(), name
    assert np.array_equal(apply_mod.load_mask(tmp_path / "deep.png"), painted > 0)
    assert apply_mod.load_mask(tmp_path / "low16.png").all()
    # a 0/1 label mask (as many tools save one, 8- or 16-bit) is masked at its 1s
    Image.fromarray((painted > 0).astype(np.uint8)).save(tmp_path / "labels01.png")
    Image.fromarray((painted > 0).astype(np.uint16)).save(tmp_path / "labels01_16.png")
    for name in ("labels01.png", "labels01_16.png"):
        assert np.array_equal(apply_mod.load_mask(tmp_path / name), painted > 0), name
    _noise(tmp_path / "img.png", size=60)
    Image.open(tmp_path / "img.png").crop((0, 0, 80, 60)).save(tmp_path / "img.png")
    res = apply_mod.repair_file(tmp_path / "img.png", tmp_path / "noisy.png", method="telea", save=False)
    assert res.pixels.shape == (60, 80, 3)  # not "the mask covers the whole image"


def test_a_tiff_repair_keeps_the_source_resolution_and_description(tmp_path):
    """A repaired 16-bit TIFF said 1 pixel per no unit instead of 300 dpi, and lost its
    ImageDescription."""
    import tifffile

    img = np.random.default_rng(2).integers(0, 4000, (40, 40)).astype(np.uint16)
    src = tmp_path / "scan.tif"
    tifffile.imwrite(src, img, resolution=(300, 300), resolutionunit="INCH", description="slide 7, stain H&E",
                     metadata=None)
    mask = _mask_file(tmp_path / "m.png", slice(5, 15))
    res = apply_mod.repair_file(src, mask, method="telea")
    with tifffile.TiffFile(res.output_path) as t:
        page = t.pages[0]
        assert page.dtype == np.uint16
        assert page.tags["XResolution"].value == (300, 1) and page.tags["YResolution"].value == (300, 1)
        assert int(page.tags["ResolutionUnit"].value) == 2  # inch
        assert page.tags["ImageDescription"].value == "slide 7, stain H&E"
    # tifffile's own shape description is not carried over as if it were the source's
    plain = tmp_path / "plain.tif"
    tifffile.imwrite(plain, img)
    assert "description" not in save_mod.tiff_source_meta(plain)


def _cli_apply(argv, capsys):
    import json

    from llmvis_desktop.cli import main

    rc = main(["repair", "apply", *argv, "--json"])
    out = capsys.readouterr()
    return rc, (json.loads(out.out.strip().splitlines()[-1]) if rc == 0 else None), out.err


def test_cli_apply_inside_a_project_uses_its_trained_checkpoint_and_records_the_repair(tmp_path, gen, capsys):
    """Without --project, `repair apply` on an image of a project repaired with the shipped
    starter, not the project's trained checkpoint (which the GUI uses), and its output was
    not recorded: indexed as a plain new image, not linked to its source, trained on."""
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.repair.checkpoint import load_checkpoint

    root = tmp_path / "proj"
    (root / "line1").mkdir(parents=True)
    rng = np.random.default_rng(4)
    Image.fromarray(rng.integers(0, 255, (40, 40)).astype(np.uint8)).save(root / "line1" / "part.png")
    _mask_file(tmp_path / "mask.png", slice(5, 15), size=40)
    with Project.open(root) as p:
        p.index()
    trained = save_checkpoint(root / ".llmvis" / "repair.safetensors", SMALL, gen.state_dict())
    rc, out, err = _cli_apply([str(root / "line1" / "part.png"), "--mask", str(tmp_path / "mask.png"),
                               "--device", "cpu"], capsys)
    assert rc == 0, err
    want = load_checkpoint(trained).sha256
    assert out["checkpoint"] == str(trained) and out["checkpoint_sha256"] == want
    assert str(trained) in err  # said which checkpoint was used
    assert out["project"] == str(root.resolve()) and out["repair_id"] is not None
    with Project.open(root) as p:
        reps = p.repairs(p.image_by_path("line1/part.png").id)
        assert len(reps) == 1 and reps[0].output_path == "line1/repaired/part.repaired.png"
        assert reps[0].output_image_id is not None and reps[0].checkpoint_hash == want
    # --checkpoint still wins; a project without a trained checkpoint: the starter
    trained.unlink()
    rc, out, err = _cli_apply([str(root / "line1" / "part.png"), "--mask", str(tmp_path / "mask.png"),
                               "--device", "cpu"], capsys)
    assert rc == 0, err
    assert out["checkpoint"].startswith("starter") and out["repair_id"] is not None


def test_cli_apply_outside_any_project_records_nothing(tmp_path, capsys):
    folder = tmp_path / "loose"
    folder.mkdir()
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (40, 40)).astype(np.uint8)).save(folder / "a.png")
    _mask_file(tmp_path / "mask.png", slice(5, 15), size=40)
    rc, out, err = _cli_apply([str(folder / "a.png"), "--mask", str(tmp_path / "mask.png"), "--method", "telea"],
                              capsys)
    assert rc == 0, err
    assert out["project"] is None and out["repair_id"] is None and out["checkpoint"] is None
    assert (folder / "repaired" / "a.repaired.png").is_file() and not (folder / ".llmvis").exists()


def test_cli_apply_with_a_database_elsewhere_needs_the_project_folder(tmp_path, capsys):
    """`--db URL` without `--project`: the repair ran unrecorded (the folder holds no mark of
    a database kept elsewhere) and the next index took its output for a real image."""
    folder = tmp_path / "proj"
    folder.mkdir()
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (40, 40)).astype(np.uint8)).save(folder / "a.png")
    _mask_file(tmp_path / "mask.png", slice(5, 15), size=40)
    from llmvis_desktop.core.project import Project

    db = f"sqlite:///{tmp_path / 'elsewhere.sqlite'}"
    with Project.open(folder, db) as p:
        p.scan()
    from llmvis_desktop.cli import main

    rc = main(["repair", "apply", str(folder / "a.png"), "--mask", str(tmp_path / "mask.png"), "--method",
               "telea", "--db", db])
    err = capsys.readouterr().err
    assert rc == 1 and "give --project FOLDER too" in err
    assert not (folder / "repaired").exists()
    rc, out, err = _cli_apply([str(folder / "a.png"), "--mask", str(tmp_path / "mask.png"), "--method", "telea",
                               "--db", db, "--project", str(folder)], capsys)
    assert rc == 0, err
    assert out["repair_id"] is not None
