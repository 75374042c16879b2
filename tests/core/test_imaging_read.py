"""Image reading: headers, full-depth pixels, display rendering, DICOM, failures."""
from __future__ import annotations

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image, ImageFile

from llmvis_desktop.core.imaging import (
    DEFAULT_MAX_PIXELS,
    ImageReadError,
    auto_window,
    is_candidate,
    read_header,
    read_image,
    sniff_dicom,
    to_display,
)
from llmvis_desktop.core.imaging import errors, reader

try:
    from . import imagegen
except ImportError:  # tests/core is not a package: pytest put it on sys.path
    import imagegen


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    return imagegen.write_samples(tmp_path_factory.mktemp("samples"))


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    directory = tmp_path_factory.mktemp("bad")
    return directory, imagegen.write_bad_files(directory)


SAMPLE_NAMES = [
    "jpeg_exif6", "png_rgba", "bmp", "webp", "tiff8", "tiff16", "tiff16_lzw", "tiff_multi",
    "ct", "mr", "dicom_uid_name", "dicom_noext", "mr_mono1", "ct_multiframe", "dicom_rgb",
]
EXPECTED_FORMAT = {
    "jpeg_exif6": "JPEG", "png_rgba": "PNG", "bmp": "BMP", "webp": "WEBP", "tiff8": "TIFF",
    "tiff16": "TIFF", "tiff16_lzw": "TIFF", "tiff_multi": "TIFF",
}


# ------------------------------------------------------------------ plumbing for every sample


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_header_agrees_with_decoded_image(samples, name):
    meta = read_header(samples[name])
    data = read_image(samples[name])
    assert data.meta == meta
    assert meta.format == EXPECTED_FORMAT.get(name, "DICOM")
    assert data.pixels.shape[:2] == (meta.height, meta.width)
    assert (data.pixels.shape[2] if data.pixels.ndim == 3 else 1) == meta.channels
    assert data.display.dtype == np.uint8
    assert data.display.shape[:2] == (meta.height, meta.width)
    assert data.display.ndim == 2 or data.display.shape[2] == 3
    assert data.frame == 0


def test_formats_by_name_and_content(samples, tmp_path):
    assert is_candidate("A.JPG") and is_candidate("x.Tiff") and is_candidate("scan.DCM")
    assert is_candidate("a.dicom") and is_candidate("b.webp")
    assert not is_candidate("notes.txt") and not is_candidate("IM0001") and not is_candidate(".png")
    assert not is_candidate(samples["dicom_uid_name"].name)
    assert sniff_dicom(samples["dicom_uid_name"]) and sniff_dicom(samples["dicom_noext"])
    assert not sniff_dicom(samples["png_rgba"]) and not sniff_dicom(tmp_path / "missing")


# ------------------------------------------------------------------ 8-bit formats


def test_exif_orientation_6_swaps_dims_and_rotates_pixels(samples):
    stored_w, stored_h = imagegen.JPEG_STORED_SIZE
    meta = read_header(samples["jpeg_exif6"])
    assert (meta.width, meta.height) == (stored_h, stored_w)
    pixels = read_image(samples["jpeg_exif6"]).pixels
    assert pixels.shape == (stored_w, stored_h, 3)
    # the red band along the stored left edge is on top once rotated 90 degrees clockwise
    assert pixels[:8, :, 0].mean() > 180 and pixels[:8, :, 2].mean() < 60
    assert pixels[-8:, :, 0].mean() < 60 and pixels[-8:, :, 2].mean() > 150


def test_png_alpha_kept_in_pixels_and_composited_for_display(samples):
    data = read_image(samples["png_rgba"])
    assert data.pixels.shape == (24, 32, 4) and data.window is None
    assert data.display.shape == (24, 32, 3)
    assert (data.display[:, 16:] == 255).all()  # transparent half shows white
    np.testing.assert_array_equal(data.display[:, :16], data.pixels[:, :16, :3])


def test_8bit_display_is_the_pixels(samples):
    for name in ("bmp", "tiff8", "webp"):
        data = read_image(samples[name])
        assert data.pixels.dtype == np.uint8 and data.window is None
        np.testing.assert_array_equal(data.display, data.pixels)


