"""Image rows: ingest from the folder scan and SQL-side queries. The header queue (which
headers are still to read, their results, the limits they were read under) is in
:mod:`.repo_headers`."""
from __future__ import annotations

from functools import cache
from operator import itemgetter
from typing import Optional, Sequence

from sqlalchemy import bindparam, case, exists, func, insert, or_, select, tuple_, update
from sqlalchemy.orm import Session, aliased

from . import label_positions, models as m
from .convert import IMAGE_RECORD_COLUMNS, dumps, image_record
from .engine import insert_events
from .fold import fold, folded_contains
from .name_key import name_key
from .records import REPAIR_OUTPUTS, UNREVIEWED, ImageFilter, ImageRecord

# --- ingest ---------------------------------------------------------------

def _executemany(session: Session, sql_qmark: str, rows: Sequence[tuple]) -> bool:
    """Run an INSERT/UPDATE through the driver's executemany when its parameter style
    is positional (SQLite ``?``, psycopg ``%s``); returns False when it is not."""
    style = session.get_bind().dialect.paramstyle
    if style == "qmark":
        sql = sql_qmark
    elif style in ("format", "pyformat"):
        sql = sql_qmark.replace("?", "%s")
    else:
        return False
    cursor = session.connection().connection.cursor()
    try:
        cursor.executemany(sql, rows)
    finally:
        cursor.close()
    return True


def insert_new(session: Session, entries: Sequence[tuple[str, int, int]]) -> None:
    """Insert new files (relpath, size, mtime_ns) as status ``new``, headers pending, with
    their Name sort key (``name_key``) and folded path (``relpath_folded``, the text search's)."""
    if not entries:
        return
    entries = [(rel, name_key(rel), fold(rel), size, mtime) for rel, size, mtime in entries]
    # in key order: the name_key index grows at one end instead of at random places (a
    # folder is listed in the file system's order); 100k mixed-case names: 1.52 -> 1.18 s
    entries.sort(key=itemgetter(1))
    # the constant columns are literals in the statement, so the per-row Python work for
    # 100k rows is the sort key alone (a few µs each) and the tuples go to the driver
    # ON CONFLICT: another indexer (a teammate's window opening the same folder on the
    # team's PostgreSQL) may have inserted the same new file meanwhile; it failed with a
    # duplicate-key error
    sql = (
        "INSERT INTO images (relpath, name_key, relpath_folded, size, mtime_ns, status, review_status, header_done) "
        f"VALUES (?, ?, ?, ?, ?, '{m.STATUS_NEW}', '{m.STATUS_NEW}', FALSE) ON CONFLICT (relpath) DO NOTHING"
    )
    if _executemany(session, sql, entries):
        return
    session.execute(
        insert(m.Image.__table__),
        [
            dict(relpath=r, name_key=key, relpath_folded=folded, size=size, mtime_ns=mtime,
                 status=m.STATUS_NEW, review_status=m.STATUS_NEW, header_done=False)
            for r, key, folded, size, mtime in entries
        ],
    )


def _as_read():
    """Rows (id, relpath) as the indexer read them, given at execute time as ``as_read``
    (``{"as_read": rows}``): an update by id alone also hit a row another indexer moved
    meanwhile (a teammate's window relinking a renamed folder on the team's PostgreSQL),
    which then stayed "missing" at its new path. Matching the path too leaves such a row
    alone; PostgreSQL checks the condition again on the row as it is once the other
    transaction's lock is released. (The rows are not put in the statement: SQLAlchemy's
    statements sit in reference cycles, so each kept its 500 pairs for the collector.)"""
    return tuple_(m.Image.id, m.Image.relpath).in_(bindparam("as_read", expanding=True))


