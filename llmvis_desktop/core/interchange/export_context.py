"""One export in progress (:class:`ExportContext`): its options, report and warnings,
progress and cancelling, the copying of each image's file (de-identified, linked or
rendered to 8-bit PNG) and the names images are exported under. The shapes it works
with (:class:`.common.ExportRow`, :class:`.common.ExportOptions`, ...) are in
:mod:`.common`; the rows themselves are read by :mod:`.export_rows`."""
from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path, PurePosixPath
from typing import Iterator, Optional

from sqlalchemy import select

from ..errors import first_line
from ..store import models as m
from ..tasks import CancelToken, Progress, ProgressFn
from .common import (
    ANON_DIR,
    PNG_SUFFIX,
    SECRET_SETTING,
    ExportOptions,
    ExportReport,
    ExportRow,
    anon_suffix,
    neutral_name,
)


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


#: the formats whose files carry no review status, in a warning's words
NO_STATUS = {"yolo": "YOLO class folders", "labelme": "labelme files", "txt": "caption sidecars"}


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
        self._dicom_converted: set[int] = set()  # DICOM files written as 8-bit PNG (``images_8bit``)
        self._dicom_copied: set[int] = set()  # DICOM files written as DICOM (no ``images_8bit``)
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
        """One warning line; past :data:`MAX_WARNINGS` only counted (``warnings_dropped``)."""
        if len(self.report.warnings) < MAX_WARNINGS:
            self.report.warnings.append(text)
        else:
            self.report.warnings_dropped += 1

    def warn_image(self, name: str, what: str) -> None:
        """A warning of one kind about an image, said once for all of them at the end (a 30k
        export with 40 files deleted printed 40 lines): "40 images: <what>: a.png, b.png,
        c.png and 37 more"; every name is kept in the report's ``warned_images``."""
        self.report.warned_images.setdefault(what, []).append(name)

    def note_rejected(self, row: ExportRow) -> None:
        """``row`` was written by a format that carries no review status (YOLO folders,
        labelme files, caption sidecars): when its image is rejected, say so, once for all
        of them. A rejected image went into the training folders as data, with nothing to
        tell it apart, and an import of the folder marked it reviewed."""
        if row.status != "rejected" or (row.image_id, "rejected") in self._said:
            return
        self._said.add((row.image_id, "rejected"))
        what = NO_STATUS.get(self.fmt, "these files")
        self.warn_image(row.name, f"rejected by its reviewer, yet written with its annotations: {what} carry no "
                                  f"review status, so it reads as data there (and an import marks it reviewed); "
                                  f"export with {self.options.name_of('reviewed_only')} to leave rejected ones out")

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
            from .anonymize import SourceUnreadable, anonymize_file

            try:
                said = anonymize_file(src, dest, self.uid_mapper)
            except SourceUnreadable as exc:  # changed since it was indexed: the rest goes on
                self._warn_image(row, f"{row.name}: {exc}; not exported")
                return False
            for w in said:
                self._warn_image(row, f"{row.name}: {w}")
        elif self.options.link:
            try:
                os.link(src, dest)
            except OSError:
                os.symlink(src.resolve(), dest)
        else:
            shutil.copyfile(src, dest)
        if row.dicom_file and not row.as_8bit:
            self._dicom_copied.add(row.image_id)
        if row.deep and not row.as_8bit:
            linked = self.options.link and not (row.dicom_file and self.options.anonymize)
            self._deep_copied[row.image_id] = "linked" if linked else "copied"
        self.report.files_written += 1
        return True

    def _write_8bit(self, row: ExportRow, src: Path, dest: Path) -> bool:
        """Write ``row``'s image as an 8-bit PNG, rendered through its display window (the
        viewer's "As loaded": a DICOM's own window or VOI LUT, else its min/max with the
        padding left out; a TIFF's 0.5-99.5 percentile stretch). The PNG holds pixels only:
        no DICOM tag; a multi-frame image's first frame."""
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
        frames = max(row.frames or 1, data.meta.frames or 1)
        if frames > 1:
            self.warn_image(row.name, "multi-frame: only the first frame was written as 8-bit PNG (one PNG per "
                                      "image, as its labels and caption are the image's)")
        if row.dicom_file:
            self._dicom_converted.add(row.image_id)
            if self.options.anonymize:
                from .anonymize import burned_in_warning_of_file

                burned = burned_in_warning_of_file(src)
                if burned:
                    self._warn_image(row, f"{row.name}: {burned}")
        else:
            self._deep_converted.add(row.image_id)
        return True

    def finish(self) -> None:
        """The export's closing warnings (after its format wrote everything)."""
        for what, names in self.report.warned_images.items():
            self.warn(grouped_warning(what, names))
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
        if self._dicom_copied:
            how = " (de-identified)" if self.options.anonymize else ""
            self.warn(f"{len(self._dicom_copied)} DICOM image(s) written as DICOM files{how}: training loaders "
                      f"(Hugging Face's imagefolder, torchvision's ImageFolder, YOLO trainers) cannot decode them "
                      f"(pydicom can); export with 8-bit PNG images ({self.options.name_of('images_8bit')}) to "
                      f"write them as PNG, as the viewer shows them")
        if self._dicom_converted:
            named = (f"under de-identified names ({ANON_DIR}/<hash>.dcm{PNG_SUFFIX})" if self.options.anonymize
                     else f"as <name>{PNG_SUFFIX}")
            self.warn(f"{len(self._dicom_converted)} DICOM image(s) written as 8-bit PNG {named}, rendered "
                      f"through their own window as the viewer shows them \u201cAs loaded\u201d (min/max without "
                      f"the padding where the file gives none); a PNG carries no DICOM tag, and the full-depth "
                      f"values (a CT's HU) are only in the project's own files")


#: the warning lines an export's report keeps (more are counted, not kept)
MAX_WARNINGS = 1000
#: the names a grouped warning line shows
NAMES_SHOWN = 3


def grouped_warning(what: str, names: list) -> str:
    """One line for the images ``names`` warned of ``what``: "a.png: <what>" for one,
    "40 images: <what>: a.png, b.png, c.png and 37 more" for many."""
    if len(names) == 1:
        return f"{names[0]}: {what}"
    few = ", ".join(names[:NAMES_SHOWN])
    more = len(names) - NAMES_SHOWN
    return f"{len(names):,} images: {what}: {few}" + (f" and {more:,} more" if more > 0 else "")


def export_name(ctx: ExportContext, relpath: str, dicom: bool, dicom_file: bool = True) -> str:
    """The name an image is exported under: a neutral one for DICOM and anything made
    from it (a repair) when de-identifying, with the file's own suffix (a repaired
    DICOM is a TIFF, not a ``.dcm``)."""
    if dicom and ctx.options.anonymize:
        suffix = anon_suffix(relpath) if dicom_file else PurePosixPath(relpath).suffix.lower()
        return neutral_name(ctx.secret, relpath, suffix)
    return relpath
