"""Import files read straight from a zip archive (CVAT's "COCO 1.0" and "CVAT for images
1.1" exports, a zipped labelme, CSV, imagefolder, YOLO classification or caption sidecar
export, Roboflow's classification "Folder Structure" download), with nothing extracted to
disk: :func:`open_member` finds the one member (a file, or a folder for the folder
formats) the format needs and gives it as an :class:`ArchivePath`, which the format
parsers read as they read a file or folder. A member is read into memory at most once,
and refused when it is encrypted or larger than :data:`MAX_MEMBER_BYTES` (its header's
size and what it really inflates to both count), or when the members read together pass
:data:`MAX_TOTAL_BYTES`: a zip bomb is stopped at the cap, not inflated.
"""
from __future__ import annotations

import fnmatch
import io
import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

from .common import InterchangeError
from .sidecar_match import sidecar_suffix

MAX_MEMBER_BYTES = 1 << 30  # 1 GiB: a COCO file of a large dataset is some hundreds of MB
MAX_TOTAL_BYTES = 2 << 30

#: the annotation file each single-file format's member is found by (a suffix, lower case)
FILE_SUFFIX = {"coco": ".json", "labelstudio": ".json", "cvat": ".xml", "csv": ".csv"}
#: folder formats read from an archive: the folder holding what the format reads
FOLDER_FORMATS = ("labelme", "jsonl", "yolo", "txt")
#: the split folders a YOLO classification import reads (yolo.READ_SPLITS)
YOLO_SPLITS = ("train", "val", "valid", "validation", "test")
#: the formats whose import reads a zip archive as it is
ARCHIVE_FORMATS = (*FILE_SUFFIX, *FOLDER_FORMATS)


def _clean(name: str) -> Optional[str]:
    """A member's name as a relative posix path, None for one that is absolute or climbs
    with ``..`` (never looked at: nothing is extracted, but such a name is no file of the
    export)."""
    text = name.replace("\\", "/")
    if text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        return None
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def _utf8_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its maker wrote it: Info-ZIP's ``zip`` on Linux and macOS's
    Archive Utility store UTF-8 names without the UTF-8 flag, which ``zipfile`` then reads
    as code page 437 (``Ünï/straße.txt`` came out as ``├£n├»/stra├ƒe.txt``, so a YOLO
    class folder or an image path inside the archive named no image of the project). A
    name without the flag that is valid UTF-8 is taken as such; any other stays cp437."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except UnicodeError:
        return info.filename


class Archive:
    """An open zip archive's files (by clean name) and folders, read on demand."""

    def __init__(self, path: Path, zf: zipfile.ZipFile):
        self.path = path
        self.zf = zf
        self.files: dict[str, zipfile.ZipInfo] = {}
        self.dirs: set[str] = {""}
        for info in zf.infolist():
            name = _clean(_utf8_name(info))
            if name is None:
                continue
            parts = name.split("/")
            for k in range(1, len(parts)):
                self.dirs.add("/".join(parts[:k]))
            if info.is_dir():
                self.dirs.add(name)
            else:
                self.files.setdefault(name, info)
        self._read_total = 0
        self._children: Optional[dict[str, tuple[list[str], list[str]]]] = None

    def children(self, folder: str) -> tuple[list[str], list[str]]:
        """The names of the folders and of the files directly in ``folder`` ("" for the
        top), each sorted: an index made once, so that walking an archive of many folders
        does not scan every member once per folder (30,000 images in 5,000 folders of a
        zipped YOLO export took a minute)."""
        if self._children is None:
            kids: dict[str, tuple[list[str], list[str]]] = {}
            for d in self.dirs:
                if d:
                    kids.setdefault(_up(d), ([], []))[0].append(d.rsplit("/", 1)[-1])
            for f in self.files:
                kids.setdefault(_up(f), ([], []))[1].append(f.rsplit("/", 1)[-1])
            for dirs, files in kids.values():
                dirs.sort()
                files.sort()
            self._children = kids
        return self._children.get(folder, ([], []))

    def read(self, name: str) -> bytes:
        info = self.files[name]
        shown = f"{self.path.name}: {info.filename}"
        if info.flag_bits & 0x1:
            raise InterchangeError(f"{shown} is encrypted (password-protected); export the archive without a "
                                   f"password, or unzip it and import the file")
        if info.file_size > MAX_MEMBER_BYTES:
            raise InterchangeError(f"{shown} is {info.file_size:,} bytes once unzipped, over the "
                                   f"{MAX_MEMBER_BYTES >> 20} MiB an archive member may have; unzip it and "
                                   f"import the file")
        try:
            with self.zf.open(info) as fh:
                data = fh.read(MAX_MEMBER_BYTES + 1)  # a header that lies about the size: stopped here
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
            raise InterchangeError(f"{shown}: cannot be unzipped ({exc})") from None
        if len(data) > MAX_MEMBER_BYTES:
            raise InterchangeError(f"{shown} inflates past {MAX_MEMBER_BYTES >> 20} MiB (its header says "
                                   f"{info.file_size:,} bytes): refused as a zip bomb")
        self._read_total += len(data)
        if self._read_total > MAX_TOTAL_BYTES:
            raise InterchangeError(f"{self.path.name}: the members read pass {MAX_TOTAL_BYTES >> 20} MiB once "
                                   f"unzipped: refused as a zip bomb (unzip it and import the folder)")
        return data


