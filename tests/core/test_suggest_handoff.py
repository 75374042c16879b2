"""Pixels from a reader process to the job's process: shared memory for large batches,
nothing left behind, and the plain way when shared memory is short."""
from __future__ import annotations

import errno
import os
import time
from multiprocessing import shared_memory

import numpy as np
from PIL import Image

from llmvis_desktop.core.suggest import handoff
from llmvis_desktop.core.suggest.reading import ProcessReader


def _gone(name: str) -> bool:
    """Whether the block was removed (looked up without touching it)."""
    if os.path.isdir("/dev/shm"):
        return not os.path.exists(os.path.join("/dev/shm", name.lstrip("/")))
    try:
        block = shared_memory.SharedMemory(name=name)
    except FileNotFoundError:
        return True
    block.close()
    return False


def _batch(n=4, h=240, w=320):
    rng = np.random.default_rng(0)
    return [(rng.integers(0, 255, (h, w, 3), dtype=np.uint8), None) for _ in range(n)] + [(None, "x.png: broken")]


def test_a_large_batch_travels_through_shared_memory_and_is_removed():
    items = _batch()
    payload = handoff.pack(items)
    assert isinstance(payload, handoff.Shared)
    got = handoff.unpack(payload)
    assert _gone(payload.name)
    assert [err for _, err in got] == [None] * 4 + ["x.png: broken"]
    for (arr, _), (im, _) in zip(items[:4], got[:4]):
        assert isinstance(im, Image.Image) and np.array_equal(np.asarray(im), arr)


def test_a_small_batch_is_pickled():
    items = _batch(n=1, h=40, w=60)
    assert handoff.pack(items) is items
    (im, err), (none, why) = handoff.unpack(items)
    assert np.array_equal(np.asarray(im), items[0][0]) and none is None and why == "x.png: broken"


def test_short_shared_memory_falls_back_to_pickling_and_leaves_no_block(monkeypatch):
    made = []
    real = shared_memory.SharedMemory

    def spy(*a, **k):
        block = real(*a, **k)
        made.append(block.name)
        return block

    def full(fd, offset, length):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shared_memory, "SharedMemory", spy)
    monkeypatch.setattr(os, "posix_fallocate", full, raising=False)  # also where the OS lacks it
    items = _batch()
    assert handoff.pack(items) is items
    monkeypatch.undo()
    assert len(made) == 1 and _gone(made[0])


def test_a_batch_nobody_collects_is_freed_when_it_arrives(tmp_path):
    rng = np.random.default_rng(1)
    paths = []
    for i in range(4):
        paths.append(str(tmp_path / f"{i}.png"))
        Image.fromarray(rng.integers(0, 255, (300, 400, 3), dtype=np.uint8)).save(paths[-1])
    reader = ProcessReader(1)
    try:
        args = (None, 1024, None)
        fut = reader.submit(paths, *args)
        reader.discard(fut)  # the job was cancelled while the helper read
        payload, _ = fut.result(timeout=60)
        assert isinstance(payload, handoff.Shared)
        deadline = time.monotonic() + 10
        while not _gone(payload.name) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _gone(payload.name)
    finally:
        reader.shutdown()


def test_a_block_that_vanished_is_read_again_in_process(tmp_path, monkeypatch):
    """Something removed the helper's block before the job took it (a /dev/shm cleaner):
    the batch is read again in the job's process, with a message, and nothing is lost."""
    rng = np.random.default_rng(2)
    paths = []
    for i in range(3):
        paths.append(str(tmp_path / f"{i}.png"))
        Image.fromarray(rng.integers(0, 255, (300, 400, 3), dtype=np.uint8)).save(paths[-1])
    real = handoff.unpack

    def vanished(payload):
        handoff.drop(payload)  # gone before the parent maps it
        return real(payload)

    monkeypatch.setattr(handoff, "unpack", vanished)
    reader = ProcessReader(1)
    try:
        args = (None, 1024, None)
        got = reader.result(reader.submit(paths, *args), paths, *args)
    finally:
        reader.shutdown()
    assert [im.size for im, _ in got] == [(400, 300)] * 3
    assert [np.asarray(im)[0, 0].tolist() for im, _ in got] == [
        np.asarray(Image.open(p))[0, 0].tolist() for p in paths]
    assert any("shared memory" in m for m in reader.messages)
