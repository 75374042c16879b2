"""The model thread: one dedicated thread owns every loaded model (and its CUDA state).

Jobs are callables queued to it; each returns a ``concurrent.futures.Future``.
Models load once, keyed by (path, revision, role, device), and stay until
:meth:`ModelWorker.unload` or :meth:`ModelWorker.shutdown`. Qt-free: plain threading.
"""
from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from typing import Any, Callable, Optional

from .discovery import ModelInfo

_STOP = object()


class ModelWorker:
    def __init__(self, name: str = "llmvis-models") -> None:
        self._jobs: "queue.Queue" = queue.Queue()
        self._engines: dict[tuple, Any] = {}
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._closed = False
        #: how suggestion jobs shared the CPU cores with these models (:mod:`.cores`)
        self.core_choices: dict = {}
        self._thread.start()

    # --- the thread -------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            item = self._jobs.get()
            if item is _STOP:
                self._unload_all()
                return
            fut, fn, args, kwargs = item
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # handed to the caller, never lost
                fut.set_exception(exc)
            else:
                fut.set_result(result)

    def submit(self, fn: Callable, *args, **kwargs) -> Future:
        if self._closed:
            raise RuntimeError("the model worker has been shut down")
        fut: Future = Future()
        self._jobs.put((fut, fn, args, kwargs))
        return fut

    def call(self, fn: Callable, *args, **kwargs):
        """Run on the model thread and wait for the result (re-raises its exception)."""
        if threading.current_thread() is self._thread:
            return fn(*args, **kwargs)
        return self.submit(fn, *args, **kwargs).result()

    # --- models -------------------------------------------------------------------
    def engine(self, info: ModelInfo, role: str, device: str = "auto", **opts):
        """The loaded engine for ``info`` in ``role`` (caption | label | answer); loads it once."""
        return self.call(self._engine, info, role, device, opts)

    def _engine(self, info: ModelInfo, role: str, device: str, opts: dict):
        from .engines import engine_class

        key = (info.path, info.revision, role, device)
        eng = self._engines.get(key)
        if eng is None or eng.loaded is None:
            # an Answerer and a Captioner on the same chat model share nothing: keep memory honest
            eng = engine_class(role)(info, device, **opts)
            self._engines[key] = eng
        return eng

    def loaded(self) -> list[tuple[str, str, str]]:
        return [(k[0], k[2], e.device) for k, e in self._engines.items() if e.loaded is not None]

    def unload(self, path: Optional[str] = None) -> None:
        """Unload one model (every role it was loaded for) or all of them, freeing memory."""
        self.call(self._unload, path)

    def _unload(self, path: Optional[str]) -> None:
        for key in [k for k in self._engines if path is None or k[0] == path]:
            self._engines.pop(key).unload()

    def _unload_all(self) -> None:
        try:
            self._unload(None)
        except Exception:
            pass

    def shutdown(self, wait: bool = True) -> None:
        if self._closed:
            return
        self._closed = True
        self._jobs.put(_STOP)
        if wait:
            self._thread.join()

    def __enter__(self) -> "ModelWorker":
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()


_shared: Optional[ModelWorker] = None
_shared_lock = threading.Lock()


def shared_worker() -> ModelWorker:
    """The session's model thread (the GUI uses this one; created on first use)."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared._closed:
            _shared = ModelWorker()
        return _shared


def shutdown_shared(wait: bool = True) -> None:
    """Stop the session's model thread if one was started (the GUI calls this on close)."""
    global _shared
    with _shared_lock:
        worker, _shared = _shared, None
    if worker is not None:
        worker.shutdown(wait=wait)
