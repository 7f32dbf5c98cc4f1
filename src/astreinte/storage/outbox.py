"""The notification outbox: rows written with the event that causes them, claimed by workers.

A row's `dedup_key` is unique, so queueing the same page twice (a retried transaction, a second
worker, a restart) stores it once. Workers claim due rows with `FOR UPDATE SKIP LOCKED` on
PostgreSQL, so several of them never deliver the same row; SQLite has one writer at a time.

Workers need not poll to hear of a new page. In a process with a worker, the page is handed
to it (`hand_over_to`) as its transaction commits. Elsewhere, on PostgreSQL, the transaction
sends `NOTIFY astreinte_outbox`, which `listen` hears in any process (the database delivers it
at commit, never for a rolled-back transaction).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import psycopg
from sqlalchemy import ColumnElement, CursorResult, Engine, Table, event, select, text
from sqlalchemy.orm import Session

from astreinte.domain.notification import Address, Delivery, Notification
from astreinte.storage.db import insert_ignoring_duplicates
from astreinte.storage.tables import OutboxRow

OUTBOX = cast(Table, OutboxRow.__table__)


@dataclass(frozen=True, slots=True)
class Queued:
    id: int
    notification: Notification
    created_at: datetime
    status: Delivery
    attempts: int
    delivered_at: datetime | None
    last_error: str | None


def enqueue(session: Session, notification: Notification, *, now: datetime) -> bool:
    """Queue a notification unless its dedup key is already queued; True when queued now."""
    return enqueue_many(session, [notification], now=now) == 1


def enqueue_many(session: Session, notifications: Sequence[Notification], *, now: datetime) -> int:
    """Queue notifications whose dedup keys are not queued yet (one statement: the unique
    key decides, so two writers racing on the same page store it once); how many were new.

    With a worker of this process taking pages (`hand_over_to`), the new pending ones are also
    leased to it here and handed over when the transaction commits: the page leaves without
    the worker's own claiming transaction. Were the process to die first, the lease ends and
    any worker sends them."""
    if not notifications:
        return 0
    with _registry_lock:
        taker = _takers[-1] if _takers else None
    lease_until = now + taker.lease if taker else None
    rows = [
        {
            "incident_id": n.incident_id,
            "dedup_key": n.dedup_key,
            "created_at": now,
            "kind": n.kind,
            "channel": n.channel,
            "recipient": n.recipient,
            "subject": n.subject,
            "body": n.body,
            "status": n.status.value,
            "attempts": 0,
            "next_attempt_at": (lease_until or now) if n.status is Delivery.PENDING else None,
            "delivered_at": None,
            "last_error": n.error,
            "reason": n.reason or None,
            "short_body": n.short_body or None,
            "next_addresses": [{"channel": a.channel, "to": a.to} for a in n.next_addresses],
            "details": dict(n.details),
        }
        for n in notifications
    ]
    statement = insert_ignoring_duplicates(session, OUTBOX, ["dedup_key"])
    if taker is None:
        result = cast(CursorResult[Any], session.execute(statement, rows))
        queued = int(result.rowcount)
        pending = any(n.status is Delivery.PENDING for n in notifications)
        if queued and pending and not session.info.get(_NOTIFIED):
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text(f"NOTIFY {CHANNEL}"))  # once per transaction is enough
            session.info[_NOTIFIED] = True
        return queued
    returning = statement.returning(OUTBOX.c.dedup_key, OUTBOX.c.id)
    inserted = {str(key): int(new_id) for key, new_id in session.execute(returning, rows)}
    handed = session.info.setdefault(_HANDED, [])
    for n in notifications:
        if n.status is Delivery.PENDING and n.dedup_key in inserted:
            handed.append(Queued(inserted[n.dedup_key], n, now, n.status, 0, None, None))
    return len(inserted)


# --- the doorbell and the hand-over ----------------------------------------------------------

CHANNEL = "astreinte_outbox"  # PostgreSQL's notification channel
_NOTIFIED = "astreinte.outbox_notified"
_HANDED = "astreinte.outbox_handed"
_registry_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class _Taker:
    take: Callable[[list[Queued]], None]
    lease: timedelta


_takers: list[_Taker] = []


def hand_over_to(take: Callable[[list[Queued]], None], *, lease: timedelta) -> Callable[[], None]:
    """Lease each new pending notification of this process to `take` for `lease`, and give them
    to it (quickly: it runs in the committing thread) once their transaction commits; returns
    what stops it. The last one registered takes them."""
    taker = _Taker(take, lease)
    with _registry_lock:
        _takers.append(taker)

    def forget() -> None:
        with _registry_lock:
            if taker in _takers:
                _takers.remove(taker)

    return forget


@event.listens_for(Session, "after_commit")
def _hand_over(session: Session) -> None:
    handed: list[Queued] = session.info.pop(_HANDED, [])
    session.info.pop(_NOTIFIED, None)
    with _registry_lock:
        taker = _takers[-1] if _takers else None
    # Without a taker (its worker stopped meanwhile) the rows are sent when their lease ends.
    if handed and taker is not None:
        taker.take(handed)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_NOTIFIED, None)
    session.info.pop(_HANDED, None)


def listen(engine: Engine, callback: Callable[[], None], stop: threading.Event) -> None:
    """On PostgreSQL, call `callback` whenever any process commits a queued notification, until
    `stop` is set (run it in a thread of its own); on other databases, return at once. A lost
    connection is retried: the worker's regular ticks cover the gap."""
    if engine.dialect.name != "postgresql":
        return
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    while not stop.is_set():
        try:
            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute(f"LISTEN {CHANNEL}")
                callback()  # whatever was queued while nobody listened
                while not stop.is_set():
                    for _ in connection.notifies(timeout=0.5, stop_after=1):
                        callback()
        except psycopg.Error:
            stop.wait(1.0)


