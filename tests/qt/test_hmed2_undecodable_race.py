"""Enter pressed before the viewer's read of a compressed DICOM no installed decoder reads
had failed marked it reviewed: the refusal asked only the viewer (/tmp/hunt-hmed2, the
viewer's read held back). The index now knows from the header that no decoder reads it
(status "error"), so Enter, R and Delete refuse it at once, whatever the viewer is doing;
the status bar counts it apart ("need a decoder") and the Errors filter lists it."""
from __future__ import annotations

import shutil

from pydicom.data import get_testdata_file
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core.imaging import dicom_decoders
from llmvis_desktop.core.project import Project


class _NoDecoder:
    available_plugins = ()
    is_available = False


def test_enter_before_the_viewer_read_fails_refuses(qtbot, window, tmp_path, monkeypatch, gated):
    monkeypatch.setattr(dicom_decoders, "_decoder", lambda ts: _NoDecoder())  # no plugin installed
    gate, names = gated
    names.add("ls.dcm")  # the viewer's read of it waits: still loading when the keys come
    folder = tmp_path / "study"
    folder.mkdir()
    shutil.copy(get_testdata_file("MR_small_jpeg_ls_lossless.dcm", download=False), folder / "ls.dcm")
    shutil.copy(get_testdata_file("MR_small.dcm", download=False), folder / "plain.dcm")
    win = window
    project = open_and_index(qtbot, win, folder)
    [bad] = [i for i in project.image_ids() if project.image(i).relpath == "ls.dcm"]
    win.grid.select_row(win.model.row_of(bad))
    # (the window caught up with the index: the record shown read after its header pass, which
    # the end of a first index reads again off the GUI thread, not the row drawn as listed)
    qtbot.waitUntil(lambda: win.review.current is not None and win.review.current.id == bad
                    and win.review.current.status == "error", timeout=5000)
    assert win.viewer.mode() != "error"  # the read has not failed yet
    win.grid.setFocus()
    for key in (Qt.Key.Key_Return, Qt.Key.Key_R, Qt.Key.Key_Delete):
        QTest.keyClick(win.grid, key)
        said = win.statusBar().currentMessage()
        assert said.startswith("Not marked: nobody can see it. ls.dcm could not be read (compressed DICOM"), said
        assert win.review.current.id == bad
    gate.set()
    with Project.open(folder) as p:
        assert p.image(bad).status == "error"
        assert p.image(bad).review_status == "new"  # never marked
    qtbot.waitUntil(lambda: "1 needs a decoder" in win.counts_label.text(), timeout=5000)
    assert "error" not in win.counts_label.text(), win.counts_label.text()  # not a damaged file
