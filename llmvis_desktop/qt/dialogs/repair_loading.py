"""The repair dialog's image, read on a worker (:class:`LoadingMixin`).

The dialog read its image, and made the mask editor's full-size images, on the GUI
thread before it showed: the window froze about 0.5 s for a 24 MP photo (more for a
larger TIFF or DICOM). Opened with ``background=True`` (as Image ▸ Repair defect… opens
it) the dialog shows at once, saying "Loading NAME…", with painting and Repair off; the
image, its rendering and the editor's images are made on a thread of this module's pool,
and only handed to the widgets on the GUI thread. Closed meanwhile, the dialog ignores
the read's outcome (the read ends on its own; :func:`join_loads` waits for it).
"""
from __future__ import annotations

from typing import Callable, Optional

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QThreadPool, QTimer, Signal

from ..workers import KeptRunnable, RunnableKeeper

_pool: Optional[QThreadPool] = None
_keeper = RunnableKeeper()


def _the_pool() -> QThreadPool:
    """The loads' own threads: not the window's job pool, whose threads a long suggest
    job may hold (a load queued behind it would wait for it). Parented to the application,
    which joins it when it ends."""
    global _pool
    if _pool is None:
        _pool = QThreadPool(QCoreApplication.instance())
        _pool.setMaxThreadCount(2)
    return _pool


def join_loads(timeout_ms: int = 30000) -> bool:
    """Wait for every load still running (the window is closing); False on timeout."""
    return _pool is None or _pool.waitForDone(timeout_ms)


class _Signals(QObject):
    done = Signal(object, object)  # result, exception (one of them None)


class _Load(KeptRunnable):
    def __init__(self, fn: Callable[[], object]) -> None:
        super().__init__()
        self.fn = fn
        self.signals = _Signals()  # made on the GUI thread: its slots run there

    def work(self) -> None:
        try:
            result, error = self.fn(), None
        except Exception as exc:  # reported to the dialog
            result, error = None, exc
        self.signals.done.emit(result, error)


class LoadingMixin:
    """The loading state of :class:`~.repair_dialog.RepairDialog`: ``loaded`` (bool),
    ``loaded_ok`` and ``load_failed(message)`` signals (declared by the dialog),
    :meth:`wait_loaded`."""

    loaded = False
    _load_slot = None

    def _start_load(self, read: Callable[[], object]) -> None:
        """Run ``read`` (returns what :meth:`_take_loaded` takes) on a worker."""
        load = _Load(read)
        self._load = load
        self._load_slot = self._load_done
        load.signals.done.connect(self._load_slot)
        _keeper.start(_the_pool(), load)

    def _load_done(self, result, error) -> None:
        self._forget_load()
        if not self._alive():  # closed while its image was read
            return
        kept, self._kept_mask = self._kept_mask, None
        if error is not None:
            self._load_failed(error)
            return
        said = self.status.text()
        self._take_loaded(result)
        if kept is not None:
            self._put_mask_back(kept, said)

    _reader: Optional[Callable[[], object]] = None  # the read the dialog opened with
    _kept_mask: Optional[tuple] = None  # (mask, imported) to put back on the image read again

    def reload_image(self) -> None:
        """Read the image again (it changed on disk since the dialog read it: a refused
        Accept), on a worker as the first read; the mask painted or imported is kept, and
        what the status line says. Painting and Repair are off until it is in."""
        if self._reader is None or getattr(self, "_load", None) is not None or not self.loaded:
            return
        self._kept_mask = (self.editor.mask().copy(), self.editor.imported)
        self.loaded = False
        self.editor.setEnabled(False)
        self.run_btn.setEnabled(False)
        self._start_load(self._reader)

    def _put_mask_back(self, kept: tuple, said: str) -> None:
        mask, imported = kept
        try:
            self.editor.set_mask(mask)
        except ValueError:  # the image has another size now: the mask cannot be put on it
            self.status.setText(f"{said} The image's size changed: paint the mask again.")
            return
        self.editor.imported = imported
        self.status.setText(said)

    def _forget_load(self) -> None:
        """No handler of the dialog runs for its load any more (closing, or done)."""
        load, slot = getattr(self, "_load", None), self._load_slot
        self._load, self._load_slot = None, None
        if load is not None and slot is not None:
            try:
                load.signals.done.disconnect(slot)
            except (RuntimeError, TypeError):
                pass

    def _load_failed(self, exc: Exception) -> None:
        message = str(exc)
        name = self.image_path.name
        if name not in message:
            message = f"{self.image_path}: {message}"
        self.status.setText(f"Cannot open {name}: {message}")
        self.editor.canvas.placeholder = f"Cannot open {name}"
        self.editor.canvas.update()
        self.load_failed.emit(message)

    def wait_loaded(self, timeout_ms: int = 30000) -> bool:
        """Run the event loop until the image is loaded (True) or ``timeout_ms`` pass, or the
        load failed (False). For tests and scripts; the window never waits."""
        if self.loaded or getattr(self, "_load", None) is None:
            return self.loaded
        loop = QEventLoop()
        self.loaded_ok.connect(loop.quit)
        self.load_failed.connect(loop.quit)
        QTimer.singleShot(timeout_ms, loop.quit)
        loop.exec()
        return self.loaded
