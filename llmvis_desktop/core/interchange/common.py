"""What every interchange format shares on the way out: options, reports, the rows an
export writes, exported names (neutral ones for DICOM) and the seeded split. The
chunked reading of those rows from the database is in :mod:`.export_rows`. Files,
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
import os
import re
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Iterator, Optional, Sequence

from sqlalchemy import select

from ..store import models as m
from ..store.convert import as_utc
from ..errors import first_line
from ..wording import plural
from ..tasks import CancelToken, Progress, ProgressFn
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
    reviewed_only: bool = False
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
    seconds: float = 0.0
    events: Optional[int] = None  # history events written (the history export)

    def counts(self) -> str:
        """What the export holds, in the format's own unit: a COCO file's annotations (its
        captions are in the captions file), a CSV's rows, YOLO's image files in label
        folders. One count of labels plus captions called "annotations" told a COCO
        file of 147 annotations "186 annotation(s)"."""
        def n(k: int, word: str, many: Optional[str] = None) -> str:
            return f"{k} {plural(k, word, many)}"

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
        text = (f"{self.format}: {self.counts()}, {self.suggestions} {plural(self.suggestions, 'suggestion')}, "
                f"{self.files_written} {plural(self.files_written, 'file')} -> {self.out}")
        if self.warnings:
            text += f"; {len(self.warnings)} {plural(len(self.warnings), 'warning')}"
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

    def __str__(self) -> str:
        def empty(value) -> bool:
            return value is None or value == [] or value == ""

        here = f"has no {self.field}" if empty(self.existing) else f"{self.field} is {self.existing!r}"
        there = f"no {self.field}" if empty(self.incoming) else repr(self.incoming)
        text = f"{self.file_name}: {here}, file has {there}"
        if self.existing_time is not None:
            text += (f" (changed here at {iso(self.existing_time)} by {self.existing_by or 'nobody named'}, after "
                     f"the file's record of {iso(self.incoming_time)} by {self.incoming_by or 'nobody named'}; "
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


def project_secret(project) -> str:
    """The project's interchange secret (created once, kept in the project settings)."""
    value = project.settings().get(SECRET_SETTING)
    if not value:
        value = secrets.token_hex(32)
        project.set_setting(SECRET_SETTING, value)
    return value


def _not_a_file(src: Path) -> str:
    """Why ``src`` is not a file to copy, as the index says it: missing, a broken symbolic
    link or a loop of them (a loop was "missing" here and "symbolic link loop" in the
    index), permission denied, or something other than a regular file."""
    from ..imaging.errors import FILE_NOT_FOUND, reason_for_os_error

    try:
        os.stat(src)
    except OSError as exc:
        why = reason_for_os_error(src, exc)
        return "file is missing" if why == FILE_NOT_FOUND else why
    return "not a regular file"


def _cannot_open(src: Path) -> Optional[str]:
    """Why ``src`` cannot be opened for reading (permission denied, as the index says
    it), or None when it can: one such file aborted the whole export ("[Errno 13]
    Permission denied: '.../b.png'"); a link to it (``--link``) would be as unreadable
    to a training loader."""
    from ..imaging.errors import reason_for_os_error

    try:
        with open(src, "rb"):
            pass
    except OSError as exc:
        return reason_for_os_error(src, exc)
    return None


def neutral_name(secret: str, relpath: str, suffix: str) -> str:
    digest = hmac.new(secret.encode(), relpath.encode("utf-8", "surrogateescape"), hashlib.sha256)
    return f"{ANON_DIR}/{digest.hexdigest()[:20]}{suffix}"