@dataclass(frozen=True)
class _Stat:
    st_size: int


class ArchivePath:
    """A file or folder inside an :class:`Archive`, with the few ``pathlib.Path`` methods
    the format parsers use (no ``__fspath__``: nothing may open it as a file on disk)."""

    def __init__(self, archive: Archive, rel: str):
        self.archive = archive
        self.rel = rel

    # names
    @property
    def name(self) -> str:
        return self.rel.rsplit("/", 1)[-1] if self.rel else self.archive.path.name

    @property
    def suffix(self) -> str:
        return posixpath.splitext(self.name)[1] if self.rel else ""

    @property
    def stem(self) -> str:
        return posixpath.splitext(self.name)[0] if self.rel else self.name

    @property
    def parent(self) -> "ArchivePath":
        return ArchivePath(self.archive, self.rel.rsplit("/", 1)[0] if "/" in self.rel else "")

    def joinpath(self, *parts: str) -> "ArchivePath":
        rel = "/".join([self.rel, *parts]) if self.rel else "/".join(parts)
        return ArchivePath(self.archive, posixpath.normpath(rel) if rel else "")

    def __truediv__(self, part: str) -> "ArchivePath":
        return self.joinpath(*str(part).split("/"))

    def with_name(self, name: str) -> "ArchivePath":
        return self.parent / name

    def relative_to(self, other: "ArchivePath") -> Path:
        if not other.rel:
            return Path(self.rel)
        if not self.rel.startswith(other.rel + "/") and self.rel != other.rel:
            raise ValueError(f"{self} is not in {other}")
        return Path(self.rel[len(other.rel) + 1:])

    def as_posix(self) -> str:
        return self.rel

    def __str__(self) -> str:
        return f"{self.archive.path.name}/{self.rel}" if self.rel else self.archive.path.name

    def __repr__(self) -> str:
        return f"ArchivePath({str(self)!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, ArchivePath) and (other.archive, other.rel) == (self.archive, self.rel)

    def __hash__(self) -> int:
        return hash(self.rel)

    def __lt__(self, other: "ArchivePath") -> bool:
        return self.rel < other.rel

    # what is there
    def is_file(self) -> bool:
        return self.rel in self.archive.files

    def is_dir(self) -> bool:
        return self.rel in self.archive.dirs

    def exists(self) -> bool:
        return self.is_file() or self.is_dir()

    def is_symlink(self) -> bool:
        return False

    def iterdir(self) -> Iterator["ArchivePath"]:
        """The files and folders directly in this folder, sorted by name."""
        dirs, files = self.archive.children(self.rel)
        for name in sorted({*dirs, *files}):
            yield self / name

    def rglob(self, pattern: str) -> Iterator["ArchivePath"]:
        """The files below this folder, at any depth, whose name matches ``pattern``."""
        base = f"{self.rel}/" if self.rel else ""
        for name in sorted(self.archive.files):
            if name.startswith(base) and fnmatch.fnmatchcase(name.rsplit("/", 1)[-1], pattern):
                yield ArchivePath(self.archive, name)

    def stat(self) -> _Stat:
        if not self.is_file():
            raise InterchangeError(f"{self}: no such file in the archive")
        return _Stat(self.archive.files[self.rel].file_size)

    def glob(self, pattern: str) -> Iterator["ArchivePath"]:
        depth = pattern.count("/") + 1
        base = f"{self.rel}/" if self.rel else ""
        for name in sorted(self.archive.files):
            if name.startswith(base) and name[len(base):].count("/") + 1 == depth \
                    and fnmatch.fnmatchcase(name[len(base):], pattern):
                yield ArchivePath(self.archive, name)

    def walk(self) -> Iterator[tuple["ArchivePath", list[str], list[str]]]:
        """As ``os.walk``, top-down: (folder, its folders, its files); the folder list may be
        pruned in place."""
        dirs, files = self.archive.children(self.rel)
        dirs, files = list(dirs), list(files)  # (the caller may prune its list)
        yield self, dirs, files
        for d in dirs:
            yield from (self / d).walk()

    # contents
    def read_bytes(self) -> bytes:
        if not self.is_file():
            raise InterchangeError(f"{self}: no such file in the archive")
        return self.archive.read(self.rel)

    def read_text(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        return self.read_bytes().decode(encoding, errors)

    def head(self, size: int) -> bytes:
        """The first ``size`` bytes of the file (a DICOM file's magic), read without
        inflating the rest; b"" when it cannot be read."""
        info = self.archive.files.get(self.rel)
        if info is None or info.flag_bits & 0x1:
            return b""
        try:
            with self.archive.zf.open(info) as fh:
                return fh.read(size)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError):
            return b""

    def open(self, mode: str = "r", encoding: str = "utf-8", newline: Optional[str] = None):
        data = io.BytesIO(self.read_bytes())
        return data if "b" in mode else io.TextIOWrapper(data, encoding=encoding, newline=newline)


