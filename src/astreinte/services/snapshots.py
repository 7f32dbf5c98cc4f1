"""Parsed procedures and runbook shells, kept in memory per runbook version.

A runbook's stored content only changes on import, which changes its content hash; the parsed
values are immutable. Opening an incident needs its procedure and its runbook's scale, contacts,
checklists and templates: read from the database, that is a dozen queries; from here, one small
query for the hashes, once per transaction (`repo.catalogue_version`). Several processes stay
correct because the hashes are read by each transaction.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from astreinte.domain.runbook.model import Runbook
from astreinte.storage import repo
from astreinte.storage.repo import StoredProcedure
from astreinte.storage.tables import ProcedureRow, RunbookRow

T = TypeVar("T")
_SIZE = 512
_lock = threading.Lock()
_procedures: OrderedDict[tuple[str, str], StoredProcedure] = OrderedDict()
_shells: OrderedDict[tuple[str, str], Runbook] = OrderedDict()


def _remember(cache: OrderedDict[tuple[str, str], T], key: tuple[str, str], value: T) -> None:
    with _lock:
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > _SIZE:
            cache.popitem(last=False)


def procedure(
    session: Session, procedure_id: str, *, runbook_id: str | None = None
) -> StoredProcedure | None:
    """The stored procedure `procedure_id` (None when it does not exist); `runbook_id`, when
    the caller knows it (a match result does), saves a query."""
    version = repo.catalogue_version(session).get(runbook_id) if runbook_id else None
    if version is None:
        version = session.execute(
            select(RunbookRow.content_sha256)
            .join(ProcedureRow, ProcedureRow.runbook_id == RunbookRow.id)
            .where(ProcedureRow.id == procedure_id)
        ).scalar_one_or_none()
    if version is None:
        return None
    key = (procedure_id, version)
    with _lock:
        found = _procedures.get(key)
    if found is None:
        found = repo.get_procedure(session, procedure_id)
        if found is None:
            return None
        if runbook_id is not None and found.runbook_id != runbook_id:
            return None  # the caller's runbook was wrong: nothing cached under its version
        _remember(_procedures, key, found)
    return found if runbook_id is None or found.runbook_id == runbook_id else None


def runbook_shell(session: Session, runbook_id: str) -> Runbook | None:
    """The runbook without its procedures (see `repo.load_runbook_shell`)."""
    version = repo.catalogue_version(session).get(runbook_id)
    if version is None:
        return None
    key = (runbook_id, version)
    with _lock:
        found = _shells.get(key)
    if found is None:
        found = repo.load_runbook_shell(session, runbook_id)
        if found is None:
            return None
        _remember(_shells, key, found)
    return found
