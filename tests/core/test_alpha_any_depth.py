"""Transparency is shown over white whatever the image's depth (8-bit, 16-bit PNG or
TIFF), in the viewer's rendering, while dragging window/level, and in the thumbnail."""
from __future__ import annotations

import numpy as np
import pytest
import tifffile
from PIL import Image

from llmvis_desktop.core.imaging import make_thumbnail, thumbs
from llmvis_desktop.core.imaging.display import to_display
from llmvis_desktop.core.repair.save import png16_bytes
from llmvis_desktop.core.imaging.reader import read_image


def _gray_alpha16(h=40, w=60):
    gray = np.linspace(1000, 4000, w, dtype=np.uint16)[None, :].repeat(h, 0)
    alpha = np.full((h, w), 65535, np.uint16)
    alpha[:, w // 2:] = 0  # right half fully transparent, its colour black
    gray[:, w // 2:] = 0
    return np.dstack([gray, alpha])


def _rgba16(h=40, w=60):
    rgb = np.zeros((h, w, 3), np.uint16)
    rgb[..., 0] = np.linspace(500, 3000, w, dtype=np.uint16)[None, :]
    rgb[..., 1] = 2000
    alpha = np.full((h, w, 1), 65535, np.uint16)
    alpha[:, w // 2:] = 0
    rgb[:, w // 2:] = 0
    return np.concatenate([rgb, alpha], axis=2)


@pytest.fixture()
def files(tmp_path):
    la16 = tmp_path / "la16.png"
    la16.write_bytes(png16_bytes(_gray_alpha16(), {}))
    rgba16 = tmp_path / "rgba16.tif"
    tifffile.imwrite(rgba16, _rgba16(), photometric="rgb", extrasamples=[2])
    return {"la16": la16, "rgba16": rgba16}


@pytest.mark.parametrize("name", ["la16", "rgba16"])
def test_16bit_transparent_area_shows_white(files, name):
    data = read_image(files[name])
    assert data.pixels.dtype == np.uint16 and data.pixels.shape[2] in (2, 4)
    assert (data.display[:, 30:] == 255).all()  # was 0: the raw black under the alpha
    assert (data.display[:, :30] < 255).any()


@pytest.mark.parametrize("name", ["la16", "rgba16"])
def test_16bit_alpha_thumbnail_is_the_viewers_rendering(files, name):
    data = read_image(files[name])
    want = Image.fromarray(data.display)
    want.thumbnail((32, 32))
    got = make_thumbnail(files[name], 32)
    assert np.array_equal(np.asarray(got), np.asarray(want))
    assert (np.asarray(got)[:, -4:] == 255).all()


def test_window_drag_keeps_transparency_at_any_depth():
    """The viewer calls to_display itself while window/level is dragged: alpha stays."""
    px16 = _rgba16()
    out = to_display(px16, (2000.0, 3000.0))
    assert out.shape == (40, 60, 3) and (out[:, 30:] == 255).all()
    px8 = np.zeros((10, 10, 4), np.uint8)
    px8[..., 3] = 255
    px8[:, 5:, 3] = 0
    out8 = to_display(px8, (100.0, 200.0))
    assert (out8[:, 5:] == 255).all() and (out8[:, :5] == 0).all()
    half = px8.copy()
    half[..., 3] = 128  # half transparent black over white: mid gray
    assert (to_display(half, (127.5, 255.0)) == 127).all()


def test_8bit_alpha_rendering_unchanged():
    rng = np.random.default_rng(0)
    px = rng.integers(0, 256, (20, 30, 4), dtype=np.uint8)
    color, alpha = px[..., :3].astype(np.uint16), px[..., 3:].astype(np.uint16)
    want = ((color * alpha + 255 * (255 - alpha) + 127) // 255).astype(np.uint8)
    assert np.array_equal(to_display(px, (127.5, 255.0)), want)


def test_render_version_raised():
    assert thumbs.RENDER_VERSION >= 3  # 16-bit images with alpha render otherwise now


def test_16bit_cmyk_tiff_is_not_read_as_rgba(tmp_path):
    """A 16-bit CMYK TIFF's K channel is not an alpha: it is converted to RGB (Pillow
    does the same for an 8-bit one), not shown white where K is 0."""
    cmyk = np.zeros((10, 12, 4), np.uint16)
    cmyk[..., 0] = 65535  # full cyan, no black: cyan
    cmyk[:, 6:, 3] = 65535  # full black on the right
    path = tmp_path / "cmyk16.tif"
    tifffile.imwrite(path, cmyk, photometric="separated")
    data = read_image(path)
    assert data.pixels.shape == (10, 12, 3) and data.meta.channels == 3
    assert (data.pixels[:, :6] == (0, 65535, 65535)).all()
    assert (data.pixels[:, 6:] == 0).all()
