"""Enter on a compressed DICOM no installed decoder can read marked it reviewed: the index
reads its size from the tags (status "new", no error), while the viewer said "Cannot show
this image" (/tmp/hunt-hhuntmed: a JPEG-LS MR slice of a study, "Marked reviewed; no
suggestion was pending"). Nobody saw it: Enter, R and Delete now refuse it as they refuse an
image the index could not read, naming the file and the viewer's reason."""
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


def _select(qtbot, win, project, relpath):
    [image_id] = [i for i in project.image_ids() if project.image(i).relpath == relpath]
    win.grid.select_row(win.model.row_of(image_id))
    qtbot.waitUntil(lambda: win.review.current is not None and win.review.current.id == image_id, timeout=5000)
    return image_id


def test_review_keys_refuse_an_image_the_viewer_cannot_show(qtbot, window, tmp_path, monkeypatch):
    monkeypatch.setattr(dicom_decoders, "_decoder", lambda ts: _NoDecoder())  # no plugin installed
    folder = tmp_path / "study"
    folder.mkdir()
    shutil.copy(get_testdata_file("MR_small_jpeg_ls_lossless.dcm", download=False), folder / "ls.dcm")
    shutil.copy(get_testdata_file("MR_small.dcm", download=False), folder / "plain.dcm")
    win = window
    project = open_and_index(qtbot, win, folder)
    bad = _select(qtbot, win, project, "ls.dcm")
    # the index reads its tags and knows no decoder reads it: "error" (test_hmed2_undecodable_race)
    # (once the window caught up with it: the end of a first index reads the rows drawn as
    # listed again off the GUI thread, test_hmed2_undecodable_race)
    qtbot.waitUntil(lambda: win.review.current.status == "error", timeout=5000)
    qtbot.waitUntil(lambda: win.viewer.mode() == "error", timeout=10000)
    win.grid.setFocus()
    for key in (Qt.Key.Key_Return, Qt.Key.Key_R, Qt.Key.Key_Delete):
        QTest.keyClick(win.grid, key)
        said = win.statusBar().currentMessage()
        assert said.startswith("Not marked: nobody can see it. ls.dcm could not be read (compressed DICOM"), said
        assert win.review.current.id == bad  # it stays there: Right goes on
    with Project.open(folder) as p:
        assert p.image(bad).review_status == "new"  # never marked
    good = _select(qtbot, win, project, "plain.dcm")  # an image shown is marked as before
    qtbot.waitUntil(lambda: win.viewer.mode() == "image", timeout=10000)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: project.image(good).status == "reviewed", timeout=5000)
