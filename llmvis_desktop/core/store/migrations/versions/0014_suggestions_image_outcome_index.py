"""suggestions: an index on (image_id, outcome), in place of the one on image_id

History is append-only: every suggest job run again over an image withdraws its pending
cards and adds new ones, so an image's rows grow with each run (100 and more, nearly all
withdrawn or decided). Up to 0013 the store found an image's pending cards through
``ix_suggestions_image_id`` (all of its rows) or, SQLite's planner choosing it for
``outcome = 'pending'`` (a 32-image batch's pending cards, the queue score), through
``ix_suggestions_outcome``: every pending card of the whole table. A suggest job's
32-image commit then read the pending and decided cards of every image in the project
(18 of 22 ms at 2k images with 100 past cards each, growing with the project).
``ix_suggestions_image_outcome`` finds an image's cards of an outcome directly; its first
column serves every read by image, so ``ix_suggestions_image_id`` goes (one index less
to write per card). Made only where missing (a database put back to 0013 by hand
upgrades again).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

INDEX = "ix_suggestions_image_outcome"
OLD = "ix_suggestions_image_id"


def _indexes() -> set[str]:
    return {ix["name"] for ix in sa.inspect(op.get_bind()).get_indexes("suggestions")}


def upgrade() -> None:
    have = _indexes()
    if INDEX not in have:
        op.create_index(INDEX, "suggestions", ["image_id", "outcome"])
    if OLD in have:
        op.drop_index(OLD, table_name="suggestions")


def downgrade() -> None:
    have = _indexes()
    if OLD not in have:
        op.create_index(OLD, "suggestions", ["image_id"])
    if INDEX in have:
        op.drop_index(INDEX, table_name="suggestions")
