"""The window's configuration file (config.json: the recent projects, the reviewer, the
Settings dialog's choices) written off the GUI thread when nothing waits for it.

Opening a project saved the configuration (the folder at the top of the recent projects)
on the GUI thread, in the open's first passes of the event loop: a stall sampler saw the
write (a temporary file, a rename; more on a network home folder) in the window-open
phase. :meth:`ConfigSaver.save_soon` copies the configuration there and writes the copy
on a short-lived thread; saves asked while one is written are folded into one (the
newest). :meth:`ConfigSaver.save_now` writes on the calling thread (quitting, a choice the
user just made): a write under way ends first and a copy not yet written is dropped, so
the newest configuration is the one left on disk.
"""
from __future__ import annotations

import copy
import logging
import threading
from typing import Optional

from PySide6.QtCore import QObject, Signal

from ..core import config as cfg_mod

log = logging.getLogger(__name__)


class ConfigSaver(QObject):
    failed = Signal(object)  # the OSError of a write made off the GUI thread (delivered on it)

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()  # guards _pending and _thread
        self._pending = None  # (config copy, path) not yet written
        self._thread: Optional[threading.Thread] = None

    def save_soon(self, cfg: cfg_mod.Config) -> None:
        """Write a copy of ``cfg`` (as it is now) on a writer thread."""
        job = (copy.deepcopy(cfg), cfg_mod.config_path())
        with self._lock:
            self._pending = job
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="config saver", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                job, self._pending = self._pending, None
                if job is None:
                    self._thread = None
                    return
            try:
                cfg_mod.save_config(*job)
            except OSError as exc:
                log.warning("cannot save the configuration to %s: %s", job[1], exc)
                self.failed.emit(exc)

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Wait for the writes asked (True when none is left under way)."""
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def save_now(self, cfg: cfg_mod.Config) -> None:
        """Write ``cfg`` on this thread, after a write under way (a copy waiting is dropped:
        ``cfg`` is newer). Raises OSError as :func:`~llmvis_desktop.core.config.save_config`."""
        with self._lock:
            self._pending = None
        self.wait()
        cfg_mod.save_config(cfg)
