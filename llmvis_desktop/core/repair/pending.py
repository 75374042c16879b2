"""A repair saved into a project but not yet recorded: the marker that keeps its output
from being indexed as an ordinary image, and what the next scan does with one a killed
save left.

A save killed after its files were in place and before the database named them left
``repaired/NAME.repaired.png`` (and its mask) that the next index listed as a new camera
image with no provenance, so exports took a GAN output for a photo. Now, before the
output is put in place, a hidden marker ``.NAME.<pid>@<host>.repairing`` is written
beside it (what it will be, its mask, the repair records already naming that file); it
is removed once the repair record is committed. While a marker is there, the folder
walk leaves its output out (:func:`..imaging.scan.walk_folders`), except in the thread
that is recording it (:func:`admitting`). A marker whose process is gone is settled by
the next scan (:func:`settle`): a record made after it means the repair was recorded
(the marker goes, the output is indexed with its link); otherwise the save is taken
back (a new output and its mask deleted, a row indexed for the output with no work on
it removed), as if the killed save had never run.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import threading
from pathlib import Path

SUFFIX = ".repairing"
MARKER = re.compile(r"^\.(.+)\.(\d+)@([A-Za-z0-9_-]*)\.repairing$")

_local = threading.local()


def marker_path(out_path: Path) -> Path:
    from ..owner import host_name

    return out_path.parent / f".{out_path.name}.{os.getpid()}@{host_name()}{SUFFIX}"


def write_marker(out_path: Path, mask_path: Path, before: list, new: bool) -> Path:
    """Write (and fsync) the marker of the save of ``out_path``; ``before``: the ids of the
    repair records naming it now; ``new``: no file had its name (a replaced output is an
    earlier repair's, and is not deleted when the save is taken back)."""
    path = marker_path(out_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps({"output": out_path.name, "mask": str(Path(mask_path).absolute()),
                       "before": list(before), "new": bool(new)}).encode()
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    return path


def drop(marker) -> None:
    if marker is None:
        return
    with contextlib.suppress(OSError):
        marker.unlink(missing_ok=True)


@contextlib.contextmanager
def admitting(out_path: Path):
    """In this thread, let the walk list ``out_path`` though its marker is there: the save
    recording it indexes it (another thread's or process's scan still leaves it out)."""
    held = getattr(_local, "paths", None)
    if held is None:
        held = _local.paths = set()
    key = os.path.abspath(out_path)
    held.add(key)
    try:
        yield
    finally:
        held.discard(key)


def admitted(path: str) -> bool:
    return path in (getattr(_local, "paths", None) or ())


def outputs_marked(folder: str, markers: list[str]) -> tuple[set[str], list[str]]:
    """Of the marker names found in ``folder`` (absolute): the names of the outputs to leave
    out of its listing, and the absolute paths of markers whose process is gone."""
    from ..owner import gone

    left_out: set[str] = set()
    dead: list[str] = []
    for name in markers:
        m = MARKER.match(name)
        if m is None:
            continue
        out = m.group(1)
        if not admitted(os.path.join(folder, out)):
            left_out.add(out)
        path = os.path.join(folder, name)
        try:
            since = os.stat(path).st_mtime
        except OSError:
            continue
        if gone(m.group(3), int(m.group(2)), since):
            dead.append(path)
    return left_out, dead


def settle(project, markers: list[str]) -> list[str]:
    """Finish or take back the saves whose (dead) ``markers`` a scan found; returns the
    project folders (relative) whose listing changed, to be listed again."""
    from .provenance import recorded_outputs, relative_path

    folders: list[str] = []
    for marker in markers:
        marker = Path(marker)
        try:
            info = json.loads(marker.read_text())
            out = marker.parent / str(info["output"])
            mask = Path(str(info["mask"]))
            before = set(info.get("before") or ())
        except (OSError, ValueError, KeyError, TypeError):
            continue  # unreadable: left for a person (its output stays out of the index)
        recorded = set(recorded_outputs(project, out)) - before
        if not recorded and info.get("new"):  # killed before its record: taken back
            take_back(project, out, mask)
        drop(marker)
        rel = relative_path(project, out)
        if rel is not None:
            folders.append(rel.rpartition("/")[0])
    return sorted(set(folders))


def take_back(project, out: Path, mask: Path, wait_ms=None) -> None:
    """Take back a new repair output that no record names: ``out`` and its ``mask``
    deleted, and a row the index made for ``out`` (with no work on it) removed, as if the
    save had never run; ``wait_ms``: the most the removal waits for the database
    (default: the store's wait), past which it raises (the database's error)."""
    from sqlalchemy import select

    from ..store import models as m
    from ..store.engine import short_waits
    from ..store.repo_left_out import drop_unworked
    from .provenance import relative_path

    for f in (out, mask):
        if f.is_file() and not f.is_symlink():
            with contextlib.suppress(OSError):
                f.unlink()
    rel = relative_path(project, out)
    if rel is None or project.image_by_path(rel) is None:
        return
    with short_waits(wait_ms) if wait_ms is not None else contextlib.nullcontext():
        with project.store.write() as s:
            rows = [tuple(r) for r in s.execute(select(m.Image.id, m.Image.relpath).where(m.Image.relpath == rel))]
            if rows:
                drop_unworked(s, rows)
