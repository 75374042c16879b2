"""Thumbnails: making them, the disk cache, cached failures, concurrency."""
from __future__ import annotations

import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, JpegImagePlugin

from llmvis_desktop.core.imaging import ImageReadError, ThumbnailCache, make_thumbnail
from llmvis_desktop.core.imaging import thumbs

try:
    from . import imagegen
except ImportError:  # tests/core is not a package: pytest put it on sys.path
    import imagegen


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    return imagegen.write_samples(tmp_path_factory.mktemp("thumb_samples"))


@pytest.fixture
def counting(monkeypatch):
    """Count decodes: wraps thumbs.make_thumbnail, which the cache calls on a miss."""
    calls: list[Path] = []
    real = thumbs.make_thumbnail

    def wrapper(path, size, max_pixels=thumbs.DEFAULT_MAX_PIXELS):
        calls.append(Path(path))
        return real(path, size, max_pixels)

    monkeypatch.setattr(thumbs, "make_thumbnail", wrapper)
    return calls


def _cache_files(cache_dir: Path, pattern: str = "*") -> list[Path]:
    return [p for p in cache_dir.rglob(pattern) if p.is_file()]


@pytest.mark.parametrize("name", [
    "jpeg_exif6", "png_rgba", "bmp", "webp", "tiff8", "tiff16", "tiff16_lzw", "tiff_multi",
    "ct", "mr", "dicom_noext", "mr_mono1", "ct_multiframe", "dicom_rgb",
])
def test_make_thumbnail_every_sample(samples, name):
    thumb = make_thumbnail(samples[name], 24)
    assert thumb.mode in ("RGB", "L")
    assert max(thumb.size) <= 24 and min(thumb.size) >= 1
    arr = np.asarray(thumb)
    assert int(arr.max()) - int(arr.min()) > 20  # real content, not a flat or clipped tile


def test_thumbnail_orientation_and_alpha(samples):
    thumb = make_thumbnail(samples["jpeg_exif6"], 20)
    assert thumb.size == (15, 20)  # portrait once EXIF orientation 6 is applied
    arr = np.asarray(thumb)
    assert arr[:3, :, 0].mean() > 170  # the red band is on top
    rgba = np.asarray(make_thumbnail(samples["png_rgba"], 32))
    assert rgba.shape == (24, 32, 3) and (rgba[:, 18:] == 255).all()


def test_16bit_thumbnail_is_stretched_not_clipped(samples):
    arr = np.asarray(make_thumbnail(samples["tiff16"], 40))
    assert arr.dtype == np.uint8 and len(np.unique(arr)) > 30


def test_jpeg_uses_reduced_decode(tmp_path, monkeypatch):
    path = tmp_path / "big.jpg"
    Image.new("RGB", (2048, 1536), (10, 120, 200)).save(path, quality=80)
    sizes = []
    real_draft = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        result = real_draft(self, mode, size)
        sizes.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    thumb = make_thumbnail(path, 256)
    assert thumb.size == (256, 192)
    assert sizes and sizes[0] == (512, 384)  # libjpeg scaled by 1/4 instead of full decode


def test_cache_hit_does_not_decode_again(samples, tmp_path, counting):
    cache = ThumbnailCache(tmp_path / "cache")
    first = cache.get(samples["bmp"], 16)
    second = cache.get(samples["bmp"], 16)
    assert counting == [samples["bmp"]]
    assert first.size == second.size == (16, 8)
    assert second.mode == "RGB"
    stored = cache.path_for(samples["bmp"], 16, os.stat(samples["bmp"]))
    assert stored.is_file() and stored.suffix == ".jpg"
    # two-level fan-out named after the sha1 key
    assert stored.parent.parent.parent == tmp_path / "cache"
    assert stored.parent.parent.name == stored.stem[:2] and stored.parent.name == stored.stem[2:4]
    assert len(stored.stem) == 40
    # a different size is a different entry
    cache.get(samples["bmp"], 8)
    assert len(counting) == 2
    # a second cache object over the same folder (e.g. next session) hits too
    ThumbnailCache(tmp_path / "cache").get(samples["bmp"], 16)
    assert len(counting) == 2


def test_mtime_change_invalidates(tmp_path, counting):
    src = tmp_path / "pic.png"
    Image.new("RGB", (40, 20), (200, 0, 0)).save(src)
    cache = ThumbnailCache(tmp_path / "cache")
    old_entry = cache.path_for(src, 16)
    cache.get(src, 16)
    st = os.stat(src)
    os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    assert cache.path_for(src, 16) != old_entry
    cache.get(src, 16)
    assert len(counting) == 2


