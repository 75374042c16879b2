"""The reader processes' pool: helper processes, each on its own pipe, with no threads
in the job's process between the job and its helpers.

:class:`concurrent.futures.ProcessPoolExecutor` hands each task through two threads of
the job's process (its manager thread and a queue's feeder thread), one queue every
helper locks to take its next task, and the manager thread again for the result. Each
of those wakes a sleeping thread or process, and the threads take the interpreter lock
the model thread needs. On 2 cores, a job's first batch (two halves of 8 noise PNGs)
came back 11-12 ms after it was queued, of which decoding took 7 ms.

Here the thread that submits a task writes it straight into a helper's pipe, and the
thread that wants a result reads it from that pipe (:meth:`HelperPool.receive`):
8.5-9 ms for the same batch. A result nobody asks for (the job was cancelled) is read
by a short-lived thread, so that its callbacks (freeing a shared-memory block) run.

The surface is the part of :class:`~concurrent.futures.ProcessPoolExecutor` the readers
use: :meth:`HelperPool.submit` returns a :class:`~concurrent.futures.Future`, a helper
that dies breaks the whole pool (its unfinished futures raise
:class:`~concurrent.futures.process.BrokenProcessPool`), and :meth:`HelperPool.shutdown`.

A pipe is never written to when its helper could be blocked writing to it: the tasks
outstanding on a helper, as sent, stay under :data:`MAX_QUEUED_BYTES` (far below what a
pipe buffers), and a task over that waits in the pool until the helper's earlier
results are read.
"""
from __future__ import annotations

import logging
import pickle
import threading
import time
from collections import deque
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Optional

log = logging.getLogger(__name__)

#: bytes of tasks sent to a helper and not answered yet, at most (a pipe buffers 64 KiB)
MAX_QUEUED_BYTES = 32 * 1024


