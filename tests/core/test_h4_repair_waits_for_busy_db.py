"""A repair saved into a project (``llmvis repair apply``, the repair dialog's Accept)
whose record found the project database held by another process past the busy timeout
(a teammate's long import, a backup tool, an sqlite3 shell with a transaction open)
stopped with "the project database X is busy" and took its files back. Given a token, it
now waits as the index and the suggestion jobs do (core/store/db_wait.py): says so
(``Progress.waiting``, stage "repair", naming the database), and records the repair once
the lock is released: the output's folder indexed (its transactions), then one transaction
holding the repair row, its event and the closing of an earlier repair of the same file.
A cancel while it waits stops it within about a second: the output and its mask taken
back, or (its row not removable while the lock is held) its pending marker kept for the
next scan to settle. The lock is held by a real other process (db_holder)."""
from __future__ import annotations

import json

import os
import sqlite3
import threading
import time

import numpy as np
import pytest
from db_holder import Holder, cli_while_held, release_at_third_wait, waiting
from PIL import Image

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.repair.apply import repair_file
from llmvis_desktop.core.store import engine as eng
from llmvis_desktop.core.tasks import Cancelled, CancelToken


@pytest.fixture
def root(tmp_path, monkeypatch):
    root = tmp_path / "proj"
    (root / "cam").mkdir(parents=True)
    rng = np.random.default_rng(5)
    Image.fromarray(rng.integers(0, 255, (24, 32, 3), dtype=np.uint8)).save(root / "cam" / "a.png")
    m = np.zeros((24, 32), np.uint8)
    m[8:14, 10:20] = 255
    Image.fromarray(m).save(tmp_path / "mask.png")
    with Project.open(root) as p:
        p.index()
    monkeypatch.setattr(eng, "SQLITE_BUSY_TIMEOUT_MS", 200)  # (the setting: 15 s)
    return root


def _db(root):
    return root.resolve() / ".llmvis" / "project.sqlite"


def _mask():
    m = np.zeros((24, 32), bool)
    m[8:14, 10:20] = True
    return m


def _files(root) -> list[str]:
    """Every file under the project but its database, markers and temporaries included."""
    return sorted(f.relative_to(root).as_posix() for f in root.rglob("*") if f.is_file() and ".llmvis" not in f.parts)


def _state(root):
    """(repairs as (id, output_path, linked), image relpaths), the database checked whole,
    no event written twice."""
    conn = sqlite3.connect(_db(root))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        twice = conn.execute("SELECT image_id, action, COUNT(*) FROM events GROUP BY image_id, action, before, "
                             "after HAVING COUNT(*) > 1").fetchall()
        assert twice == []
        repairs = conn.execute("SELECT id, output_path, unlinked_at IS NULL FROM repairs ORDER BY id").fetchall()
        images = sorted(r[0] for r in conn.execute("SELECT relpath FROM images"))
        return repairs, images
    finally:
        conn.close()


OUT = "cam/repaired/a.repaired.png"
MASK = "cam/repaired/.masks/a.repaired.mask.png"


def test_a_repair_waits_for_a_database_held_from_the_start_then_is_recorded_once(root):
    seen: list = []
    holder = Holder(_db(root))
    try:
        with Project.open(root) as p:
            res = repair_file(root / "cam" / "a.png", _mask(), method="telea", project=p, actor="tester",
                              token=CancelToken(), progress=release_at_third_wait(holder, seen))
    finally:
        holder.release()
    waits = [q for q in seen if waiting(q)]
    assert len(waits) >= 3 and all(q.stage == "repair" for q in waits)
    assert waits[0].message.endswith(f" so far) for the project database {_db(root)}: another process is writing "
                                     f"to it; the job goes on when it is free"), waits[0].message
    over = [q for q in seen if not waiting(q)]
    assert over and all(q.waited_s > 0 for q in over) and over[0].message.startswith(
        f"the project database {_db(root)} is free again")
    assert res.waited_s == pytest.approx(sum(q.waited_s for q in over)) and res.waited_s > 0
    repairs, images = _state(root)
    assert repairs == [(res.repair_id, OUT, 1)]
    assert images == ["cam/a.png", OUT]
    assert _files(root) == ["cam/a.png", MASK, OUT]  # no marker, no temporary file left
    with Project.open(root) as p:
        assert res.output_image_id == p.image_by_path(OUT).id


def test_a_replacing_repair_closes_the_earlier_one_in_its_own_record_once_the_lock_is_free(root):
    with Project.open(root) as p:
        first = repair_file(root / "cam" / "a.png", _mask(), method="telea", project=p, actor="tester")
    seen: list = []
    holder = Holder(_db(root))
    try:
        with Project.open(root) as p:
            again = repair_file(root / "cam" / "a.png", _mask(), method="ns", project=p, actor="tester",
                                out=root / OUT, overwrite=True, token=CancelToken(),
                                progress=release_at_third_wait(holder, seen))
    finally:
        holder.release()
    assert sum(1 for q in seen if waiting(q)) >= 3
    repairs, _ = _state(root)
    assert repairs == [(first.repair_id, OUT, 0), (again.repair_id, OUT, 1)]  # one linked repair per file
    conn = sqlite3.connect(_db(root))
    try:
        actions = [r[0] for r in conn.execute("SELECT action FROM events WHERE action IN ('repair', 'unrepair') "
                                              "ORDER BY id")]
    finally:
        conn.close()
    assert actions == ["repair", "unrepair", "repair"]


