"""Incident rows ⇄ domain values, the sealed timeline, checklists, follow-ups and the outbox.

Writers load an incident with `lock=True`: PostgreSQL then holds its row (`SELECT … FOR UPDATE`,
or `SKIP LOCKED` for workers, which move on to another incident), SQLite already holds the
database's write lock (see `db.for_update`). The row's `version` column is checked on every
update as well, so a write based on a stale read fails instead of overwriting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Row, Table, bindparam, func, select
from sqlalchemy import insert as insert_
from sqlalchemy import update as update_
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from astreinte.domain.incident.checklist import IncidentChecklist, Item, Phase
from astreinte.domain.incident.escalation import Policy, Target, Tier
from astreinte.domain.incident.model import (
    OPEN,
    Incident,
    Postmortem,
    ProcedureRef,
    SlaTerms,
    Status,
)
from astreinte.domain.incident.timeline import (
    GENESIS,
    Event,
    EventKind,
    JsonValue,
    SealedEvent,
    seal,
)
from astreinte.domain.runbook.model import Level
from astreinte.storage.tables import (
    ChecklistItemRow,
    FollowUpRow,
    IncidentRow,
    TimelineEventRow,
)

# Incidents and their timelines are read and written as plain rows (Core), not ORM objects:
# an incident changes several times in one alert payload's transaction, and ORM instances
# cost more than the statements (and would go stale in the identity map between them).
INCIDENTS = cast(Table, IncidentRow.__table__)
TIMELINE = cast(Table, TimelineEventRow.__table__)
CHECKLIST_ITEMS = cast(Table, ChecklistItemRow.__table__)
# Built once: the column values go in as parameters, so each write reuses the compiled form.
_INSERT_INCIDENT = insert_(INCIDENTS).returning(INCIDENTS.c.id)
_UPDATE_INCIDENT = update_(INCIDENTS).where(
    INCIDENTS.c.id == bindparam("b_id"), INCIDENTS.c.version == bindparam("b_version")
)
_INSERT_EVENTS = insert_(TIMELINE)
_GET = select(INCIDENTS).where(INCIDENTS.c.id == bindparam("b_id"))
_GET_LOCKED = _GET.with_for_update()
_GET_SKIP_LOCKED = _GET.with_for_update(skip_locked=True)
_INSERT_CHECKLIST_ITEMS = insert_(CHECKLIST_ITEMS)


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    """An incident with the bookkeeping stored beside it."""

    incident: Incident
    language: str = "en"
    fired_alarms: tuple[str, ...] = ()
    policy: Policy | None = None
    escalation_step: int = -1
    next_due_at: datetime | None = None
    postmortem: Postmortem = field(default_factory=Postmortem)
    event_count: int = 0
    last_hash: str = GENESIS
    version: int = 0

    @property
    def id(self) -> int:
        return self.incident.id


# --- incidents -------------------------------------------------------------------------------


def insert(session: Session, record: IncidentRecord) -> IncidentRecord:
    """Store a new incident (its id is assigned here) and return it with that id."""
    values = {**_values(record), "event_count": 0, "last_hash": GENESIS, "version": 1}
    new_id = session.execute(_INSERT_INCIDENT, values).scalar_one()
    return replace(record, incident=replace(record.incident, id=int(new_id)), version=1)


def get(
    session: Session, incident_id: int, *, lock: bool = False, skip_locked: bool = False
) -> IncidentRecord | None:
    query = _GET_SKIP_LOCKED if skip_locked else _GET_LOCKED if lock else _GET
    row = session.execute(query, {"b_id": incident_id}).one_or_none()
    return None if row is None else _record(row)


def latest_open(
    session: Session, *, procedure_id: str, service: str | None, since: datetime
) -> int | None:
    """The newest open incident of this procedure and service opened since `since` (what a
    new alert joins)."""
    statement = _LATEST_OPEN_OF_SERVICE if service else _LATEST_OPEN_WITHOUT_SERVICE
    found = session.execute(
        statement, {"b_procedure": procedure_id, "b_since": since, "b_service": service}
    ).scalar()
    return None if found is None else int(found)


_LATEST_OPEN = (
    select(INCIDENTS.c.id)
    .where(
        INCIDENTS.c.procedure_id == bindparam("b_procedure"),
        INCIDENTS.c.status.in_([s.value for s in OPEN]),
        INCIDENTS.c.opened_at >= bindparam("b_since"),
    )
    .order_by(INCIDENTS.c.id.desc())
    .limit(1)
)
_LATEST_OPEN_OF_SERVICE = _LATEST_OPEN.where(INCIDENTS.c.service == bindparam("b_service"))
_LATEST_OPEN_WITHOUT_SERVICE = _LATEST_OPEN.where(INCIDENTS.c.service.is_(None))


def update(session: Session, record: IncidentRecord) -> IncidentRecord:
    """Write the record back if nobody changed it since it was read (its version): a lost race
    raises StaleDataError, which the transaction turns into a Conflict."""
    values = {**_values(record), "version": record.version + 1}
    done = session.execute(
        _UPDATE_INCIDENT, {**values, "b_id": record.id, "b_version": record.version}
    )
    if cast(CursorResult[Any], done).rowcount != 1:
        raise StaleDataError(
            f"incident {record.id} changed (or vanished) since version {record.version} was read"
        )
    return replace(record, version=record.version + 1)


def append(
    session: Session, record: IncidentRecord, events: Sequence[Event]
) -> tuple[IncidentRecord, list[SealedEvent]]:
    """Seal `events` after the incident's last one and store them (one statement); returns the
    record with its new chain head (not yet written: pass it to `update`)."""
    sealed: list[SealedEvent] = []
    head, count = record.last_hash, record.event_count
    for event in events:
        count += 1
        item = seal(record.id, count, event, head)
        sealed.append(item)
        head = item.hash
    if sealed:
        session.execute(
            _INSERT_EVENTS,
            [
                {
                    "incident_id": record.id,
                    "seq": item.seq,
                    "at": item.event.at,
                    "kind": str(item.event.kind),
                    "actor": item.event.actor,
                    "text": item.event.text,
                    "data": dict(item.event.data),
                    "prev_hash": item.prev_hash,
                    "hash": item.hash,
                }
                for item in sealed
            ],
        )
    return replace(record, last_hash=head, event_count=count), sealed


def timeline(session: Session, incident_id: int) -> list[SealedEvent]:
    rows = session.execute(
        select(TIMELINE).where(TIMELINE.c.incident_id == incident_id).order_by(TIMELINE.c.seq)
    )
    return [_sealed(row) for row in rows]


def list_records(
    session: Session, *, status: Sequence[Status] = (), limit: int = 100, offset: int = 0
) -> list[IncidentRecord]:
    query = select(INCIDENTS).order_by(INCIDENTS.c.id.desc()).limit(limit).offset(offset)
    if status:
        query = query.where(INCIDENTS.c.status.in_([str(s) for s in status]))
    return [_record(row) for row in session.execute(query)]


def all_incidents(session: Session) -> list[Incident]:
    return [_record(row).incident for row in session.execute(select(INCIDENTS))]


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(IncidentRow)) or 0)


def due_ids(session: Session, *, now: datetime, limit: int) -> list[int]:
    """Incidents with an SLA alarm or an escalation step due at `now`, most overdue first."""
    query = (
        select(IncidentRow.id)
        .where(IncidentRow.next_due_at.is_not(None), IncidentRow.next_due_at <= now)
        .order_by(IncidentRow.next_due_at)
        .limit(limit)
    )
    return list(session.scalars(query))


def heads(session: Session) -> list[tuple[int, str]]:
    """Every incident's id and the hash of its last event, for `audit verify`."""
    rows = session.execute(select(IncidentRow.id, IncidentRow.last_hash).order_by(IncidentRow.id))
    return [(int(i), str(h)) for i, h in rows]


