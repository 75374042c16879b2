"""Importing torch without freezing the other threads (a front end's UI thread).

``import torch`` loads libtorch's shared libraries while holding the interpreter
lock: their static initialisers run for about 0.2 s during which no other Python
thread runs, so the GUI froze once, the first time a job used a model (measured: a
195 ms event-loop stall). :func:`install` adds an import hook that, on the first
``import torch`` from any thread, first loads those libraries with the C library's
``dlopen`` called through ctypes, which releases the interpreter lock for the call;
the import that follows finds them loaded (the longest stall measured: 42 ms). The
hook also runs that import with the cyclic collector paused and freezes what it made,
whoever imports torch first (a model's device check, ``device.resolve``, came before
:func:`import_engine`: its young collections held the GIL 30-160 ms at a time).

Linux only (elsewhere, and on any failure, the import simply runs as usual). Pure
core: no Qt, and torch itself is not imported here (only in :func:`import_engine`,
which a model's load calls).

:func:`import_engine` imports torch and transformers for a model's first load with the
cyclic garbage collector paused, then moves what the imports made (about 300,000
objects) out of its sight (``gc.freeze``), as the window does with its own start-up
objects (``qt.app.settle_garbage_collector``). The collector holds the interpreter lock
whichever thread runs it: during the imports its young collections held it up to 30 ms
at a time (220 ms in all), and every full collection after them walked those objects,
a 190 ms freeze of the window each time (a job's objects trigger one sooner or later).
A model's load runs with the collector paused too (:func:`collector_paused`; the young
collections during a first load, the model classes' modules imported then, held the GIL
up to 95-155 ms each on a loaded 2-core machine) and freezes its objects after; its
unload collects everything, frozen or not, and freezes what is left (:func:`collect_all`).
"""
from __future__ import annotations

import gc
import importlib.abc
import importlib.util
import logging
import os
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

log = logging.getLogger(__name__)

# the library that pulls in the rest of libtorch (its dependencies load with it)
ENTRY_LIBRARY = "libtorch_python.so"


def torch_lib_dir() -> Optional[Path]:
    """torch's ``lib`` folder, found without importing torch (None when not installed)."""
    try:
        spec = importlib.util.find_spec("torch")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    lib = Path(list(spec.submodule_search_locations)[0]) / "lib"
    return lib if lib.is_dir() else None


def preload_libraries() -> bool:
    """dlopen libtorch without holding the interpreter lock; True when it was loaded."""
    if not sys.platform.startswith("linux") or "torch" in sys.modules:
        return False
    lib = torch_lib_dir()
    if lib is None or not (lib / ENTRY_LIBRARY).exists():
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None)  # a CDLL call releases the interpreter lock
        libc.dlopen.restype = ctypes.c_void_p
        libc.dlopen.argtypes = [ctypes.c_char_p, ctypes.c_int]
        handle = libc.dlopen(os.fsencode(lib / ENTRY_LIBRARY), os.RTLD_NOW | os.RTLD_GLOBAL)
        return bool(handle)
    except Exception:  # never a reason for the import itself to fail
        log.debug("torch preload failed", exc_info=True)
        return False


class _TorchPreloader(importlib.abc.MetaPathFinder):
    """At the first ``import torch`` (from whichever thread and caller: a model's device
    check, the learned CNN, repair, :func:`import_engine`): steps out, runs
    :func:`preload_libraries`, then hands the regular finders' spec back with its
    ``exec_module`` run under :func:`collector_paused`."""

    def find_spec(self, fullname, path=None, target=None):
        global preloaded
        if fullname != "torch" or not _importing():
            return None
        uninstall()
        with collector_paused():  # (ctypes' import too)
            preloaded = preload_libraries()
        return _paused_spec(fullname, path, target)


def _paused_spec(fullname, path, target):
    """The spec the other finders give, its module executed with the collector paused
    (torch's import made ~300,000 objects: with the collector on, its young collections
    walked them holding the GIL, 30-160 ms at a time, the window's longest stalls of a
    first job); None (the regular import, collector on) when it cannot be had."""
    try:
        for finder in list(sys.meta_path):
            find = getattr(finder, "find_spec", None)
            spec = find(fullname, path, target) if find is not None else None
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        run = getattr(loader, "exec_module", None)
        if run is None:
            return None

        def exec_module(module):
            with collector_paused():
                run(module)

        loader.exec_module = exec_module  # (this spec's own loader: only this import)
        return spec
    except Exception:  # never a reason for the import itself to fail
        log.debug("torch import spec not wrapped", exc_info=True)
        return None


def _importing() -> bool:
    """Whether this lookup is an import, not a probe such as ``importlib.util.find_spec``
    (the menus ask whether torch is installed: loading 100 MB of libtorch for that
    would cost start-up time and memory)."""
    f = sys._getframe(2)
    while f is not None:
        if f.f_code.co_name == "_find_and_load_unlocked":
            return True
        f = f.f_back
    return False


_engine_lock = threading.Lock()
engine_imported = False  # import_engine has run to its end in this process


def import_engine() -> None:
    """Import torch and transformers (raising their ImportError) the first time, with the
    cyclic collector paused and their objects frozen after (see the module's docstring);
    later calls return at once. Torch's libraries are preloaded as :func:`install`'s hook
    does, whether or not it was installed."""
    global engine_imported
    if engine_imported:
        return
    with _engine_lock:
        if engine_imported:
            return
        # transformers reads it once, at its import: no model load may reach a network
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        with collector_paused():
            if "torch" not in sys.modules:
                uninstall()  # (the hook's own work, done here)
                preload_libraries()
            import torch  # noqa: F401
            import transformers  # noqa: F401
        engine_imported = True


@contextmanager
def collector_paused():
    """Run the block (an import, a model's load) with the cyclic collector paused; when it
    succeeds, what exists then (what the block made: modules, a loaded model) is frozen
    before the collector is on again, or its first young collection would walk it all at
    once. A model's objects stay frozen while it is loaded: its unload collects them
    (:func:`collect_all`). A block that raised freezes nothing: its garbage is collected."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if was_enabled:
            gc.enable()


def collect_all() -> None:
    """A full collection of frozen objects too (a model unloaded: a cycle of its objects
    frozen at its load is freed), then the survivors frozen again."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


_hook: Optional[_TorchPreloader] = None
preloaded: Optional[bool] = None  # what the hook did at the first import (None: not yet)


def install() -> bool:
    """Add the hook (idempotent); False when torch is already imported."""
    global _hook
    if "torch" in sys.modules:
        return False
    if _hook is None:
        _hook = _TorchPreloader()
        sys.meta_path.insert(0, _hook)
    return True


def uninstall() -> None:
    global _hook
    if _hook is not None:
        try:
            sys.meta_path.remove(_hook)
        except ValueError:
            pass
        _hook = None
