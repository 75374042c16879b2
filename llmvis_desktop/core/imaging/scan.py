"""Streaming recursive folder scan: lists and stats files, opens none (bar DICOM sniffing
of extension-less or UID-named files). Hidden folders and ``.llmvis`` are skipped,
symlink loops are cut by remembering every directory's (device, inode).

Each folder comes with a digest of its listing (names, sizes, mtimes), so a rescan can
skip every folder whose digest the index already holds without asking the database
about its files.
"""
from __future__ import annotations

import hashlib
import os
import stat as stat_mod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, NamedTuple, Optional

from ..tasks import CancelToken
from .formats import SUPPORTED_EXTENSIONS, sniff_dicom


class FileEntry(NamedTuple):
    """A listed file. Equal to the plain tuple (relpath, size, mtime_ns)."""

    relpath: str  # posix, relative to the scan root
    size: int
    mtime_ns: int


class FolderListing(NamedTuple):
    relpath: str  # "" for the root
    files: list[FileEntry]
    digest: str  # changes whenever a file is added, removed, resized or touched


_new_entry = tuple.__new__  # builds a FileEntry without the Python-level __new__ (hot loop)


@dataclass
class WalkReport:
    """Folders that could not be listed (relative posix paths, "" for the root)."""

    unreadable: list[tuple[str, str]] = field(default_factory=list)
    folders: int = 0


class RootUnavailable(Exception):
    pass


def folder_digest(lines: list[str]) -> str:
    lines.sort()
    return hashlib.blake2b("\n".join(lines).encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


def walk_folders(
    root: Path,
    token: Optional[CancelToken] = None,
    report: Optional[WalkReport] = None,
) -> Iterator[FolderListing]:
    """Yield every folder under ``root`` (depth first, the root included, empty ones too)
    with its image files and the digest of its listing."""
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
        files: list[FileEntry] = []
        lines: list[str] = []
        prefix = rel_dir + "/" if rel_dir else ""
        with entries:
            for entry in entries:
                name = entry.name
                if name[0] == ".":
                    continue
                try:
                    is_dir = entry.is_dir()  # follows symlinks
                except OSError:
                    is_dir = False
                if is_dir:
                    try:
                        dst = entry.stat()
                    except OSError as exc:
                        report.unreadable.append((prefix + name, exc.strerror or str(exc)))
                        continue
                    key = (dst.st_dev, dst.st_ino)
                    if key not in seen_dirs:  # else a symlink loop or a second link
                        seen_dirs.add(key)
                        stack.append((entry.path, prefix + name))
                    continue
                dot = name.rfind(".")
                if dot <= 0 or name[dot + 1:].isdigit():
                    # no extension, or a UID-style name (1.2.840.113619.2.55): DICOM
                    # archives name files so; only those with the DICM preamble count
                    if not _sniff(entry.path):
                        continue
                else:
                    ext = name[dot:]
                    if ext not in exts and ext.lower() not in exts:
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
                files.append(_new_entry(FileEntry, (prefix + name, size, mtime)))
                lines.append(f"{name}\0{size}\0{mtime}")
        yield FolderListing(rel_dir, files, folder_digest(lines))


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


def _sniff(path: str) -> bool:
    try:
        return sniff_dicom(path)
    except OSError:
        return False
