"""A repair saved under a .png name the user gave (``llmvis repair apply --out x.png``).
A TIFF's repair was refused whatever it held ("this image (uint8, (48, 64, 3)) needs TIFF
to keep its depth"): an 8-bit or 16-bit gray TIFF, which a PNG holds exactly, as much as a
16-bit colour one. A PNG holds 8-bit and 16-bit gray, gray+alpha, RGB and RGBA: such a
repair is now that PNG, at its depth; float and signed samples, which no PNG can hold,
are refused in words that say so and name a .tif to give instead."""
import numpy as np
import pytest
import tifffile
from PIL import Image

from llmvis_desktop.core.imaging.reader import read_image
from llmvis_desktop.core.repair import RepairError
from llmvis_desktop.core.repair.apply import repair_file


def _mask(h=48, w=64) -> np.ndarray:
    mask = np.zeros((h, w), bool)
    mask[20:26, 30:38] = True
    return mask


def _pixels(kind: str) -> np.ndarray:
    y, x = np.mgrid[0:48, 0:64]
    if kind == "rgb8":
        return np.dstack([x * 3, y * 4, np.full((48, 64), 99)]).astype(np.uint8)
    if kind == "gray16":
        return (x * 900 + y * 31 + 5).astype(np.uint16)
    if kind == "rgb16":
        return np.dstack([x * 1000 + 7, y * 1300 + 3, np.full((48, 64), 40001)]).astype(np.uint16)
    if kind == "rgba16":
        return np.dstack([x * 1000 + 7, y * 1300 + 3, np.full((48, 64), 40001),
                          np.full((48, 64), 65535)]).astype(np.uint16)
    if kind == "la16":
        return np.dstack([x * 900 + 1, np.full((48, 64), 65535)]).astype(np.uint16)
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["rgb8", "gray16", "rgb16", "rgba16", "la16"])
def test_a_tiff_s_repair_is_saved_as_the_png_asked_for_at_its_depth(tmp_path, kind):
    src = _pixels(kind)
    path = tmp_path / f"{kind}.tif"
    extra = {"extrasamples": ["unassalpha"], "photometric": "minisblack"} if kind == "la16" else {}
    tifffile.imwrite(path, src, resolution=(300, 300), resolutionunit=2, **extra)
    out = tmp_path / "out" / f"{kind}.png"
    out.parent.mkdir()
    mask = _mask()
    res = repair_file(path, mask, method="telea", dilate_px=0, out=out)
    assert res.output_path == out and out.is_file()
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    got = read_image(out)
    assert got.meta.format == "PNG" and got.pixels.dtype == src.dtype, got.meta
    assert got.pixels.shape == src.shape
    assert np.array_equal(got.pixels[~mask], src[~mask])
    with Image.open(out) as im:  # the source's resolution is kept
        assert [round(v) for v in im.info["dpi"]] == [300, 300]


def test_a_16_bit_colour_png_s_repair_is_saved_as_the_png_asked_for(tmp_path):
    import cv2

    src = _pixels("rgb16")
    path = tmp_path / "scan.png"
    assert cv2.imwrite(str(path), src[..., ::-1])
    mask = _mask()
    res = repair_file(path, mask, method="telea", dilate_px=0, out=tmp_path / "fixed.png")
    got = read_image(res.output_path)
    assert got.meta.format == "PNG" and got.meta.bit_depth == 16 and got.pixels.shape == src.shape
    assert np.array_equal(got.pixels[~mask], src[~mask])


@pytest.mark.parametrize("dtype, words", [(np.float32, "floating-point"), (np.int16, "signed")])
def test_samples_no_png_can_hold_are_refused_in_words(tmp_path, dtype, words):
    src = (np.mgrid[0:48, 0:64][1] * 10 - 100).astype(dtype)
    path = tmp_path / "depth.tif"
    tifffile.imwrite(path, src)
    with pytest.raises(RepairError) as err:
        repair_file(path, _mask(), method="telea", dilate_px=0, out=tmp_path / "depth-fixed.png")
    text = str(err.value)
    assert words in text and "depth-fixed.tif" in text and "PNG" in text, text
    assert "(48, 64)" not in text and "float32" not in text, text
    assert not (tmp_path / "depth-fixed.png").exists()
