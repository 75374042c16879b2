"""Streaming recursive folder scan: lists and stats files, opens none (bar DICOM sniffing
of extension-less or UID-named regular files). Hidden folders and ``.llmvis`` are
skipped, symlink loops are cut by remembering every directory's (device, inode).
Links to folders are followed, except one to a folder that holds the project (a link
to ``/`` or ``..``: it would list the project again and everything beside it). Only
regular files are listed: a pipe, device or socket, even one named ``x.png``, is left
out and reported (opening a pipe blocks until someone writes to it). So is a file or
folder whose name is not valid UTF-8 (the database stores names as UTF-8 text): it is
reported, to be renamed, and everything else is indexed.

Each folder comes with a digest of its listing (names, sizes, mtimes), so a rescan can
skip every folder whose digest the index already holds without asking the database
about its files.
"""
from __future__ import annotations

import hashlib
from array import array
import os
import stat as stat_mod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, NamedTuple, Optional

from ..tasks import CancelToken
from .files import not_regular
from .formats import DICOMDIR, DICOMDIR_REASON, SUPPORTED_EXTENSIONS, dicom_kind


class FileEntry(NamedTuple):
    """A listed file. Equal to the plain tuple (relpath, size, mtime_ns)."""

    relpath: str  # posix, relative to the scan root
    size: int
    mtime_ns: int


_new_entry = tuple.__new__  # builds a FileEntry without the Python-level __new__ (hot loop)


class FolderListing:
    """A listed folder: ``relpath`` ("" for the root), the ``digest`` of its listing
    (changes whenever a file is added, removed, resized or touched), ``count`` files and
    the ``files`` themselves, built when first asked for: a rescan asks only for the
    folders whose digest changed, so an unchanged 100k folder builds none of them."""

    __slots__ = ("relpath", "digest", "_names", "_numbers", "_files")

    def __init__(self, relpath: str, names: list[str], numbers: list[int], digest: str) -> None:
        self.relpath = relpath
        self.digest = digest
        self._names = names  # file names, in listing order
        self._numbers = numbers  # size, mtime_ns of each file, flat
        self._files: Optional[list[FileEntry]] = None

    @property
    def count(self) -> int:
        return len(self._names)

    @property
    def files(self) -> list[FileEntry]:
        if self._files is None:
            prefix = self.relpath + "/" if self.relpath else ""
            nums = self._numbers
            self._files = [_new_entry(FileEntry, (prefix + name, size, mtime))
                           for name, size, mtime in zip(self._names, nums[0::2], nums[1::2])]
        return self._files


MAX_EXAMPLES = 3


@dataclass
class Skipped:
    """Entries the walk left out for one reason: how many, and the first few of them."""

    reason: str
    count: int = 0
    examples: list[str] = field(default_factory=list)  # printable relative paths


@dataclass
class WalkReport:
    """Folders that could not be listed (relative posix paths, "" for the root), and
    entries left out (by reason)."""

    unreadable: list[tuple[str, str]] = field(default_factory=list)
    folders: int = 0
    skipped: dict[str, Skipped] = field(default_factory=dict)
    # files present but left out as no image (a DICOMDIR), as relpaths: an earlier
    # version listed them, and their rows are not files gone missing
    not_images: set[str] = field(default_factory=set)
    # markers of repair saves whose process is gone (absolute paths): the scan settles them
    # (:func:`..repair.pending.settle`)
    dead_repairs: list[str] = field(default_factory=list)

    def skip(self, relpath: str, reason: str) -> None:
        found = self.skipped.get(reason)
        if found is None:
            found = self.skipped[reason] = Skipped(reason)
        found.count += 1
        if len(found.examples) < MAX_EXAMPLES:
            found.examples.append(printable(relpath))


