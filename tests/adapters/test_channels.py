"""Channels against real local peers: mail through an SMTP server, our signed webhook to an
HTTP server."""

from __future__ import annotations

import json
from dataclasses import replace
from email.header import decode_header, make_header

import pytest

from astreinte.adapters import signatures
from astreinte.adapters.channels import (
    AppriseChannel,
    ChannelError,
    ChannelNotifier,
    WebhookChannel,
)
from astreinte.domain.incident.timeline import JsonValue
from astreinte.domain.notification import Notification
from tests.receivers import http_server, smtp_server

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def page(channel: str = "email", recipient: str = "oncall@example.org") -> Notification:
    return Notification(
        dedup_key="incident:7:cycle:0:step:0:0",
        kind="page",
        channel=channel,
        recipient=recipient,
        subject="[astreinte #7] P1 critical — Checkout down — tier 1",
        body="Checkout down since 03:00 UTC",
        incident_id=7,
    )


def smtp_url(port: int) -> str:
    return f"mailto://127.0.0.1:{port}?from=astreinte@example.org&to={{recipient}}&mode=insecure"


def test_mail_reaches_the_runbook_contact() -> None:
    with smtp_server() as (port, mailbox):
        AppriseChannel(smtp_url(port)).deliver(page(recipient="dev@example.org"))
    (sender, recipients, message) = mailbox.messages[0]
    assert sender == "astreinte@example.org"
    assert recipients == ["dev@example.org"]
    subject = str(make_header(decode_header(message["Subject"])))  # RFC 2047, for the dashes
    assert subject == page().subject


def test_the_webhook_is_signed_and_keeps_its_id() -> None:
    with http_server() as (url, recorder):
        channel = WebhookChannel(url + "/hook", secret=SECRET, clock=lambda: 1_795_000_000.0)
        channel.deliver(page("webhook"))
        channel.deliver(page("webhook"))  # a retry
    (path, headers, body), (_, again, _) = recorder.requests
    assert path == "/hook"
    payload = json.loads(body)
    assert payload["incident"] == {"id": 7}
    assert payload["text"] == page().body
    assert headers["webhook-id"] == again["webhook-id"] == page().dedup_key
    assert signatures.verify(
        "standard-webhooks",
        body,
        headers,
        SECRET,
        now=__import__("datetime").datetime.fromtimestamp(
            1_795_000_000, tz=__import__("datetime").UTC
        ),
    )


@pytest.mark.parametrize("status", [500, 429, 404])
def test_a_refusing_receiver_is_a_channel_error(status: int) -> None:
    with http_server(status) as (url, _), pytest.raises(ChannelError, match=str(status)):
        WebhookChannel(url).deliver(page("webhook"))


def test_an_unreachable_receiver_is_a_channel_error() -> None:
    from tests.receivers import free_port

    with pytest.raises(ChannelError, match="Connect"):
        WebhookChannel(f"http://127.0.0.1:{free_port()}/hook", timeout=2).deliver(page("webhook"))


def test_contacts_are_routed_by_kind_and_unrouted_kinds_say_what_to_add() -> None:
    with smtp_server() as (port, mailbox):
        notifier = ChannelNotifier({"mail": AppriseChannel(smtp_url(port))}, {"email": "mail"})
        notifier.send(page("email"))
        with pytest.raises(ChannelError, match=r'\[routes\] sms = "<channel>"'):
            notifier.send(page("sms", "+33600000000"))
    assert len(mailbox.messages) == 1


def test_the_webhook_carries_the_incident_link_and_fields() -> None:
    details: dict[str, JsonValue] = {
        "title": "Checkout down",
        "status": "triggered",
        "severity": "P1",
        "level": "critical",
        "service": "checkout",
        "url": "https://astreinte.example.org/incidents/7",
        "sla": {"ack_due_at": "2026-11-22T03:05:00+00:00", "resolve_due_at": None},
    }
    routed = replace(
        page("pager"),
        short_body="#7 P1 critical: Checkout down https://astreinte.example.org/incidents/7",
        reason="routing rule 1 (level critical)",
        details=details,
    )
    with http_server() as (url, recorder):
        WebhookChannel(url).deliver(routed)
    payload = json.loads(recorder.requests[0][2])
    # The fields of the first version stay as they were…
    assert payload["id"] == routed.dedup_key
    assert payload["type"] == "incident.page"
    assert payload["text"] == routed.body
    # …and the incident comes with its link, level, service and deadlines.
    assert payload["incident"] == {"id": 7, **details}
    assert payload["link"] == "https://astreinte.example.org/incidents/7"
    assert payload["short_text"] == routed.short_body
    assert (payload["channel"], payload["reason"]) == ("pager", "routing rule 1 (level critical)")
