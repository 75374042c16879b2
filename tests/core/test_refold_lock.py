"""The re-fold at open (store/refold.py) in the lock order of every other writer, and an
open whose re-fold is refused.

Before: the re-fold locked the project row, then the image rows it re-folded; a label
rename (the taxonomy lock, the images carrying the label, then the project row to mark the
names changed) and a header pass (images, then the project row) lock the other way round.
On PostgreSQL the two crossed: deadlock detected, and the teammate's rename was thrown
away. An open whose re-fold waited for a teammate's lock stalled for the 15 s lock timeout
and said why only in a log line in the driver's words.

A newer Python's Unicode is simulated as in test_refold.py: the version says "99.0" and
fold() folds a private-use character to "e"."""
from __future__ import annotations

import logging
import sqlite3
import threading

import psycopg
import pytest
from PIL import Image
from sqlalchemy import event
from sqlalchemy.engine import Engine

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import fold as fold_mod
from llmvis_desktop.core.store import refold
from llmvis_desktop.core.store import repo_headers as rh
from llmvis_desktop.core.store import repo_labels as rl
from llmvis_desktop.core.store.taxonomy_lock import TAXONOMY_LOCK
from pg import _libpq_url

NEW_CHAR = "\ue000"
OLD_FOLD = fold_mod.fold
OLD_VERSION = refold.unicode_version()


def _new_fold(value):
    folded = OLD_FOLD(value)
    return folded.replace(NEW_CHAR, "e") if isinstance(folded, str) else folded


def _newer_python(monkeypatch):
    monkeypatch.setattr(fold_mod, "fold", _new_fold)
    monkeypatch.setattr(refold, "unicode_version", lambda: "99.0")


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "imgs"
    root.mkdir()
    for i in range(3):
        Image.new("L", (4, 4), i).save(root / f"caf{NEW_CHAR}{i}.png")  # paths the new tables fold otherwise
    return root


class _OpenReachedItsLock:
    """Set once the thread ``thread`` (an open) has sent its re-fold's first locking
    statement and had its answer (the project row's lock before; the taxonomy's now)."""

    def __init__(self) -> None:
        self.event, self.thread = threading.Event(), None

    def __call__(self, conn, cursor, statement, *_):
        if threading.current_thread() is self.thread and (
                "FOR UPDATE" in statement or "advisory_xact_lock" in statement):
            self.event.set()


def _run(threads):
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
        assert not t.is_alive()


def _race(monkeypatch, folder, pg_url, caplog, first_half, second_half):
    """``first_half(alice)`` locks some rows in a transaction of alice's, then
    ``second_half`` (called in it) waits until an open by a newer Python has sent its
    re-fold's first lock, and goes on. What each thread raised, and the open's note."""
    alice = Project.open(folder, pg_url)
    _newer_python(monkeypatch)
    reached = _OpenReachedItsLock()
    event.listen(Engine, "after_cursor_execute", reached)
    out, ready = {}, threading.Event()

    def wait_for_the_open(*a, **k):
        ready.set()
        assert reached.event.wait(30), "the open never reached its re-fold's lock"
        return second_half(*a, **k)

    def teammate():
        try:
            first_half(alice, wait_for_the_open)
            out["teammate"] = "done"
        except Exception as exc:
            out["teammate"] = exc

    def opener():
        assert ready.wait(30)
        try:
            with caplog.at_level(logging.WARNING), Project.open(folder, pg_url) as p:
                out["open"] = p.db_note
        except Exception as exc:
            out["open"] = exc

    t_open = threading.Thread(target=opener)
    reached.thread = t_open
    try:
        _run([threading.Thread(target=teammate), t_open])
    finally:
        event.remove(Engine, "after_cursor_execute", reached)
    return alice, out


def _no_deadlock(out, caplog):
    assert out["teammate"] == "done", out["teammate"]
    assert not isinstance(out["open"], Exception), out["open"]
    said = " ".join([str(out["open"])] + [r.getMessage() for r in caplog.records])
    assert "deadlock" not in said.lower(), said


