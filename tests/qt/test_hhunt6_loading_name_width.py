"""The viewer's "Loading NAME…" page wraps a long path: on one line its width was the
viewer's minimum, so stepping onto `Ärzte ü/série 2/JPEG2000-embedded-sequence-delimiter.dcm`
widened the viewer pane to 610 px and squeezed the Labels dock from 409 to 262 px (its
third chip behind a scroll bar), and the panes jumped again at each long name."""
from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index, settle

LONG = "PATIENT_0001_ANONYMISED/STUDY_20240101_CT_THORAX/SERIES_0003_AXIAL_LUNG_KERNEL/IM000001_slice.png"


def test_a_long_name_being_read_does_not_widen_the_viewer(qtbot, viewer):
    viewer.show_loading("a.png")
    settle(qtbot)  # (the layout's minimum is worked out again on the event loop)
    short = viewer.minimumSizeHint().width()
    viewer.show_loading(LONG)
    settle(qtbot)
    assert viewer.is_loading()
    assert viewer.minimumSizeHint().width() <= max(short, 260), viewer.minimumSizeHint()
    assert "IM000001_slice.png" in viewer._placeholder.text().replace("\u200b", "")


def test_the_panes_stay_put_while_stepping_onto_long_names(qtbot, window, tmp_path):
    folder = tmp_path / "study"
    for i, rel in enumerate(("a/IM0001.png", LONG, "b/IM0002.png")):
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((30, 40, 3), 60 * i, np.uint8)).save(path)
    win = window
    open_and_index(qtbot, win, folder)
    settle(qtbot, 10, 50)
    labels = win.panels["labels"].parentWidget()
    before = (win.splitter.sizes(), labels.width())
    win.grid.setFocus()
    for key in (Qt.Key.Key_Right, Qt.Key.Key_Right, Qt.Key.Key_Left, Qt.Key.Key_Left):
        win.viewer.show_loading(win.review.current.relpath)  # the page as a slow read shows it
        settle(qtbot)
        QTest.keyClick(win.grid, key)
        settle(qtbot, 6, 50)
        assert (win.splitter.sizes(), labels.width()) == before, win.review.current.relpath