class ExportContext:
    """One export in progress: its options, warnings, progress and neutral naming."""

    def __init__(self, project, fmt: str, out: Path, options: ExportOptions,
                 token: Optional[CancelToken], progress: ProgressFn, force: bool = False) -> None:
        self.project = project
        self.force = force  # an existing output file may be replaced (checked before writing)
        self.fmt = fmt
        self.out = Path(out)
        self.options = options
        self.token = token or CancelToken()
        self.progress = progress
        self.report = ExportReport(fmt, str(out))
        self._secret: Optional[str] = options.secret or (None if options.anonymize else "")
        self._uid_mapper = None
        self._deep_copied: dict[int, str] = {}  # 16-bit/float images "copied" or "linked" as they are
        self._deep_converted: set[int] = set()  # ... written as 8-bit PNG (``images_8bit``)
        self._rendered: dict[int, Path] = {}  # the last image written as 8-bit PNG
        self._said: set[tuple[int, str]] = set()  # (image, warning) given while writing its files

    @property
    def secret(self) -> str:
        """The key of neutral names and UID remapping, made (and kept in the project) only
        when a DICOM image needs it: an export of plain images writes nothing to the
        database (on a read-only one it failed)."""
        if self._secret is None:
            try:
                self._secret = project_secret(self.project)
            except Exception as exc:  # a database that cannot be written: this export only
                if "OperationalError" not in type(exc).__name__ and not isinstance(exc, OSError):
                    raise
                self._secret = secrets.token_hex(32)
                self.warn(f"the project's de-identification key could not be saved ({first_line(exc)}); "
                          f"this export's neutral names and UIDs differ from other exports'")
        return self._secret

    def warn(self, text: str) -> None:
        if len(self.report.warnings) < 1000:
            self.report.warnings.append(text)

    def _warn_image(self, row: ExportRow, text: str) -> None:
        """A warning about one image's file, said once though the image is written once per
        class folder (a YOLO image with two labels warned twice of its burned-in text)."""
        if (row.image_id, text) not in self._said:
            self._said.add((row.image_id, text))
            self.warn(text)

    @property
    def uid_mapper(self):
        if self._uid_mapper is None:
            from .anonymize import UidMapper

            self._uid_mapper = UidMapper(self.secret)
        return self._uid_mapper

    def rows(self, decided: bool = False) -> Iterator[list[ExportRow]]:
        """The rows to export; with ``include_suggestions`` each carries its image's pending
        suggestions, and with ``decided`` also the accepted, edited and rejected ones (with
        their outcome, final value, who and when; withdrawn ones never): read by
        :func:`.export_rows.gather`."""
        from .export_rows import gather

        return gather(self, decided=decided)

    def total(self) -> int:
        with self.project.store.read() as s:
            from sqlalchemy import func

            stmt = select(func.count()).select_from(m.Image)
            if self.options.reviewed_only:
                stmt = stmt.where(m.Image.review_status == m.STATUS_REVIEWED)
            return s.scalar(stmt) or 0

    def tick(self, done: int, total: Optional[int], message: str = "") -> None:
        self.token.check()
        self.progress(Progress(f"export {self.fmt}", done, total, message))

    def _index_error(self, row: ExportRow) -> str:
        """Why the index could not read the row's file, as it recorded it (a damaged file, or
        one over the max_image_pixels setting: "damaged" alone was wrong for that one)."""
        try:
            why = self.project.image(row.image_id).error
        except Exception:  # (a row removed meanwhile)
            why = None
        return (why or "damaged").split("\n", 1)[0][:200]

    def copy_image(self, row: ExportRow, dest: Path) -> bool:
        """Copy (or link) the image's file to ``dest``; DICOM is de-identified on the way."""
        src = self.project.root / row.relpath
        if not src.is_file():
            self._warn_image(row, f"{row.name}: {_not_a_file(src)}, not copied")
            return False
        if not row.readable:  # a dataset loader would fail on it
            self._warn_image(row, f"{row.name}: the index could not read it ({self._index_error(row)}); not "
                                  f"exported (index the folder again once that is fixed)")
            return False
        why = _cannot_open(src)
        if why is not None:  # as a missing file: said and skipped, the rest is exported
            self._warn_image(row, f"{row.name}: {why}, not copied")
            return False
        dest.parent.mkdir(parents=True, exist_ok=True)
        if row.as_8bit:
            if not self._write_8bit(row, src, dest):
                return False
        elif row.dicom_file and self.options.anonymize:  # a repair of one is a plain TIFF: copied
            from .anonymize import anonymize_file

            for w in anonymize_file(src, dest, self.uid_mapper):
                self._warn_image(row, f"{row.name}: {w}")
        elif self.options.link:
            try:
                os.link(src, dest)
            except OSError:
                os.symlink(src.resolve(), dest)
        else:
            shutil.copyfile(src, dest)
        if row.deep and not row.as_8bit:
            linked = self.options.link and not (row.dicom_file and self.options.anonymize)
            self._deep_copied[row.image_id] = "linked" if linked else "copied"
        self.report.files_written += 1
        return True

    def _write_8bit(self, row: ExportRow, src: Path, dest: Path) -> bool:
        """Write ``row``'s image as an 8-bit PNG, rendered through its display window (the
        viewer's default: the file's own window, else a 0.5-99.5 percentile stretch)."""
        from PIL import Image

        from ..imaging.errors import ImageReadError
        from ..imaging.reader import DEFAULT_MAX_PIXELS, read_image

        done = self._rendered.get(row.image_id)
        if done is not None and done.is_file():  # another class folder of the same image
            shutil.copyfile(done, dest)
            return True
        limit = getattr(self.project, "max_pixels", None) or DEFAULT_MAX_PIXELS
        try:
            data = read_image(src, max_pixels=limit)
        except ImageReadError as exc:
            self._warn_image(row, f"{row.name}: could not be read to write it as 8-bit PNG ({first_line(exc)}); "
                                  f"not exported")
            return False
        Image.fromarray(data.display).save(dest, format="PNG")
        self._rendered = {row.image_id: dest}
        if (row.frames or 1) > 1:
            self.warn(f"{row.name}: {row.frames} frames; only the first was written as 8-bit PNG")
        self._deep_converted.add(row.image_id)
        return True

    def finish(self) -> None:
        """The export's closing warnings (after its format wrote everything)."""
        if self._deep_copied:
            ways = sorted(set(self._deep_copied.values()))  # with --link: linked (a de-identified DICOM: copied)
            how = " or ".join(ways) + ("" if len(ways) == 1 else " (" + ", ".join(
                f"{list(self._deep_copied.values()).count(w)} {w}" for w in ways) + ")")
            self.warn(f"{len(self._deep_copied)} 16-bit or float image(s) {how} as they are: common training "
                      f"loaders misread them (PIL .convert('RGB'), as torchvision's ImageFolder and many Hugging "
                      f"Face pipelines use, shows them all white; OpenCV's default read, dim); export with "
                      f"8-bit PNG images ({self.options.name_of('images_8bit')}) to write them as the viewer shows them")
        if self._deep_converted:
            self.warn(f"{len(self._deep_converted)} 16-bit or float image(s) written as 8-bit PNG "
                      f"(<name>{PNG_SUFFIX}), rendered through their display window: the full bit depth is "
                      f"only in the project's own files")


def anon_suffix(relpath: str) -> str:
    """The suffix of a DICOM file's neutral name: its own when it is a DICOM one, else
    ``.dcm`` (a series named by UID, "1.2.840.3", has no real suffix)."""
    suffix = PurePosixPath(relpath).suffix.lower()
    return suffix if suffix in DICOM_SUFFIXES else ".dcm"


def export_name(ctx: ExportContext, relpath: str, dicom: bool, dicom_file: bool = True) -> str:
    """The name an image is exported under: a neutral one for DICOM and anything made
    from it (a repair) when de-identifying, with the file's own suffix (a repaired
    DICOM is a TIFF, not a ``.dcm``)."""
    if dicom and ctx.options.anonymize:
        suffix = anon_suffix(relpath) if dicom_file else PurePosixPath(relpath).suffix.lower()
        return neutral_name(ctx.secret, relpath, suffix)
    return relpath


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
