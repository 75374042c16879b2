"""initial schema: project, labels, images, image_labels, suggestions, events, repairs

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "project",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("root", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("settings_json", sa.Text, nullable=False),
    )
    op.create_table(
        "labels",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("color", sa.String(16), nullable=False),
        sa.Column("shortcut", sa.String(8), nullable=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "images",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("relpath", sa.String(2048), nullable=False, unique=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("mtime_ns", sa.BigInteger, nullable=False),
        sa.Column("width", sa.Integer, nullable=True),
        sa.Column("height", sa.Integer, nullable=True),
        sa.Column("format", sa.String(16), nullable=True),
        sa.Column("bit_depth", sa.Integer, nullable=True),
        sa.Column("frames", sa.Integer, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("review_status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("header_done", sa.Boolean, nullable=False),
        sa.Column("caption", sa.Text, nullable=True),
        sa.Column("max_score", sa.Float, nullable=True),
        sa.Column("updated_at", TS, nullable=True),
        sa.Column("updated_by", sa.String(200), nullable=True),
    )
    op.create_table(
        "image_labels",
        sa.Column("image_id", sa.Integer, sa.ForeignKey("images.id"), primary_key=True),
        sa.Column("label_id", sa.Integer, sa.ForeignKey("labels.id"), primary_key=True),
    )
    op.create_index("ix_image_labels_label_id", "image_labels", ["label_id"])
    op.create_table(
        "suggestions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("image_id", sa.Integer, sa.ForeignKey("images.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("model_id", sa.String(500), nullable=False),
        sa.Column("model_revision", sa.String(200), nullable=True),
        sa.Column("prompt", sa.Text, nullable=True),
        sa.Column("params_json", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("final_value", sa.Text, nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
    )
    op.create_index("ix_suggestions_image_id", "suggestions", ["image_id"])
    op.create_index("ix_suggestions_outcome", "suggestions", ["outcome"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("image_id", sa.Integer, sa.ForeignKey("images.id"), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("before", sa.Text, nullable=True),
        sa.Column("after", sa.Text, nullable=True),
        sa.Column("suggestion_id", sa.Integer, sa.ForeignKey("suggestions.id"), nullable=True),
    )
    op.create_index("ix_events_image_id_id", "events", ["image_id", "id"])
    op.create_table(
        "repairs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source_image_id", sa.Integer, sa.ForeignKey("images.id"), nullable=False),
        sa.Column("output_image_id", sa.Integer, sa.ForeignKey("images.id"), nullable=True),
        sa.Column("mask_path", sa.Text, nullable=False),
        sa.Column("output_path", sa.Text, nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=True),
        sa.Column("engine", sa.String(64), nullable=False),
        sa.Column("checkpoint_hash", sa.String(64), nullable=True),
        sa.Column("params_json", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=True),
    )
    op.create_index("ix_repairs_source_image_id", "repairs", ["source_image_id"])
    # History is append-only: the database itself refuses edits and deletions.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
            "BEGIN SELECT RAISE(ABORT, 'history is append-only'); END"
        )
        op.execute(
            "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
            "BEGIN SELECT RAISE(ABORT, 'history is append-only'); END"
        )
    elif op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION llmvis_events_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'history is append-only'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events "
            "FOR EACH ROW EXECUTE FUNCTION llmvis_events_append_only()"
        )


def downgrade() -> None:
    for table in ("repairs", "events", "suggestions", "image_labels", "images", "labels", "project"):
        op.drop_table(table)
