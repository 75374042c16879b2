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


class StackSampler:
    """Which Python code the GUI thread runs while it stalls: a watchdog thread that
    looks every ``every_ms`` at the monitor's last tick and, once the GUI thread is late
    by more than ``late_ms`` beyond the timer's period, takes the GUI thread's stack
    (``sys._current_frames``) on each look until the next tick lands.

        mon = StallMonitor(); mon.start()
        sampler = StackSampler(mon); sampler.start()    # on the GUI thread
        ...                                            # pump the event loop
        sampler.stop()
        for stall in sampler.attribute(min_ms=15): print(stall)

    A C call that holds the GIL delays the watchdog too: the stack it sees then is the
    Python frame that called into C (still the code to blame). A stack shows the
    innermost frame (whatever module it is in) and the innermost ``depth`` frames of
    ``ours`` (a path part, e.g. ``llmvis_desktop``), innermost first, each
    ``module:function:line``; ``pump`` alone means the thread was in Qt's C++ (painting,
    layout) or asleep between passes."""

    def __init__(self, monitor: StallMonitor, late_ms: float = 10.0, every_ms: float = 2.0,
                 depth: int = 4, ours: str = "llmvis_desktop") -> None:
        import threading

        self.monitor = monitor
        self.late_ms = late_ms
        self.every_s = every_ms / 1000
        self.depth = depth
        self.ours = ours
        self.gui_thread = threading.get_ident()
        self.samples: list[tuple[float, tuple[str, ...]]] = []  # (perf_counter, stack)
        #: (perf_counter, ((thread name, stack), ...)): the other threads that were not
        #: waiting (a lock, a queue, a sleep) at each sample: who may hold the GIL
        self.others: list[tuple[float, tuple]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stall-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def _run(self) -> None:
        import sys

        limit = (self.monitor.period_ms + self.late_ms) / 1000
        while not self._stop.wait(self.every_s):
            if time.perf_counter() - self.monitor.last <= limit or not self.monitor.timer.isActive():
                continue
            frames = sys._current_frames()
            frame = frames.get(self.gui_thread)
            if frame is not None:
                now = time.perf_counter()
                self.samples.append((now, self.stack(frame)))
                self.others.append((now, self._busy_others(frames)))

    #: innermost functions of a thread that waits (it does not hold the GIL there)
    WAITING = frozenset({"wait", "get", "sleep", "acquire", "_wait_for_tstate_lock", "select",
                         "poll", "_worker", "join", "accept", "recv", "readinto", "_run"})

    def _busy_others(self, frames: dict) -> tuple:
        import threading

        names = {t.ident: t.name for t in threading.enumerate()}
        me = threading.get_ident()
        out = []
        for tid, frame in frames.items():
            if tid in (self.gui_thread, me) or frame.f_code.co_name in self.WAITING:
                continue
            out.append((names.get(tid, str(tid)), self.stack(frame)))
        return tuple(out)

    def stack(self, frame) -> tuple[str, ...]:
        """The innermost frame, then the innermost ``depth`` frames of our code."""
        out: list[str] = []
        ours = 0
        first = True
        while frame is not None and ours < self.depth:
            code = frame.f_code
            mine = self.ours in code.co_filename
            if first or mine:
                mod = code.co_filename.rsplit("/", 1)[-1].removesuffix(".py")
                out.append(f"{mod}:{code.co_name}:{frame.f_lineno}")
                ours += mine
            first = False
            frame = frame.f_back
        return tuple(out)

    def attribute(self, min_ms: float = 15.0) -> list[dict]:
        """Per stall over ``min_ms`` (beyond the period): its end (perf_counter), length,
        how many samples fell in it and its most frequent stack (``top_stack``, with
        ``top_share``: its part of the samples), plus the next two (``other_stacks``), and
        the other threads seen not waiting meanwhile (``busy_threads``: ``[thread: stack,
        samples]``, the three most seen), who may have held the GIL."""
        from collections import Counter

        out = []
        for t, gap, _tag in self.monitor.ticks:
            ms = gap - self.monitor.period_ms
            if ms <= min_ms:
                continue
            begin = t - gap / 1000
            seen = Counter(s for ts, s in self.samples if begin <= ts <= t)
            n = sum(seen.values())
            common = seen.most_common(3)
            busy = Counter(f"{name}: {' <- '.join(st)}" for ts, o in self.others
                           if begin <= ts <= t for name, st in o)
            out.append({"end": t, "ms": round(ms, 1), "samples": n,
                        "top_stack": list(common[0][0]) if common else [],
                        "top_share": round(common[0][1] / n, 2) if common else 0.0,
                        "other_stacks": [[list(s), c] for s, c in common[1:]],
                        "busy_threads": busy.most_common(3)})
        return out
