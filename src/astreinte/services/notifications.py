"""Deliver the outbox: claim due notifications, send each through the notifier, record every
attempt, retry with backoff, give up after the last attempt.

A notification is marked sent only after the notifier returned, in the claiming transaction; if
the process dies in between, the row is still pending and is sent again (at-least-once on the
wire, exactly-once in the outbox). Several workers on PostgreSQL claim disjoint rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from astreinte.services.ports import Notifier
from astreinte.storage import outbox
from astreinte.storage.db import writing
from astreinte.storage.outbox import Queued

MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int
    retrying: int
    failed: int


def retry_at(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed attempts (30 s, 1 min, 2 min, 4 min), None
    once the attempts are used up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + FIRST_RETRY * int(2 ** (attempts - 1))


def deliver(
    sessions: sessionmaker[Session], notifier: Notifier, *, now: datetime, limit: int = 50
) -> DeliveryReport:
    sent = retrying = failed = 0
    with writing(sessions) as session:
        for queued in outbox.claim(session, now=now, limit=limit):
            try:
                notifier.send(queued.notification)
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"[:500]
                later = retry_at(queued.attempts + 1, now)
                outbox.record_attempt(session, queued.id, now=now, error=error, retry_at=later)
                if later is None:
                    failed += 1
                else:
                    retrying += 1
                continue
            outbox.record_attempt(session, queued.id, now=now, error=None, retry_at=None)
            sent += 1
    return DeliveryReport(sent, retrying, failed)


def recent(sessions: sessionmaker[Session], *, limit: int = 100, offset: int = 0) -> list[Queued]:
    """The outbox, newest first."""
    with sessions.begin() as session:
        return outbox.recent(session, limit=limit, offset=offset)
