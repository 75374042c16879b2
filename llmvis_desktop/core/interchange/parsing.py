"""What an import file says, and the checks of its values: every format parses into
:class:`ParsedFile` (a list of :class:`ImportItem`), which :mod:`.apply` writes."""
from __future__ import annotations

import re

import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from ..store import models as m
from ..store.records import NewSuggestion
from .common import CONTROL, InterchangeError


def score_value(raw, where: str, name: str = "score") -> Optional[float]:
    """An imported suggestion's score: None, or a finite number (``where`` names the
    file and record in the error)."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise InterchangeError(f"{where}: {name} {raw!r} is not a number")
    try:
        x = float(raw)
    except (TypeError, ValueError):
        raise InterchangeError(f"{where}: {name} {raw!r} is not a number") from None
    if not math.isfinite(x):
        raise InterchangeError(f"{where}: {name} {raw!r} is not a finite number")
    return x


def parse_time(text, where: str) -> Optional[datetime]:
    if text in (None, ""):
        return None
    if not isinstance(text, str):
        raise InterchangeError(f"{where}: time {text!r} is not text")
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InterchangeError(f"{where}: time {text!r} is not an ISO 8601 date-time") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


MISSING = object()


@dataclass
class ImportItem:
    name: str  # as written in the file
    where: str  # the record, for messages: "line 7", "annotations[3]", "task 12"
    caption: object = MISSING  # MISSING = the format does not carry it; None = no caption
    labels: Optional[list[str]] = None  # None = not carried
    status: Optional[str] = None
    reviewer: Optional[str] = None
    time: Optional[datetime] = None
    suggestions: list[NewSuggestion] = field(default_factory=list)  # image_id filled in later (0)
    path_checked: bool = False  # name is already project-relative and checked
    alt: Optional[Path] = None  # the file itself, tried when the name matches no image
    by_stem: bool = False  # name is a path without its suffix (caption sidecars)
    review_meta: bool = False  # the format carries reviewer and time: keep the file's
    by_basename: bool = False  # name is a bare file name (a Label Studio upload): the one image so named
    #: an upload's name with the hash prefix Label Studio gave it (``1a2b3c4d-dog.jpg``), tried
    #: when ``name``, the prefix taken off, names no image (a file whose own name began so)
    upload_name: Optional[str] = None
    #: name may start with folders above the project (a Label Studio local-files path below
    #: a document root that is a parent of the project): taken off until it names an image
    by_suffix: bool = False
    #: another project path the record's file may stand for (a YOLO class folder that is
    #: really a subfolder: ``train/nested/same.png`` is ``nested/same.png`` as much as
    #: ``same.png`` of class "nested"): when it names a different image, the record is
    #: skipped with a warning instead of labelling the wrong one
    also: Optional[str] = None
    #: the labels as a ``;``-separated text (CSV, JSONL), checked against the names holding ``;``
    labels_cell: Optional[str] = None
    #: name is another machine's absolute path (files.foreign_path, drive taken off): the one
    #: image its longest trailing part names (``sub/a.png``, else ``a.png``), set by the import
    by_tail: bool = False


@dataclass
class ParsedFile:
    items: list[ImportItem]
    taxonomy: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: label -> "#rrggbb" as the file gives it (a COCO category's ``color``, a CVAT label's
    #: ``<color>``): a label the import makes takes it, not the next palette colour
    colors: dict[str, str] = field(default_factory=dict)
    #: labels the file marks exclusive (a COCO category's ``"exclusive": true``): a label the
    #: import makes is made so
    exclusive: set[str] = field(default_factory=set)
    #: the order the file lists its labels in, where it lists more than it uses (labelme's
    #: ``flags``, every taxonomy label in an export): the labels the import makes are made in
    #: this order (their number keys), none made for being listed only
    label_order: list[str] = field(default_factory=list)


def check_status(value, where: str) -> Optional[str]:
    if value in (None, ""):
        return None
    if value not in m.REVIEW_STATUSES:
        raise InterchangeError(f"{where}: status {value!r} is not one of {', '.join(m.REVIEW_STATUSES)}")
    return value


def check_text(value, where: str, what: str) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InterchangeError(f"{where}: {what} {value!r} is not text")
    bad = CONTROL.search(value)
    if bad:
        raise InterchangeError(f"{where}: {what} holds the control character U+{ord(bad.group()):04X} "
                               f"at position {bad.start()}; only tabs and line breaks are accepted")
    return value


def check_labels(values, where: str) -> list[str]:
    if not isinstance(values, (list, tuple)):
        raise InterchangeError(f"{where}: labels {values!r} is not a list")
    out = []
    for v in values:
        if not isinstance(v, str) or not v.strip() or v != v.strip():
            raise InterchangeError(f"{where}: label {v!r} is empty, not text or has surrounding spaces")
        out.append(v)
    return out


def empty_text(content) -> str:
    """What an import says of a file with nothing in it (an export that never finished
    writing, a file made by mistake), for ``content``, its whole text or bytes."""
    if not content:
        return "empty file (0 bytes)"
    return f"empty file (only white space, {len(content):,} bytes)"


def read_xml(path: Path, shown: str, none_have: str, not_xml):
    """The root element of the XML file ``path``, refusing DOCTYPE and entity declarations
    (an entity can pull in any local file, or expand without end). An unreadable file is
    named by its path, the other errors by ``shown``; ``none_have``: the files of this kind
    ("CVAT files"); ``not_xml(exc)`` says a :class:`~xml.etree.ElementTree.ParseError` in
    the format's words."""
    import xml.etree.ElementTree as ET

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InterchangeError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if raw.strip() == b"":  # said 'malformed XML at line 1, column 0'
        raise InterchangeError(f"{shown}: {empty_text(raw)}")
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise InterchangeError(f"{shown}: DOCTYPE/ENTITY declarations are refused ({none_have} have none)")
    try:
        return ET.fromstring(raw)
    except ET.ParseError as exc:
        raise InterchangeError(f"{shown}: {not_xml(exc)}") from None


_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


def label_color(value) -> Optional[str]:
    """``value`` as a label colour ("#rrggbb", lower case), or None when it is not one (a
    file's colour that is not is left out: the label takes the palette's)."""
    return value.lower() if isinstance(value, str) and _COLOR.fullmatch(value) else None