# ------------------------------------------------------------------ 16-bit TIFF


@pytest.mark.parametrize("name", ["tiff16", "tiff16_lzw"])
def test_16bit_tiff_keeps_full_depth(samples, name):
    data = read_image(samples[name])
    assert data.meta.bit_depth == 16
    assert data.pixels.dtype == np.uint16
    assert int(data.pixels.max()) == imagegen.TIFF16_MAX
    np.testing.assert_array_equal(data.pixels, imagegen.tiff16_array())
    # percentile stretch, not Pillow's clipping: a spread of grays, few saturated pixels
    assert data.display.dtype == np.uint8
    assert len(np.unique(data.display)) > 60
    assert np.mean((data.display == 0) | (data.display == 255)) < 0.05
    center, width = data.window
    lo, hi = np.percentile(data.pixels, [0.5, 99.5])
    assert center == pytest.approx((lo + hi) / 2) and width == pytest.approx(hi - lo)


def test_explicit_window_is_used(samples):
    data = read_image(samples["tiff16"], window=(20000.0, 10000.0))
    assert data.window == (20000.0, 10000.0)
    px, disp = data.pixels, data.display
    assert (disp[px <= 15000] == 0).all() and (disp[px >= 25000] == 255).all()
    mid = (px > 15000) & (px < 25000)
    assert mid.any() and 0 < disp[mid].mean() < 255


def test_multipage_tiff_frames(samples):
    path = samples["tiff_multi"]
    assert read_header(path).frames == 3
    for i in range(3):
        data = read_image(path, frame=i)
        assert data.frame == i and data.pixels.dtype == np.uint16
        assert int(data.pixels.max()) == 1000 * (i + 1)
    # counted from 1, as the viewer's frame bar, the repair dialog and --frame count them
    # (frame=3 said "frame 3 out of range", the 4th page, of a file of 3)
    with pytest.raises(ImageReadError, match=r"page 4 out of range \(the file has 3 pages\)"):
        read_image(path, frame=3)


def test_other_depths_and_modes(tmp_path):
    import tifffile

    png16 = tmp_path / "gray16.png"
    Image.fromarray(imagegen.tiff16_array()).save(png16)
    data = read_image(png16)
    assert data.pixels.dtype == np.uint16 and data.meta.bit_depth == 16
    np.testing.assert_array_equal(data.pixels, imagegen.tiff16_array())

    palette = tmp_path / "palette.png"
    Image.fromarray(imagegen._gradient_rgb(20, 10)).quantize(16).save(palette)
    data = read_image(palette)
    assert data.meta.mode == "P" and data.meta.channels == 3 and data.pixels.shape == (10, 20, 3)

    floats = tmp_path / "float.tif"
    tifffile.imwrite(floats, np.linspace(-1, 1, 200, dtype=np.float32).reshape(10, 20))
    data = read_image(floats)
    assert data.pixels.dtype == np.float32 and data.meta.bit_depth == 32
    assert data.meta == read_header(floats) and data.display.dtype == np.uint8
    assert data.display.min() == 0 and data.display.max() == 255


# ------------------------------------------------------------------ DICOM


def test_ct_modality_lut_gives_hounsfield_units(samples):
    import pydicom

    stored = pydicom.dcmread(samples["ct"]).pixel_array
    data = read_image(samples["ct"])
    assert data.meta.bit_depth == 16 and data.meta.mode == "MONOCHROME2"
    assert data.pixels.dtype == np.int16
    assert data.pixels.min() < 0  # air/fat below water
    np.testing.assert_array_equal(data.pixels, stored.astype(np.int32) - 1024)
    # no window tags: min/max window
    lo, hi = float(data.pixels.min()), float(data.pixels.max())
    assert data.window == ((lo + hi) / 2, hi - lo)
    assert data.display.min() == 0 and data.display.max() == 255


def test_mr_window_from_tags(samples):
    data = read_image(samples["mr"])
    assert data.window == (600.0, 1600.0)
    np.testing.assert_array_equal(data.display, to_display(data.pixels, (600.0, 1600.0)))