def mark_changed(session: Session, changes: Sequence[tuple[int, str, int, int]],
                 compared: Optional[dict[int, str]] = None) -> None:
    """Files whose content changed (id, relpath, size, mtime_ns): headers (and the content
    digest) are read again, and the time is kept (``content_changed_at``): suggestions made
    before it were for the old content. A row no longer at that path is left alone.
    ``compared``: id -> what the listing found of a file of the same size
    (:data:`..index_listing.CONTENT_DIFFERS`, ``NO_DIGEST``, ``NOT_READ``), kept as the
    ``content`` of its ``file_changed`` event's after (events before it have none)."""
    if not changes:
        return
    now = m.utcnow()
    img = m.Image.__table__
    seen = {i: rest for i, *rest in _with_history(session, [c[0] for c in changes],
                                                    img.c.size, img.c.mtime_ns, img.c.relpath)}
    if seen:  # a reviewed file whose content changed: its history says so (sizes and times)
        how = compared or {}
        _file_events(session, [(i, {"size": seen[i][0], "mtime_ns": seen[i][1]},
                                {"size": size, "mtime_ns": mtime,
                                 **({"content": how[i]} if i in how and seen[i][0] == size else {})})
                               for i, rel, size, mtime in changes if i in seen and seen[i][2] == rel],
                     "file_changed", now)
    session.execute(
        update(img)
        .where(img.c.id == bindparam("b_id"), img.c.relpath == bindparam("b_rel"))
        .values(size=bindparam("b_size"), mtime_ns=bindparam("b_mtime"), header_done=False,
                width=None, height=None, content_changed_at=now, content_sha256=None),
        [{"b_id": i, "b_rel": rel, "b_size": size, "b_mtime": mtime} for i, rel, size, mtime in changes],
    )
    restore_present(session, [(c[0], c[1]) for c in changes])


def restore_present(session: Session, rows: Sequence[tuple[int, str]]) -> int:
    """Files seen again after being missing, (id, relpath) as the scan read them, get their
    review status back; one that could not be read before (it may have vanished while its
    header was read) is read again. Returns how many came back."""
    back: list[int] = []
    for chunk in _chunks(rows, 500):
        back += session.scalars(
            update(m.Image)
            .where(_as_read(), m.Image.status == m.STATUS_MISSING, m.Image.error.is_not(None))
            .values(status=m.STATUS_ERROR, header_done=False).returning(m.Image.id), {"as_read": chunk}
        ).all()
        back += session.scalars(
            update(m.Image)
            .where(_as_read(), m.Image.status == m.STATUS_MISSING)
            .values(status=m.Image.review_status).returning(m.Image.id), {"as_read": chunk}
        ).all()
    _file_events(session, [(i, "missing", "present") for i, in _with_history(session, back)], "file_restored")
    return len(back)


def mark_missing(session: Session, rows: Sequence[tuple[int, str]], decided: Optional[list] = None) -> int:
    """Mark rows missing, (id, relpath) as the scan read them; a row moved meanwhile or
    already missing is left alone. Returns how many were marked; ``decided``, when given,
    is extended with the ids of those a person had marked reviewed or rejected (their
    review is kept: the re-index says how many of the vanished files it holds)."""
    marked: list[tuple[int, str]] = []
    for chunk in _chunks(rows, 500):
        marked += session.execute(
            update(m.Image).where(_as_read(), m.Image.status != m.STATUS_MISSING)
            .values(status=m.STATUS_MISSING).returning(m.Image.id, m.Image.review_status), {"as_read": chunk}
        ).all()
    ids = [i for i, _ in marked]
    if decided is not None:
        decided += [i for i, review in marked if review in (m.STATUS_REVIEWED, m.STATUS_REJECTED)]
    _file_events(session, [(i, "present", "missing") for i, in _with_history(session, ids)], "file_missing")
    return len(ids)


def count_missing(session: Session, image_ids: Sequence[int]) -> int:
    """How many of ``image_ids`` are marked missing now."""
    return sum(session.scalar(select(func.count()).select_from(m.Image).where(
        m.Image.id.in_(chunk), m.Image.status == m.STATUS_MISSING)) or 0 for chunk in _chunks(list(image_ids), 500))


#: the history actor of what the indexer saw happen to a file
INDEX_ACTOR = "indexer"  # as the move events the indexer writes


def _with_history(session: Session, image_ids: Sequence[int], *columns) -> list[tuple]:
    """(id, *columns) of the images among ``image_ids`` that have a history (a review, a
    suggestion, a caption...): only those get an event for what happened to their file,
    so a first index of 100k new files writes none."""
    out: list[tuple] = []
    for chunk in _chunks(sorted(set(image_ids)), 500):
        has = exists().where(m.Event.image_id == m.Image.id)
        out += [tuple(r) for r in session.execute(
            select(m.Image.id, *columns).where(m.Image.id.in_(chunk), has))]
    return out


def _file_events(session: Session, rows: Sequence[tuple], action: str, now=None) -> None:
    """One history event ``action`` by the indexer per (image id, before, after)."""
    if not rows:
        return
    now = now or m.utcnow()
    insert_events(session, [
        {"image_id": i, "actor": INDEX_ACTOR, "at": now, "action": action, "before": dumps(before),
         "after": dumps(after), "suggestion_id": None} for i, before, after in rows])


# --- queries --------------------------------------------------------------


