"""GAN repair of a hole larger than a tile: the centre is filled at the surround's level
(not the defect's), the fill never depends on the values under the mask, and tiles
meet without brightness steps at the tile stride.

Before the fix, a tile with no known pixel normalised with the hole's own (defect)
values and each tile had its own range: a 600x600 dark stain kept a near-black centre
(inner mean 81 vs surround 128) and large fills showed a block grid at the stride.
The assertions are about what the normalisation guarantees (the fill's values follow
the surround's range), not about texture quality, so they hold for any generator.
"""
import numpy as np
import pytest

import torch  # noqa: E402 - a runtime dependency: missing means a broken install

from llmvis_desktop.core.repair.apply import load_engine  # noqa: E402
from llmvis_desktop.core.repair.inference import dilate, inpaint  # noqa: E402

from repair_helpers import gen_fixture, one_torch_thread  # noqa: E402,F401 - fixtures

H = W = 640
HOLE = (slice(120, 520), slice(120, 520))  # 400 px: deeper than the 128-px tiles below
TILE, OVERLAP = 128, 32
# the crop starts at 120 - 2 (dilation) - 24 (margin) = 94; tiles every 96 px from there
ORIGINS = [94 + 96 * k for k in range(7)]


def _textured(rng, offset=0.0):
    x = np.mgrid[0:H, 0:W][1]
    return (128 + offset + 20 * np.sin(x / 5.0) + rng.normal(0, 5, (H, W))).clip(0, 255).astype(np.uint8)


def _stain(rng):
    """A dark stain whose darkness changes from one tile cell to the next (as a real one
    does), so per-tile normalisation from the hole shows as blocks."""
    y, x = np.mgrid[0:H, 0:W]
    levels = rng.integers(0, 80, (7, 7))
    return levels[np.clip((y - 94) // 96, 0, 6), np.clip((x - 94) // 96, 0, 6)].astype(np.uint8)


def _mask():
    m = np.zeros((H, W), bool)
    m[HOLE] = True
    m[530:540, 300:330] = True  # a small region inside the large one's crop, filled after it
    return m


@pytest.fixture(scope="module")
def starter():
    return load_engine(None)[0]


def test_a_hole_larger_than_a_tile_is_filled_at_the_surrounds_level(starter):
    rng = np.random.default_rng(0)
    img = _textured(rng)
    m = _mask()
    bad = img.copy()
    bad[m] = 5  # a near-black stain
    out = inpaint(bad, m, generator=starter, tile=TILE, overlap=OVERLAP)
    hole = dilate(m, 2)
    assert np.array_equal(out[~hole], bad[~hole])  # nothing outside the hole changes
    assert (out[530:540, 300:330] != 5).all()  # the small region is filled too
    known = img[~hole]
    p1, p99 = np.percentile(known, [1, 99])
    fill = out[HOLE].astype(float)
    # the generator's output is clamped to the normalised range, so every filled pixel
    # lies in the surround's 1-99 % range (old: the centre tiles held 8, the stain's level)
    assert fill.min() >= p1 - 1 and fill.max() <= p99 + 1, (fill.min(), fill.max(), p1, p99)
    inner = out[270:370, 270:370].astype(float)
    assert abs(inner.mean() - known.mean()) < 0.15 * (p99 - p1), (inner.mean(), known.mean())


def test_the_fill_does_not_depend_on_the_values_under_the_mask(gen):
    rng = np.random.default_rng(1)
    img = _textured(rng)
    m = _mask()
    outs = []
    for stain in (np.full((H, W), 5, np.uint8), _stain(rng)):
        bad = img.copy()
        bad[m] = stain[m]
        outs.append(inpaint(bad, m, generator=gen, tile=TILE, overlap=OVERLAP))
    hole = dilate(m, 2)
    # the feather ring blends with what was there, by design; inside the mask the
    # stored values are unknown input and must not steer the fill
    assert np.array_equal(outs[0][m], outs[1][m])
    assert np.array_equal(outs[0][~hole], img[~hole])


def test_no_brightness_steps_at_the_tile_stride(starter):
    rng = np.random.default_rng(0)
    img = _textured(rng)
    m = _mask()
    bad = img.copy()
    bad[m] = _stain(rng)[m]
    out = inpaint(bad, m, generator=starter, tile=TILE, overlap=OVERLAP).astype(float)
    p1, p99 = np.percentile(img[~dilate(m, 2)], [1, 99])
    # mean of each tile cell (between tile origins) deep inside the hole: neighbours agree
    edges = ORIGINS[1:5]
    cells = np.array([[out[a:b, c:d].mean() for c, d in zip(edges[:-1], edges[1:])]
                      for a, b in zip(edges[:-1], edges[1:])])
    step = max(np.abs(np.diff(cells, axis=0)).max(), np.abs(np.diff(cells, axis=1)).max())
    assert step < 0.1 * (p99 - p1), cells.round(1)  # old: 23 levels between cells; now ~1.6
    # the column profile changes no faster where tiles meet (their overlaps) than elsewhere
    prof = out[edges[0]:edges[-1], 150:490].mean(axis=0)
    dif = np.abs(np.diff(prof))
    at = np.concatenate([dif[b - 150 - 1:b - 150 + OVERLAP - 1] for b in edges]).mean()
    assert at <= 1.3 * dif.mean(), (at, dif.mean())  # old: 2x; now below 1


def test_each_colour_plane_is_filled_in_its_own_surrounds_range(gen):
    rng = np.random.default_rng(2)
    img = np.stack([_textured(rng, off) for off in (-70.0, 0.0, 70.0)], axis=2)
    m = np.zeros((H, W), bool)
    m[HOLE] = True
    bad = img.copy()
    bad[m] = (5, 40, 250)
    out = inpaint(bad, m, generator=gen, tile=TILE, overlap=OVERLAP)
    hole = dilate(m, 2)
    assert np.array_equal(out[~hole], img[~hole])
    for c in range(3):
        p1, p99 = np.percentile(img[..., c][~hole], [1, 99])
        fill = out[..., c][m].astype(float)
        assert fill.min() >= p1 - 1 and fill.max() <= p99 + 1, (c, fill.min(), fill.max(), p1, p99)


class _MeanOfKnown(torch.nn.Module):
    """A stand-in generator: every pixel of a tile becomes the mean of the tile's
    known (unmasked) inputs, so anything taken as context shows in the fill."""

    def forward(self, img, mask):
        known = 1 - mask
        val = (img * known).sum(dim=(2, 3), keepdim=True) / known.sum(dim=(2, 3), keepdim=True).clamp(min=1)
        return val.expand_as(img)


def test_rings_of_a_deep_region_take_only_known_and_filled_pixels_as_context():
    img = np.full((H, W), 100, np.uint8)
    m = np.zeros((H, W), bool)
    m[HOLE] = True
    m[530:540, 300:330] = True  # another region in the large one's crop, still unfilled
    bad = img.copy()
    bad[HOLE] = 0
    bad[530:540, 300:330] = 250
    out = inpaint(bad, m, generator=_MeanOfKnown(), tile=TILE, overlap=OVERLAP)
    # the surround is 100 everywhere, so is every ring filled from it: a ring that took
    # the other region's 250s (or the hole's 0s) as context would differ
    assert (out[m] == 100).all(), np.unique(out[m])
