"""A mask file is held to the pixel limit (the max_image_pixels setting) before it is
decoded: a header claiming 50000x50000 is refused with a message naming the file and its
size, never decoded; a mask of another size than its image keeps its own message."""
import struct
import zlib

import numpy as np
import pytest
import tifffile
from PIL import Image, ImageFile

from llmvis_desktop.core.repair import RepairError
from llmvis_desktop.core.repair import apply as apply_mod

HUGE = 50_000


def _png_header_only(path, w, h):
    """A PNG whose header says w x h (1-bit gray) and whose data is a few bytes."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", w, h, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16))
                     + chunk(b"IEND", b""))


def _tiff_header_only(path, w, h):
    """A little-endian baseline TIFF, 8-bit gray, one strip of 16 bytes claiming w x h."""
    tags = [(256, 4, 1, w), (257, 4, 1, h), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
            (273, 4, 1, 0), (277, 3, 1, 1), (278, 4, 1, h), (279, 4, 1, 16)]
    ifd_at = 8
    data_at = ifd_at + 2 + 12 * len(tags) + 4
    tags = [(t, k, n, data_at if t == 273 else v) for t, k, n, v in tags]
    body = struct.pack("<H", len(tags))
    for t, k, n, v in tags:
        body += struct.pack("<HHI", t, k, n) + (struct.pack("<HH", v, 0) if k == 3 else struct.pack("<I", v))
    path.write_bytes(b"II*\0" + struct.pack("<I", ifd_at) + body + struct.pack("<I", 0) + b"\0" * 16)


@pytest.fixture
def no_decoding(monkeypatch):
    """Decoding a huge file's pixels fails the test (it would allocate gigabytes)."""
    tiff_asarray, pil_load = tifffile.TiffPage.asarray, ImageFile.ImageFile.load

    def refuse(pixels):
        if pixels > 10_000_000:
            raise AssertionError(f"{pixels} pixels were decoded")

    def asarray(page, *a, **k):
        refuse(page.imagewidth * page.imagelength)
        return tiff_asarray(page, *a, **k)

    def load(im, *a, **k):
        refuse(im.size[0] * im.size[1])
        return pil_load(im, *a, **k)

    monkeypatch.setattr(tifffile.TiffPage, "asarray", asarray)
    monkeypatch.setattr(ImageFile.ImageFile, "load", load)


@pytest.mark.parametrize("suffix", ["png", "tif"])
def test_a_mask_claiming_50000_squared_is_refused_unread(tmp_path, no_decoding, suffix):
    path = tmp_path / f"bomb.{suffix}"
    (_png_header_only if suffix == "png" else _tiff_header_only)(path, HUGE, HUGE)
    with pytest.raises(RepairError) as err:
        apply_mod.load_mask(path)
    msg = str(err.value)
    assert str(path) in msg and f"{HUGE}x{HUGE}" in msg and "max_image_pixels" in msg, msg
    assert "2500.0 MP" in msg and "178.9 MP" in msg, msg  # its size against the default limit


@pytest.mark.parametrize("suffix", ["png", "tif"])
def test_the_limit_is_the_setting(tmp_path, suffix):
    """A 300x200 mask (0.06 MP) is over a 50,000-pixel limit, under the default one."""
    path = tmp_path / f"m.{suffix}"
    a = np.zeros((200, 300), np.uint8)
    a[50:100, 50:100] = 255
    Image.fromarray(a).save(path) if suffix == "png" else tifffile.imwrite(path, a)
    assert apply_mod.load_mask(path).sum() == 2500
    with pytest.raises(RepairError, match=r"300x200 = 60,000 pixels exceeds the limit of 50,000 pixels \(setting max_image_pixels\)"):
        apply_mod.load_mask(path, max_pixels=50_000)
    assert apply_mod.load_mask(path, max_pixels=60_000).sum() == 2500


def test_a_limit_above_pillows_own_is_the_one_that_counts(tmp_path, monkeypatch):
    """A line-scan setting above Pillow's built-in guard: the setting decides, not Pillow."""
    path = tmp_path / "m.png"
    Image.fromarray(np.full((100, 100), 255, np.uint8)).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # Pillow would refuse 10,000 px (> 2x)
    assert apply_mod.load_mask(path, max_pixels=20_000).all()
    assert Image.MAX_IMAGE_PIXELS == 1000


def test_repair_file_holds_the_mask_to_its_limit(tmp_path, no_decoding):
    img = tmp_path / "img.png"
    Image.fromarray(np.full((40, 40), 128, np.uint8)).save(img)
    mask = tmp_path / "bomb.tif"
    _tiff_header_only(mask, HUGE, HUGE)
    with pytest.raises(RepairError, match=f"bomb.tif: mask too large: {HUGE}x{HUGE}"):
        apply_mod.repair_file(img, mask, method="telea", save=False, max_pixels=200_000_000)


def test_a_mask_of_another_size_keeps_its_message(tmp_path):
    img = tmp_path / "img.png"
    Image.fromarray(np.full((40, 40), 128, np.uint8)).save(img)
    mask = tmp_path / "m.png"
    Image.fromarray(np.full((30, 50), 255, np.uint8)).save(mask)
    with pytest.raises(RepairError, match=f"the mask {mask} is 50x30 but the image {img} is 40x40; masks must have the image's size"):
        apply_mod.repair_file(img, mask, method="telea", save=False, max_pixels=1_000_000)
