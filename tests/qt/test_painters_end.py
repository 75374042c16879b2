"""Every paintEvent of the window's own widgets ends its painter before it returns.

A painter left to be ended when its Python wrapper is collected stays active for as long
as anything holds the paintEvent's frame: a stack sampler (the benchmarks' stall sampler
took ``sys._current_frames()`` and kept the frame until its next sample), a profiler or
debugger, or the traceback of an exception raised in the paintEvent (PySide prints it and
``sys.last_traceback`` keeps it). Qt then warned "QBackingStore::endPaint() called with
active painter", "QPainter::begin: A paint device can only be painted by one painter at a
time" and "Painter not active" on every later paint of the widget (0-42 times a run of
bench_gui_open.py), and a device destroyed under its painter crashed the process.
"""
from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import qInstallMessageHandler  # noqa: E402
from PySide6.QtGui import QPainter, QStandardItemModel  # noqa: E402

PAINTER_WARNINGS = ("one painter at a time", "called with active painter", "Painter not active",
                    "being painted", "Unbalanced save/restore")


def _chip():
    from llmvis_desktop.qt.widgets.label_chip import LabelChip, chip_style

    w = LabelChip()
    w.setStyleSheet(chip_style("#e6194b"))
    w.setCheckable(True)
    w.set_parts("1 \u00b7 ", "a rather long label name", " (12)")
    w.resize(90, 30)  # narrower than its text: the name is elided
    return w


def _elided():
    from llmvis_desktop.qt.widgets.elided_label import ElidedLabel

    w = ElidedLabel("a status line much longer than the label is wide")
    w.resize(80, 20)
    return w


def _parts():
    from llmvis_desktop.qt.widgets.elided_label import PartsLabel

    w = PartsLabel()
    w.set_parts([("640 \u00d7 480", 100), ("PNG", 50), ("zoom 85%", 10)])
    w.resize(120, 20)
    return w


def _preset():
    from llmvis_desktop.qt.widgets.viewer_bars import PresetCombo

    w = PresetCombo()
    w.addItems(["soft tissue (W 400 L 40)", "bone"])
    return w


def _status():
    from llmvis_desktop.qt.widgets.status_bar import StatusBar

    w = StatusBar()
    w.showMessage("indexing 30 of 30 images in a folder with a long name")
    w.resize(200, 24)
    return w


def _plot(kind):
    def make():
        from llmvis_desktop.qt.dialogs import evaluation_plots as ep

        return getattr(ep, kind)([])
    return make


def _before_after():
    from llmvis_desktop.qt.dialogs.repair_dialog import BeforeAfterView

    w = BeforeAfterView()
    w.resize(120, 90)
    return w


def _mask():
    from llmvis_desktop.qt.widgets.mask_editor import MaskCanvas

    w = MaskCanvas(np.zeros((40, 50, 3), np.uint8))
    w.resize(120, 90)
    return w


def _grid():
    from llmvis_desktop.qt.widgets.grid_view import GridView

    w = GridView()
    w.setModel(QStandardItemModel(w))
    w.set_empty_text("no images in this folder")
    w.resize(200, 150)
    return w


WIDGETS = {"LabelChip": _chip, "ElidedLabel": _elided, "PartsLabel": _parts, "PresetCombo": _preset,
           "StatusBar": _status, "LabelBars": _plot("LabelBars"), "TimeLine": _plot("TimeLine"),
           "Reliability": _plot("Reliability"), "BeforeAfterView": _before_after, "MaskCanvas": _mask,
           "GridView": _grid}


class _KeptFrames:
    """Holds the frame of every llmvis paintEvent that returns, as a stack sampler that
    caught the GUI thread there does."""

    def __init__(self) -> None:
        self.frames: list = []

    def __call__(self, frame, event, _arg) -> None:
        if (event == "return" and frame.f_code.co_name == "paintEvent"
                and "llmvis_desktop" in frame.f_code.co_filename):
            self.frames.append(frame)

    def active_painters(self) -> list[str]:
        return [f"{f.f_code.co_filename.rsplit('/', 1)[-1]}:{f.f_lineno} {name}"
                for f in self.frames for name, v in f.f_locals.items()
                if isinstance(v, QPainter) and v.isActive()]


@pytest.fixture
def qt_messages():
    seen: list[str] = []
    previous = qInstallMessageHandler(lambda _mode, _ctx, msg: seen.append(msg))
    yield seen
    qInstallMessageHandler(previous)


@pytest.mark.parametrize("name", sorted(WIDGETS))
def test_a_kept_paint_frame_leaves_no_painter_active(name, qtbot, qt_messages):
    w = WIDGETS[name]()
    qtbot.addWidget(w)
    with qtbot.waitExposed(w):
        w.show()
    kept = _KeptFrames()
    sys.setprofile(kept)
    try:
        for _ in range(3):
            w.repaint()
        shot = w.grab()  # (kept until the kept painters have gone: one may paint on it)
    finally:
        sys.setprofile(None)
    assert kept.frames, "the widget's own paintEvent did not run"
    active = kept.active_painters()
    warnings = [m for m in qt_messages if any(k in m for k in PAINTER_WARNINGS)]
    kept.frames.clear()  # (the painters go, and end, before their devices)
    del shot
    assert active == []
    assert warnings == []


@pytest.mark.parametrize("name", ["LabelChip", "ElidedLabel", "PartsLabel", "PresetCombo", "StatusBar"])
def test_a_paint_event_that_raises_ends_its_painter(name, qtbot, qt_messages, monkeypatch):
    w = WIDGETS[name]()
    qtbot.addWidget(w)
    with qtbot.waitExposed(w):
        w.show()

    def boom(self):
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(type(w), "shown_message" if name == "StatusBar" else "shown_text", boom)
    kept = _KeptFrames()
    sys.setprofile(kept)
    try:
        with pytest.raises(RuntimeError, match="drawing failed") as failed:
            w.repaint()  # (PySide6 hands the paintEvent's error to the caller, its frames with it)
    finally:
        sys.setprofile(None)
    assert kept.frames
    active = kept.active_painters()
    warnings = [m for m in qt_messages if any(k in m for k in PAINTER_WARNINGS)]
    kept.frames.clear()
    del failed
    assert active == []
    assert warnings == []
