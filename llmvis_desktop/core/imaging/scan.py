"""Streaming recursive folder scan: lists and stats files, opens none (bar DICOM sniffing
of extension-less files). Hidden folders and ``.llmvis`` are skipped, symlink loops are
cut by remembering every directory's (device, inode)."""
from __future__ import annotations

import os
import stat as stat_mod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, NamedTuple, Optional

from ..tasks import CancelToken
from .formats import SUPPORTED_EXTENSIONS, sniff_dicom


class FileEntry(NamedTuple):
    """A listed file. Equal to the plain tuple (relpath, size, mtime_ns), which is how
    the indexer compares it with what the database holds."""

    relpath: str  # posix, relative to the scan root
    size: int
    mtime_ns: int


_new_entry = tuple.__new__  # builds a FileEntry without the Python-level __new__ (hot loop)


@dataclass
class WalkReport:
    """Folders that could not be listed (relative posix paths, "" for the root)."""

    unreadable: list[tuple[str, str]] = field(default_factory=list)
    folders: int = 0


class RootUnavailable(Exception):
    pass


def walk_images(
    root: Path,
    token: Optional[CancelToken] = None,
    batch_size: int = 2000,
    report: Optional[WalkReport] = None,
) -> Iterator[list[FileEntry]]:
    """Yield batches of image files under ``root``, depth first, in directory order
    (the store sorts; sorting here would only cost time)."""
    root = Path(root)
    report = report if report is not None else WalkReport()
    try:
        st = os.stat(root)
    except OSError as exc:
        raise RootUnavailable(f"{root}: folder cannot be opened ({exc.strerror or exc})") from exc
    if not stat_mod.S_ISDIR(st.st_mode):
        raise RootUnavailable(f"{root}: not a folder")
    seen_dirs = {(st.st_dev, st.st_ino)}
    stack: list[tuple[str, str]] = [(str(root), "")]
    batch: list[FileEntry] = []
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
        subdirs = []
        prefix = rel_dir + "/" if rel_dir else ""
        with entries:
            for entry in entries:
                name = entry.name
                if name[0] == ".":
                    continue
                rel = prefix + name
                try:
                    is_dir = entry.is_dir()  # follows symlinks
                except OSError:
                    is_dir = False
                if is_dir:
                    try:
                        dst = entry.stat()
                    except OSError as exc:
                        report.unreadable.append((rel, exc.strerror or str(exc)))
                        continue
                    key = (dst.st_dev, dst.st_ino)
                    if key in seen_dirs:
                        continue  # a symlink loop or a second link to a folder already listed
                    seen_dirs.add(key)
                    subdirs.append((entry.path, rel))
                    continue
                dot = name.rfind(".")
                if dot <= 0 or name[dot + 1:].isdigit():
                    # no extension, or a UID-style name (1.2.840.113619.2.55): DICOM
                    # archives name files so; only those with the DICM preamble count
                    if not _sniff(entry.path):
                        continue
                else:
                    ext = name[dot:]
                    if ext not in SUPPORTED_EXTENSIONS and ext.lower() not in SUPPORTED_EXTENSIONS:
                        continue
                try:
                    fst = entry.stat()
                    batch.append(_new_entry(FileEntry, (rel, fst.st_size, fst.st_mtime_ns)))
                except FileNotFoundError:
                    if entry.is_symlink():
                        lst = entry.stat(follow_symlinks=False)
                        batch.append(FileEntry(rel, 0, lst.st_mtime_ns))  # reported by the header pass
                    continue
                except OSError:
                    batch.append(FileEntry(rel, 0, 0))
                if len(batch) >= batch_size:
                    yield batch
                    batch = []
                    if token is not None:
                        token.check()
        stack.extend(subdirs)
    if batch:
        yield batch


def _sniff(path: str) -> bool:
    try:
        return sniff_dicom(path)
    except OSError:
        return False
