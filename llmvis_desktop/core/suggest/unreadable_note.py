"""What a suggest job says of the images it leaves out because the index could not read
them: each file with the reason the index recorded (the one ``llmvis info`` shows: over
the pixel limit and the setting that raises it, a DICOM object with no pixel data, a
damaged or empty file), and, apart, the files missing since they were indexed. It said
"missing or damaged files (damaged: ...)" of all of them alike, a 15000x15000 image or a
DICOM RT plan included."""
from __future__ import annotations

from typing import Collection

from sqlalchemy import select

from ..store import models as m
from ..wording import one_line
from .report import _count

NAMED = 3  # files named in a note; the rest are counted
REASON_CHARS = 200
LIMIT_SETTING = "max_image_pixels"  # in the reason the index gives an image over the pixel limit
#: where a note sends the reader for the whole list: the CLI's; the window's (:func:`in_window`)
LISTED_BY_CLI = "`llmvis info` names them all and why"
LISTED_IN_WINDOW = "the filter bar's status \u201cErrors\u201d lists them all, each tile saying why"
RAISE_LIMIT = ("an image over the pixel limit is read by the next index once the limit is raised (Settings, "
               "Largest image; or max_image_pixels in config.json)")


def unreadable_ids(project) -> set[int]:
    """Ids of the images the index could not read (an error) or found missing."""
    with project.store.read() as s:
        return set(s.scalars(select(m.Image.id).where(m.Image.status.in_((m.STATUS_MISSING, m.STATUS_ERROR)))))


def unreadable_notes(project, left_out: Collection[int]) -> list[str]:
    """The report's lines for the images ``left_out`` of a job (ids of :func:`unreadable_ids`
    among those it was asked to do): those unreadable when indexed, each named with why,
    then those missing. Only the job's own images are named (a --path-prefix job named
    unreadable files elsewhere in the folder)."""
    if not left_out:
        return []
    wanted = set(left_out)
    errors: list[tuple[str, str]] = []
    missing: list[str] = []
    with project.store.read() as s:
        rows = s.execute(select(m.Image.id, m.Image.relpath, m.Image.status, m.Image.error)
                         .where(m.Image.status.in_((m.STATUS_MISSING, m.STATUS_ERROR)))
                         .order_by(m.Image.name_key, m.Image.id))
        for image_id, rel, status, why in rows:
            if image_id not in wanted:
                continue
            if status == m.STATUS_MISSING:
                missing.append(one_line(rel))
            else:
                reason = (why or "unreadable").split("\n", 1)[0][:REASON_CHARS]
                errors.append((one_line(rel), one_line(reason)))
    notes = []
    if errors:
        named = "; ".join(f"{rel}: {why}" for rel, why in errors[:NAMED])
        more = f"; and {len(errors) - NAMED} more" if len(errors) > NAMED else ""
        raise_it = (f"; {RAISE_LIMIT}" if any(LIMIT_SETTING in why for _, why in errors) else "")
        notes.append(f"{_count(len(errors), 'image')} could not be read when indexed and got no suggestions "
                     f"({named}{more}); {LISTED_BY_CLI}{raise_it}")
    if missing:
        named = ", ".join(missing[:NAMED]) + (f" and {len(missing) - NAMED} more" if len(missing) > NAMED else "")
        notes.append(f"{_count(len(missing), 'image')} missing since the folder was indexed got no suggestions ({named}: "
                     f"moved or deleted); index the folder again once the files are back")
    return notes


def in_window(note: str) -> str:
    """A job's note as the window says it: the filter bar's "Errors" instead of a terminal
    command (the Jobs panel ended "`llmvis info` names them all and why")."""
    return note.replace(LISTED_BY_CLI, LISTED_IN_WINDOW)
