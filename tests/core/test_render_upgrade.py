"""What an earlier version left behind after the way images are read or rendered changed:
its thumbnails on disk and the depth its index stored. A user who upgrades gets the new
rendering and the new depth without deleting anything."""
import hashlib
import os

import cv2
import numpy as np
from PIL import Image

from llmvis_desktop.core.imaging import thumbs
from llmvis_desktop.core.imaging.reader import read_display_image
from llmvis_desktop.core.imaging.thumbs import ThumbnailCache


def _dim_rgb16(path) -> None:
    """A 12-bit camera's 16-bit RGB PNG (values up to ~4,000 of 65,535)."""
    y, x = np.mgrid[0:48, 0:64]
    dim = np.dstack([x * 60, y * 80, np.full((48, 64), 2000)]).astype(np.uint16)
    assert cv2.imwrite(str(path), dim[..., ::-1])


def _key_before_versions(path, size: int, st: os.stat_result) -> str:
    """The cache key of the versions before the rendering was part of it."""
    text = (f"{os.path.abspath(os.fspath(path))}\0{int(size)}\0{st.st_mtime_ns}\0{st.st_size}"
            f"\0{st.st_ino}\0{st.st_ctime_ns}")
    return hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()


def test_a_thumbnail_cached_by_an_earlier_rendering_is_made_again(tmp_path):
    """A 16-bit colour PNG's thumbnail cached before its rendering was fixed (Pillow's
    8-bit decode: a near-black tile) was served for good, the key having nothing of the
    rendering: the grid kept the black tile while the viewer showed the image."""
    path = tmp_path / "dim.png"
    _dim_rgb16(path)
    cache = ThumbnailCache(tmp_path / "cache")
    st = os.stat(path)
    old = _key_before_versions(path, 32, st)
    entry = cache.cache_dir / old[:2] / old[2:4] / f"{old}.jpg"
    entry.parent.mkdir(parents=True)
    with Image.open(path) as im:  # what the earlier version stored: Pillow's high bytes
        black = im.convert("RGB")
        black.thumbnail((32, 32))
        black.save(entry, "JPEG", quality=85)
    assert np.asarray(black).mean() < 10
    got = np.asarray(cache.get(path, 32))
    expect = read_display_image(path)
    expect.thumbnail((32, 32))
    assert got.mean() > 60, got.mean()
    assert abs(got.astype(int) - np.asarray(expect).astype(int)).mean() < 3  # (a JPEG's rounding)


def test_a_new_rendering_version_is_a_new_cache_key(tmp_path, monkeypatch):
    """Bumping ``RENDER_VERSION`` (as a change of what a thumbnail looks like must) makes
    every thumbnail and remembered failure again; the same version hits."""
    path = tmp_path / "a.png"
    Image.new("RGB", (40, 20), (200, 0, 0)).save(path)
    cache = ThumbnailCache(tmp_path / "cache")
    first = cache.path_for(path, 16)
    assert cache.path_for(path, 16) == first
    monkeypatch.setattr(thumbs, "RENDER_VERSION", thumbs.RENDER_VERSION + 1)
    assert cache.path_for(path, 16) != first


def _gray_alpha16(path) -> None:
    import struct
    import zlib

    h, w = 40, 56
    gray = (np.mgrid[0:h, 0:w][1] * 70).astype(">u2")
    alpha = np.full((h, w), 65535, ">u2")
    raw = b"".join(b"\0" + np.dstack([gray[y], alpha[y]]).tobytes() for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 4, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _as_an_earlier_version_left_it(project) -> None:
    """The index as a version before 16-bit colour and gray+alpha PNGs were read at their
    depth left it: those rows 8-bit, no reader version among the project's settings."""
    import json

    from sqlalchemy import update

    from llmvis_desktop.core.store import models as m

    with project.store.write() as s:
        s.execute(update(m.Image).where(m.Image.format == "PNG").values(bit_depth=8))
        row = s.get(m.ProjectRow, 1)
        data = json.loads(row.settings_json or "{}")
        data.pop("header_reader_version", None)
        row.settings_json = json.dumps(data)


def _depths(project) -> dict:
    from sqlalchemy import select

    from llmvis_desktop.core.store import models as m

    with project.store.read() as s:
        return dict(s.execute(select(m.Image.relpath, m.Image.bit_depth)).all())


def test_an_index_made_by_an_earlier_reader_is_read_again(tmp_path):
    """A 16-bit colour or gray+alpha PNG indexed before such files were read at their
    depth kept 8-bit in the index for good (only a file's size or mtime changing reads its
    header again): the grid's tooltip said 8-bit and ``export --images-8bit`` copied the
    16-bit file as it is instead of writing its 8-bit rendering. The next index reads the
    PNGs' headers again, once."""
    from llmvis_desktop.core.project import Project

    folder = tmp_path / "scans"
    folder.mkdir()
    _dim_rgb16(folder / "colour.png")
    _gray_alpha16(folder / "xray.png")
    Image.new("RGB", (20, 10), (1, 2, 3)).save(folder / "plain.png")
    Image.new("RGB", (20, 10), (1, 2, 3)).save(folder / "photo.jpg")
    with Project.open(folder) as p:
        p.index()
        want = {"colour.png": 16, "xray.png": 16, "plain.png": 8, "photo.jpg": 8}
        assert _depths(p) == want
        _as_an_earlier_version_left_it(p)
        assert _depths(p)["colour.png"] == 8
        p.scan()
        assert p.read_headers() == 3  # the PNGs', not the JPEG's
        assert _depths(p) == want
        p.scan()
        assert p.read_headers() == 0  # once