def orphan_incident_ids(session: Session) -> list[int]:
    """Incident ids that have timeline events but no incident row (a deleted incident)."""
    query = (
        select(TimelineEventRow.incident_id)
        .where(~TimelineEventRow.incident_id.in_(select(IncidentRow.id)))
        .distinct()
    )
    return [int(i) for i in session.scalars(query)]


def _values(record: IncidentRecord) -> dict[str, Any]:
    """The incident's columns (all but id and version)."""
    incident = record.incident
    procedure = incident.procedure
    return {
        "title": incident.title,
        "description": incident.description,
        "service": incident.service,
        "severity": incident.severity,
        "level": incident.level.value if incident.level else None,
        "language": record.language,
        "procedure_id": procedure.id if procedure else None,
        "procedure_title": procedure.title if procedure else None,
        "procedure_source": procedure.source if procedure else None,
        "runbook_id": procedure.runbook_id if procedure else None,
        "status": incident.status.value,
        "opened_at": incident.opened_at,
        "opened_by": incident.opened_by,
        "acknowledged_at": incident.acknowledged_at,
        "mitigated_at": incident.mitigated_at,
        "resolved_at": incident.resolved_at,
        "closed_at": incident.closed_at,
        "reopened_at": incident.reopened_at,
        "reopen_count": incident.reopen_count,
        "respond_minutes": incident.sla.respond_minutes,
        "resolve_minutes": incident.sla.resolve_minutes,
        "sla_source": incident.sla.source,
        "respond_by": incident.respond_by,
        "resolve_by": incident.resolve_by,
        "fired_alarms": list(record.fired_alarms),
        "escalation_policy": _policy_json(record.policy),
        "escalation_step": record.escalation_step,
        "next_due_at": record.next_due_at,
        "impact": record.postmortem.impact,
        "root_cause": record.postmortem.root_cause,
        "resolution": record.postmortem.resolution,
        "lessons": record.postmortem.lessons,
        "event_count": record.event_count,
        "last_hash": record.last_hash,
    }


