"""The model thread: one dedicated thread owns every loaded model (and its CUDA state).

Jobs are callables queued to it; each returns a ``concurrent.futures.Future``.
Models load once, keyed by (path, revision, role, device), and stay until
:meth:`ModelWorker.unload`, :meth:`ModelWorker.unload_unused` or :meth:`ModelWorker.shutdown`;
a chat model's caption and answer roles share one loaded model (role "chat" in the key).
A loaded model is handed out only for the opt-ins (``allow_bin``, ``allow_remote_code``)
it was loaded with, and only when they pass :func:`~.discovery.check` for the model as
given: asked for with other opt-ins (another project's), it is loaded again with those,
or refused. :meth:`ModelWorker.loaded_models` says what is loaded without waiting for
the thread (the GUI reads it). Qt-free: plain threading.
"""
from __future__ import annotations

import queue
import threading
import weakref
from concurrent.futures import Future
from typing import Any, Callable, Optional, Sequence

from .discovery import ModelInfo, names_model as _names

_STOP = object()
#: every model thread started in this process (see :func:`busy_threads`)
_THREADS: "weakref.WeakSet[threading.Thread]" = weakref.WeakSet()


class ModelWorker:
    def __init__(self, name: str = "llmvis-models") -> None:
        self._jobs: "queue.Queue" = queue.Queue()
        self._engines: dict[tuple, Any] = {}
        #: what is loaded, as :meth:`loaded_models` gives it: replaced whole by the model
        #: thread after each change, so another thread reads it without waiting or locking
        self._snapshot: tuple = ()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._closed = False
        #: how suggestion jobs shared the CPU cores with these models (:mod:`.cores`)
        self.core_choices: dict = {}
        self._thread.start()
        _THREADS.add(self._thread)

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
        from . import engines
        from .discovery import check

        if info.kind == "chat" and role in ("caption", "answer"):
            role = "chat"  # captions and answers of one chat model: one copy of its weights
        key = (info.path, info.revision, role, device)
        eng = self._engines.get(key)
        wanted = _optins(opts)
        if eng is not None and eng.loaded is not None and _optins(vars(eng)) != wanted:
            # loaded with other opt-ins (another project's): never handed out under these;
            # loaded again with them (its constructor checks them), or refused
            self._drop([key])
            eng = None
        if eng is None or eng.loaded is None:
            self._drop_other_revisions(info, role, device)
            eng = engines.engine_class(role)(info, device, **opts)
            self._engines[key] = eng
            self._changed()
        else:
            check(info, *wanted)  # the gate a load goes through, for the model as given now
        return eng

    def _drop_other_revisions(self, info: ModelInfo, role: str, device: str) -> None:
        """Unload this model's copies of another revision in ``role`` on ``device``: its folder
        saved again, or an HF-cache model's newer snapshot (same ``org/name``). The old copy
        stayed loaded beside the new one, and the project, still naming the model, kept both."""
        def same_model(other: ModelInfo) -> bool:
            return other.path == info.path or (info.source == "hf-cache" and other.source == "hf-cache"
                                               and other.model_id == info.model_id)

        self._drop([k for k, e in self._engines.items()
                    if k[2] == role and k[3] == device and k[1] != info.revision and same_model(e.info)])

    def loaded(self) -> list[tuple[str, str, str]]:
        return [(k[0], k[2], e.device) for k, e in self._engines.items() if e.loaded is not None]

    def loaded_models(self) -> tuple:
        """((ModelInfo, role, device, dtype name), ...) of the loaded models, read from any
        thread without waiting for the model thread (a running job keeps it busy)."""
        return self._snapshot

    def _changed(self) -> None:
        self._snapshot = tuple((e.info, k[2], e.device, getattr(e, "dtype_name", "")) for k, e in self._engines.items()
                               if e.loaded is not None)

    def unload(self, path: Optional[str] = None) -> None:
        """Unload one model (every role it was loaded for) or all of them, freeing memory."""
        self.call(self._unload, path)

    def _unload(self, path: Optional[str]) -> None:
        self._drop([k for k in self._engines if path is None or k[0] == path])

    def _drop(self, keys: list) -> None:
        """Unload the engines of ``keys``, with one collection for all of them."""
        if keys:
            from .engines import freed_once

            with freed_once():
                for key in keys:
                    self._engines.pop(key).unload()
        self._changed()

    def unload_unused(self, keep: Sequence[str] = (), model_dirs: Sequence[str] = (),
                      optins: Optional[dict] = None, device: Optional[str] = None) -> Future:
        """Unload every model none of ``keep`` names (specs as saved: a folder, a folder name
        in ``model_dirs``, an HF id); queued to the model thread, returns at once.

        ``optins``: the saved opt-ins of the project that keeps them (its ``model_optins``
        setting): a model loaded with other opt-ins (another project's) is unloaded too.
        ``device``: the device jobs ask for now; a model loaded for another one is unloaded."""
        return self.submit(self._unload_unused, [str(k) for k in keep if k], list(model_dirs),
                           None if optins is None else dict(optins), device)

    def _unload_unused(self, keep: list, model_dirs: list, optins: Optional[dict] = None,
                       device: Optional[str] = None) -> None:
        from .optins import saved_optins

        def kept(key, eng) -> bool:
            return (any(_names(s, eng.info, model_dirs) for s in keep)
                    and (device is None or key[3] == device)
                    and (optins is None or saved_optins(optins, eng.info) == _optins(vars(eng))))

        self._drop([k for k, e in self._engines.items() if not kept(k, e)])

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


def _optins(opts: dict) -> tuple[bool, bool]:
    """(allow_bin, allow_remote_code) of an engine's attributes or an ``engine()`` call's options."""
    return bool(opts.get("allow_bin")), bool(opts.get("allow_remote_code"))


def busy_threads() -> list[threading.Thread]:
    """Model threads still running: an interrupted job does not wait for its own (busy
    loading a model, or unloading it after the last batch, in torch's C++ code)."""
    return [t for t in list(_THREADS) if t.is_alive()]


_shared: Optional[ModelWorker] = None
_shared_lock = threading.Lock()


def shared_worker() -> ModelWorker:
    """The session's model thread (the GUI uses this one; created on first use)."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared._closed:
            _shared = ModelWorker()
        return _shared


def started_shared() -> Optional[ModelWorker]:
    """The session's model thread if one is running (None: nothing loaded; none is started)."""
    with _shared_lock:
        return _shared if _shared is not None and not _shared._closed else None


def shutdown_shared(wait: bool = True) -> None:
    """Stop the session's model thread if one was started (the GUI calls this on close)."""
    global _shared
    with _shared_lock:
        worker, _shared = _shared, None
    if worker is not None:
        worker.shutdown(wait=wait)
