"""Where an export may write.

Never over the project's database (its ``.llmvis`` folder, or the SQLite file and
its journals wherever they are kept) or over an image of the project, whatever is
asked; never a folder export inside the project folder (its copied images would be
indexed as new images), except caption sidecars, which belong next to the images;
and over another existing file only when asked (``force``, ``--force``).
"""
from __future__ import annotations

import os
from pathlib import Path

from ..imaging.formats import is_candidate
from .common import InterchangeError
from .files import refuse_non_file

META_DIR = ".llmvis"


def _real(path) -> Path:
    return Path(os.path.realpath(path))


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def database_files(project) -> list[Path]:
    """The SQLite database of the project and its journal files (none for a server)."""
    url = project.store.url
    if not url.startswith("sqlite:///"):
        return []
    db = _real(url[len("sqlite:///"):])
    return [db] + [db.with_name(db.name + s) for s in ("-wal", "-shm", "-journal")]


def _refuse_project_data(project, path: Path, real: Path) -> None:
    root = _real(project.root)
    meta = root / META_DIR
    if _inside(real, meta) or real in database_files(project):
        raise InterchangeError(f"{path}: is the project's database or inside its {meta} folder; "
                               "an export never writes there")


def check_file_target(project, path, force: bool = False) -> None:
    """Refuse a file export to ``path`` that would replace the project's database or one
    of its images (always), or another existing file (unless ``force``)."""
    path = refuse_non_file(Path(path))
    real = _real(path)
    _refuse_project_data(project, path, real)
    root = _real(project.root)
    if real != root and _inside(real, root):
        rel = real.relative_to(root).as_posix()
        if project.image_by_path(rel) is not None or (path.exists() and is_candidate(rel)):
            raise InterchangeError(f"{path}: is an image of the project; an export never replaces one")
        if is_candidate(rel):
            raise InterchangeError(f"{path}: an image's name inside the project folder; the export would "
                                   "be indexed as an image. Choose another name")
    if path.exists() and not force:
        raise InterchangeError(f"{path}: exists; pass --force to replace it, or choose another path")


def check_folder_target(project, out, next_to_images: bool) -> None:
    """Refuse a folder export into the project's database folder (always) or, unless the
    format writes ``next_to_images`` (caption sidecars), anywhere inside the project."""
    out = Path(out)
    real = _real(out)
    _refuse_project_data(project, out, real)
    root = _real(project.root)
    if not next_to_images and _inside(real, root):
        raise InterchangeError(f"{out}: is inside the project folder {root}; the exported copies would be "
                               "indexed as new images of the project. Choose a folder outside it")
