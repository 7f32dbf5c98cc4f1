"""Execution rows ⇄ domain values (Core statements, like `incidents.py`). Callers own the
session and its transaction."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, select, text
from sqlalchemy import insert as insert_
from sqlalchemy import update as update_
from sqlalchemy.orm import Session

from astreinte.domain.execution.state import Execution, Preview, Status, Transition
from astreinte.domain.execution.timeline import preview_json
from astreinte.domain.runbook.model import Risk
from astreinte.storage.tables import ExecutionRow

EXECUTIONS = cast(Table, ExecutionRow.__table__)
_INSERT = insert_(EXECUTIONS).returning(EXECUTIONS.c.id)
_UPDATE = update_(EXECUTIONS).where(EXECUTIONS.c.id == bindparam("b_id"))
_GET = select(EXECUTIONS).where(EXECUTIONS.c.id == bindparam("b_id"))
_GET_LOCKED = _GET.with_for_update()
_STARTS = select(EXECUTIONS.c.started_at).where(
    EXECUTIONS.c.procedure_id == bindparam("b_procedure"),
    EXECUTIONS.c.step_id == bindparam("b_step"),
    EXECUTIONS.c.target == bindparam("b_target"),
    EXECUTIONS.c.started_at >= bindparam("b_since"),
)


def insert(session: Session, execution: Execution) -> Execution:
    """Store a new execution; returns it with its id."""
    new_id = session.execute(_INSERT, _values(execution)).scalar_one()
    return replace(execution, id=int(new_id))


def update(session: Session, execution: Execution) -> None:
    session.execute(_UPDATE, {**_values(execution), "b_id": execution.id})


def get(session: Session, execution_id: int, *, lock: bool = False) -> Execution | None:
    row = session.execute(_GET_LOCKED if lock else _GET, {"b_id": execution_id}).one_or_none()
    return None if row is None else _execution(row)


def for_incident(session: Session, incident_id: int) -> list[Execution]:
    rows = session.execute(
        select(EXECUTIONS).where(EXECUTIONS.c.incident_id == incident_id).order_by(EXECUTIONS.c.id)
    )
    return [_execution(row) for row in rows]


def starts(
    session: Session, *, procedure_id: str, step_id: str, target: str, since: datetime
) -> list[datetime]:
    """When the runs of this step on this target started, since `since` (for the rate limit)."""
    found = session.execute(
        _STARTS,
        {"b_procedure": procedure_id, "b_step": step_id, "b_target": target, "b_since": since},
    )
    return [value for (value,) in found if value is not None]


def lock_step(session: Session, *, procedure_id: str, step_id: str, target: str) -> None:
    """Serialise the rate-limit check of one step on one target until the transaction ends.

    PostgreSQL: a transaction-scoped advisory lock on the key's hash (two incidents' approvals
    of the same step would otherwise both see one run fewer). SQLite: the write transaction
    already holds the database's only write lock."""
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"{procedure_id}\x00{step_id}\x00{target}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _values(execution: Execution) -> dict[str, Any]:
    preview = execution.preview
    return {
        "incident_id": execution.incident_id,
        "procedure_id": execution.procedure_id,
        "step_id": execution.step_id,
        "section": execution.section,
        "command": execution.command,
        "command_sha256": execution.command_sha256,
        "workdir": preview.workdir,
        "target": execution.target,
        "risk": execution.risk.value,
        "sensitive": execution.sensitive,
        "status": execution.status.value,
        "requested_by": execution.requested_by,
        "requested_at": execution.requested_at,
        "approved_by": execution.approved_by,
        "approved_at": execution.approved_at,
        "started_at": execution.started_at,
        "finished_at": execution.finished_at,
        "exit_code": execution.exit_code,
        "output": execution.output,
        "truncated": execution.truncated,
        "reason": execution.reason,
        "preview": preview_json(preview),
        "values_used": dict(preview.values),
        "condition": preview.condition,
        "history": [
            {"status": t.status.value, "by": t.by, "at": t.at.isoformat(), "note": t.note}
            for t in execution.history
        ],
    }


def _preview(data: dict[str, Any], row: Row[Any]) -> Preview:
    return Preview(
        command=str(data.get("command", row.command)),
        target=str(data.get("target", row.target)),
        effect=tuple(data.get("effect", ())),
        risk=Risk(data.get("risk", row.risk)),
        sensitive=bool(data.get("sensitive", row.sensitive)),
        approval=bool(data.get("approval", False)),
        workdir=row.workdir,
        values=dict(row.values_used),
        environment=tuple(data.get("environment", ())),
        condition=row.condition,
    )


def _execution(row: Row[Any]) -> Execution:
    return Execution(
        id=row.id,
        incident_id=row.incident_id,
        procedure_id=row.procedure_id,
        step_id=row.step_id,
        section=row.section,
        command=row.command,
        command_sha256=row.command_sha256,
        target=row.target,
        risk=Risk(row.risk),
        sensitive=row.sensitive,
        status=Status(row.status),
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        preview=_preview(dict(row.preview), row),
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        exit_code=row.exit_code,
        output=row.output,
        truncated=row.truncated,
        reason=row.reason,
        history=tuple(
            Transition(Status(t["status"]), t["by"], datetime.fromisoformat(t["at"]), t.get("note"))
            for t in row.history
        ),
    )
