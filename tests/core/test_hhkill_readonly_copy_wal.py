"""A read-only folder works on a copy of its database in the user data folder. A session
killed while it had that copy open leaves the copy's write-ahead log (project.sqlite-wal)
beside it. When the folder's own database had changed since, the next open made the copy
afresh over the old one's file but left the old log there: SQLite applied the old copy's
pages to the new file, and the project opened with its newest annotations missing or
not at all ("database disk image is malformed"), every time after."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import readonly_copy

from readonly_helpers import make_read_only

# a session that writes the copy without a history event (as an index reading image
# headers does) and is killed before it could fold its log into the file
_KILLED_WRITER = """
import os, signal, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA wal_autocheckpoint=0")
conn.execute("BEGIN")
conn.execute("UPDATE images SET width = width + 1000")
conn.execute("COMMIT")
print("written", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _read_only(mp, folder) -> None:
    """``folder`` read-only as :func:`make_read_only` has it; and as in a real read-only
    folder, reading its database leaves no ``-wal``/``-shm`` beside it (here they can be
    made, and an empty ``-wal`` copied over the old copy's log hid what this is about)."""
    make_read_only(mp, folder)
    real = readonly_copy.newest_event

    def newest_event(db):
        logs = [db.with_name(db.name + end) for end in ("-wal", "-shm")]
        there = [f.exists() for f in logs]
        try:
            return real(db)
        finally:
            if str(db.resolve()).startswith(str(folder.resolve())):
                for f, was in zip(logs, there):
                    if not was:
                        f.unlink(missing_ok=True)

    mp.setattr(readonly_copy, "newest_event", newest_event)


def _kill_while_open(db) -> None:
    proc = subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(db)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == -signal.SIGKILL and "written" in proc.stdout, proc.stderr
    assert db.with_name(db.name + "-wal").stat().st_size > 0  # the log the session left


def test_a_fresh_copy_is_not_spoiled_by_the_old_copys_log(png_folder, monkeypatch, tmp_path):
    data = tmp_path / "data"
    with Project.open(png_folder) as p:
        p.index()
        first = p.image_ids()[0]
    with monkeypatch.context() as ro:
        _read_only(ro, png_folder)
        with Project.open(png_folder, data_dir=data) as p:  # copied: nothing reviewed in it
            copy = p.db_url[len("sqlite:///"):]
    copy = type(png_folder)(copy)
    _kill_while_open(copy)
    with Project.open(png_folder) as p:  # writable again: the folder's database moves on
        p.set_caption(first, "made in the folder", "alice")
    with monkeypatch.context() as ro:
        _read_only(ro, png_folder)
        with Project.open(png_folder, data_dir=data) as p:  # the untouched copy is made afresh
            assert p.db_url.endswith(str(copy))
            assert p.image(first).caption == "made in the folder"
            assert p.image(first).width < 1000  # none of the old copy's pages
    conn = sqlite3.connect(copy)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


def test_a_copy_killed_part_way_leaves_the_old_copy_whole(png_folder, monkeypatch, tmp_path):
    """Killed after the folder's file was copied beside the old copy, before it took the
    old copy's place: the old copy is whole (its log folded into it), and the next open
    makes the copy again."""
    from llmvis_desktop.core.store import db_location

    data = tmp_path / "data"
    with Project.open(png_folder) as p:
        p.index()
        first = p.image_ids()[0]
    with monkeypatch.context() as ro:
        _read_only(ro, png_folder)
        with Project.open(png_folder, data_dir=data) as p:
            copy = type(png_folder)(p.db_url[len("sqlite:///"):])
    _kill_while_open(copy)
    with Project.open(png_folder) as p:
        p.set_caption(first, "made in the folder", "alice")

    class Killed(BaseException):
        pass

    def killed(*_args):
        raise Killed  # (SIGKILL: no cleanup; a BaseException passes the OSError handler)

    with monkeypatch.context() as ro:
        _read_only(ro, png_folder)
        ro.setattr(db_location.os, "replace", killed)
        try:
            Project.open(png_folder, data_dir=data).close()
        except Killed:
            pass
    conn = sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True)  # (read-only: leaves any log as it is)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("SELECT min(width) FROM images").fetchone()[0] >= 1000  # with its log's writes
    finally:
        conn.close()
    with monkeypatch.context() as ro:
        _read_only(ro, png_folder)
        with Project.open(png_folder, data_dir=data) as p:
            assert p.image(first).caption == "made in the folder"
    assert not [f for f in os.listdir(copy.parent) if ".copying" in f]