def _refolded_by_next_open(folder, pg_url, note):
    """The re-fold done by the open, or (it was refused: said in its note) by the next."""
    if note is not None:
        assert "next open" in note, note
    with Project.open(folder, pg_url) as p:
        assert p.settings()[refold.KEY] == "99.0"
        assert p.db_note is None


def test_a_rename_and_the_opens_refold_take_turns(monkeypatch, folder, pg_url, caplog):
    """Alice renames a label carried by images whose copies a newer Python re-folds as it
    opens the project: her rename holds the taxonomy and those images when the open
    starts its re-fold. Before: the open locked the project row, the rename waited for
    it, the re-fold for her images: deadlock, her rename thrown away."""
    with Project.open(folder, pg_url) as p:
        p.index()
        p.add_label("dent")
        for i in p.image_ids():
            ra.toggle_label(p, i, "dent", "alice", on=True)

    def rename(alice, then):
        monkeypatch.setattr(rl, "mark_names_changed", then)
        alice.update_label("dent", new_name="dent2", actor="alice")

    from llmvis_desktop.core.store.taxonomy_changed import mark_names_changed
    alice, out = _race(monkeypatch, folder, pg_url, caplog, rename, mark_names_changed)
    try:
        _no_deadlock(out, caplog)
        assert [lbl.name for lbl in alice.labels()] == ["dent2"]
        assert {r.labels for r in alice.images(alice.image_ids())} == {("dent2",)}
    finally:
        alice.close()
    _refolded_by_next_open(folder, pg_url, out["open"])


def test_a_header_pass_and_the_opens_refold_take_turns(monkeypatch, folder, pg_url, caplog):
    """A header pass stores the headers of images being re-folded (their rows locked),
    then records the pixel limit (the project row) as an open re-folds. Before: the same
    crossing as a rename's."""
    with Project.open(folder, pg_url) as p:
        p.scan()

    def headers(alice, then):
        with alice.store.write() as s:
            rh.store_headers(s, [{"id": i, "width": 4, "height": 4, "format": "PNG", "bit_depth": 8, "frames": 1}
                                 for i in alice.image_ids()], [])
            then(s)

    alice, out = _race(monkeypatch, folder, pg_url, caplog, headers,
                       lambda s: rh.remember_header_limit(s, 1000))
    try:
        _no_deadlock(out, caplog)
        assert alice.settings()[rh.HEADER_LIMIT_KEY] == 1000
    finally:
        alice.close()
    _refolded_by_next_open(folder, pg_url, out["open"])


@pytest.fixture
def teammate_holding(folder, db_url):
    """The project (copies folded by this Python) and a function holding, in another
    connection, what a teammate's change holds: the taxonomy lock (a rename, on
    PostgreSQL: ``llmvis [rename] bob``), the write lock (SQLite: another program writing)."""
    with Project.open(folder, db_url) as p:
        p.index()
        url = p.db_url
    held = []

    def hold():
        if url.startswith("sqlite"):
            conn = sqlite3.connect(url[len("sqlite:///"):], isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")
        else:
            conn = psycopg.connect(_libpq_url(url), application_name="llmvis [rename] bob")
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (TAXONOMY_LOCK,))
        held.append(conn)

    def release():
        while held:
            conn = held.pop()
            conn.rollback()
            conn.close()

    yield url, hold, release
    release()


def test_an_open_whose_refold_is_refused_opens_and_says_so(monkeypatch, folder, teammate_holding):
    """A teammate's change holds what the re-fold needs past its short wait: the project
    opens (no 15 s stall), its note says the search was not brought up to this Python's
    Unicode and that the next open does it; the next open does."""
    url, hold, release = teammate_holding
    hold()
    _newer_python(monkeypatch)
    with Project.open(folder, url) as p:
        note = p.db_note or ""
        assert "Unicode 99.0" in note and "next open" in note, note
        assert p.settings()[refold.KEY] == OLD_VERSION
        if p.store.dialect == "postgresql":
            assert "bob is renaming a label" in note, note
            assert "nothing was changed" not in note, note  # (the rename's refusal's words)
        assert len(p.image_ids()) == 3
    release()
    _refolded_by_next_open(folder, url, None)
