"""Interchange formats: export a project's annotations and import earlier work, safely.

``FORMATS`` maps a format key to its :class:`FormatSpec`; the two entry points
:func:`export_project` and :func:`import_file` are what the GUI and the CLI call.
Each format module only converts between its file layout and the plain rows of
:mod:`.common`; path checks, the single import transaction, conflicts and history
events are shared.
"""
from __future__ import annotations

import contextlib
import errno
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from ..errors import is_out_of_space
from ..owner import alive
from ..tasks import CancelToken, ProgressFn, no_progress
from . import archive, coco, csv_fmt, cvat, hf_jsonl, history, labelme, labelstudio, sniff, txt_sidecar, yolo
from .apply import apply_import
from .common import (
    Conflict,
    ExportOptions,
    ExportReport,
    ImportReport,
    InterchangeError,
)
from .export_context import ExportContext
from .files import INCOMPLETE, WriteError, folder_is_empty, resolve_inside
from .parsing import ParsedFile
from .sniff import WrongFormat
from .target import check_file_target, check_folder_target

__all__ = [
    "FORMATS", "FormatSpec", "WrongFormat", "ExportOptions", "ExportReport", "ImportReport", "Conflict",
    "InterchangeError", "export_project", "import_file", "resolve_inside", "check_export_target",
    "output_files",
    "export_path",
]


@dataclass(frozen=True)
class FormatSpec:
    key: str
    title: str
    export: Optional[Callable[[ExportContext], None]]  # None: import only (labelme)
    parse: Optional[Callable[[Path], ParsedFile]]  # None: export only (the history)
    out_is_folder: bool  # export writes a folder (else one file)
    in_is_folder: bool  # import reads a folder (else one file)
    suffix: str  # default file suffix ("" for folders)
    carries: frozenset[str]  # fields that survive a round trip
    next_to_images: bool = False  # a folder export that may go inside the project (sidecars)


_ALL = frozenset({"caption", "labels", "status", "reviewer", "time", "suggestions"})

FORMATS: dict[str, FormatSpec] = {
    "coco": FormatSpec("coco", "COCO JSON (image-level categories + a captions file)", coco.export, coco.parse,
                       False, False, ".json", _ALL),
    "yolo": FormatSpec("yolo", "YOLO classification folders", yolo.export, yolo.parse,
                       True, True, "", frozenset({"labels"})),
    "csv": FormatSpec("csv", "CSV (file_name, labels, caption, status, reviewer, time)", csv_fmt.export,
                      csv_fmt.parse, False, False, ".csv", _ALL),
    "jsonl": FormatSpec("jsonl", "Hugging Face imagefolder (metadata.jsonl per split)", hf_jsonl.export,
                        hf_jsonl.parse, True, True, "", _ALL),
    "txt": FormatSpec("txt", "Caption .txt sidecars (import reads .caption too)", txt_sidecar.export, txt_sidecar.parse,
                      True, True, "", frozenset({"caption"}), next_to_images=True),
    "labelstudio": FormatSpec("labelstudio", "Label Studio JSON tasks (with predictions)", labelstudio.export,
                              labelstudio.parse, False, False, ".json", _ALL),
    "cvat": FormatSpec("cvat", "CVAT for images 1.1 XML (tags)", cvat.export, cvat.parse,
                       False, False, ".xml", _ALL),
    # another tool's per-image files (labelme, X-AnyLabeling)
    "labelme": FormatSpec("labelme", "labelme / X-AnyLabeling JSON (one file per image)", labelme.export,
                          labelme.parse, True, True, "", frozenset({"caption", "labels"})),
    # export only: the audit trail (every event and suggestion with its provenance)
    "history": FormatSpec("history", "History JSON Lines (audit trail: events and suggestions; export only)",
                          history.export, None, False, False, ".jsonl", frozenset()),
}


def _spec(fmt: str) -> FormatSpec:
    spec = FORMATS.get(fmt)
    if spec is None:
        raise InterchangeError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return spec


def export_path(fmt: str, out: Path | str) -> tuple[Path, str]:
    """Where a file export of ``fmt`` typed as ``out`` goes, and the extension added to it:
    a name with none ("annotations") gets the format's (CSV ".csv", COCO and Label Studio
    ".json", CVAT ".xml", the history ".jsonl"); the file was written as typed, with no
    extension, which no tool then recognised. Left as typed (and "" added): a name with an
    extension, a folder format's folder, and a path that exists already (a folder is
    refused as before; a file is the one to replace)."""
    spec = _spec(fmt)
    path = Path(out)
    if spec.out_is_folder or not spec.suffix or _has_extension(path.name) or path.name in ("", ".", "..") \
            or os.path.lexists(path) or str(out).endswith(("/", os.sep)):
        return path, ""
    return path.with_name(path.name + spec.suffix), spec.suffix


