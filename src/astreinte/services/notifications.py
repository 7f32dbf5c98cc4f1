"""Deliver the outbox: claim due notifications, send each through the notifier, record every
attempt, retry with backoff, give up after the last attempt, then go on down the fallback chain
(the contact's next channel, else the channel's configured fallbacks).

A notification is marked sent only after the notifier returned, in the claiming transaction; if
the process dies in between, the row is still pending and is sent again (at-least-once on the
wire, exactly-once in the outbox). Several workers on PostgreSQL claim disjoint rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from astreinte.domain.notification import Delivery, Notification
from astreinte.domain.routing import Routing
from astreinte.services.ports import Notifier
from astreinte.storage import outbox
from astreinte.storage.db import writing
from astreinte.storage.outbox import Queued

MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=30)
LEASE = timedelta(seconds=60)  # how long a claimed notification is left to its worker
SENDERS = 8  # notifications sent at the same time by one worker


@dataclass(frozen=True, slots=True)
class NotificationRules:
    """What configuration decides about notifications when they are queued (built by the entry
    points from Settings): where they go, the public address of the incident pages, and the
    configured message templates by (language, form), form being "full" or "short"."""

    routing: Routing = field(default_factory=Routing)
    public_url: str | None = None
    templates: Mapping[tuple[str, str], str] = field(default_factory=dict)

    def template(self, language: str, form: str) -> str | None:
        return self.templates.get((language, form))


DEFAULT_RULES = NotificationRules()


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
    sessions: sessionmaker[Session],
    notifier: Notifier,
    *,
    now: datetime,
    limit: int = 50,
    fallbacks: Mapping[str, Sequence[str]] | None = None,
) -> DeliveryReport:
    """Send what is due, in three steps so that no database lock is held while a channel
    answers: lease the due rows (a short transaction: other workers skip them until the lease
    ends), send them, record each attempt (another short transaction).

    A worker that dies after leasing leaves its rows pending; they are sent once the lease
    ends. A notification whose channel fails for good is queued again on the channel's first
    fallback (`fallbacks` maps a channel, or a contact kind, to the channels to try next), in
    the transaction that records the failure, so a fallback is never lost nor doubled."""
    with sessions.begin() as session:  # a read first: the write lock only when there is work
        if not outbox.has_due(session, now=now):
            return DeliveryReport(0, 0, 0)
    with writing(sessions) as session:
        leased = outbox.claim(session, now=now, limit=limit, lease_until=now + LEASE)
    if not leased:
        return DeliveryReport(0, 0, 0)
    return record(sessions, send(notifier, leased, clock=lambda: now), fallbacks=fallbacks)


@dataclass(frozen=True, slots=True)
class Attempt:
    queued: Queued
    error: str | None  # None: delivered
    at: datetime


def send(
    notifier: Notifier, leased: Sequence[Queued], *, clock: Callable[[], datetime]
) -> list[Attempt]:
    """Send leased notifications (no database work: a channel's answer holds no lock)."""

    def attempt(queued: Queued) -> Attempt:
        try:
            notifier.send(queued.notification)
        except Exception as exc:
            return Attempt(queued, f"{type(exc).__name__}: {exc}"[:500], clock())
        return Attempt(queued, None, clock())

    if len(leased) == 1:  # the usual case once the worker is woken per page: no pool
        return [attempt(leased[0])]
    # Channels answer in tens of milliseconds each: a backlog is sent a few at a time.
    with ThreadPoolExecutor(max_workers=min(SENDERS, len(leased))) as pool:
        return list(pool.map(attempt, leased))


def record(
    sessions: sessionmaker[Session],
    attempts: Sequence[Attempt],
    *,
    fallbacks: Mapping[str, Sequence[str]] | None = None,
) -> DeliveryReport:
    """Record attempts in one transaction: sent, retried later with backoff, or given up and
    queued on the fallback channel (in this transaction, so a fallback is never lost nor
    doubled)."""
    chains = fallbacks or {}
    sent = retrying = failed = 0
    with writing(sessions) as session:
        for done in attempts:
            queued, error, at = done.queued, done.error, done.at
            if error is None:
                outbox.record_attempt(session, queued.id, now=at, error=None, retry_at=None)
                sent += 1
                continue
            later = retry_at(queued.attempts + 1, at)
            outbox.record_attempt(session, queued.id, now=at, error=error, retry_at=later)
            if later is None:
                failed += 1
                _fall_back(session, queued.notification, chains, now=at)
            else:
                retrying += 1
    return DeliveryReport(sent, retrying, failed)


def recent(sessions: sessionmaker[Session], *, limit: int = 100, offset: int = 0) -> list[Queued]:
    """The outbox, newest first."""
    with sessions.begin() as session:
        return outbox.recent(session, limit=limit, offset=offset)


def _fall_back(
    session: Session,
    notification: Notification,
    chains: Mapping[str, Sequence[str]],
    *,
    now: datetime,
) -> None:
    if notification.next_addresses:
        # A configured contact's own order comes first: they said how to reach them next.
        following, *rest = notification.next_addresses
        outbox.enqueue(
            session,
            replace(
                notification,
                dedup_key=f"{notification.dedup_key}|fallback:{following.channel}",
                channel=following.channel,
                recipient=following.to or notification.recipient,
                next_addresses=tuple(rest),
                reason=f"fallback: {notification.channel} gave up; the contact's next channel",
                status=Delivery.PENDING,
                error=None,
            ),
            now=now,
        )
        return
    tried = {notification.channel, *notification.dedup_key.split("|fallback:")[1:]}
    following_names = [name for name in chains.get(notification.channel, ()) if name not in tried]
    if not following_names:
        return
    name = following_names[0]
    outbox.enqueue(
        session,
        replace(
            notification,
            dedup_key=f"{notification.dedup_key}|fallback:{name}",
            channel=name,
            reason=f"fallback: {notification.channel} gave up; next of its fallbacks",
            status=Delivery.PENDING,
            error=None,
        ),
        now=now,
    )
