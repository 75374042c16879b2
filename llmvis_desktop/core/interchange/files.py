"""The files and folders an interchange run writes or reads: an export's folder (and
the marker of an unfinished one), atomic writes, labels as folder names, and names
from an import file resolved inside the project (never outside it)."""
from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from typing import Callable, Container, Iterable

from .archive import as_path
from .common import InterchangeError

#: in a folder export's folder until it has finished (see export_project)
INCOMPLETE = ".llmvis-export-incomplete"


def folder_is_empty(out: Path) -> bool:
    """Empty, or holding only what an unfinished export of ours left (its marker)."""
    return all(c.name == INCOMPLETE for c in out.iterdir()) or (out / INCOMPLETE).exists()


def prepare_folder(out: Path, allow_nonempty: bool = False) -> Path:
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InterchangeError(f"{out}: exists and is not a folder")
    if out.exists() and not allow_nonempty and not folder_is_empty(out):
        raise InterchangeError(f"{out}: folder is not empty; choose an empty or new folder")
    out.mkdir(parents=True, exist_ok=True)
    return out


def refuse_non_file(path: Path) -> Path:
    """``path``, unless it is a folder or something other than a plain file (renaming over
    it would replace a link, a device such as /dev/full, or a pipe with a file)."""
    if path.is_dir():
        raise InterchangeError(f"{path}: is a folder; give a file name")
    if os.path.lexists(path) and (path.is_symlink() or not path.is_file()):
        raise InterchangeError(f"{path}: exists and is not a plain file (a link, device or pipe); "
                               f"give a new file name")
    return path


def sidecar_path(out: Path | str, suffix: str, main_ext: str = ".json") -> Path:
    """The file an export writes beside its main file ``out`` (COCO's captions file, Label
    Studio's label config), and that an import of ``out`` reads beside it: ``out`` less
    ``main_ext`` (the main file's own extension, any case) plus ``suffix``; any other
    name gets ``suffix`` appended whole, so ``release_v1.2`` gives
    ``release_v1.2.captions.json`` (its last dot-part is part of the name, not an
    extension: ``release_v1.3`` must not share it)."""
    out = as_path(out)
    name = out.name
    if len(name) > len(main_ext) and name.lower().endswith(main_ext.lower()):
        name = name[: -len(main_ext)]
    return out.with_name(name + suffix)


class WriteError(OSError):
    """A file of an export that could not be written: its message names the file as the
    user gave it and why (``cannot write out/x.csv: Read-only file system``), without
    the ``[Errno N]`` of a plain OSError; ``errno`` is kept for callers."""

    def __str__(self) -> str:
        return self.strerror or super().__str__()


def _cannot_write(path: Path, exc: OSError) -> WriteError:
    return WriteError(exc.errno, f"cannot write {path}: {exc.strerror or exc}", str(path))


