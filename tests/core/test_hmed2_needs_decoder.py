"""A compressed DICOM no installed decoder reads (JPEG-LS with only Pillow) was indexed
from its tags as "new": `llmvis info` said "new 16, error 3" of a study with 2 such slices,
never that they need a decoder plugin, and the review keys refused one only once the
viewer's read of it had failed (/tmp/hunt-hmed2). The index now knows it from the header
(nothing decoded): status "error" with the reason (size and frames still read from the
tags), counted apart as "need a decoder", and read again at the next index (a plugin
installed meanwhile reads it)."""
from __future__ import annotations

import shutil

from pydicom.data import get_testdata_file

from llmvis_desktop.core.imaging import dicom_decoders
from llmvis_desktop.core.project import Project


class _NoDecoder:
    available_plugins = ()
    is_available = False


class _Plugin:  # pylibjpeg installed (as far as the header check asks)
    available_plugins = ("pylibjpeg",)
    is_available = True


def _study(tmp_path):
    folder = tmp_path / "study"
    (folder / "p1").mkdir(parents=True)
    shutil.copy(get_testdata_file("MR_small_jpeg_ls_lossless.dcm", download=False), folder / "p1" / "ls.dcm")
    shutil.copy(get_testdata_file("MR_small.dcm", download=False), folder / "p1" / "plain.dcm")
    return folder


def test_index_counts_an_undecodable_dicom_apart(tmp_path, monkeypatch):
    monkeypatch.setattr(dicom_decoders, "_decoder", lambda ts: _NoDecoder())  # no plugin installed
    folder = _study(tmp_path)
    with Project.open(folder) as p:
        p.index()
        [ls] = [i for i in p.image_ids() if p.image(i).relpath == "p1/ls.dcm"]
        rec = p.image(ls)
        assert rec.status == "error"  # Enter refuses it whatever the viewer did yet
        assert rec.error.startswith("compressed DICOM (transfer syntax") and "decoder" in rec.error
        assert (rec.width, rec.height) == (64, 64)  # its tags were read
        info = p.info()
        assert info["by_status"]["new"] == 1
        assert info["needs_decoder"] == [{"path": "p1/ls.dcm", "error": rec.error}]
        assert p.count_needs_decoder() == 1
    monkeypatch.setattr(dicom_decoders, "_decoder", lambda ts: _Plugin())  # a decoder installed: the next index reads it
    with Project.open(folder) as p:
        p.index()
        assert p.image(ls).status == "new"
        assert p.info()["needs_decoder"] == []