def printable(text: str) -> str:
    """A path as it can be shown and stored: bytes that are not UTF-8 (kept by Python as
    lone surrogates) written as ``\\xff``."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


class RootUnavailable(Exception):
    pass


def folder_digest(names: list[str], numbers: list[int]) -> str:
    """Digest of a listing: names, then sizes and mtimes as 64-bit integers.

    Not sorted: an unchanged folder lists in the same order, and a folder listed in
    another order only costs a file-by-file comparison, never a wrong answer."""
    h = hashlib.blake2b(digest_size=16)
    h.update("\0".join(names).encode("utf-8", "surrogateescape"))
    h.update(array("q", numbers).tobytes())
    return h.hexdigest()


def walk_folders(
    root: Path,
    token: Optional[CancelToken] = None,
    report: Optional[WalkReport] = None,
    only: Optional[str] = None,
) -> Iterator[FolderListing]:
    """Yield every folder under ``root`` (depth first, the root included, empty ones too)
    with its image files and the digest of its listing. ``only`` (a folder's relative
    posix path, "" the root): that one folder, listed as the walk lists it, none of its
    subfolders entered (a saved repair lists its own folder, not the whole project)."""
    root = Path(root)
    report = report if report is not None else WalkReport()
    try:
        st = os.stat(root)
    except OSError as exc:
        raise RootUnavailable(f"{root}: folder cannot be opened ({exc.strerror or exc})") from exc
    if not stat_mod.S_ISDIR(st.st_mode):
        raise RootUnavailable(f"{root}: not a folder")
    seen_dirs = {(st.st_dev, st.st_ino)}
    above = _folders_above(root)
    stack: list[tuple[str, str]] = [(str(root), "")] if only is None else [(os.path.join(root, only), only)]
    exts = SUPPORTED_EXTENSIONS
    while stack:
        if token is not None:
            token.check()
        abs_dir, rel_dir = stack.pop()
        report.folders += 1
        try:
            entries = os.scandir(abs_dir)
        except OSError as exc:
            if rel_dir == "":
                raise RootUnavailable(f"{root}: folder cannot be listed ({exc.strerror or exc})") from exc
            report.unreadable.append((rel_dir, exc.strerror or str(exc)))
            continue
        names: list[str] = []
        numbers: list[int] = []
        prefix = rel_dir + "/" if rel_dir else ""
        markers: list[str] = []
        with entries:
            for entry in entries:
                name = entry.name
                if name[0] == ".":
                    if name.endswith(".repairing"):  # a repair being saved (repair.pending)
                        markers.append(name)
                    continue
                dot = name.rfind(".")
                ext = name[dot:] if dot > 0 else ""
                kind = None
                if ext not in exts and ext.lower() not in exts:
                    # not an image name: a folder, a DICOM named without an extension or
                    # UID-style (1.2.840.113619.2.55) with the DICM preamble, or nothing
                    try:
                        is_dir = entry.is_dir()  # follows symlinks
                    except OSError:
                        is_dir = False
                    if is_dir:
                        if only is not None:  # (one folder: its subfolders are not listed)
                            continue
                        if not (name.isascii() or _valid_name(name, prefix, report)):
                            continue
                        sub = _enter(entry, prefix + name, seen_dirs, above, report)
                        if sub is not None:
                            stack.append(sub)
                        continue
                    if ext and not ext[1:].isdigit():
                        continue
                    kind = _sniff(entry)
                    if kind is None:
                        continue
                elif name[:8].upper() == "DICOMDIR":  # DICOMDIR.dcm: an export naming every file .dcm
                    kind = _sniff(entry)  # (only such names are opened: the listing stays stat-only)
                if kind == DICOMDIR:  # the directory of a DICOM disc or export, no image
                    report.skip(prefix + name, DICOMDIR_REASON)
                    report.not_images.add(prefix + name)
                    continue
                if not (name.isascii() or _valid_name(name, prefix, report)):
                    continue
                try:
                    fst = entry.stat()
                    size, mtime = fst.st_size, fst.st_mtime_ns
                except FileNotFoundError:
                    if not entry.is_symlink():
                        continue  # deleted while listing
                    # a broken link: listed, and reported by the header pass
                    size, mtime = 0, entry.stat(follow_symlinks=False).st_mtime_ns
                except OSError:
                    size, mtime = 0, 0
                else:
                    kind = fst.st_mode & 0o170000
                    if kind == stat_mod.S_IFDIR:  # a folder named like an image
                        if only is not None:
                            continue
                        sub = _enter(entry, prefix + name, seen_dirs, above, report)
                        if sub is not None:
                            stack.append(sub)
                        continue
                    if kind != stat_mod.S_IFREG:  # a pipe, device or socket named like an image
                        report.skip(prefix + name, not_regular(fst.st_mode))
                        continue
                names.append(name)
                numbers.append(size)
                numbers.append(mtime)
        if markers:
            names, numbers = _unrecorded_left_out(abs_dir, prefix, markers, names, numbers, report)
        yield FolderListing(rel_dir, names, numbers, folder_digest(names, numbers))


def walk_images(
    root: Path,
    token: Optional[CancelToken] = None,
    batch_size: int = 2000,
    report: Optional[WalkReport] = None,
) -> Iterator[list[FileEntry]]:
    """The same walk as plain batches of files."""
    batch: list[FileEntry] = []
    for folder in walk_folders(root, token, report):
        batch.extend(folder.files)
        while len(batch) >= batch_size:
            yield batch[:batch_size]
            batch = batch[batch_size:]
    if batch:
        yield batch


PENDING_REPAIR = "a repair output not yet recorded (being saved, or left by a killed save)"


def _unrecorded_left_out(abs_dir: str, prefix: str, markers: list[str], names: list[str],
                         numbers: list[int], report: WalkReport) -> tuple[list[str], list[int]]:
    """The listing without the outputs of repairs not yet recorded: a GAN output is never
    indexed as an ordinary image (:mod:`..repair.pending`)."""
    from ..repair.pending import outputs_marked

    out, dead = outputs_marked(abs_dir, markers)
    report.dead_repairs.extend(dead)
    kept_names: list[str] = []
    kept_numbers: list[int] = []
    for i, name in enumerate(names):
        if name in out:
            report.skip(prefix + name, PENDING_REPAIR)
            continue
        kept_names.append(name)
        kept_numbers += numbers[2 * i:2 * i + 2]
    return kept_names, kept_numbers


BAD_NAME = ("name is not valid UTF-8 (the index stores names as UTF-8 text); rename it "
            "to index it")


def _valid_name(name: str, prefix: str, report: WalkReport) -> bool:
    """False (and reported) for a name holding bytes that are not UTF-8, which Python
    keeps as lone surrogates ("bad\\udcff.png"); no database can store it."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        report.skip(prefix + name, BAD_NAME)
        return False
    return True


