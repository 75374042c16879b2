"""Importing torch without freezing the other threads (a front end's UI thread).

``import torch`` loads libtorch's shared libraries while holding the interpreter
lock: their static initialisers run for about 0.2 s during which no other Python
thread runs, so the GUI froze once, the first time a job used a model (measured: a
195 ms event-loop stall). :func:`install` adds an import hook that, on the first
``import torch`` from any thread, first loads those libraries with the C library's
``dlopen`` called through ctypes, which releases the interpreter lock for the call;
the import that follows finds them loaded (the longest stall measured: 42 ms).

Linux only (elsewhere, and on any failure, the import simply runs as usual). Pure
core: no Qt, and torch itself is not imported here.
"""
from __future__ import annotations

import importlib.abc
import importlib.util
import logging
import os
import sys
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
    """Runs :func:`preload_libraries` once, at the first ``import torch``, then steps out."""

    def find_spec(self, fullname, path=None, target=None):
        global preloaded
        if fullname == "torch" and _importing():
            uninstall()
            preloaded = preload_libraries()
        return None  # the regular finders import it


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