def test_monochrome1_is_inverted(samples):
    mono2, mono1 = read_image(samples["mr"]), read_image(samples["mr_mono1"])
    assert mono1.meta.mode == "MONOCHROME1"
    np.testing.assert_array_equal(mono1.pixels, mono2.pixels)
    np.testing.assert_array_equal(mono1.display, 255 - mono2.display)
    # the GUI re-renders on window/level drags with the same helper
    np.testing.assert_array_equal(mono1.display, to_display(mono1.pixels, mono1.window, invert=True))


def test_multiframe_dicom(samples):
    path = samples["ct_multiframe"]
    assert read_header(path).frames == 3
    first, last = read_image(path, frame=0), read_image(path, frame=2)
    assert last.frame == 2
    np.testing.assert_array_equal(last.pixels.astype(int), first.pixels.astype(int) + 200)
    with pytest.raises(ImageReadError, match=r"frame 6 out of range \(the file has 3 frames\)"):
        read_image(path, frame=5)


def test_extensionless_dicom_reads_like_its_source(samples):
    a, b = read_image(samples["ct"]), read_image(samples["dicom_uid_name"])
    np.testing.assert_array_equal(a.pixels, b.pixels)
    assert read_header(samples["dicom_noext"]).format == "DICOM"


def test_rgb_dicom_passes_through(samples):
    data = read_image(samples["dicom_rgb"])
    assert data.meta.channels == 3 and data.pixels.dtype == np.uint8
    assert data.pixels.shape == (240, 320, 3)
    np.testing.assert_array_equal(data.display, data.pixels)


# ------------------------------------------------------------------ display helpers


def test_to_display_window_endpoints_and_dtypes():
    values = np.array([[0, 1000, 2000, 3000, 4000]], np.uint16)
    np.testing.assert_array_equal(to_display(values, (2000, 2000)), [[0, 0, 128, 255, 255]])
    as_int16 = (values.astype(np.int32) - 2000).astype(np.int16)
    np.testing.assert_array_equal(to_display(as_int16, (0, 2000)), [[0, 0, 128, 255, 255]])
    as_float = values.astype(np.float32) / 4000
    np.testing.assert_array_equal(to_display(as_float, (0.5, 0.5)), [[0, 0, 128, 255, 255]])
    rgba = np.zeros((2, 2, 4), np.uint16)
    assert to_display(rgba, (1, 2)).shape == (2, 2, 3)


def test_auto_window_is_a_percentile_stretch():
    arr = np.arange(10001, dtype=np.uint16).reshape(1, -1)
    center, width = auto_window(arr)
    assert center == pytest.approx(5000) and width == pytest.approx(9900)
    assert auto_window(np.full((4, 4), 7, np.uint16))[1] > 0  # flat image: no zero width


# ------------------------------------------------------------------ failures


def _bad_names():
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        return sorted(imagegen.write_bad_files(d))


@pytest.mark.parametrize("name", _bad_names())
def test_bad_file_raises_named_reason(bad, name):
    directory, expected = bad
    path = directory / name
    with pytest.raises(ImageReadError) as info:
        read_image(path)
    err = info.value
    assert err.path == str(path)
    assert expected[name] in err.reason
    assert str(err).startswith(f"{path}: ") and expected[name] in str(err)
    if name not in imagegen.HEADER_OK_BAD_FILES:
        with pytest.raises(ImageReadError, match=expected[name].split("(")[0][:30]):
            read_header(path)


def test_missing_file(tmp_path):
    with pytest.raises(ImageReadError, match="file not found"):
        read_header(tmp_path / "gone.png")