def _record(row: Row[Any]) -> IncidentRecord:
    procedure = (
        ProcedureRef(
            id=row.procedure_id,
            title=row.procedure_title or "",
            source=row.procedure_source or "",
            runbook_id=row.runbook_id or "",
        )
        if row.procedure_id
        else None
    )
    incident = Incident(
        id=row.id,
        title=row.title,
        status=Status(row.status),
        opened_at=row.opened_at,
        opened_by=row.opened_by,
        description=row.description,
        service=row.service,
        severity=row.severity,
        level=Level(row.level) if row.level else None,
        procedure=procedure,
        sla=SlaTerms(row.respond_minutes, row.resolve_minutes, row.sla_source),
        acknowledged_at=row.acknowledged_at,
        mitigated_at=row.mitigated_at,
        resolved_at=row.resolved_at,
        closed_at=row.closed_at,
        reopened_at=row.reopened_at,
        reopen_count=row.reopen_count,
    )
    return IncidentRecord(
        incident=incident,
        language=row.language,
        fired_alarms=tuple(row.fired_alarms),
        policy=_policy(row.escalation_policy),
        escalation_step=row.escalation_step,
        next_due_at=row.next_due_at,
        postmortem=Postmortem(row.impact, row.root_cause, row.resolution, row.lessons),
        event_count=row.event_count,
        last_hash=row.last_hash,
        version=row.version,
    )


def _policy_json(policy: Policy | None) -> dict[str, Any] | None:
    if policy is None:
        return None
    return {
        "source": policy.source,
        "rounds": policy.rounds,
        "tiers": [
            {
                "number": tier.number,
                "wait_minutes": tier.wait_minutes,
                "targets": [
                    {
                        "role": t.role,
                        "contact": t.contact,
                        "placeholder": t.placeholder,
                        "condition": t.condition,
                    }
                    for t in tier.targets
                ],
            }
            for tier in policy.tiers
        ],
    }


