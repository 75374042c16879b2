"""A gray or RGB PNG may say one colour of it is transparent (its tRNS chunk: a colour
key, as a palette's transparent entry is). GIMP shows those pixels transparent; the app
showed them in their colour at 8 bits and at 16-bit gray, but transparent (over white)
at 16-bit RGB, whose header still said 3 channels while its pixels had 4. Now all of
them are shown over white, as a palette's transparent colour is, in the viewer, the
thumbnail and what the models read."""
from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest

from llmvis_desktop.core.imaging import make_thumbnail, read_header, read_image
from llmvis_desktop.core.suggest.reading import model_image

H, W = 20, 30


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(arr: np.ndarray, depth: int, colour_type: int, key: bytes) -> bytes:
    raw = b"".join(b"\0" + row.tobytes() for row in arr)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, depth, colour_type, 0, 0, 0))
            + _chunk(b"tRNS", key) + _chunk(b"IDAT", zlib.compress(raw)) + _chunk(b"IEND", b""))


def _gray8():
    a = np.full((H, W), 200, np.uint8)
    a[:, :15] = 10  # the key: transparent
    return _png(a, 8, 0, struct.pack(">H", 10)), [200] * 3, 2


def _rgb8():
    a = np.zeros((H, W, 3), np.uint8)
    a[:] = (10, 20, 30)  # the key
    a[:, 15:] = (200, 100, 50)
    return _png(a, 8, 2, struct.pack(">HHH", 10, 20, 30)), [200, 100, 50], 4


def _gray16():
    a = np.full((H, W), 65535, ">u2")
    a[:, :15] = 1000  # the key
    a[5, 20] = 0  # some contrast on the opaque side
    return _png(a, 16, 0, struct.pack(">H", 1000)), None, 2


def _rgb16():
    a = np.zeros((H, W, 3), ">u2")
    a[:] = (2570, 5140, 7710)  # the key
    a[:, 15:] = (51400, 25700, 12850)
    return _png(a, 16, 2, struct.pack(">HHH", 2570, 5140, 7710)), None, 4


@pytest.mark.parametrize("make", [_gray8, _rgb8, _gray16, _rgb16], ids=["gray8", "rgb8", "gray16", "rgb16"])
def test_a_colour_key_s_pixels_show_white_everywhere(tmp_path, make):
    data, opaque, channels = make()
    path = tmp_path / "key.png"
    path.write_bytes(data)
    image = read_image(path)
    shown = image.display if image.display.ndim == 3 else np.dstack([image.display] * 3)
    assert (shown[:, :15] == 255).all(), np.unique(shown[:, :15].reshape(-1, 3), axis=0).tolist()
    if opaque is not None:  # 8-bit: the opaque part as stored
        assert (shown[:, 15:] == opaque).all()
    assert (shown[:, 15:] != 255).any()
    assert image.pixels.ndim == 3 and image.pixels.shape[2] == channels
    assert read_header(path).channels == image.meta.channels == channels
    assert np.array_equal(np.asarray(model_image(str(path))), shown)
    thumb = np.asarray(make_thumbnail(path, 64).convert("RGB"))
    assert np.array_equal(thumb, shown)