def _has_extension(name: str) -> bool:
    """Whether ``name`` ends in a file extension: a dot and a part with a letter in it
    (``.tsv``, ``.json``, ``.mp4``). A version or a date's last number is none:
    ``release_v1.2`` and ``export 2024.05.01`` were written as they are, with no ``.json``,
    and no tool (nor the Import dialog's "*.json" filter) recognised the file."""
    suffix = Path(name).suffix
    return any(c.isalpha() for c in suffix[1:])


def output_files(fmt: str, out: Path | str) -> list[Path]:
    """The files a file export of ``fmt`` writes (none listed for a folder export)."""
    spec = _spec(fmt)
    if spec.out_is_folder:
        return []
    out = Path(out)
    if fmt == "labelstudio":
        return [out, labelstudio.config_path(out)]
    if fmt == "coco":
        return [out, coco.captions_path(out)]
    if fmt == "csv":
        return [out, csv_fmt.labels_path(out)]
    return [out]


def check_export_target(project, fmt: str, out: Path | str, force: bool = False) -> None:
    """Refuse (InterchangeError) an export of ``fmt`` to ``out`` before anything is written:
    never over the project's database or images; a folder export not inside the project
    (caption sidecars excepted); an existing file only with ``force``."""
    spec = _spec(fmt)
    if spec.out_is_folder:
        check_folder_target(project, out, next_to_images=spec.next_to_images)
    else:
        check_file_target(project, out, force)


def export_project(project, fmt: str, out: Path | str, options: Optional[ExportOptions] = None,
                   token: Optional[CancelToken] = None, progress: ProgressFn = no_progress,
                   force: bool = False) -> ExportReport:
    """Export the project's annotations to ``out`` in format ``fmt``. A folder export that
    fails or is cancelled removes what it wrote (the folder was new or empty), so running
    it again does not meet "folder is not empty"; a file export writes its file whole or
    not at all. An existing file is replaced only with ``force``; the project's database
    and images never are (see :func:`check_export_target`)."""
    spec = _spec(fmt)
    if spec.export is None:
        raise InterchangeError(f"the {fmt} format is import only: nothing writes it")
    if options is not None and options.decided_only and fmt != "history":
        raise InterchangeError(f"{options.name_of('decided_only')} applies to the history export only, not {fmt} "
                               f"(an annotation export of rejected images would hand them on as data)")
    start = time.perf_counter()
    out = Path(out)
    check_export_target(project, fmt, out, force)
    fresh = spec.out_is_folder and (not out.exists() or (out.is_dir() and folder_is_empty(out)))
    if fresh and (out / INCOMPLETE).exists():  # what an export stopped part way left: cleared
        _remove_partial(out)
    # A killed folder export left a folder that looked complete (and imported as such).
    # A new folder is written as a hidden sibling and renamed into place at the end; an
    # existing empty one (".", a link, a mount point) is written in place, marked
    # incomplete until the end (an import refuses it, a new export clears it). Caption
    # sidecars too, when their folder is new or empty (next to the images, in place).
    staged = fresh
    staging = (out.parent / f".{out.name}.partial-{os.getpid()}"
               if staged and not os.path.lexists(out) and out.name not in ("", ".", "..") else None)
    if staging is not None:
        _remove_dead_staging(out)
        _remove_tree(staging)
    elif staged:
        try:
            out.mkdir(parents=True, exist_ok=True)
            (out / INCOMPLETE).write_text("an llmvis export into this folder has not finished\n", encoding="utf-8")
        except OSError as exc:
            with contextlib.suppress(OSError):
                (out / INCOMPLETE).unlink(missing_ok=True)
            raise _named_by_out(exc, out, out) from exc
    ctx = ExportContext(project, fmt, staging or out, options or ExportOptions(), token, progress, force)
    ctx.report.out = str(out)
    try:
        spec.export(ctx)
        ctx.finish()
        if staging is not None:
            os.replace(staging, out)
        elif staged:
            (out / INCOMPLETE).unlink(missing_ok=True)
    except BaseException as exc:
        with contextlib.suppress(OSError):  # (a read-only folder refuses the cleanup too)
            if staging is not None:
                _remove_tree(staging)
            elif fresh:
                _remove_partial(out)
        if isinstance(exc, OSError) and is_out_of_space(exc):
            raise _out_of_space(exc, spec, out, staging is not None or fresh, ctx.report.files_written) from exc
        if isinstance(exc, OSError) and staged:
            raise _named_by_out(exc, out, staging or out) from exc
        if isinstance(exc, OSError) and spec.next_to_images:  # sidecars into a folder that was not empty
            raise WriteError(exc.errno, f"{exc}; {ctx.report.files_written} sidecar(s) were written before it, "
                                        f"each whole") from exc
        raise
    ctx.report.seconds = round(time.perf_counter() - start, 3)
    return ctx.report


