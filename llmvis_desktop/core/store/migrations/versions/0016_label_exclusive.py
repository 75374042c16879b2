"""labels: ``exclusive``, a label that cannot share an image with any other

A team's "ok" or "normal" means nothing is wrong; up to 0015 an image could end up
with "nodule, normal" (Enter accepting both cards, key 1 then key 2). From 0016 a label
marked exclusive takes every other label off the image it is put on, and any other
label put on takes it off (``store/exclusive.py``). Existing labels are not exclusive
(false): nothing on any image changes at the upgrade.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # made only where missing (a database put back to an older revision by hand upgrades again)
    if "exclusive" not in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("labels")}:
        op.add_column("labels", sa.Column("exclusive", sa.Boolean(), nullable=False,
                                          server_default=sa.false()))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # in place, as 0015 (a batch copy of the table
        # fails on the foreign keys that point at it)
        op.execute("ALTER TABLE labels DROP COLUMN exclusive")
    else:
        op.drop_column("labels", "exclusive")
