"""core.tasks.Foreground: background loops step aside while the UI thread is busy, boundedly."""
import threading
import time

from llmvis_desktop.core.tasks import CancelToken, Foreground


def _timed(fn) -> float:
    t = time.monotonic()
    fn()
    return time.monotonic() - t


def _timed_in_worker(fn) -> float:
    """How long ``fn`` takes on another thread (a background loop's point of view)."""
    out = []
    t = threading.Thread(target=lambda: out.append(_timed(fn)))
    t.start()
    t.join(10)
    return out[0]


def test_idle_foreground_costs_nothing():
    fg = Foreground()
    assert not fg.is_busy
    assert _timed(fg.yield_to) < 0.005


def test_worker_waits_while_busy_and_resumes_when_released():
    fg = Foreground(max_wait_s=2.0)
    waited = []
    with fg.busy():
        assert fg.is_busy
        worker = threading.Thread(target=lambda: waited.append(_timed(fg.yield_to)))
        worker.start()
        time.sleep(0.15)
        assert worker.is_alive()  # still stepping aside
    worker.join(2)
    assert not fg.is_busy
    assert 0.1 <= waited[0] < 1.5


def test_wait_is_bounded_so_a_lock_holder_cannot_deadlock_the_ui():
    fg = Foreground(max_wait_s=0.05)
    with fg.busy():
        assert 0.04 <= _timed_in_worker(fg.yield_to) < 0.5


def test_hold_keeps_it_busy_for_a_while_after_an_action():
    fg = Foreground(max_wait_s=1.0)
    fg.hold(0.1)
    assert fg.is_busy
    assert 0.05 <= _timed_in_worker(fg.yield_to) < 0.6
    assert not fg.is_busy


def test_cancel_token_check_yields_to_the_process_foreground(monkeypatch):
    from llmvis_desktop.core import tasks

    fg = Foreground(max_wait_s=0.05)
    monkeypatch.setattr(tasks, "FOREGROUND", fg)
    token = CancelToken()
    assert _timed_in_worker(token.check) < 0.005
    with fg.busy():
        assert _timed_in_worker(token.check) >= 0.04


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


def test_the_ui_thread_never_waits_for_itself():
    fg = Foreground(max_wait_s=1.0)
    with fg.busy():  # a core call with a CancelToken made on the UI thread itself
        assert _timed(fg.yield_to) < 0.005
    fg.hold(0.5)
    assert _timed(fg.yield_to) < 0.005
