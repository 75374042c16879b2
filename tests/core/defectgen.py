"""A labelled surface-defect set generated offline (for the learned suggester's tests and benchmark).

Textures: scikit-image's ``brick``, ``grass``, ``gravel`` (and ``moon``) 512x512 grayscale
images. Each sample is a random crop (random rot90/flip, a little gain/offset jitter)
with one of :data:`KINDS` painted by :func:`llmvis_desktop.core.demo.paint_defect`.

Train and test tiles never overlap: ``half="left"`` crops from x < 256, ``half="right"``
from x >= 256 of each texture, so a test tile is never a shifted copy of a train tile.
``rows=(y0, y1)`` further confines crops to rows y0 <= y < y1 (the benchmark's
``--validate`` mode splits the left half into a top part to train on and a bottom part to
validate on, so settings are chosen without ever looking at the right half).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator, Optional, Sequence

import numpy as np
from PIL import Image

from llmvis_desktop.core.demo import paint_defect

KINDS = ("ok", "scratch", "crack", "stain", "pitting")
TEXTURES = ("brick", "grass", "gravel")


def texture(name: str) -> np.ndarray:
    from skimage import data

    return getattr(data, name)()


def tiles(
    per_class: int,
    *,
    size: int = 96,
    half: str = "left",
    seed: int = 0,
    textures: Sequence[str] = TEXTURES,
    kinds: Sequence[str] = KINDS,
    rows: Optional[tuple[int, int]] = None,
) -> Iterator[tuple[np.ndarray, str, str]]:
    """Yield ``per_class`` samples of every kind as (uint8 HxW array, kind, texture).

    Textures cycle within each kind, so every kind sees every texture evenly.
    """
    rng = np.random.default_rng(seed)
    tex = {n: texture(n) for n in textures}
    x_lo, x_hi = (0, 256 - size) if half == "left" else (256, 512 - size)
    y_lo, y_hi = (0, 512 - size) if rows is None else (int(rows[0]), int(rows[1]) - size)
    for i in range(per_class):
        for kind in kinds:
            name = textures[(i + kinds.index(kind)) % len(textures)]
            arr = tex[name]
            x = int(rng.integers(x_lo, x_hi + 1))
            y = int(rng.integers(y_lo, y_hi + 1))
            crop = np.rot90(arr[y:y + size, x:x + size], int(rng.integers(0, 4)))
            if rng.random() < 0.5:
                crop = crop[:, ::-1]
            gain, offset = rng.uniform(0.85, 1.15), rng.uniform(-15, 15)
            crop = np.clip(crop.astype(np.float32) * gain + offset, 0, 255).astype(np.uint8)
            out = paint_defect(Image.fromarray(np.ascontiguousarray(crop)), kind, rng)
            yield np.asarray(out), kind, name


def write_folder(folder: Path, per_class: int, **kw) -> list[tuple[str, str]]:
    """Write tiles as PNGs under ``folder`` and return [(relpath, kind)]."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for n, (arr, kind, name) in enumerate(tiles(per_class, **kw)):
        rel = f"{kind}_{n:04d}_{name}.png"
        Image.fromarray(arr).save(folder / rel)
        out.append((rel, kind))
    return out


def review_first(project, rows: list[tuple[str, str]], per_kind: int, actor: str = "tester",
                 caption: bool = True) -> int:
    """Review the first ``per_kind`` images of every kind in ``rows`` (from
    :func:`write_folder`): label = its kind, a caption naming it, status reviewed, in one
    event per image. The project must have been scanned and have the labels. Returns
    how many were reviewed."""
    seen: dict[str, int] = {}
    for rel, kind in rows:
        if seen.get(kind, 0) >= per_kind:
            continue
        seen[kind] = seen.get(kind, 0) + 1
        rec = project.image_by_path(rel)
        state = {"labels": [kind], "review_status": "reviewed"}
        if caption:
            state["caption"] = f"a tile showing {kind}"
        project.apply_state(rec.id, state, actor, "review")
    return sum(seen.values())
