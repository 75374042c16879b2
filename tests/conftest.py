"""Shared by every test folder: Qt runs offscreen, set before any QApplication exists.

tests/qt/conftest.py sets it as well, but a run of tests/core alone never loads that
file, and the one core test that renders a widget (test_hevalmem_wording's dashboard)
aborted the whole run there ("could not connect to display")."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

CORE_TESTS = Path(__file__).resolve().parent / "core"


@pytest.fixture(scope="session")
def pg_server():
    """One PostgreSQL server for the whole run, core and Qt tests alike
    (tests/core/pg.py ``private_server``): starting one takes ~5 s and stopping it ~3 s,
    and each Qt module that needed one started its own. Tests never share a database
    (``pg_url``: a fresh one per test)."""
    if str(CORE_TESTS) not in sys.path:
        sys.path.insert(0, str(CORE_TESTS))
    import pg  # tests/core/pg.py

    with pg.private_server() as server:
        yield server


@pytest.fixture
def pg_url(pg_server):
    """A fresh PostgreSQL database for one test (SQLAlchemy URL), dropped afterwards."""
    url = pg_server.create_database()
    yield url
    pg_server.drop_database(url)


def pytest_configure(config):
    config.addinivalue_line("markers", "real_migrations: a new database runs every Alembic "
                            "revision, not the session's replayed schema (tests/schema_replay.py)")


@pytest.fixture(autouse=True)
def _fresh_schema_replayed(request):
    """A new SQLite or PostgreSQL database gets the schema the real migrations made for
    the session's first one, replayed (tests/schema_replay.py: ~50 ms saved an open); a
    module marked ``real_migrations`` runs them all each time."""
    if request.node.get_closest_marker("real_migrations"):
        yield
        return
    import schema_replay

    with pytest.MonkeyPatch.context() as mp:
        schema_replay.install(mp)
        yield
