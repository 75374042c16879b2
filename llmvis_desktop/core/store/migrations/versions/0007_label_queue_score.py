"""images: the review queue's score is the best pending LABEL card's

Up to 0006 ``images.max_score`` (the sorts "score" and "uncertainty") was the best
score of every pending card, captions and answers included: a retrieved caption's
similarity (0.9) put an image whose label guess was 0.12 at the end of the review
queue. From 0007 it is the best pending label card's score, or, with no scored label
card, the best of its other cards (``repo_suggest.queue_score``); existing rows are
computed again here.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    images = sa.table("images", sa.column("id", sa.Integer), sa.column("max_score", sa.Float))
    sg = sa.table("suggestions", sa.column("image_id", sa.Integer), sa.column("kind", sa.String),
                  sa.column("score", sa.Float), sa.column("outcome", sa.String))
    best = (sa.select(sa.func.coalesce(sa.func.max(sa.case((sg.c.kind == "label", sg.c.score))),
                                       sa.func.max(sg.c.score)))
            .where(sg.c.image_id == images.c.id, sg.c.outcome == "pending")
            .scalar_subquery())
    # only images with a score can change (no pending card: NULL already)
    op.execute(images.update().where(images.c.max_score.is_not(None)).values(max_score=best))


def downgrade() -> None:
    pass  # 0006 reads the column as it is: the next suggestion on an image recomputes it
