"""Qt front end: adapts the core; never the other way round.

PySide6 6.12 + CPython < 3.12 workaround
---------------------------------------
``SignalInstance.emit()`` in PySide6 6.12.0 returns ``True`` without taking a new
reference, so every emit from Python code lowers ``True``'s reference count by one;
after a few hundred emits CPython aborts with "Fatal Python error: bool_dealloc:
deallocating True or False" (reproduced: ``for _ in range(1000): obj.sig.emit()``).
CPython 3.12+ makes ``True`` immortal, which hides the bug. On older interpreters we
detect the bug with one probe emit at import and, only when it is present, give
``True`` a very large reference count (what 3.12 does by design). Nothing else in the
interpreter changes; the probe is skipped on 3.12+ and on non-CPython.
"""
from __future__ import annotations

import sys


def _emit_leaks_true() -> bool:
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        sig = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.sig.emit()
    return sys.getrefcount(True) < before


def _guard_true_refcount() -> bool:
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    if not _emit_leaks_true():
        return False
    import ctypes

    # ob_refcnt is the first field of every PyObject (Py_ssize_t) in release builds
    ctypes.c_ssize_t.from_address(id(True)).value += 1 << 40
    return True


TRUE_REFCOUNT_GUARDED = _guard_true_refcount()
