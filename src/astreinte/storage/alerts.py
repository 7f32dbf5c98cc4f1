"""Alert and silence (and maintenance window) rows ⇄ domain values."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Row, Table, and_, bindparam, case, func, select, text
from sqlalchemy import insert as insert_
from sqlalchemy import update as update_
from sqlalchemy.orm import Session

from astreinte.domain.alert import Alert, AlertStatus
from astreinte.domain.incident.timeline import JsonValue
from astreinte.domain.maintenance import DAYS, Recurrence
from astreinte.domain.silence import Matcher, Silence, SilenceKind
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


# --- silences and maintenance windows ---------------------------------------------------------


def insert_silence(
    session: Session,
    *,
    matchers: tuple[Matcher, ...],
    starts_at: datetime,
    ends_at: datetime,
    created_by: str,
    comment: str,
    now: datetime,
    kind: SilenceKind = SilenceKind.SILENCE,
    name: str | None = None,
    recurrence: Recurrence | None = None,
) -> Silence:
    row = SilenceRow(
        matchers=[_matcher_json(m) for m in matchers],
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=created_by,
        comment=comment,
        created_at=now,
        expired_at=None,
        kind=kind.value,
        name=name,
        recurrence=None if recurrence is None else _recurrence_json(recurrence),
    )
    session.add(row)
    session.flush()
    return _silence(row)


def silences(session: Session, *, include_expired: bool = False, now: datetime) -> list[Silence]:
    """Silences and maintenance windows not ended at `now` (also those not started yet)."""
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


def windows(session: Session, *, now: datetime, include_ended: bool = False) -> list[Silence]:
    """Maintenance windows not ended at `now` (all of them with `include_ended`), by id."""
    query = (
        select(SilenceRow)
        .where(SilenceRow.kind == SilenceKind.MAINTENANCE.value)
        .order_by(SilenceRow.id)
    )
    if not include_ended:
        query = query.where(SilenceRow.ends_at > now, SilenceRow.expired_at.is_(None))
    return [_silence(row) for row in session.scalars(query)]


def window(session: Session, name: str, *, now: datetime, lock: bool = False) -> Silence | None:
    """The window called `name` that has not ended, else the latest one that has."""
    query = (
        select(SilenceRow)
        .where(SilenceRow.kind == SilenceKind.MAINTENANCE.value, SilenceRow.name == name)
        .order_by(
            # Not ended first (0), then the newest.
            case((and_(SilenceRow.ends_at > now, SilenceRow.expired_at.is_(None)), 0), else_=1),
            SilenceRow.id.desc(),
        )
        .limit(1)
    )
    if lock:
        query = query.with_for_update()
    row = session.scalars(query).one_or_none()
    return None if row is None else _silence(row)


def lock_window_name(session: Session, name: str) -> None:
    """Makes two transactions adding a window of the same name take turns (until commit), so
    that the second sees the first's and refuses. SQLite writers already take turns."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(
            hashlib.sha256(f"maintenance:{name}".encode()).digest()[:8], "big", signed=True
        )
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def silenced_counts(session: Session, silence_ids: Collection[int]) -> dict[int, int]:
    """How many alerts each silence has silenced (and kept): {silence id: count}."""
    if not silence_ids:
        return {}
    rows = session.execute(
        select(AlertRow.silence_id, func.count())
        .where(AlertRow.silence_id.in_(list(silence_ids)))
        .group_by(AlertRow.silence_id)
    )
    return {int(silence_id): int(count) for silence_id, count in rows if silence_id is not None}


def _matcher_json(matcher: Matcher) -> dict[str, Any]:
    return {
        "name": matcher.name,
        "value": matcher.value,
        "regex": matcher.regex,
        "equal": matcher.equal,
    }


def _recurrence_json(recurrence: Recurrence) -> dict[str, Any]:
    return {
        "days": recurrence.day_names,
        "at": f"{recurrence.at:%H:%M}",
        "minutes": int(recurrence.duration.total_seconds() // 60),
        "timezone": recurrence.timezone,
    }


def _recurrence(data: dict[str, Any] | None) -> Recurrence | None:
    if data is None:
        return None
    return Recurrence(
        days=frozenset(DAYS.index(str(day)) for day in data["days"]),
        at=time.fromisoformat(str(data["at"])),
        duration=timedelta(minutes=int(data["minutes"])),
        timezone=str(data["timezone"]),
    )


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
        kind=SilenceKind(row.kind or SilenceKind.SILENCE.value),
        name=row.name,
        recurrence=_recurrence(row.recurrence),
    )
