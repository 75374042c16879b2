"""A reader helper's batch of line-scan strips for a zero-shot labeler: each strip's tiles
go into shared memory as soon as they are cut, so the helper holds at most one strip's
tiles outside it. Before, every strip's tiles of the batch sat in the helper's list (in
each image's ``info``) while :func:`.handoff.pack` copied them all into the block: a
batch of 8 strips of 2048x60000 for a SigLIP-384 labeler peaked at 836 MB in the helper,
its 392 MB of tiles held twice. The parent gets the same tiles, bit for bit."""
from __future__ import annotations

import os
import tracemalloc

import numpy as np
from PIL import Image

from llmvis_desktop.core.suggest import handoff, reading
from llmvis_desktop.core.suggest.strip_tiles import TILES_KEY
from llmvis_desktop.core.suggest.strips import VIEW_KEY

SPEC = ("size", 128, 128, Image.BICUBIC)
TILES = (128, 128, SPEC)  # tiles of 128 px (64 per strip), as a 128-px model takes them
ARGS = (None, 1024, 128, SPEC, TILES)


def _strips(folder, n: int) -> list[str]:
    rng = np.random.default_rng(3)
    paths = []
    y, x = np.mgrid[0:4096, 0:256]
    base = (120 + 50 * np.sin(x / 9.0) * np.cos(y / 23.0)).astype(np.int16)
    for k in range(n):
        a = np.clip(base[..., None] + rng.integers(-6, 7, (4096, 256, 3)) + k, 0, 255).astype(np.uint8)
        paths.append(str(folder / f"strip{k}.png"))
        Image.fromarray(a).save(paths[-1], compress_level=1)
    Image.new("RGB", (64, 48), (10, 20, 30)).save(folder / "photo.png")
    return paths + [str(folder / "photo.png"), str(folder / "missing.png")]


def _tile_bytes(got) -> list[int]:
    return [im.info[TILES_KEY]["pixels"].nbytes for im, _e in got if im is not None and TILES_KEY in im.info]


def test_a_helper_holds_one_strips_tiles_at_a_time(tmp_path):
    paths = _strips(tmp_path, 6)
    tracemalloc.start()
    try:
        payload, _cpu = reading._decode_in_helper(paths, *ARGS)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    got = handoff.unpack(payload)
    one = _tile_bytes(got)
    assert len(one) == 6 and len(set(one)) == 1
    # one strip's tiles (as they are cut, and while they are copied into the block), the
    # rest of a strip's read: never the batch's 6 strips' tiles at once
    assert peak < 3 * one[0], (peak / 2**20, one[0] / 2**20)


def test_the_parent_gets_the_same_tiles_and_images(tmp_path):
    paths = _strips(tmp_path, 3)
    want = reading.read_files(paths, *ARGS)  # as a reader thread reads them, in this process
    payload, _cpu = reading._decode_in_helper(paths, *ARGS)
    got = handoff.unpack(payload)
    assert len(got) == len(want) == 5
    for (w, werr), (g, gerr) in zip(want, got):
        assert (w is None) == (g is None) and werr == gerr
        if w is None:
            continue
        assert np.array_equal(np.asarray(w), np.asarray(g)) and w.info[VIEW_KEY] == g.info[VIEW_KEY]
        assert (TILES_KEY in w.info) == (TILES_KEY in g.info)
        if TILES_KEY in w.info:
            a, b = w.info[TILES_KEY], g.info[TILES_KEY]
            assert {k: v for k, v in a.items() if k != "pixels"} == {k: v for k, v in b.items() if k != "pixels"}
            assert b["pixels"].dtype == np.uint8 and np.array_equal(a["pixels"], b["pixels"])
    assert _no_blocks_left(payload)


def _no_blocks_left(payload) -> bool:
    names = [payload.name] if isinstance(payload, handoff.Shared) else []
    return all(not os.path.exists(os.path.join("/dev/shm", n.lstrip("/"))) for n in names + _tile_blocks(payload))


def _tile_blocks(payload) -> list[str]:
    return [ref.name for ref in handoff._stashed(payload)]


def test_a_batch_nobody_collects_leaves_no_tile_block(tmp_path):
    paths = _strips(tmp_path, 2)
    payload, _cpu = reading._decode_in_helper(paths, *ARGS)
    names = _tile_blocks(payload) + ([payload.name] if isinstance(payload, handoff.Shared) else [])
    assert len(_tile_blocks(payload)) == 2 and all(os.path.exists(os.path.join("/dev/shm", n.lstrip("/"))) for n in names)
    handoff.drop(payload)
    assert all(not os.path.exists(os.path.join("/dev/shm", n.lstrip("/"))) for n in names)


def _stashed_blocks() -> set[str]:
    return {n for n in os.listdir("/dev/shm") if n.startswith(handoff.STASH_PREFIX)}


def test_a_helper_that_dies_mid_batch_leaves_no_tile_block(tmp_path, monkeypatch):
    paths = _strips(tmp_path, 2)
    Image.new("RGB", (20, 20)).save(tmp_path / "crashme.png")
    monkeypatch.setenv(reading.CRASH_ENV, "crashme")  # seen by helpers started from now on
    before = _stashed_blocks()
    reader = reading.ProcessReader(1)
    try:
        batch = paths[:2] + [str(tmp_path / "crashme.png")]  # its two strips read, then the crash
        got = reader.result(reader.submit(batch, *ARGS), batch, *ARGS)
        assert [err for _im, err in got] == [None, None, reading.CRASHED] and reader.restarts >= 1
        assert len(_tile_bytes(got)) == 2  # (read again one by one, tiles and all)
        assert _stashed_blocks() - before == set()
    finally:
        reader.shutdown()