def _named_by_out(exc: OSError, out: Path, written: Path) -> OSError:
    """``exc`` said of ``out`` when it names a file or folder in ``written`` (the hidden
    staging folder, or the marker of an unfinished export), as either of its two names
    (a copy names its source, then its destination), or names no file at all (a buffered
    file's close): "cannot write OUT: Read-only file system", not "[Errno 30] ...:
    'ro/.out.partial-1234'"; else ``exc`` itself."""
    names = [Path(os.fsdecode(n)) for n in (exc.filename, exc.filename2) if n]
    if not names and (isinstance(exc, WriteError) or exc.errno is None):
        return exc
    if names and not any(p == written or written in p.parents for p in names):
        return exc
    return WriteError(exc.errno, f"cannot write {out}: {_reason(exc)}")


def _reason(exc: OSError) -> str:
    """The system's words for ``exc`` ("No space left on device"), not those of a
    :class:`WriteError` that names a file."""
    if exc.errno and (isinstance(exc, WriteError) or not exc.strerror):
        return os.strerror(exc.errno)
    return exc.strerror or str(exc)


def _out_of_space(exc: OSError, spec: FormatSpec, out: Path, cleaned: bool, written: int) -> WriteError:
    """A full disk (or quota) under an export: one line naming ``out`` and saying what
    is left of it (a staging folder removed; caption sidecars already in place stay)."""
    what = "the disk quota is used up" if exc.errno == getattr(errno, "EDQUOT", None) else "the disk is full"
    if not spec.out_is_folder:  # written whole or not at all (an existing file is kept)
        kept = "nothing was written" + (f" ({out} is as it was)" if os.path.lexists(out) else "")
    elif cleaned:
        kept = "nothing was kept (what the export had written was removed)"
    elif written:
        kept = f"{written} sidecar(s) were written before it, each whole, and stay"
    else:
        kept = "nothing was written"
    return WriteError(exc.errno, f"cannot write {out}: {what} ({_reason(exc)}); {kept}")


def _remove_dead_staging(out: Path) -> None:
    """Remove the hidden staging folders of exports to ``out`` whose process is gone (a
    killed export's copies stayed beside the target for good: hundreds of MB each)."""
    prefix = f".{out.name}.partial-"
    try:
        siblings = [p for p in out.parent.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return
    for p in siblings:
        pid = p.name[len(prefix):]
        if pid.isdigit() and not alive(int(pid)):
            _remove_tree(p)


def _remove_tree(path: Path) -> None:
    import shutil

    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)


def _remove_partial(out: Path) -> None:
    """Empty a folder export that did not finish (it was new or empty before)."""
    import shutil

    if out.is_dir() and not out.is_symlink():
        for child in out.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)


