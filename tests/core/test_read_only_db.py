"""A project whose database file is read-only (its folder writable): a refused change
names the file and the fix, on the command line and through the core, instead of
SQLite's bare "attempt to write a readonly database" ("its file or folder is read-only",
no path). Permission bits do not stop root, so as root the child process runs without
the capability that overrides them (setpriv, util-linux)."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from llmvis_desktop.core.project import Project

REPO = Path(__file__).resolve().parents[2]


def _unprivileged(cmd: list[str]) -> list[str]:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *cmd]
    return cmd


def _run(args: list[str]) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run(_unprivileged([sys.executable, *args]), capture_output=True, text=True, env=env,
                          timeout=120)


def _read_only_project(png_folder: Path) -> Path:
    with Project.open(png_folder) as p:
        p.scan()
        p.add_label("kept")
    db = png_folder / ".llmvis" / "project.sqlite"
    db.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    return db


def test_labels_add_on_a_read_only_database_names_the_file_and_the_fix(png_folder):
    db = _read_only_project(png_folder)
    done = _run(["-c", "import sys; from llmvis_desktop.cli import main; sys.exit(main())",
                 "labels", "add", str(png_folder), "scratch"])
    assert done.returncode == 1, done
    line = done.stderr.strip().splitlines()[-1]
    assert str(db) in line and "read-only" in line and "chmod u+w" in line, done.stderr


def test_the_core_says_a_read_only_database_at_open_and_at_every_refused_change(png_folder):
    db = _read_only_project(png_folder)
    code = (
        "import json, sys\n"
        "from llmvis_desktop.core.project import Project\n"
        "from llmvis_desktop.core.store.writable import DatabaseReadOnly\n"
        "p = Project.open(sys.argv[1])\n"
        "out = {'labels': [l.name for l in p.labels()], 'at_open': p.store.read_only()}\n"
        "try:\n"
        "    p.add_label('scratch')\n"
        "except DatabaseReadOnly as exc:\n"
        "    out['refused'] = str(exc)\n"
        "p.close()\n"
        "print(json.dumps(out))\n")
    done = _run(["-c", code, str(png_folder)])
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["labels"] == ["kept"]  # it opens and reads
    assert str(db) in out["at_open"] and "chmod u+w" in out["at_open"], out
    assert out["refused"].startswith("nothing was saved: ") and str(db) in out["refused"], out


def test_a_writable_database_is_not_called_read_only(png_folder):
    with Project.open(png_folder) as p:
        assert p.store.read_only() is None


def _disk_full(monkeypatch, db):
    """The disk holding ``db`` is full: SQLite cannot make the -shm file it needs to open
    the database ("disk I/O error"), and no space is left there."""
    import shutil

    from sqlalchemy.exc import OperationalError

    from llmvis_desktop.core import open_setup

    real_usage = shutil.disk_usage

    def usage(path):
        got = real_usage(path)
        return got._replace(free=0) if os.fspath(path) == str(db.parent) else got

    def cannot_open(engine, where):
        raise OperationalError("PRAGMA journal_mode=WAL", {}, Exception("disk I/O error"))

    monkeypatch.setattr(shutil, "disk_usage", usage)
    monkeypatch.setattr(open_setup, "upgrade_to_head", cannot_open)


def test_a_project_on_a_full_disk_opens_read_only(png_folder, monkeypatch):
    """It could not be opened even to read ("cannot open the project database (disk I/O
    error)"): `llmvis info` and an export to another disk failed."""
    from llmvis_desktop.core.store.writable import DatabaseReadOnly

    with Project.open(png_folder) as p:
        p.scan()
        p.add_label("kept")
    db = png_folder / ".llmvis" / "project.sqlite"
    _disk_full(monkeypatch, db)
    with Project.open(png_folder) as p:
        assert [lab.name for lab in p.labels()] == ["kept"] and len(p.image_ids()) == 5
        assert f"the disk holding {db} is full" in p.db_note and "read-only" in p.db_note
        assert p.store.read_only() == p.db_note
        try:
            p.add_label("scratch")
        except DatabaseReadOnly as exc:
            assert f"the disk holding {db} is full" in str(exc)
        else:
            raise AssertionError("a change was accepted on a read-only database")
    assert not db.with_name(db.name + "-shm").exists()  # the read-only open made none


def test_a_full_disk_with_changes_still_in_the_log_says_the_disk_is_full(png_folder, monkeypatch):
    """Reading without the write-ahead log would miss its changes: not opened, but the
    message says why (it said "disk I/O error")."""
    import pytest

    from llmvis_desktop.core.project import ProjectError

    with Project.open(png_folder) as p:
        p.scan()
    db = png_folder / ".llmvis" / "project.sqlite"
    db.with_name(db.name + "-wal").write_bytes(b"\0" * 64)
    _disk_full(monkeypatch, db)
    with pytest.raises(ProjectError, match=f"the disk holding {db} is full"):
        Project.open(png_folder)