def _serve(conn, initializer: Optional[Callable]) -> None:
    """A helper's loop: read a task, run it, write (ok, result or exception) back; stop at
    None or when the job's process is gone (the pipe's end of file)."""
    if initializer is not None:
        initializer()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        fn, args = task
        try:
            reply = (True, fn(*args))
        except BaseException as exc:  # handed to the job, never lost
            reply = (False, exc)
        try:
            conn.send(reply)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:  # an unpicklable result or error
            conn.send((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
        except (BrokenPipeError, OSError):
            return


class _PipeFuture(Future):
    """A future whose ``result`` / ``exception`` read its answer from the helper's pipe
    on the calling thread (:meth:`HelperPool.receive`)."""

    def __init__(self, pool: "HelperPool", helper: "_Helper") -> None:
        super().__init__()
        self.llmvis_owner, self.llmvis_helper = pool, helper

    def result(self, timeout: Optional[float] = None):
        self.llmvis_owner.receive(self, timeout)
        return super().result(timeout=0 if timeout is not None and not self.done() else timeout)

    def exception(self, timeout: Optional[float] = None):
        self.llmvis_owner.receive(self, timeout)
        return super().exception(timeout=0 if timeout is not None and not self.done() else timeout)


class _Helper:
    """One helper process, its pipe, and its tasks in the order they were sent."""

    def __init__(self, ctx, initializer) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_serve, args=(child, initializer), daemon=True,
                                   name="llmvis-reader")
        self.process.start()
        child.close()  # the helper's end lives in the helper only: its death is our end of file
        self.sent: deque = deque()  # (future, bytes) sent, answer not read yet
        self.held: deque = deque()  # (future, pickled task) waiting for room in the pipe
        self.recv_lock = threading.Lock()  # one reader of the pipe at a time

    @property
    def queued(self) -> int:
        return len(self.sent) + len(self.held)


class HelperPool:
    """``processes`` helper processes started with ``ctx`` (a multiprocessing context),
    each running ``initializer`` first."""

    def __init__(self, processes: int, ctx, initializer: Optional[Callable] = None) -> None:
        self._lock = threading.Lock()  # the helpers' queues, sending, the broken state
        self._broken: Optional[str] = None
        self._closed = False
        self._helpers: list[_Helper] = []
        try:
            for _ in range(max(1, int(processes))):
                self._helpers.append(_Helper(ctx, initializer))
        except BaseException:  # a process limit, no pipes: those started do not linger
            for helper in self._helpers:
                _stop(helper, kill=True)
            raise
        self._next = 0

    def submit(self, fn: Callable, *args) -> Future:
        """Run ``fn(*args)`` in the helper with the fewest tasks (a module-level function,
        picklable arguments)."""
        data = pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock:
            if self._broken is not None:
                raise BrokenProcessPool(self._broken)
            if self._closed:
                raise RuntimeError("cannot schedule new futures after shutdown")
            n = len(self._helpers)
            order = [(self._next + k) % n for k in range(n)]
            helper = self._helpers[min(order, key=lambda k: self._helpers[k].queued)]
            self._next = (self._next + 1) % n
            fut = _PipeFuture(self, helper)
            helper.held.append((fut, data))
            self._send_held(helper)
        return fut

    def _send_held(self, helper: _Helper) -> None:
        """(With the lock.) Send what waits for ``helper`` while its pipe has room."""
        while helper.held:
            fut, data = helper.held[0]
            in_pipe = sum(size for _, size in helper.sent)
            if helper.sent and in_pipe + len(data) > MAX_QUEUED_BYTES:
                return
            helper.held.popleft()
            if not fut.set_running_or_notify_cancel():  # cancelled while it waited
                continue
            try:
                helper.conn.send_bytes(data)
            except OSError as exc:  # the helper is gone
                helper.held.appendleft((fut, data))
                self._break(f"a reader process is gone ({exc})")
                return
            helper.sent.append((fut, len(data)))

    def receive(self, fut: Future, timeout: Optional[float] = None) -> None:
        """Read ``fut``'s helper's answers, in order, until ``fut`` has its own (or
        ``timeout`` seconds passed; 0: only the answers already in the pipe): the calling
        thread waits on the pipe itself."""
        helper = getattr(fut, "llmvis_helper", None)
        if helper is None or fut.done():
            return
        deadline = None if timeout is None else time.monotonic() + timeout
        with helper.recv_lock:
            while not fut.done():
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and not helper.conn.poll(max(0.0, left)):
                    return
                try:
                    ok, value = helper.conn.recv()
                except (EOFError, OSError) as exc:
                    with self._lock:
                        self._break(f"a reader process terminated abruptly ({type(exc).__name__})")
                    return
                with self._lock:
                    if not helper.sent:  # the pool broke meanwhile: every task has failed
                        return
                    done, _ = helper.sent.popleft()
                    self._send_held(helper)
                if ok:
                    done.set_result(value)
                else:
                    done.set_exception(value)

    def discard(self, fut: Future) -> None:
        """Nobody will ask for ``fut``'s answer: a short-lived thread reads it (and the
        answers sent before it), so that its done-callbacks run."""
        if fut.done() or getattr(fut, "llmvis_helper", None) is None:
            return
        threading.Thread(target=self.receive, args=(fut,), name="llmvis-reader-drain", daemon=True).start()

    @property
    def pids(self) -> list[int]:
        """The helpers' process ids."""
        return [h.process.pid for h in self._helpers if h.process.pid is not None]

    def _break(self, why: str) -> None:
        """(With the lock.) A helper died: the pool is broken, every unfinished task fails."""
        if self._broken is None:
            self._broken = why
            log.debug("reader pool broken: %s", why)
        for helper in self._helpers:
            while helper.sent or helper.held:
                fut, _ = (helper.sent or helper.held).popleft()
                if not fut.done():
                    fut.set_exception(BrokenProcessPool(why))
            _stop(helper, kill=True)

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        """Stop the helpers. ``wait``: the tasks they were sent are finished and read first
        (tasks still held back are dropped with ``cancel_futures``); otherwise they are
        stopped at once and their tasks fail."""
        with self._lock:
            self._closed = True
            helpers = list(self._helpers)
            if cancel_futures:
                for helper in helpers:
                    while helper.held:
                        helper.held.pop()[0].cancel()
        if not wait:
            with self._lock:
                self._break("the reader processes were shut down")
            return
        for helper in helpers:
            while True:
                with self._lock:
                    last = helper.sent[-1][0] if helper.sent else (helper.held[-1][0] if helper.held else None)
                if last is None:
                    break
                self.receive(last)
                if self._broken is not None:
                    break
            _stop(helper, kill=False)


def _stop(helper: _Helper, kill: bool) -> None:
    try:
        if not kill and helper.process.is_alive():
            helper.conn.send(None)
            helper.process.join(5)
    except (OSError, ValueError):
        pass
    if helper.process.is_alive():
        helper.process.kill()
        helper.process.join(5)
    helper.conn.close()
