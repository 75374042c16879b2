"""Handing a batch of decoded images from a reader process to the job's process.

Returned the plain way, the pixels are pickled, written through a pipe in small pieces
and unpickled in the parent (then by its pool's result thread; now by the thread that
takes the batch, :mod:`.reader_pool`), holding the interpreter lock the model thread
needs. For a batch of 8 images of 1024x768 that round trip took 110 ms
on 2 cores, against 21 ms through shared memory (the helper writes the pixels once
into a block the parent copies out of, then removes). Small batches go the plain way.

A block is reserved in full when it is made (``posix_fallocate``), so a small
``/dev/shm`` (64 MB in a default Docker container) makes the helper fall back to the
plain way instead of dying on the first write past its end. A block whose batch
nobody collects (the job was cancelled) is removed by :func:`drop`; a killed job's
blocks are removed by multiprocessing's resource tracker.

A line-scan strip's tiles (a zero-shot labeler's, :func:`.strip_tiles.cut_tiles`) go
into a block of their own as soon as the strip is read (:func:`stash`), so a helper
holds at most one strip's tiles outside shared memory: kept in the batch's list until
:func:`pack`, a batch of 8 strips of 2048x60000 for a SigLIP-384 labeler held its 392 MB
of tiles twice, the helper peaking at 836 MB. Such a block is named after its helper, so
that those of a helper that died mid-batch are removed at once (:func:`sweep`), not left
in ``/dev/shm`` until the session ends.
"""
from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from typing import Optional

log = logging.getLogger(__name__)

#: batches with fewer pixel bytes than this are pickled: a block costs a few syscalls
SHARED_MIN_BYTES = 256 * 1024
#: the start of a stashed block's name (:func:`stash`), then the helper's process id
STASH_PREFIX = "llmvis_tiles_"


@dataclass(frozen=True)
class Shared:
    """A batch in a shared-memory block: per image (shape, offset) or None, and its error."""

    name: str
    items: tuple[tuple[Optional[tuple[int, ...]], int, Optional[str]], ...]


@dataclass(frozen=True)
class Block:
    """A strip's tile pixels (uint8, ``shape``) in a shared-memory block of their own."""

    name: str
    shape: tuple[int, ...]


def _new_block(size: int, name: Optional[str] = None):
    """A shared-memory block of ``size`` bytes, reserved in full, or None (none to be had)."""
    from multiprocessing import shared_memory

    try:
        block = shared_memory.SharedMemory(name, create=True, size=size)
    except OSError as exc:  # no /dev/shm, a limit: the plain way
        log.debug("no shared memory for %d bytes: %s", size, exc)
        return None
    try:
        fd = getattr(block, "_fd", -1)
        if fd >= 0 and hasattr(os, "posix_fallocate"):
            os.posix_fallocate(fd, 0, size)  # ENOSPC now, not SIGBUS on a write later
    except OSError as exc:
        log.debug("shared memory too small for %d bytes: %s", size, exc)
        block.close()
        block.unlink()
        return None
    return block


def stash(tiles: Optional[dict]) -> Optional[dict]:
    """In the helper, as soon as a strip's tiles are cut: ``tiles`` with their pixels
    moved into a block of their own (a :class:`Block`; the array is freed when the caller
    drops it), or as they are (small, or no block to be had)."""
    import numpy as np

    pixels = tiles.get("pixels") if tiles is not None else None
    if not isinstance(pixels, np.ndarray) or pixels.nbytes < SHARED_MIN_BYTES:
        return tiles
    block = _new_block(pixels.nbytes, f"{STASH_PREFIX}{os.getpid()}_{secrets.token_hex(6)}")
    if block is None:
        return tiles
    try:
        np.ndarray(pixels.shape, np.uint8, buffer=block.buf)[...] = pixels
    except BaseException:
        block.unlink()
        raise
    finally:
        block.close()
    return {**tiles, "pixels": Block(block.name, tuple(pixels.shape))}


def pack(items: list) -> object:
    """In the helper: [(uint8 array or None, why[, view[, tiles]])] -> the same list, or a
    :class:`Shared` block holding the arrays when they are large and a block can be had.
    ``view``: what the model is shown (:data:`.strips.VIEW_KEY`), ``tiles``: a strip's
    tiles (:func:`.strip_tiles.cut_tiles`, their pixels in the block too), put back in
    the image's ``info``."""
    import numpy as np

    size = sum(a.nbytes + _tile_bytes(extra) for a, _err, *extra in items if a is not None)
    if size < SHARED_MIN_BYTES:
        return items
    block = _new_block(size)
    if block is None:
        return items
    try:
        out, offset = [], 0
        for arr, err, *view in items:
            if arr is None:
                out.append((None, 0, err))
                continue
            arr = np.ascontiguousarray(arr, dtype=np.uint8)
            np.ndarray(arr.shape, np.uint8, buffer=block.buf, offset=offset)[...] = arr
            at, offset = offset, offset + arr.nbytes
            if _tile_bytes(view):  # a strip's tiles not stashed yet: their pixels in the block
                tiles = view[1]["pixels"]
                np.ndarray(tiles.shape, np.uint8, buffer=block.buf, offset=offset)[...] = tiles
                view = [view[0], {**view[1], "pixels": (tuple(tiles.shape), offset)}]
                offset += tiles.nbytes
            out.append((tuple(arr.shape), at, err, *view))
    except BaseException:
        block.unlink()
        raise
    finally:
        block.close()
    return Shared(block.name, tuple(out))