def _cancel_on_first_wait(token: CancelToken, seen: list, cancelled_at: list):
    timers: list = []

    def cancel():
        cancelled_at.append(time.monotonic())
        token.cancel()

    def progress(p):
        seen.append(p)
        if waiting(p) and not timers:
            timers.append(threading.Timer(1.2, cancel))  # (from another thread, as the window's Cancel)
            timers[0].start()
    return progress


def test_a_cancel_while_the_record_waits_stops_promptly_and_takes_the_save_back(root):
    token, seen, cancelled_at = CancelToken(), [], []
    with Holder(_db(root)), Project.open(root) as p:
        with pytest.raises(Cancelled):
            repair_file(root / "cam" / "a.png", _mask(), method="telea", project=p, actor="tester", token=token,
                        progress=_cancel_on_first_wait(token, seen, cancelled_at))
        stopped = time.monotonic()
    assert cancelled_at and stopped - cancelled_at[0] < 3.0  # a try waits 1 s for the lock
    assert _files(root) == ["cam/a.png"]  # the output and its mask taken back, no marker left
    assert _state(root) == ([], ["cam/a.png"])
    with Project.open(root) as p:  # a repair again takes the same name: nothing was left under it
        res = repair_file(root / "cam" / "a.png", _mask(), method="telea", project=p, actor="tester")
    assert res.output_path == root / OUT and _state(root)[0] == [(res.repair_id, OUT, 1)]


def test_a_cancel_after_the_output_was_indexed_leaves_its_marker_for_the_next_scan_to_settle(root, monkeypatch):
    """The lock taken once the output's folder is indexed (its row made): the record waits;
    a cancel then deletes the files, but the row cannot be removed while the lock is held,
    so the marker stays; the next scan once this process is gone removes the row."""
    holders: list = []
    real = Project.scan_folder

    def scan_folder(self, *a, **k):
        result = real(self, *a, **k)
        if not holders:
            holders.append(Holder(_db(root)))
        return result

    monkeypatch.setattr(Project, "scan_folder", scan_folder)
    token, seen, cancelled_at = CancelToken(), [], []
    try:
        with Project.open(root) as p:
            with pytest.raises(Cancelled):
                repair_file(root / "cam" / "a.png", _mask(), method="telea", project=p, actor="tester", token=token,
                            progress=_cancel_on_first_wait(token, seen, cancelled_at))
            stopped = time.monotonic()
    finally:
        for h in holders:
            h.release()
    assert holders and cancelled_at and stopped - cancelled_at[0] < 4.0  # (and the take-back's 1 s try)
    left = _files(root)
    markers = [f for f in left if f.endswith(".repairing")]
    assert [f for f in left if f not in markers] == ["cam/a.png"] and len(markers) == 1
    assert _state(root) == ([], ["cam/a.png", OUT])  # the row, with no file: left for the marker's settling
    marker = root / markers[0]
    # as if this process had ended: the marker of a process that is gone (the holder's)
    dead = marker.with_name(marker.name.replace(f".{os.getpid()}@", f".{holders[0].proc.pid}@"))
    marker.rename(dead)
    monkeypatch.setattr(Project, "scan_folder", real)
    with Project.open(root) as p:
        p.index()
    assert _files(root) == ["cam/a.png"]
    assert _state(root) == ([], ["cam/a.png"])


def test_the_cli_repair_says_it_waits_for_the_database_it_names_then_records_the_repair(root, capsys, monkeypatch):
    db = _db(root)
    cli_while_held(["repair", "apply", str(root / "cam" / "a.png"), "--mask", str(root.parent / "mask.png"),
                            "--method", "telea"], db, monkeypatch, stage="repair")
    out = capsys.readouterr().out
    assert out.startswith(f"repaired {root / 'cam' / 'a.png'} -> ") and "recorded in" in out
    repairs, images = _state(root)
    assert [r[1:] for r in repairs] == [(OUT, 1)] and images == ["cam/a.png", OUT]


def test_the_cli_repair_json_names_its_wait_in_notes(root, capsys, monkeypatch):
    """`repair apply --json` said the wait only on stderr: its object had no "notes" (as
    `llmvis index --json` has), so a script reading stdout never knew."""
    db = _db(root)
    cli_while_held(["repair", "apply", str(root / "cam" / "a.png"), "--mask", str(root.parent / "mask.png"),
                    "--method", "telea", "--json"], db, monkeypatch, stage="repair")
    done = json.loads(capsys.readouterr().out)
    assert len(done["notes"]) == 1 and done["notes"][0].startswith("the job waited "), done
    assert done["notes"][0].endswith(f" in all for the project database {db}, which another writer held")
