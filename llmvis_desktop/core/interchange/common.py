"""What every interchange format shares on the way out: options, reports, the rows an
export writes, neutral names for DICOM and the seeded split. One export in progress
(its context: warnings, progress, copying files, exported names) is in
:mod:`.export_context`; the chunked reading of its rows from the database is in
:mod:`.export_rows`. Files,
folders and safe path resolution are in :mod:`.files`. The plain shapes an import file
is parsed into, and the checks of its values, are in :mod:`.parsing` (applied by
:mod:`.apply`).

Formats only translate between their file layout and two plain shapes:
:class:`ExportRow` (what an export writes per image) and
:class:`.parsing.ImportItem` (what a parsed file says about one image). Everything
that touches the database lives here, in :mod:`.export_rows` and in :mod:`.apply`,
so every format gets the same guarantees.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Optional, Sequence

from ..store.convert import as_utc
from ..when import format_when, short_when
from ..wording import plural
from .import_report import ImportReport  # noqa: F401  (an import's report: its own module)

DICOM_SUFFIXES = (".dcm", ".dicom")
#: appended to the name of an image written as 8-bit PNG (``ExportOptions.images_8bit``):
#: ``scan.tif`` -> ``scan.tif.png``, unique and mapped back to ``scan.tif`` by an import
PNG_SUFFIX = ".png"
#: formats that copy the image files into a training layout
COPY_FORMATS = ("yolo", "jsonl")
ANON_DIR = "anon"
SECRET_SETTING = "interchange_secret"
CHUNK = 5000


class InterchangeError(Exception):
    """An export or import is refused; the message names the file and the record."""


#: C0 control characters other than tab, line feed and carriage return: XML 1.0 cannot
#: carry them, PostgreSQL refuses NUL; an import refuses them, an export shows them
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def visible_controls(text: Optional[str]) -> Optional[str]:
    """``text`` with each control character in :data:`CONTROL` replaced by its visible
    symbol from the Control Pictures block (form feed -> U+240C)."""
    if not text or not CONTROL.search(text):
        return text
    return CONTROL.sub(lambda m: chr(0x2400 + ord(m.group())), text)


# --- options and reports ------------------------------------------------------


@dataclass(frozen=True)
class ExportOptions:
    #: only images whose status is reviewed (every format)
    reviewed_only: bool = False
    #: history only: only images a person decided, reviewed or rejected (a rejection is
    #: a decision the audit trail keeps); the annotation formats refuse it
    decided_only: bool = False
    include_suggestions: bool = False
    include_repairs: bool = False
    split: tuple[float, float, float] = (0.8, 0.2, 0.0)
    seed: int = 0
    link: bool = False
    #: de-identify DICOM-derived images (names, copies, metadata); on by default
    anonymize: bool = True
    #: yolo/jsonl: write 16-bit and float images as 8-bit PNG (rendered as the viewer shows
    #: them, named ``<name>.png``) instead of copying them as they are; off by default
    images_8bit: bool = False
    #: secret for neutral names and UID remapping; None = the project's own
    secret: Optional[str] = None
    #: how the front end running the export names its options in messages, as
    #: ``(("images_8bit", "the \u201cWrite \u2026 as 8-bit PNG\u201d box"),)``; an option not
    #: named here is called by its CLI flag (the dialog's warning gave "--images-8bit")
    option_names: tuple[tuple[str, str], ...] = ()

    def name_of(self, option: str) -> str:
        """An option as the front end shows it (``--images-8bit`` by default)."""
        return dict(self.option_names).get(option, "--" + option.replace("_", "-"))


@dataclass
class ExportReport:
    format: str
    out: str
    images: int = 0
    #: the annotations of the format's own file (COCO: its label annotations; YOLO: the
    #: image files in label folders; txt: the sidecars); ``labels`` and ``captions``: the
    #: labels and captions exported
    annotations: int = 0
    labels: int = 0
    captions: int = 0
    suggestions: int = 0
    files_written: int = 0
    warnings: list[str] = field(default_factory=list)
    #: the warnings past the report's cap (:data:`.export_context.MAX_WARNINGS`), counted only
    warnings_dropped: int = 0
    #: the images of each grouped warning, every name (its line names a few)
    warned_images: dict = field(default_factory=dict)
    seconds: float = 0.0
    events: Optional[int] = None  # history events written (the history export)
    #: the format's extension the front end added to a file name typed without one
    #: (":func:`~llmvis_desktop.core.interchange.export_path`"), "" when none was
    suffix_added: str = ""

    def counts(self) -> str:
        """What the export holds, in the format's own unit: a COCO file's annotations (its
        captions are in the captions file), a CSV's rows, YOLO's image files in label
        folders. One count of labels plus captions called "annotations" told a COCO
        file of 147 annotations "186 annotation(s)"."""
        def n(k: int, word: str, many: Optional[str] = None) -> str:
            return f"{k:,} {plural(k, word, many)}"

        images = n(self.images, "image")
        if self.events is not None:
            return f"{images}, {n(self.events, 'history event')}"
        if self.format == "coco":
            return (f"{images}, {n(self.annotations, 'annotation')} (labels), "
                    f"{n(self.captions, 'caption')} (in the captions file)")
        if self.format == "csv":
            return f"{n(self.images, 'row')} (one per image), {n(self.labels, 'label')}, {n(self.captions, 'caption')}"
        if self.format == "yolo":
            return f"{images}, {n(self.annotations, 'file')} in label folders (one per label)"
        if self.format == "txt":
            return f"{n(self.images, 'caption sidecar')}"
        return f"{images}, {n(self.labels, 'label')}, {n(self.captions, 'caption')}"

    def summary(self) -> str:
        text = (f"{self.format}: {self.counts()}, {self.suggestions:,} {plural(self.suggestions, 'suggestion')}, "
                f"{self.files_written:,} {plural(self.files_written, 'file')} -> {self.out}")
        if self.suffix_added:
            text += f" ({self.suffix_added} added to the name given, which had no extension)"
        n = len(self.warnings) + self.warnings_dropped
        if n:
            text += f"; {n:,} {plural(n, 'warning')}"
        return text

    def count_row(self, row) -> None:
        """Count one exported image's labels and captions (``row``: an export row)."""
        self.labels += len(row.labels)
        self.captions += 1 if row.caption else 0
        self.annotations += len(row.labels) + (1 if row.caption else 0)


