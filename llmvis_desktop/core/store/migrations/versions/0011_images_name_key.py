"""images.name_key: the Name sort's natural order, in an index

The grid's Name sort ordered by the relative path's bytes: ``B.png`` before ``a.png``,
``img10.png`` before ``img2.png``, ``Äpfel`` after ``zebra``. ``name_key`` (see
``store/name_key.py``) is a text whose bytewise order is the natural, case- and
accent-insensitive order; it is written with every relpath and indexed with the id
(the sort's tie-break). The column is "C"-collated on PostgreSQL, so a server made with a
glibc locale compares it bytewise too. Existing rows are computed here: on SQLite in one
UPDATE through a Python function, on PostgreSQL COPYed into a temporary table and set in
one UPDATE joined on the id.

The column is added only where missing and filled only where NULL, so a database put back
to an older revision by hand (a test, a restored backup of alembic_version) upgrades again.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

from llmvis_desktop.core.store.models import NAME_KEY_TYPE
from llmvis_desktop.core.store.name_key import name_key

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BATCH = 5000
SQLITE_FUNCTION = "llmvis_name_key_0011"
TEMP_TABLE = "llmvis_name_keys_0011"


def upgrade() -> None:
    bind = op.get_bind()
    if "name_key" not in {c["name"] for c in sa.inspect(bind).get_columns("images")}:
        op.add_column("images", sa.Column("name_key", NAME_KEY_TYPE, nullable=True))
    backfill(bind)
    op.create_index("ix_images_name_key", "images", ["name_key", "id"], if_not_exists=True)


def backfill(bind, copy: bool = True) -> int:
    """Compute name_key where it is NULL; returns how many rows. ``copy=False``: not through
    psycopg's COPY even where it has it (what another PostgreSQL driver gets)."""
    if bind.dialect.name == "sqlite":
        raw = bind.connection.driver_connection
        raw.create_function(SQLITE_FUNCTION, 1, name_key, deterministic=True)
        return bind.exec_driver_sql(
            f"UPDATE images SET name_key = {SQLITE_FUNCTION}(relpath) WHERE name_key IS NULL").rowcount
    images = sa.table("images", sa.column("id", sa.Integer), sa.column("relpath", sa.Text),
                      sa.column("name_key", sa.Text))
    rows = bind.execute(sa.select(images.c.id, images.c.relpath).where(images.c.name_key.is_(None))).all()
    if not rows:
        return 0
    cursor = bind.connection.driver_connection.cursor()
    try:
        if copy and hasattr(cursor, "copy"):  # psycopg 3: the keys COPYed to a temporary table, one UPDATE
            # (an UPDATE .. FROM VALUES per 5,000 rows took 22 s for 100k rows; this takes ~2)
            cursor.execute(f"CREATE TEMPORARY TABLE {TEMP_TABLE} (id integer PRIMARY KEY, k text) ON COMMIT DROP")
            with cursor.copy(f"COPY {TEMP_TABLE} (id, k) FROM STDIN") as copy:
                for i, rel in rows:
                    copy.write_row((i, name_key(rel)))
            cursor.execute(f"UPDATE images SET name_key = t.k FROM {TEMP_TABLE} t WHERE images.id = t.id")
            cursor.execute(f"DROP TABLE {TEMP_TABLE}")
            return len(rows)
    finally:
        cursor.close()
    for start in range(0, len(rows), BATCH):  # another driver: executemany by id
        bind.execute(images.update().where(images.c.id == sa.bindparam("b_id")).values(name_key=sa.bindparam("b_key")),
                     [{"b_id": i, "b_key": name_key(rel)} for i, rel in rows[start:start + BATCH]])
    return len(rows)


def downgrade() -> None:
    op.drop_index("ix_images_name_key", table_name="images")
    if op.get_bind().dialect.name == "sqlite":  # 3.35+ drops a column in place; a batch copy
        # of the table (DROP TABLE images) failed on the history's foreign keys
        op.execute("ALTER TABLE images DROP COLUMN name_key")
    else:
        op.drop_column("images", "name_key")
