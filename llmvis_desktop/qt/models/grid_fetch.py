"""The grid model's window reader: one pool thread serves the model's requests for
windows of rows, newest first (a fast scroll leaves old requests behind), and hands each
window back to the GUI thread by a signal; a failed read (the database locked or gone) is
handed back too, for the model to offer again."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from ...core.tasks import FOREGROUND
from ..workers import KeptRunnable, background_thread

if TYPE_CHECKING:
    from .grid_model import GridModel


class _FetchSignals(QObject):
    fetched = Signal(int, int, int, object, object)  # generation, edit seq, window, records, error


class _FetchRunner(KeptRunnable):
    """Serves the model's window requests newest first, on one pool thread."""

    def __init__(self, model: "GridModel") -> None:
        super().__init__()
        self.model = model

    def work(self) -> None:
        background_thread()
        model = self.model
        while True:
            with model._fetch_lock:
                if not model._fetch_stack:
                    model._fetch_running = False
                    return
                gen, seq, w, project, ids = model._fetch_stack.pop()
            FOREGROUND.yield_to()
            recs, err = None, None
            try:
                by_id = {r.id: r for r in project.images(ids)}
                recs = [by_id.get(i) for i in ids]
            except Exception as exc:  # a locked database: the GUI thread retries on paint
                err = exc
            model._fetch_signals.fetched.emit(gen, seq, w, recs, err)
