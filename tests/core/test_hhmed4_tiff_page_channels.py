"""A multi-page TIFF (a z-stack, a time series) whose pages are gray with unspecified extra
samples (two fluorescence channels a page) showed each page's second channel as alpha:
its first channel composited over white, nearly blank, in the viewer and its tile. Only a
single-page file was read by channel (hhmed3). Now every page's channels are frames: page
1's channels, then page 2's; a page of another layout says so."""
from __future__ import annotations

import numpy as np
import pytest
import tifffile

from llmvis_desktop.core.imaging import ImageReadError, make_thumbnail, read_header, read_image
from llmvis_desktop.core.imaging.display import auto_window, to_display


def _stack(pages: int, channels: int, h=50, w=70) -> np.ndarray:
    """(pages, h, w, channels) of low 16-bit values, each (page, channel) with a bright
    square of its own place."""
    rng = np.random.default_rng(3)
    arr = (rng.random((pages, h, w, channels)) * 3000).astype(np.uint16)
    for p in range(pages):
        for c in range(channels):
            arr[p, 5 + 8 * c:12 + 8 * c, 5 + 12 * p:15 + 12 * p, c] = 60000
    return arr


@pytest.mark.parametrize("channels, planar", [(2, "contig"), (3, "separate")])
def test_each_channel_of_each_page_is_a_frame(tmp_path, channels, planar):
    arr = _stack(3, channels)
    path = tmp_path / "zstack.tif"
    with tifffile.TiffWriter(path) as tw:
        for page in arr:
            tw.write(np.moveaxis(page, -1, 0) if planar == "separate" else page,
                     photometric="minisblack", planarconfig=planar)
    meta = read_header(path)
    assert (meta.frames, meta.channels, meta.bit_depth) == (3 * channels, 1, 16), meta
    for p in range(3):
        for c in range(channels):
            got = read_image(path, frame=p * channels + c)
            np.testing.assert_array_equal(got.pixels, arr[p, :, :, c])
            want = to_display(arr[p, :, :, c], auto_window(arr[p, :, :, c]))
            np.testing.assert_array_equal(got.display, want)
            assert got.display.mean() < 128  # (alpha-composited: nearly white)
    with pytest.raises(ImageReadError, match="out of range"):
        read_image(path, frame=3 * channels)


def test_the_thumbnail_is_the_first_pages_first_channel(tmp_path):
    arr = _stack(2, 2)
    path = tmp_path / "two.tif"
    with tifffile.TiffWriter(path) as tw:
        for page in arr:
            tw.write(page, photometric="minisblack", planarconfig="contig")
    assert np.asarray(make_thumbnail(path, 64)).mean() < 128


def test_a_page_of_another_layout_says_so(tmp_path):
    arr = _stack(2, 2)
    path = tmp_path / "mixed.tif"
    with tifffile.TiffWriter(path) as tw:
        tw.write(arr[0], photometric="minisblack", planarconfig="contig")
        tw.write(arr[1, :, :, 0], photometric="minisblack")  # one sample only
    assert read_header(path).frames == 4
    np.testing.assert_array_equal(read_image(path, frame=1).pixels, arr[0, :, :, 1])
    with pytest.raises(ImageReadError, match="page 2 of 2 holds 1 sample a pixel, not the 2 channels"):
        read_image(path, frame=2)


def test_declared_alpha_pages_stay_alpha(tmp_path):
    arr = _stack(2, 2)
    arr[:, :, :, 1] = 65535
    path = tmp_path / "la.tif"
    with tifffile.TiffWriter(path) as tw:
        for page in arr:
            tw.write(page, photometric="minisblack", extrasamples=["unassalpha"])
    meta = read_header(path)
    assert (meta.frames, meta.channels) == (2, 2)


def test_a_project_indexed_before_reads_them_again(tmp_path):
    """The index of an earlier reader stored such a file as a frame a page: it is read again
    once (:data:`..indexer.READER_VERSION`), and its tile made again (RENDER_VERSION)."""
    import json

    from sqlalchemy import select, update

    from llmvis_desktop.core.imaging import thumbs
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.store import models as m

    folder = tmp_path / "imgs"
    folder.mkdir()
    with tifffile.TiffWriter(folder / "z.tif") as tw:
        for page in _stack(2, 2):
            tw.write(page, photometric="minisblack", planarconfig="contig")
    with Project.open(folder) as p:
        p.index()
        with p.store.write() as s:  # as the reader of version 6 left it
            s.execute(update(m.Image).values(frames=2).where(m.Image.relpath == "z.tif"))
            row = s.get(m.ProjectRow, 1)
            data = json.loads(row.settings_json or "{}")
            data["header_reader_version"] = 6
            row.settings_json = json.dumps(data)
        p.scan()
        p.read_headers()
        with p.store.read() as s:
            frames = s.scalar(select(m.Image.frames).where(m.Image.relpath == "z.tif"))
    assert frames == 4
    assert thumbs.RENDER_VERSION >= 7