def test_permission_denied_is_reported(samples, monkeypatch):
    def denied(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(reader, "_open_file", denied)
    with pytest.raises(ImageReadError) as info:
        read_image(samples["bmp"])
    assert info.value.reason == "permission denied"
    assert errors.from_os_error("x.png", PermissionError(13, "denied")).reason == "permission denied"
    assert "I/O error" in errors.from_os_error("x.png", OSError(5, "Input/output error")).reason


def test_pixel_limit_is_a_per_call_setting(samples, bad):
    directory, _ = bad
    saved = Image.MAX_IMAGE_PIXELS
    # sizes that round to the same tenth of a megapixel are said in pixels ("0.0 MP exceeds
    # the limit of 0.0 MP" said nothing)
    with pytest.raises(ImageReadError, match=r"image too large: 32x24 = 768 pixels exceeds the limit of 100 pixels"):
        read_header(samples["png_rgba"], max_pixels=100)
    assert errors.too_large(20000, 20000, 178_956_970) == (
        "image too large: 20000x20000 = 400.0 MP exceeds the limit of 178.9 MP (setting max_image_pixels)")
    with pytest.raises(ImageReadError, match="image too large: 128x128"):
        read_image(samples["ct"], max_pixels=1000)
    with pytest.raises(ImageReadError, match="image too large: 80x60"):
        read_image(samples["tiff16"], max_pixels=1000)
    # a line-scan user raises the limit: the header of the 400 MP PNG reads fine
    meta = read_header(directory / "bomb.png", max_pixels=500_000_000)
    assert (meta.width, meta.height) == (20000, 20000)
    assert Image.MAX_IMAGE_PIXELS == saved  # the global guard is untouched afterwards
    assert DEFAULT_MAX_PIXELS == 2 * saved


def test_error_is_picklable_and_pillow_stays_strict():
    err = ImageReadError("/a/b.png", "empty file (0 bytes)")
    again = pickle.loads(pickle.dumps(err))
    assert (again.path, again.reason, str(again)) == (err.path, err.reason, "/a/b.png: empty file (0 bytes)")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_imaging_imports_no_qt_or_ml():
    code = (
        "import sys, llmvis_desktop.core.imaging as m; "
        "bad = [k for k in sys.modules if k.split('.')[0] in "
        "('PySide6', 'PyQt5', 'PyQt6', 'torch', 'transformers')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=root)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_draft_side_decodes_a_large_jpeg_at_reduced_scale_keeping_orientation(tmp_path):
    from PIL import Image

    from llmvis_desktop.core.imaging.reader import read_image

    yy, xx = np.mgrid[:1600, :2400]
    rgb = np.stack([(xx // 9) % 256, (yy // 7) % 256, ((xx + yy) // 13) % 256], axis=2).astype(np.uint8)
    im = Image.fromarray(rgb)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    path = tmp_path / "big.jpg"
    im.save(path, quality=92, exif=exif)
    full = read_image(path)
    small = read_image(path, draft_side=500)
    assert full.pixels.shape == (2400, 1600, 3)  # displayed upright: portrait
    assert small.pixels.shape == (1200, 800, 3)  # 1/2 scale: 1/4 would take the short side below 500
    assert small.meta.width == 800 and small.meta.height == 1200
    ref = np.asarray(Image.fromarray(full.pixels).resize((800, 1200), Image.BILINEAR), dtype=float)
    assert np.abs(small.pixels.astype(float) - ref).mean() < 12  # the same picture, upright
    png = tmp_path / "same.png"
    im.save(png)
    assert read_image(png, draft_side=500).pixels.shape == (1600, 2400, 3)  # only JPEG is drafted


def test_an_enhanced_ct_takes_its_rescale_and_window_from_the_functional_groups(tmp_path):
    """Modern scanners write the rescale and window per frame or shared, not at the top
    level: the stored values were shown (1024 off in Hounsfield units) through min/max."""
    import pydicom
    from pydicom.data import get_testdata_file
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm", download=False))
    raw = ds.pixel_array.copy()
    slope, intercept = float(ds.RescaleSlope), float(ds.RescaleIntercept)
    for kw in ("RescaleSlope", "RescaleIntercept", "WindowCenter", "WindowWidth"):
        if kw in ds:
            delattr(ds, kw)
    pvt, voi, shared, own = Dataset(), Dataset(), Dataset(), Dataset()
    pvt.RescaleSlope, pvt.RescaleIntercept = slope, intercept
    voi.WindowCenter, voi.WindowWidth = 40, 400
    shared.PixelValueTransformationSequence = Sequence([pvt])
    shared.FrameVOILUTSequence = Sequence([voi])
    frame2 = Dataset()
    frame2.WindowCenter, frame2.WindowWidth = 300, 1500  # the second frame has its own
    own.FrameVOILUTSequence = Sequence([frame2])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    ds.PerFrameFunctionalGroupsSequence = Sequence([Dataset(), own])
    ds.NumberOfFrames = 2
    ds.PixelData = np.stack([raw, raw]).astype(raw.dtype).tobytes()
    path = tmp_path / "enhanced.dcm"
    ds.save_as(path, enforce_file_format=False)
    first, second = read_image(path), read_image(path, frame=1)
    assert first.pixels.min() == raw.min() * slope + intercept and first.window == (40.0, 400.0)
    assert second.window == (300.0, 1500.0)


@pytest.mark.parametrize("name", ["SC_ybr_full_422_uncompressed.dcm", "image_dfl.dcm"])
def test_valid_dicom_is_not_taken_for_truncated(name):
    """YBR_FULL_422 holds 2/3 of the bytes the plain formula wants, and a deflated file's
    position after its header says nothing: both were indexed as damaged."""
    from pydicom.data import get_testdata_file

    from llmvis_desktop.core.imaging.reader import read_header

    path = get_testdata_file(name, download=False)
    assert read_header(path).format == "DICOM"
    assert read_image(path).pixels.size


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_min_is_white_tiff_keeps_its_values_and_shows_inverted(tmp_path, dtype):
    """A gray TIFF whose PhotometricInterpretation says 0 is white (scanners, some X-ray
    exports, and the repairs of MONOCHROME1 DICOM) showed as a negative at 16 bits."""
    import tifffile

    arr = (np.arange(64 * 48).reshape(48, 64) * (7 if dtype == np.uint16 else 1) % 250).astype(dtype)
    tifffile.imwrite(tmp_path / "black.tif", arr, photometric="minisblack")
    tifffile.imwrite(tmp_path / "white.tif", arr, photometric="miniswhite")
    black, white = read_image(tmp_path / "black.tif"), read_image(tmp_path / "white.tif")
    assert white.meta.inverted and not black.meta.inverted
    assert read_header(tmp_path / "white.tif").inverted
    np.testing.assert_array_equal(white.pixels, arr)  # stored values, as DICOM keeps them
    np.testing.assert_array_equal(white.display, 255 - black.display.astype(np.int16))
    np.testing.assert_array_equal(white.display, to_display(white.pixels, white.window, invert=True))


def test_voi_lut_function_sigmoid_is_an_s_curve_for_every_window(tmp_path, samples):
    """VOI LUT Function SIGMOID (some mammography and radiography) was drawn as the
    linear ramp: the reviewer saw other contrast than the modality intended."""
    import pydicom

    ds = pydicom.dcmread(samples["mr"])
    ds.VOILUTFunction = "SIGMOID"
    ds.save_as(tmp_path / "sig.dcm")
    linear, sig = read_image(samples["mr"]), read_image(tmp_path / "sig.dcm")
    assert sig.meta.sigmoid and not linear.meta.sigmoid
    c, w = sig.window
    x = sig.pixels.astype(np.float64)
    want = 255.0 / (1.0 + np.exp(-4.0 * (x - c) / w))  # PS3.3 C.11.2.1.3.1
    assert np.abs(sig.display - want).max() <= 0.5 + 1e-6
    assert not np.array_equal(sig.display, linear.display)
    # the viewer re-renders a window/level drag with the same helper
    np.testing.assert_array_equal(sig.display, to_display(sig.pixels, sig.window, sigmoid=True))


def test_a_cut_short_file_is_said_the_same_way_when_indexed_and_when_viewed(tmp_path):
    """The grid said 'the JPEG end marker is missing: the file was cut short', the viewer
    'truncated or corrupt image data (image file is truncated (2 bytes not processed))'."""
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(tmp_path / "a.jpg", quality=90)
    data = (tmp_path / "a.jpg").read_bytes()
    (tmp_path / "a.jpg").write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(ImageReadError) as viewed:
        read_image(tmp_path / "a.jpg")
    assert "the file was cut short" in viewed.value.reason and "not processed" not in viewed.value.reason


def test_a_palette_dicom_without_its_colour_tables_is_an_image_read_error(tmp_path):
    """A raw ValueError ('No suitable Palette Color Lookup Table Module found') came out of
    read_image and the thumbnails, naming no file."""
    import pydicom
    from pydicom.data import get_testdata_file

    ds = pydicom.dcmread(get_testdata_file("examples_palette.dcm", download=False))
    assert ds.PhotometricInterpretation == "PALETTE COLOR"
    del ds.RedPaletteColorLookupTableData
    ds.save_as(tmp_path / "pal.dcm")
    with pytest.raises(ImageReadError, match="colour tables are missing") as exc:
        read_image(tmp_path / "pal.dcm")
    assert "pal.dcm" in str(exc.value)


def _noise_tiff(tmp_path, **save) -> bytes:
    import io

    buf = io.BytesIO()
    Image.effect_noise((256, 256), 50).save(buf, "TIFF", **save)
    return buf.getvalue()


@pytest.mark.parametrize("keep", [0.5, 200])
def test_a_truncated_tiff_is_caught_at_header_time(tmp_path, keep):
    """Its header, at the start, read fine: the index listed it as a good image."""
    import tifffile

    data = _noise_tiff(tmp_path)
    cut = tmp_path / "cut.tif"
    cut.write_bytes(data[: int(len(data) * keep) if keep < 1 else keep])
    with pytest.raises(ImageReadError) as err:
        read_header(cut)
    assert errors.TRUNCATED in err.value.reason and "cut short" in err.value.reason
    tiles = tmp_path / "tiles.tif"  # a 16-bit tiled one goes through tifffile alone
    tifffile.imwrite(tiles, np.arange(64 * 64, dtype=np.uint16).reshape(64, 64), tile=(16, 16))
    whole = tiles.read_bytes()
    assert read_header(tiles).width == 64
    tiles.write_bytes(whole[: len(whole) - 100])
    with pytest.raises(ImageReadError, match="cut short"):
        read_header(tiles)


def test_a_tiff_whose_structure_is_damaged_says_so_in_words(tmp_path):
    """tifffile's KeyError(0) came out as 'truncated or corrupt image data (0)'."""
    import struct

    bad = tmp_path / "far.tif"
    bad.write_bytes(b"II*\x00" + struct.pack("<I", 10_000) + bytes(100))  # first IFD past the end
    with pytest.raises(ImageReadError) as err:
        read_header(bad)
    assert "(0)" not in err.value.reason and "damaged" in err.value.reason


def test_tifffile_log_lines_stay_out_of_a_warning_level_log(tmp_path, caplog):
    """A damaged TIFF's reason is its ImageReadError; tifffile's own 'WARNING tifffile: ...'
    lines leaked to the CLI's stderr. They are debug detail now."""
    import logging

    import io

    import tifffile

    buf = io.BytesIO()
    tifffile.imwrite(buf, np.arange(64 * 64, dtype=np.uint16).reshape(64, 64), tile=(16, 16))
    data = buf.getvalue()
    files = []
    for n in range(190, 330, 10):  # cut inside the tag values: tifffile logs what it skips
        path = tmp_path / f"cut{n}.tif"
        path.write_bytes(data[:n])
        files.append(path)

    def read_all():
        for path in files:
            try:
                read_header(path)
            except ImageReadError:
                pass

    caplog.set_level(logging.WARNING)
    read_all()  # and each one is an error, not a good image with a size
    for path in files:
        with pytest.raises(ImageReadError, match="cut short|damaged|corrupt"):
            read_header(path)
    assert not [r for r in caplog.records if r.name.startswith("tifffile")]
    caplog.clear()
    caplog.set_level(logging.DEBUG)
    read_all()
    logged = [r for r in caplog.records if r.name.startswith("tifffile")]
    assert logged and all(r.levelno == logging.DEBUG for r in logged)  # --debug still shows them
