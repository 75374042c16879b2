"""Qt front end: adapts the core; never the other way round.

PySide6-Essentials 6.12.0 on CPython < 3.12 releases references it does not own on
``True`` (each ``emit()``) and ``None`` (each model ``data()`` returning None); after a
few hundred emits CPython aborts with "bool_dealloc" / "none_dealloc". 6.11.x does not
(checked side by side), so the project excludes 6.12.0 in its requirements and this
module refuses to start on that combination with a clear message instead of crashing
an hour into a review session.
"""
from __future__ import annotations

import sys

BROKEN_PYSIDE = {"6.12.0"}


class QtVersionError(RuntimeError):
    pass


def check_qt_binding() -> None:
    import PySide6

    major, minor = sys.version_info[:2]
    if PySide6.__version__ in BROKEN_PYSIDE and (major, minor) < (3, 12):
        raise QtVersionError(
            f"PySide6 {PySide6.__version__} crashes on Python {major}.{minor} "
            "(a reference-count bug in signal emission); install "
            "another release: pip install 'PySide6-Essentials!=6.12.0'"
        )


check_qt_binding()
