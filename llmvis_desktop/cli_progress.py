"""The one progress report every `llmvis` subcommand writes on stderr: a redrawn bar on
a terminal; plain lines (no carriage returns) in a log file or pipe."""
from __future__ import annotations

import sys
import time
from typing import Optional

from .core.tasks import stage_unit

#: plain lines (a log, a pipe) start once a stage has run this long: a command done in a
#: moment writes none (its one-line result or error stays the whole of stderr)
QUIET_S = 5.0


def _duration(seconds: float) -> str:
    seconds = int(max(0, seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


def _counts(p) -> str:
    """``[#####    ] 12/40``: a stage's bar (``p.total`` known)."""
    return f"[{'#' * int(min(1.0, p.done / p.total) * 30):<30s}] {p.done}/{p.total}"


class ProgressBar:
    """A one-line progress bar on stderr (redrawn at most ~10 times a second) when it is a
    terminal; otherwise, once a stage has run :data:`QUIET_S` seconds, a plain line at most
    every ``interval`` seconds and at each 10% step of a known total, nothing per item
    (``plain``: None decides by the stream). ``detail``: each report's message is worth
    showing beside the counts too (repair training's losses)."""

    def __init__(self, stream=None, enabled: Optional[bool] = None, interval: float = 30.0,
                 plain: Optional[bool] = None, detail: bool = False) -> None:
        self.detail = detail
        self.stream = stream or sys.stderr
        tty = _isatty(self.stream)
        self.enabled = True if enabled is None else enabled
        self.plain = (not tty) if plain is None else plain
        self.interval = interval
        self._last = 0.0
        self._start = time.monotonic()
        self._stage = None
        self._dirty = False
        self._step = 0  # the last 10% step written (plain lines)
        self._first: Optional[tuple[float, int]] = None  # (time, done) of the stage's first item done
        self._waiting: Optional[float] = None  # since when the stage waits (Progress.waiting)

    def __call__(self, p) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if p.stage != self._stage:
            self.close()
            self._stage, self._start, self._step, self._last = p.stage, now, 0, now
            self._first = None
            self._waiting = None
        if self._first is None and p.done > 0:
            self._first = (now, p.done)
        if getattr(p, "waiting", False) or self._waiting is not None:
            self._wait(p, now)
            return
        if self.plain:
            self._plain(p, now)
            return
        if now - self._last < 0.1 and (p.total is None or p.done < p.total):
            return
        self._last = now
        elapsed = now - self._start
        if p.total:
            rate = self._rate(p, now)
            eta = ("ETA 0s" if p.done >= p.total else f"ETA {_duration((p.total - p.done) / rate)}" if rate
                   else "ETA ?")
            line = f"{p.stage:8s} {_counts(p)} {eta}"
            if self.detail and p.message:
                line += f"  {p.message}"
        else:
            line = f"{p.stage:8s} {p.message} ({elapsed:.1f}s)"
        self._draw(line)

    def _draw(self, line: str) -> None:
        """The terminal's one line, redrawn."""
        self.stream.write("\r" + line[:110].ljust(80))
        self.stream.flush()
        self._dirty = True

    def _wait(self, p, now: float) -> None:
        """A stage that waits for something outside it (the project database another
        process holds): what it waits for, on a line of its own as the wait begins (and
        every ``interval`` seconds in a log); on a terminal the bar shows it (its start: how
        long so far) in place of its ETA; the first report after it, its own line (the wait
        is over), and the time waited is not counted in the rate."""
        if not p.waiting:
            waited, self._waiting = now - self._waiting, None
            if self._first is not None:
                self._first = (self._first[0] + waited, self._first[1])
            self._line(p)
            return
        if self._waiting is None:
            self._waiting = now
            self._line(p)
            return
        if self.plain:
            if now - self._last >= self.interval:
                self._line(p)
            return
        if now - self._last < 0.1:
            return
        self._last = now
        self._draw(f"{p.stage:8s} {_counts(p) if p.total else p.done} {p.message}")

    def _line(self, p) -> None:
        """``p``'s message on a line of its own."""
        self.close()
        self._last = time.monotonic()
        if p.message:
            self.stream.write(f"{p.stage}: {p.message}\n")
            self.stream.flush()

    def _plain(self, p, now: float) -> None:
        if now - self._start < QUIET_S:
            return
        step = int(10 * min(1.0, p.done / p.total)) if p.total else 0
        if step > self._step:
            self._step = step
        elif now - self._last < self.interval:
            return
        self._last = now
        unit = stage_unit(p.stage)
        if p.total:
            frac = min(1.0, p.done / p.total)
            line = f"{p.stage}: {p.done:,}/{p.total:,} {unit} ({int(frac * 100)}%)"
        else:
            line = f"{p.stage}: {p.done:,} {unit}" + (f", {p.message}" if p.message else "")
        rate = self._rate(p, now)
        if rate:
            line += f", {rate:.1f} {unit}/s"
            if p.total and p.done < p.total:
                line += f", ETA {_duration((p.total - p.done) / rate)}"
        if self.detail and p.total and p.message:
            line += f"; {p.message}"
        self.stream.write(line + "\n")
        self.stream.flush()

    def _rate(self, p, now: float) -> Optional[float]:
        """Items a second since the stage's first item was done: the time before it (loading
        the models, reading the first batch) is not counted as work, which made the first
        ETAs of a suggest job minutes or hours too long. None until a second point."""
        if self._first is None:
            return None
        t0, done0 = self._first
        if now <= t0 or p.done <= done0:
            return None
        return (p.done - done0) / (now - t0)

    def close(self) -> None:
        if self.enabled and self._dirty:
            self.stream.write("\n")
            self.stream.flush()
            self._dirty = False


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
