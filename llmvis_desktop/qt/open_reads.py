"""What the window reads from a project as it opens, read off the GUI thread.

At 100k images the window's set-up after an open (the open itself already ran off the
GUI thread) held the GUI thread 60-140 ms in one go, much of it database reads: the
taxonomy three times, its usage counts (a GROUP BY over every image's labels), the
project's settings, then, once the grid's ids arrived, the reviewer's place (settings
and a path lookup) and the 256 records around it, and the 100k ids' row map.

:func:`first_reads` runs on the opener's thread once the project is open (the
taxonomy, its usage, the settings); :func:`place_reads` runs with the open's first grid
query on the query thread (the row map, the reviewer's place and its window of
records, and the Suggestions panel's cards of the image selected first). The GUI thread
then only shows what they read. Either may fail (a locked
database): the window then reads as it did before, on the GUI thread.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Optional

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FirstReads:
    labels: list
    usage: dict
    settings: dict = field(default_factory=dict)
    #: the project's subfolders and their image counts (the filter bar's folder choice);
    #: None: not read (the window reads them)
    folders: Optional[list] = None


def first_reads(project) -> FirstReads:
    """On the opener's thread: the taxonomy, its usage counts and the project's settings."""
    return FirstReads(project.labels(), project.label_usage(), project.settings(), project.folders())


@dataclass(frozen=True)
class PlaceReads:
    row_of: dict  # image id -> row, for the ids the query returned
    image_id: Optional[int]  # the reviewer's place, when it is among them
    window: Optional[tuple] = None  # (window index, its records) around it (else row 0)
    read: bool = True  # False: the place could not be read (the GUI thread reads it)
    #: (image id, suggestions, judged): the cards of the image selected first (the place,
    #: else the first row), so that showing it reads nothing (None: not read)
    cards: Optional[tuple] = None


def row_map(ids) -> dict:
    return dict(zip(ids, range(len(ids))))


def selected_window(project, ids, rows: dict, keep: Optional[int], window_rows: int) -> Optional[tuple]:
    """On the query thread: (window index, its records) of the row the window selects once
    ``ids`` are applied (the image ``keep`` when listed, else the first row), so that
    selecting it reads nothing on the GUI thread (a search on a team's PostgreSQL froze the
    window 0.3 s for that read). None when there is no row, or the read failed (the GUI
    thread reads it then, as before)."""
    if not ids:
        return None
    w = rows.get(keep, 0) // window_rows if keep is not None else 0
    wanted = ids[w * window_rows:(w + 1) * window_rows]
    try:
        by_id = {r.id: r for r in project.images(wanted)}
    except Exception as exc:
        log.warning("the grid's selected rows, read with its ids: %s", exc)
        return None
    return w, [by_id.get(i) for i in wanted]


def _cards(project, image_id: int) -> Optional[tuple]:
    """The Suggestions panel's cards of ``image_id`` (None when they could not be read: the
    panel reads them itself, waiting up to 30 ms on the GUI thread, as before)."""
    try:
        return (image_id, *project.suggestion_cards(image_id))
    except Exception as exc:
        log.warning("the first image's suggestions, read with the grid's ids: %s", exc)
        return None


def place_reads(project, ids, settings: Optional[dict], keys: tuple, window_rows: int) -> PlaceReads:
    """On the query thread: the ids' row map, and the image remembered under the first of
    ``keys`` set in the project's ``settings`` (read here when None) with the records of
    its window of ``window_rows`` rows, as the grid model keeps them."""
    rows = row_map(ids)
    try:
        if settings is None:
            settings = project.settings()
        rel = next((settings[k] for k in keys if settings.get(k)), None)
        rec = project.image_by_path(rel) if rel else None
        place = rec.id if rec is not None and rec.id in rows else None
        if not ids:
            return PlaceReads(rows, place)
        w = (rows[place] if place is not None else 0) // window_rows  # (no place: the first row)
        wanted = ids[w * window_rows:(w + 1) * window_rows]
        by_id = {r.id: r for r in project.images(wanted)}
        first = place if place is not None else ids[0]
        return PlaceReads(rows, place, (w, [by_id.get(i) for i in wanted]), cards=_cards(project, first))
    except Exception as exc:  # the grid's ids stand: the place is looked up as before
        log.warning("the reviewer's place, read with the grid's ids: %s", exc)
        return PlaceReads(rows, None, read=False)
