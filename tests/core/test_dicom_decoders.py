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


def test_a_missing_decoder_is_retried_by_the_next_index_once_installed(tmp_path, plugins):
    """Installing the plugin, as the message advised, never brought the image back: the
    error was the file's final verdict until the file itself changed."""
    imagegen.copy_dicom(tmp_path, "MR_small_jpeg_ls_lossless.dcm", "ls.dcm")
    plugins()  # none installed for JPEG-LS
    with Project.open(tmp_path) as p:
        p.index()
        row = p.images(p.image_ids())[0]
        assert row.status == "error" and row.error.startswith(NEEDS_DECODER)
        assert "JPEG-LS" in row.error and "pip install pylibjpeg pylibjpeg-libjpeg" in row.error
        assert is_transient(row.error)
        plugins("pylibjpeg")  # pip install pylibjpeg pylibjpeg-libjpeg
        p.index()
        row = p.images(p.image_ids())[0]
        assert (row.status, row.error, row.width, row.height) == ("new", None, 64, 64)


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


def test_a_12_bit_jpeg_pillow_cannot_decode_says_so_at_index_time_and_in_the_viewer(tmp_path, plugins):
    """Indexed as a good image; every view said "needs pylibjpeg/openjpeg plugins",
    hiding the reason (Pillow decodes 8-bit JPEG only)."""
    path = imagegen.copy_dicom(tmp_path, "JPGExtended.dcm", "ext.dcm")
    plugins("pillow")
    with pytest.raises(ImageReadError) as header:
        read_header(path)
    with pytest.raises(ImageReadError) as view:
        read_image(path)
    assert header.value.reason == view.value.reason  # the index and the viewer agree
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
