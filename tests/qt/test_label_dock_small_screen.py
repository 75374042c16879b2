"""Many labels on a small screen: the Labels dock asked for the first nine chips' lines
as its minimum (353 px at 195 px wide with 35 labels), the window's minimum was capped
at the screen, and Qt drew the Labels dock over Caption and Suggestions. A chip wider
than the dock was cut at its right edge ("2 · de"). The chips now scroll, wrap to the
dock's width and elide a name too long for it."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QDockWidget, QToolButton
from qthelpers import FakeScreen, open_and_index, settle

NAMES = ["scratch", "dent", "rust", "crack", "weld porosity", "missing bolt", "paint drip", "burr",
         "inclusion", "lamination", "undercut", "spatter", "pitting", "blister", "delamination",
         "oxide", "chip", "warp", "misalignment", "contamination", "foreign object", "discoloration",
         "hairline fracture", "corrosion pit", "seam gap", "void", "flash", "sink mark", "short shot",
         "flow line", "jetting", "knit line", "label very long name for a defect class", "ok", "unsure"]




def _labelled(folder, names=NAMES):
    from llmvis_desktop.core.project import Project

    with Project.open(folder) as p:
        for name in names:
            p.add_label(name)
    return folder


def _check_fits(window, w: int, h: int) -> None:
    assert window.width() <= w and window.height() <= h, (window.size(), w, h)
    assert window.minimumHeight() <= h
    # the layout's own minimum fits: nothing is squeezed over anything else
    assert window.layout().totalMinimumSize().height() <= h, window.layout().totalMinimumSize()
    inside = QRect(0, 0, window.width(), window.height())
    docks = [d for d in window.findChildren(QDockWidget) if d.isVisible() and not d.isFloating()]
    assert len(docks) >= 5
    for d in docks:
        assert inside.contains(d.geometry()), (d.windowTitle(), d.geometry(), inside)
    for i, a in enumerate(docks):
        for b in docks[i + 1:]:
            assert not a.geometry().intersects(b.geometry()), (a.windowTitle(), a.geometry(),
                                                                b.windowTitle(), b.geometry())


def _check_chips_within(panel) -> None:
    view = panel.scroll.viewport()
    for name in NAMES:
        chip = panel.chip(name)
        assert chip is not None and chip.isVisibleTo(panel)
        left = chip.mapTo(view, chip.rect().topLeft()).x()
        assert left >= 0 and left + chip.width() <= view.width(), (name, left, chip.width(), view.width())


@pytest.mark.parametrize("w,h", [(800, 600), (1024, 768)])
def test_35_labels_on_a_small_screen_no_dock_is_drawn_over_another(qtbot, window, image_folder, w, h):
    from llmvis_desktop.qt.dock_layout import fit_minimum

    folder = _labelled(image_folder)
    window.screen = lambda: FakeScreen(w, h)
    window.resize(w, h)
    open_and_index(qtbot, window, folder)
    settle(qtbot)
    window.resize(w, h)
    settle(qtbot)
    _check_fits(window, w, h)
    _check_chips_within(window.panel_ctl.labels)
    # and from the default size down to the small screen
    other = (1024, 768) if (w, h) == (800, 600) else (800, 600)
    window.screen = lambda: FakeScreen(*other)
    fit_minimum(window)  # (as on a layout request: the screen is not a real one)
    window.resize(*other)
    settle(qtbot)
    _check_fits(window, *other)
    _check_chips_within(window.panel_ctl.labels)


def test_a_chip_too_wide_for_its_dock_elides_its_name_and_keeps_it_whole_in_the_tooltip(qtbot):
    from llmvis_desktop.core.store.records import LabelDef
    from llmvis_desktop.qt.widgets.label_panel import LabelPanel

    panel = LabelPanel()
    qtbot.addWidget(panel)
    long = "label very long name for a defect class"
    panel.set_labels([LabelDef(1, long, "#e6194b", None, "", 0), LabelDef(2, "dent", "#4363d8", None, "", 1)],
                     {long: 3, "dent": 0})
    panel.resize(190, 200)
    panel.show()
    qtbot.waitExposed(panel)
    settle(qtbot)
    chip = panel.chip(long)
    view = panel.scroll.viewport()
    assert chip.mapTo(view, chip.rect().topLeft()).x() + chip.width() <= view.width()
    assert chip.text() == f"1 \u00b7 {long} (3)"  # the whole text, shortened on screen only
    shown = chip.shown_text()
    # the name shortened, its key and count kept
    assert shown.startswith("1 \u00b7 label") and shown.endswith("\u2026 (3)"), shown
    assert long in chip.toolTip()
    assert panel.chip("dent").shown_text() == "2 \u00b7 dent (0)"
    chip.setChecked(True)  # bold: still no wider than the dock, and a short one still whole
    panel.chip("dent").setChecked(True)
    settle(qtbot)
    assert panel.chip("dent").shown_text() == "2 \u00b7 dent (0)"
    assert chip.mapTo(view, chip.rect().topLeft()).x() + chip.width() <= view.width()
    assert chip.fontMetrics().horizontalAdvance(chip.shown_text()) < chip.width()
    assert isinstance(chip, QToolButton)


def test_the_focused_chip_scrolls_into_view(qtbot, window, image_folder):
    from PySide6.QtCore import Qt

    open_and_index(qtbot, window, _labelled(image_folder))
    window.resize(800, 600)
    settle(qtbot)
    panel = window.panel_ctl.labels
    bar = panel.scroll.verticalScrollBar()
    assert bar.maximum() > 0  # 35 chips do not all fit: they scroll
    view = panel.scroll.viewport()

    def seen(chip) -> bool:
        top = chip.mapTo(view, chip.rect().topLeft())
        return QRect(0, 0, view.width(), view.height()).contains(QRect(top, chip.size()))

    last = panel.chip("unsure")
    assert not seen(last)
    last.setFocus(Qt.FocusReason.TabFocusReason)
    settle(qtbot)
    assert seen(last) and bar.value() > 0
    first = panel.chip("scratch")
    first.setFocus(Qt.FocusReason.BacktabFocusReason)
    settle(qtbot)
    assert seen(first)
    # the arrows move between the chips: the one they reach is scrolled to as well
    from PySide6.QtTest import QTest

    for _ in range(len(NAMES) - 1):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Right)
    settle(qtbot)
    assert QApplication.focusWidget() is last and seen(last)
    # the "+ Add label" field stays in sight whatever the chips' scroll
    assert panel.add_edit.isVisible() and not panel.scroll.isAncestorOf(panel.add_edit)


def test_new_labels_grow_a_dock_that_showed_all_its_chips_not_one_the_reviewer_shortened(
        qtbot, window, image_folder):
    """The chips' minimum is two lines: labels added one by one in a dock showing all of
    its chips get their lines (up to the first nine chips, in a third of the column)."""
    from PySide6.QtCore import Qt

    project = open_and_index(qtbot, window, image_folder)  # no labels yet
    settle(qtbot)
    panel = window.panel_ctl.labels
    dock = panel.parentWidget()
    for i in range(9):
        project.add_label(f"defect kind {i}")
        window.panel_ctl.reload_labels()
        settle(qtbot)
    bar = panel.scroll.verticalScrollBar()
    assert bar.maximum() == 0, (dock.height(), panel.sizeHint().height())
    assert panel.height() > panel.minimumSizeHint().height()
    # the reviewer drags it down to its two lines: a new label leaves it so
    window.resizeDocks([dock], [dock.minimumSizeHint().height()], Qt.Orientation.Vertical)
    settle(qtbot)
    short = dock.height()
    assert bar.maximum() > 0
    project.add_label("one more")
    window.panel_ctl.reload_labels()
    settle(qtbot)
    assert dock.height() == short
