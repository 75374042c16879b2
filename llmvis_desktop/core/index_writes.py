"""The index's write transactions: one that finds the project database held by another
writer past the busy timeout (a teammate's import, a backup tool) waits for it and goes
on, as the suggestion jobs do (:mod:`.store.db_wait`), instead of stopping a 50,000-image
index halfway with "the project database X is busy".

The wait is said through the stage's progress (a ``Progress.waiting`` report: the CLI's
waiting line, the Jobs panel's row, naming the database; the report saying it is over
carries its seconds, ``Progress.waited_s``, which ``Project.index`` adds up in
``ScanResult.waited_s`` for the job's end note); a cancel (the window's Cancel)
stops it within about a second. Each write is one transaction that reads what it
changes within itself, so a try that found the database held stored nothing, and the
try that succeeds stores the batch once, whatever changed while it waited; its caller
counts what it stored only once it is stored.

Pure core: no Qt.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from sqlalchemy.orm import Session

from .store import db_wait
from .store.engine import Store, describe_url
from .tasks import CancelToken, Progress, ProgressFn, no_progress

T = TypeVar("T")

#: what needs the lock a PostgreSQL session holds, as the waiting line says it
INDEX_NEEDS = "the index needs"


def index_write(store: Store, work: Callable[[Session], T], token: CancelToken | None,
                progress: ProgressFn = no_progress, at: Progress | None = None, needs: str = INDEX_NEEDS) -> T:
    """``work(session)`` in one write transaction of ``store``; the database held by
    another writer: waited for (:func:`.store.db_wait.write_waiting`), said as ``at``
    (the stage's progress as it stands: its counts) with the wait's words. ``token``
    None: not waited for (a write no job runs, with nobody to tell: it fails as before).
    ``needs``: what needs a lock a PostgreSQL session holds, in the words (a repair's
    record writes through it too: :meth:`..project.Project.add_repair`)."""
    if token is None:
        with store.write() as session:
            return work(session)
    at = at or Progress("index", 0)

    def say(message: str, waiting: bool) -> None:  # (the end of a wait: said by waited, with its seconds)
        if waiting:
            progress(replace(at, message=message, waiting=True))

    def waited(seconds: float) -> None:
        words = db_wait.free_words(describe_url(store.url), seconds)
        progress(replace(at, message=words, waiting=False, waited_s=seconds))

    return db_wait.write_waiting(store, work, token, say, needs, waited)