@dataclass
class Conflict:
    file_name: str
    field: str
    existing: object
    incoming: object
    #: set when the file's record is older than the image's last change (kept, not replaced)
    existing_time: Optional[datetime] = None
    existing_by: Optional[str] = None
    incoming_time: Optional[datetime] = None
    incoming_by: Optional[str] = None
    #: who last changed the image here and when (its row), said in the text of a conflict
    #: whose record is not older (``existing_time`` None): a lead otherwise could not tell
    #: whose work the file's record would replace
    here_by: Optional[str] = None
    here_time: Optional[datetime] = None

    def __str__(self) -> str:
        def empty(value) -> bool:
            return value is None or value == [] or value == ""

        def shown(value) -> str:  # labels as "dent, scratch", not a Python list
            return ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else repr(value)

        # local times with their zone, as the refusal lines and the History panel say them
        # (--json keeps them ISO); to the second where minutes would read the same
        when = short_when
        times = [as_utc(t) for t in (self.existing_time or self.here_time, self.incoming_time) if t is not None]
        if len(times) == 2 and short_when(times[0]) == short_when(times[1]) and times[0] != times[1]:
            when = format_when
        here = f"has no {self.field}" if empty(self.existing) else f"{self.field} is {shown(self.existing)}"
        there = f"no {self.field}" if empty(self.incoming) else shown(self.incoming)
        if self.existing_time is None and (self.here_by or self.here_time):
            here += f" (changed here{f' at {when(self.here_time)}' if self.here_time else ''} by " \
                    f"{self.here_by or 'nobody named'})"
            if self.incoming_by or self.incoming_time:
                there += f" (the file's record{f' of {when(self.incoming_time)}' if self.incoming_time else ''}" \
                         f" by {self.incoming_by or 'nobody named'})"
        text = f"{self.file_name}: {here}, file has {there}"
        if self.existing_time is not None:
            text += (f" (changed here at {when(self.existing_time)} by {self.existing_by or 'nobody named'}, after "
                     f"the file's record of {when(self.incoming_time)} by {self.incoming_by or 'nobody named'}; "
                     f"the newer value is kept)")
        return text


# --- rows an export writes ------------------------------------------------------