def _discard(path: Path) -> None:
    """Remove a temporary file; never raise (a read-only folder refuses the unlink too,
    with EROFS, and that must not replace the error that made us clean up)."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def write_atomic(path: Path, write: Callable[[object], None], mode: str = "w", replace: bool = False) -> None:
    """Write a file through a temporary sibling, then rename it into place; an existing
    file is replaced only when ``replace`` (the export's ``force``)."""
    path = refuse_non_file(Path(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    kwargs = {"encoding": "utf-8", "newline": ""} if "b" not in mode else {}
    try:
        with open(tmp, mode, **kwargs) as fh:
            write(fh)
        if not replace and os.path.lexists(path):
            raise InterchangeError(f"{path}: exists; pass --force to replace it, or choose another path")
        os.replace(tmp, path)
    except WriteError:
        _discard(tmp)
        raise
    except OSError as exc:
        _discard(tmp)
        raise _cannot_write(path, exc) from exc
    except BaseException:
        _discard(tmp)
        raise


def write_pair_atomic(files: list[tuple[Path, str]], replace: bool = False) -> None:
    """Write files that belong together (an export's labels file and its side file) so
    they are both old or both new: every one is written in full to a temporary sibling
    first (a full disk fails here, before any is replaced), then they are renamed into
    place back to back, in the order given; a rename that fails puts back the files already
    replaced (the old ones are kept aside until then, as hard links: a kill leaves each name
    holding a whole file, old or new) and removes the new ones that had no old file. The temporaries are written last file first: the export's own file (``--out``)
    comes last, so a folder that cannot be written (read-only) is named by it."""
    paths = [refuse_non_file(Path(p)) for p, _ in files]
    temps: list[Path] = []
    try:
        for path, (_, text) in reversed(list(zip(paths, files))):
            tmp = path.with_name(f".{path.name}.part")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                temps.append(tmp)
                with open(tmp, "w", encoding="utf-8", newline="") as fh:
                    fh.write(text)
            except OSError as exc:
                raise _cannot_write(path, exc) from exc
        temps.reverse()
        if not replace:
            for path in paths:
                if os.path.lexists(path):
                    raise InterchangeError(f"{path}: exists; pass --force to replace it, or choose another path")
        done: list[tuple[Path, "Path | None"]] = []  # replaced, and where its old file is kept
        try:
            for path, tmp in zip(paths, temps):
                kept = _keep_aside(path) if os.path.lexists(path) else None
                done.append((path, kept))
                try:
                    os.replace(tmp, path)
                except OSError as exc:
                    raise _cannot_write(path, exc) from exc
        except BaseException:
            for path, kept in reversed(done):  # each step tried; none replaces the error
                with contextlib.suppress(OSError):
                    if kept is not None:
                        os.replace(kept, path)
                        _discard(kept)  # (a link to the file still there: that rename leaves both names)
                    else:
                        path.unlink(missing_ok=True)
            raise
        for _, kept in done:
            if kept is not None:
                _discard(kept)
    finally:
        for tmp in temps:
            _discard(tmp)


def _keep_aside(path: Path) -> Path:
    """Keep ``path``'s old file as ``.NAME.old`` until its pair is written (to put it back if
    a rename fails), while ``path`` itself still holds it: a hard link, so that a kill
    before the new file's rename leaves the old export under its name, not only hidden.
    Where a hard link cannot be made (FAT, some shares) the old file is moved aside."""
    kept = path.with_name(f".{path.name}.old")
    _discard(kept)  # what a killed export left
    try:
        os.link(path, kept, follow_symlinks=False)
    except OSError:
        os.replace(path, kept)
    return kept


# --- folder names for labels ------------------------------------------------------

_UNSAFE = set('/\\%:*?"<>|\0')


#: a folder name's most bytes (file systems allow 255): a longer one is cut, with a hash
MAX_FOLDER_BYTES = 200


def label_to_folder(name: str) -> str:
    """A label as one safe folder name: unsafe characters percent-encoded; a name longer
    than :data:`MAX_FOLDER_BYTES` in UTF-8 (90 CJK characters are 270) is cut at a
    character and ends ``~<8 hex>`` of the label's hash, so two long labels stay apart."""
    out = []
    for i, ch in enumerate(name):
        if ch in _UNSAFE or ord(ch) < 32 or (i == 0 and ch == "."):
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8")))
        else:
            out.append(ch)
    text = "".join(out)
    if len(text.encode("utf-8")) <= MAX_FOLDER_BYTES:
        return text
    room, kept = MAX_FOLDER_BYTES - 9, []
    for piece in out:
        room -= len(piece.encode("utf-8"))
        if room < 0:
            break
        kept.append(piece)
    return "".join(kept) + "~" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]


def folder_to_label(folder: str) -> str:
    from urllib.parse import unquote

    return unquote(folder)


# --- safe paths -------------------------------------------------------------------


def _under_root(root: Path | str, name: str, label: str) -> str:
    """An absolute ``name`` of a file inside ``root`` as a path relative to it (the root as
    given or with its links resolved); refused otherwise, naming the root expected."""
    if os.sep == "/" and name.startswith("/") and not name.startswith("//"):
        target = os.path.normpath(name)
        for base in dict.fromkeys((os.path.abspath(root), os.path.realpath(root))):
            rel = os.path.relpath(target, base)
            if rel != "." and not rel.startswith(".." + os.sep) and rel != "..":
                return rel
    raise InterchangeError(f"{label}file name {name!r} is an absolute path outside the project folder {str(root)!r}; "
                           f"only paths inside it are accepted")


def foreign_path(root: Path | str, name) -> "str | None":
    """Another machine's absolute path (``C:\\Users\\bob\\data\\sub\\a.png``,
    ``/home/bob/data/sub/a.png``, ``\\\\server\\share\\a.png``) that is not a file
    inside ``root``, as its folders and name joined by ``/`` without drive or server
    (``Users/bob/data/sub/a.png``): matched to a project image by its trailing part
    (:func:`.matching.match_images`), never opened or looked up on this machine. None for
    any other name (a relative one, one inside the root, one with ``..`` or a NUL:
    :func:`resolve_inside` takes or refuses those as before)."""
    if not isinstance(name, str) or "\0" in name:
        return None
    url = cloud_url_path(name)
    if url is not None:
        return url
    text = name.replace("\\", "/")
    drive = len(text) > 1 and text[1] == ":" and text[0].isalpha()
    if not (text.startswith("/") or drive):
        return None
    try:
        _under_root(root, name, "")
        return None  # a file inside the project: resolve_inside takes it relative to the root
    except InterchangeError:
        pass
    if drive:
        text = text[2:]
    elif text.startswith("//"):  # a UNC path: the server and share are no folders of the image
        text = "/".join(text.lstrip("/").split("/")[2:])
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


#: the URL schemes of images a labeling tool reads from cloud storage or a web server
#: (Label Studio's S3, GCS and Azure storage, a task list of https links)
URL_SCHEMES = ("s3", "gs", "azure-blob", "http", "https")


def cloud_url_path(name: str) -> "str | None":
    """The folders and file name of an image URL (``s3://bucket/imgs/a.png`` ->
    ``imgs/a.png``, ``https://host/data/a%20b.png?sig=..`` -> ``data/a b.png``: the
    bucket or host, the query and fragment taken off), matched as another machine's path
    is (Label Studio tasks over cloud storage named no image of the project, though the
    team reviews a synced copy of the bucket); None for a name that is no such URL."""
    from urllib.parse import unquote, urlsplit

    scheme, sep, _rest = name.partition("://")
    if not sep or scheme.lower() not in URL_SCHEMES:
        return None
    try:
        path = urlsplit(name).path
    except ValueError:
        return None
    parts = [p for p in unquote(path).replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or ".." in parts or any("\0" in p for p in parts):
        return None
    return "/".join(parts)


def stem_of(rel: str) -> str:
    """A project path without its last name's suffix (what a caption sidecar is named by)."""
    return rel.rsplit(".", 1)[0] if "." in rel.rsplit("/", 1)[-1] else rel


class ProjectNames:
    """The paths a project indexes, read (by ``load``) the first time one is looked up, with
    their stems: an import asks only for a name with a backslash or one that leads out
    of the project through a link, so most never read them."""

    def __init__(self, load: Callable[[], Iterable[str]]):
        self._load = load
        self._names: "set[str] | None" = None
        self._stems: "set[str] | None" = None

    @property
    def names(self) -> set[str]:
        if self._names is None:
            self._names = set(self._load())
        return self._names

    @property
    def stems(self) -> set[str]:
        if self._stems is None:
            self._stems = {stem_of(n) for n in self.names}
        return self._stems

    def __contains__(self, name) -> bool:
        return name in self.names


def _has(names: Container[str], rel: str, by_stem: bool) -> bool:
    """Whether ``rel`` is one of ``names`` (``by_stem``: the stem of one of them)."""
    if not by_stem:
        return rel in names
    stems = names.stems if isinstance(names, ProjectNames) else {stem_of(n) for n in names}
    return rel in stems


def resolve_inside(root: Path | str, name, where: str = "", known: Container[str] = (),
                   indexed: Container[str] = (), by_stem: bool = False) -> str:
    """The project-relative posix path ``name`` names, refusing anything outside ``root``.

    Refused: empty names, absolute paths (``/x``, ``C:\\x``, ``\\\\server``) other than one
    of a file inside the root (taken relative to it, as COCO tools write them), any ``..``
    component, NUL bytes, and names whose existing symlinks lead out of the root.
    A backslash is a Windows separator (``a\\x.png`` is ``a/x.png``), unless the name,
    backslash included, is that of an existing file under the root or one of ``known``
    (the project's images): on POSIX ``back\\slash.png`` is a file name of its own, and an
    export of it came back unmatched. The refusals above hold either way.
    A name the project indexes (one of ``indexed``) is taken though a link of the project
    leads out of its folder (the indexer follows links to files and folders: the
    project's own export names them); the refusal holds for any other name. ``by_stem``:
    ``name`` is a path without its suffix (a caption sidecar's), matched against the stems
    of ``known`` and ``indexed``.
    """
    label = f"{where}: " if where else ""
    if not isinstance(name, str) or not name.strip():
        raise InterchangeError(f"{label}file name {name!r} is empty or not text")
    if "\0" in name:
        raise InterchangeError(f"{label}file name {name!r} contains a NUL byte")
    text = name.replace("\\", "/")
    if text.startswith("/") or (len(text) > 1 and text[1] == ":" and text[0].isalpha()):
        name = text = _under_root(root, name, label)
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise InterchangeError(f"{label}file name {name!r} climbs out of the project with '..'")
    if not parts:
        raise InterchangeError(f"{label}file name {name!r} names no file")
    root_real = os.path.realpath(root)
    if "\\" in name and os.sep == "/":  # a literal backslash is a name's own only where "/" alone separates
        literal = [p for p in name.split("/") if p not in ("", ".")]
        if _has(known, "/".join(literal), by_stem) or os.path.lexists(os.path.join(root_real, *literal)):
            parts = literal
    rel = "/".join(parts)
    target = os.path.realpath(os.path.join(root_real, *parts))
    if target != root_real and not target.startswith(root_real.rstrip(os.sep) + os.sep) \
            and not _has(indexed, rel, by_stem):
        raise InterchangeError(f"{label}file name {name!r} leads out of the project through a symbolic link")
    return rel


def none_of(n: int, what: str) -> str:
    """"none of the 5 images has a label" (``what`` = "a label"); "the 1 image has no label"."""
    return f"none of the {n:,} images has {what}" if n != 1 else f"the 1 image has no {what.split(' ', 1)[1]}"
