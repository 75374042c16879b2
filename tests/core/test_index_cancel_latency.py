"""A cancelled index stops within the file it is reading.

The header pass hashes each file whole (up to ``indexer.HASH_MAX_BYTES``, 64 MiB) through
the open its header is read from; it looked at the cancel token once per batch of 200
files, so a Cancel (closing the folder, the Jobs dock's button) could wait behind GBs of
reading. The token is now looked at before each file and between the blocks of a hash;
what the batch read before the cancel is kept."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from llmvis_desktop.core import hashing, indexer
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import repo_headers as rh
from llmvis_desktop.core.tasks import CancelToken, Cancelled


def _folder(root, n):
    root.mkdir()
    for i in range(n):
        Image.new("L", (4, 4), i).save(root / f"{i:03d}.png")
    return root


def _pending(p):
    with p.store.read() as s:
        return rh.count_pending_headers(s)


def test_cancel_during_a_files_hash_stops_before_the_next_file(tmp_path, monkeypatch):
    root = _folder(tmp_path / "imgs", 10)
    token = CancelToken()
    hashed = []
    real = indexer.open_file_sha256_stat

    def slow_hash(fh, *args, **kwargs):  # a long read, during which the reviewer cancels
        hashed.append(fh.name)
        if len(hashed) == 2:
            token.cancel()
        return real(fh, *args, **kwargs)

    monkeypatch.setattr(indexer, "open_file_sha256_stat", slow_hash)
    with Project.open(root) as p:
        p.scan()
        with pytest.raises(Cancelled):
            p.read_headers(token)  # one batch of 200 holds all 10 files
        assert len(hashed) == 2, hashed  # not the other 8
        # the file read before the cancel is kept; the rest are read by the next index
        assert _pending(p) == 9
        monkeypatch.setattr(indexer, "open_file_sha256_stat", real)
        assert p.read_headers() == 9
        assert _pending(p) == 0


def test_a_hash_stops_between_blocks_when_told():
    data = io.BytesIO(b"x" * (10 << 20))
    data.fileno = lambda: -1  # (not a real file: fstat below is faked)
    calls = []

    def stop():
        calls.append(data.tell())
        return len(calls) >= 2

    class _St:
        st_size, st_mtime_ns = 10 << 20, 1

    orig = hashing.os.fstat
    hashing.os.fstat = lambda fd: _St() if fd == -1 else orig(fd)
    try:
        assert hashing.open_file_sha256_stat(data, block=1 << 20, stop=stop) is None
    finally:
        hashing.os.fstat = orig
    assert data.tell() == 2 << 20  # two blocks of ten read
