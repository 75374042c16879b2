"""A new folder's first open reads the packaged revision scripts once (Alembic execs
each of them to read it): it read them for the head's name, then the upgrade read them
all again (~15-35 ms an open, paid by every new project, and by every test that makes one).
A database from a newer version is still refused, naming both revisions."""
from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import migrate
from llmvis_desktop.core.store.engine import make_engine

# what Alembic reads at a new folder's open is the point here: no replayed schema
# (tests/schema_replay.py)
pytestmark = pytest.mark.real_migrations


@pytest.fixture
def reads(monkeypatch):
    """How many times the revision scripts were read (a ScriptDirectory loaded)."""
    seen = []
    real = ScriptDirectory._load_revisions

    def counting(self):
        seen.append(1)
        return real(self)

    monkeypatch.setattr(ScriptDirectory, "_load_revisions", counting)
    return seen


def test_a_new_folders_open_reads_the_revision_scripts_once(png_folder, reads):
    with Project.open(png_folder) as p:
        p.scan()
        assert len(p.image_ids()) == 5
    assert len(reads) == 1
    engine = make_engine(f"sqlite:///{png_folder / '.llmvis' / 'project.sqlite'}")
    try:
        assert migrate.current_revision(engine) == migrate.HEAD_REVISION
    finally:
        engine.dispose()
    with Project.open(png_folder):  # made: no script read at all
        pass
    assert len(reads) == 1
    # a database of a newer version: still refused, naming both revisions
    db = png_folder / ".llmvis" / "project.sqlite"
    engine = make_engine(f"sqlite:///{db}")
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        with pytest.raises(migrate.SchemaError, match=r"newer version.*'9999'.*knows up to '"
                           + migrate.HEAD_REVISION + "'"):
            migrate.upgrade_to_head(engine, str(db))
    finally:
        engine.dispose()
