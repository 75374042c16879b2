"""The taxonomy's lock (PostgreSQL's advisory lock; SQLite's writers take turns anyway):
taken exclusively by a change of the label list (a rename, a removal, a label added, an
import making labels), shared by what reads it (a label key, an import applying its rows);
who holds it, and what they are doing, for the refusal of a change that found it taken."""
from __future__ import annotations

import time
from typing import Optional

from sqlalchemy import text
from sqlalchemy.orm import Session

from . import engine as _engine
from .engine import _WAIT_MS, PG_APP_PREFIX, Busy, app_person

#: PostgreSQL advisory lock key of the taxonomy (an arbitrary constant of this app)
TAXONOMY_LOCK = 0x6C6D7673_7478  # "lmvs" "tx"


#: what a transaction holding the taxonomy lock is doing (``say_doing``), as a teammate
#: whose change it refused is told: (holding it exclusively, sharing it)
DOING = {
    "import": ("{who}'s import is adding its labels", "{who}'s import is using the label list"),
    "rename": ("{who} is renaming {label}", "{who} is renaming {label}"),
    "remove": ("{who} is removing {label}", "{who} is removing {label}"),
    "add": ("{who} is adding a label", "{who} is adding a label"),
    "refold": ("{who} is opening the project (its text search is brought up to a newer Unicode)",) * 2,
}
#: what the one refused should do, by what it was doing
AGAIN = {"import": "import again", "rename": "rename again", "remove": "remove it again",
         "add": "add it again"}


class TaxonomyTaken(Busy):
    """A taxonomy change (a rename, a removal, a label added, an import making labels)
    found the taxonomy lock held by a teammate for as long as it may wait; nothing was
    changed. The message says who holds it and what they are doing; ``busy``, that part
    alone ("bob is renaming a label")."""

    def __init__(self, message: str, busy: Optional[str] = None) -> None:
        super().__init__(message)
        self.busy = busy or message


def doing_text(who: Optional[str], doing: Optional[str], exclusive: bool = True) -> Optional[str]:
    """What a holder of the taxonomy lock is doing, from the tag its application name
    carries (``doing``, :func:`app_person`: "rename", or "rename dent" naming the label),
    e.g. "carol is renaming “dent”"; None when the tag says nothing known."""
    key, _, about = (doing or "").partition(" ")
    if key not in DOING:
        return None
    label = f"\u201c{about}\u201d" if about else "a label"
    return DOING[key][0 if exclusive else 1].format(who=who or "A teammate", label=label)


def _tag(about: Optional[str]) -> str:
    """The label a change is about, as its tag carries it: no "]" (the tag's end), at most
    20 bytes (the application name holds 63, the person's name comes after it)."""
    if not about:
        return ""
    name = "".join(c for c in about if c.isprintable() and c != "]").strip()
    cut = name.encode()[:20].decode(errors="ignore")
    return (f" {cut}\u2026" if cut != name else f" {cut}") if cut else ""


