"""The reader processes' pool (core/suggest/reader_pool.py): answers read on the asking
thread, in order, errors handed back, a dead helper breaks the pool, nothing deadlocks
on large tasks or answers, and an answer nobody asks for still runs its callbacks."""
from __future__ import annotations

import math
import multiprocessing
import operator
import os
import threading
import time
from concurrent.futures.process import BrokenProcessPool

import pytest

from llmvis_desktop.core.suggest.reader_pool import MAX_QUEUED_BYTES, HelperPool

SPAWN = multiprocessing.get_context("spawn")


@pytest.fixture
def pool():
    made = []

    def make(processes=2):
        made.append(HelperPool(processes, SPAWN))
        return made[-1]

    yield make
    for p in made:
        p.shutdown(wait=False)


def test_answers_come_back_in_order_read_by_the_asking_thread(pool):
    p = pool(2)
    assert p.submit(os.getpid).result(timeout=60) != os.getpid()  # (started: a helper answered)
    threads = threading.active_count()
    futs = [p.submit(operator.mul, i, i) for i in range(12)]
    assert threading.active_count() == threads  # no manager or feeder thread in this process
    assert [f.result(timeout=60) for f in reversed(futs)][::-1] == [i * i for i in range(12)]
    assert threading.active_count() == threads
    assert len({p.submit(os.getpid).result(timeout=60) for _ in range(4)}) == 2  # both helpers work


def test_an_error_in_a_task_is_raised_where_it_is_asked_for_and_the_helper_goes_on(pool):
    p = pool(1)
    failing = p.submit(math.sqrt, -1)
    after = p.submit(operator.add, 1, 2)
    with pytest.raises(ValueError, match="math domain error"):
        failing.result(timeout=60)
    assert isinstance(failing.exception(), ValueError) and after.result(timeout=60) == 3


def test_large_tasks_and_answers_never_deadlock(pool):
    """The helper is writing a 2 MB answer nobody reads yet (more than its pipe holds: it
    is blocked): tasks over MAX_QUEUED_BYTES, more in all than any pipe buffers, wait in
    the pool instead of blocking the submitting thread (which would then never read the
    answer); every answer arrives, in order."""
    p = pool(1)
    text = "x" * (MAX_QUEUED_BYTES + 1000)
    first = p.submit(bytes, 2_000_000)
    helper = p._helpers[0]
    assert helper.conn.poll(60)  # the answer's first bytes are in the pipe: the helper is writing it
    futs = [first]

    def submit_rest():
        for _ in range(8 * 1024 * 1024 // len(text)):  # 8 MiB of tasks (a pipe: 64 KiB to 4 MiB)
            futs.append(p.submit(len, text))
        futs.append(p.submit(bytes, 2_000_000))

    submitter = threading.Thread(target=submit_rest, daemon=True)
    submitter.start()
    submitter.join(60)  # (a hang guard: submitting never waits for the helper)
    if submitter.is_alive():
        helper.process.kill()  # the submitter's write fails: the pool's lock is let go
        raise AssertionError("submitting a task waited for a helper blocked writing its answer")
    got = [f.result(timeout=60) for f in futs]
    assert got == [bytes(2_000_000)] + [len(text)] * (len(futs) - 2) + [bytes(2_000_000)]


def test_a_helper_that_dies_breaks_the_pool(pool):
    p = pool(2)
    slow = p.submit(time.sleep, 30)
    dying = p.submit(os._exit, 3)  # the other helper: the least busy
    with pytest.raises(BrokenProcessPool):
        dying.result(timeout=60)
    with pytest.raises(BrokenProcessPool):
        slow.result(timeout=60)  # the whole pool, as ProcessPoolExecutor does
    with pytest.raises(BrokenProcessPool):
        p.submit(operator.add, 1, 2)


def test_an_answer_nobody_asks_for_still_runs_its_callbacks(pool):
    p = pool(1)
    fut = p.submit(operator.add, 2, 3)
    came = threading.Event()
    fut.add_done_callback(lambda f: came.set())
    p.discard(fut)
    assert came.wait(60) and fut.result() == 5


def test_waiting_with_a_timeout_gives_up_and_the_answer_still_comes(pool):
    p = pool(1)
    fut = p.submit(time.sleep, 0.5)
    with pytest.raises(TimeoutError):
        fut.result(timeout=0.05)
    assert fut.result(timeout=60) is None


def test_shutting_down_finishes_what_was_sent_or_fails_it(pool):
    p = pool(1)
    sent = p.submit(time.sleep, 0.2)
    p.shutdown(wait=True)
    assert sent.done() and sent.result() is None
    assert not any(h.process.is_alive() for h in p._helpers)
    with pytest.raises(RuntimeError):
        p.submit(operator.add, 1, 2)
    q = pool(1)
    busy = q.submit(time.sleep, 30)
    q.shutdown(wait=False)
    with pytest.raises(BrokenProcessPool):
        busy.result(timeout=10)
    assert not any(h.process.is_alive() for h in q._helpers)


def test_helpers_started_before_one_could_not_be_are_stopped(monkeypatch):
    from llmvis_desktop.core.suggest import reader_pool

    started = []
    real = reader_pool._Helper

    def helper(ctx, initializer):
        if started:
            raise OSError(11, "Resource temporarily unavailable")  # fork: a process limit
        started.append(real(ctx, initializer))
        return started[-1]

    monkeypatch.setattr(reader_pool, "_Helper", helper)
    with pytest.raises(OSError, match="Resource temporarily unavailable"):
        HelperPool(3, SPAWN)
    assert len(started) == 1 and not started[0].process.is_alive()
