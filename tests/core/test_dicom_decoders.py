"""DICOM files that need something besides the bytes: a transfer syntax the file does not
name (no file meta), a decoder plugin that is missing or cannot read this kind."""
from __future__ import annotations

import importlib.util

import numpy as np
import pydicom
import pytest
from PIL import Image

from llmvis_desktop.core.imaging import ImageReadError, ThumbnailCache, make_thumbnail, read_header, read_image
from llmvis_desktop.core.imaging import dicom_decoders, thumbs
from llmvis_desktop.core.imaging.errors import NEEDS_DECODER, is_transient
from llmvis_desktop.core.project import Project

try:
    from . import imagegen
except ImportError:  # tests/core is not a package: pytest put it on sys.path
    import imagegen


class _Decoder:
    """What pydicom's get_decoder says about the plugins installed."""

    def __init__(self, *plugins: str) -> None:
        self.available_plugins = plugins
        self.is_available = bool(plugins)


@pytest.fixture
def plugins(monkeypatch):
    """``plugins("pillow")``: pretend only these decoder plugins are installed."""
    def use(*names: str) -> None:
        monkeypatch.setattr(dicom_decoders, "_decoder", lambda ts: _Decoder(*names))
    return use


# ------------------------------------------------------------------ no file meta


@pytest.mark.parametrize("implicit", [True, False])
def test_a_dicom_without_preamble_or_file_meta_reads_like_its_source(tmp_path, implicit):
    """ACR-NEMA style (no 128-byte preamble, no DICM, no file meta): indexed fine, but
    every view and thumbnail failed as "truncated or corrupt" (no transfer syntax)."""
    source = imagegen.bundled_dicom("CT_small.dcm")
    ds = pydicom.dcmread(source)
    del ds.file_meta
    ds.preamble = None
    path = tmp_path / "ct_nometa.dcm"
    pydicom.dcmwrite(path, ds, implicit_vr=implicit, little_endian=True, enforce_file_format=False)
    assert path.read_bytes()[:4] == b"\x08\x00\x05\x00"  # starts with a data element
    assert read_header(path).width == 128
    got, want = read_image(path), read_image(source)
    assert np.array_equal(got.pixels, want.pixels) and np.array_equal(got.display, want.display)
    assert make_thumbnail(path, 64).size == (64, 64)


# ------------------------------------------------------------------ missing decoder


def test_a_missing_decoder_still_indexes_the_size_and_only_the_pixels_need_it(tmp_path, plugins):
    """The header step raised the missing-decoder error, so the file stayed "error" with
    no size and its header pending at every index, although Rows/Columns read fine
    without the pixels: exports called it damaged and COCO left it out for no size."""
    path = imagegen.copy_dicom(tmp_path, "MR_small_jpeg_ls_lossless.dcm", "ls.dcm")
    plugins()  # none installed for JPEG-LS
    meta = read_header(path)
    assert (meta.width, meta.height, meta.format, meta.bit_depth, meta.frames, meta.modality) == (
        64, 64, "DICOM", 16, 1, "MR")
    with Project.open(tmp_path) as p:
        p.index()
        row = p.images(p.image_ids())[0]
        # "error", counted apart as needing a decoder (test_hmed2_needs_decoder), its size read
        assert (row.status, row.width, row.height) == ("error", 64, 64)
        assert row.error.startswith(NEEDS_DECODER)
        info = p.info()
        assert info["headers_pending"] - info["headers_retry"] == 0
    with pytest.raises(ImageReadError) as view:  # the pixels still need the plugin
        read_image(path)
    reason = view.value.reason
    assert reason.startswith(NEEDS_DECODER) and "needs a decoder plugin" in reason
    assert "JPEG-LS" in reason and "pip install pylibjpeg pylibjpeg-libjpeg" in reason
    assert is_transient(reason)


