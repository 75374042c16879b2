"""The repair dialog's layout: its status line (following the mask, never clipped), the
result tiles side by side only, and the whole dialog on a 1024 px screen; screenshots."""
from PySide6.QtWidgets import QApplication

from repair_dialog_helpers import SHOTS, brick_project_fixture  # noqa: F401 - the brick_project fixture


def test_repair_dialog_status_follows_the_mask_and_tiles_only_side_by_side(qtbot, brick_project):
    """After a repair refused for an empty mask, painting left "the mask is empty" shown
    until Repair was pressed again; three black preview tiles stood under the view with
    "All engines side by side" unchecked."""
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    with Project.open(brick_project) as p:
        dlg = RepairDialog(brick_project / "brick.png", p, actor="tester")
        qtbot.addWidget(dlg)
        dlg.show()
        assert not dlg.side_by_side.isChecked() and not dlg.thumbs_box.isVisible()
        dlg.side_by_side.setChecked(True)
        assert dlg.thumbs_box.isVisible()
        dlg.side_by_side.setChecked(False)
        assert not dlg.thumbs_box.isVisible()
        dlg.method.setCurrentIndex(dlg.method.findData("telea"))
        dlg.run_repair()
        qtbot.waitUntil(lambda: "mask is empty" in dlg.status.text(), timeout=15000)
        qtbot.waitUntil(lambda: dlg.run_btn.isEnabled(), timeout=5000)
        dlg.editor.canvas.fill_rect(18, 57, 182, 69)
        assert "empty" not in dlg.status.text() and "Repair" in dlg.status.text()
        dlg.editor.canvas.invert()
        dlg.editor.canvas.invert()
        assert "empty" not in dlg.status.text()


def test_repair_dialog_fits_a_1024_px_screen(qtbot, brick_project):
    """The mask tools and the engine settings were one row each: the dialog could not be
    narrower than 1175 px. At 1000 px every tool and setting is shown whole."""
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QSlider

    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    dlg = RepairDialog(brick_project / "brick.png")
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.minimumSizeHint().width() <= 1000
    dlg.resize(1000, 640)
    qtbot.wait(20)
    assert dlg.width() <= 1000
    inside = QRect(0, 0, dlg.width(), dlg.height())
    from PySide6.QtWidgets import QWidget

    for w in dlg.findChildren(QWidget):
        if w.isVisible() and isinstance(w, (QAbstractButton, QAbstractSpinBox, QComboBox, QSlider)):
            box = QRect(w.mapTo(dlg, w.rect().topLeft()), w.size())
            assert inside.contains(box), (w.text() if hasattr(w, "text") else w, box)
            assert w.width() >= w.minimumSizeHint().width(), w


def test_repair_dialog_status_is_never_clipped(qtbot, brick_project):
    """With the engines side by side the status (the result, or why a save failed) was cut
    through its first and last lines; made whole, it overlapped the rows above it (the
    view drawn over the slider) when the dialog was not tall: its minimum height was one line."""
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    dlg = RepairDialog(brick_project / "brick.png")
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.editor.canvas.fill_rect(18, 57, 182, 69)
    dlg.side_by_side.setChecked(True)
    dlg.method.setCurrentIndex(dlg.method.findData("telea"))
    dlg.run_repair()
    qtbot.waitUntil(lambda: len(dlg.results) == 3 and dlg.run_btn.isEnabled(), timeout=60000)
    long = ("Not saved: cannot save /a/rather/long/path/to/a/read/only/share/repaired/brick.repaired.png: "
            "read-only file system; nothing was written. Choose another output folder (the repair_output "
            "setting) and Accept again, or Save to… another folder.")
    for text in (dlg.status.text(), long):
        dlg.status.setText(text)
        for _ in range(3):  # the layout is redone from posted events
            QApplication.processEvents()
        dlg.resize(dlg.width(), 400)  # as small as the dialog can be made (a small screen, the user)
        for _ in range(3):
            QApplication.processEvents()
        s = dlg.status
        assert s.height() >= s.heightForWidth(s.width()), (s.height(), s.heightForWidth(s.width()), text)
        assert s.height() >= 2 * s.fontMetrics().lineSpacing()
        assert s.geometry().bottom() < s.parentWidget().height()
        # and nothing above it was squeezed under the next row to make room for it
        assert s.geometry().top() > dlg.thumbs_box.geometry().bottom()
        assert dlg.view.geometry().bottom() < dlg.slider.geometry().top()
    dlg.grab().save(str(SHOTS / "repair_dialog_long_status.png"))
