"""images.caption_folded, images.relpath_folded: the text search's folded copies

SQLite's text search folded every row's caption and path through a Python function
(``instr(llmvis_fold(caption), llmvis_fold(text))``): 0.2-0.9 s a query at 100k images.
``caption_folded`` and ``relpath_folded`` hold ``fold()`` of each (``store/fold.py``: NFC,
then casefold), written with the column, and the search compares them with ``instr``:
the same matches. (PostgreSQL keeps its own SQL and does not read them; they are written
there too.) Existing rows are computed here: on SQLite in one UPDATE through the Python
function, on PostgreSQL COPYed into a temporary table and set in one UPDATE joined on the id.

The columns are added only where missing and filled only where ``relpath_folded`` is NULL
(every row has a path), so a database put back to an older revision by hand (a test, a
restored backup of alembic_version) upgrades again.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

from llmvis_desktop.core.store.fold import fold

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BATCH = 5000
SQLITE_FUNCTION = "llmvis_fold_0012"
TEMP_TABLE = "llmvis_folded_0012"
COLUMNS = ("caption_folded", "relpath_folded")


def upgrade() -> None:
    bind = op.get_bind()
    have = {c["name"] for c in sa.inspect(bind).get_columns("images")}
    for name in COLUMNS:
        if name not in have:
            op.add_column("images", sa.Column(name, sa.Text, nullable=True))
    backfill(bind)


def backfill(bind, copy: bool = True) -> int:
    """Fold caption and relpath where relpath_folded is NULL; returns how many rows.
    ``copy=False``: not through psycopg's COPY even where it has it (what another
    PostgreSQL driver gets)."""
    if bind.dialect.name == "sqlite":
        raw = bind.connection.driver_connection
        raw.create_function(SQLITE_FUNCTION, 1, fold, deterministic=True)
        return bind.exec_driver_sql(
            f"UPDATE images SET caption_folded = {SQLITE_FUNCTION}(caption), "
            f"relpath_folded = {SQLITE_FUNCTION}(relpath) WHERE relpath_folded IS NULL").rowcount
    images = sa.table("images", sa.column("id", sa.Integer), sa.column("relpath", sa.Text),
                      sa.column("caption", sa.Text), sa.column("caption_folded", sa.Text),
                      sa.column("relpath_folded", sa.Text))
    rows = bind.execute(sa.select(images.c.id, images.c.caption, images.c.relpath)
                        .where(images.c.relpath_folded.is_(None))).all()
    if not rows:
        return 0
    cursor = bind.connection.driver_connection.cursor()
    try:
        if copy and hasattr(cursor, "copy"):  # psycopg 3: COPYed to a temporary table, one UPDATE
            cursor.execute(f"CREATE TEMPORARY TABLE {TEMP_TABLE} (id integer PRIMARY KEY, c text, r text) "
                           "ON COMMIT DROP")
            with cursor.copy(f"COPY {TEMP_TABLE} (id, c, r) FROM STDIN") as copy:
                for i, caption, rel in rows:
                    copy.write_row((i, fold(caption), fold(rel)))
            cursor.execute(f"UPDATE images SET caption_folded = t.c, relpath_folded = t.r "
                           f"FROM {TEMP_TABLE} t WHERE images.id = t.id")
            cursor.execute(f"DROP TABLE {TEMP_TABLE}")
            return len(rows)
    finally:
        cursor.close()
    for start in range(0, len(rows), BATCH):  # another driver: executemany by id
        bind.execute(images.update().where(images.c.id == sa.bindparam("b_id"))
                     .values(caption_folded=sa.bindparam("b_c"), relpath_folded=sa.bindparam("b_r")),
                     [{"b_id": i, "b_c": fold(caption), "b_r": fold(rel)} for i, caption, rel in rows[start:start + BATCH]])
    return len(rows)


def downgrade() -> None:
    for name in reversed(COLUMNS):
        if op.get_bind().dialect.name == "sqlite":  # 3.35+ drops a column in place (as 0011)
            op.execute(f"ALTER TABLE images DROP COLUMN {name}")
        else:
            op.drop_column("images", name)
