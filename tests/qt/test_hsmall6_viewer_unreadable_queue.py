"""An image whose header reads but whose pixels the viewer cannot read (a PNG whose
compressed pixels are garbled, header and end marker intact; pydicom's ``badVR.dcm``, a DICOM whose pixel data cannot be decoded)
was indexed "new": N landed on it and Enter refused it, so it stayed in the unreviewed
queue for good. The viewer's read error of the file itself is now recorded as an index
error is: an error tile, N passes it, the counts say it, the status bar says why. A
transient failure (permission denied, the pixel limit) is not recorded."""
from __future__ import annotations

import io
import shutil

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from llmvis_desktop.core.imaging.errors import PERMISSION_DENIED, ImageReadError
from llmvis_desktop.core.project import Project
from llmvis_desktop.qt.unreadable_mark import read_or_record
from qthelpers import open_and_index


@pytest.fixture
def damaged_folder(image_folder):
    from pydicom.data import get_testdata_file

    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (150, 200, 3), dtype=np.uint8)).save(buf, "PNG")
    data = bytearray(buf.getvalue())
    at = data.find(b"IDAT") + 14
    data[at:at + 390] = bytes(390)  # its compressed pixels garbled; the header and end marker intact
    (image_folder / "a" / "img_000a_cut.png").write_bytes(bytes(data))
    shutil.copyfile(get_testdata_file("badVR.dcm", download=False), image_folder / "a" / "img_000b_bad.dcm")
    return image_folder


def _select(qtbot, win, image_id) -> None:
    win.grid.select_row(win.model.row_of(image_id))
    qtbot.waitUntil(lambda: win.review.current is not None and win.review.current.id == image_id, timeout=5000)


def test_an_image_the_viewer_cannot_read_leaves_the_queue(qtbot, window, damaged_folder):
    win = window
    project = open_and_index(qtbot, win, damaged_folder)
    ids = {project.image(i).relpath: i for i in project.image_ids()}
    cut, bad, first = ids["a/img_000a_cut.png"], ids["a/img_000b_bad.dcm"], ids["a/img_000.png"]
    rows = [win.model.row_of(i) for i in (first, cut, bad)]
    assert rows == sorted(rows) and rows[2] - rows[0] == 2  # listed one after the other
    after = win.model.ids[rows[2] + 1]
    assert project.image(cut).status == project.image(bad).status == "new"  # their headers read
    lines = []
    win.statusBar().messageChanged.connect(lambda m: m and lines.append(m))
    for image_id, name in ((cut, "a/img_000a_cut.png"), (bad, "a/img_000b_bad.dcm")):
        _select(qtbot, win, image_id)
        qtbot.waitUntil(lambda: win.model.record(image_id).status == "error", timeout=20000)
        rec = project.image(image_id)
        assert (rec.status, rec.review_status) == ("error", "new") and rec.error
        assert any(m.startswith(f"{name} cannot be shown \u2014 ") and "counted as an error: N passes it" in m for m in lines), lines
        qtbot.waitUntil(lambda: win.review.current.status == "error", timeout=5000)
    _select(qtbot, win, first)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_N)  # the next unreviewed: past both
    qtbot.waitUntil(lambda: win.review.current.id == after, timeout=5000)
    assert project.counts_by_status().get("error") == 2
    qtbot.waitUntil(lambda: "2 error" in win.counts_label.text(), timeout=5000)


def test_a_transient_failure_is_not_recorded(damaged_folder):
    with Project.open(damaged_folder) as p:
        p.scan()
        [cut] = [i for i in p.image_ids() if p.image(i).relpath == "a/img_000a_cut.png"]

        def refused(*_a):
            raise ImageReadError("x", PERMISSION_DENIED)

        def damaged(*_a):
            raise ImageReadError("x", "truncated or corrupt image data (the file was cut short)")

        with pytest.raises(ImageReadError) as info:
            read_or_record(refused, p, cut)
        assert not info.value.recorded and p.image(cut).status == "new"
        with pytest.raises(ImageReadError):
            read_or_record(damaged, None, cut)  # (a frame or window of an image: not the file's verdict)
        assert p.image(cut).status == "new"
        with pytest.raises(ImageReadError) as info:
            read_or_record(damaged, p, cut)
        assert info.value.recorded and p.image(cut).status == "error"
        with pytest.raises(ImageReadError) as info:
            read_or_record(damaged, p, cut)
        assert not info.value.recorded  # already counted


def test_the_file_replaced_is_read_again(damaged_folder):
    with Project.open(damaged_folder) as p:
        p.scan()
        [cut] = [i for i in p.image_ids() if p.image(i).relpath == "a/img_000a_cut.png"]
        assert p.record_unreadable(cut, "truncated")
        Image.new("RGB", (20, 15), "gray").save(damaged_folder / "a" / "img_000a_cut.png")
        import os
        os.utime(damaged_folder / "a" / "img_000a_cut.png", ns=(1, 10**18))
        p.index()
        rec = p.image(cut)
        assert (rec.status, rec.error) == ("new", None)
