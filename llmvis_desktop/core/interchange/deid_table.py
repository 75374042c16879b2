"""DICOM PS3.15 Annex E, Table E.1-1, as data: each attribute's tag, name and Basic
Application Level Confidentiality Profile action (data only, no pydicom).

The transcription itself, checked row by row against pydicom's data dictionary, is
:mod:`.deid_table_e1_1`; this module reads it (:func:`rows`, :func:`parse_tag`).
Actions, as the standard defines them: ``X`` remove; ``Z`` replace by a zero-length
value; ``D`` replace by a dummy; ``U`` replace a UID by a consistent, non-identifying
one; combined actions (``X/Z``, ``X/D``, ``Z/D``, ``X/Z/D``) depend on the attribute's
type; ``X/Z/U*`` keeps a sequence of references, its UIDs replaced. How the export
applies each one (and the project's exceptions, such as the study's dates kept) is in
:mod:`.deid_profile` and :func:`.anonymize.rules`.

The wildcard rows (curves ``50XX``, overlays ``60XX``, private attributes) are not
tags: the export drops those groups whole (``DRAWN_GROUPS``, private tags).
Rows the table of some editions has and this transcription lacks (retired ones such
as Modifying Device Manufacturer) are in ``deid_profile.REMOVE``; every date and time
this table leaves out goes by the date/time rule of :mod:`.deid_profile`.
"""
from __future__ import annotations

from .deid_table_e1_1 import TABLE_E1_1

#: Actions that take the attribute out of the exported file (a dummy is never written).
REMOVING = frozenset({"X", "X/Z", "X/D", "X/Z/D", "Z/D", "D"})
#: Every action the table uses.
ACTIONS = REMOVING | {"Z", "U", "X/Z/U*"}


def parse_tag(text: str) -> int | None:
    """``"0018,9424"`` -> ``0x00189424``; None for a wildcard row (``60XX,3000``)."""
    try:
        return int(text.replace(",", ""), 16)
    except ValueError:
        return None


def rows() -> list[tuple[str, str, str]]:
    """The table as (tag text, action, name) rows, in the order of ``TABLE_E1_1``."""
    out = []
    for line in TABLE_E1_1.strip().splitlines():
        tag, action, name = line.split(" ", 2)
        out.append((tag, action, name))
    return out
