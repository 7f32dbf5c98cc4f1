"""Notification routing: why a notification took its channel, its SMS form, the contact's next
channels, and the incident's fields for machine receivers.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _columns() -> list[sa.Column[object]]:
    # Nullable: rows queued before this revision have none of them and are delivered as they were.
    return [
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("short_body", sa.Text(), nullable=True),
        sa.Column("next_addresses", sa.JSON(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
    ]


def upgrade() -> None:
    for column in _columns():
        op.add_column("outbox", column)


def downgrade() -> None:
    # SQLite drops a column by copying the table: batch mode does it on both backends.
    with op.batch_alter_table("outbox") as batch:
        for column in reversed(_columns()):
            batch.drop_column(column.name)
