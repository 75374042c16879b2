"""A temporary file name of a writer's own, beside the file it is about to replace.

Used by the learned suggester's caches, the repair checkpoints and config.json
(:func:`write_whole`). The learned suggester's caches and saved network (features, strip tiles, the fitted
network and its fit's checkpoint) of a team's PostgreSQL project live in the user's cache
folder, keyed by the image folder: two windows on one machine, or a window and ``llmvis
suggest --learned --db URL``, save the same files. One fixed temporary name let the
second writer truncate the first's half-written file, and the first's rename then failed
or moved a file still being written. Each save writes its own file, then renames it over
the old one (the last rename wins, whole).

A save killed between its write and its rename left its file (as large as the cache)
for ever: the name carries its host and process, and the next save of the same file
removes those whose writer is gone (:func:`.owner.gone`: this host's exited process,
another host's file older than a day), never a live writer's."""
from __future__ import annotations

import logging
import os
import re
import threading
import uuid
from pathlib import Path

log = logging.getLogger(__name__)

#: what follows ``<file name>.`` in a temporary name: [host-]pid-thread-8 hex (host: older versions had none)
_TAG = re.compile(r"(?:(?P<host>[A-Za-z0-9_-]+)-)?(?P<pid>\d+)-\d+-[0-9a-f]{8}(?:\.tmp)?(?:\.npz)?")


def own_tmp(path: Path, suffix: str = ".tmp", hidden: bool = False) -> Path:
    """``path``'s sibling named for this host, process and thread (``suffix`` last:
    ``np.savez`` adds ``.npz`` to a name without it); the files that gone writers of
    ``path`` left are removed first (:func:`sweep`). ``hidden``: the name starts with a dot."""
    from .owner import host_name

    sweep(path)
    tag = f"{host_name()}-{os.getpid()}-{threading.get_ident()}-{uuid.uuid4().hex[:8]}"
    return path.with_name(f"{'.' if hidden else ''}{path.name}.{tag}{suffix}")


def sweep(path: Path) -> int:
    """Remove the temporary files of ``path`` whose writer is gone (a killed save's);
    returns how many. Nothing else beside it is looked at; a file that cannot be removed
    is left (a read-only folder: the save fails on its own)."""
    from .owner import gone, host_name

    prefixes = (path.name + ".", "." + path.name + ".")
    removed = 0
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return 0
    for entry in entries:
        prefix = next((p for p in prefixes if entry.name.startswith(p)), None)
        if prefix is None:
            continue
        m = _TAG.fullmatch(entry.name[len(prefix):])
        if m is None:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if not gone(m.group("host") or host_name(), int(m.group("pid")), st.st_mtime):
                continue
            os.unlink(entry.path)
            removed += 1
            log.info("removed %s, left by a save that did not finish", entry.path)
        except OSError:
            continue
    return removed


def drop(tmp: Path) -> None:
    """Remove a temporary file a failed save left (none there: nothing to do)."""
    try:
        tmp.unlink()
    except OSError:
        pass


def write_whole(path: Path, data: bytes, fsync: bool = True) -> None:
    """Write ``data`` to ``path`` through a hidden temporary file of this writer's own
    (:func:`own_tmp`), then rename it into place: a reader sees the old file or the new
    one, whole, and two writers at once never share a temporary file (the last rename
    wins). ``fsync``: flushed to the disk before the rename. The file gets the mode a
    plain write would (0666 less the umask). A failed write or rename removes the
    temporary file and raises."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = own_tmp(path, ".tmp", hidden=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        drop(tmp)
        raise