def _filtered(stmt, flt: Optional[ImageFilter]):
    if flt is None:
        return stmt
    if flt.statuses:
        stmt = stmt.where(m.Image.status.in_(flt.statuses))
    if flt.label:
        has = exists().where(
            m.ImageLabel.image_id == m.Image.id,
            m.ImageLabel.label_id == select(m.Label.id).where(m.Label.name == flt.label).scalar_subquery(),
        )
        if flt.label_suggested:  # or a pending card suggests it: the pending cards' image ids,
            # read once (ix_suggestions_outcome); a correlated EXISTS per image was 1.7x slower
            # (100k images, 180k pending cards: 0.39 s against 0.23 s on SQLite)
            has = or_(has, m.Image.id.in_(select(m.Suggestion.image_id).where(
                m.Suggestion.outcome == "pending", m.Suggestion.kind == "label", m.Suggestion.value == flt.label)))
        stmt = stmt.where(has)
    if flt.unlabeled:
        stmt = stmt.where(~exists().where(m.ImageLabel.image_id == m.Image.id))
    if flt.text:
        # case and Unicode normalisation ignored (NFC "café" finds an NFD name): store/fold.py;
        # SQLite compares the stored folded copies (0012)
        stmt = stmt.where(or_(folded_contains(m.Image.caption, flt.text, m.Image.caption_folded),
                              folded_contains(m.Image.relpath, flt.text, m.Image.relpath_folded)))
    if flt.has_repair is not None:
        has = exists().where(m.Repair.source_image_id == m.Image.id, m.Repair.unlinked_at.is_(None))
        stmt = stmt.where(has if flt.has_repair else ~has)
    if flt.repair_output is not None:
        made = exists().where(m.Repair.output_image_id == m.Image.id, m.Repair.unlinked_at.is_(None))
        stmt = stmt.where(made if flt.repair_output else ~made)
    if flt.has_caption is not None:  # a caption of spaces alone is no caption
        written = func.trim(m.Image.caption) != ""  # (NULL: neither true nor false)
        stmt = stmt.where(written if flt.has_caption else or_(m.Image.caption.is_(None), ~written))
    folder = folder_prefix(flt.path_prefix)
    if folder:  # "cam1" is the folder cam1/, not cam10/ too; nor CAM1/ (SQLite's LIKE
        # ignores ASCII case, PostgreSQL's does not): the LIKE narrows, substr decides
        stmt = stmt.where(m.Image.relpath.like(_escape_like(folder) + "%", escape="\\"),
                          func.substr(m.Image.relpath, 1, len(folder)) == folder)
    return stmt


def folder_prefix(path: Optional[str]) -> str:
    """A relative folder as stored paths start with: "cam1", "./cam1/" and "cam1\\" give
    "cam1/"; "" or "." give "" (the whole project)."""
    text = (path or "").replace("\\", "/").strip("/")
    parts = [p for p in text.split("/") if p not in ("", ".")]
    return "/".join(parts) + "/" if parts else ""


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _ordered(stmt, sort: str, descending: bool):
    """``sort`` (records.SORTS) and its direction; every sort ends in the Name order
    (``name_key``: natural, case-insensitive; store/name_key.py) and the id, so rows
    equal on a sort's own column keep one order, and descending is its exact reverse."""
    by_name = [m.Image.name_key, m.Image.id]
    if sort == "mtime":
        keys = [m.Image.mtime_ns, *by_name]
    elif sort in ("score", "uncertainty"):
        # score: highest confidence first; uncertainty (the review queue): the least
        # confident first; descending turns either round. Images reviewed or rejected come
        # after those still to review (a card Enter leaves pending, an answer or a second
        # caption, scored 0.04, put the image just reviewed first), then the unreviewed
        # outputs of linked repairs (repaired copies, reviewed at their source: not work),
        # unsuggested ones last.
        high_first = (sort == "score") != descending
        done = m.Image.review_status.in_((m.STATUS_REVIEWED, m.STATUS_REJECTED))
        return stmt.order_by(case((m.Image.max_score.is_(None), 3), (done, 1), (_made_ids(), 2), else_=0),
                             m.Image.max_score.desc() if high_first else m.Image.max_score.asc(),
                             *(k.desc() if descending else k for k in by_name))
    elif sort == "status":
        keys = [m.Image.status, *by_name]
    else:
        keys = by_name
    if descending:
        keys = [k.desc() for k in keys]
    return stmt.order_by(*keys)


def query_ids(
    session: Session, flt: Optional[ImageFilter] = None, sort: str = "name", descending: bool = False
) -> list[int]:
    stmt = _ordered(_filtered(select(m.Image.id), flt), sort, descending)
    return list(session.scalars(stmt))


