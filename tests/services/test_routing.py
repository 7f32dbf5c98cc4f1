"""Routing and contacts end to end, through real local receivers on SQLite and PostgreSQL: the
configuration as a user writes it, the incident opened and escalated by the services and the
worker, the outbox delivered by the real channels."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from astreinte.config import Settings
from astreinte.domain.incident.timeline import EventKind
from astreinte.domain.notification import SMS_LIMIT
from astreinte.services import catalogue, incidents, notifications
from astreinte.storage.outbox import Queued
from astreinte.wiring import delivery, incident_rules
from astreinte.worker.loop import Worker
from tests.conftest import SEEDS
from tests.receivers import Recorder, http_server, smtp_server

T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
PUBLIC = "https://astreinte.example.org"


@pytest.fixture
def catalogued(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Seed 004 imported: RB-P1-003 is a P1 (critical) with tier 1 = Slack #akig-incidents and
    an "SMS Alert" whose number is a placeholder, tier 2 = manager@ and cto@akig.com."""
    catalogue.import_paths(sessions, [SEEDS], now=T0)
    return sessions


def procedure_004(sessions: sessionmaker[Session]) -> str:
    with sessions() as session:
        runbook_id = next(s.id for s in catalogue.list_runbooks(session) if s.source[:3] == "004")
        stored = catalogue.show_runbook(session, runbook_id=runbook_id)
    return next(
        pid
        for pid, p in zip(stored.procedure_ids, stored.runbook.procedures, strict=True)
        if p.id == "rb-p1-003"
    )


def configured(**values: Any) -> Settings:
    return Settings.model_validate({"database_url": "sqlite://", "public_url": PUBLIC, **values})


def webhook(url: str) -> dict[str, str]:
    return {"url": url, "kind": "webhook"}


def outbox(sessions: sessionmaker[Session]) -> list[Queued]:
    return list(reversed(notifications.recent(sessions, limit=500)))


def posted(recorder: Recorder) -> list[dict[str, Any]]:
    return [json.loads(body) for _, _, body in recorder.requests]


def test_a_critical_payments_incident_reaches_its_rule_channel_and_a_minor_one_goes_elsewhere(
    catalogued: sessionmaker[Session],
) -> None:
    with http_server() as (pager_url, pager), http_server() as (ops_url, ops):
        settings = configured(
            channels={"pager": webhook(pager_url), "ops-chat": webhook(ops_url)},
            routing=[
                {"service": "pay*", "level": "critical", "channels": ["pager"]},
                {"level": ["minor"], "channels": ["ops-chat"]},
            ],
        )
        rules, wired = incident_rules(settings), delivery(settings)
        procedure = procedure_004(catalogued)
        critical = incidents.open_incident(
            catalogued,
            title="Base indisponible",
            procedure_id=procedure,
            service="payments",
            actor="alertmanager",
            now=T0,
            rules=rules,
        )
        minor = incidents.open_incident(
            catalogued,
            title="Lenteurs sur l'export",
            procedure_id=procedure,
            service="payments",
            severity="P3",
            actor="alertmanager",
            now=T0,
            rules=rules,
        )
        notifications.deliver(catalogued, wired.notifier, now=T0, fallbacks=wired.fallbacks)
        # Five minutes without acknowledgement: the worker escalates the P1 to tier 2.
        worker = Worker(
            catalogued,
            wired.notifier,
            interval=1,
            clock=lambda: T0 + timedelta(minutes=5),
            fallbacks=wired.fallbacks,
            notifying=rules.notifying,
        )
        worker.tick()
        worker.tick()  # nothing twice

    to_pager, to_ops = posted(pager), posted(ops)
    assert {p["incident"]["id"] for p in to_pager} == {critical.id}
    assert {p["incident"]["id"] for p in to_ops} == {minor.id}
    # Its page, its SLA breach at 5 min (to tier 1, paged last) and its tier 2, each once.
    assert sorted((p["type"], p["recipient"]) for p in to_pager) == [
        ("incident.escalation", "cto@akig.com"),
        ("incident.escalation", "manager@akig.com"),
        ("incident.page", "#akig-incidents"),
        ("incident.sla_breach", "#akig-incidents"),
    ]
    page = next(p for p in to_pager if p["type"] == "incident.page")
    link = f"{PUBLIC}/incidents/{critical.id}"
    assert page["link"] == page["incident"]["url"] == link
    assert page["incident"]["level"] == "critical"
    assert page["incident"]["service"] == "payments"
    assert page["incident"]["procedure"]["title"].startswith("RB-P1-003")
    assert page["incident"]["sla"]["ack_due_at"] == (T0 + timedelta(minutes=5)).isoformat()
    # The runbook is in French: so is the message, with what the person paged needs.
    assert f"Lien: {link}" in page["text"]
    assert "Procédure: RB-P1-003" in page["text"]
    assert "SLA: prise en charge avant 03:05 UTC" in page["text"]
    assert to_ops[0]["incident"]["level"] == "minor"

    # The outbox says which channel each notification took, and why.
    rows = {(q.notification.incident_id, q.notification.recipient): q for q in outbox(catalogued)}
    paged = rows[(critical.id, "#akig-incidents")].notification
    assert (paged.channel, paged.reason) == (
        "pager",
        "routing rule 1 (service pay*, level critical)",
    )
    assert rows[(minor.id, "#akig-incidents")].notification.reason == "routing rule 2 (level minor)"


