"""A PostgreSQL role that must give its password (the tests' server trusts every other
connection): a line for it alone put first in the server's pg_hba.conf, taken out after."""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest


@contextmanager
def password_role(server, url: str, password: str):
    """(the URL of ``url``'s database as a new role, without its password)."""
    import psycopg

    admin = server.admin_url.replace("postgresql+psycopg://", "postgresql://", 1)
    role = "llmvis_pw_" + uuid.uuid4().hex[:8]
    db = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as conn:
        hba = Path(conn.execute("SHOW hba_file").fetchone()[0])
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
        conn.execute(f'GRANT ALL ON DATABASE "{db}" TO {role}')
        conn.execute(f'ALTER DATABASE "{db}" OWNER TO {role}')
    try:
        before = hba.read_text()
    except OSError as exc:  # a server named by LLMVIS_TEST_PG_URL whose files are elsewhere
        pytest.skip(f"the server's pg_hba.conf cannot be changed here: {exc}")
    lines = f"local all {role} scram-sha-256\nhost all {role} all scram-sha-256\n"
    hba.write_text(lines + before)
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("SELECT pg_reload_conf()")
        parts = urlsplit(url)
        netloc = role + "@" + parts.netloc.rpartition("@")[2]
        yield urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    finally:
        hba.write_text(hba.read_text().replace(lines, "", 1))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("SELECT pg_reload_conf()")
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1), autocommit=True) as conn:
            conn.execute(f"REASSIGN OWNED BY {role} TO CURRENT_USER")  # (the database too)
            conn.execute(f"DROP OWNED BY {role}")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP ROLE {role}")