def count(session: Session, flt: Optional[ImageFilter] = None) -> int:
    return session.scalar(_filtered(select(func.count()).select_from(m.Image), flt))


def counts_by_status(session: Session) -> dict[str, int]:
    """How many images have each status, the unreviewed outputs of linked repairs counted
    apart under :data:`~.records.REPAIR_OUTPUTS` (a repaired copy is not work to review:
    "new" counted it); a reviewed or rejected one counts as such. The values add up to
    every image."""
    rows = session.execute(select(m.Image.status, func.count()).group_by(m.Image.status))
    out = {status: n for status, n in rows}
    made = session.execute(select(m.Image.status, func.count()).where(m.Image.status.in_(UNREVIEWED), _made())
                           .group_by(m.Image.status))
    for status, n in made:
        out[status] -= n
        out[REPAIR_OUTPUTS] = out.get(REPAIR_OUTPUTS, 0) + n
    return {k: n for k, n in out.items() if n}


def counts_labelled(session: Session) -> dict[str, int]:
    """Of the images counted "new" and "suggested" (:func:`counts_by_status`: the repair
    outputs left out), how many carry labels or a caption already (cards accepted one by
    one, label keys, a caption typed) with no Enter or R: one query for the whole project."""
    labelled = or_(func.coalesce(m.Image.caption, "") != "",
                   exists().where(m.ImageLabel.image_id == m.Image.id))
    rows = session.execute(select(m.Image.status, func.count()).where(
        m.Image.status.in_(UNREVIEWED), labelled, ~_made_ids()).group_by(m.Image.status))
    return {status: n for status, n in rows if n}


def decided_unreadable(session: Session) -> dict[str, int]:
    """Of the images counted "error" or "missing", those marked reviewed or rejected (before
    their file broke, or went): ``llmvis evaluate`` counts them by that review status."""
    rows = session.execute(select(m.Image.review_status, func.count()).where(
        m.Image.status.in_((m.STATUS_ERROR, m.STATUS_MISSING)),
        m.Image.review_status.in_((m.STATUS_REVIEWED, m.STATUS_REJECTED))).group_by(m.Image.review_status))
    return {status: n for status, n in rows}


def needs_decoder_clause():
    """The images whose error is a DICOM decoder plugin to install (not a damaged file)."""
    from ..imaging.errors import NEEDS_DECODER

    return m.Image.error.startswith(NEEDS_DECODER, autoescape=True)


def count_needs_decoder(session: Session) -> int:
    """Of the images counted "error", the compressed DICOMs no installed decoder reads (a
    plugin to install, not a damaged file): said apart by ``llmvis info`` and the status bar."""
    return session.scalar(select(func.count()).select_from(m.Image).where(
        m.Image.status == m.STATUS_ERROR, needs_decoder_clause()))


def unreadable(session: Session, limit: Optional[int] = None,
               decoder: Optional[bool] = None) -> list[tuple[str, str]]:
    """(relpath, why) of the files the index could not read (damaged, cut short, empty),
    by name; the first ``limit`` of them; ``decoder`` True / False: only those
    :func:`count_needs_decoder` counts / the others (None: all)."""
    q = select(m.Image.relpath, m.Image.error).where(m.Image.status == m.STATUS_ERROR)
    if decoder is not None:
        clause = needs_decoder_clause()
        q = q.where(clause if decoder else or_(m.Image.error.is_(None), ~clause))
    q = q.order_by(m.Image.name_key, m.Image.id).limit(limit)
    return [(rel, why or "unreadable") for rel, why in session.execute(q)]


