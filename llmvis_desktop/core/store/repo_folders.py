"""Folder digests and per-folder file rows, for incremental scans."""
from __future__ import annotations

from typing import Sequence

from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.orm import Session

from . import models as m

FileRows = dict[str, tuple[int, int, int, str]]  # relpath -> (id, size, mtime_ns, status)


def folder_digests(session: Session) -> dict[str, str]:
    return dict(session.execute(select(m.Folder.relpath, m.Folder.digest)).all())


def folder_digests_of(session: Session, relpaths: Sequence[str]) -> dict[str, str]:
    """The stored digests of the folders ``relpaths`` (those that have one)."""
    rows = session.execute(select(m.Folder.relpath, m.Folder.digest).where(m.Folder.relpath.in_(list(relpaths))))
    return dict(rows.all())


def digested_file_count(session: Session) -> int:
    return session.scalar(select(func.coalesce(func.sum(m.Folder.files), 0)))


def listed_once(session: Session) -> bool:
    """Whether a scan has ever finished listing a folder of the project (an empty
    folder, once indexed, has the digest of its empty root)."""
    return session.scalar(select(m.Folder.id).limit(1)) is not None


def image_counts(session: Session) -> tuple[int, int]:
    """(all rows, present rows) in one pass over the table (a rescan of an unchanged
    100k folder costs a few table scans more than the walk: each one counts)."""
    present = case((m.Image.status != m.STATUS_MISSING, 1))
    total, listed = session.execute(select(func.count(), func.count(present)).select_from(m.Image)).one()
    return int(total), int(listed)


def folders_with_missing(session: Session) -> set[str]:
    """The folders ("" for the root) that hold rows marked missing."""
    rows = session.scalars(select(m.Image.relpath).where(m.Image.status == m.STATUS_MISSING))
    return {rel.rpartition("/")[0] for rel in rows}


def project_root(session: Session) -> str | None:
    """The folder the project was made from (another machine's mount may differ)."""
    row = session.get(m.ProjectRow, 1)
    return row.root if row is not None else None


def files_in_folder(session: Session, rel_dir: str) -> FileRows:
    """Rows of the files directly inside ``rel_dir`` (not in its subfolders)."""
    cols = (m.Image.relpath, m.Image.id, m.Image.size, m.Image.mtime_ns, m.Image.status)
    if rel_dir:
        prefix = rel_dir + "/"
        # a range on an index of relpath: every path that starts with prefix sorts
        # between "dir/" and "dir0" ("0" follows "/") in bytewise order. PostgreSQL
        # compares in the database's collation, where a glibc locale (en_US.UTF-8) puts
        # "dir/a" after "dir0": there the range is taken in "C" (indexed by migration 0008)
        col = m.Image.relpath
        if session.get_bind().dialect.name == "postgresql":
            col = col.collate("C")
        stmt = select(*cols).where(col >= prefix, col < rel_dir + "0")
    else:
        prefix = ""
        stmt = select(*cols).where(~m.Image.relpath.contains("/"))
    cut = len(prefix)
    return {
        r[0]: (r[1], r[2], r[3], r[4])
        for r in session.execute(stmt)
        if "/" not in r[0][cut:]
    }


def save_digests(session: Session, rows: Sequence[tuple[str, int, str]]) -> None:
    """Store (relpath, file count, digest) for folders, replacing earlier digests."""
    if not rows:
        return
    forget(session, [r[0] for r in rows])
    session.execute(insert(m.Folder), [{"relpath": r, "files": n, "digest": d} for r, n, d in rows])


def forget(session: Session, relpaths: Sequence[str]) -> None:
    relpaths = list(relpaths)
    for i in range(0, len(relpaths), 500):
        session.execute(delete(m.Folder).where(m.Folder.relpath.in_(relpaths[i : i + 500])))


def folders_with_counts(session: Session) -> list[tuple[str, int]]:
    """The project's subfolders (relative paths, nested ones whole: "cam2/night"), each
    with the images found under it at any depth at the last scan, by name; folders that
    hold no image, even below, are left out, and so is the root. Read from the folder
    digests' file counts (one small table), not from the image rows."""
    totals: dict[str, int] = {}
    for rel, files in session.execute(select(m.Folder.relpath, m.Folder.files)):
        parts = rel.split("/") if rel else []
        for depth in range(1, len(parts) + 1):
            key = "/".join(parts[:depth])
            totals[key] = totals.get(key, 0) + (files or 0)
    return sorted(((rel, n) for rel, n in totals.items() if n > 0), key=lambda t: t[0].casefold())
