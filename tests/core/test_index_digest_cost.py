"""What the content digest (``images.content_sha256``, 0015) costs the index's header pass.

When it came, each file's header was read through one open and its digest through a
second, reading the whole file: 20k small PNGs' first index took 36% longer (40000 ->
60000 opens), and a folder of large TIFFs on a network share was read whole where the
index had read headers only. A file is opened once now, its digest and its header read
from that open, and a file over the limit (``indexer.HASH_MAX_BYTES``) is not hashed at
all: its header is all the index reads of it, as before 0015, and a copy without its
times is a change for it, as before 0015."""
from __future__ import annotations

import io
import os
import shutil
import sys
from collections import Counter

import numpy as np
import pytest
import sqlalchemy as sa
from PIL import Image

from llmvis_desktop.core import indexer
from llmvis_desktop.core.imaging import reader
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion


def _png(path, seed, side=16):
    a = np.random.default_rng(seed).integers(0, 255, (side, side, 3), dtype=np.uint8)
    Image.fromarray(a).save(path, compress_level=0)  # uncompressed: its size is side*side*3 and more


class _Opens:
    """Files under a folder opened at the OS (its .llmvis database aside), by an audit
    hook (one per process, switched by ``on``). ``open(path, opener=...)`` raises the
    event twice (Python's open, then the opener's os.open): counted once."""
    folder, events, on = "", [], False

    @classmethod
    def hook(cls, event, args):
        if cls.on and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
            path = os.fsdecode(args[0])
            if path.startswith(cls.folder) and "/.llmvis" not in path:
                cls.events.append((os.path.basename(path), args[1] is None))

    @classmethod
    def per_file(cls) -> Counter:
        out, ev = Counter(), cls.events
        for k, (name, os_level) in enumerate(ev):
            if not os_level and k + 1 < len(ev) and ev[k + 1] == (name, True):
                continue  # Python's open whose opener opened it: the next event is the same open
            out[name] += 1
        return out


sys.addaudithook(_Opens.hook)


class _CountingFile(io.FileIO):
    """A file that counts the bytes read from it (what reaches the process)."""
    read_bytes: Counter = Counter()

    def readinto(self, b):
        n = super().readinto(b)
        _CountingFile.read_bytes[os.path.basename(self.name)] += n or 0
        return n

    def readall(self):
        data = super().readall()
        _CountingFile.read_bytes[os.path.basename(self.name)] += len(data)
        return data

    def read(self, size=-1):
        data = super().read(size)
        _CountingFile.read_bytes[os.path.basename(self.name)] += len(data or b"")
        return data


def _counting_open(path):
    return io.BufferedReader(_CountingFile(os.fspath(path), "rb"))


def _index_counting(p):
    _Opens.folder, _Opens.events, _Opens.on = str(p.root), [], True
    try:
        result = p.index()
    finally:
        _Opens.on = False
    return result, _Opens.per_file()


def _digests(p):
    with p.store.read() as s:
        return dict(s.execute(sa.text("SELECT relpath, content_sha256 FROM images")).all())


def test_a_file_is_opened_once_at_its_first_index(tmp_path):
    root = tmp_path / "imgs"
    root.mkdir()
    for i in range(3):
        _png(root / f"img{i}.png", i)
    with Project.open(root) as p:
        result, opened = _index_counting(p)
        assert result.added == 3
        assert opened == {f"img{i}.png": 1 for i in range(3)}  # its header and its digest from one open
        assert all(_digests(p).values())
        assert [p.image(i).width for i in p.image_ids()] == [16, 16, 16]


def test_a_file_over_the_limit_is_not_read_whole(tmp_path, monkeypatch):
    root = tmp_path / "imgs"
    root.mkdir()
    _png(root / "big.png", 0, side=400)  # 480 kB
    _png(root / "small.png", 1)
    size = (root / "big.png").stat().st_size
    monkeypatch.setattr(indexer, "HASH_MAX_BYTES", 100_000, raising=False)
    monkeypatch.setattr(reader, "_open_file", _counting_open)
    _CountingFile.read_bytes = Counter()
    with Project.open(root) as p:
        result, opened = _index_counting(p)
        assert opened == {"big.png": 1, "small.png": 1}
        assert _CountingFile.read_bytes["big.png"] < 20_000 < size  # its header (and PNG's end marker) only
        assert _CountingFile.read_bytes["small.png"] >= (root / "small.png").stat().st_size
        digests = _digests(p)
        assert digests["big.png"] is None and digests["small.png"]
        assert p.image(p.image_ids()[0]).width == 400


@pytest.mark.parametrize("limit", [None, 100_000])
def test_a_copy_keeps_the_work_of_files_under_the_limit_only(tmp_path, monkeypatch, limit):
    """Over the limit, a file copied without its time is changed, as every file was before 0015."""
    if limit:
        monkeypatch.setattr(indexer, "HASH_MAX_BYTES", limit, raising=False)
    root = tmp_path / "imgs"
    root.mkdir()
    _png(root / "big.png", 0, side=400)
    _png(root / "small.png", 1)
    with Project.open(root) as p:
        p.index()
        p.add_label("scratch")
        p.add_suggestions([NewSuggestion(i, "label", "scratch", "model-x", score=0.9) for i in p.image_ids()])
    shutil.copytree(root, tmp_path / "copy", copy_function=shutil.copyfile)  # cp -r: new times
    with Project.open(tmp_path / "copy") as p:
        result = p.index()
        assert (result.changed, result.retimed) == ((1, 1) if limit else (0, 2))
        with p.store.read() as s:
            changed_at = dict(s.execute(sa.text("SELECT relpath, content_changed_at FROM images")).all())
        assert {rel: t is not None for rel, t in changed_at.items()} == {"big.png": bool(limit), "small.png": False}
        events = {p.image(i).relpath: [e.action for e in p.history(i)].count("file_changed") for i in p.image_ids()}
        assert events == {"big.png": 1 if limit else 0, "small.png": 0}