def open_text(path, encoding: str = "utf-8", newline: Optional[str] = None):
    """``open(path, encoding=..., newline=...)`` for a file on disk or in an archive."""
    if isinstance(path, ArchivePath):
        return path.open("r", encoding=encoding, newline=newline)
    return open(path, encoding=encoding, newline=newline)


def text_encoding(path) -> str:
    """The encoding to read the text file ``path`` (on disk or in an archive) with:
    "utf-16" when it starts with a UTF-16 byte order mark (Excel's "Unicode Text",
    Windows PowerShell 5's ``Out-File`` and ``>``; it was refused as "not UTF-8 text ...
    at byte 0"), else "utf-8-sig" (UTF-8, a byte order mark taken off). Nothing else is
    guessed: a legacy code page's bytes are refused, naming the file."""
    if isinstance(path, ArchivePath):
        head = path.head(4)
    else:
        with open(path, "rb") as fh:
            head = fh.read(4)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") and head[:4] != b"\xff\xfe\x00\x00":
        return "utf-16"
    return "utf-8-sig"


def as_path(path):
    """``path`` as a ``Path``, an :class:`ArchivePath` kept as it is."""
    return path if isinstance(path, ArchivePath) else Path(path)


def walk(path):
    """``os.walk`` of a folder on disk (links to folders not followed) or in an archive,
    with folders as paths of the same kind."""
    import os

    if isinstance(path, ArchivePath):
        yield from path.walk()
        return
    for dirpath, dirnames, filenames in os.walk(path):
        yield Path(dirpath), dirnames, filenames


def is_archive(path: Path) -> bool:
    """Whether ``path`` is a zip archive (a file that ``zipfile`` opens)."""
    try:
        return path.is_file() and zipfile.is_zipfile(path)
    except OSError:
        return False


def _hidden(name: str) -> bool:
    """A member no export holds as data: macOS's ``__MACOSX/`` resource forks, dot files."""
    return any(p.startswith(".") or p == "__MACOSX" for p in name.split("/"))


