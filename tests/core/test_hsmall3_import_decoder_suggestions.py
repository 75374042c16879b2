"""An import (``--as suggestions``, or a file's own predictions) stored no suggestion on a
compressed DICOM that only lacks a decoder plugin on this machine: it was counted with the
damaged and missing files ("not added: image unreadable or missing"), though the same
import keeps a decision made on it (``--as reviewed``). A suggestion is data about the
file, not its pixels: the other project's model saw the file, and once the plugin is
installed the cards are there to review. They are stored now; a damaged or missing
file's are still left out and named."""
from __future__ import annotations

import shutil

from pydicom.data import get_testdata_file

from llmvis_desktop.core.imaging import dicom_decoders
from llmvis_desktop.core.interchange import import_file
from llmvis_desktop.core.project import Project


class _NoDecoder:
    available_plugins = ()
    is_available = False


def test_suggestions_on_a_file_needing_a_decoder_are_stored(tmp_path, monkeypatch):
    monkeypatch.setattr(dicom_decoders, "_decoder", lambda ts: _NoDecoder())  # no plugin here
    root = tmp_path / "study"
    (root / "p1").mkdir(parents=True)
    shutil.copy(get_testdata_file("MR_small_jpeg_ls_lossless.dcm", download=False), root / "p1" / "ls.dcm")
    (root / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    f = tmp_path / "in.csv"
    f.write_text("file_name,labels,caption\n"
                 "p1/ls.dcm,lesion,a lesion\n"
                 "corrupt.png,lesion,a crack\n")
    with Project.open(root) as p:
        p.index()
        assert p.image_by_path("p1/ls.dcm").status == "error"  # needs a decoder here
        report = import_file(p, "csv", f, as_="suggestions")
        ls, bad = p.image_by_path("p1/ls.dcm"), p.image_by_path("corrupt.png")
        got = sorted((s.kind, s.value) for s in p.suggestions(ls.id))
        assert got == [("caption", "a lesion"), ("label", "lesion")], got
        assert p.suggestions(bad.id) == [] or list(p.suggestions(bad.id)) == []  # damaged: as before
        assert report.suggestions_added == 2
        assert report.not_suggested == ["corrupt.png"] and report.suggestions_unseen == 2, report.summary()
        assert p.image_by_path("p1/ls.dcm").status == "error"  # still said to need its decoder
        again = import_file(p, "csv", f, as_="suggestions")
        assert again.suggestions_added == 0, again.summary()