LINK_ABOVE = ("a link to a folder that holds the project (it would list the project "
              "again and everything beside it); not followed")


def _folders_above(root: Path) -> set[tuple[int, int]]:
    """(device, inode) of every folder that holds ``root`` (links resolved)."""
    found = set()
    for folder in Path(os.path.realpath(root)).parents:
        try:
            st = os.stat(folder)
        except OSError:
            continue
        found.add((st.st_dev, st.st_ino))
    return found


def _enter(entry, rel: str, seen_dirs: set, above: set, report: WalkReport) -> Optional[tuple[str, str]]:
    """The (path, relpath) to list next for a folder entry, or None for a folder already
    listed (a symlink loop or a second link to it), a link to a folder above the root,
    or one that cannot be opened."""
    try:
        st = entry.stat()
    except OSError as exc:
        report.unreadable.append((rel, exc.strerror or str(exc)))
        return None
    key = (st.st_dev, st.st_ino)
    if key in seen_dirs:
        return None
    if key in above:
        report.skip(rel, LINK_ABOVE)
        return None
    seen_dirs.add(key)
    return entry.path, rel




def _sniff(entry):
    """A DICOM without an image name (:func:`.formats.dicom_kind`: an image, a DICOMDIR,
    or None): only a regular file is opened (a pipe would block)."""
    try:
        return dicom_kind(entry.path) if entry.is_file() else None  # is_file: regular, links followed
    except OSError:
        return None
