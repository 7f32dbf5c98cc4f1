"""Maintenance windows: named, planned, possibly weekly silences, in the silences table.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN on both backends (SQLite accepts NOT NULL with a default); the existing
    # rows are silences.
    op.add_column(
        "silences",
        sa.Column("kind", sa.String(length=16), nullable=False, server_default="silence"),
    )
    op.add_column("silences", sa.Column("name", sa.String(length=100), nullable=True))
    op.add_column("silences", sa.Column("recurrence", sa.JSON(), nullable=True))
    op.create_index(op.f("ix_silences_name"), "silences", ["name"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_silences_name"), table_name="silences")
    with op.batch_alter_table("silences") as batch:
        batch.drop_column("recurrence")
        batch.drop_column("name")
        batch.drop_column("kind")
