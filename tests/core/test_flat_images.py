"""An image of one value or one colour (a flat 16-bit test chart, a mask another tool
exported) is shown in that colour, as GIMP shows it, in the viewer, the thumbnail and
what the models read: the percentile stretch has no range to stretch there, and mapped
it to black. A flat image with no full scale of its own (float, signed) is mid gray."""
from __future__ import annotations

import numpy as np
import pytest
import tifffile
from PIL import Image

from llmvis_desktop.core.imaging import make_thumbnail, thumbs
from llmvis_desktop.core.imaging.display import auto_window, to_display
from llmvis_desktop.core.imaging.reader import read_image
from llmvis_desktop.core.repair.save import png16_bytes
from llmvis_desktop.core.suggest.reading import model_image

H, W = 24, 36


def _shown_as_gimp(value16) -> list[int]:
    """A 16-bit sample on an 8-bit screen: value / 257, rounded."""
    return [int(np.floor(v * 255 / 65535 + 0.5)) for v in value16]


def _flat(channels, value):
    return np.full((H, W, channels) if channels > 1 else (H, W), value, np.uint16)


FLAT16 = {
    # name: (writer, colour the 16-bit samples stand for)
    "rgba16_gray.png": (lambda p: p.write_bytes(png16_bytes(_flat(4, [30000, 30000, 30000, 65535]), {})),
                        [30000] * 3),
    "rgba16_colour.png": (lambda p: p.write_bytes(png16_bytes(_flat(4, [50000, 20000, 10000, 65535]), {})),
                          [50000, 20000, 10000]),
    "rgb16_gray.png": (lambda p: p.write_bytes(png16_bytes(_flat(3, [40000] * 3), {})), [40000] * 3),
    "rgb16_colour.png": (lambda p: p.write_bytes(png16_bytes(_flat(3, [50000, 20000, 10000]), {})),
                         [50000, 20000, 10000]),
    "la16.png": (lambda p: p.write_bytes(png16_bytes(_flat(2, [40000, 65535]), {})), [40000] * 3),
    "gray16.png": (lambda p: Image.fromarray(_flat(1, 40000)).save(p), [40000] * 3),
    "gray16_white.png": (lambda p: Image.fromarray(_flat(1, 65535)).save(p), [65535] * 3),
    "gray16_1x1.png": (lambda p: Image.fromarray(np.full((1, 1), 40000, np.uint16)).save(p), [40000] * 3),
    "gray16.tif": (lambda p: tifffile.imwrite(p, _flat(1, 40000)), [40000] * 3),
    "rgba16.tif": (lambda p: tifffile.imwrite(p, _flat(4, [30000, 30000, 30000, 65535]), photometric="rgb",
                                              extrasamples=[2]), [30000] * 3),
    "rgb16_colour.tif": (lambda p: tifffile.imwrite(p, _flat(3, [50000, 20000, 10000]), photometric="rgb"),
                         [50000, 20000, 10000]),
}


@pytest.mark.parametrize("name", sorted(FLAT16))
def test_a_flat_16_bit_image_shows_its_colour_everywhere(tmp_path, name):
    write, colour = FLAT16[name]
    path = tmp_path / name
    write(path)
    want = _shown_as_gimp(colour)
    data = read_image(path)
    assert data.pixels.dtype == np.uint16  # read at full depth, as before
    shown = data.display if data.display.ndim == 3 else np.dstack([data.display] * 3)
    assert (shown == want).all(), (name, np.unique(shown.reshape(-1, 3), axis=0).tolist(), want)  # was black
    thumb = np.asarray(make_thumbnail(path, 16).convert("RGB"))
    assert (thumb == want).all(), name
    seen = np.asarray(model_image(str(path)))
    assert (seen == want).all(), name


def test_a_flat_float_image_in_0_to_1_shows_its_value_and_others_mid_gray(tmp_path):
    """(As DICOM's flat frame is shown: the min/max window of one value.)"""
    cases = {"half.tif": (np.float32, 0.25, 64), "big.tif": (np.float32, 1000.0, 128),
             "signed.tif": (np.int16, -1000, 128), "count.tif": (np.uint32, 100000, 128)}
    for name, (dtype, value, want) in cases.items():
        tifffile.imwrite(tmp_path / name, np.full((H, W), value, dtype))
        shown = read_image(tmp_path / name).display
        assert (shown == want).all(), (name, np.unique(shown).tolist(), want)


def test_one_odd_pixel_is_still_stretched_to_be_seen():
    """Not flat: the stretch (to min/max here) stays, so the odd pixel stands out."""
    px = np.full((H, W), 40000, np.uint16)
    px[3, 4] = 40010
    shown = to_display(px)
    assert shown[3, 4] == 255 and (np.delete(shown.reshape(-1), 3 * W + 4) == 0).all()


def test_auto_window_leaves_the_alpha_channel_out():
    """The viewer's Auto preset calls auto_window on all of the pixels: an opaque RGBA
    image's alpha (65535 everywhere) widened the window, unlike the loaded rendering's."""
    rng = np.random.default_rng(3)
    rgb = rng.integers(1000, 4000, (H, W, 3), dtype=np.uint16)
    rgba = np.dstack([rgb, np.full((H, W), 65535, np.uint16)])
    assert auto_window(rgba) == auto_window(rgb)
    la = np.dstack([rgb[..., 0], np.full((H, W), 65535, np.uint16)])
    assert auto_window(la) == auto_window(rgb[..., 0])


def test_render_version_raised_for_flat_images():
    assert thumbs.RENDER_VERSION >= 4  # flat 16-bit images' thumbnails were black


def test_a_large_image_flat_but_for_a_pixel_the_sample_missed_is_still_stretched():
    """auto_window samples every k-th value of a large image: a flat one with a small
    defect between the samples is not taken for flat (shown in one colour, defect hidden)."""
    px = np.full((1500, 1500), 40000, np.uint16)  # 2.25 M values: every 2nd is sampled
    px[700, 701] = 40400
    shown = to_display(px)
    assert shown[700, 701] == 255 and shown[0, 0] == 0
