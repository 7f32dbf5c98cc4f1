"""The runbook catalogue: runbooks, procedures, sections, code blocks and lines, and the document's
severity scale, escalation contacts, checklists, templates, metrics, links, fallbacks, diagnostics.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

A frozen snapshot of `storage/tables.py` at this revision: it uses plain SQLAlchemy types so that
later changes to the application code cannot change what this revision creates.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

RUNBOOK_ID = sa.String(length=100)
ENUM = sa.String(length=16)


def _pk(table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}"))


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def _owned_by_runbook(table: str, *columns: sa.Column[Any]) -> None:
    """A table whose rows belong to one runbook, in document order."""
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("runbook_id", RUNBOOK_ID, nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        *columns,
        _fk(table, "runbook_id", "runbooks"),
        _pk(table),
    )
    op.create_index(op.f(f"ix_{table}_runbook_id"), table, ["runbook_id"])


def upgrade() -> None:
    op.create_table(
        "runbooks",
        sa.Column("id", RUNBOOK_ID, nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("encoding_repaired", sa.Boolean(), nullable=False),
        sa.Column("encoding_method", sa.Text(), nullable=False),
        sa.Column("encoding_lossy", sa.JSON(), nullable=False),
        sa.Column("encoding_source_replacements", sa.Integer(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _pk("runbooks"),
        sa.UniqueConstraint("path", name=op.f("uq_runbooks_path")),
    )
    _owned_by_runbook(
        "severity_levels",
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("level", ENUM, nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("response_minutes", sa.Integer(), nullable=True),
        sa.Column("resolution_minutes", sa.Integer(), nullable=True),
        sa.Column("examples", sa.JSON(), nullable=False),
    )
    op.create_table(
        "procedures",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("runbook_id", RUNBOOK_ID, nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("kind", ENUM, nullable=False),
        sa.Column("severity", sa.Text(), nullable=True),
        sa.Column("level", ENUM, nullable=True),
        sa.Column("severity_source", sa.Text(), nullable=True),
        sa.Column("marker", sa.Text(), nullable=True),
        sa.Column("response_minutes", sa.Integer(), nullable=True),
        sa.Column("resolution_minutes", sa.Integer(), nullable=True),
        sa.Column("parent", sa.Text(), nullable=True),
        sa.Column("line_start", sa.Integer(), nullable=False),
        sa.Column("line_end", sa.Integer(), nullable=False),
        sa.Column("estimated_times", sa.JSON(), nullable=False),
        sa.Column("backup_verdict", ENUM, nullable=True),
        sa.Column("backup_reason", sa.Text(), nullable=True),
        sa.Column("backup_conditions", sa.JSON(), nullable=True),
        _fk("procedures", "runbook_id", "runbooks"),
        _pk("procedures"),
    )
    op.create_index(op.f("ix_procedures_runbook_id"), "procedures", ["runbook_id"])
    op.create_table(
        "sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Text(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("kind", ENUM, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("branches", sa.JSON(), nullable=False),
        _fk("sections", "procedure_id", "procedures"),
        _pk("sections"),
    )
    op.create_index(op.f("ix_sections_procedure_id"), "sections", ["procedure_id"])
    op.create_table(
        "code_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("runbook_id", RUNBOOK_ID, nullable=True),
        sa.Column("section_id", sa.Integer(), nullable=True),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("lang", sa.Text(), nullable=True),
        sa.Column("line_start", sa.Integer(), nullable=False),
        sa.Column("line_end", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(runbook_id IS NULL) <> (section_id IS NULL)", name=op.f("ck_code_blocks_one_owner")
        ),
        _fk("code_blocks", "runbook_id", "runbooks"),
        _fk("code_blocks", "section_id", "sections"),
        _pk("code_blocks"),
    )
    op.create_index(op.f("ix_code_blocks_runbook_id"), "code_blocks", ["runbook_id"])
    op.create_index(op.f("ix_code_blocks_section_id"), "code_blocks", ["section_id"])
    op.create_table(
        "code_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("block_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("line_end", sa.Integer(), nullable=False),
        sa.Column("kind", ENUM, nullable=False),
        sa.Column("risk", ENUM, nullable=True),
        sa.Column("sensitive", sa.Boolean(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=True),
        _fk("code_lines", "block_id", "code_blocks"),
        _pk("code_lines"),
    )
    op.create_index(op.f("ix_code_lines_block_id"), "code_lines", ["block_id"])
    _owned_by_runbook(
        "checklists",
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
    )
    _owned_by_runbook(
        "escalation_contacts",
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("response_minutes", sa.Integer(), nullable=True),
        sa.Column("placeholder", sa.Boolean(), nullable=False),
        sa.Column("condition", sa.Text(), nullable=True),
    )
    _owned_by_runbook(
        "templates",
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
    )
    _owned_by_runbook(
        "metrics",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("current", sa.Text(), nullable=True),
    )
    _owned_by_runbook(
        "links",
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
    )
    _owned_by_runbook(
        "fallbacks",
        sa.Column("primary", sa.Text(), nullable=False),
        sa.Column("fallbacks", sa.JSON(), nullable=False),
    )
    _owned_by_runbook(
        "diagnostics",
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "diagnostics",
        "fallbacks",
        "links",
        "metrics",
        "templates",
        "escalation_contacts",
        "checklists",
        "code_lines",
        "code_blocks",
        "sections",
        "procedures",
        "severity_levels",
        "runbooks",
    ):
        op.drop_table(table)