def test_a_row_an_older_version_left_pending_for_a_decoder_gets_its_size(tmp_path, plugins):
    """A row left "error" with the header pending (the retryable missing-decoder verdict)
    is read at the next index, decoder or not: its size is stored (still "error" while no
    decoder reads it, counted apart as needing one)."""
    import sqlite3

    imagegen.copy_dicom(tmp_path, "JPEG-lossy.dcm", "lossy.dcm")  # 12-bit JPEG
    plugins("pillow")
    with Project.open(tmp_path) as p:
        p.index()
    con = sqlite3.connect(tmp_path / ".llmvis" / "project.sqlite")
    with con:
        con.execute("UPDATE images SET status='error', header_done=0, width=NULL, height=NULL, "
                    "error='compressed DICOM (transfer syntax JPEG Extended (Process 2 and 4)) needs a "
                    "decoder plugin: 12-bit JPEG; pip install pylibjpeg pylibjpeg-libjpeg'")
    con.close()
    with Project.open(tmp_path) as p:
        assert p.info()["headers_pending"] == 1
        p.index()
        row = p.images(p.image_ids())[0]
        assert (row.status, row.width, row.height) == ("error", 256, 1024)  # still no decoder: its size read
        assert row.error.startswith(NEEDS_DECODER) and "12-bit JPEG" in row.error
        info = p.info()
        assert info["headers_pending"] - info["headers_retry"] == 0


def test_an_export_copies_a_dicom_no_decoder_can_read(tmp_path, plugins):
    """jsonl/yolo said "could not be read when indexed (damaged); not exported" and COCO
    "image size unknown": de-identifying and copying the file needs no pixel decoding."""
    import json

    from llmvis_desktop.core.interchange import export_project

    folder = tmp_path / "imgs"
    folder.mkdir()
    imagegen.copy_dicom(folder, "MR_small_jpeg_ls_lossless.dcm", "ls.dcm")
    plugins()
    with Project.open(folder) as p:
        p.index()
        report = export_project(p, "jsonl", tmp_path / "out")
        coco = export_project(p, "coco", tmp_path / "coco.json")
    assert not any("damaged" in w for w in report.warnings), report.warnings
    written = list((tmp_path / "out").rglob("*.dcm"))
    assert len(written) == 1
    ds = pydicom.dcmread(written[0], stop_before_pixels=True)
    assert (ds.Rows, ds.Columns) == (64, 64)
    assert not any("size unknown" in w for w in coco.warnings), coco.warnings
    images = json.loads((tmp_path / "coco.json").read_text())["images"]
    assert [(i["width"], i["height"]) for i in images] == [(64, 64)]


def test_a_database_from_before_reads_its_missing_decoder_errors_again(tmp_path, plugins):
    """Migration 0006: "needs pylibjpeg/openjpeg plugins" rows an older version left as
    final get their header pending again."""
    import sqlite3

    imagegen.copy_dicom(tmp_path, "MR_small_jpeg_ls_lossless.dcm", "ls.dcm")
    plugins("pylibjpeg")
    with Project.open(tmp_path) as p:
        p.index()
    con = sqlite3.connect(tmp_path / ".llmvis" / "project.sqlite")
    with con:
        con.execute("UPDATE images SET status='error', header_done=1, width=NULL, error='compressed DICOM "
                    "(transfer syntax JPEG-LS Lossless Image Compression) needs pylibjpeg/openjpeg plugins "
                    "(pip install pylibjpeg pylibjpeg-libjpeg pylibjpeg-openjpeg)'")
        con.execute("UPDATE alembic_version SET version_num='0005'")
        con.execute("DROP TABLE suggest_runs")  # made by 0009, after 0005: a database from then has none
    con.close()
    with Project.open(tmp_path) as p:
        assert p.info()["headers_pending"] == 1
        p.index()
        row = p.images(p.image_ids())[0]
        assert (row.status, row.width) == ("new", 64)


def test_a_missing_decoder_is_not_remembered_by_the_thumbnail_cache(tmp_path, plugins, monkeypatch):
    """The cache stored a ``.err`` for it and replayed it until the file's mtime changed."""
    path = imagegen.copy_dicom(tmp_path, "MR_small_jpeg_ls_lossless.dcm", "ls.dcm")
    cache = ThumbnailCache(tmp_path / "cache")
    plugins()
    with pytest.raises(ImageReadError, match="needs a decoder plugin"):
        cache.get(path, 32)
    assert not list((tmp_path / "cache").rglob("*.err"))
    decoded = make_thumbnail(imagegen.bundled_dicom("MR_small.dcm"), 32)
    monkeypatch.setattr(thumbs, "make_thumbnail", lambda *a, **k: decoded)  # the plugin installed
    assert cache.get(path, 32).size == decoded.size
    # and one an older version stored is not replayed either
    err = cache.path_for(path, 48, path.stat()).with_suffix(".err")
    err.parent.mkdir(parents=True, exist_ok=True)
    err.write_bytes(b"compressed DICOM (transfer syntax JPEG-LS Lossless Image Compression) needs "
                    b"pylibjpeg/openjpeg plugins (pip install pylibjpeg pylibjpeg-libjpeg pylibjpeg-openjpeg)")
    assert cache.get(path, 48).size == decoded.size


