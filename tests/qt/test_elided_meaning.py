"""Shortened texts keep what they mean: the model's name on a suggestion card, the
zoom and W/L on the viewer's info line, the W/L presets' values in their list, the
status of a recent folder on the welcome page, the model column of the evaluation."""
from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget


def _settle(qtbot) -> None:
    for _ in range(3):
        QApplication.processEvents()
        qtbot.wait(20)


def test_a_cards_model_name_is_kept_and_its_revision_goes_first(qtbot):
    """At 1024x768 a card read "learned:ha…3268faf774": elided in the middle, the hash
    stayed and the model's name went."""
    from llmvis_desktop.core.store.records import SuggestionRecord
    from llmvis_desktop.qt.widgets.suggestion_panel import SuggestionPanel

    name, rev = "learned:handcrafted-v6", "3268faf7744b9c01"
    s = SuggestionRecord(7, 1, "label", "crack", 0.9, name, rev, None, {},
                         datetime(2024, 5, 1, tzinfo=timezone.utc), "pending", None, None, None)
    top = QWidget()
    qtbot.addWidget(top)
    QVBoxLayout(top).addWidget(panel := SuggestionPanel())
    panel.set_suggestions([s])
    top.show()
    label = panel.card(7).model_label
    fm = label.fontMetrics()
    seen = set()
    for width in range(200, 520, 8):
        top.resize(width, 300)
        _settle(qtbot)
        text, room = label.text(), label.contentsRect().width()
        assert fm.horizontalAdvance(text) <= room, (text, room)
        if fm.horizontalAdvance(name) <= room:
            assert text.startswith(name), (text, room)  # the name whole while it fits
            seen.add("name" if text == name else ("short" if text.endswith(rev[:7]) else "full"))
        else:
            assert rev[:4] not in text and name.startswith(text.rstrip("\u2026")), (text, room)
            seen.add("cut")
    assert {"name", "full", "cut"} <= seen, seen
    assert rev in label.toolTip() and name in label.toolTip()


def _image(h=384, w=512, frames=1):
    import numpy as np

    from llmvis_desktop.core.imaging.reader import ImageData, ImageMeta

    a = (np.arange(h * w).reshape(h, w) % 65535).astype(np.uint16)
    d = (a >> 8).astype(np.uint8)
    meta = ImageMeta(width=w, height=h, format="TIFF", bit_depth=16, channels=1, frames=frames, mode="I;16")
    return ImageData(pixels=a, display=d, meta=meta, window=(30000.0, 60000.0), frame=0)


def test_the_viewers_info_line_keeps_the_zoom_and_lets_the_format_go(qtbot, viewer):
    """At 1440 the line read "512 × 384 · TIFF 16-bit gray · zoom 85…" (the zoom cut,
    the format whole); the size and format give way first, the zoom stays whole."""
    import re

    viewer.show_image(_image())
    viewer._hover_text = "(10, 20) = 5130"
    viewer._update_status()
    label = viewer.status_label
    zoom = re.search(r"zoom \d+% \(fit\)|zoom \d+%", label.text()).group(0)
    fm = label.fontMetrics()
    widths = []
    for width in range(260, 700, 10):
        viewer.resize(width, 480)
        _settle(qtbot)
        viewer._update_status()
        zoom = re.search(r"zoom \d+%( \(fit\))?", label.text()).group(0)
        shown, room = label.shown_text(), label.contentsRect().width()
        assert fm.horizontalAdvance(shown) <= room, (shown, room)
        if fm.horizontalAdvance(zoom) <= room:
            assert zoom in shown, (shown, room)
            widths.append(width)
        assert not viewer.wl_status.isHidden() and "\u2026" not in viewer.wl_status.text()
    assert widths and label.text() == viewer.status_label.text()
    assert "TIFF 16-bit gray" in viewer.status_text()  # the whole line still says everything