@dataclass(frozen=True)
class SuggestionOut:
    kind: str
    value: str
    score: Optional[float]
    model_id: str
    model_revision: Optional[str]
    prompt: Optional[str]
    #: the rest only for decided suggestions (``ExportContext.rows(decided=True)``)
    outcome: str = "pending"
    final_value: Optional[str] = None
    decided_by: Optional[str] = None
    decided_at: Optional[str] = None  # UTC ISO 8601


@dataclass
class ExportRow:
    image_id: int
    relpath: str
    name: str  # the name written to the export (neutral for DICOM-derived images)
    width: Optional[int]
    height: Optional[int]
    caption: Optional[str]
    labels: tuple[str, ...]
    status: str
    reviewer: Optional[str]
    time: Optional[str]
    dicom: bool = False
    derived_from: Optional[str] = None  # exported name of the source image
    suggestions: tuple[SuggestionOut, ...] = ()
    readable: bool = True  # False: the index could not read the file (status error)
    dicom_file: bool = False  # the file itself is DICOM (``dicom``: also a repair of one, for its name)
    bit_depth: Optional[int] = None  # bits per sample (16, 32 for float), None when unknown
    frames: Optional[int] = None
    as_8bit: bool = False  # written as an 8-bit PNG rendering (``name`` ends with PNG_SUFFIX)
    notes: tuple[SuggestionOut, ...] = ()  # answers kept as notes, in the order kept (NOTE_FORMATS only)
    split_key: Optional[str] = None  # a repair's first source's relpath: its split is its source's

    @property
    def deep(self) -> bool:
        """More than 8 bits per sample (16-bit, float): not DICOM, which is written as DICOM."""
        return bool(self.bit_depth and self.bit_depth > 8 and not self.dicom_file)

    @property
    def annotated(self) -> bool:
        return bool(self.caption or self.labels)


#: the formats with a free-text place per image that carry the answers kept as notes
NOTE_FORMATS = ("csv", "jsonl")


def notes_text(row: ExportRow) -> str:
    """The image's kept notes as a JSON list, as text (``""`` when none): ``question``,
    ``answer`` (as kept), ``model_id``, ``by``, ``time`` (UTC)."""
    return json.dumps([{"question": n.prompt or "", "answer": n.final_value or n.value, "model_id": n.model_id,
                        "by": n.decided_by or "", "time": n.decided_at or ""} for n in row.notes],
                      ensure_ascii=False) if row.notes else ""


def iso(dt: Optional[datetime]) -> Optional[str]:
    dt = as_utc(dt)
    return None if dt is None else dt.isoformat()


def is_dicom_name(relpath: str) -> bool:
    return relpath.lower().endswith(DICOM_SUFFIXES)


def is_dicom(root: Path, relpath: str, fmt: Optional[str]) -> bool:
    """Whether an image is DICOM, to be exported under a neutral name and de-identified:
    by its name, by the format its header was read as, or, when the header was never
    read, by the DICM marker in the file (series are often named IM0001 or by UID, with
    no suffix: those went out with their patient data)."""
    if is_dicom_name(relpath) or fmt == "DICOM":
        return True
    if fmt is None:
        from ..imaging.formats import sniff_dicom

        return sniff_dicom(Path(root) / relpath)
    return False


def neutral_name(secret: str, relpath: str, suffix: str) -> str:
    digest = hmac.new(secret.encode(), relpath.encode("utf-8", "surrogateescape"), hashlib.sha256)
    return f"{ANON_DIR}/{digest.hexdigest()[:20]}{suffix}"


def anon_suffix(relpath: str) -> str:
    """The suffix of a DICOM file's neutral name: its own when it is a DICOM one, else
    ``.dcm`` (a series named by UID, "1.2.840.3", has no real suffix)."""
    suffix = PurePosixPath(relpath).suffix.lower()
    return suffix if suffix in DICOM_SUFFIXES else ".dcm"


def split_of(seed: int, relpath: str, split: Sequence[float]) -> str:
    """Seeded, per-image split: the same image lands in the same split every time."""
    total = sum(split) or 1.0
    digest = hashlib.sha1(f"{seed}:{relpath}".encode("utf-8", "surrogateescape")).digest()
    x = int.from_bytes(digest[:8], "big") / 2.0**64
    edge = 0.0
    for name, part in zip(("train", "val", "test"), split):
        edge += part / total
        if part > 0 and x < edge:
            return name
    return "train"


def splits_used(split: Sequence[float]) -> list[str]:
    return [n for n, p in zip(("train", "val", "test"), split) if p > 0] or ["train"]
