"""Handcrafted features computed once per tile's pixels for the whole test session.

The learned-suggester tests generate the same tiles again and again (defectgen with the
same seed: test_learned's and test_learned_calibration's training tiles are the same 40,
and their first 20 held-out ones), and each test opens a fresh project, whose own feature
cache starts empty. :func:`memoise` makes ``HandcraftedFeatures.extract`` look a tile up
by its shape and pixels first; the vectors are the extractor's own."""
from __future__ import annotations

import hashlib

import numpy as np

from llmvis_desktop.core.suggest.features import HandcraftedFeatures

_FEATURES: dict[tuple, np.ndarray] = {}
_extract = HandcraftedFeatures.extract  # the real one (taken at import, before any patch)


def _memo_extract(self, images):
    rows = []
    for im in images:
        a = np.ascontiguousarray(im)
        key = (a.shape, a.dtype.str, hashlib.sha1(a.tobytes()).hexdigest())
        if key not in _FEATURES:
            _FEATURES[key] = _extract(self, [a])[0]
        rows.append(_FEATURES[key])
    return np.stack(rows) if rows else _extract(self, [])


def memoise(mp) -> None:
    """Patch ``HandcraftedFeatures.extract`` with the memo through ``mp`` (a pytest
    ``MonkeyPatch``: undone with it)."""
    mp.setattr(HandcraftedFeatures, "extract", _memo_extract)
