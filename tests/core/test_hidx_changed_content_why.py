"""A file saved again with its size kept gets a ``file_changed`` event: it said the same
whether its content was read and found to differ from its digest or could not be compared
(no digest stored for it, or the file not read whole). The event's after now says which
(``"content"``); an event of a file whose size changed, as before, has no such field."""
from __future__ import annotations

import os

import numpy as np
import sqlalchemy as sa
from PIL import Image

from llmvis_desktop.core import index_listing
from llmvis_desktop.core.project import Project


def _png(path, seed, value=None):
    """An uncompressed PNG: a pixel changed keeps its size."""
    a = np.random.default_rng(seed).integers(0, 255, (16, 16, 3), dtype=np.uint8)
    if value is not None:
        a[0, 0] = value
    Image.fromarray(a).save(path, compress_level=0)


def _later(path, seconds=7):
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 1_000_000_000 + 77))


def _changed_after(p, image_id):
    return [e.after for e in p.history(image_id) if e.action == "file_changed"]


def test_a_same_size_change_says_whether_its_content_was_compared(tmp_path, monkeypatch):
    for i in range(5):
        _png(tmp_path / f"img{i}.png", i)
    with Project.open(tmp_path) as p:
        p.index()
        ids = {p.image(i).relpath: i for i in p.image_ids()}
        for i in ids.values():  # a history, so the index writes events for them
            p.set_status(i, "reviewed", "alice")
        _png(tmp_path / "img0.png", 0, value=(1, 2, 3))  # another pixel, the same size
        _later(tmp_path / "img0.png")
        with p.store.write() as s:  # a row from before digests (0015)
            s.execute(sa.text("UPDATE images SET content_sha256 = NULL WHERE relpath = 'img1.png'"))
        _later(tmp_path / "img1.png")
        _later(tmp_path / "img2.png")  # not readable as the listing compares it
        _png(tmp_path / "img3.png", 3)
        with open(tmp_path / "img3.png", "ab") as fh:
            fh.write(b"\0" * 10)  # another size
        _later(tmp_path / "img3.png")
        real = index_listing.file_sha256_stat

        def hash_but_img2(path, *a, **k):
            if str(path).endswith("img2.png"):
                raise PermissionError(13, "Permission denied", str(path))
            return real(path, *a, **k)

        monkeypatch.setattr(index_listing, "file_sha256_stat", hash_but_img2)
        result = p.index()
        assert result.changed == 4 and result.retimed == 0
        [a0] = _changed_after(p, ids["img0.png"])
        [a1] = _changed_after(p, ids["img1.png"])
        [a2] = _changed_after(p, ids["img2.png"])
        [a3] = _changed_after(p, ids["img3.png"])
        assert a0["content"] == "differs"
        assert a1["content"] == "no digest"
        assert a2["content"] == "unreadable"
        assert "content" not in a3 and a3["size"] != os.path.getsize(tmp_path / "img4.png")
        assert _changed_after(p, ids["img4.png"]) == []  # untouched
