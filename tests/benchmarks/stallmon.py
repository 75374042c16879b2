"""The GUI-thread stall monitor the GUI benchmarks share: a QTimer of a 5 ms period on
the GUI thread whose every tick records the time since the one before (or since the
last ``reset``). A tick cannot land while the thread is busy, so a long gap is a stall:
``gaps_ms`` are those times as they are, ``stalls_ms`` the same beyond the timer's
period (what "a gap beyond a 5 ms timer's period" means in the benchmarks' JSON).

    mon = StallMonitor()
    mon.start()               # resets, then ticks every 5 ms while the event loop runs
    t0 = mon.reset()          # forget the ticks so far; the next gap counts from t0
    ...                       # pump the event loop
    mon.stop()
    worst = max(mon.stalls_ms(), default=0)

Times come from ``time.perf_counter`` (a monotonic clock), in milliseconds. Each
benchmark picks its own figures (and their JSON keys) from these lists; ``p99`` and
``spread`` are the shared ones.
"""
from __future__ import annotations

import time

PERIOD_MS = 5


class StallMonitor:
    """Gaps between the ticks of a ``period_ms`` QTimer on the thread that makes it.

    ``ticks``: ``(perf_counter at the tick, ms since the previous tick, tag)`` for each
    tick since the last ``reset``; ``tag`` is whatever ``self.tag`` held at the tick (a
    benchmark's phase), ``None`` unless set."""

    def __init__(self, period_ms: int = PERIOD_MS) -> None:
        from PySide6.QtCore import QTimer

        self.period_ms = period_ms
        self.ticks: list[tuple[float, float, object]] = []
        self.last = time.perf_counter()
        self.tag: object = None
        self.timer = QTimer()
        self.timer.setInterval(period_ms)
        self.timer.timeout.connect(self.tick)

    def start(self) -> float:
        """Reset, then start the timer; returns the reset's time."""
        t = self.reset()
        self.timer.start()
        return t

    def stop(self) -> None:
        self.timer.stop()

    def reset(self) -> float:
        """Forget the ticks so far; the next gap counts from now (returned, perf_counter)."""
        self.ticks.clear()
        self.last = time.perf_counter()
        return self.last

    def tick(self) -> None:
        """Record the gap since the previous tick (the timer calls it; a caller may too,
        e.g. right after a call that held the thread, since no tick can land inside it)."""
        now = time.perf_counter()
        self.ticks.append((now, (now - self.last) * 1000, self.tag))
        self.last = now

    def gaps_ms(self, tag: object = ...) -> list[float]:
        """The gaps since the last reset, in ms (only those ticked under ``tag`` if given)."""
        return [g for _, g, t in self.ticks if tag is ... or t == tag]

    def stalls_ms(self, tag: object = ...) -> list[float]:
        """The same, less the timer's period: how much longer than a tick each one took."""
        return [g - self.period_ms for g in self.gaps_ms(tag)]

    def max_stall_ms(self) -> float:
        """The longest stall since the last reset, 0 when none was longer than a period."""
        return max(0.0, *self.stalls_ms()) if self.ticks else 0.0


def p99(values: list[float]) -> float:
    """The 99th percentile of ``values`` (not empty), as the benchmarks have taken it."""
    g = sorted(values)
    return g[min(len(g) - 1, int(len(g) * 0.99))]


def spread(name: str, stalls: list[float]) -> dict:
    """Beyond the single worst gap (on a shared machine, often the OS's doing): the
    99th percentile and how many stalls passed 50 ms, as ``p99_stall_{name}_ms`` and
    ``stalls_over_50ms_{name}``; nothing when there were none."""
    if not stalls:
        return {}
    return {f"p99_stall_{name}_ms": round(p99(stalls), 1),
            f"stalls_over_50ms_{name}": sum(1 for x in stalls if x > 50)}


def pump(until, seconds: float = 60.0, step_s: float = 0.001) -> bool:
    """Run the GUI thread's event loop until ``until()`` is true (True) or ``seconds`` have
    passed (False), sleeping ``step_s`` between passes with the GIL released (a worker
    thread runs meanwhile, as under ``app.exec()``)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        if until():
            return True
        time.sleep(step_s)
    return False


def wait_ms(ms: int) -> None:
    """Run the GUI thread's event loop for ``ms`` ms, as ``QTest.qWait`` does, but with the
    GIL released while it waits: PySide6's ``QTest.qWait`` keeps the GIL through the
    sleeps between its event-loop passes, so a worker thread running Python (a job, a
    warm-up) crawls meanwhile (a learned job read 30 images in over 60 s that it read in
    3 s under ``app.exec()``; ``bench_learned_in_window.py``)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(max(0, int(ms)), loop.quit)
    loop.exec()
