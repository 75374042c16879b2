"""How long a refused write waited for another writer's lock, kept with its error.

:func:`.engine.short_waits` makes a window's write give up after
:data:`.engine.INTERACTIVE_WAIT_MS` (1.5 s) instead of the batch jobs' 15 s; the error
reaches the GUI thread after the block has ended, where the wait it made is no longer
known: the window's message said "waited 15 s" for every refusal. :func:`noted_waits`
is :func:`.engine.short_waits` that also keeps the wait on the error it lets through
(:func:`waited_ms` reads it), so the message says the wait actually made.

Pure core: no Qt.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Optional

from . import engine

_ATTR = "llmvis_waited_ms"


@contextmanager
def noted_waits(ms: Optional[int] = None) -> Iterator[None]:
    """:func:`.engine.short_waits` (``ms``: its default when None); an error raised in the
    block carries the wait (the innermost block's, when nested)."""
    wait = int(engine.INTERACTIVE_WAIT_MS if ms is None else ms)
    try:
        with engine.short_waits(wait):
            yield
    except BaseException as exc:
        if getattr(exc, _ATTR, None) is None:
            try:
                setattr(exc, _ATTR, wait)
            except Exception:  # (an exception type refusing attributes: the long wait is said)
                pass
        raise


def waited_ms(exc: BaseException) -> Optional[int]:
    """The wait :func:`noted_waits` kept with ``exc`` (or the error it was raised from);
    None: not raised in one (a batch job's write: the long waits)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        wait = getattr(exc, _ATTR, None)
        if wait is not None:
            return wait
        exc = exc.__cause__ or exc.__context__
    return None


def said(ms: int) -> str:
    """``1500`` -> ``"1.5 s"``."""
    return f"{ms / 1000:g} s"
