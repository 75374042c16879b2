"""A repair's place in its project: which project path a file is listed under, whether a
file is an original image or a recorded repair output, refusing an image that is not in
the project before anything is saved, and recording a saved repair (its provenance row,
the new file indexed, an earlier repair of the same output file closed).

Used by :func:`.apply.repair_file`; nothing here writes an image file. A path is "in
the project" as the indexer sees it: below the root, or below it through a link the
indexer follows (:func:`relatives`); a link out of it leads outside.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from . import RepairError

if TYPE_CHECKING:
    from .apply import RepairResult


def recorded_outputs(project, path: Path, active_only: bool = False) -> list:
    """Ids of the project's repair records whose output is ``path`` (recorded relative to
    the project, or by full path outside it); ``active_only``: only linked ones."""
    from sqlalchemy import select

    from ..store import models as m

    q = select(m.Repair.id).where(m.Repair.output_path.in_(output_names(project, path)))
    if active_only:
        q = q.where(m.Repair.unlinked_at.is_(None))
    with project.store.read() as s:
        return list(s.scalars(q.order_by(m.Repair.id)))


def output_names(project, path: Path) -> list[str]:
    """The names a repair record may give ``path`` as its output: its project path, its full path."""
    names = {str(path.resolve())}
    rel = relative_path(project, path)
    if rel is not None:
        names.add(rel)
    return sorted(names)


def is_original(project, path: Path) -> bool:
    """Whether ``path`` is an indexed image of the project that no repair wrote."""
    from sqlalchemy import select

    from ..store import models as m

    rel = relative_path(project, path)
    img = project.image_by_path(rel) if rel is not None else None
    if img is None:
        return False
    with project.store.read() as s:
        return s.scalar(select(m.Repair.id).where(m.Repair.output_image_id == img.id).limit(1)) is None


def relatives(project, path: Path) -> list[str]:
    """The paths in the project that ``path`` may be listed under, best first: the path
    as given (made absolute, ``..`` taken lexically) below the root or a folder that is
    the root through links (``/link/proj/x.png``), as the indexer lists what it reaches
    through a link inside the project (``shared/s.png``, ``shared`` a link to a folder
    outside); then the path with its links resolved (a link from outside into it)."""
    root = os.path.realpath(project.root)
    given = os.path.abspath(path)
    out: list[str] = []
    folder = os.path.dirname(given)
    while True:
        if os.path.realpath(folder) == root:
            out.append(Path(os.path.relpath(given, folder)).as_posix())
            break
        up = os.path.dirname(folder)
        if up == folder:
            break
        folder = up
    real = os.path.realpath(given)
    if real.startswith(root.rstrip(os.sep) + os.sep):
        rel = Path(os.path.relpath(real, root)).as_posix()
        if rel not in out:
            out.append(rel)
    return out


def relative_path(project, path: Path) -> Optional[str]:
    """The path of ``path`` in the project (None: it is not inside it): the first of
    :func:`relatives` that the project indexes, else the first of them. A path below the
    root only through a link the project does not index, to a file outside it, is not
    inside (the indexer never reached it), unless a scan now lists it."""
    names = relatives(project, path)
    for rel in names:
        if project.image_by_path(rel) is not None:
            return rel
    return names[0] if names else None


def check_inside(project, image_path: Path) -> None:
    """Refuse, before anything is saved, an image that is not in the project: outside its
    folder, or below it only through a link the indexer does not follow (a second link to
    a folder, one to the folder holding the project) to a file outside it. A file reached
    through a link it follows (and not indexed yet) is listed by a scan, as record_repair does."""
    rel = relative_path(project, image_path)
    if rel is not None and project.image_by_path(rel) is None:
        root = os.path.realpath(project.root)
        if not os.path.realpath(image_path).startswith(root.rstrip(os.sep) + os.sep):
            list_for(project, rel)
            if project.image_by_path(rel) is None:
                raise RepairError(f"{image_path}: not inside the project folder {project.root} (a link the "
                                  f"project does not follow leads out of it); nothing was saved")
    if rel is None:
        raise RepairError(f"{image_path}: not inside the project folder {project.root}; nothing was saved")


def list_for(project, rel: str, token=None, progress=None) -> bool:
    """Index what finds the project path ``rel`` not indexed yet (a file dropped meanwhile,
    one reached through a link): its folder alone when an earlier index listed that folder
    under that path (the walk enters it there: what it lists is what a scan lists), else
    the whole project (a folder never listed may lie behind a link the walk does not
    follow: only the walk says). True when the whole project was walked. ``token``,
    ``progress``: the database held by another writer is waited for (:meth:`..project.Project.scan`)."""
    from ..store import repo_folders as rf
    from ..tasks import no_progress

    progress = progress or no_progress
    folder = rel.rpartition("/")[0]
    with project.store.read() as s:
        known = bool(rf.folder_digests_of(s, [folder]))
    if known:
        project.scan_folder(folder, token, progress)
        return False
    project.scan(token, progress)
    return True


def record_repair(project, image_path: Path, result: RepairResult, actor: str, token=None, progress=None) -> None:
    """Record the saved repair ``result``: its output's folder indexed (its own
    transactions, each stored once), then its record in one transaction that also closes
    the earlier repairs of the same output file (:meth:`..project.Project.add_repair`).
    Given a ``token``, each waits for a database another writer holds (said through
    ``progress``; a cancel raises :class:`~..tasks.Cancelled`) and is stored whole or not at all."""
    progress = _waits_said(progress)
    rel = relative_path(project, image_path)
    if rel is None:
        raise RepairError(f"{image_path}: not inside the project folder {project.root}; repair saved "
                          f"to {result.output_path} but not recorded")
    src = project.image_by_path(rel)
    out_rel = relative_path(project, result.output_path)
    if src is None:
        if not list_for(project, rel, token, progress) and out_rel is not None:  # (a whole walk listed it too)
            project.scan_folder(out_rel.rpartition("/")[0], token, progress)
        src = project.image_by_path(rel)
    elif out_rel is not None:  # the output's own folder listed, not the whole project walked again
        project.scan_folder(out_rel.rpartition("/")[0], token, progress)
    if src is None:
        raise RepairError(f"{rel}: not indexed in the project; repair saved to {result.output_path}")
    out_img = project.image_by_path(out_rel) if out_rel else None
    # the file replaced an earlier repair's output: that repair no longer describes it, and is
    # closed as undo closes one (kept in the history), so one file has one linked repair; in
    # the record's own transaction (closed and not replaced, or replaced and left open, was
    # what a failure between the two left)
    # outside the project: absolute paths (relative ones are read against the project root)
    mask_rel = relative_path(project, result.mask_path) or str(result.mask_path.resolve())
    rec = project.add_repair(
        src.id, mask_path=mask_rel, output_path=out_rel or str(result.output_path.resolve()), engine=result.method,
        actor=actor, output_image_id=out_img.id if out_img else None, source_sha256=result.source_sha256,
        checkpoint_hash=result.checkpoint_hash, params=result.params,
        closing=output_names(project, result.output_path), token=token, progress=progress)
    result.repair_id = rec.id
    result.output_image_id = out_img.id if out_img else None


def _waits_said(progress):
    """``progress`` given only the reports of a wait for the database (its words, and the
    report that it is over with its seconds), as stage "repair": the index of the output's
    folder says nothing else."""
    from dataclasses import replace

    def said(p) -> None:
        if progress is not None and (p.waiting or p.waited_s):
            progress(replace(p, stage="repair", done=0, total=None))

    return said
