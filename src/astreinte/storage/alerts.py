"""Alert and silence rows ⇄ domain values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Row, Table, bindparam, select
from sqlalchemy import insert as insert_
from sqlalchemy import update as update_
from sqlalchemy.orm import Session

from astreinte.domain.alert import Alert, AlertStatus
from astreinte.domain.incident.timeline import JsonValue
from astreinte.domain.silence import Matcher, Silence
from astreinte.storage.tables import AlertRow, SilenceRow

# Alerts are read and written as plain rows (Core): a payload writes one per alert, and ORM
# instances would cost more than the statements.
ALERTS = cast(Table, AlertRow.__table__)
_INSERT = insert_(ALERTS).returning(ALERTS.c.id)  # the values go in as parameters
_UPDATE = update_(ALERTS).where(ALERTS.c.id == bindparam("b_id"))


@dataclass(frozen=True, slots=True)
class StoredAlert:
    id: int
    alert: Alert
    first_seen_at: datetime
    last_seen_at: datetime
    repeats: int = 0
    changes: tuple[datetime, ...] = field(default_factory=tuple)
    flapping: bool = False
    silence_id: int | None = None
    incident_id: int | None = None

    @property
    def open(self) -> bool:
        return self.alert.status is not AlertStatus.RESOLVED


def latest_of(session: Session, source: str, fingerprints: Sequence[str]) -> dict[str, StoredAlert]:
    """The most recent alert of each of these identities (one source's fingerprints: a
    payload's alerts), locked for the caller's transaction."""
    found: dict[str, StoredAlert] = {}
    unique = list(dict.fromkeys(fingerprints))
    for start in range(0, len(unique), 500):  # bounded IN lists
        rows = session.execute(
            select(ALERTS)
            .where(ALERTS.c.source == source, ALERTS.c.fingerprint.in_(unique[start : start + 500]))
            .order_by(ALERTS.c.id)
            .with_for_update()
        )
        for row in rows:  # by id: the last one of each fingerprint stays
            found[row.fingerprint] = _stored(row)
    return found


def insert(session: Session, stored: StoredAlert) -> StoredAlert:
    new_id = session.execute(_INSERT, _values(stored)).scalar_one()
    return replace(stored, id=int(new_id))


def update(session: Session, stored: StoredAlert) -> None:
    done = session.execute(update_(ALERTS).where(ALERTS.c.id == stored.id).values(_values(stored)))
    if cast(CursorResult[Any], done).rowcount != 1:
        raise LookupError(f"alert {stored.id} vanished during the transaction")


def for_incident(session: Session, incident_id: int) -> list[StoredAlert]:
    rows = session.execute(
        select(ALERTS).where(ALERTS.c.incident_id == incident_id).order_by(ALERTS.c.id)
    )
    return [_stored(row) for row in rows]


def list_alerts(
    session: Session, *, status: AlertStatus | None = None, limit: int = 100, offset: int = 0
) -> list[StoredAlert]:
    query = select(ALERTS).order_by(ALERTS.c.id.desc()).limit(limit).offset(offset)
    if status is not None:
        query = query.where(ALERTS.c.status == status.value)
    return [_stored(row) for row in session.execute(query)]


def _values(stored: StoredAlert) -> dict[str, Any]:
    alert = stored.alert
    return {
        "source": alert.source,
        "fingerprint": alert.fingerprint,
        "status": alert.status.value,
        "title": alert.title,
        "description": alert.description,
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
        "service": alert.service,
        "severity": alert.severity,
        "starts_at": alert.starts_at,
        "ends_at": alert.ends_at,
        "url": alert.url,
        "group_key": alert.group_key,
        "first_seen_at": stored.first_seen_at,
        "last_seen_at": stored.last_seen_at,
        "repeats": stored.repeats,
        "changes": [at.isoformat() for at in stored.changes],
        "flapping": stored.flapping,
        "silence_id": stored.silence_id,
        "incident_id": stored.incident_id,
        "raw": dict(alert.raw),
    }


def _stored(row: Row[Any]) -> StoredAlert:
    raw: dict[str, JsonValue] = dict(row.raw)
    alert = Alert(
        source=row.source,
        fingerprint=row.fingerprint,
        status=AlertStatus(row.status),
        title=row.title,
        description=row.description,
        labels=dict(row.labels),
        annotations=dict(row.annotations),
        service=row.service,
        severity=row.severity,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        url=row.url,
        group_key=row.group_key,
        raw=raw,
    )
    return StoredAlert(
        id=row.id,
        alert=alert,
        first_seen_at=row.first_seen_at,
        last_seen_at=row.last_seen_at,
        repeats=row.repeats,
        changes=tuple(datetime.fromisoformat(at) for at in row.changes),
        flapping=row.flapping,
        silence_id=row.silence_id,
        incident_id=row.incident_id,
    )


# --- silences --------------------------------------------------------------------------------


def insert_silence(
    session: Session,
    *,
    matchers: tuple[Matcher, ...],
    starts_at: datetime,
    ends_at: datetime,
    created_by: str,
    comment: str,
    now: datetime,
) -> Silence:
    row = SilenceRow(
        matchers=[_matcher_json(m) for m in matchers],
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=created_by,
        comment=comment,
        created_at=now,
        expired_at=None,
    )
    session.add(row)
    session.flush()
    return _silence(row)


def silences(session: Session, *, include_expired: bool = False, now: datetime) -> list[Silence]:
    query = select(SilenceRow).order_by(SilenceRow.id)
    if not include_expired:
        query = query.where(SilenceRow.ends_at > now, SilenceRow.expired_at.is_(None))
    return [_silence(row) for row in session.scalars(query)]


def expire_silence(session: Session, silence_id: int, *, now: datetime) -> Silence | None:
    row = session.get(SilenceRow, silence_id)
    if row is None:
        return None
    if row.expired_at is None:
        row.expired_at = now
    return _silence(row)


def _matcher_json(matcher: Matcher) -> dict[str, Any]:
    return {
        "name": matcher.name,
        "value": matcher.value,
        "regex": matcher.regex,
        "equal": matcher.equal,
    }


def _silence(row: SilenceRow) -> Silence:
    return Silence(
        id=row.id,
        matchers=tuple(
            Matcher(str(m["name"]), str(m["value"]), bool(m["regex"]), bool(m["equal"]))
            for m in row.matchers
        ),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        created_by=row.created_by,
        comment=row.comment,
        expired_at=row.expired_at,
    )
