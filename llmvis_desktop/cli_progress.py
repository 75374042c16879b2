"""The one progress bar every `llmvis` subcommand draws on stderr."""
from __future__ import annotations

import sys
import time
from typing import Optional


class ProgressBar:
    """A one-line progress bar on stderr (redrawn at most ~10 times a second)."""

    def __init__(self, stream=None, enabled: Optional[bool] = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._last = 0.0
        self._start = time.monotonic()
        self._stage = None
        self._dirty = False

    def __call__(self, p) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if p.stage != self._stage:
            self.close()
            self._stage, self._start = p.stage, now
        if now - self._last < 0.1 and (p.total is None or p.done < p.total):
            return
        self._last = now
        elapsed = now - self._start
        if p.total:
            frac = min(1.0, p.done / p.total)
            bar = "#" * int(frac * 30)
            eta = (elapsed / frac - elapsed) if frac > 0 else 0
            line = f"{p.stage:8s} [{bar:<30s}] {p.done}/{p.total} ETA {eta:5.1f}s"
        else:
            line = f"{p.stage:8s} {p.message} ({elapsed:.1f}s)"
        self.stream.write("\r" + line[:100].ljust(80))
        self.stream.flush()
        self._dirty = True

    def close(self) -> None:
        if self.enabled and self._dirty:
            self.stream.write("\n")
            self.stream.flush()
            self._dirty = False
