"""The Models dialog's line saying which models are in memory now, with "Unload now".

``LoadedLine(unload_now=None)``: the line follows the session's model thread (read
without waiting for it, every :data:`LOADED_EVERY_MS`); "Unload now" calls
``unload_now()`` (the window's: every loaded model leaves memory, unless a model job
is running) and emits ``said`` with what it answers, for the dialog's status line. A
model stayed in memory until the project stopped choosing it or closed: a team needing
the GPU for something else (training the repair model) had no way to free it.
"""
from __future__ import annotations

from typing import Callable, Optional

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from .model_rows import loaded_line

LOADED_EVERY_MS = 1000  # the loaded line follows the model thread (a job loading, a switch unloading)
UNLOAD_TIP = ("Free the memory the loaded models hold (the GPU's too); a chosen model loads again "
              "when it is next used.")


class LoadedLine(QWidget):
    said = Signal(str)

    def __init__(self, unload_now: Optional[Callable[[], str]] = None, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.unload_now = unload_now
        self.label = QLabel(objectName="loadedLabel")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.unload_btn = QPushButton("Unload now")
        self.unload_btn.setToolTip(UNLOAD_TIP)
        self.unload_btn.setAutoDefault(False)
        self.unload_btn.clicked.connect(self.unload)
        self.unload_btn.setVisible(unload_now is not None)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.unload_btn)
        self._timer = QTimer(self, interval=LOADED_EVERY_MS)
        self._timer.timeout.connect(self.show_loaded)
        self.show_loaded()
        self._timer.start()

    def show_loaded(self) -> None:
        """Say which models the session's model thread holds (read without waiting for it)."""
        from llmvis_desktop.core.suggest.worker import started_shared

        worker = started_shared()
        loaded = worker.loaded_models() if worker is not None else ()
        text = loaded_line(loaded)
        if text != self.label.text():
            self.label.setText(text)
        self.unload_btn.setEnabled(bool(loaded))

    def text(self) -> str:
        return self.label.text()

    def unload(self) -> None:
        if self.unload_now is None:
            return
        self.said.emit(self.unload_now())
        self.show_loaded()
