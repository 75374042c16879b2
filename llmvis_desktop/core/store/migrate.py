"""Apply the packaged Alembic revisions at open; refuse databases from the future."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The newest revision shipped (a test checks it against the scripts): when a database
# is already there, opening it needs no Alembic import at all.
HEAD_REVISION = "0004"


class SchemaError(Exception):
    """The database cannot be used by this version; it was left untouched."""


def _config():
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def script_directory():
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config())


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        try:
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        except (OperationalError, ProgrammingError):
            return None  # no such table: a new or foreign database
        return row[0] if row else None


def upgrade_to_head(engine: Engine, where: str) -> None:
    """Bring the schema to this version's head; refuse unknown or foreign databases."""
    rev = current_revision(engine)
    if rev == HEAD_REVISION:
        return
    from alembic import command

    scripts = script_directory()
    head = scripts.get_current_head()
    if rev is None:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        if tables:
            raise SchemaError(
                f"{where} holds tables ({', '.join(sorted(tables)[:5])}) but no llmvis schema "
                "version; it was not written by llmvis_desktop and was left untouched"
            )
    else:
        known = {s.revision for s in scripts.walk_revisions()}
        if rev not in known:
            raise SchemaError(
                f"{where} was written by a newer version of llmvis_desktop (schema revision "
                f"{rev!r}, this version knows up to {head!r}); upgrade llmvis_desktop to open it. "
                "The database was left untouched."
            )
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
