"""A gray TIFF whose extra samples are unspecified data (fluorescence microscopy: DAPI and
FITC as two 16-bit samples of one page) shows each channel, at full depth, as a frame of
its own (``[`` and ``]``), as ImageJ shows channels.

Its second sample was taken for an alpha channel: the first was composited over white by
it (a 2-channel 16-bit image showed 242 of 255 on average, nearly blank), and a 4-channel
one was shown as RGBA, its fourth channel the transparency. Alpha that the file declares
(ExtraSamples 1 or 2) stays alpha."""
from __future__ import annotations

import numpy as np
import pytest
import tifffile

from llmvis_desktop.core.imaging import make_thumbnail, read_header, read_image
from llmvis_desktop.core.imaging.display import auto_window, to_display


def _channels(n: int, h=90, w=120) -> np.ndarray:
    """``n`` channels of low 16-bit values (a stain's signal is a few thousand), each with a
    bright square of its own."""
    rng = np.random.default_rng(7)
    arr = (rng.random((h, w, n)) * 3000).astype(np.uint16)
    for k in range(n):
        arr[10 + 15 * k:25 + 15 * k, 20:40, k] = 50000
    return arr


@pytest.mark.parametrize("n, planar", [(2, "contig"), (4, "contig"), (3, "separate")])
def test_each_unspecified_sample_is_a_channel_of_its_own(tmp_path, n, planar):
    arr = _channels(n)
    path = tmp_path / "stain.tif"
    data = np.moveaxis(arr, -1, 0) if planar == "separate" else arr
    tifffile.imwrite(path, data, photometric="minisblack", planarconfig=planar)
    meta = read_header(path)
    assert (meta.frames, meta.channels, meta.bit_depth) == (n, 1, 16), meta
    for k in range(n):
        got = read_image(path, frame=k)
        np.testing.assert_array_equal(got.pixels, arr[:, :, k])
        want = to_display(arr[:, :, k], auto_window(arr[:, :, k]))
        np.testing.assert_array_equal(got.display, want)
        assert got.display.mean() < 128  # (the alpha composite showed it nearly white)


def test_the_thumbnail_is_the_first_channel(tmp_path):
    arr = _channels(2)
    path = tmp_path / "two.tif"
    tifffile.imwrite(path, arr, photometric="minisblack", planarconfig="contig")
    thumb = np.asarray(make_thumbnail(path, 64))
    assert thumb.mean() < 128, thumb.mean()


def test_declared_alpha_stays_alpha(tmp_path):
    arr = _channels(2)
    arr[:, :, 1] = 65535
    arr[:, 60:, 1] = 0  # the right half transparent
    path = tmp_path / "la.tif"
    tifffile.imwrite(path, arr, photometric="minisblack", extrasamples=["unassalpha"])
    meta = read_header(path)
    assert (meta.frames, meta.channels) == (1, 2)
    got = read_image(path)
    assert got.pixels.shape == arr.shape
    assert (got.display[:, 60:] == 255).all() and (got.display[:, :60] < 255).any()


def test_a_project_indexed_before_reads_them_again(tmp_path):
    """The index of an earlier version stored the TIFF as 1 frame, and a compressed DICOM
    cut short as a good image: both are read again once, and the grid's thumbnails of
    such TIFFs are made again (:data:`.thumbs.RENDER_VERSION`)."""
    import json

    import pydicom.data
    from sqlalchemy import select, update

    from llmvis_desktop.core.imaging import thumbs
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.store import models as m

    folder = tmp_path / "imgs"
    folder.mkdir()
    tifffile.imwrite(folder / "stain.tif", _channels(2), photometric="minisblack", planarconfig="contig")
    whole = open(pydicom.data.get_testdata_file("MR_small_RLE.dcm", download=False), "rb").read()
    (folder / "cut.dcm").write_bytes(whole[:len(whole) * 2 // 3])
    with Project.open(folder) as p:
        p.index()
        with p.store.write() as s:  # as the reader before left them
            s.execute(update(m.Image).values(frames=1).where(m.Image.relpath == "stain.tif"))
            s.execute(update(m.Image).values(status=m.STATUS_NEW, error=None, format="DICOM", width=64, height=64,
                                             frames=1).where(m.Image.relpath == "cut.dcm"))
            row = s.get(m.ProjectRow, 1)
            data = json.loads(row.settings_json or "{}")
            data["header_reader_version"] = 5
            row.settings_json = json.dumps(data)
        p.scan()
        p.read_headers()
        with p.store.read() as s:
            got = {r.relpath: (r.frames, r.status) for r in s.scalars(select(m.Image))}
    assert got["stain.tif"][0] == 2, got
    assert got["cut.dcm"][1] == m.STATUS_ERROR, got
    assert thumbs.RENDER_VERSION >= 6  # the stains' tiles looked otherwise
