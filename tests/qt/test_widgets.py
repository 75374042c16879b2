"""Behaviour and screenshots of the standalone widgets and dialogs."""
from __future__ import annotations

from types import SimpleNamespace

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from llmvis_desktop.core.imaging.reader import ImageData, ImageMeta, auto_window, to_display  # noqa: E402

SHOTS = Path(__file__).resolve().parents[2] / "shots"


def shot(widget, name: str) -> QImage:
    """Save a PNG of ``widget`` under shots/ and check it is not one flat colour."""
    from PySide6.QtWidgets import QApplication

    SHOTS.mkdir(exist_ok=True)
    QApplication.processEvents()  # pending layout requests
    pix = widget.grab()
    path = SHOTS / f"{name}.png"
    assert pix.save(str(path))
    img = pix.toImage().convertToFormat(QImage.Format.Format_RGB32)
    w, h = img.width(), img.height()
    assert w > 10 and h > 10
    colours = {img.pixel(x, y) for x in range(0, w, max(1, w // 40)) for y in range(0, h, max(1, h // 40))}
    assert len(colours) > 3, f"{name}.png looks blank"
    return img


def make_data(pixels: np.ndarray, fmt: str = "PNG", bit_depth: int = 8, window=None, modality: str = "") -> ImageData:
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    if pixels.dtype == np.uint8 and window is None:
        display = pixels
    else:
        window = window or auto_window(pixels)
        display = to_display(pixels, window)
    meta = ImageMeta(width=pixels.shape[1], height=pixels.shape[0], format=fmt, bit_depth=bit_depth,
                     channels=channels, frames=1, mode="RGB" if channels == 3 else "I;16", modality=modality)
    return ImageData(pixels=pixels, display=display, meta=meta, window=window, frame=0)


def rgb8(h=120, w=200) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([(x * 255 // w), (y * 255 // h), np.full_like(x, 128)], axis=2).astype(np.uint8)


def gray16(h=200, w=300) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    return (x * 61420 // (w - 1)).astype(np.uint16) + (y % 2).astype(np.uint16)


# --- viewer ------------------------------------------------------------------------
def test_viewer_rgb8(viewer, qtbot):
    data = make_data(rgb8())
    viewer.show_image(data)
    assert viewer.mode() == "image"
    assert not viewer.window_enabled()
    assert viewer.window() is None
    disp = viewer.current_display()
    assert disp.shape == (120, 200, 3) and np.array_equal(disp, data.display)
    assert "200 \u00d7 120" in viewer.status_text() and "8-bit RGB" in viewer.status_text()
    assert not viewer.preset_combo.isVisible()
    shot(viewer, "viewer_rgb8")


def test_a_large_display_is_made_screen_ready_off_the_gui_thread(viewer, qtbot, monkeypatch):
    """The loader thread converts a large display to the pixmap's format; the GUI thread
    then only wraps it (a 12000x9000 photo stalled the window 0.2 s converting it)."""
    from llmvis_desktop.qt.widgets import viewer_display

    assert viewer_display.screen_image(rgb8()) is None  # small: converted in no time anyway
    monkeypatch.setattr(viewer_display, "SCREEN_READY_PIXELS", 1000)
    data = make_data(rgb8())
    ready = viewer_display.screen_image(data.display)
    assert ready is not None and ready.format() == ready.Format.Format_RGB32
    viewer.show_image(data, ready)
    img = viewer._item.pixmap().toImage()
    for x, y in ((0, 0), (199, 0), (57, 91), (199, 119)):
        c = img.pixelColor(x, y)
        assert (c.red(), c.green(), c.blue()) == tuple(int(v) for v in data.display[y, x])
    assert np.array_equal(viewer.current_display(), data.display)


def test_viewer_zoom_keys_and_unclaimed_keys(viewer, qtbot):
    viewer.show_image(make_data(rgb8()))
    fit_zoom = viewer.zoom()
    assert fit_zoom > 1.0  # small image fitted into 640x480
    QTest.keyClick(viewer._view, Qt.Key.Key_0)
    assert viewer.zoom() == pytest.approx(1.0)
    QTest.keyClick(viewer._view, Qt.Key.Key_Plus)
    assert viewer.zoom() == pytest.approx(1.25)
    QTest.keyClick(viewer._view, Qt.Key.Key_Minus)
    assert viewer.zoom() == pytest.approx(1.0)
    QTest.keyClick(viewer._view, Qt.Key.Key_F)
    assert viewer.zoom() == pytest.approx(fit_zoom)
    assert "100%" not in viewer.zoom_label.text()
    # review keys are not consumed by the viewer
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtCore import QEvent

    for key in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_J, Qt.Key.Key_K, Qt.Key.Key_Return, Qt.Key.Key_1):
        ev = QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier)
        viewer._view.keyPressEvent(ev)
        assert not ev.isAccepted(), key


def test_viewer_16bit_not_clipped(viewer, qtbot):
    px = gray16()
    assert px.max() >= 61420
    data = make_data(px, fmt="TIFF", bit_depth=16)
    with qtbot.waitSignal(viewer.windowChanged, timeout=10000):
        viewer.show_image(data)
    assert viewer.window_enabled()
    disp = viewer.current_display()
    assert disp.dtype == np.uint8 and disp.shape == px.shape
    # the full 0..61420 ramp maps onto the 0..255 range, not clipped at 255 after 1/256 of it
    assert disp[:, 0].max() < 10 and disp[:, -1].min() > 245
    assert len(np.unique(disp[0])) > 200
    assert "16-bit gray" in viewer.status_text() and "W " in viewer.status_text() and " L " in viewer.status_text()
    shot(viewer, "viewer_gray16")


def test_viewer_window_level_is_readable_in_a_narrow_viewer(viewer, qtbot):
    """At 1440 px the status line was cut at "... zoom 71% (fit) · W 4": the window/level
    is on a label of its own, first, shown whole however narrow the viewer is."""
    viewer.show_image(make_data(gray16(), fmt="TIFF", bit_depth=16))
    viewer.set_window(30000.0, 40000.0)
    viewer.resize(360, 300)
    qtbot.wait(20)
    wl = viewer.wl_status
    assert wl.isVisible() and wl.text() == "W 40000  L 30000"
    assert wl.width() >= wl.fontMetrics().horizontalAdvance(wl.text())
    assert wl.x() < viewer.status_label.x()  # before the size, format and zoom
    assert viewer.status_text().startswith("W 40000  L 30000")
    viewer.clear()
    assert not wl.isVisible() and viewer.status_text() == ""


def test_viewer_window_api_and_presets(viewer, qtbot):
    px = gray16()
    viewer.show_image(make_data(px, fmt="TIFF", bit_depth=16))
    before = viewer.current_display().copy()
    with qtbot.waitSignal(viewer.windowChanged, timeout=10000) as blocker:
        viewer.set_window(10000, 2000)
    assert blocker.args == [10000.0, 2000.0]
    after = viewer.current_display()
    assert np.array_equal(after, to_display(px, (10000, 2000)))
    assert not np.array_equal(before, after)
    assert viewer.preset_combo.currentText() == "Custom"
    items = [viewer.preset_combo.itemText(i) for i in range(viewer.preset_combo.count())]
    assert "Auto" in items and "Full range" in items
    assert not any(t.startswith("CT") for t in items)  # unsigned TIFF: no CT presets
    viewer.preset_combo.activated.emit(items.index("Full range"))
    c, w = viewer.window()
    assert c == pytest.approx((int(px.min()) + int(px.max())) / 2) and w == pytest.approx(int(px.max()) - int(px.min()))


def test_viewer_ct_presets(viewer, qtbot):
    y, x = np.mgrid[0:128, 0:128]
    hu = (x * 30 - 1500).astype(np.int16)
    viewer.show_image(make_data(hu, fmt="DICOM", bit_depth=16, window=(40.0, 400.0), modality="CT"))
    items = [viewer.preset_combo.itemText(i) for i in range(viewer.preset_combo.count())]
    lung = next(i for i, t in enumerate(items) if t.startswith("CT Lung"))
    viewer.preset_combo.setCurrentIndex(lung)
    with qtbot.waitSignal(viewer.windowChanged, timeout=10000) as blocker:
        viewer.preset_combo.activated.emit(lung)
    assert blocker.args == [-600.0, 1500.0]
    assert np.array_equal(viewer.current_display(), to_display(hu, (-600, 1500)))
    shot(viewer, "viewer_ct_lung")


def test_viewer_keeps_monochrome1_inverted_when_the_window_changes(viewer, qtbot):
    """A MONOCHROME1 image (low values white) lost its inversion at the first window
    change: bone and background swapped."""
    from dataclasses import replace

    y, x = np.mgrid[0:64, 0:64]
    px = (x * 40).astype(np.uint16)
    data = make_data(px, fmt="DICOM", bit_depth=16, window=(1200.0, 2400.0))
    data = replace(data, meta=replace(data.meta, mode="MONOCHROME1"),
                   display=to_display(px, (1200.0, 2400.0), invert=True))
    viewer.show_image(data)
    with qtbot.waitSignal(viewer.windowChanged, timeout=10000):
        viewer.set_window(1200, 2400)  # the same window, set again
    assert np.array_equal(viewer.current_display(), to_display(px, (1200, 2400), invert=True))
    assert viewer.current_display()[0, 0] > viewer.current_display()[0, -1]  # low values stay bright


@pytest.mark.parametrize("kind", ["min_is_white", "sigmoid"])
def test_viewer_keeps_inversion_and_curve_when_the_window_changes(viewer, qtbot, kind):
    """A MinIsWhite TIFF shows inverted and a DICOM whose VOI LUT Function is SIGMOID
    keeps its S-curve for every window the reviewer picks."""
    from dataclasses import replace

    y, x = np.mgrid[0:64, 0:64]
    px = (x * 40).astype(np.uint16)
    flags = {"min_is_white": dict(invert=True), "sigmoid": dict(sigmoid=True)}[kind]
    data = make_data(px, fmt="TIFF" if kind == "min_is_white" else "DICOM", bit_depth=16,
                     window=(1200.0, 2400.0))
    data = replace(data, meta=replace(data.meta, **{kind: True}),
                   display=to_display(px, (1200.0, 2400.0), **flags))
    viewer.show_image(data)
    with qtbot.waitSignal(viewer.windowChanged, timeout=10000):
        viewer.set_window(1000, 1000)
    assert np.array_equal(viewer.current_display(), to_display(px, (1000, 1000), **flags))
    assert not np.array_equal(viewer.current_display(), to_display(px, (1000, 1000)))


def test_viewer_right_drag_changes_window(viewer, qtbot):
    px = gray16()
    viewer.show_image(make_data(px, fmt="TIFF", bit_depth=16))
    start_window = viewer.window()
    before = viewer.current_display().copy()
    vp = viewer._view.viewport()
    centre = vp.rect().center()
    QTest.mousePress(vp, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, centre)
    # QTest.mouseMove carries no buttons; send real move events with the right button held
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    for step in range(1, 6):
        pos = QPointF(centre.x() - 12 * step, centre.y() - 8 * step)
        ev = QMouseEvent(QEvent.Type.MouseMove, pos, vp.mapToGlobal(pos), Qt.MouseButton.NoButton,
                         Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(vp, ev)
    QTest.mouseRelease(vp, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier,
                       QPoint(centre.x() - 60, centre.y() - 40))
    qtbot.waitUntil(lambda: viewer.window() != start_window, timeout=10000)
    c, w = viewer.window()
    assert w < start_window[1]  # dragged left: narrower window
    assert c > start_window[0]  # dragged up: higher level
    assert not np.array_equal(before, viewer.current_display())
    assert np.array_equal(viewer.current_display(), to_display(px, viewer.window()))


def test_a_window_drag_on_a_large_image_previews_then_settles_at_full_resolution(viewer, qtbot, monkeypatch):
    """Every step of a drag converted the whole image on the GUI thread (0.5 s a step at
    100 MP, 16-bit): steps now show a subsampled copy over the same area, and the full
    resolution follows when the drag pauses."""
    from llmvis_desktop.qt.widgets import viewer_window as viewer_mod

    monkeypatch.setattr(viewer_mod, "DRAG_PREVIEW_PIXELS", 1000)
    px = gray16()
    viewer.show_image(make_data(px, fmt="TIFF", bit_depth=16))
    full_rect = viewer._scene.sceneRect()
    viewer._drag_window(viewer.window(), -30, -20)
    qtbot.waitUntil(viewer.is_preview, timeout=10000)
    shown = viewer.current_display()
    step = viewer._preview_step
    assert step > 1 and shown.shape == px[::step, ::step].shape
    assert np.array_equal(shown, to_display(px[::step, ::step], viewer.window()))
    assert viewer._scene.sceneRect() == full_rect  # the copy covers the same area
    assert viewer._item.sceneBoundingRect().width() >= full_rect.width()
    qtbot.waitUntil(lambda: not viewer.is_preview(), timeout=2000)
    assert np.array_equal(viewer.current_display(), to_display(px, viewer.window()))
    assert viewer._item.scale() == 1 and viewer._scene.sceneRect() == full_rect


def test_viewer_error_panel_and_clear(viewer, qtbot):
    viewer.show_image(make_data(rgb8()))
    viewer.show_error("/data/line3/cam2/img_0042.tif", "truncated or corrupt image data")
    assert viewer.mode() == "error"
    assert "truncated or corrupt image data" in viewer.error_text()
    assert "img_0042.tif" in viewer.error_text()
    assert viewer.current_display() is None
    shot(viewer, "viewer_error")
    viewer.clear()
    assert viewer.mode() == "empty" and viewer.error_text() == ""


def test_viewer_pan_and_wheel(viewer, qtbot):
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QMouseEvent, QWheelEvent
    from PySide6.QtWidgets import QApplication

    viewer.show_image(make_data(rgb8(600, 900)))
    viewer.set_zoom(2.0)
    hbar = viewer._view.horizontalScrollBar()
    vbar = viewer._view.verticalScrollBar()
    h0, v0 = hbar.value(), vbar.value()
    QTest.keyClick(viewer._view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClick(viewer._view, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert hbar.value() > h0 and vbar.value() > v0
    vp = viewer._view.viewport()
    h1, v1 = hbar.value(), vbar.value()
    start = QPointF(300, 200)
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start.toPoint())
    pos = QPointF(260, 170)
    QApplication.sendEvent(vp, QMouseEvent(QEvent.Type.MouseMove, pos, vp.mapToGlobal(pos), Qt.MouseButton.NoButton,
                                           Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos.toPoint())
    assert hbar.value() == h1 + 40 and vbar.value() == v1 + 30  # content follows the hand
    z = viewer.zoom()
    wheel = QWheelEvent(QPointF(100, 100), vp.mapToGlobal(QPointF(100, 100)), QPoint(0, 0), QPoint(0, 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(vp, wheel)
    assert viewer.zoom() == pytest.approx(z * 1.25)
    assert "250%" in viewer.zoom_label.text()


# --- history -----------------------------------------------------------------------
def _ev(i, actor, action, before, after, sid=None, minute=0):
    from llmvis_desktop.core.store.records import EventRecord

    return EventRecord(i, 1, actor, datetime(2024, 5, 1, 9, minute, tzinfo=timezone.utc), action, before, after, sid)


def test_history_formats_repairs_moves_and_imports_readably():
    """A repair read "repair: (empty) \u2192 '{'output': 'surfaces/brick/...png', ...'": the
    raw Python dict of the event."""
    from llmvis_desktop.qt.widgets.history_panel import describe_event

    out = "surfaces/brick/brick_01_scratch.repaired-2.png"
    assert describe_event(_ev(1, "ann", "repair", None, {"repair_id": 3, "output": out})) == \
        "repaired \u2192 brick_01_scratch.repaired-2.png"
    assert describe_event(_ev(1, "ann", "unrepair", {"repair_id": 3, "output": out},
                              {"repair_id": 3, "file_deleted": True, "deleted": [out]})) == \
        "repair undone (brick_01_scratch.repaired-2.png deleted)"
    assert describe_event(_ev(1, "ann", "unrepair", {"repair_id": 3, "output": out},
                              {"repair_id": 3, "file_deleted": False})) == \
        "repair undone (brick_01_scratch.repaired-2.png kept)"
    assert describe_event(_ev(1, "ann", "rerepair", {"repair_id": 3, "unlinked_at": "x"},
                              {"repair_id": 3, "output": out})) == \
        "repair redone \u2192 brick_01_scratch.repaired-2.png"
    assert describe_event(_ev(1, "scan", "move", "a/x.png", "b/x.png")) == "moved: 'a/x.png' \u2192 'b/x.png'"
    assert describe_event(_ev(1, "ann", "import", None, {"reviewer": "alice", "time": "2024-05-01T09:00:00"})) == \
        "imported annotations (reviewer alice, reviewed 2024-05-01T09:00:00)"
    # a kind without a sentence of its own: never a Python dict
    text = describe_event(_ev(1, "ann", "relabel", None, {"from": "dent", "to": "scratch"}))
    assert "{" not in text and "from: dent, to: scratch" in text


def test_history_words_the_provenance_events():
    """Renames, forced removals, renewed cards, edits over a kept caption and what the
    indexer saw read as sentences (they showed as "label_renamed: ['dent'] -> ..." or a
    flattened dict)."""
    from llmvis_desktop.qt.widgets.history_panel import describe_event

    arrow, minus = "\u2192", "\u2212"
    assert describe_event(_ev(1, "ann", "label_renamed", ["dent"], ["bruise"])) == \
        f"labels (label renamed): +bruise {minus}dent"
    assert describe_event(_ev(1, "ann", "label_removed", ["dent", "ok"], ["ok"])) == \
        f"labels (label removed from the taxonomy): {minus}dent"
    assert describe_event(_ev(1, "ann", "suggestion_renamed", "dent", "bruise", sid=4)) == \
        f"suggested label renamed: 'dent' {arrow} 'bruise'"
    assert describe_event(_ev(1, "ann", "edit_suggestion", "a benign nevus", "melanoma, refer", sid=4)) == \
        f"edited suggestion 'a benign nevus' {arrow} 'melanoma, refer'"
    assert describe_event(_ev(1, "model:learned", "suggest_revised", {"revision": "a1", "score": 0.55},
                              {"revision": "b2", "score": 0.97, "params": {}}, sid=4)) == \
        f"suggestion renewed: revision a1 {arrow} b2, score 0.55 {arrow} 0.97"
    assert describe_event(_ev(1, "indexer", "file_changed", {"size": 10, "mtime_ns": 1},
                              {"size": 12, "mtime_ns": 2})) == f"file changed on disk (size 10 {arrow} 12 bytes)"
    assert describe_event(_ev(1, "indexer", "file_missing", "present", "missing")) == \
        "file missing from the folder (reviews kept)"
    assert describe_event(_ev(1, "indexer", "file_restored", "missing", "present")) == "file back in the folder"
    # an undone decision names its card (it read "undo: suggestion: 'accepted' -> 'pending'")
    card = SimpleNamespace(kind="caption", value="a scratch")
    assert describe_event(_ev(1, "ann", "undo:suggestion", "accepted", "pending", sid=4), card) == \
        f"undo: caption suggestion 'a scratch': accepted {arrow} pending"


def test_history_formatting():
    from llmvis_desktop.qt.widgets.history_panel import describe_event, format_when, is_model_event

    assert describe_event(_ev(1, "ann", "labels", ["ok"], ["scratch"])) == "labels: +scratch \u2212ok"
    assert describe_event(_ev(1, "ann", "caption", "a", "b")) == "caption: 'a' \u2192 'b'"
    assert describe_event(_ev(1, "ann", "caption", None, "b")) == "caption: (empty) \u2192 'b'"
    assert describe_event(_ev(1, "ann", "status", "new", "reviewed")) == "status: new \u2192 reviewed"
    # a withdrawn card and a revised one read as sentences, not raw dicts
    assert describe_event(_ev(1, "alice", "withdraw", {"kind": "label", "value": "dent"}, "alice")) == \
        "withdrew label 'dent' (alice)"
    assert "newer revision" in describe_event(_ev(1, "model:learned:x", "withdraw", {"kind": "label", "value": "dent"}, None))
    assert describe_event(_ev(1, "ann", "undo:labels", ["dent"], [])) == "undo: labels: \u2212dent"
    assert describe_event(_ev(1, "model:blip", "suggest", None,
                              {"kind": "caption", "value": "a crack", "score": 0.871}, sid=4)) == \
        "suggested caption 'a crack' (score 0.87)"
    assert describe_event(_ev(1, "ann", "reject_suggestion", "dent", None, sid=4)) == "rejected suggestion 'dent'"
    assert is_model_event(_ev(1, "model:blip", "suggest", None, {}))
    assert is_model_event(_ev(1, "ann", "caption", None, "x", sid=3))
    assert not is_model_event(_ev(1, "ann", "caption", None, "x"))
    naive = datetime(2024, 5, 1, 9, 0)
    assert format_when(naive) == format_when(naive.replace(tzinfo=timezone.utc))
    assert format_when(naive)[:19].count(":") == 2 and len(format_when(naive)) > 19  # a zone after it


def test_history_times_name_their_zone(monkeypatch):
    """Local times had no zone: 09:00 read as UTC at one site was 09:00 CET at another."""
    import time

    from llmvis_desktop.qt.widgets.history_panel import format_when, zone_label

    if not hasattr(time, "tzset"):
        pytest.skip("no tzset on this platform")
    try:
        monkeypatch.setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3")
        time.tzset()
        assert format_when(datetime(2024, 1, 15, 13, 3, tzinfo=timezone.utc)) == "2024-01-15 14:03:00 CET"
        assert format_when(datetime(2024, 7, 15, 12, 3, tzinfo=timezone.utc)) == "2024-07-15 14:03:00 CEST"
        monkeypatch.setenv("TZ", "<+0530>-5:30")  # a zone with no letters: its offset
        time.tzset()
        assert format_when(datetime(2024, 1, 15, 8, 33, tzinfo=timezone.utc)) == "2024-01-15 14:03:00 UTC+05:30"
    finally:
        monkeypatch.undo()
        time.tzset()
    from datetime import timedelta

    west = datetime(2024, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=-3, minutes=-30), "Newfoundland Std"))
    assert zone_label(west) == "UTC-03:30"


def test_history_panel_orders_by_event_id_not_clock(qtbot):
    """Two reviewers on one database, bob's machine 3 minutes slow: by the writers' clocks
    bob's v2 showed as the newest change although alice's v3 replaced it (and replay,
    by id, says v3)."""
    from llmvis_desktop.qt.widgets.history_panel import HistoryPanel

    p = HistoryPanel()
    qtbot.addWidget(p)
    p.set_events([_ev(1, "alice", "caption", None, "v1", minute=10),
                  _ev(2, "bob", "caption", "v1", "v2", minute=7),  # his clock, 3 min behind
                  _ev(3, "alice", "caption", "v2", "v3", minute=11)])
    assert [e["id"] for e in p.entries()] == [3, 2, 1]
    assert p.entries()[0]["what"] == "caption: 'v2' \u2192 'v3'"


def test_history_panel_names_model_revision_and_prompt(qtbot):
    from llmvis_desktop.core.store.records import SuggestionRecord
    from llmvis_desktop.qt.widgets.history_panel import PREFERRED_HEIGHT, HistoryPanel

    p = HistoryPanel()
    qtbot.addWidget(p)
    sug = SuggestionRecord(4, 1, "caption", "a dent", 0.8, "Salesforce/blip-base", "rev-abc123", "a photo of", {},
                           datetime(2024, 5, 1, 9, 1, tzinfo=timezone.utc), "accepted", None, None, None)
    p.set_events([_ev(1, "model:Salesforce/blip-base", "suggest", None, {"kind": "caption", "value": "a dent"}, 4),
                  _ev(2, "dr_alice", "caption", None, "a dent", 4, 2)], {4: sug})
    text = p.browser.toPlainText()
    assert "proposed by Salesforce/blip-base @ rev-abc123 \u00b7 prompt 'a photo of' (score 0.80)" in text
    assert "revision rev-abc123 \u00b7 prompt 'a photo of'" in text  # under the model's own event
    # several events fit: in the default window the dock showed one and a half (asked
    # for, not a hard minimum: the docks must fit a 1024x768 screen)
    assert p.sizeHint().height() >= PREFERRED_HEIGHT >= 150


def test_history_panel_names_the_revision_that_made_an_old_suggestion(qtbot):
    """After a retrain renewed a card, its old "suggested label 'crack' (score 0.57)" row
    was captioned with the card's new revision (the row's current one), next to
    "suggestion renewed: revision 366ef644f120 → 7b6fd40b4f6c": the event's own
    revision is shown."""
    from llmvis_desktop.core.store.records import SuggestionRecord
    from llmvis_desktop.qt.widgets.history_panel import HistoryPanel

    p = HistoryPanel()
    qtbot.addWidget(p)
    actor = "model:learned:handcrafted-v6"
    sug = SuggestionRecord(4, 1, "label", "crack", 0.92, "learned:handcrafted-v6", "7b6fd40b4f6c", None, {},
                           datetime(2024, 5, 1, 9, 1, tzinfo=timezone.utc), "pending", None, None, None)
    p.set_events([_ev(1, actor, "suggest", None, {"kind": "label", "value": "crack", "score": 0.57,
                                                   "model_id": "learned:handcrafted-v6",
                                                   "revision": "366ef644f120", "prompt": None}, 4),
                  _ev(2, actor, "suggest_revised", {"revision": "366ef644f120", "score": 0.57},
                      {"revision": "7b6fd40b4f6c", "score": 0.92}, 4)], {4: sug})
    rows = p.browser.toPlainText().split("suggested label")
    assert len(rows) == 2
    assert "(score 0.57)\nrevision 366ef644f120" in rows[1] and "7b6fd40b4f6c" not in rows[1]
    assert "revision 366ef644f120 → 7b6fd40b4f6c" in rows[0]


def test_history_panel(qtbot):
    from llmvis_desktop.core.store.records import SuggestionRecord
    from llmvis_desktop.qt.widgets.history_panel import HistoryPanel

    p = HistoryPanel()
    qtbot.addWidget(p)
    p.resize(420, 360)
    sug = SuggestionRecord(4, 1, "caption", "a long scratch near the left edge", 0.87, "blip2-opt", None, None, {},
                           datetime(2024, 5, 1, 9, 1, tzinfo=timezone.utc), "accepted", None, None, None)
    events = [
        _ev(1, "model:blip2-opt", "suggest", None, {"kind": "caption", "value": sug.value, "score": 0.87}, 4, 1),
        _ev(2, "alice", "caption", None, sug.value, 4, 2),
        _ev(3, "alice", "labels", ["ok"], ["dent", "scratch"], None, 3),
        _ev(4, "alice", "status", "suggested", "reviewed", None, 4),
        _ev(5, "bob", "undo:status", "reviewed", "suggested", None, 5),
    ]
    p.set_events(events, {4: sug})
    p.show()
    entries = p.entries()
    assert [e["who"] for e in entries] == ["bob", "alice", "alice", "alice", "model:blip2-opt"]
    assert entries[0]["what"] == "undo: status: reviewed \u2192 suggested"
    assert entries[-1]["model"] and entries[-2]["model"] and not entries[0]["model"]
    text = p.browser.toPlainText()
    assert "MODEL" in text and "proposed by blip2-opt" in text and "+dent +scratch \u2212ok" in text
    shot(p, "history_panel")
    p.clear()
    assert p.entries() == [] and p.placeholder.isVisibleTo(p)


def test_history_panel_long_trail_renders_newest_then_all(qtbot):
    from PySide6.QtCore import QUrl

    from llmvis_desktop.qt.widgets import history_panel as hp

    p = hp.HistoryPanel()
    qtbot.addWidget(p)
    n = hp.SHOWN + 7
    p.set_events([_ev(i, "alice", "caption", f"c{i - 1}", f"c{i}", None, i) for i in range(1, n + 1)])
    assert len(p.entries()) == n and p.shown_count() == hp.SHOWN
    text = p.browser.toPlainText()
    assert f"'c{n}'" in text and "'c0'" not in text and f"Show all {n} events (7 older)" in text
    p.browser.anchorClicked.emit(QUrl("history:all"))
    assert p.shown_count() == n and "Show all" not in p.browser.toPlainText()
    assert "'c0' \u2192 'c1'" in p.browser.toPlainText()


# --- labels ------------------------------------------------------------------------
TAXONOMY = [("scratch", "#e6194b"), ("dent", "#3cb44b"), ("crack", "#4363d8"), ("stain", "#f58231"),
            ("pitting", "#911eb4"), ("burn", "#42d4f4"), ("ok", "#bfef45"), ("corrosion", "#9a6324"),
            ("foreign body", "#469990"), ("misaligned", "#800000")]


def label_defs():
    from llmvis_desktop.core.store.records import LabelDef

    return [LabelDef(i + 1, n, c, None, "", i) for i, (n, c) in enumerate(TAXONOMY)]


@pytest.fixture
def labels(qtbot):
    from llmvis_desktop.qt.widgets.label_panel import LabelPanel

    p = LabelPanel()
    qtbot.addWidget(p)
    p.set_labels(label_defs(), {"scratch": 120, "dent": 4, "ok": 3012})
    p.resize(360, 220)
    p.show()
    qtbot.waitExposed(p)
    return p


def test_label_chips_toggle_and_keys(labels, qtbot):
    assert labels.key_for("scratch") == "1" and labels.key_for("foreign body") == "9"
    assert labels.key_for("misaligned") is None
    assert labels.name_for_key("3") == "crack"
    assert labels.chip("scratch").text() == "1 \u00b7 scratch (120)"
    with qtbot.assertNotEmitted(labels.toggled):
        labels.set_checked(["dent", "ok"])
    assert labels.checked() == ["dent", "ok"]
    with qtbot.waitSignal(labels.toggled, timeout=10000) as blocker:
        QTest.mouseClick(labels.chip("crack"), Qt.MouseButton.LeftButton)
    assert blocker.args == ["crack", True]  # the change asked for: add (the chip was off)
    assert "crack" in labels.checked()
    with qtbot.waitSignal(labels.toggled, timeout=10000) as blocker:
        QTest.mouseClick(labels.chip("dent"), Qt.MouseButton.LeftButton)
    assert blocker.args == ["dent", False]  # remove (it was on)
    # chips wrap onto several lines in a narrow panel
    ys = {labels.chip(n).geometry().y() for n, _ in TAXONOMY}
    assert len(ys) >= 3
    shot(labels, "label_panel")


def test_label_add_rename_recolor_remove(labels, qtbot):
    labels.add_edit.setText("  hair line ")
    with qtbot.waitSignal(labels.addRequested, timeout=10000) as blocker:
        QTest.keyClick(labels.add_edit, Qt.Key.Key_Return)
    assert blocker.args[0] == "hair line" and blocker.args[1].startswith("#")
    assert blocker.args[1].lower() not in {c for _, c in TAXONOMY}
    labels.add_edit.setText("Scratch")
    with qtbot.assertNotEmitted(labels.addRequested):
        QTest.keyClick(labels.add_edit, Qt.Key.Key_Return)
    assert labels.hint.isVisibleTo(labels) and "already" in labels.hint.text()

    labels._ask_rename = lambda name: "deep scratch"
    with qtbot.waitSignal(labels.renameRequested, timeout=10000) as blocker:
        labels.request_rename("scratch")
    assert blocker.args == ["scratch", "deep scratch"]
    labels._ask_color = lambda name, current: "#123456"
    with qtbot.waitSignal(labels.recolorRequested, timeout=10000) as blocker:
        labels.request_recolor("dent")
    assert blocker.args == ["dent", "#123456"]
    asked = []
    labels._confirm_remove = lambda name, usage: asked.append((name, usage)) or True
    with qtbot.waitSignal(labels.removeRequested, timeout=10000) as blocker:
        labels.request_remove("ok")
    assert blocker.args == ["ok"] and asked == [("ok", 3012)]
    menu = labels.build_menu("ok")
    assert [a.text() for a in menu.actions() if a.text()] == ["Rename\u2026", "Colour\u2026", "Number key\u2026",
                                                             "Remove\u2026"]


# --- caption editor ----------------------------------------------------------------
@pytest.fixture
def caption(qtbot):
    from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

    from llmvis_desktop.qt.widgets.caption_editor import CaptionEditor

    host = QWidget()
    other = QLineEdit()  # somewhere for the focus to go
    ed = CaptionEditor()
    lay = QVBoxLayout(host)
    lay.addWidget(other)
    lay.addWidget(ed)
    qtbot.addWidget(host)
    host.resize(420, 200)
    host.show()
    qtbot.waitExposed(host)
    host.activateWindow()
    ed.other = other
    ed.host = host  # keep the Python wrapper (and so the window) alive
    return ed


def test_caption_set_does_not_commit(caption, qtbot):
    with qtbot.assertNotEmitted(caption.captionCommitted):
        caption.set_caption("a scratch on the left edge")
        caption.begin_edit()
        caption.other.setFocus()
        qtbot.wait(10)
    assert caption.caption() == "a scratch on the left edge"


def test_caption_commit_ctrl_enter(caption, qtbot):
    caption.set_caption("old")
    caption.begin_edit()
    assert caption.edit.textCursor().selectedText() == "old"
    QTest.keyClicks(caption.edit, "two dents ")
    with qtbot.waitSignal(caption.captionCommitted, timeout=10000) as blocker, \
            qtbot.waitSignal(caption.editFinished, timeout=10000):
        QTest.keyClick(caption.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == ["two dents"]
    assert caption.caption() == "two dents"
    # unchanged text: Ctrl+Enter finishes without committing
    caption.begin_edit()
    with qtbot.assertNotEmitted(caption.captionCommitted):
        QTest.keyClick(caption.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def test_caption_plain_enter_is_newline_and_focus_out_commits(caption, qtbot):
    caption.set_caption("")
    caption.begin_edit()
    QTest.keyClicks(caption.edit, "line one")
    QTest.keyClick(caption.edit, Qt.Key.Key_Return)
    QTest.keyClicks(caption.edit, "line two")
    assert caption.is_dirty()
    shot(caption.host, "caption_editor")
    with qtbot.waitSignal(caption.captionCommitted, timeout=10000) as blocker:
        caption.other.setFocus(Qt.FocusReason.TabFocusReason)
    assert blocker.args == ["line one\nline two"]


def test_caption_escape_cancels(caption, qtbot):
    caption.set_caption("keep me")
    caption.begin_edit()
    QTest.keyClicks(caption.edit, "garbage")
    with qtbot.assertNotEmitted(caption.captionCommitted):
        with qtbot.waitSignal(caption.editFinished, timeout=10000):
            QTest.keyClick(caption.edit, Qt.Key.Key_Escape)
        caption.other.setFocus()
        qtbot.wait(10)
    assert caption.text() == "keep me"
    assert not caption.edit.hasFocus()


# --- suggestions ---------------------------------------------------------------------
def _sug(sid, kind, value, score, outcome="pending", model="florence-2-base", final=None, by=None):
    from llmvis_desktop.core.store.records import SuggestionRecord

    t = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)
    return SuggestionRecord(sid, 1, kind, value, score, model, "a1b2c3d4e5f6" if kind == "caption" else None,
                            "<DETAILED_CAPTION>", {}, t, outcome, final, t if by else None, by)


@pytest.fixture
def suggestions(qtbot):
    from llmvis_desktop.qt.widgets.suggestion_panel import SuggestionPanel

    p = SuggestionPanel()
    qtbot.addWidget(p)
    p.resize(380, 520)
    p.show()
    qtbot.waitExposed(p)
    return p


def test_suggestions_empty_placeholder(suggestions):
    from llmvis_desktop.qt.widgets.suggestion_panel import EMPTY_TEXT

    assert suggestions.is_empty()
    assert suggestions.placeholder.isVisible()
    assert suggestions.placeholder.text() == EMPTY_TEXT and "llmvis suggest" in EMPTY_TEXT
    assert not suggestions.ask_edit.isEnabled()
    assert suggestions.ask_edit.toolTip() == "not available yet"
    shot(suggestions, "suggestion_panel_empty")


def test_suggestion_cards_are_refilled_not_rebuilt(suggestions, qtbot):
    first = [
        _sug(1, "label", "ok", 0.05, outcome="rejected", model="zero-shot-clip", by="alice"),
        _sug(2, "caption", "a scratched plate", 0.8),
        _sug(3, "label", "dent", None),
    ]
    suggestions.set_suggestions(first)
    cards = list(suggestions._pool)
    assert len(cards) == suggestions.POOL  # made with the panel (their place in the Tab order)
    decided = suggestions.card(1)
    assert decided.accept_button is None and decided.outcome_label.isVisible()
    assert decided.property("outcome") == "rejected"
    # the next image: fewer suggestions, and the decided card's widget now shows a pending one
    suggestions.set_suggestions([_sug(7, "label", "crack", 0.6), _sug(8, "caption", "a crack", 0.9)])
    assert suggestions._pool == cards  # the same widgets, refilled
    assert suggestions.card(8) is cards[0] and suggestions.card(8).value_label.text() == "a crack"
    assert suggestions.card(8).edit_button is not None and suggestions.card(7).edit_button is None
    assert suggestions.card(7).property("outcome") == "pending" and not suggestions.card(7).outcome_label.isVisible()
    assert suggestions.card(7).accept_button.isVisible() and not cards[2].isVisible()
    assert suggestions.card(1) is None
    with qtbot.waitSignal(suggestions.accepted) as sig:
        suggestions.card(7).accept_button.click()
    assert sig.args == [7]  # the refilled card reports its new suggestion


def test_suggestions_accept_reject_edit(suggestions, qtbot):
    items = [
        _sug(1, "label", "scratch", 0.91, model="zero-shot-clip"),
        _sug(2, "caption", "A metal plate with a long diagonal scratch near the left edge.", 0.78),
        _sug(3, "label", "dent", 0.34, model="zero-shot-clip"),
        _sug(4, "label", "ok", 0.05, outcome="rejected", model="zero-shot-clip", by="alice"),
    ]
    suggestions.set_suggestions(items)
    assert not suggestions.is_empty() and not suggestions.placeholder.isVisible()
    assert suggestions.card(1).score_bar.value() == 91
    assert suggestions.card(4).accept_button is None  # decided: no buttons
    assert suggestions.card(1).edit_button is None  # labels cannot be edited, only captions
    shot(suggestions, "suggestion_panel")
    with qtbot.waitSignal(suggestions.accepted, timeout=10000) as blocker:
        QTest.mouseClick(suggestions.card(1).accept_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [1]
    with qtbot.waitSignal(suggestions.rejected, timeout=10000) as blocker:
        QTest.mouseClick(suggestions.card(3).reject_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [3]
    card = suggestions.card(2)
    QTest.mouseClick(card.edit_button, Qt.MouseButton.LeftButton)
    assert card.editor.isVisible() and card.editor.toPlainText().startswith("A metal plate")
    card.editor.setPlainText("  A metal plate with two scratches. ")
    with qtbot.waitSignal(suggestions.edited, timeout=10000) as blocker:
        QTest.mouseClick(card.save_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [2, "A metal plate with two scratches."]
    suggestions.set_suggestions([])
    assert suggestions.is_empty() and suggestions.placeholder.isVisible()
    # a card a retrained suggester withdrew is history, not a card
    suggestions.set_suggestions([_sug(5, "label", "dent", 0.4, outcome="withdrawn"), _sug(6, "label", "ok", 0.7)])
    assert suggestions.card(5) is None and suggestions.card(6) is not None


# --- jobs ------------------------------------------------------------------------------
def test_jobs_formatting():
    from llmvis_desktop.qt.widgets.jobs_panel import format_eta, format_rate

    assert format_eta(42) == "42 s" and format_eta(185) == "3 min 05 s" and format_eta(3720) == "1 h 02 min"
    assert format_eta(None) == "" and format_rate(None) == ""
    assert format_rate(1234.4) == "1,234 /s" and format_rate(3.44) == "3.4 /s" and format_rate(0.1) == "1 per 10 s"


def test_jobs_panel_progress_cancel_finish(qtbot):
    from llmvis_desktop.qt.widgets.jobs_panel import JobsPanel

    p = JobsPanel()
    qtbot.addWidget(p)
    p.resize(420, 330)
    p.show()
    assert p.placeholder.isVisible()
    p.add_job("scan", "Indexing /data/line3")
    p.add_job("thumbs", "Thumbnails")
    p.add_job("export", "Export COCO")
    p.update_job("scan", 41_200, 100_000, "reading headers: cam2/img_41200.tif", eta_s=185, rate=1234.5)
    p.update_job("thumbs", 350, None, "cache warm-up")
    assert not p.placeholder.isVisible()
    row = p.row("scan")
    assert row.bar.value() == 41_200 and "ETA 3 min 05 s" in row.eta_label.text() and "1,234 /s" in row.eta_label.text()
    assert p.row("thumbs").bar.maximum() == 0  # busy bar
    with qtbot.waitSignal(p.cancelRequested, timeout=10000) as blocker:
        QTest.mouseClick(p.row("thumbs").cancel_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["thumbs"]
    assert not p.row("thumbs").cancel_button.isEnabled()
    p.finish_job("thumbs", False, "cancelled after 350 images")
    p.finish_job("export", True, "1,204 images written to coco.json")
    assert p.running_ids() == ["scan"]
    assert not p.has_job("export") and p.row("export").finished
    assert "coco.json" in p.row("export").done_label.text()
    p.update_job("export", 1, 1, "late update is ignored")
    qtbot.wait(50)
    shot(p, "jobs_panel")
    p.clear_finished()
    p.finish_job("scan", True, "done")
    p.clear_finished()
    assert p.placeholder.isVisibleTo(p)


# --- dialogs ---------------------------------------------------------------------------
def test_settings_dialog_round_trip(qtbot, tmp_path):
    from PySide6.QtWidgets import QDialogButtonBox

    from llmvis_desktop.core.config import Config
    from llmvis_desktop.qt.dialogs.settings_dialog import SettingsDialog

    models = tmp_path / "models"
    models.mkdir()
    cfg = Config(reviewer="alice", model_dirs=[str(models), "/mnt/offline/hf"], device="cuda", thumbnail_size=192,
                 cache_location=str(tmp_path / "cache"), recent_projects=["/data/a", "/data/b"], last_project="/data/a")
    dlg = SettingsDialog(cfg)
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.result_config() == cfg  # untouched: identical, exact pixel limit kept
    assert any("/mnt/offline/hf" in w for w in dlg.warnings())
    ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled()
    shot(dlg, "settings_dialog")
    dlg.reviewer_edit.setText("   ")
    assert not ok.isEnabled() and dlg.errors() and dlg.message_label.isVisible()
    dlg.reviewer_edit.setText("  bob   smith ")
    dlg.device_combo.setCurrentIndex(dlg.device_combo.findData("cpu"))
    dlg.thumb_spin.setValue(256)
    dlg.pixels_spin.setValue(0.2)  # clamped to the 1 MP minimum
    assert dlg.pixels_spin.value() == 1.0
    dlg.model_list.item(1).setSelected(True)
    dlg._remove_model_dirs()
    dlg.add_model_dir(str(tmp_path))
    dlg.cache_edit.setText("")
    out = dlg.result_config()
    assert out.reviewer == "bob smith" and out.device == "cpu" and out.thumbnail_size == 256
    assert out.model_dirs == [str(models), str(tmp_path)] and out.cache_location == ""
    assert out.max_image_pixels == 1_000_000
    assert out.recent_projects == ["/data/a", "/data/b"] and out.last_project == "/data/a"
    assert ok.isEnabled()
    dlg.cache_edit.setText("relative/dir")
    assert not ok.isEnabled()


def test_shortcuts_dialog(qtbot):
    from llmvis_desktop.qt.dialogs.shortcuts_dialog import DEFAULT_ROWS, SHORTCUTS, ShortcutsDialog

    keys = " | ".join(k for k, _ in SHORTCUTS)
    for k in ("Right / J", "Left / K", "N", "Enter", "Delete", "F2 / E", "Ctrl+Enter", "Esc", "1-9", "R", "S",
              "Ctrl+Z", "Ctrl+Shift+Z / Ctrl+Y", "F", "0", "+ / =", "-", "F1 / ?", "Ctrl+F", "Ctrl+O", "Ctrl+L",
              "Ctrl+Shift+E", "Ctrl+Shift+I", "F5", "Ctrl+= / Ctrl+-"):
        assert k in [s[0] for s in SHORTCUTS], k
    # a key once per place it acts (Esc: in the grid and in the caption editor)
    assert len({(s, k) for s, k, _ in DEFAULT_ROWS}) == len(DEFAULT_ROWS), keys
    dlg = ShortcutsDialog()
    qtbot.addWidget(dlg)
    dlg.show()
    sections = len(dict.fromkeys(s for s, _k, _a in DEFAULT_ROWS))
    assert dlg.table.rowCount() == len(SHORTCUTS) + sections
    shot(dlg, "shortcuts_dialog")
    dlg.filter_edit.setText("caption edit")
    visible = [dlg.table.item(r, 0).text() for r in range(dlg.table.rowCount()) if not dlg.table.isRowHidden(r)]
    assert visible == ["Caption editor", "Ctrl+Enter", "Esc"]


def test_reviewer_dialog(qtbot):
    from PySide6.QtWidgets import QDialog, QDialogButtonBox

    from llmvis_desktop.qt.dialogs.reviewer_dialog import ReviewerDialog

    dlg = ReviewerDialog(None, "")
    qtbot.addWidget(dlg)
    dlg.show()
    ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and dlg.hint.isVisible()
    shot(dlg, "reviewer_dialog")
    QTest.keyClicks(dlg.edit, "  Alice   Martin ")
    assert ok.isEnabled() and dlg.name() == "Alice Martin"
    QTest.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dlg.result() == QDialog.DialogCode.Accepted