def _up(name: str) -> str:
    return name.rsplit("/", 1)[0] if "/" in name else ""


def _candidates(arc: Archive, fmt: str) -> list[str]:
    """The members that could be what ``fmt`` reads: files with its suffix (COCO's captions
    file beside its labels file left out: the import reads it with that one), or for the
    folder formats the folders to import ("" for the archive itself)."""
    files = [n for n in arc.files if not _hidden(n)]
    if fmt == "jsonl":  # the folder holding metadata.jsonl, or its split folders
        folders = {_up(n) for n in files if n.rsplit("/", 1)[-1] == "metadata.jsonl"}
        roots = sorted({r for f in folders for r in (f, _up(f))
                        if all(g == r or (g and _up(g) == r) for g in folders)}, key=lambda r: (r.count("/"), r))
        if roots:  # the shallowest folder they all are in or directly below
            return roots[:1]
        return sorted({_up(f) if f else f for f in folders})  # several datasets
    if fmt == "yolo":  # the shallowest folders holding a split folder that holds a class folder
        parents = {_up(d) for d in arc.dirs if d and not _hidden(d)}
        roots = {_up(d) for d in parents if d and d.rsplit("/", 1)[-1] in YOLO_SPLITS}
        # (a root inside another is a folder of that one's images: train/scratch/test/x/a.png)
        roots = {r for r in roots if not any(o != r and (o == "" or r.startswith(o + "/")) for o in roots)}
        return sorted(roots)
    if fmt in ("labelme", "txt"):  # the folder zipped (its one top folder), else the archive's top
        if not any(n.lower().endswith(".json") if fmt == "labelme" else sidecar_suffix(n) for n in files):
            return []
        tops = {n.split("/", 1)[0] for n in files}
        one = next(iter(tops)) if len(tops) == 1 else None
        return [one] if one is not None and one in arc.dirs and one not in arc.files else [""]
    suffix = FILE_SUFFIX.get(fmt, "")
    found = [n for n in files if n.lower().endswith(suffix)]
    if fmt == "coco":  # NAME.captions.json goes with NAME.json (or NAME)
        cap = ".captions.json"
        found = [n for n in found if not (n.lower().endswith(cap) and n[:-len(cap)] + ".json" in arc.files)]
    return sorted(found)


def member_path(arc: Archive, fmt: str, member: Optional[str]) -> ArchivePath:
    """The member of ``arc`` the import of ``fmt`` reads: ``member`` when given, else the one
    candidate; several or none are refused, naming them and how to pick one."""
    zname = arc.path.name
    if member is not None:
        rel = _clean(member) if member.strip("/") else ""
        if rel is None:
            raise InterchangeError(f"{zname}: member {member!r} is no name inside an archive")
        if fmt in FOLDER_FORMATS and rel in arc.dirs or (fmt not in FOLDER_FORMATS or fmt == "labelme") \
                and rel in arc.files:
            return ArchivePath(arc, rel)
        what = "folder" if fmt in FOLDER_FORMATS else "file"
        raise InterchangeError(f"{zname}: holds no {what} {member!r}" + _listing(arc, fmt))
    found = _candidates(arc, fmt)
    if len(found) == 1:
        return ArchivePath(arc, found[0])
    if not found:
        need = {"jsonl": "metadata.jsonl", "labelme": ".json file", "txt": ".txt sidecar (nor .caption)",
                "yolo": "split folder (train/, val/, valid/ or test/) with class folders"}.get(
            fmt, f"{FILE_SUFFIX.get(fmt, '')} file")
        raise InterchangeError(f"{zname}: a zip archive holding no {need} for the {fmt} format")
    shown = ", ".join(repr(n or "/") for n in found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
    raise InterchangeError(f"{zname}: a zip archive with {len(found)} {fmt} candidates: {shown}; "
                           f"pick one with --member NAME (in the Import dialog, the Archive member field)")


def _listing(arc: Archive, fmt: str) -> str:
    found = _candidates(arc, fmt)
    return f"; it holds {', '.join(repr(n or '/') for n in found[:5])}" if found else ""


def open_archive(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InterchangeError(f"{path.name}: cannot be read as a zip archive ({exc})") from None
