"""What the matcher indexes, one row per procedure, written with the runbook on import.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

Keeping the index entries beside the runbook means a match loads one table instead of rebuilding
every runbook's object graph, and an import keeps them up to date in its own transaction.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "match_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("runbook_id", sa.String(length=100), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("procedure_key", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.Text(), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["runbook_id"],
            ["runbooks.id"],
            name=op.f("fk_match_entries_runbook_id_runbooks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_entries")),
    )
    op.create_index(op.f("ix_match_entries_runbook_id"), "match_entries", ["runbook_id"])


def downgrade() -> None:
    op.drop_table("match_entries")