def has_due(session: Session, *, now: datetime) -> bool:
    """Whether any notification is due (a plain read: no lock taken)."""
    query = select(OUTBOX.c.id).where(*_due(now)).limit(1)
    return session.execute(query).first() is not None


def _due(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        OUTBOX.c.status == Delivery.PENDING.value,
        OUTBOX.c.next_attempt_at.is_not(None),
        OUTBOX.c.next_attempt_at <= now,
    )


def claim(
    session: Session, *, now: datetime, limit: int, lease_until: datetime | None = None
) -> list[Queued]:
    """Due notifications, locked (`SKIP LOCKED`: another worker takes others); with
    `lease_until` they are also set aside until then, so the lock can be released while they
    are sent."""
    query = (
        select(OutboxRow)
        .where(*_due(now))  # what `has_due` looks for
        .order_by(OutboxRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list(session.scalars(query))
    if lease_until is not None:
        for row in rows:
            row.next_attempt_at = lease_until
    return [_queued(row) for row in rows]


def record_attempt(
    session: Session,
    outbox_id: int,
    *,
    now: datetime,
    error: str | None,
    retry_at: datetime | None,
) -> None:
    """Record one delivery attempt: sent when `error` is None, else retried at `retry_at` or,
    without one, given up."""
    row = session.get(OutboxRow, outbox_id)
    if row is None:
        return
    row.attempts += 1
    row.last_error = error
    if error is None:
        row.status, row.delivered_at, row.next_attempt_at = Delivery.SENT.value, now, None
    elif retry_at is None:
        row.status, row.next_attempt_at = Delivery.FAILED.value, None
    else:
        row.next_attempt_at = retry_at


def for_incident(session: Session, incident_id: int) -> list[Queued]:
    rows = session.scalars(
        select(OutboxRow).where(OutboxRow.incident_id == incident_id).order_by(OutboxRow.id)
    )
    return [_queued(row) for row in rows]


def _queued(row: OutboxRow) -> Queued:
    return Queued(
        id=row.id,
        notification=Notification(
            dedup_key=row.dedup_key,
            kind=row.kind,
            channel=row.channel,
            recipient=row.recipient,
            subject=row.subject,
            body=row.body,
            incident_id=row.incident_id,
            status=Delivery(row.status),
            error=row.last_error,
            short_body=row.short_body or "",
            reason=row.reason or "",
            next_addresses=tuple(
                Address(str(a["channel"]), str(a.get("to") or "")) for a in row.next_addresses or ()
            ),
            details=row.details or {},
        ),
        created_at=row.created_at,
        status=Delivery(row.status),
        attempts=row.attempts,
        delivered_at=row.delivered_at,
        last_error=row.last_error,
    )


def recent(session: Session, *, limit: int = 100, offset: int = 0) -> list[Queued]:
    rows = session.scalars(
        select(OutboxRow).order_by(OutboxRow.id.desc()).limit(limit).offset(offset)
    )
    return [_queued(row) for row in rows]