def say_doing(session: Session, what: str) -> None:
    """Show teammates what this transaction is doing (``what``: a key of :data:`DOING`)
    until it ends: PostgreSQL's application name becomes ``llmvis [<what>] <person>``
    (``engine.app_person`` reads it back); a change refused for its lock names it."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(text(f"SELECT {_SAY_DOING}"), {"pre": _doing_prefix(what)})


#: the SQL expression that sets the application name to say what the transaction does
_SAY_DOING = ("set_config('application_name', left(:pre || regexp_replace(current_setting('application_name'), "
              "'^llmvis (\\[[^]]*\\] )?', ''), 63), true)")


def _doing_prefix(what: str, about: Optional[str] = None) -> str:
    return f"{PG_APP_PREFIX}[{what}{_tag(about)}] "


#: how long a change of the label list made in the window (:func:`.engine.short_waits`)
#: tries for the taxonomy lock: long enough to find it free between reviewers' label
#: keys (a few ms each), short enough not to freeze the window behind an import
WINDOW_TRY_MS = 500


def lock_taxonomy(session: Session, what: str = "change", about: Optional[str] = None) -> None:
    """Changes of the taxonomy take turns, until the commit: two labels added at once by
    two reviewers got the same free key and colour. A lock of its own (PostgreSQL's
    advisory lock; SQLite's writers take turns anyway): on the project row it held up
    every reviewer's settings for the length of an import that made a label.

    It is tried, never queued for: a change waiting in PostgreSQL's queue for the
    exclusive lock made every later taker of the shared one (each reviewer's label key,
    Enter) wait behind it, refused after their short wait, for as long as a teammate's
    import held the shared lock. It tries again every little while, for at most
    :data:`WINDOW_TRY_MS` in the window (:func:`.engine.short_waits`), for
    :data:`.engine.PG_LOCK_TIMEOUT_MS` elsewhere (a batch command), then gives up: :class:`TaxonomyTaken`, saying who holds
    it and what they are doing. ``what``: what this change is (:data:`DOING`), shown to
    teammates meanwhile, ``about``: the label it changes (a rename's, a removal's), named too."""
    if session.get_bind().dialect.name != "postgresql" or session.info.get(TAXONOMY_STATE) == "exclusive":
        return
    wait_ms = _WAIT_MS.get()
    wait_ms = _engine.PG_LOCK_TIMEOUT_MS if wait_ms is None else min(wait_ms, WINDOW_TRY_MS)
    deadline, pause = time.monotonic() + wait_ms / 1000, 0.01
    # the lock tried and, once held, the application name saying why: one round trip
    say = what in DOING
    try_sql = text(f"SELECT CASE WHEN pg_try_advisory_xact_lock(:k) THEN {_SAY_DOING if say else 'true'} "
                   f"IS NOT NULL ELSE false END")
    args = {"k": TAXONOMY_LOCK, **({"pre": _doing_prefix(what, about)} if say else {})}
    while not session.execute(try_sql, args).scalar():
        left = deadline - time.monotonic()
        if left <= 0:
            busy = holder_text(session, nobody=None)
            # nobody holds it by the time we ask (the teammate's change ended just then): one
            # more try, instead of a refusal naming nobody ("A teammate is changing ...")
            if busy is None and session.execute(try_sql, args).scalar():
                break
            busy = busy or holder_text(session)
            raise TaxonomyTaken(_refused(busy, what), busy)
        time.sleep(min(pause, left))
        pause = min(pause * 2, 0.2)
    session.info[TAXONOMY_STATE] = "exclusive"


def taken_text(session: Session, what: str = "change") -> str:
    """Why a taxonomy change (``what``) was refused: who holds the taxonomy lock and what
    they are doing, that nothing was changed and when to try again."""
    return _refused(holder_text(session), what)


def _refused(busy: str, what: str) -> str:
    return f"{busy}; nothing was changed: {AGAIN.get(what, 'try again')} when it has finished."


def holder_text(session: Session, nobody: Optional[str] = "") -> Optional[str]:
    """Who holds the taxonomy lock and what they are doing ("bob is renaming a label");
    ``nobody``, when given, is returned when no session is found holding it."""
    who = doing = None
    exclusive = True
    try:
        with session.begin_nested():
            row = session.execute(text(
                LOCK_HOLDER_SELECT + "l.locktype = 'advisory' AND l.granted AND l.pid <> pg_backend_pid() "
                "AND l.objsubid = 1 AND l.classid::bigint = :hi AND l.objid::bigint = :lo "
                "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "ORDER BY (a.application_name LIKE :tagged) DESC, (l.mode = 'ExclusiveLock') DESC LIMIT 1"
            ), {"hi": TAXONOMY_LOCK >> 32, "lo": TAXONOMY_LOCK & 0xFFFFFFFF,
                          "tagged": PG_APP_PREFIX + "[%"}).first()
            if row is not None:
                (who, doing), exclusive = app_person(row[0]), row[1] == "ExclusiveLock"
            elif nobody != "":
                return nobody
    except Exception:  # a name is a courtesy
        pass
    said = doing_text(who, doing, exclusive)
    if said:
        return said
    who = who or "A teammate"
    return f"{who} is {'changing' if exclusive else 'using'} the label list"


#: ``session.info`` key: how this transaction holds the taxonomy's shared lock, set by
#: ``review_actions.run`` before it locks the image: ``"held"`` (taken first) or ``"try"``
#: (not taken: the action need not read the label list, and image rows may be locked
#: already, so a later wish for it may only try, :class:`TaxonomyBusy`)
TAXONOMY_STATE = "llmvis_taxonomy"


class TaxonomyBusy(RuntimeError):
    """The taxonomy's shared lock, wished for after an image row was locked (``"try"``,
    :data:`TAXONOMY_STATE`), is taken by a taxonomy change: waiting for it there could
    deadlock, so nothing waits; the caller leaves its look at the label list for later or
    runs the action again taking the lock first."""


def share_taxonomy(session: Session) -> None:
    """Hold the taxonomy lock in shared mode until the commit (PostgreSQL; SQLite's writers
    take turns anyway): no rename or removal of a label can be under way meanwhile, and
    readers do not wait for one another.

    The one lock order: the taxonomy lock BEFORE any image row. A taxonomy change (a rename,
    a removal, an import making labels) takes it first and then locks the images it
    changes; a transaction that locked an image and then asked for the taxonomy lock
    deadlocked with it (a review action: Enter, undo). A transaction that may read the
    taxonomy after locking an image takes this first (``review_actions.run`` does for the
    actions that read or change the label list); taking it again later is free. In a
    transaction marked ``"try"`` (:data:`TAXONOMY_STATE`) it only tries, and raises
    :class:`TaxonomyBusy` when a taxonomy change holds it."""
    if session.get_bind().dialect.name != "postgresql":
        return
    state = session.info.get(TAXONOMY_STATE)
    if state in ("held", "exclusive"):  # (the exclusive lock, :func:`lock_taxonomy`: more than shared)
        return
    if state == "try":
        if not session.execute(text("SELECT pg_try_advisory_xact_lock_shared(:k)"), {"k": TAXONOMY_LOCK}).scalar():
            raise TaxonomyBusy("a teammate is changing the label list")
        session.info[TAXONOMY_STATE] = "held"
        return
    session.execute(text("SELECT pg_advisory_xact_lock_shared(:k)"), {"k": TAXONOMY_LOCK})
    session.info[TAXONOMY_STATE] = "held"


#: the start of a query for the application name (``llmvis <person>``) of the session
#: holding a lock in ``pg_locks``; the lock's condition follows
LOCK_HOLDER_SELECT = ("SELECT a.application_name, l.mode FROM pg_locks l JOIN pg_stat_activity a "
                      "ON a.pid = l.pid WHERE ")


def taxonomy_holder(session: Session) -> Optional[str]:
    """The application name of the session holding the taxonomy lock exclusively (a
    rename, a removal, an import making labels), or of one waiting for it, or None
    (PostgreSQL; its advisory lock shows in ``pg_locks`` as the key's two halves)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return session.execute(text(
        LOCK_HOLDER_SELECT + "l.locktype = 'advisory' AND l.mode = 'ExclusiveLock' AND l.objsubid = 1 "
        "AND l.classid::bigint = :hi AND l.objid::bigint = :lo "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "ORDER BY l.granted DESC LIMIT 1"),
        {"hi": TAXONOMY_LOCK >> 32, "lo": TAXONOMY_LOCK & 0xFFFFFFFF}).scalar()
