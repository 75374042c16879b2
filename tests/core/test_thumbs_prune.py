"""The thumbnail cache's size bound: LRU pruning, hits marking use, safety, the setting."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from llmvis_desktop.core import config as cfg_mod
from llmvis_desktop.core.imaging import ImageReadError, ThumbnailCache, thumbs

HOUR = 3600


def _entry(cache_dir: Path, n: int, size: int, age_s: float, suffix: str = ".jpg") -> Path:
    """A cache entry of ``size`` bytes, last used ``age_s`` ago, where the cache puts it."""
    key = hashlib.sha1(f"entry {n}".encode()).hexdigest()
    path = cache_dir / key[:2] / key[2:4] / f"{key}{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    when = time.time() - age_s
    os.utime(path, (when, when))
    return path


def _files(cache_dir: Path) -> set[Path]:
    return {p for p in cache_dir.rglob("*") if p.is_file() and p.name != thumbs.STAMP}


def _total(cache_dir: Path) -> int:
    return sum(p.stat().st_size for p in _files(cache_dir))


def test_prune_removes_least_recently_used_first_err_included(tmp_path):
    cache = ThumbnailCache(tmp_path / "cache")
    # 20 entries of 1000 bytes, entry i used (20 - i) hours ago; every fourth a failure record
    entries = [_entry(cache.cache_dir, i, 1000, (20 - i) * HOUR, ".err" if i % 4 == 0 else ".jpg")
               for i in range(20)]
    result = cache.prune(10_000)
    # over the limit: down to 90% of it, oldest first -> the 9 most recent stay
    assert _files(cache.cache_dir) == set(entries[11:])
    assert _total(cache.cache_dir) == 9000 <= 0.9 * 10_000
    assert (result.files, result.bytes, result.removed_files, result.removed_bytes) == (20, 20_000, 11, 11_000)
    assert result.bytes_left == 9000 and not result.skipped and not result.cancelled
    assert entries[0].suffix == ".err" and not entries[0].exists()  # failure records go too
    assert entries[16].suffix == ".err" and entries[16].exists()  # ...by age, like the rest


def test_under_the_limit_nothing_is_removed(tmp_path):
    cache = ThumbnailCache(tmp_path / "cache")
    entries = {_entry(cache.cache_dir, i, 1000, i * HOUR) for i in range(10)}
    result = cache.prune(10_000)  # exactly at the limit is not over it
    assert _files(cache.cache_dir) == entries
    assert (result.files, result.bytes, result.removed_files) == (10, 10_000, 0)
    assert (cache.cache_dir / thumbs.STAMP).read_text().strip() == "10000"


def test_zero_means_unlimited(tmp_path):
    cache = ThumbnailCache(tmp_path / "cache")
    entries = {_entry(cache.cache_dir, i, 5000, i * HOUR) for i in range(10)}
    for limit in (0, -1):
        result = cache.prune(limit)
        assert result.skipped and result.removed_files == 0
    assert _files(cache.cache_dir) == entries
    assert not (cache.cache_dir / thumbs.STAMP).exists()  # not even walked


def test_a_hit_marks_the_entry_used(tmp_path):
    srcs = []
    for i in range(3):
        srcs.append(tmp_path / f"img{i}.png")
        Image.new("RGB", (64, 48), (i * 80, 20, 20)).save(srcs[-1])
    cache = ThumbnailCache(tmp_path / "cache")
    targets = []
    for i, src in enumerate(srcs):
        cache.get(src, 32)
        targets.append(cache.path_for(src, 32))
        when = time.time() - (10 - i) * HOUR  # img0 the oldest
        os.utime(targets[-1], (when, when))
    cache.get(srcs[0], 32)  # used again: now the most recent
    assert time.time() - targets[0].stat().st_mtime < 60
    size = max(t.stat().st_size for t in targets)
    cache.prune(int(size * 1.5))  # room for one
    assert [t.exists() for t in targets] == [True, False, False]


def test_a_recent_hit_writes_nothing(tmp_path):
    src = tmp_path / "img.png"
    Image.new("L", (40, 40), 99).save(src)
    cache = ThumbnailCache(tmp_path / "cache")
    cache.get(src, 16)
    target = cache.path_for(src, 16)
    when = time.time() - thumbs.TOUCH_AFTER_S / 2
    os.utime(target, (when, when))
    cache.get(src, 16)
    assert target.stat().st_mtime == pytest.approx(when, abs=1e-3)


def test_a_cached_failure_hit_marks_it_used(tmp_path):
    src = tmp_path / "broken.jpg"
    src.write_text("not a jpeg")
    cache = ThumbnailCache(tmp_path / "cache")
    with pytest.raises(ImageReadError):
        cache.get(src, 16)
    err = cache.path_for(src, 16).with_suffix(".err")
    old = time.time() - 5 * HOUR
    os.utime(err, (old, old))
    with pytest.raises(ImageReadError, match="not an image"):
        cache.get(src, 16)
    assert time.time() - err.stat().st_mtime < 60


def test_files_vanishing_mid_prune(tmp_path, monkeypatch):
    """Another process deletes files and whole folders while the walk and the deletions run."""
    cache = ThumbnailCache(tmp_path / "cache")
    entries = [_entry(cache.cache_dir, i, 1000, (40 - i) * HOUR) for i in range(40)]
    real_scan, real_walk = thumbs._scan, ThumbnailCache._walk
    others: set[Path] = set()  # what the other process removed
    gone_folder = entries[3].parent.parent

    def racing_scan(folder):
        found = real_scan(folder)
        for e in found:  # listed, then removed before its stat
            if Path(e.path) in (entries[1], entries[38]):
                os.unlink(e.path)
                others.add(Path(e.path))
        if Path(folder) == cache.cache_dir and gone_folder.exists():
            others.update(p for p in entries if gone_folder in p.parents)
            shutil.rmtree(gone_folder)  # a fan-out folder vanishes after the top listing
        return found

    def racing_walk(self, cancelled=None):
        found = list(real_walk(self, cancelled))
        for path, *_ in found[::3]:  # listed and stat'ed, then removed before the unlink
            os.unlink(path)
            others.add(Path(path))
        yield from found

    monkeypatch.setattr(thumbs, "_scan", racing_scan)
    monkeypatch.setattr(ThumbnailCache, "_walk", racing_walk)
    result = cache.prune(10_000)
    left = _files(cache.cache_dir)
    assert left and _total(cache.cache_dir) <= 9000
    pruned = [i for i, p in enumerate(entries) if p not in left and p not in others]
    kept = [i for i, p in enumerate(entries) if p in left]
    assert pruned and max(pruned) < min(kept)  # still oldest first
    assert result.removed_files == len(pruned)  # what others removed is not counted as ours
    assert result.bytes_left >= _total(cache.cache_dir)


def test_two_prunes_at_once(tmp_path):
    cache_dir = tmp_path / "cache"
    for i in range(300):
        _entry(cache_dir, i, 500, (300 - i) * 60)
    errors = []

    def run():
        try:
            ThumbnailCache(cache_dir).prune(50_000)
        except Exception as exc:  # pragma: no cover - the failure being tested for
            errors.append(exc)

    workers = [threading.Thread(target=run) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == [] and _total(cache_dir) <= 45_000


def test_nothing_outside_the_cache_is_touched(tmp_path):
    outside = tmp_path / "outside"
    decoy = _entry(outside, 1, 4000, 100 * HOUR)  # looks like an entry, lives elsewhere
    mine = tmp_path / "mine.jpg"
    mine.write_bytes(b"y" * 4000)
    os.utime(mine, (0, 0))
    cache_dir = tmp_path / "cache"
    cache = ThumbnailCache(cache_dir)
    real = [_entry(cache_dir, i, 100, 50 * HOUR) for i in range(2, 6)]
    key = decoy.stem
    (cache_dir / key[:2]).symlink_to(decoy.parent.parent, target_is_directory=True)  # linked folder
    linked = _entry(cache_dir, 7, 1, 0)
    linked.unlink()
    linked.symlink_to(mine)  # a linked file named like an entry
    strangers = [cache_dir / "notes.txt", cache_dir / "ab" / "cd" / "holiday.jpg",
                 cache_dir / "AB" / "CD" / ("A" * 40 + ".jpg"), cache_dir / "zz" / "yy" / ("0" * 40 + ".jpg"),
                 real[0].parent / ("f" * 40 + ".jpg"), real[0].parent / (real[0].stem + ".png")]
    for p in strangers:  # the user's files in a custom cache folder; misplaced names
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"z" * 3000)
        os.utime(p, (0, 0))
    result = cache.prune(1)
    assert not any(p.exists() for p in real) and result.removed_files == len(real)
    assert all(p.read_bytes() == b"z" * 3000 for p in strangers)
    assert decoy.read_bytes() == b"x" * 4000 and mine.read_bytes() == b"y" * 4000
    assert linked.is_symlink()


def test_stale_temporary_files_go_fresh_ones_stay(tmp_path):
    cache = ThumbnailCache(tmp_path / "cache")
    keep = _entry(cache.cache_dir, 1, 100, 0)
    stale = keep.parent / ".tmp-abc123_x.jpg"
    fresh = keep.parent / ".tmp-def456.err"
    for p, age in ((stale, 2 * thumbs.STALE_TMP_S), (fresh, 60)):
        p.write_bytes(b"t" * 10)
        os.utime(p, (time.time() - age,) * 2)
    result = cache.prune(10**9)  # far under the limit
    assert keep.exists() and fresh.exists() and not stale.exists()
    assert result.removed_files == 1


def test_min_interval_skips_a_recent_prune_with_the_same_limit(tmp_path):
    cache = ThumbnailCache(tmp_path / "cache")
    for i in range(5):
        _entry(cache.cache_dir, i, 1000, i * HOUR)
    assert cache.prune(10_000, min_interval_s=HOUR).files == 5
    for i in range(5, 20):
        _entry(cache.cache_dir, i, 1000, i * HOUR)
    assert cache.prune(10_000, min_interval_s=HOUR).skipped  # ran a moment ago
    assert len(_files(cache.cache_dir)) == 20
    assert cache.prune(12_000, min_interval_s=HOUR).removed_files == 10  # a new limit: runs
    stamp = cache.cache_dir / thumbs.STAMP
    os.utime(stamp, (time.time() - 2 * HOUR,) * 2)
    assert not cache.prune(12_000, min_interval_s=HOUR).skipped  # an hour later: runs again
    assert not cache.prune(12_000).skipped  # no interval: always runs


def test_cancelled_prune_stops_and_writes_no_stamp(tmp_path):
    cache = ThumbnailCache(tmp_path / "cache")
    for i in range(10):
        _entry(cache.cache_dir, i, 1000, i * HOUR)
    result = cache.prune(1000, cancelled=lambda: True)
    assert result.cancelled and result.removed_files == 0 and len(_files(cache.cache_dir)) == 10
    assert not (cache.cache_dir / thumbs.STAMP).exists()


def test_usage(tmp_path):
    cache = ThumbnailCache(tmp_path / "cache")
    for i in range(3):
        _entry(cache.cache_dir, i, 1000, 0)
    _entry(cache.cache_dir, 9, 40, 0, ".err")
    (cache.cache_dir / "notes.txt").write_text("not ours")
    usage = cache.usage()
    assert (usage.thumbnails, usage.failures, usage.files, usage.bytes) == (3, 1, 4, 3040)


def test_size_limit_setting_is_persisted_and_checked(tmp_path):
    cfg = cfg_mod.Config()
    assert cfg.thumbnail_cache_mb == 1024 and cfg.thumbnail_cache_bytes() == 1024 * 1024 * 1024
    cfg.thumbnail_cache_mb = 0
    path = cfg_mod.save_config(cfg, tmp_path / "config.json")
    assert json.loads(path.read_text())["thumbnail_cache_mb"] == 0
    assert cfg_mod.load_config(path).thumbnail_cache_bytes() == 0
    for bad in (-5, "big", True):  # named, and the default used (tests/core/test_config.py)
        path.write_text(json.dumps({"thumbnail_cache_mb": bad}))
        loaded = cfg_mod.read_config(path)
        assert loaded.config.thumbnail_cache_mb == 1024
        assert len(loaded.problems) == 1 and "thumbnail_cache_mb" in loaded.problems[0]
