"""Mask files as other tools write them: class-index label masks, 8-bit values stored in
16 bits, TIFFs read by their stored values; a mask covering most of the image (inverted?)
is refused by the CLI unless asked for."""
import numpy as np
import pytest
import tifffile
from PIL import Image

from llmvis_desktop.core.repair import apply as apply_mod

from repair_helpers import one_torch_thread  # noqa: F401 - fixture

H, W = 60, 80
load_mask = apply_mod.load_mask  # where the dialog's Import takes it from


def _painted():
    m = np.zeros((H, W), bool)
    m[20:40, 20:60] = True
    return m


def test_a_class_index_mask_is_masked_at_its_labels(tmp_path):
    """0 = background, 1 and 2 = two defect classes (CVAT, labelme): "the mask is empty"."""
    labels = np.zeros((H, W), np.uint8)
    labels[20:40, 20:40] = 1
    labels[20:40, 40:60] = 2
    Image.fromarray(labels).save(tmp_path / "classes.png")
    assert np.array_equal(load_mask(tmp_path / "classes.png"), _painted())


@pytest.mark.parametrize("suffix", ["png", "tif"])
def test_an_8_bit_mask_saved_as_16_bits_is_masked_where_it_is_255(tmp_path, suffix):
    """0/255 in a uint16 file (OpenCV/numpy pipelines): refused as "the mask is empty"."""
    values = (_painted() * 255).astype(np.uint16)
    path = tmp_path / f"u16.{suffix}"
    if suffix == "png":
        Image.fromarray(values).save(path)
    else:
        tifffile.imwrite(path, values)
    assert np.array_equal(load_mask(path), _painted())


@pytest.mark.parametrize("dtype", [bool, np.uint8])
def test_a_tiff_mask_is_read_by_its_stored_values(tmp_path, dtype):
    """tifffile writes a bool array as a 1-bit MinIsWhite TIFF, which PIL read inverted:
    97% of the image was rewritten."""
    path = tmp_path / "m.tif"
    tifffile.imwrite(path, _painted() if dtype is bool else (_painted() * 255).astype(np.uint8))
    assert np.array_equal(load_mask(path), _painted())


def test_the_usual_threshold_still_holds_for_full_range_masks(tmp_path):
    soft = np.zeros((H, W), np.uint8)
    soft[20:40, 20:60] = 255
    soft[10:20, 20:60] = 60  # a faint halo (max 255): not repaired
    Image.fromarray(soft).save(tmp_path / "soft.png")
    assert np.array_equal(load_mask(tmp_path / "soft.png"), _painted())


def test_coverage_helper_names_the_fraction():
    from llmvis_desktop.core.repair.mask_file import coverage_warning, mask_coverage

    m = np.ones((10, 10), bool)
    m[0, :3] = False
    assert mask_coverage(m) == pytest.approx(0.97)
    assert "97%" in coverage_warning(m) and "inverted" in coverage_warning(m)
    assert coverage_warning(_painted()) is None


def _image_and_inverted_mask(tmp_path):
    Image.fromarray(np.random.default_rng(2).integers(0, 255, (H, W, 3)).astype(np.uint8)).save(tmp_path / "a.png")
    inv = np.full((H, W), 255, np.uint8)
    inv[20:40, 20:60] = 0  # the defect painted black on white
    Image.fromarray(inv).save(tmp_path / "inv.png")
    return tmp_path / "a.png", tmp_path / "inv.png"


def test_cli_refuses_a_mask_over_half_the_image_unless_allowed(tmp_path, capsys):
    from llmvis_desktop.cli import main

    img, inv = _image_and_inverted_mask(tmp_path)
    rc = main(["repair", "apply", str(img), "--mask", str(inv), "--method", "telea"])
    err = capsys.readouterr().err
    assert rc == 1 and "the mask covers 83% of the image; inverted?" in err and "--allow-large-mask" in err
    assert not (tmp_path / "repaired").exists()
    rc = main(["repair", "apply", str(img), "--mask", str(inv), "--method", "telea", "--allow-large-mask"])
    err = capsys.readouterr().err
    assert rc == 0 and "warning: the mask covers 83%" in err
    assert (tmp_path / "repaired" / "a.repaired.png").is_file()


def test_repair_file_tells_its_caller_about_a_large_mask(tmp_path):
    img, inv = _image_and_inverted_mask(tmp_path)
    said = []
    apply_mod.repair_file(img, inv, method="telea", save=False, large_mask=said.append)
    assert len(said) == 1 and "83%" in said[0]
    said.clear()
    apply_mod.repair_file(img, _painted(), method="telea", save=False, large_mask=said.append)
    assert said == []


def test_cli_names_an_empty_mask_file_in_its_own_words(tmp_path, capsys):
    """An all-black --mask said the dialog's "the mask is empty: paint over the region to
    repair first", naming no file and asking to paint on the command line."""
    from llmvis_desktop.cli import main

    img, _ = _image_and_inverted_mask(tmp_path)
    empty = tmp_path / "empty.png"
    Image.fromarray(np.zeros((H, W), np.uint8)).save(empty)
    rc = main(["repair", "apply", str(img), "--mask", str(empty), "--method", "telea"])
    err = capsys.readouterr().err
    assert rc == 1 and f"{empty}: the mask is empty (no pixel set); nothing to repair" in err
    assert "paint" not in err and not (tmp_path / "repaired").exists()
