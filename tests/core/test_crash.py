"""A process killed with SIGKILL mid-index loses nothing committed; the next run finishes."""
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from PIL import Image

from llmvis_desktop.core.project import Project

N_FILES = 6000


@pytest.fixture(scope="module")
def big_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("big")
    buf = Image.new("L", (4, 3), 7)
    for d in range(20):
        sub = root / f"d{d:02d}"
        sub.mkdir()
        for i in range(N_FILES // 20):
            buf.save(sub / f"{i:04d}.png")
    return root


def _count(db, sql):
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute(sql).fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def _kill_when(folder, sql, low, high):
    db = folder / ".llmvis" / "project.sqlite"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "llmvis_desktop.cli", "index", str(folder), "--quiet", "--batch", "300"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    n = 0
    while time.monotonic() < deadline and proc.poll() is None:
        n = _count(db, sql) if db.exists() else 0
        if low <= n < high:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    proc.wait(timeout=30)
    return proc.returncode, n


@pytest.mark.parametrize("phase", ["listing", "headers"])
def test_sigkill_mid_index_loses_nothing(big_folder, tmp_path, phase):
    import shutil

    folder = tmp_path / "copy"
    shutil.copytree(big_folder, folder)
    if phase == "listing":
        rc, n = _kill_when(folder, "SELECT count(*) FROM images", 1, N_FILES)
    else:
        rc, n = _kill_when(folder, "SELECT count(*) FROM images WHERE header_done", 1, N_FILES)
    assert rc == -signal.SIGKILL, f"the indexer finished before it could be killed ({phase}, {n})"
    with Project.open(folder) as p:
        with p.store.read() as s:
            from sqlalchemy import text

            assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        assert p.count() >= n  # everything committed before the kill is there
        p.index()
        info = p.info()
        assert info["images"] == N_FILES
        assert info["headers_pending"] == 0
        assert info["by_status"]["new"] == N_FILES