def import_file(project, fmt: str, path: Path | str, as_: str = "reviewed", overwrite: bool = False,
                token: Optional[CancelToken] = None, progress: ProgressFn = no_progress,
                actor: Optional[str] = None, overwrite_newer: bool = False,
                member: Optional[str] = None) -> ImportReport:
    """Import ``path`` (a file or folder in format ``fmt``) into the project, all or nothing.
    A zip archive is read without unzipping it: the one file (or, for labelme and jsonl,
    folder) inside it the format needs, or ``member``, the name of one inside it
    (:mod:`.archive`).
    ``actor``: the person importing, recorded with each change as ``import:<file> by <actor>``
    (default: the operating system's user name). A record whose time is older than its
    image's last change is a conflict (the newer value kept, even with ``overwrite``)
    unless ``overwrite_newer``."""
    spec = _spec(fmt)
    if spec.parse is None:
        raise InterchangeError(f"the {fmt} format is export only: nothing reads it back into a project")
    path = Path(path)
    if not path.exists():
        raise InterchangeError(f"{path}: no such {'folder' if spec.in_is_folder else 'file'}")
    start = time.perf_counter()
    if fmt in archive.FILE_SUFFIX or fmt in archive.FOLDER_FORMATS:
        if archive.is_archive(path):
            with archive.open_archive(path) as zf:
                inside = archive.member_path(archive.Archive(path, zf), fmt, member)
                try:
                    parsed = spec.parse(inside)
                except RecursionError:
                    raise InterchangeError(f"{inside}: nested too deeply to be read (not a {fmt} file)") from None
                return _import_parsed(project, fmt, path, inside, parsed, as_, overwrite, token, progress, actor,
                                      overwrite_newer, start)
    if member is not None:
        raise InterchangeError(f"{path.name}: not a zip archive; --member names a file inside one")
    try:
        parsed = _parse(spec, fmt, path)
        # a plain "a;b" cell where a label "a;b" exists: refused, not imported as "a" and "b"
        names = {d.name for d in project.labels()} | set(parsed.taxonomy)
        csv_fmt.check_label_cells(parsed, names, path.name)
        csv_fmt.check_comma_cells(parsed, names, path.name)  # ("a, b" from a tool separating with commas)
        report = apply_import(project, fmt, path, parsed, as_, overwrite, token, progress, actor, overwrite_newer)
    except InterchangeError as exc:  # a CSV given as COCO: "not valid JSON", and what it looks like
        wrong = sniff.wrong_format(exc, fmt, path)
        if wrong is exc:
            raise
        raise wrong from None
    report.seconds = round(time.perf_counter() - start, 3)
    return report


def _import_parsed(project, fmt, path, inside, parsed, as_, overwrite, token, progress, actor, overwrite_newer,
                   start) -> ImportReport:
    """The import of ``parsed``, read from ``inside`` (a member of the zip archive ``path``)."""
    names = {d.name for d in project.labels()} | set(parsed.taxonomy)
    csv_fmt.check_label_cells(parsed, names, inside.name)
    csv_fmt.check_comma_cells(parsed, names, inside.name)
    report = apply_import(project, fmt, path, parsed, as_, overwrite, token, progress, actor, overwrite_newer)
    report.source = str(inside)
    report.seconds = round(time.perf_counter() - start, 3)
    return report


def _parse(spec: FormatSpec, fmt: str, path: Path):
    """``path`` read as ``fmt``, or refused (InterchangeError)."""
    if spec.in_is_folder and not path.is_dir() and not (fmt == "labelme" and path.is_file()):  # one labelme file
        raise InterchangeError(f"{path}: the {fmt} format is imported from a folder; import {_folder_of(path, fmt)}")
    if spec.in_is_folder and (path / INCOMPLETE).exists():
        raise InterchangeError(f"{path}: an export into this folder was stopped before it finished "
                               f"({INCOMPLETE}); export again")
    if not spec.in_is_folder and path.is_dir():
        raise InterchangeError(f"{path}: the {fmt} format is imported from a file, not a folder")
    if not path.is_dir():
        _refuse_archive(path, fmt, spec.suffix or ".json")
    try:
        return spec.parse(path)
    except RecursionError:  # json and the checks recurse: a hostile file nests thousands deep
        raise InterchangeError(f"{path.name}: nested too deeply to be read (not a {fmt} file)") from None


def _folder_of(path: Path, fmt: str) -> str:
    """The folder to import, said to one who picked a file in it (a split's metadata.jsonl:
    the dataset above its split folders, or that split alone; a sidecar: its folder)."""
    parent = path.parent
    if fmt == "jsonl" and parent.name in archive.YOLO_SPLITS:
        return f"the dataset folder {parent.parent} (or its {parent.name}/ folder alone)"
    if fmt == "yolo":  # an image in a class folder: the folder above its split folder
        split = next((p for p in path.parents if p.name in archive.YOLO_SPLITS), None)
        if split is not None:
            return f"the dataset folder {split.parent}"
    return f"the folder holding it, {parent}"


def _refuse_archive(path: Path, fmt: str, suffix: str) -> None:
    """Refuse a zip archive (CVAT and Label Studio hand a dataset out as one) naming the
    files inside it to import once unzipped: it was read as text, "not UTF-8 text"."""
    import zipfile

    try:
        if not zipfile.is_zipfile(path):
            return
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.lower().endswith(suffix) and not n.endswith("/")]
    except (OSError, zipfile.BadZipFile):
        return
    inside = (f"; unzip it and import {' or '.join(names[:3])}{' ...' if len(names) > 3 else ''}" if names
              else f"; it holds no {suffix} file for the {fmt} format")
    raise InterchangeError(f"{path.name}: a zip archive (as CVAT and Label Studio export a dataset), not a "
                           f"{fmt} file{inside}")