def test_a_damaged_file_is_still_remembered_by_the_thumbnail_cache(tmp_path):
    path = imagegen.copy_dicom(tmp_path, "MR_truncated.dcm", "cut.dcm")
    cache = ThumbnailCache(tmp_path / "cache")
    with pytest.raises(ImageReadError):
        cache.get(path, 32)
    assert len(list((tmp_path / "cache").rglob("*.err"))) == 1


# ------------------------------------------------------------------ the decoder's own reason


def test_a_12_bit_jpeg_pillow_cannot_decode_says_so_in_the_viewer(tmp_path, plugins):
    """Every view said "needs pylibjpeg/openjpeg plugins", hiding the reason (Pillow
    decodes 8-bit JPEG only); the index reads its size from the tags all the same."""
    path = imagegen.copy_dicom(tmp_path, "JPGExtended.dcm", "ext.dcm")
    plugins("pillow")
    assert read_header(path).width == 256  # the size needs no decoder: indexed with it
    with pytest.raises(ImageReadError) as view:
        read_image(path)
    assert str(view.value).startswith(f"{path}: ")  # names the file
    reason = view.value.reason
    assert "12-bit JPEG" in reason and "Pillow" in reason and "pip install pylibjpeg pylibjpeg-libjpeg" in reason
    assert is_transient(reason)
    plugins("pillow", "pylibjpeg")  # a decoder that can: nothing said before decoding
    assert read_header(path).width == 256


def test_a_decode_failure_gives_each_decoders_own_words():
    ts = pydicom.uid.JPEG2000Lossless
    exc = RuntimeError("Unable to decode as exceptions were raised by all available plugins:\n"
                       "  pillow: broken data stream when reading image file")
    old = dicom_decoders._decoder
    try:
        dicom_decoders._decoder = lambda t: _Decoder("pillow")
        reason = dicom_decoders.decode_failure(ts, exc)
        assert reason.startswith(NEEDS_DECODER) and is_transient(reason)
        assert "Pillow could not decode it (broken data stream when reading image file)" in reason
        assert reason.endswith("pip install pylibjpeg pylibjpeg-openjpeg")
        dicom_decoders._decoder = lambda t: _Decoder("pillow", "pylibjpeg")  # all there, all failed
        reason = dicom_decoders.decode_failure(ts, exc)
        assert not is_transient(reason) and "broken data stream" in reason
    finally:
        dicom_decoders._decoder = old


@pytest.mark.skipif(importlib.util.find_spec("pylibjpeg") is not None, reason="a JPEG 2000 plugin is installed")
@pytest.mark.parametrize("name", ["GDCMJ2K_TextGBR.dcm", "JPEG2000-embedded-sequence-delimiter.dcm"])
def test_a_jpeg_2000_pillow_fails_on_names_pillows_reason(tmp_path, name):
    path = imagegen.copy_dicom(tmp_path, name)
    with pytest.raises(ImageReadError) as view:
        read_image(path)
    reason = view.value.reason
    assert "Pillow could not decode it (" in reason and "pylibjpeg-openjpeg" in reason
    assert "needs pylibjpeg/openjpeg plugins" not in reason


def test_a_compressed_file_a_decoder_reads_still_shows(tmp_path):
    path = imagegen.copy_dicom(tmp_path, "SC_rgb_jpeg_dcmtk.dcm", "rgb.dcm")  # 8-bit JPEG: Pillow
    assert read_image(path).display.ndim == 3
    assert isinstance(make_thumbnail(path, 32), Image.Image)


def test_a_packaged_build_does_not_tell_the_reviewer_to_run_pip(tmp_path, plugins, monkeypatch):
    """A frozen build has no Python or pip: the reason said 'pip install pylibjpeg ...',
    advice the reviewer could not follow; it now says the build lacks the decoder and what
    to do instead (the pip command kept, for an install made with pip)."""
    import sys

    path = imagegen.copy_dicom(tmp_path, "JPGExtended.dcm", "ext.dcm")
    plugins("pillow")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    with pytest.raises(ImageReadError) as view:
        read_image(path)
    reason = view.value.reason
    assert "this packaged build has no such decoder" in reason and "uncompressed DICOM" in reason
    assert "installed with pip and then pip install pylibjpeg pylibjpeg-libjpeg" in reason
    assert is_transient(reason)
