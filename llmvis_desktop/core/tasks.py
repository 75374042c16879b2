"""Cancellation and progress for long work, with no thread or signal in sight.

Long core functions take a :class:`CancelToken` and a progress callback and call
``token.check()`` between items; a front end cancels from another thread.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Optional


class Cancelled(Exception):
    """Raised inside long work when its token was cancelled."""


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled()


@dataclass(frozen=True)
class Progress:
    """One progress report: ``done`` of ``total`` (None when unknown yet)."""

    stage: str
    done: int
    total: Optional[int] = None
    message: str = ""


ProgressFn = Callable[[Progress], None]


def no_progress(_p: Progress) -> None:
    return None
