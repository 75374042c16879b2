"""images: a half-reviewed image keeps its label's queue score

Up to 0012 ``images.max_score`` (the sorts "score" and "uncertainty") was the best
pending label card's score, else the best of the other pending cards: a label card
accepted or rejected with the mouse, its caption still pending, made the caption's score
(0.045, a mean token probability) the image's, and the image jumped ahead of every image
nobody had looked at; every card decided (the image not marked reviewed) it had no score
and went last. From 0013 an image with no label card pending keeps the best score of its
label cards a reviewer decided (``repo_suggest.queue_score``); existing rows are computed
again here.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    images = sa.table("images", sa.column("id", sa.Integer), sa.column("max_score", sa.Float))
    sg = sa.table("suggestions", sa.column("image_id", sa.Integer), sa.column("kind", sa.String),
                  sa.column("score", sa.Float), sa.column("outcome", sa.String))
    pending = sg.c.outcome == "pending"
    label = sg.c.kind == "label"
    best = (sa.select(sa.func.coalesce(
                sa.func.max(sa.case((sa.and_(label, pending), sg.c.score))),
                sa.func.max(sa.case((sa.and_(label, sg.c.outcome.in_(("accepted", "edited", "rejected"))),
                                     sg.c.score))),
                sa.func.max(sa.case((pending, sg.c.score)))))
            .where(sg.c.image_id == images.c.id, sg.c.outcome != "withdrawn")
            .scalar_subquery())
    # the images with a score, and those with a decided label card (every card decided,
    # the image had none): the others have no card that gives one (NULL, and it stays)
    decided = (sa.select(sg.c.image_id).where(label, sg.c.outcome.in_(("accepted", "edited", "rejected")),
                                              sg.c.score.is_not(None)))
    op.execute(images.update().where(sa.or_(images.c.max_score.is_not(None), images.c.id.in_(decided)))
               .values(max_score=best))


def downgrade() -> None:
    pass  # 0012 reads the column as it is: the next suggestion on an image recomputes it
