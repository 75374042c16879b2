"""Qt front end: adapts the core; never the other way round.

PySide6 6.12 + CPython < 3.12 workaround
---------------------------------------
PySide6 6.12.0 drops references it does not own on the singletons: ``emit()``
returns ``True`` without a new reference (every emit lowers ``True``'s count by one)
and a model ``data()`` that returns ``None`` through a QVariant round trip lowers
``None``'s. After a few hundred emits / a scroll through a big grid CPython aborts
with "Fatal Python error: bool_dealloc" / "none_dealloc" (both reproduced). CPython
3.12+ makes these singletons immortal, which hides the bugs. On older CPython we do
the same at import: ``True``, ``False`` and ``None`` get a very large reference
count. They are never freed in a healthy program anyway, so nothing else changes.
"""
from __future__ import annotations

import sys


def emit_leaks_true() -> bool:
    """Whether this PySide6 build has the emit/True reference bug (for reports)."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        sig = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.sig.emit()
    return sys.getrefcount(True) < before


def _immortalize_singletons() -> bool:
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    import ctypes

    # ob_refcnt is the first field of every PyObject (Py_ssize_t) in release builds
    for obj in (True, False, None):
        ctypes.c_ssize_t.from_address(id(obj)).value += 1 << 40
    return True


SINGLETONS_GUARDED = _immortalize_singletons()
