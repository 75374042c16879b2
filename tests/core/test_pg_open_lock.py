"""Opening a team project on PostgreSQL without the open lock's own connection
(core/open_setup.py): a made project of this version is seen in one statement, without
the lock; anything to set up still goes under the lock, so two people opening an old
project at once take turns and only the first migrates."""
from __future__ import annotations

import threading

import pytest
from alembic import command
from PIL import Image
from sqlalchemy import text

from llmvis_desktop.core import open_setup
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import migrate
from llmvis_desktop.core.store.engine import make_engine


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "imgs"
    root.mkdir()
    for i in range(3):
        Image.new("L", (4, 4), i).save(root / f"i{i}.png")
    return root


def _revision(url):
    engine = make_engine(url)
    try:
        return migrate.current_revision(engine)
    finally:
        engine.dispose()


def test_two_people_opening_an_old_project_at_once_migrate_it_once(folder, pg_url, monkeypatch):
    with Project.open(folder, pg_url) as p:
        p.index()
        p.set_caption(p.image_ids()[0], "kept", "alice")
    migrate.downgrade(pg_url, "0013")  # a project of the version before
    assert _revision(pg_url) == "0013"
    # both find it old before either takes the lock
    both_looked, real_ready = threading.Barrier(2, timeout=30), open_setup._ready
    monkeypatch.setattr(open_setup, "_ready", lambda store: (real_ready(store), both_looked.wait())[0])
    migrations, real_upgrade = [], command.upgrade
    monkeypatch.setattr(command, "upgrade", lambda *a, **k: (migrations.append(1), real_upgrade(*a, **k))[1])
    opened = []

    def open_it():
        try:
            with Project.open(folder, pg_url) as p:
                opened.append(p.image(p.image_ids()[0]).caption)
        except Exception as exc:
            opened.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert opened == ["kept", "kept"]
    assert migrations == [1]
    assert _revision(pg_url) == migrate.HEAD_REVISION


def test_a_made_project_is_opened_without_the_open_lock(folder, pg_url):
    """Another's set-up holding the open lock (another database of the server being made,
    say) does not hold up the open of a made project: it is not taken."""
    with Project.open(folder, pg_url) as p:
        p.index()
    engine = make_engine(pg_url)
    try:
        with engine.connect() as holder:
            holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": migrate.PG_OPEN_LOCK})
            holder.commit()
            with Project.open(folder, pg_url) as p:
                assert len(p.image_ids()) == 3
            holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": migrate.PG_OPEN_LOCK})
            holder.commit()
    finally:
        engine.dispose()


@pytest.mark.parametrize("state", ["new", "no project row", "foreign tables"])
def test_anything_to_set_up_goes_under_the_lock(folder, pg_url, state, monkeypatch):
    """A new database, a schema without its project row, another program's tables: the
    one-statement look finds nothing ready, and the open goes the old way, the lock taken."""
    taken = []
    real_lock = open_setup.open_lock

    def lock(engine):
        taken.append(1)
        return real_lock(engine)

    if state != "new":
        engine = make_engine(pg_url)
        with engine.begin() as conn:
            if state == "foreign tables":
                conn.execute(text("CREATE TABLE invoices (id int)"))
        engine.dispose()
        if state == "no project row":
            with Project.open(folder, pg_url):
                pass
            engine = make_engine(pg_url)
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM project"))
            engine.dispose()
    monkeypatch.setattr(open_setup, "open_lock", lock)
    if state == "foreign tables":
        with pytest.raises(Exception, match="not written by llmvis_desktop"):
            Project.open(folder, pg_url)
    else:
        with Project.open(folder, pg_url) as p:
            assert p.settings() is not None
    assert taken == [1]
