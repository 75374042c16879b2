"""The Export… / Import… dialog's code is imported off the GUI thread.

On a 100,000-image project (/tmp/hunt-h100k/journey.py) the window's longest stall while
the reviewer opened Export… for the first time was 192 ms: the dialog's module (and with
it every interchange format: coco, yolo, cvat, labelstudio, ...) was imported on the GUI
thread once the project's settings had been read. Now the worker that reads the settings
imports it first; the GUI thread finds it imported."""
from __future__ import annotations

import sys
import threading

from PySide6.QtWidgets import QDialog

from qthelpers import open_and_index

DIALOG = "llmvis_desktop.qt.dialogs.interchange_dialog"


class _ImportWatch:
    """A finder that records, for the dialog's module, the thread importing it, then lets
    the usual finders find it."""

    def __init__(self) -> None:
        self.threads: list[bool] = []  # on the GUI thread?

    def find_spec(self, name, path=None, target=None):
        if name == DIALOG:
            self.threads.append(threading.current_thread() is threading.main_thread())
        return None


def test_the_export_dialog_module_is_imported_off_the_gui_thread(qtbot, window, image_folder, monkeypatch):
    open_and_index(qtbot, window, image_folder)
    import llmvis_desktop.qt.dialogs as dialogs

    # as in a fresh session: the dialog's module not imported yet (put back afterwards)
    if DIALOG in sys.modules:
        monkeypatch.delitem(sys.modules, DIALOG)
    if hasattr(dialogs, "interchange_dialog"):
        monkeypatch.delattr(dialogs, "interchange_dialog")
    watch = _ImportWatch()
    monkeypatch.setattr(sys, "meta_path", [watch] + sys.meta_path)
    window.act_export.trigger()

    def shown():
        return [w for w in window.findChildren(QDialog) if w.isVisible() and DIALOG in type(w).__module__]

    qtbot.waitUntil(lambda: bool(shown()), timeout=10000)
    assert watch.threads == [False], watch.threads  # once, on a worker
    for dlg in shown():
        dlg.close()
