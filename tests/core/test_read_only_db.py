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
