"""Peak Python memory of one call, for the bounded-memory tests of large images."""
from __future__ import annotations

import tracemalloc


def traced_peak(fn) -> tuple[object, int]:
    """(``fn()``, the peak bytes tracemalloc saw allocated while it ran)."""
    tracemalloc.start()
    try:
        out = fn()
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