def unpack(payload) -> list:
    """In the parent: the helper's payload -> [(PIL image or None, why)]; its blocks are
    copied out and removed (all of them, whatever happens)."""
    from PIL import Image

    try:
        if not isinstance(payload, Shared):
            return [(None if arr is None else _viewed(Image.fromarray(arr), _tiles_out(view, None)), err)
                    for arr, err, *view in payload]
        import numpy as np
        from multiprocessing import shared_memory

        block = shared_memory.SharedMemory(name=payload.name)
        try:
            # Image.fromarray copies an RGB array into Pillow's own memory
            return [(None if shape is None else
                     _viewed(Image.fromarray(np.ndarray(shape, np.uint8, buffer=block.buf, offset=offset)),
                             _tiles_out(view, block)), err)
                    for shape, offset, err, *view in payload.items]
        finally:
            block.close()
            block.unlink()
    finally:
        _drop_stashed(payload)


def _tile_bytes(extra) -> int:
    """The bytes of a strip's tile pixels in an item's extras (view, tiles), in the helper,
    not yet in a block (:func:`stash`)."""
    tiles = extra[1] if len(extra) > 1 else None
    return tiles["pixels"].nbytes if tiles is not None and hasattr(tiles["pixels"], "nbytes") else 0


def _stashed(payload) -> list:
    """The :class:`Block` of each strip's tiles :func:`stash` put in one, in a payload."""
    items = payload.items if isinstance(payload, Shared) else payload
    out = []
    for item in items:
        tiles = item[-1] if len(item) > 3 else None  # (arr | shape, [offset,] err, view, tiles)
        if isinstance(tiles, dict) and isinstance(tiles.get("pixels"), Block):
            out.append(tiles["pixels"])
    return out


def _drop_stashed(payload) -> None:
    for ref in _stashed(payload):
        _remove(ref.name)


def _remove(name: str) -> None:
    """Remove the shared-memory block ``name`` if it is still there."""
    from multiprocessing import shared_memory

    try:
        block = shared_memory.SharedMemory(name=name)
    except (FileNotFoundError, ValueError):
        return
    block.close()
    block.unlink()


def _tiles_out(view: list, block) -> list:
    """``view`` with a strip's tiles copied out of their own block (:func:`stash`), or of
    the batch's ``block``."""
    if len(view) < 2 or view[1] is None:
        return view
    import numpy as np

    pixels = view[1]["pixels"]
    if isinstance(pixels, Block):
        from multiprocessing import shared_memory

        own = shared_memory.SharedMemory(name=pixels.name)
        try:
            pixels = np.ndarray(pixels.shape, np.uint8, buffer=own.buf).copy()
        finally:
            own.close()
            own.unlink()
    elif block is not None:
        shape, offset = pixels
        pixels = np.ndarray(shape, np.uint8, buffer=block.buf, offset=offset).copy()
    return [view[0], {**view[1], "pixels": pixels}]


def _viewed(im, view: list):
    """``im`` with the helper's note of what the model is shown, when it sent one, and a
    strip's tiles (:func:`.strip_tiles.cut_tiles`)."""
    if view and view[0] is not None:
        from .strips import VIEW_KEY

        im.info[VIEW_KEY] = view[0]
    if len(view) > 1 and view[1] is not None:
        from .strip_tiles import TILES_KEY

        im.info[TILES_KEY] = view[1]
    return im


def sweep(pids) -> int:
    """In the parent, once helpers ``pids`` are dead: remove the tile blocks they stashed
    for a batch they never handed back (where shared memory is listed, ``/dev/shm``;
    elsewhere multiprocessing's resource tracker removes them when the session ends)."""
    prefixes = tuple(f"{STASH_PREFIX}{int(pid)}_" for pid in pids if pid)
    try:
        names = [n for n in os.listdir("/dev/shm") if n.startswith(prefixes)] if prefixes else []
    except OSError:
        return 0
    for name in names:
        _remove(name)
    return len(names)


def drop(payload) -> None:
    """Remove the blocks of a batch nobody will collect."""
    if isinstance(payload, Shared):
        _remove(payload.name)
    if isinstance(payload, (Shared, list, tuple)):
        _drop_stashed(payload)
