"""The texture detail added to a fill was not held to the values around it: on a
16-bit noise-like texture (a CT's, a sensor's) whose pixels span 10000-20000 the repair
put values up to ~27000 under the mask, brighter than any pixel of the image (values
the reviewer would read as a real feature)."""
import numpy as np
import pytest

from llmvis_desktop.core.repair.inference import inpaint

from repair_helpers import gen_fixture, one_torch_thread  # noqa: F401 - fixtures


@pytest.mark.parametrize("method", ["telea", "gan"])
def test_detail_stays_within_the_surrounds_values(method, gen):
    rng = np.random.default_rng(1)
    img = rng.integers(10000, 20001, (96, 128)).astype(np.uint16)
    hole = np.zeros(img.shape, bool)
    hole[30:70, 40:100] = True
    out = inpaint(img, hole, method=method, generator=gen if method == "gan" else None, detail=1.0, seed=0)
    known = img[~hole]
    inside = out[hole]
    assert inside.min() >= known.min() and inside.max() <= known.max(), (inside.min(), inside.max())
    assert inside.std() > 0.5 * known.std()  # still textured: the detail is kept, not flattened