@pytest.mark.parametrize("how", ["replaced", "rewritten in place"])
def test_same_size_and_mtime_but_new_pixels_invalidates(tmp_path, how):
    """``cp -p``, ``rsync -t``, ``tar x``: same byte size, mtime kept, new pixels. The old
    thumbnail was served forever while the viewer showed the new image."""
    src = tmp_path / "frame.bmp"
    Image.new("RGB", (40, 20), (255, 0, 0)).save(src)
    cache = ThumbnailCache(tmp_path / "cache")
    assert cache.get(src, 16).getpixel((8, 4)) == (255, 0, 0)
    st = os.stat(src)
    time.sleep(0.05)  # ctime has the kernel's coarse clock (a few ms)
    new = tmp_path / "new.bmp"
    Image.new("RGB", (40, 20), (0, 0, 255)).save(new)
    if how == "replaced":
        os.replace(new, src)
    else:
        with open(src, "r+b") as fh:
            fh.write(new.read_bytes())
    os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = os.stat(src)
    assert (after.st_size, after.st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    assert cache.get(src, 16).getpixel((8, 4)) == (0, 0, 255)


def test_a_smaller_size_is_made_from_a_larger_cached_one(tmp_path, counting):
    """A smaller grid size decoded every original again (seconds for a large TIFF)."""
    big, small = tmp_path / "big.png", tmp_path / "small.png"
    Image.new("RGB", (400, 300), (0, 128, 255)).save(big)
    Image.new("RGB", (10, 5), (255, 128, 0)).save(small)
    cache = ThumbnailCache(tmp_path / "cache")
    cache.get(big, 64)
    cache.get(small, 64)
    assert len(counting) == 2
    assert cache.get(big, 48, larger=(64, 200)).size == (48, 36)  # 200: not cached, skipped
    assert cache.get(small, 48, larger=(64,)).size == (10, 5)
    assert len(counting) == 2  # no decode
    assert cache.path_for(big, 48).exists()  # stored under its own size
    assert cache.get(big, 32, larger=(16,)).size == (32, 24)  # only larger ones serve
    assert len(counting) == 3


def test_failure_is_cached_and_reraised_until_the_file_changes(tmp_path, counting):
    src = tmp_path / "broken.jpg"
    src.write_text("not a jpeg")
    cache = ThumbnailCache(tmp_path / "cache")
    for _ in range(3):
        with pytest.raises(ImageReadError) as info:
            cache.get(src, 32)
        assert info.value.reason == "not an image (content does not match .jpg)"
        assert str(src) in str(info.value)
    assert len(counting) == 1
    assert cache.path_for(src, 32).with_suffix(".err").read_text() == info.value.reason
    Image.new("L", (64, 64), 90).save(src, "JPEG")  # fixed: new size and mtime, new key
    st = os.stat(src)
    os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    thumb = cache.get(src, 32)
    assert thumb.size == (32, 32) and thumb.mode == "L"
    assert len(counting) == 2


def test_transient_failures_are_not_cached(samples, tmp_path, monkeypatch):
    cache = ThumbnailCache(tmp_path / "cache")
    link = tmp_path / "dangling.png"
    link.symlink_to(tmp_path / "nowhere.png")
    with pytest.raises(ImageReadError, match="broken symbolic link"):
        cache.get(link, 32)

    def denied(path, size, max_pixels=None):
        raise ImageReadError(path, "permission denied")

    monkeypatch.setattr(thumbs, "make_thumbnail", denied)
    with pytest.raises(ImageReadError, match="permission denied"):
        cache.get(samples["bmp"], 32)
    assert _cache_files(tmp_path / "cache") == []


def test_damaged_cache_entry_is_rebuilt(samples, tmp_path, counting):
    cache = ThumbnailCache(tmp_path / "cache")
    cache.get(samples["webp"], 16)
    cache.path_for(samples["webp"], 16).write_bytes(b"garbage")
    thumb = cache.get(samples["webp"], 16)
    assert thumb.size == (16, 12) and len(counting) == 2


def test_concurrent_gets(tmp_path, counting):
    srcs = []
    for i in range(12):
        src = tmp_path / f"img{i:02d}.jpg"
        Image.fromarray(np.full((60 + i, 90, 3), i * 20, np.uint8)).save(src)
        srcs.append(src)
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 30)
    cache = ThumbnailCache(tmp_path / "cache")
    jobs = (srcs + [bad]) * 6

    def work(path):
        try:
            return cache.get(path, 32).size
        except ImageReadError as exc:
            return exc.reason

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, jobs))
    expected = [make_thumbnail(p, 32).size for p in srcs]
    for k in range(6):
        chunk = results[k * 13:(k + 1) * 13]
        assert chunk[:12] == expected
        assert "truncated or corrupt image data" in chunk[12] or "not an image" in chunk[12]
    # each file decoded once: concurrent misses on the same key wait for each other
    assert sorted(counting) == sorted(srcs + [bad])
    assert len(_cache_files(tmp_path / "cache", "*.jpg")) == 12
    assert len(_cache_files(tmp_path / "cache", "*.err")) == 1
    assert _cache_files(tmp_path / "cache", ".tmp-*") == []


def test_clear(samples, tmp_path):
    cache = ThumbnailCache(tmp_path / "cache")
    cache.get(samples["bmp"], 16)
    cache.clear()
    assert _cache_files(tmp_path / "cache") == []
    shutil.rmtree(tmp_path / "cache")
