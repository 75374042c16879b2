"""A batch job whose commit found the project database held by another writer waits
for it, says so, and goes on: the suggestion jobs and the index.

Another process holding SQLite's write lock past the busy timeout (a teammate's long
all-or-nothing import, a backup tool, the ``sqlite3`` shell with a transaction open), or a
PostgreSQL session holding a lock the job's rows need past the lock timeout, failed the
commit; an overnight ``llmvis suggest`` or a 50,000-image ``llmvis index`` then stopped
after it ("the project database X is busy ..."), and the window's job the same. Now the
batch's rows are kept, the job says it waits (its progress report:
``Progress.waiting``), tries again after a pause that doubles from
:data:`FIRST_PAUSE_S` to :data:`LAST_PAUSE_S`, and goes on once the rows are stored. A
deadlock or serialization failure (PostgreSQL chose this commit as a conflict's victim)
is waited out the same way.

The first try is the commit's own, with the store's full wait (SQLite's busy timeout,
PostgreSQL's lock timeout: 15 s), so a short hold by another writer is never said as a
wait; a cancel within those seconds waits for that try to end. Each later try waits at
most :data:`TRY_WAIT_MS` for the lock (``engine.short_waits``), so a cancel (the window's
Cancel, Ctrl+C) while the job says it waits is noticed within about a second: the job
then stops, and what it had not stored stays unstored whole (each commit is one
transaction; its last store after the cancel gets one such try).

No limit on the wait. Stopping after some time gains nothing: nothing is lost either
way, a run again meets the same lock, and the job holds no lock while it waits (each
try's transaction ends before the pause), so it blocks nobody. The user sees the wait
(the CLI's progress line, the Jobs panel's row, naming the database) and can cancel it
at any moment; a scheduled run that must end by a time has its scheduler's limit.

Any other failure (a full disk, a read-only or damaged database, the server gone) is not
waited for: the job stops at once, as before.

Every such job waits through :func:`wait_out` (the backoff, the words, the cancel): the
model job's commits (:class:`..suggest.pipeline.GroupCommitter`), the learned
suggester's batches (:meth:`..suggest.learned.LearnedSuggester.run`, by
:func:`store_waiting`) and the index's transactions (:mod:`..index_writes`, by
:func:`write_waiting`).

Pure core: no Qt.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from ..tasks import CancelToken
from ..wording import took
from .db_errors import RETRYABLE, WAITED, db_error_kind
from .engine import Busy

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .engine import Store

log = logging.getLogger(__name__)
T = TypeVar("T")
#: what a job says while it waits (``waiting`` True) and once it is over (False)
Say = Callable[[str, bool], None]

#: a try after the first waits at most this long for the other writer's lock
TRY_WAIT_MS = 1000
#: the pause before the next try: the first, then doubled after each failed try up to the last
FIRST_PAUSE_S = 0.5
LAST_PAUSE_S = 8.0

_WHY = {
    "busy": "another process is writing to it",
    "own": "another job of this program is writing to it",
    "lock_timeout": "another change (a teammate's or a job's) holds a lock {needs}",
    "deadlock": "another change to the same images crossed this one (deadlock)",
    "serialization": "another change to the same images crossed this one (serialization failure)",
}


def wait_kind(exc: BaseException) -> str | None:
    """Why a commit failed where waiting cures it: ``busy`` (SQLite: another process held
    the write lock), ``own`` (this program's own other writer held the store's turn),
    ``lock_timeout``, ``deadlock`` or ``serialization`` (PostgreSQL); None for any other
    failure (a full disk, read-only, damaged, the server gone: not waited for)."""
    if isinstance(exc, Busy):
        return "own" if str(exc).startswith("another job of this program") else "busy"
    if type(exc).__name__ not in ("OperationalError", "DatabaseError"):  # (SQLAlchemy's or a driver's)
        return None
    kind = db_error_kind(exc)
    return kind if kind in WAITED | RETRYABLE else None


#: what :func:`waiting_words` says needs the lock a PostgreSQL session holds, by default
SUGGESTIONS_NEED = "these suggestions need"


def waiting_words(kind: str, database: str, seconds: float, needs: str = SUGGESTIONS_NEED) -> str:
    """What a job says while it waits for ``database`` (as shown: its file, or the URL);
    ``needs``: what needs the lock another session holds ("the index needs")."""
    why = _WHY.get(kind, _WHY["busy"]).format(needs=needs)
    return (f"waiting ({took(seconds)} so far) for the project database {database}: "
            f"{why}; the job goes on when it is free")


def waited_note(database: str, seconds: float, who: str = "the job") -> str:
    """A job's note at its end after it waited (``seconds`` in all): the model job's, the
    learned suggester's and (in the window) the index's alike, in the CLI and the window;
    ``who``: "the index" for the index ``llmvis suggest`` runs before its jobs."""
    return f"{who} waited {took(seconds)} in all for the project database {database}, which another writer held"


def free_words(database: str, seconds: float) -> str:
    """What a job says once its wait is over."""
    return f"the project database {database} is free again after {took(seconds)}; the job goes on"


def wait_out(attempt: Callable[[], T], kind: str, database: str, since: float, token: CancelToken,
             say: Say, needs: str = SUGGESTIONS_NEED) -> T:
    """The database was found held (``kind``, by :func:`wait_kind`) by a try begun at
    ``since`` (monotonic): say so, pause (:data:`FIRST_PAUSE_S` doubling up to
    :data:`LAST_PAUSE_S`), call ``attempt`` again with the lock waited for
    :data:`TRY_WAIT_MS` at most, until it succeeds; then say the wait is over and return
    its result. ``attempt`` is one transaction: a try that failed stored nothing. A cancel
    (``token``) raises :class:`~..tasks.Cancelled` within about a second; any other
    failure of a try raises at once. ``needs``: see :func:`waiting_words`."""
    from .engine import short_waits

    pause = FIRST_PAUSE_S
    while True:
        token.check()
        say(waiting_words(kind, database, time.monotonic() - since, needs), True)
        token.sleep(pause)
        try:
            with short_waits(TRY_WAIT_MS):
                result = attempt()
        except Exception as exc:
            kind = wait_kind(exc)
            if kind is None:
                raise
            pause = min(pause * 2, LAST_PAUSE_S)
            continue
        waited = time.monotonic() - since
        log.info("waited %.1f s for the project database %s", waited, database)
        token.check()
        say(free_words(database, waited), False)
        return result


def store_waiting(attempt: Callable[[], T], database: str, token: CancelToken, say: Say,
                  needs: str = SUGGESTIONS_NEED, waited: Callable[[float], None] | None = None) -> T:
    """``attempt()`` (one transaction) with the store's full wait; one that found the
    database held is tried again until it succeeds (:func:`wait_out`). ``waited``: given
    the seconds from the first try to the stored one, when it waited."""
    began = time.monotonic()
    try:
        return attempt()
    except Exception as exc:
        kind = wait_kind(exc)
        if kind is None:
            raise
    result = wait_out(attempt, kind, database, began, token, say, needs)
    if waited is not None:
        waited(time.monotonic() - began)
    return result


def write_waiting(store: Store, work: Callable[[Session], T], token: CancelToken, say: Say,
                  needs: str = SUGGESTIONS_NEED, waited: Callable[[float], None] | None = None) -> T:
    """``work(session)`` in one write transaction of ``store`` (``store.write()``), waited
    for as :func:`store_waiting` waits: a try that found the database held rolled back
    whole, and ``work`` runs again in the next. So ``work`` must read what it writes from
    within its transaction and change nothing outside it (its caller applies what it
    returns once it is stored). ``waited``: as :func:`store_waiting`'s."""
    from .engine import describe_url

    def attempt() -> T:
        with store.write() as session:
            return work(session)

    return store_waiting(attempt, describe_url(store.url), token, say, needs, waited)
