"""Thumbnails of plain 8-bit files skip the trip through numpy, with the same pixels.

``make_thumbnail`` reads an 8-bit TIFF (which Pillow decodes) through
``imaging.reader.read_display_image``, as the models do: Pillow's own image, not
``Image.fromarray(read_image(...).display)``. The pixels of every kind of file stay
those the thumbnail code made before (``_before`` below is that code, kept here).
"""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from llmvis_desktop.core.imaging import ImageReadError, make_thumbnail, thumbs
from llmvis_desktop.core.imaging import reader as imaging_reader
from llmvis_desktop.core.imaging.reader import (
    _pil_orientation,
    load_strict,
    open_pillow,
    open_source,
    read_image,
)

try:
    from . import imagegen
except ImportError:  # tests/core is not a package: pytest put it on sys.path
    import imagegen


def _before(path, size, max_pixels=imaging_reader.DEFAULT_MAX_PIXELS):
    """make_thumbnail as it was before 8-bit TIFFs skipped numpy (the reference)."""
    box = (size, size)
    with open_source(path) as (fh, kind):
        if kind == "pillow":
            im = open_pillow(fh, path, max_pixels)
            with im:
                if im.mode not in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):
                    orientation = _pil_orientation(im)
                    if im.format in ("JPEG", "MPO") and im.mode in ("RGB", "L"):
                        im.draft(im.mode, box)
                    load_strict(im, path)
                    thumb = thumbs._flatten(im)
                    thumb.thumbnail(box)
                    if orientation in thumbs._TRANSPOSE:
                        thumb = thumb.transpose(thumbs._TRANSPOSE[orientation])
                    return thumb
    thumb = Image.fromarray(read_image(path, max_pixels=max_pixels).display)
    thumb.thumbnail(box)
    return thumb


def _exif(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


@pytest.fixture(scope="module")
def kinds(tmp_path_factory):
    """One file of each kind a thumbnail is made of: the model test's kinds and TIFFs."""
    tmp = tmp_path_factory.mktemp("thumb_kinds")
    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 255, (45, 70, 3), dtype=np.uint8)
    out = {k: str(v) for k, v in imagegen.write_samples(tmp / "samples").items()}
    clear = Image.fromarray(rgb).quantize(16)
    clear.info["transparency"] = 0
    files = {"rgb.png": Image.fromarray(rgb), "gray.png": Image.fromarray(rgb[:, :, 0]),
             "palette.png": Image.fromarray(rgb).quantize(16), "palette_clear.png": clear,
             "la.png": Image.fromarray(rgb[:, :, :2].copy(), "LA"),
             "bilevel.png": Image.fromarray(rgb[:, :, 0] > 128),
             "gray16.png": Image.fromarray(rgb[:, :, 0].astype(np.uint16) * 250),
             "photo.jpg": Image.fromarray(rgb), "cmyk.jpg": Image.fromarray(rgb).convert("CMYK"),
             "rgb8.tif": Image.fromarray(rgb), "gray8.tif": Image.fromarray(rgb[:, :, 0]),
             "rgba8.tif": Image.fromarray(np.dstack([rgb, rgb[:, :, :1]])),
             "bilevel.tif": Image.fromarray(rgb[:, :, 0] > 128),
             "palette8.tif": Image.fromarray(rgb).quantize(16),
             "cmyk.tif": Image.fromarray(rgb).convert("CMYK")}
    for name, im in files.items():
        im.save(tmp / name)
    Image.fromarray(rgb).save(tmp / "lzw8.tif", compression="tiff_lzw")
    Image.fromarray(rgb).save(tmp / "exif6.png", exif=_exif(6))
    Image.fromarray(rgb).save(tmp / "exif3.jpg", exif=_exif(3))
    Image.fromarray(rgb).save(tmp / "mpo.jpg", "MPO", save_all=True,
                              append_images=[Image.fromarray(rgb[::-1])])
    big = np.clip(np.add.outer(np.arange(1536), np.arange(2048)) % 256 + rng.normal(0, 9, (1536, 2048)),
                  0, 255).astype(np.uint8)
    Image.fromarray(np.dstack([big, big[::-1], big[:, ::-1]])).save(tmp / "large.jpg", quality=90)
    Image.fromarray(np.dstack([big, big[::-1], big[:, ::-1]])).save(tmp / "large6.jpg", quality=90,
                                                                     exif=_exif(6))
    for orientation in (3, 6, 8):  # a TIFF's own Orientation tag
        Image.fromarray(rgb).save(tmp / f"turned{orientation}.tif", tiffinfo={274: orientation})
    out.update({p.name: str(p) for p in tmp.iterdir() if p.is_file()})
    return out


def test_thumbnails_keep_their_pixels_bit_for_bit(kinds):
    """Every kind of file, at sizes that shrink it or not: the same mode, size and pixels
    as before (EXIF- and TIFF-turned files, palettes, alpha, 16-bit, DICOM, large JPEG drafts)."""
    assert {"tiff8", "tiff16", "tiff16_lzw", "tiff_multi", "ct", "dicom_rgb", "jpeg_exif6", "webp",
            "bmp", "large.jpg", "turned6.tif", "cmyk.tif"} <= set(kinds)
    for name, path in sorted(kinds.items()):
        for size in (256, 40, 16, 7):
            want, got = _before(path, size), make_thumbnail(path, size)
            assert (got.mode, got.size) == (want.mode, want.size), (name, size)
            assert np.array_equal(np.asarray(got), np.asarray(want)), (name, size)
    assert make_thumbnail(kinds["turned6.tif"], 256).size == (45, 70)  # turned


def test_plain_8bit_tiffs_skip_the_trip_through_numpy(kinds, monkeypatch):
    """A plain 8-bit TIFF (RGB, gray, LZW, turned) never becomes an array on
    its way to a thumbnail; the pixel limit still holds."""
    def no_arrays(im):
        raise AssertionError("went through numpy")

    monkeypatch.setattr(imaging_reader, "_pil_pixels", no_arrays)
    for name in ("rgb8.tif", "gray8.tif", "tiff8", "lzw8.tif", "turned6.tif"):
        assert max(make_thumbnail(kinds[name], 16).size) == 16, name
    with pytest.raises(AssertionError, match="numpy"):  # alpha is composited on white, in numpy
        make_thumbnail(kinds["rgba8.tif"], 16)
    with pytest.raises(ImageReadError, match="too large"):
        make_thumbnail(kinds["rgb8.tif"], 16, max_pixels=45 * 70 - 1)
