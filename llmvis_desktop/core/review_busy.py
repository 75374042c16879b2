"""The refusal of a review action that waited its limit (``short_waits`` in the window)
for another writer's lock, saying what is under way and who, when the database can tell:
the image's row (PostgreSQL: the session whose transaction locked it, by the row's xmax),
the taxonomy's lock (a rename, a removal, an import making labels: its advisory lock in
``pg_locks``) or, on SQLite, the whole file. PostgreSQL sessions of this program carry
``llmvis <person>`` as their application name (``store.engine.PG_APP_PREFIX``).

Pure core: no Qt.
"""
from __future__ import annotations

import logging
from typing import Callable, Optional

from sqlalchemy import text
from sqlalchemy.orm import Session

from .store.db_errors import db_error_kind
from .store.engine import Busy, Store, app_person
from .store.repo_labels import LOCK_HOLDER_SELECT, taxonomy_holder
from .store.taxonomy_lock import doing_text

log = logging.getLogger(__name__)


def busy(store: Store, image_id: int, kind: str, on_taxonomy: bool = False, again: bool = False
         ) -> Optional[Busy]:
    """The refusal of an action that waited its limit for another writer's lock (the
    image's, or the taxonomy's: ``on_taxonomy``). ``again``: None instead when nobody holds
    the taxonomy lock by now (:func:`taxonomy_busy`): the action may run once more."""
    if kind == "busy":  # SQLite: the whole file
        return Busy("The project database is locked: another program or job is writing to it. Nothing was "
                    "changed; try again in a moment.")
    if on_taxonomy:
        refusal = taxonomy_busy(store)
        if refusal is not None or not again:
            return refusal or _taxonomy_refusal(None, None)
        log.info("the taxonomy lock waited for is free now: the action runs once more")
        return None
    who = _holder(store, image_id)
    return Busy(f"{who or 'Someone else'} is changing this image right now (a review, an import or a label "
                f"change). Nothing was changed; try again in a moment.")


def taxonomy_busy(store: Store) -> Optional[Busy]:
    """The refusal of a review action that waited its limit for the taxonomy lock, naming
    who holds it and what they are doing; None when the database answers that nobody holds
    it any more (PostgreSQL: the teammate's change ended between the wait's end and the
    question), and the action, one transaction, may run once more instead of a refusal
    naming nobody. A question that cannot be asked (SQLite, a database error) gets the
    refusal naming nobody."""
    answered, name = _ask(store, taxonomy_holder)
    if answered and name is None:
        return None
    return _taxonomy_refusal(*app_person(name))


def _taxonomy_refusal(who: Optional[str], doing: Optional[str]) -> Busy:
    said = doing_text(who, doing)  # what its tag says it is doing ("carol is renaming “dent”")
    if said:
        return Busy(f"{said} right now. Nothing was changed; try again in a moment.")
    return Busy(f"{who or 'A teammate'} is changing the label list right now (an import making labels, a "
                f"rename or a removal). Nothing was changed; try again in a moment.")


def _ask(store: Store, find: Callable[[Session], Optional[str]]) -> tuple[bool, Optional[str]]:
    """(whether the database answered, the application name ``find`` read there or None)."""
    if store.dialect != "postgresql":
        return False, None
    try:
        with store.read() as s:
            return True, find(s)
    except Exception:  # a name is a courtesy
        log.debug("cannot tell who holds the lock", exc_info=True)
        return False, None


def _person(store: Store, find: Callable[[Session], Optional[str]]) -> Optional[str]:
    """The person in the application name (``llmvis <person>``) ``find`` reads, or None."""
    return app_person(_ask(store, find)[1])[0]


def _holder(store: Store, image_id: int) -> Optional[str]:
    """Who holds the lock of image ``image_id`` (PostgreSQL: the session whose transaction
    locked the row, by its application name, ``llmvis <person>``), or None."""
    return _person(store, lambda s: s.execute(text(
        LOCK_HOLDER_SELECT + "l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock' AND l.granted "
        "AND l.transactionid = (SELECT xmax FROM images WHERE id = :id) LIMIT 1"),
        {"id": image_id}).scalar())


def label_change_refused(exc: BaseException) -> Optional[str]:
    """The refusal of a change of the label list (a rename, a removal) that waited its
    short wait for a lock other than the taxonomy's (which says its own: ``TaxonomyTaken``):
    an image carrying the label (PostgreSQL), the SQLite file; None for any other error."""
    kind = db_error_kind(exc)
    if kind == "busy":
        return ("The project database is locked: another program or job is writing to it. Nothing was "
                "changed; try again in a moment.")
    if kind == "lock_timeout":
        return ("Someone else is changing an image that carries the label right now. Nothing was changed; "
                "try again in a moment.")
    return None
