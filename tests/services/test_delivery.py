"""Delivering pages through real local peers (SQLite and PostgreSQL): retries and backoff, the
fallback chain when a channel keeps failing, and a worker killed between claim and delivery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from astreinte.adapters.channels import AppriseChannel, ChannelNotifier, WebhookChannel
from astreinte.domain.notification import Notification
from astreinte.services import catalogue, incidents, notifications
from astreinte.storage.tables import OutboxRow
from tests.conftest import SEEDS
from tests.receivers import http_server, smtp_server

T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


@pytest.fixture
def paged(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Seed 004 imported and one P1 opened: its tier 1 has a Slack contact to page."""
    catalogue.import_paths(sessions, [SEEDS], now=T0)
    with sessions() as session:
        runbook_id = next(s.id for s in catalogue.list_runbooks(session) if s.source[:3] == "004")
        stored = catalogue.show_runbook(session, runbook_id=runbook_id)
    procedure = next(
        pid
        for pid, p in zip(stored.procedure_ids, stored.runbook.procedures, strict=True)
        if p.id == "rb-p1-003"
    )
    incidents.open_incident(
        sessions, title="Base indisponible", procedure_id=procedure, actor="alice", now=T0
    )
    return sessions


def rows(sessions: sessionmaker[Session]) -> list[OutboxRow]:
    with sessions() as session:
        return list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)))


def test_a_failing_channel_falls_back_to_mail_within_the_retry_budget(
    paged: sessionmaker[Session],
) -> None:
    with http_server(500) as (url, slack), smtp_server() as (port, mailbox):
        mail = f"mailto://127.0.0.1:{port}?from=astreinte@example.org&to=oncall@example.org&mode=insecure"
        notifier = ChannelNotifier(
            {"slack": WebhookChannel(url, timeout=5), "mail": AppriseChannel(mail)},
            routes={"slack": "slack"},
        )
        chains = {"slack": ("mail",)}
        at = T0
        budget = T0 + timedelta(minutes=15)
        while not mailbox.messages and at < budget:
            notifications.deliver(paged, notifier, now=at, fallbacks=chains)
            at += timedelta(seconds=30)
        assert mailbox.messages, "the fallback never delivered"
        assert len(slack.requests) == notifications.MAX_ATTEMPTS
        assert at - T0 <= timedelta(minutes=10)
        notifications.deliver(paged, notifier, now=budget, fallbacks=chains)  # nothing more
    assert len(mailbox.messages) == 1
    (_, recipients, message) = mailbox.messages[0]
    assert recipients == ["oncall@example.org"]
    slack_rows = [r for r in rows(paged) if r.channel == "slack"]
    mail_rows = [r for r in rows(paged) if r.channel == "mail"]
    assert [(r.status, r.attempts) for r in slack_rows] == [("failed", notifications.MAX_ATTEMPTS)]
    assert "500" in (slack_rows[0].last_error or "")
    assert [(r.status, r.attempts) for r in mail_rows] == [("sent", 1)]
    assert mail_rows[0].dedup_key.endswith("|fallback:mail")
    assert message["X-Application"] == "Apprise"


class Crash(BaseException):
    """Stands for the worker process dying (kill -9) in the middle of a delivery."""


class DiesOnce:
    def __init__(self, then: ChannelNotifier) -> None:
        self.then = then
        self.died = False

    def send(self, notification: Notification) -> None:
        if not self.died:
            self.died = True
            raise Crash
        self.then.send(notification)


def test_a_worker_killed_between_claim_and_delivery_delivers_once_after_restart(
    paged: sessionmaker[Session],
) -> None:
    with http_server(200) as (url, slack):
        notifier = ChannelNotifier({"slack": WebhookChannel(url)}, routes={"slack": "slack"})
        dying = DiesOnce(notifier)
        with pytest.raises(Crash):
            notifications.deliver(paged, dying, now=T0)
        assert slack.requests == []
        assert {(r.status, r.attempts) for r in rows(paged) if r.channel == "slack"} == {
            ("pending", 0)
        }
        restart = T0 + timedelta(seconds=5)
        notifications.deliver(paged, notifier, now=restart)  # still leased to the dead worker
        assert slack.requests == []
        after_lease = T0 + notifications.LEASE + timedelta(seconds=1)
        notifications.deliver(paged, notifier, now=after_lease)
        notifications.deliver(paged, notifier, now=after_lease + timedelta(seconds=5))
    assert len(slack.requests) == 1
    assert {(r.status, r.attempts) for r in rows(paged) if r.channel == "slack"} == {("sent", 1)}
