"""The Jobs panel's index line said "done: 4 new, 0 changed, 0 missing" of a study with a
damaged file and two compressed DICOMs no installed decoder reads (the status bar beside
it: "1 error · 2 need a decoder"): it says "1 unreadable, 2 need a decoder" too."""
from __future__ import annotations

import shutil

from pydicom.data import get_testdata_file

from llmvis_desktop.core.imaging import dicom_decoders
from llmvis_desktop.qt.project_texts import scan_summary
from qthelpers import open_and_index


class _NoDecoder:
    available_plugins = ()
    is_available = False


def test_the_jobs_line_of_an_index_says_the_split(qtbot, window, tmp_path, monkeypatch):
    monkeypatch.setattr(dicom_decoders, "_decoder", lambda ts: _NoDecoder())
    folder = tmp_path / "study"
    for p in ("p1", "p2"):
        (folder / p).mkdir(parents=True)
        shutil.copy(get_testdata_file("MR_small_jpeg_ls_lossless.dcm", download=False), folder / p / "ls.dcm")
    shutil.copy(get_testdata_file("MR_small.dcm", download=False), folder / "p1" / "plain.dcm")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnope")
    open_and_index(qtbot, window, folder)
    panel = window.panels["jobs"]
    qtbot.waitUntil(lambda: any("Index study" in r.done_label.text() for r in panel._done
                                if getattr(r, "done_label", None) is not None))
    line = next(r.done_label.toolTip() for r in panel._done if "Index study" in r.done_label.text())
    assert line == "done: 4 new, 0 changed, 0 missing, 1 unreadable, 2 need a decoder", line
    assert window.statusBar().currentMessage().endswith("1 unreadable, 2 need a decoder")


def test_scan_summary_words():
    from llmvis_desktop.core.indexer import ScanResult

    r = ScanResult(added=3)
    assert scan_summary(r) == "3 new, 0 changed, 0 missing"  # nothing unreadable: as before
    r.errors, r.needs_decoder = 1, 1
    assert scan_summary(r) == "3 new, 0 changed, 0 missing, 1 needs a decoder"
