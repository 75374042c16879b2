"""core.tasks.Foreground: background loops step aside while the UI thread is busy, boundedly.

The waits are measured on a virtual clock (``clock``: core.tasks' ``time``), not the wall
clock: on a loaded machine a thread switch alone took longer than the 5 ms these tests
once allowed for "no wait"."""
import threading
import time

import pytest

from llmvis_desktop.core.tasks import CancelToken, Foreground

_real_sleep = time.sleep


class _Clock:
    """``monotonic()`` is virtual time; ``sleep(s)`` moves it by ``s`` (a short real sleep
    lets the other threads run) and counts the call."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps = 0
        self.sleeping = threading.Event()  # set by the first sleep

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        self.now += seconds
        self.sleeping.set()
        _real_sleep(0.0005)


@pytest.fixture
def clock(monkeypatch):
    from llmvis_desktop.core import tasks

    c = _Clock()
    monkeypatch.setattr(tasks, "time", c)

    def block(fg, seconds):  # the wait for a busy block's end, on the virtual clock
        c.sleeping.set()
        end = c.now + seconds
        while c.now < end and not fg._free.wait(0.0005):
            c.now = min(end, c.now + 0.001)

    monkeypatch.setattr(Foreground, "_block", block)
    return c


def _waited(clock, fn) -> float:
    """Virtual seconds ``fn`` slept, called on another thread (a background loop's view)."""
    out = []

    def run():
        t = clock.now
        fn()
        out.append(clock.now - t)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(30)
    assert not worker.is_alive()
    return out[0]


def test_idle_foreground_costs_nothing(clock):
    fg = Foreground()
    assert not fg.is_busy
    assert _waited(clock, fg.yield_to) == 0 and clock.sleeps == 0


def test_worker_waits_while_busy_and_resumes_when_released(clock):
    fg = Foreground(max_wait_s=3600.0)  # far beyond the test: only the release ends the wait
    released = threading.Event()
    after_release = []

    def work():
        fg.yield_to()
        after_release.append(released.is_set())

    with fg.busy():
        assert fg.is_busy
        worker = threading.Thread(target=work)
        worker.start()
        assert clock.sleeping.wait(30)  # it is stepping aside...
        assert worker.is_alive() and not after_release  # ...and still is
        released.set()  # (before the busy block ends: a return after it sees it set)
    worker.join(30)
    assert not worker.is_alive() and not fg.is_busy
    assert after_release == [True]  # it went on only once the UI thread was done
    assert clock.now - 1000.0 < 3600.0  # not at the end of its bound


def test_wait_is_bounded_so_a_lock_holder_cannot_deadlock_the_ui(clock):
    fg = Foreground(max_wait_s=0.05)
    with fg.busy():
        assert _waited(clock, fg.yield_to) == pytest.approx(0.05, abs=0.001)
        assert fg.is_busy  # it gave up waiting, the UI thread still busy


def test_hold_keeps_it_busy_for_a_while_after_an_action(clock):
    fg = Foreground(max_wait_s=1.0)
    fg.hold(0.1)
    assert fg.is_busy
    assert _waited(clock, fg.yield_to) == pytest.approx(0.1, abs=0.001)
    assert not fg.is_busy


def test_cancel_token_check_yields_to_the_process_foreground(monkeypatch, clock):
    from llmvis_desktop.core import tasks

    fg = Foreground(max_wait_s=0.05)
    monkeypatch.setattr(tasks, "FOREGROUND", fg)
    token = CancelToken()
    assert _waited(clock, token.check) == 0
    with fg.busy():
        assert _waited(clock, token.check) == pytest.approx(0.05, abs=0.001)


def test_lower_thread_priority_touches_only_the_calling_thread():
    import os
    import sys

    from llmvis_desktop.core.tasks import BACKGROUND_NICE, lower_thread_priority

    out = {}

    def worker():
        out["ok"] = lower_thread_priority()
        if sys.platform.startswith("linux"):
            out["nice"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    main_before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) if hasattr(os, "getpriority") else None
    t = threading.Thread(target=worker)
    t.start()
    t.join()
    if sys.platform.startswith("linux"):
        assert out["ok"] and out["nice"] >= BACKGROUND_NICE
        assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == main_before
    else:
        assert out["ok"] is False


def test_the_ui_thread_never_waits_for_itself(clock):
    fg = Foreground(max_wait_s=1.0)
    with fg.busy():  # a core call with a CancelToken made on the UI thread itself
        fg.yield_to()
    fg.hold(0.5)
    assert fg.is_busy
    fg.yield_to()
    assert clock.sleeps == 0


def test_a_waiting_thread_blocks_instead_of_polling(monkeypatch):
    """While the UI thread is busy, a thread in ``yield_to`` sleeps blocked until the busy
    block ends: it polled every 0.5 ms, taking the interpreter lock back 2,000 times a
    second while the UI thread painted."""
    from llmvis_desktop.core import tasks

    class Counting:
        sleeps = 0
        monotonic = staticmethod(time.monotonic)

        @classmethod
        def sleep(cls, seconds):
            cls.sleeps += 1
            _real_sleep(seconds)

    monkeypatch.setattr(tasks, "time", Counting)
    fg = Foreground(max_wait_s=30.0)
    done = threading.Event()

    def work():
        fg.yield_to()
        done.set()

    with fg.busy():
        worker = threading.Thread(target=work)
        worker.start()
        _real_sleep(0.1)
        assert not done.is_set()  # it steps aside...
    assert done.wait(10)  # ...and goes on once the busy block has ended
    worker.join(10)
    assert Counting.sleeps == 0
