"""The pixel limit (max_image_pixels, the decompression-bomb guard) holds for every page
or frame read, not only the first: a multi-page TIFF whose later page is huge is refused
before that page is decoded, naming the file, the page and its size."""
from __future__ import annotations

import numpy as np
import pytest
import tifffile
from PIL import Image

from llmvis_desktop.core.imaging import ImageReadError, read_header, read_image, reader

try:
    from . import imagegen
except ImportError:  # tests/core is not a package: pytest put it on sys.path
    import imagegen

LIMIT = 10_000  # pixels: page 2 below (300 x 200) is over it, pages 1 and 3 (64 x 64) are not


@pytest.fixture
def decoded_pages(monkeypatch):
    """Records the shape of every TIFF page tifffile decodes."""
    seen: list[tuple[int, ...]] = []
    real = tifffile.TiffPage.asarray

    def spy(self, *args, **kwargs):
        seen.append(tuple(self.shape))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(tifffile.TiffPage, "asarray", spy)
    return seen


@pytest.mark.parametrize("dtype", [np.uint16, np.uint8])
def test_a_later_tiff_page_over_the_limit_is_refused_before_it_is_decoded(tmp_path, dtype, decoded_pages):
    path = tmp_path / "mixed.tif"
    with tifffile.TiffWriter(path) as w:
        w.write(np.full((64, 64), 10, dtype), photometric="minisblack")
        w.write(np.full((200, 300), 20, dtype), photometric="minisblack")
        w.write(np.full((64, 64), 30, dtype), photometric="minisblack")
    assert read_header(path, max_pixels=LIMIT).frames == 3  # page 1 is within the limit
    assert int(read_image(path, max_pixels=LIMIT, frame=2).pixels.max()) == 30
    decoded_pages.clear()
    with pytest.raises(ImageReadError) as info:
        read_image(path, max_pixels=LIMIT, frame=1)
    assert decoded_pages == []  # refused from the page's header, nothing decoded
    assert info.value.path == str(path)
    assert info.value.reason.startswith("image too large")
    assert "page 2 of 3" in info.value.reason and "300x200 = 60,000 pixels" in info.value.reason
    assert "max_image_pixels" in info.value.reason
    assert read_image(path, max_pixels=None, frame=1).pixels.shape == (200, 300)  # no limit: read


def test_a_later_page_over_the_limit_is_refused_on_pillow_s_path_too(tmp_path, monkeypatch):
    """An 8-bit multi-page TIFF tifffile cannot decode goes to Pillow, which reads each
    page's size only when it seeks there."""
    path = tmp_path / "pil.tif"
    pages = [Image.new("L", (64, 64), 1), Image.new("L", (300, 200), 2), Image.new("L", (64, 64), 3)]
    pages[0].save(path, save_all=True, append_images=pages[1:])
    decoded: list[tuple[int, int]] = []
    real = reader.load_strict

    def spy(im, p):
        decoded.append(im.size)
        return real(im, p)

    monkeypatch.setattr(reader, "load_strict", spy)
    with open(path, "rb") as fh:
        assert reader._read_pillow(fh, path, 2, LIMIT)[0].shape == (64, 64)
    decoded.clear()
    with open(path, "rb") as fh, pytest.raises(ImageReadError, match=r"page 2 of 3: 300x200") as info:
        reader._read_pillow(fh, path, 1, LIMIT)
    assert decoded == [] and info.value.path == str(path)


def test_every_frame_of_a_multiframe_dicom_is_held_to_the_limit(tmp_path):
    """A DICOM's frames share one size (Rows x Columns): any frame over it is refused."""
    path = imagegen.write_dicom_multiframe(tmp_path, frames=3)  # 128 x 128 each
    assert read_image(path, frame=2, max_pixels=128 * 128).pixels.shape == (128, 128)
    for frame in (0, 1, 2):
        with pytest.raises(ImageReadError, match="image too large: 128x128"):
            read_image(path, frame=frame, max_pixels=128 * 128 - 1)