def _policy(data: dict[str, Any] | None) -> Policy | None:
    if not data:
        return None
    return Policy(
        tiers=tuple(
            Tier(
                number=int(tier["number"]),
                wait_minutes=int(tier["wait_minutes"]),
                targets=tuple(
                    Target(t["role"], t["contact"], bool(t["placeholder"]), t.get("condition"))
                    for t in tier["targets"]
                ),
            )
            for tier in data["tiers"]
        ),
        rounds=int(data["rounds"]),
        source=str(data["source"]),
    )


def _sealed(row: Row[Any]) -> SealedEvent:
    data: dict[str, JsonValue] = dict(row.data)
    event = Event(row.at, EventKind(row.kind), row.actor, row.text, data)
    return SealedEvent(row.incident_id, row.seq, event, row.prev_hash, row.hash)


# --- checklists and follow-ups ---------------------------------------------------------------


def insert_checklists(
    session: Session, incident_id: int, checklists: Sequence[IncidentChecklist]
) -> None:
    insert_checklists_after(session, incident_id, checklists, start=0)


def insert_checklists_after(
    session: Session, incident_id: int, checklists: Sequence[IncidentChecklist], *, start: int
) -> None:
    """Add checklists numbered from `start` (after the ones the incident already has)."""
    rows = [
        {
            "incident_id": incident_id,
            "checklist": number,
            "title": checklist.title,
            "phase": checklist.phase.value,
            "ordinal": ordinal,
            "text": item.text,
            "done": item.done,
            "done_by": item.by,
            "done_at": item.at,
        }
        for number, checklist in enumerate(checklists, start=start)
        for ordinal, item in enumerate(checklist.items)
    ]
    if rows:
        session.execute(_INSERT_CHECKLIST_ITEMS, rows)


def checklists(session: Session, incident_id: int) -> list[IncidentChecklist]:
    rows = session.scalars(
        select(ChecklistItemRow)
        .where(ChecklistItemRow.incident_id == incident_id)
        .order_by(ChecklistItemRow.checklist, ChecklistItemRow.ordinal)
    )
    found: dict[int, tuple[str, Phase, list[Item]]] = {}
    for row in rows:
        entry = found.setdefault(row.checklist, (row.title, Phase(row.phase), []))
        entry[2].append(Item(row.text, row.done, row.done_by, row.done_at))
    return [IncidentChecklist(t, p, tuple(items)) for t, p, items in found.values()]


def set_item(session: Session, incident_id: int, checklist: int, ordinal: int, item: Item) -> None:
    row = session.scalars(
        select(ChecklistItemRow).where(
            ChecklistItemRow.incident_id == incident_id,
            ChecklistItemRow.checklist == checklist,
            ChecklistItemRow.ordinal == ordinal,
        )
    ).one()
    row.done, row.done_by, row.done_at = item.done, item.by, item.at


@dataclass(frozen=True, slots=True)
class FollowUp:
    id: int
    text: str
    owner: str | None
    done: bool
    created_at: datetime
    created_by: str
    done_at: datetime | None


def add_follow_up(
    session: Session, incident_id: int, *, text: str, owner: str | None, by: str, at: datetime
) -> FollowUp:
    row = FollowUpRow(
        incident_id=incident_id,
        text=text,
        owner=owner,
        done=False,
        created_at=at,
        created_by=by,
        done_at=None,
    )
    session.add(row)
    session.flush()
    return _follow_up(row)


def set_follow_up(
    session: Session, incident_id: int, follow_up_id: int, *, done: bool, at: datetime
) -> FollowUp | None:
    row = session.get(FollowUpRow, follow_up_id)
    if row is None or row.incident_id != incident_id:
        return None
    row.done, row.done_at = done, at if done else None
    return _follow_up(row)


def follow_ups(session: Session, incident_id: int) -> list[FollowUp]:
    rows = session.scalars(
        select(FollowUpRow).where(FollowUpRow.incident_id == incident_id).order_by(FollowUpRow.id)
    )
    return [_follow_up(row) for row in rows]


def _follow_up(row: FollowUpRow) -> FollowUp:
    return FollowUp(
        row.id, row.text, row.owner, row.done, row.created_at, row.created_by, row.done_at
    )
