"""The grid's thumbnail loader stats a file once per thumbnail.

It took the file's signature (an ``os.stat``) and the disk cache stat'ed the file again
for its key: a system call, and a hand-over of the GIL, more per thumbnail while the
window paints (bench_first_job_stall --sample: thumbs:_stat beside grid_delegate.paint).
The cache now keys the thumbnail by the loader's stat; what the loader keeps as the
signature is still the file's, and a changed file is still made again."""
from __future__ import annotations

import os

from PIL import Image

from llmvis_desktop.qt.thumb_loader import ThumbLoader, make_cache


def _load(qtbot, loader, image_id, path):
    with qtbot.waitSignal(loader.ready, timeout=5000):
        assert loader.pixmap(image_id, path, 64) is None
    return loader.cached(image_id, 64)


def test_a_thumbnail_stats_its_file_once(qtbot, tmp_path, monkeypatch):
    path = tmp_path / "a.png"
    Image.new("RGB", (120, 80), (200, 30, 30)).save(path)
    loader = ThumbLoader(make_cache(tmp_path / "thumbs"), threads=1)
    stats: list = []
    real = os.stat

    def counted(p, *a, **k):
        if os.fspath(p) == os.fspath(path):
            stats.append(1)
        return real(p, *a, **k)

    monkeypatch.setattr(os, "stat", counted)
    try:
        pm = _load(qtbot, loader, 1, path)
        assert pm is not None and max(pm.width(), pm.height()) == 64
        assert len(stats) == 1  # (2 before: the loader's signature, then the cache's key)
        st = real(path)
        assert loader._made[(1, 64)] == (path, (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns))
        # the cache keyed it by that stat: a second loader finds it on disk (made once)
        made = sorted(p for p in (tmp_path / "thumbs").rglob("*.jpg"))
        monkeypatch.setattr(os, "stat", real)
        other = ThumbLoader(make_cache(tmp_path / "thumbs"), threads=1)
        try:
            assert _load(qtbot, other, 1, path) is not None
        finally:
            assert other.shutdown()
        assert sorted(p for p in (tmp_path / "thumbs").rglob("*.jpg")) == made and len(made) == 1
        # a file rewritten is made again, keyed by its new stat
        Image.new("RGB", (90, 90), (30, 30, 200)).save(path)
        loader.forget(1)
        pm = _load(qtbot, loader, 1, path)
        assert pm is not None and pm.width() == pm.height() == 64
        assert len(list((tmp_path / "thumbs").rglob("*.jpg"))) == 2
    finally:
        assert loader.shutdown()
