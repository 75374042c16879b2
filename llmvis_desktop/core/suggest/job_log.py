"""What long-lived helpers say, kept with when they said it, for the report of the job
they were saying it in.

A loaded model (:class:`.engines.Engine`) and the session's reader processes
(:class:`.reading.ProcessReader`) outlive the job, and the project, that made them say
something (an out-of-memory halving, a CPU fallback): a job's report takes what was said
since the job began (:func:`mark`, :meth:`MessageLog.since`) and, from before it, only a
standing state the helper is still in, worded as one (``standing(since, batch)``).
"""
from __future__ import annotations

import itertools
from typing import Iterable

_clock = itertools.count(1)  # next() is atomic under the GIL: any thread may mark or say


def mark() -> int:
    """Now: everything said from here on has a larger mark."""
    return next(_clock)


class MessageLog:
    """Messages with the mark they were said at; a message said again moves to its newest
    mark (so a repeated one is reported by the job it recurs in, and the log stays small)."""

    def __init__(self) -> None:
        self._said: list[tuple[int, str]] = []

    def say(self, msg: str) -> int:
        at = next(_clock)
        self._said = [(t, m) for t, m in self._said if m != msg] + [(at, msg)]
        return at

    def since(self, at: int) -> list[str]:
        return [m for t, m in list(self._said) if t > at]

    def all(self) -> list[str]:
        return [m for _t, m in list(self._said)]


def job_messages(since: int, sources: Iterable, batch: int = 0) -> list[str]:
    """For a job begun at ``since``: each source's standing state carried in from before it
    (``standing(since, batch)``, where it has one), then what it said during the job."""
    out: list[str] = []
    for src in sources:
        standing = getattr(src, "standing", None)
        for msg in [*(standing(since, batch) if standing is not None else ()), *src.log.since(since)]:
            if msg not in out:
                out.append(msg)
    return out