def test_the_wl_preset_box_and_its_list_show_each_preset_whole(qtbot, viewer):
    """Box and list were ten characters wide: "CT Soft tissue (4(", the values cut with
    no sign of it. The box is as wide as the preset when there is room, else ends in
    "…"; the list as wide as its longest preset."""
    import numpy as np

    from llmvis_desktop.core.imaging.reader import ImageData, ImageMeta

    a = (np.arange(256 * 256).reshape(256, 256) % 3000 - 1000).astype(np.int16)  # signed: CT presets
    meta = ImageMeta(width=256, height=256, format="TIFF", bit_depth=16, channels=1, frames=1, mode="I;16S")
    viewer.show_image(ImageData(pixels=a, display=(a.astype(np.int32) // 16 % 256).astype(np.uint8), meta=meta,
                                window=None, frame=0))
    _settle(qtbot)
    combo = viewer.preset_combo
    texts = [combo.itemText(i) for i in range(combo.count())]
    assert any(t.startswith("CT") for t in texts), texts
    longest = max(combo.view().fontMetrics().horizontalAdvance(t) for t in texts)
    soft = next(i for i, t in enumerate(texts) if t.startswith("CT Soft"))
    combo.setCurrentIndex(soft)
    viewer.resize(640, 480)
    _settle(qtbot)
    assert _edit_field_width(combo) >= combo.fontMetrics().horizontalAdvance(texts[soft])  # room: whole
    narrow = viewer.minimumSizeHint().width()
    viewer.resize(narrow, 480)
    _settle(qtbot)
    if _edit_field_width(combo) < combo.fontMetrics().horizontalAdvance(texts[soft]):
        shown = combo.shown_text()  # no room: the box shortens it, and says so
        assert shown.endswith("\u2026") and texts[soft].startswith(shown[:-1]), shown
    assert combo.geometry().right() <= combo.parentWidget().width()
    combo.showPopup()
    _settle(qtbot)
    try:
        view = combo.view()
        assert view.isVisible()
        assert view.viewport().width() >= longest + 4, (view.viewport().width(), longest)
    finally:
        combo.hidePopup()


def _edit_field_width(combo) -> int:
    from PySide6.QtWidgets import QStyle, QStyleOptionComboBox

    opt = QStyleOptionComboBox()
    combo.initStyleOption(opt)
    return combo.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                        QStyle.SubControl.SC_ComboBoxEditField, combo).width()


def test_a_long_recent_path_keeps_its_status_in_sight(qtbot, window):
    """A long recent path pushed "(not reachable)" behind a horizontal scroll bar."""
    from PySide6.QtCore import Qt

    long = "/mnt/nas/inspection/plant-7/line-3/2026-11/camera-b/high-resolution-exports/batch-0042"
    window.welcome.set_recent([long, "/data/fundus/2024"])
    window.resize(1024, 700)
    _settle(qtbot)
    lst = window.welcome.recent
    item = lst.item(0)
    assert item.text().endswith("(not reachable)") and item.toolTip() == long
    assert lst.fontMetrics().horizontalAdvance(item.text()) > lst.viewport().width()  # it does not fit
    assert lst.horizontalScrollBar().maximum() == 0
    assert lst.visualItemRect(item).right() <= lst.viewport().width()
    assert lst.textElideMode() == Qt.TextElideMode.ElideMiddle  # the path's middle goes, its end stays


def test_the_evaluation_shows_each_models_name_whole(qtbot):
    """The Acceptance tab's model column read "learned:handcr…" at every size: it was
    stretched into what a fixed 760 px dialog left it."""
    from test_evaluation_dialog import _report

    from llmvis_desktop.qt.dialogs.evaluation_dialog import EvaluationDialog

    rep = _report()
    names = ["learned:handcrafted-v6", "Salesforce/blip-image-captioning-large"]
    for a, name in zip(rep["acceptance"], names):
        a["model_id"] = name
    w = EvaluationDialog(rep)
    qtbot.addWidget(w)
    w.show()
    w.tabs.setCurrentIndex(1)
    _settle(qtbot)
    t = w.acceptance_table
    fm = t.fontMetrics()
    assert t.columnWidth(0) >= max(fm.horizontalAdvance(n) for n in names) + 4
    avail = w.screen().availableGeometry()
    assert w.width() > 760 or avail.width() <= 760  # opened as wide as the table asks, within the screen
    assert w.width() <= avail.width()
    assert w.minimumWidth() < w.width() < w.maximumWidth()  # and resizable
    w.resize(1400, 600)
    _settle(qtbot)
    assert t.horizontalScrollBar().maximum() == 0  # wide enough: every column whole