def test_a_contacts_second_channel_delivers_when_the_first_answers_500(
    catalogued: sessionmaker[Session],
) -> None:
    with (
        http_server(500) as (down_url, down),
        http_server() as (chat_url, _),
        smtp_server() as (port, mailbox),
    ):
        mail = (
            f"mailto://127.0.0.1:{port}?from=astreinte@example.org&to={{recipient}}&mode=insecure"
        )
        settings = configured(
            channels={"hook": webhook(down_url), "mail": {"url": mail}, "chat": webhook(chat_url)},
            routes={"slack": "chat"},
            contacts={
                "alice": {
                    "name": "Alice Martin",
                    "channels": [
                        {"channel": "hook", "to": "@alice"},
                        {"channel": "mail", "to": "alice@example.org"},
                    ],
                    # The runbook's tier 1 has an "SMS Alert" whose number is "+33 6 XX…".
                    "aliases": ["SMS Alert"],
                }
            },
        )
        rules, wired = incident_rules(settings), delivery(settings)
        view = incidents.open_incident(
            catalogued,
            title="Base indisponible",
            procedure_id=procedure_004(catalogued),
            actor="alertmanager",
            now=T0,
            rules=rules,
        )
        at, budget = T0, T0 + timedelta(minutes=15)
        while not mailbox.messages and at < budget:
            notifications.deliver(catalogued, wired.notifier, now=at, fallbacks=wired.fallbacks)
            at += timedelta(seconds=30)
        assert mailbox.messages, "the contact's second channel never delivered"
        assert at - T0 <= timedelta(minutes=10)
        notifications.deliver(catalogued, wired.notifier, now=budget, fallbacks=wired.fallbacks)

    assert len(down.requests) == notifications.MAX_ATTEMPTS
    assert len(mailbox.messages) == 1
    (_, recipients, message) = mailbox.messages[0]
    assert recipients == ["alice@example.org"]
    text = body_of(message)
    assert f"Lien: {PUBLIC}/incidents/{view.id}" in text
    assert "Sévérité: P1 (critique)" in text

    alice = [q for q in outbox(catalogued) if q.notification.channel in {"hook", "mail"}]
    tried = [
        (q.notification.channel, q.notification.recipient, q.status, q.attempts) for q in alice
    ]
    assert tried == [
        ("hook", "@alice", "failed", notifications.MAX_ATTEMPTS),
        ("mail", "alice@example.org", "sent", 1),
    ]
    assert "500" in (alice[0].last_error or "")
    assert alice[0].notification.reason == "contact alice: first of its 2 channels"
    assert alice[1].notification.reason == "fallback: hook gave up; the contact's next channel"
    # The placeholder the runbook left is filled by the configured contact, not reported missing.
    view = incidents.get_incident(catalogued, incident_id=view.id)
    escalation = next(s.event for s in view.timeline if s.event.kind is EventKind.ESCALATION)
    assert "SMS Alert (Alice Martin)" in escalation.data["paged"]  # type: ignore[operator]
    assert EventKind.CONTACT_MISSING not in {s.event.kind for s in view.timeline}


def test_an_sms_gateway_gets_the_short_form_without_a_title(
    sessions: sessionmaker[Session],
) -> None:
    with http_server() as (url, gateway):
        sms = url.replace("http://", "json://") + "/sms"  # Apprise's JSON POST, as a gateway
        settings = configured(
            channels={"sms": {"url": sms, "form": "short"}},
            contacts={"bob": {"channels": [{"channel": "sms", "to": "+33611111111"}]}},
            escalation={"tiers": [{"contacts": ["bob"]}]},
        )
        rules, wired = incident_rules(settings), delivery(settings)
        view = incidents.open_incident(
            sessions,
            title="Checkout returns 502 errors for every customer since the last deployment",
            service="checkout",
            severity="critical",
            actor="alertmanager",
            now=T0,
            rules=rules,
        )
        notifications.deliver(sessions, wired.notifier, now=T0, fallbacks=wired.fallbacks)

    (_, _, body) = gateway.requests[0]
    sent = json.loads(body)
    assert sent["title"] == ""
    assert len(sent["message"]) <= SMS_LIMIT
    assert sent["message"].startswith(f"#{view.id} critical: Checkout returns")
    assert sent["message"].endswith(f"{PUBLIC}/incidents/{view.id}")
    assert "SLA: respond 03:05, resolve 04:00 UTC." in sent["message"]
    (row,) = outbox(sessions)
    assert (row.notification.channel, row.notification.recipient) == ("sms", "+33611111111")


def body_of(message: Message) -> str:
    parts = message.walk() if message.is_multipart() else [message]
    texts = []
    for part in parts:
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            texts.append(payload.decode(part.get_content_charset() or "utf-8"))
    return "\n".join(texts)