def labels_of(session: Session, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    out: dict[int, list[str]] = {}
    for chunk in _chunks(list(ids), 500):
        rows = session.execute(
            select(m.ImageLabel.image_id, m.Label.name)
            .join(m.Label, m.Label.id == m.ImageLabel.label_id)
            .where(m.ImageLabel.image_id.in_(chunk))
            .order_by(m.Label.position, m.Label.name)
        )
        for image_id, name in rows:
            out.setdefault(image_id, []).append(name)
    return {k: tuple(v) for k, v in out.items()}


def records(session: Session, ids: Sequence[int]) -> list[ImageRecord]:
    """Records for ``ids`` in the order given (missing ids are left out).

    Reads plain column rows, not ORM entities: the grid fetches a window of records
    on a worker thread for every screen it scrolls to, and entity loading (identity
    map, instance state) cost several times the query and made garbage the GUI
    thread's collector had to walk. One statement a window (the rows, whether each has
    a repair, and its labels, one row per label): three were three round trips to a
    team's server for every screen scrolled to.
    """
    ids = list(ids)
    rows: dict[int, object] = {}
    labels: dict[int, list[str]] = {}
    stmt = _records_stmt()
    for chunk in _chunks(list(dict.fromkeys(ids)), 500):  # (an id asked for twice: read once)
        for row in session.execute(stmt, {"ids": chunk}):
            if row.id not in rows:
                rows[row.id] = row
                labels[row.id] = []
            if row.label_ is not None:
                labels[row.id].append(row.label_)
    return [image_record(tuple(rows[i])[:-3], tuple(labels[i]), bool(rows[i].repaired_),
                         rows[i].made_ is not None, rows[i].made_) for i in ids if i in rows]


@cache
def _records_stmt():
    """:func:`records`' statement, built once, the ids bound at each run: built for every
    window it took more Python than the query (the select, its two subqueries and a new
    alias each time, then their cache key walked: ~60% of a 48-row read), on the grid's
    fetch thread while the window paints."""
    return (select(*IMAGE_RECORD_COLUMNS, _repaired().label("repaired_"), made_from().label("made_"),
                   m.Label.name.label("label_"))
            .outerjoin(m.ImageLabel, m.ImageLabel.image_id == m.Image.id)
            .outerjoin(m.Label, m.Label.id == m.ImageLabel.label_id)
            .where(m.Image.id.in_(bindparam("ids", expanding=True)))
            .order_by(m.Label.position, m.Label.name))


def _repaired():
    """Whether the image has a linked repair (it is a repair's source)."""
    return select(m.Repair.id).where(m.Repair.source_image_id == m.Image.id, m.Repair.unlinked_at.is_(None)).exists()


def _made_ids():
    """SQL: the image is a linked repair's output, as ``images.id IN (the outputs)``: the
    outputs are read once per statement (SQLite builds them into a temporary b-tree,
    PostgreSQL a hashed subplan), where a correlated EXISTS, as :func:`_made`, looks up
    ``repairs`` once per image and has no index on ``output_image_id`` to do it with."""
    return m.Image.id.in_(select(m.Repair.output_image_id).where(m.Repair.output_image_id.is_not(None),
                                                                 m.Repair.unlinked_at.is_(None)))


def _made():
    """Whether the image is a linked repair's output (a repaired copy)."""
    return select(m.Repair.id).where(m.Repair.output_image_id == m.Image.id, m.Repair.unlinked_at.is_(None)).exists()


def made_from(image_id=None):
    """SQL: the relpath of the image a linked repair made this one from (``image_id``, or
    the statement's image), NULL when it is no linked repair's output (a repaired copy's
    record names its source: the grid's tooltip says whose copy it is)."""
    src = aliased(m.Image)
    out = m.Image.id if image_id is None else image_id
    return (select(src.relpath).join(m.Repair, m.Repair.source_image_id == src.id)
            .where(m.Repair.output_image_id == out, m.Repair.unlinked_at.is_(None))
            .order_by(m.Repair.id.desc()).limit(1).scalar_subquery())


def record_of(session: Session, image_id: int, labels: Sequence[str]) -> Optional[ImageRecord]:
    """:func:`records` of one image whose ``labels`` the caller read already: one query
    (the row and whether it has a repair), not three (a review action's record)."""
    row = session.execute(select(*IMAGE_RECORD_COLUMNS, _repaired().label("repaired_"), made_from().label("made_"))
                          .where(m.Image.id == image_id)).first()
    return None if row is None else image_record(tuple(row)[:-2], in_taxonomy_order(session, labels),
                                                 bool(row.repaired_), row.made_ is not None, row.made_)


def in_taxonomy_order(session: Session, names: Sequence[str]) -> tuple[str, ...]:
    """``names`` as :func:`records` lists an image's labels (the grid): by taxonomy position,
    then name; a name no label has (none should) last. A query only for two or more whose
    positions this transaction has not read (:mod:`.label_positions`)."""
    names = sorted(set(names))
    if len(names) < 2:
        return tuple(names)
    known = label_positions.ordered(session, names)  # read with the action's labels already
    if known is not None:
        return known
    placed = list(session.scalars(select(m.Label.name).where(m.Label.name.in_(names))
                                  .order_by(m.Label.position, m.Label.name)))
    return tuple(placed + [n for n in names if n not in set(placed)])


def id_for_path(session: Session, relpath: str) -> Optional[int]:
    return session.scalar(select(m.Image.id).where(m.Image.relpath == relpath))


def _chunks(seq: Sequence, n: int):
    for i in range(0, len(seq), n):
        yield seq[i : i + n]
