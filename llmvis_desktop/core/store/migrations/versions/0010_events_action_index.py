"""events: an index on (action, at)

The suggestion panel names the labels a learned run judged absent as they are called now,
following the label renames made since the run (``repo_labels.names_now``): it reads the
rename events after a time. With no index that read scanned the whole events table, on
the GUI thread, each time an image judged clean was shown.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_action_at", "events", ["action", "at"], if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_events_action_at", table_name="events")
