"""The status-bar line after a repair is accepted names its file as the grid and the
history do, relative to the project's folder (it gave the whole absolute path, so on a
deep share the file's own name was past the bar's end)."""
import cv2  # noqa: F401 - a runtime dependency

from qthelpers import make_images, open_and_index


def test_saved_line_names_the_file_in_the_project(qtbot, window, tmp_path):
    folder = tmp_path / "inspection" / "line3" / "lot_0042"
    make_images(folder, n=2)
    project = open_and_index(qtbot, window, folder)
    window.grid.select_row(0)
    qtbot.waitUntil(lambda: window.panel_ctl.record is not None, timeout=5000)
    src = window.panel_ctl.record
    window.panel_ctl.open_repair()
    dlg = window.panel_ctl.repair_dialog
    assert dlg.wait_loaded()
    dlg.editor.canvas.fill_rect(10, 10, 40, 30)
    dlg.method.setCurrentIndex(dlg.method.findData("telea"))
    dlg.run_repair()
    qtbot.waitUntil(lambda: "telea" in dlg.results, timeout=20000)
    got = []
    dlg.repaired.connect(got.append)
    dlg.save_repair()
    qtbot.waitUntil(lambda: bool(got), timeout=20000)
    qtbot.waitUntil(lambda: len(project.repairs(src.id)) == 1, timeout=10000)
    rel = project.repairs(src.id)[0].output_path  # repaired/img_000.repaired.png, under a/
    line = window.statusBar().currentMessage()
    assert line == f"Repair saved as {rel}", line
    assert str(tmp_path) not in line
