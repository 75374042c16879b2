"""An import ``--as reviewed`` left a compressed DICOM that only lacks a decoder plugin on
this machine unmarked, as if the file were damaged ("not marked reviewed or rejected
(unreadable or missing file)"): the other project's reviewer saw it (their machine had
the plugin) and the file is fine. Its decision is kept now, and the report says so
apart; a damaged file's or a missing file's decision is still left out."""
from __future__ import annotations

import shutil

from pydicom.data import get_testdata_file

from llmvis_desktop.core.imaging import dicom_decoders
from llmvis_desktop.core.interchange import import_file
from llmvis_desktop.core.project import Project


class _NoDecoder:
    available_plugins = ()
    is_available = False


def test_an_imported_decision_on_a_file_needing_a_decoder_is_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(dicom_decoders, "_decoder", lambda ts: _NoDecoder())  # no plugin here
    root = tmp_path / "study"
    (root / "p1").mkdir(parents=True)
    shutil.copy(get_testdata_file("MR_small_jpeg_ls_lossless.dcm", download=False), root / "p1" / "ls.dcm")
    shutil.copy(get_testdata_file("MR_small_jpeg_ls_lossless.dcm", download=False), root / "p1" / "ls2.dcm")
    (root / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    f = tmp_path / "in.csv"
    f.write_text("file_name,labels,caption,status\n"
                 "p1/ls.dcm,lesion,a lesion,reviewed\n"
                 "p1/ls2.dcm,,,rejected\n"
                 "corrupt.png,lesion,,reviewed\n")
    with Project.open(root) as p:
        p.index()
        assert p.image_by_path("p1/ls.dcm").status == "error"  # needs a decoder here
        report = import_file(p, "csv", f)
        ls, ls2, bad = (p.image_by_path(n) for n in ("p1/ls.dcm", "p1/ls2.dcm", "corrupt.png"))
        assert (ls.review_status, ls.labels, ls.caption) == ("reviewed", ("lesion",), "a lesion"), ls
        assert ls2.review_status == "rejected"
        assert bad.review_status == "new" and bad.labels == ("lesion",)  # damaged: as before
        assert report.not_marked == ["corrupt.png"]
        assert report.marked_needing_decoder == ["p1/ls.dcm", "p1/ls2.dcm"]
        text = report.summary()
        assert "1 not marked reviewed or rejected (unreadable or missing file: corrupt.png)" in text, text
        assert ("2 marked as the file says though no decoder installed here shows them (compressed DICOM: "
                "p1/ls.dcm, p1/ls2.dcm)") in text, text
